"""The catalogue: the file (policy/catalogue.yaml), the validators every catalogue edit goes through,
and `effective_item`, the one selector that gives an item as a jurisdiction has it on a date.

An item is the shipped national definition plus a default of the local choices (LOCAL_FIELDS). A
county (or the province, for its whole area) changes only those choices, from a date, as an
ItemLocalChange row; the national fields (NATIONAL_FIELDS) stay as shipped for everyone. Resolution
works like the policy parameters (dajiuzhu.rules.parameters.region_chain): for each local field the most
specific jurisdiction of the area's chain with a value in force on the date wins.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from django.utils import timezone

from dajiuzhu.core import clock
from dajiuzhu.core.errors import ErrorReport
from dajiuzhu.intake.models import AssistanceItem, ItemLocalChange, Level
from dajiuzhu.intake.policy import ITEM_PARAMETERS
from dajiuzhu.rules.parameters import NATIONAL, region_chain

CATALOGUE_FILE = Path(settings.BASE_DIR) / "policy" / "catalogue.yaml"

_BOOLS = (
    "needs_investigation",
    "needs_check",
    "needs_opinion",
    "public_notice",
    "publish_after",
    "unverified",
    "is_active",
)
_DAYS = {
    "notice_days": ("公示天数", 0, 30),
    "accept_days": ("受理时限", 0, 60),
    "investigation_days": ("调查时限", 0, 60),
    "check_days": ("核对时限", 0, 60),
    "opinion_days": ("审核意见时限", 0, 60),
    "decision_days": ("审批时限", 0, 60),
    "notify_days": ("送达时限", 0, 60),
    "total_days": ("办结时限", 1, 120),
    "total_days_delegated": ("下放后办结时限", 1, 120),
    "total_days_extended": ("延长后办结时限", 1, 180),
    "sampling_percent": ("县级抽查比例", 0, 100),
    "sort": ("排序", 0, 9999),
}
_TEXT = {"name": ("事项名称", 100, True), "category": ("类别", 30, False), "reference": ("政策依据", 300, False),
         "programme": ("对应研判项目", 40, False)}  # fmt: skip
_LEVEL_LABELS = {
    "受理层级": ("accept_level", set(Level.values)),
    "审批层级": ("decide_level", {"township", "county", "department"}),
}


def item_validate(data: dict[str, Any], *, row: int | None = None) -> dict[str, Any]:
    """Clean one item's fields; every problem is reported with the field's Chinese name."""
    from dajiuzhu.rules.programmes import PROGRAMMES

    report = ErrorReport()
    clean: dict[str, Any] = {}
    for key, (label, limit, required) in _TEXT.items():
        if key in data:
            value = str(data[key] or "").strip()
            if required and not value:
                report.add(label, "不能为空", row=row)
            elif len(value) > limit:
                report.add(label, f"不能超过{limit}个字", row=row)
            clean[key] = value
    if clean.get("programme") and clean["programme"] not in {p.code for p in PROGRAMMES}:
        report.add("对应研判项目", f"未知的研判项目「{clean['programme']}」", row=row)
    for label, (key, allowed) in _LEVEL_LABELS.items():
        if key in data:
            value = str(data[key] or "").strip()
            if value not in allowed:
                report.add(label, "应为 village/township/county/department 之一", row=row)
            clean[key] = value
    for key in _BOOLS:
        if key in data:
            raw = data[key]
            clean[key] = (
                raw.strip().lower() in ("1", "true", "on", "yes", "是") if isinstance(raw, str) else bool(raw)
            )
    for key, (label, low, high) in _DAYS.items():
        if key in data:
            if key in ITEM_PARAMETERS and (data[key] is None or str(data[key]).strip() == ""):
                clean[key] = None  # the dated parameter applies (intake.policy.ITEM_PARAMETERS)
                continue
            try:
                number = int(str(data[key]).strip())
            except (TypeError, ValueError):
                report.add(label, "应为整数", row=row)
                continue
            if not low <= number <= high:
                report.add(label, f"应在{low}到{high}之间", row=row)
            clean[key] = number
    if "materials" in data:
        clean["materials"] = _materials(data["materials"], report, row)
    if clean.get("total_days_extended", 999) < (clean.get("total_days") or 0):
        report.add("延长后办结时限", "不能短于办结时限", row=row)
    report.raise_if_any("事项配置有误，请检查标出的字段")
    return clean


def _materials(value: Any, report: ErrorReport, row: int | None) -> list[dict[str, Any]]:
    """Materials as a list of {name, platform}; a text box gives one per line, "（平台获取）" marks the
    ones fetched by data sharing."""
    if isinstance(value, str):
        items: list[Any] = [line for line in value.splitlines() if line.strip()]
    else:
        items = list(value or [])
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in items:
        if isinstance(entry, dict):
            name, platform = str(entry.get("name", "")).strip(), bool(entry.get("platform"))
        else:
            text = str(entry).strip()
            platform = text.endswith("（平台获取）")
            name = text.removesuffix("（平台获取）").strip()
        if not name or len(name) > 60:
            report.add("申请材料", f"材料名称不能为空且不超过60字：{name[:20]}", row=row)
            continue
        if name in seen:
            report.add("申请材料", f"材料重复：{name}", row=row)
            continue
        seen.add(name)
        out.append({"name": name, "platform": platform})
    return out


def catalogue_file_items(path: Path | None = None) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    source = Path(path or CATALOGUE_FILE)
    doc = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    departments = [(str(d["code"]), str(d["name"])) for d in doc.get("departments", [])]
    known = {code for code, _ in departments}
    items = []
    report = ErrorReport()
    for i, raw in enumerate(doc.get("items", []), start=1):
        if raw.get("department") not in known:
            report.add("主管部门", f"{source.name} 第{i}项：未列出的部门「{raw.get('department')}」")
            continue
        data = {k: v for k, v in raw.items() if k not in ("code", "department")}
        clean = item_validate(data, row=i)
        items.append({"code": str(raw["code"]), "department": raw["department"], "sort": i, **clean})
    report.raise_if_any(f"{source.name} 有误")
    return departments, items


# ---- local choices over the shipped item ------------------------------------------------------------

# What a jurisdiction may choose for its own area (the field key → its Chinese name).
LOCAL_FIELDS: dict[str, str] = {
    "name": "事项名称",
    "department": "主管部门",
    "materials": "申请材料",
    **{key: _DAYS[key][0] for key in (
        "notice_days", "accept_days", "investigation_days", "check_days", "opinion_days", "decision_days",
        "notify_days", "total_days", "total_days_delegated", "total_days_extended", "sampling_percent",
    )},
    "delegated": "审批权下放乡镇",
}  # fmt: skip
# The national definition: the same in every county, changed only in policy/catalogue.yaml.
NATIONAL_FIELDS: dict[str, str] = {
    "code": "事项代码", "category": "类别", "programme": "对应研判项目", "accept_level": "受理层级",
    "decide_level": "审批层级", "needs_investigation": "入户调查", "needs_check": "经济状况核对",
    "needs_opinion": "乡镇审核意见", "public_notice": "公示", "publish_after": "审批后公布", "reference": "政策依据",
    "unverified": "示例配置，待核实", "is_active": "启用", "sort": "排序",
}  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE = {"1", "true", "on", "yes", "是"}
_FALSE = {"", "0", "false", "off", "no", "否"}


def local_values(item: AssistanceItem) -> dict[str, Any]:
    """The local fields of an item (shipped or effective) as JSON values, the way a change stores them."""
    return {
        key: (item.department.code if key == "department" else
              [dict(m) for m in item.materials] if key == "materials" else getattr(item, key))
        for key in LOCAL_FIELDS
    }  # fmt: skip


def _rows_for(item: AssistanceItem, chain: list[str]) -> list[ItemLocalChange]:
    rows = getattr(item, "_local_rows", None)
    if rows is None:
        return list(ItemLocalChange.objects.filter(item_id=item.pk, jurisdiction__in=chain))
    return [r for r in rows if r.jurisdiction in chain]


def change_in_force(rows: Iterable[ItemLocalChange], on: dt.date) -> ItemLocalChange | None:
    """Of one jurisdiction's rows, the one in force on the date: latest start, then highest version."""
    valid = [r for r in rows if r.start <= on]
    return max(valid, key=lambda r: (r.start, r.version)) if valid else None


def _apply(item: AssistanceItem, values: dict[str, Any]) -> None:
    from dajiuzhu.accounts.models import Department

    for key, value in values.items():
        if key == "department":
            if value != item.department.code:
                department = Department.objects.filter(code=value).first()
                if department is not None:  # a department since removed: the shipped one stays
                    item.department = department
        elif key in LOCAL_FIELDS:
            setattr(item, key, value)


def effective_item(
    item: AssistanceItem, county_code: str, on: dt.date, *, skip: str | None = None
) -> AssistanceItem:
    """The item as the area `county_code` (a county, or any area code: its chain is used) has it on
    `on`: the shipped item with each local field taken from the most specific jurisdiction that sets
    it on that date. A read-only copy (same pk); the shipped row is never changed. `skip` leaves out
    one jurisdiction's own layer (what that jurisdiction's changes are compared with)."""
    base: AssistanceItem = getattr(item, "_base", None) or item
    code = (county_code or "").strip()
    if item.effective_for == (code, on) and skip is None:
        return item
    chain = [j for j in region_chain(code) if j != NATIONAL and j != skip]
    result = copy.copy(base)
    result._state = copy.copy(base._state)
    result._state.fields_cache = dict(base._state.fields_cache)
    by_jurisdiction: dict[str, list[ItemLocalChange]] = defaultdict(list)
    for row in _rows_for(base, chain):
        by_jurisdiction[row.jurisdiction].append(row)
    for jurisdiction in reversed(chain):  # least specific first: the county's own values are applied last
        found = change_in_force(by_jurisdiction.get(jurisdiction, []), on)
        if found is not None:
            _apply(result, found.values)
    result._base = base  # type: ignore[attr-defined]
    result.effective_for = (code, on)
    return result


def effective_items(items: Iterable[AssistanceItem], county_code: str, on: dt.date) -> list[AssistanceItem]:
    """effective_item for many items with one query."""
    listed = list(items)
    chain = [j for j in region_chain(county_code) if j != NATIONAL]
    grouped: dict[int, list[ItemLocalChange]] = defaultdict(list)
    for row in ItemLocalChange.objects.filter(item__in=[i.pk for i in listed], jurisdiction__in=chain):
        grouped[row.item_id].append(row)
    for item in listed:
        item._local_rows = grouped.get(item.pk, [])  # type: ignore[attr-defined]
    return [effective_item(item, county_code, on) for item in listed]


def _bool(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    text = str(raw if raw is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def local_validate(item: AssistanceItem, data: dict[str, Any]) -> dict[str, Any]:
    """Clean a jurisdiction's local values of `item` (keys of LOCAL_FIELDS only; the caller refuses the
    national ones). Every problem names its field in Chinese; nothing is returned half-clean."""
    from dajiuzhu.accounts.models import Department

    report = ErrorReport()
    clean: dict[str, Any] = {}
    for key, raw in data.items():
        label = LOCAL_FIELDS.get(key)
        if label is None:
            report.add(
                str(key)[:40],
                f"未知字段「{str(key)[:40]}」，可本地调整的字段：{'、'.join(LOCAL_FIELDS.values())}",
            )
            continue
        if key == "name":
            value = raw.strip() if isinstance(raw, str) else None
            if value is None:
                report.add(label, "应为文字")
            elif not value:
                report.add(label, "不能为空")
            elif len(value) > 100:
                report.add(label, "不能超过100个字")
            elif _CONTROL.search(value):
                report.add(label, "不能包含控制字符")
            else:
                clean[key] = value
        elif key == "department":
            code = raw.strip() if isinstance(raw, str) else ""
            if not code:
                report.add(label, "不能为空")
            elif not Department.objects.filter(code=code).exists():
                report.add(label, f"未知的部门代码「{code[:20]}」")
            else:
                clean[key] = code
        elif key == "materials":
            if not isinstance(raw, (str, list)) or (isinstance(raw, list) and not all(
                    isinstance(m, (str, dict)) for m in raw)):  # fmt: skip
                report.add(label, "应为每行一项的文字或材料列表")
                continue
            before = len(report.errors)
            texts = (
                raw.splitlines()
                if isinstance(raw, str)
                else [str(m.get("name", "")) if isinstance(m, dict) else m for m in raw]
            )
            if any(_CONTROL.search(t) for t in texts):
                report.add(label, "不能包含控制字符")
                continue
            materials = _materials(raw, report, None)
            if len(report.errors) == before:
                clean[key] = materials
        elif key == "delegated":
            flag = _bool(raw)
            if flag is None:
                report.add(label, "应为“是”或“否”")
            elif flag and item.decide_level != Level.COUNTY:
                report.add(label, f"本事项由{Level(item.decide_level).label}审批，不是县级审批，不能下放乡镇")
            else:
                clean[key] = flag
        else:
            _, low, high = _DAYS[key]
            if key in ITEM_PARAMETERS and (raw is None or (isinstance(raw, str) and not raw.strip())):
                clean[key] = None  # the dated parameter applies (intake.policy.ITEM_PARAMETERS)
                continue
            if isinstance(raw, int) and not isinstance(raw, bool):
                number = raw
            elif isinstance(raw, str) and re.fullmatch(r"[0-9]{1,9}", raw.strip()):
                number = int(raw.strip())
            else:
                report.add(label, "应为整数")
                continue
            if not low <= number <= high:
                report.add(label, f"应在{low}到{high}之间")
                continue
            clean[key] = number
    report.raise_if_any("事项配置有误，请检查标出的字段")
    return clean


def local_check_limits(values: dict[str, Any]) -> None:
    """Checks across fields of the resulting local state."""
    report = ErrorReport()
    total, extended = values.get("total_days"), values.get("total_days_extended")
    if total is not None and extended is not None and extended < total:
        report.add("延长后办结时限", "不能短于办结时限")
    report.raise_if_any("事项配置有误，请检查标出的字段")


# ---- the item of an application or an entitlement ------------------------------------------------------


def application_item_on(app: Any) -> dt.date:
    """The day whose catalogue applies to an application: the day it was filed."""
    if getattr(app, "item_on", None):
        return app.item_on  # type: ignore[no-any-return]
    if getattr(app, "filed_at", None):
        return timezone.localtime(app.filed_at).date()
    return clock.today()


class EffectiveItemDescriptor(ForwardManyToOneDescriptor):
    """`Application.item` (and `Entitlement.item`): the item as the row's county has it on the row's
    catalogue date (effective_item), so every reader — pages, letters, workflow steps, deadlines,
    delegation, the API — sees the county's local choices without asking for them."""

    def __init__(self, field: Any, date_of: Any) -> None:
        super().__init__(field)
        self.date_of = date_of

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        item = super().__get__(instance, cls)
        if instance is None or not isinstance(item, AssistanceItem):
            return item
        county = str(getattr(instance, "area_id", "") or "")[:6]
        effective = effective_item(item, county, self.date_of(instance))
        if effective is not item:
            self.field.set_cached_value(instance, effective)
        return effective


def preload_items(rows: list[Any]) -> list[Any]:
    """Load the local changes of the items of many applications (or entitlements) with one query, so
    that reading each row's `item` (EffectiveItemDescriptor) asks the database nothing more."""
    field = None
    bases = []
    for row in rows:
        field = field or type(row)._meta.get_field("item")
        if field.is_cached(row):
            item = field.get_cached_value(row)
            if item is not None and item.effective_for is None and getattr(item, "_local_rows", None) is None:
                bases.append(item)
    if not bases:
        return rows
    grouped: dict[int, list[ItemLocalChange]] = defaultdict(list)
    for change in ItemLocalChange.objects.filter(item_id__in={b.pk for b in bases}):
        grouped[change.item_id].append(change)
    for item in bases:
        item._local_rows = grouped.get(item.pk, [])  # type: ignore[attr-defined]
    return rows


def install_effective_items() -> None:
    """Called once from IntakeConfig.ready()."""
    from dajiuzhu.benefits.models import Entitlement
    from dajiuzhu.intake.models import Application

    for model, date_of in ((Application, application_item_on), (Entitlement, lambda _ent: clock.today())):
        if not isinstance(model.__dict__.get("item"), EffectiveItemDescriptor):
            model.item = EffectiveItemDescriptor(model._meta.get_field("item"), date_of)  # type: ignore[assignment]


# ---- reads for the catalogue pages and the API ------------------------------------------------------


def user_region(user: Any) -> str:
    """The area whose catalogue a user sees (their own; the shipped default without an area)."""
    area = getattr(user, "area", None)
    return str(area.code) if area is not None else NATIONAL


def local_fields_set(item: AssistanceItem, region: str, on: dt.date) -> dict[str, str]:
    """Which local fields of the effective item come from which jurisdiction of the chain (field → code)."""
    chain = [j for j in region_chain(region) if j != NATIONAL]
    by_jurisdiction: dict[str, list[ItemLocalChange]] = defaultdict(list)
    for row in _rows_for(getattr(item, "_base", None) or item, chain):
        by_jurisdiction[row.jurisdiction].append(row)
    source: dict[str, str] = {}
    for jurisdiction in reversed(chain):
        found = change_in_force(by_jurisdiction.get(jurisdiction, []), on)
        for key in found.values if found else {}:
            source[key] = jurisdiction
    return source


def delegated_counties(item: AssistanceItem, region: str, on: dt.date) -> list[str]:
    """The counties within `region` (the region itself, if a county) where approval of the item is
    delegated to townships on the date."""
    from django.db.models import Q

    from dajiuzhu.areas.models import Area, AreaLevel

    if item.decide_level != Level.COUNTY:
        return []
    code = region if region != NATIONAL else ""
    if len(code) >= 6:
        return [code[:6]] if effective_item(item, code[:6], on).delegated else []
    base = copy.copy(getattr(item, "_base", None) or item)
    above = [j for j in region_chain(code) if j != NATIONAL]
    rows = list(
        ItemLocalChange.objects.filter(
            Q(item_id=base.pk) & (Q(jurisdiction__in=above) | Q(jurisdiction__startswith=code))
        )
    )
    if not any("delegated" in row.values for row in rows):
        return []
    if any(len(r.jurisdiction) < 6 and r.values.get("delegated") for r in rows):
        candidates = list(
            Area.objects.filter(level=AreaLevel.COUNTY, code__startswith=code).values_list("code", flat=True)
        )
    else:
        candidates = sorted(
            {r.jurisdiction[:6] for r in rows if len(r.jurisdiction) >= 6 and "delegated" in r.values}
        )
    base._local_rows = rows  # type: ignore[union-attr]  # covers the chain of every county under `code`
    return sorted(c for c in candidates if effective_item(base, c, on).delegated)


def item_history(*, user: Any, item: AssistanceItem) -> list[ItemLocalChange]:
    """Every local change of the item the user may see: their own jurisdiction's, those of the levels
    above it and, for a city or province, those of the areas under it; newest first."""
    from django.db.models import Q

    from dajiuzhu.accounts.roles import Capability
    from dajiuzhu.accounts.selectors import user_require

    user_require(user, Capability.CATALOGUE_ADMIN)
    region = user_region(user)
    above = [j for j in region_chain(region) if j != NATIONAL]
    scope = Q(jurisdiction__in=above) | (Q(jurisdiction__startswith=region) if region != NATIONAL else Q())
    base = getattr(item, "_base", None) or item
    return list(
        ItemLocalChange.objects.filter(Q(item_id=base.pk) & scope)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def jurisdiction_version(item: AssistanceItem, jurisdiction: str) -> int:
    """The version of a jurisdiction's local changes of the item an edit page is based on (0: none)."""
    from django.db.models import Max

    base = getattr(item, "_base", None) or item
    found = ItemLocalChange.objects.filter(item_id=base.pk, jurisdiction=jurisdiction).aggregate(
        v=Max("version")
    )
    return int(found["v"] or 0)
