"""Reads over policy parameters: the YAML tree with the UI changes layered on top, and the page rows.

`parameter_tree()` is what every engine caller should use instead of `ParameterTree.load()`: the
same tree, plus every change made in the UI that has not been withdrawn. It is cached per process
and rebuilt only when one aggregate query over the changes says something moved.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import Count, Max

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.areas.models import Area, AreaLevel
from dajiuzhu.core import clock
from dajiuzhu.core.errors import NotFound, PermissionDenied
from dajiuzhu.parameters.models import ParameterChange
from dajiuzhu.parameters.validation import KIND_HELP, parameter_kind, typed_value
from dajiuzhu.rules.parameters import (
    NATIONAL,
    Parameter,
    ParameterError,
    ParameterTree,
    ParameterValue,
    region_chain,
)

log = logging.getLogger(__name__)

# (name, jurisdiction, start) of a value that comes from the UI → the id of its ParameterChange.
UiIndex = dict[tuple[str, str, dt.date], int]


@dataclass(frozen=True)
class _Layered:
    key: tuple[Any, ...]
    tree: ParameterTree
    ui: UiIndex


_cache: _Layered | None = None


@lru_cache(maxsize=1)
def _yaml_tree() -> ParameterTree:
    return ParameterTree.load()


def _state_key() -> tuple[Any, ...]:
    """One query that changes whenever a change is added or withdrawn (rows are never deleted;
    created_at also tells apart a rolled-back row from a later one that reused its id)."""
    agg = ParameterChange.objects.aggregate(
        n=Count("id"), last=Max("id"), created=Max("created_at"), withdrawn=Max("withdrawn_at")
    )
    return (agg["n"], agg["last"], agg["created"], agg["withdrawn"])


def _copy(base: ParameterTree) -> ParameterTree:
    tree = ParameterTree()
    for name, param in base.parameters.items():
        tree.parameters[name] = Parameter(
            name=param.name,
            label=param.label,
            unit=param.unit,
            values={j: list(values) for j, values in param.values.items()},
        )
    return tree


def _layer(base: ParameterTree, changes: list[ParameterChange], key: tuple[Any, ...]) -> _Layered:
    tree = _copy(base)
    ui: UiIndex = {}
    groups: dict[tuple[str, str], list[ParameterChange]] = defaultdict(list)
    for change in changes:
        groups[(change.name, change.jurisdiction)].append(change)
    for (name, jurisdiction), group in groups.items():
        param = tree.parameters.get(name)
        if param is None:
            # The YAML no longer defines it (renamed or removed): the change cannot apply to anything.
            log.warning("parameter change for unknown parameter %s ignored", name)
            continue
        kind = parameter_kind(base.parameters[name])
        by_start = {v.start: v for v in param.values.get(jurisdiction, [])}
        for change in group:
            by_start[change.start] = ParameterValue(
                name=name,
                value=typed_value(change.value, kind),
                start=change.start,
                jurisdiction=jurisdiction,
                reference=change.reference,
                unverified=False,
            )
            ui[(name, jurisdiction, change.start)] = change.pk
        param.values[jurisdiction] = sorted(by_start.values(), key=lambda v: v.start)
    return _Layered(key=key, tree=tree, ui=ui)


def _layered() -> _Layered:
    global _cache
    key = _state_key()
    cached = _cache
    if cached is not None and cached.key == key:
        return cached
    changes = list(ParameterChange.objects.filter(withdrawn_at__isnull=True).order_by("start", "id"))
    fresh = _layer(_yaml_tree(), changes, key)
    _cache = fresh
    return fresh


def parameter_tree() -> ParameterTree:
    """The YAML parameters plus every UI change not withdrawn. Shared per process: do not mutate.

    A UI value with the same start date as a YAML value of the same jurisdiction replaces it."""
    return _layered().tree


def parameter_definition(name: str) -> Parameter | None:
    """The parameter as the YAML defines it (label, unit, values), or None if there is no such name."""
    return _yaml_tree().parameters.get(name)


# ---- who may read and write where ------------------------------------------------------------------


def _require_reader(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        raise PermissionDenied()


def _region(user: Any) -> str:
    area = getattr(user, "area", None)
    return area.code if area is not None else NATIONAL


def parameter_jurisdiction_for(user: Any) -> str | None:
    """The jurisdiction a user's changes apply to: their own area at county level or above, else None."""
    area = getattr(user, "area", None)
    if area is None or area.level > AreaLevel.COUNTY:
        return None
    return str(area.code)


def parameter_can_edit(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.can(Capability.PARAMETER_ADMIN)
        and parameter_jurisdiction_for(user) is not None
    )


def jurisdiction_names(codes: list[str]) -> dict[str, str]:
    names = {NATIONAL: "全国"}
    for code, name in Area.objects.filter(code__in=[c for c in codes if c != NATIONAL]).values_list(
        "code", "name"
    ):
        names[code] = name
    return {c: names.get(c, c) for c in codes}


# ---- rows for the pages and the API ---------------------------------------------------------------


@dataclass(frozen=True)
class ParameterRow:
    """One parameter as it stands for the reader's area on a date (value None: nothing in force yet)."""

    name: str
    label: str
    unit: str
    kind: str
    value: Any
    jurisdiction: str
    jurisdiction_name: str
    start: dt.date | None
    reference: str
    unverified: bool
    from_ui: bool
    change_id: int | None


def _row(param: Parameter, found: ParameterValue | None, ui: UiIndex, names: dict[str, str]) -> ParameterRow:
    change_id = ui.get((param.name, found.jurisdiction, found.start)) if found else None
    return ParameterRow(
        name=param.name,
        label=param.label,
        unit=param.unit,
        kind=parameter_kind(_yaml_tree().parameters[param.name]),
        value=found.value if found else None,
        jurisdiction=found.jurisdiction if found else "",
        jurisdiction_name=names.get(found.jurisdiction, found.jurisdiction) if found else "",
        start=found.start if found else None,
        reference=found.reference if found else "",
        unverified=found.unverified if found else False,
        from_ui=change_id is not None,
        change_id=change_id,
    )


def _in_force(tree: ParameterTree, name: str, on: dt.date, region: str) -> ParameterValue | None:
    try:
        return tree.get(name, on=on, region=region)
    except ParameterError:
        return None


def parameter_list(*, user: Any, on: dt.date | None = None, q: str = "") -> list[ParameterRow]:
    """Every parameter with the value in force for the user's area on `on` (default today), sorted
    by name; `q` keeps those whose name or label contains it."""
    _require_reader(user)
    on = on or clock.today()
    region = _region(user)
    layered = _layered()
    names = jurisdiction_names(region_chain(region))
    needle = (q or "").strip().lower()
    rows = []
    for name in sorted(layered.tree.parameters):
        param = layered.tree.parameters[name]
        if needle and needle not in name.lower() and needle not in param.label.lower():
            continue
        rows.append(_row(param, _in_force(layered.tree, name, on, region), layered.ui, names))
    return rows


@dataclass(frozen=True)
class HistoryEntry:
    """One dated value of a jurisdiction in the reader's chain: from the YAML or set in the UI."""

    jurisdiction: str
    jurisdiction_name: str
    start: dt.date
    value: Any
    reference: str
    unverified: bool
    from_ui: bool
    change_id: int | None = None
    note: str = ""
    created_by: str = ""
    created_at: dt.datetime | None = None
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str = ""
    withdraw_reason: str = ""
    # A YAML value of the same jurisdiction and date that a UI value replaces.
    replaced: bool = False
    in_force: bool = False
    can_withdraw: bool = False

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


@dataclass(frozen=True)
class ParameterHistory:
    name: str
    label: str
    unit: str
    kind: str
    kind_help: str
    current: ParameterRow
    entries: list[HistoryEntry]
    # Where the reader's new values would apply, and whether they may add or withdraw values.
    jurisdiction: str | None
    jurisdiction_name: str
    can_edit: bool


def _person(user: Any) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "username", "")) if user else ""


def parameter_history(*, user: Any, name: str, on: dt.date | None = None) -> ParameterHistory:
    """All values of one parameter in the jurisdictions of the reader's chain (most specific first,
    newest first), YAML and UI, withdrawn ones included; `in_force` marks the one in force on `on`."""
    _require_reader(user)
    definition = parameter_definition(name)
    if definition is None:
        raise NotFound(f"参数“{name}”不存在")
    on = on or clock.today()
    region = _region(user)
    chain = region_chain(region)
    names = jurisdiction_names(chain)
    layered = _layered()
    current_value = _in_force(layered.tree, name, on, region)
    current = _row(layered.tree.parameters[name], current_value, layered.ui, names)
    own = parameter_jurisdiction_for(user)
    can_edit = parameter_can_edit(user)
    kind = parameter_kind(definition)

    changes = list(
        ParameterChange.objects.filter(name=name, jurisdiction__in=chain)
        .select_related("created_by", "withdrawn_by")
        .order_by("-start", "-created_at", "-id")
    )
    active_starts = {(c.jurisdiction, c.start) for c in changes if c.withdrawn_at is None}

    def is_current(jurisdiction: str, start: dt.date, from_ui: bool) -> bool:
        return (
            current_value is not None
            and current_value.jurisdiction == jurisdiction
            and current_value.start == start
            and current.from_ui == from_ui
        )

    entries: list[HistoryEntry] = []
    for jurisdiction in chain:
        mine: list[HistoryEntry] = []
        for v in definition.values.get(jurisdiction, []):
            replaced = (jurisdiction, v.start) in active_starts
            mine.append(
                HistoryEntry(
                    jurisdiction=jurisdiction,
                    jurisdiction_name=names[jurisdiction],
                    start=v.start,
                    value=v.value,
                    reference=v.reference,
                    unverified=v.unverified,
                    from_ui=False,
                    replaced=replaced,
                    in_force=not replaced and is_current(jurisdiction, v.start, False),
                )
            )
        for c in changes:
            if c.jurisdiction != jurisdiction:
                continue
            active = c.withdrawn_at is None
            mine.append(
                HistoryEntry(
                    jurisdiction=jurisdiction,
                    jurisdiction_name=names[jurisdiction],
                    start=c.start,
                    value=typed_value(c.value, kind),
                    reference=c.reference,
                    unverified=False,
                    from_ui=True,
                    change_id=c.pk,
                    note=c.note,
                    created_by=_person(c.created_by),
                    created_at=c.created_at,
                    withdrawn_at=c.withdrawn_at,
                    withdrawn_by=_person(c.withdrawn_by),
                    withdraw_reason=c.withdraw_reason,
                    in_force=active and is_current(jurisdiction, c.start, True),
                    can_withdraw=active and can_edit and c.jurisdiction == own,
                )
            )
        # Newest first; on the same date the UI value (which wins) before the YAML one it replaced.
        mine.sort(key=lambda e: (e.start, e.from_ui, e.change_id or 0), reverse=True)
        entries.extend(mine)
    return ParameterHistory(
        name=name,
        label=definition.label,
        unit=definition.unit,
        kind=kind,
        kind_help=KIND_HELP[kind],
        current=current,
        entries=entries,
        jurisdiction=own,
        jurisdiction_name=names.get(own, own) if own else "",
        can_edit=can_edit,
    )


def warm_up() -> None:
    """Parse the YAML parameter tree now (no database access): config.wsgi calls it before workers fork."""
    _yaml_tree()
