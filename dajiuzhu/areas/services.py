"""Area writes: bulk-load the vendored division table and create grids under villages."""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from dajiuzhu.areas.divisions import DATA
from dajiuzhu.areas.models import Area, AreaLevel
from dajiuzhu.core.db import analyze

ANCESTOR_COLUMNS = ("province_code", "city_code", "county_code", "township_code", "village_code")
PROVINCE_FILES = {"37": "shandong.csv.gz"}
BATCH = 5000


@dataclass(frozen=True)
class LoadStats:
    read: int
    created: int


def _read_rows(province: str) -> list[tuple[str, str, int, str]]:
    filename = PROVINCE_FILES.get(province)
    if filename is None:
        raise ValueError(f"没有省级区划代码“{province}”的区划数据（已内置：{'、'.join(PROVINCE_FILES)}）")
    with gzip.open(DATA / filename, "rb") as fh:
        reader = csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8", newline=""))
        return [(r["code"], r["name"], int(r["level"]), r["parent_code"]) for r in reader]


def areas_load(*, province: str = "37", city: str | None = None) -> LoadStats:
    """Load the vendored divisions of a province (or of one city in it) into Area; idempotent.

    Rows whose code already exists are skipped, so a reload only adds what is missing. The ancestor
    columns are derived in memory from the parent links (the file is ordered by level), so the whole
    province is written with a handful of bulk INSERTs.
    """
    rows = _read_rows(province)
    if city is not None and city not in {code for code, _n, level, _p in rows if level == AreaLevel.CITY}:
        raise ValueError(f"区划代码“{city}”不是本省的地级市")
    # code -> (ancestor columns dict, full_name)
    derived: dict[str, tuple[dict[str, str], str]] = {}
    wanted: list[tuple[str, str, int, str]] = []
    for code, name, level, parent in rows:
        parent_cols, parent_full = derived.get(parent, ({}, "")) if parent else ({}, "")
        cols = dict(parent_cols)
        cols[ANCESTOR_COLUMNS[level - 1]] = code
        derived[code] = (cols, parent_full + name)
        if city is None or level == AreaLevel.PROVINCE or cols.get("city_code") == city:
            wanted.append((code, name, level, parent))

    scope = Q(code__startswith=city) | Q(code=province) if city else Q(code__startswith=province)
    existing = set(Area.objects.filter(scope).values_list("code", flat=True))
    new = [
        Area(
            code=code,
            name=name,
            level=level,
            parent_id=parent or None,
            full_name=derived[code][1],
            **derived[code][0],
        )
        for code, name, level, parent in wanted
        if code not in existing
    ]
    with transaction.atomic():
        Area.objects.bulk_create(new, batch_size=BATCH)
    if len(new) >= 1000:
        analyze(Area)  # every registry read joins the areas by county or township
    return LoadStats(read=len(wanted), created=len(new))


def _grid_rows(village: Area, start: int, count: int) -> list[Area]:
    cols = {c: getattr(village, c) for c in ANCESTOR_COLUMNS}
    out = []
    for seq in range(start, start + count):
        name = f"第{seq}网格"
        out.append(
            Area(
                code=f"{village.code}{seq:03d}",
                name=name,
                level=AreaLevel.GRID,
                parent=village,
                full_name=f"{village.full_name}{name}",
                **cols,
            )
        )
    return out


def _next_grid_seq(village: Area) -> int:
    codes = Area.objects.filter(parent=village, level=AreaLevel.GRID).values_list("code", flat=True)
    used = [int(c[len(village.code) :]) for c in codes if c[len(village.code) :].isdigit()]
    return max(used, default=0) + 1


@transaction.atomic
def grids_create(*, village: Area, count: int) -> list[Area]:
    """Create `count` grids under a village, numbered after the existing ones (code = village code + 001…)."""
    if village.level != AreaLevel.VILLAGE:
        raise ValueError(f"“{village.full_name or village.name}”不是村（社区），网格只能建在村（社区）下")
    start = _next_grid_seq(village)
    if start + count - 1 > 999:
        raise ValueError(f"“{village.name}”的网格编号已用尽（最多999个）")
    return Area.objects.bulk_create(_grid_rows(village, start, count), batch_size=BATCH)


@transaction.atomic
def grids_ensure(*, villages: list[Area], count_for: dict[str, int]) -> int:
    """Give every village without grids `count_for[code]` grids, in one bulk insert. Returns grids created."""
    with_grids = set(
        Area.objects.filter(parent__in=villages, level=AreaLevel.GRID).values_list("parent_id", flat=True)
    )
    new: list[Area] = []
    for village in villages:
        if village.code not in with_grids:
            new.extend(_grid_rows(village, 1, count_for[village.code]))
    Area.objects.bulk_create(new, batch_size=BATCH)
    return len(new)
