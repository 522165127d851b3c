"""Reads over the area tree. Every permission check in the platform goes through `scope_q`."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dajiuzhu.areas.models import LEVEL_COLUMN, Area, AreaLevel


def area_descendants(area: Area, *, include_self: bool = True) -> QuerySet[Area]:
    qs = Area.objects.filter(**{LEVEL_COLUMN[AreaLevel(area.level)]: area.code})
    if not include_self:
        qs = qs.exclude(code=area.code)
    return qs


def area_ancestors(area: Area) -> list[Area]:
    return list(Area.objects.filter(code__in=area.ancestor_codes()).order_by("level"))


def area_children(area: Area | None) -> QuerySet[Area]:
    if area is None:
        return Area.objects.filter(parent__isnull=True)
    return Area.objects.filter(parent=area)


def area_q(area: Area, *, prefix: str = "area") -> Q:
    """Q that keeps rows whose area (via `prefix`) is `area` or lies under it: one indexed equality."""
    column = LEVEL_COLUMN[AreaLevel(area.level)]
    if column == "code":
        return Q(**{f"{prefix}_id": area.code})
    return Q(**{f"{prefix}__{column}": area.code})


def area_get(code: str) -> Area | None:
    return Area.objects.filter(code=code).first()


def region_code_known(code: str) -> bool:
    """For ID validation: a real county-level code, in force now or abolished (old ID cards keep the
    code of their issue; data/abolished_codes.csv). A made-up code under a known prefecture is refused."""
    from dajiuzhu.areas.divisions import county_code_known

    return county_code_known(code)
