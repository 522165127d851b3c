"""Deterministic synthetic households for demos, tests and benchmarks (模拟数据).

Rows are generated column-wise with polars (no Python loop per person) in chunks, then written with
PostgreSQL COPY or, on SQLite, batched executemany. Household and person ids are allocated here
(max id + 1 …) so heads and member counts are known before insert: no UPDATE per row.

The same (households, seed, area, as_of) on the same database state gives the same rows. ID numbers
never collide with existing ones: for each (region, birth date, sex) the sequence continues after the
highest one already in the database.
"""

from __future__ import annotations

import array
import datetime as dt
import io
import random
import time
import zlib
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.functions import Substr

from dajiuzhu.areas.models import LEVEL_COLUMN, Area, AreaLevel
from dajiuzhu.areas.services import grids_ensure
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock
from dajiuzhu.core.db import analyze
from dajiuzhu.core.idnumber import CHECK_CHARS, WEIGHTS
from dajiuzhu.registry.models import Asset, Expenditure, Household, Income, Membership, Person

# Common surnames with rough national frequencies (per mille); the tail shares what is left.
SURNAMES = (
    ("王", 72), ("李", 72), ("张", 69), ("刘", 55), ("陈", 45), ("杨", 31), ("赵", 23), ("黄", 22),
    ("周", 21), ("吴", 20), ("徐", 16), ("孙", 15), ("胡", 13), ("朱", 12), ("高", 12), ("林", 11),
    ("何", 11), ("郭", 11), ("马", 10), ("罗", 8), ("梁", 8), ("宋", 7), ("郑", 7), ("谢", 6), ("韩", 6),
    ("唐", 6), ("冯", 6), ("于", 5), ("董", 5), ("萧", 5), ("程", 5), ("曹", 5), ("袁", 5), ("邓", 5),
    ("许", 5), ("傅", 4), ("沈", 4), ("曾", 4), ("彭", 4), ("吕", 4), ("苏", 4), ("卢", 4), ("蒋", 4),
    ("蔡", 4), ("贾", 4), ("丁", 3), ("魏", 3), ("薛", 3), ("叶", 3), ("阎", 3), ("余", 3), ("潘", 3),
    ("杜", 3), ("戴", 3), ("夏", 3), ("钟", 3), ("汪", 3), ("田", 3), ("任", 3), ("姜", 3), ("范", 3),
    ("方", 3), ("石", 3), ("姚", 3), ("谭", 2), ("廖", 2), ("邹", 2), ("熊", 2), ("金", 2), ("陆", 2),
    ("郝", 2), ("孔", 2), ("白", 2), ("崔", 2), ("康", 2), ("毛", 2), ("邱", 2), ("秦", 2), ("江", 2),
    ("史", 2), ("顾", 2), ("侯", 2), ("邵", 2), ("孟", 2), ("龙", 2), ("万", 2), ("段", 2), ("邢", 2),
)  # fmt: skip
MALE_CHARS = (
    "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林坤峰建国庆志海东亮成文博德福新利永生春"
)
FEMALE_CHARS = "芳娜敏静秀丽艳娟霞燕玲桂英华红梅兰凤琴云莲珍萍雪慧婷倩颖洁佳琳晶欣悦怡彤雨露月玉翠荣"
ILLNESSES = ("恶性肿瘤", "尿毒症", "白血病", "重症精神障碍", "器官移植术后", "脑卒中后遗症", "慢性心力衰竭")
STREET_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "委员会")

HOUSEHOLD_SIZES = ((1, 0.17), (2, 0.30), (3, 0.20), (4, 0.16), (5, 0.10), (6, 0.05), (7, 0.02))
DISABILITY_TYPES = (("physical", 40), ("visual", 12), ("hearing", 15), ("speech", 2), ("intellectual", 10),
                    ("mental", 12), ("multiple", 9))  # fmt: skip
# Katz hierarchy: bathing is lost first, eating last.
ADL_ORDER = ("adl_bathing", "adl_dressing", "adl_toileting", "adl_transfer", "adl_walking", "adl_eating")
INCOME_SCALE = 1.5


@dataclass(frozen=True)
class SeedStats:
    households: int
    persons: int
    memberships: int
    incomes: int
    assets: int
    expenditures: int
    grids_created: int
    seconds: float
    first_household_id: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Rng:
    """Deterministic uniform columns: bytes from random.Random (C speed) turned into polars floats."""

    def __init__(self, key: str) -> None:
        self._rng = random.Random(key)  # str seeds are hashed with sha512: stable across runs

    def u(self, n: int) -> pl.Series:
        raw = array.array("I")
        raw.frombytes(self._rng.randbytes(4 * n))
        return pl.Series(raw, dtype=pl.UInt32).cast(pl.Float64) / 4294967296.0


def _cumulative(weights: list[float]) -> pl.Series:
    total = sum(weights)
    acc, out = 0.0, []
    for w in weights:
        acc += w / total
        out.append(acc)
    out[-1] = 1.0 + 1e-9
    return pl.Series(out)


def _pick(u: pl.Series, weights: list[float]) -> pl.Series:
    """Index drawn with the given weights for each uniform in u."""
    return _cumulative(weights).search_sorted(u, side="right").cast(pl.Int64)


# ---------------------------------------------------------------- areas


@dataclass(frozen=True)
class _Place:
    villages: pl.DataFrame  # v_idx, v_code, v_short, region, urban, n_grids
    grids: pl.DataFrame  # v_idx, g_k, g_code
    grids_created: int


def _grid_count(code: str) -> int:
    return 2 + zlib.crc32(code.encode()) % 3  # 2–4 grids, stable per village


def _short_name(name: str) -> str:
    for suffix in STREET_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _prepare_place(area: Area) -> _Place:
    column = LEVEL_COLUMN[AreaLevel(area.level)]
    villages = list(Area.objects.filter(level=AreaLevel.VILLAGE, **{column: area.code}).order_by("code"))
    if not villages:
        raise ValueError(f"“{area.full_name or area.name}”下没有村（社区），请先导入行政区划")
    created = grids_ensure(villages=villages, count_for={v.code: _grid_count(v.code) for v in villages})
    grid_rows = (
        Area.objects.filter(level=AreaLevel.GRID, **{column: area.code})
        .order_by("code")
        .values_list("parent_id", "code")
    )
    index = {v.code: i for i, v in enumerate(villages)}
    grids = pl.DataFrame(
        [(index[p], c) for p, c in grid_rows], schema={"v_idx": pl.Int64, "g_code": pl.String}, orient="row"
    ).with_columns(g_k=pl.int_range(pl.len()).over("v_idx"))
    counts = grids.group_by("v_idx").agg(n_grids=pl.len())
    frame = pl.DataFrame(
        {
            "v_idx": list(range(len(villages))),
            "v_code": [v.code for v in villages],
            "v_short": [_short_name(v.name) for v in villages],
            "region": [v.county_code for v in villages],
            "urban": [("社区" in v.name or "居委会" in v.name or "居民委员会" in v.name) for v in villages],
        },
        schema_overrides={"v_idx": pl.Int64},
    ).join(counts, on="v_idx", how="left")
    return _Place(villages=frame, grids=grids, grids_created=created)


# ---------------------------------------------------------------- counters read from the database


def _household_offsets(area: Area) -> pl.DataFrame:
    """Highest household sequence already used per village (numbers are village code + 5 digits)."""
    prefix = area.code
    rows = (
        Household.objects.filter(number__startswith=prefix)
        .annotate(v=Substr("number", 1, 12))
        .values("v")
        .annotate(m=Max("number"))
        .values_list("v", "m")
    )
    data = [(v, int(m[12:])) for v, m in rows if len(m) == 17 and m[12:].isdigit()]
    return pl.DataFrame(data, schema={"v_code": pl.String, "hh_used": pl.Int64}, orient="row")


def _id_offsets(regions: list[str]) -> pl.DataFrame:
    """For each (region, birth yyyymmdd, sex) the number of sequence slots already used (max seq // 2 + 1)."""
    schema = {"region": pl.String, "bdate": pl.String, "sex": pl.String, "id_used": pl.Int64}
    parts = []
    for region in regions:
        ids = list(Person.objects.filter(id_number__startswith=region).values_list("id_number", flat=True))
        if not ids:
            continue
        parts.append(
            pl.DataFrame({"id": ids})
            .select(
                region=pl.col("id").str.slice(0, 6),
                bdate=pl.col("id").str.slice(6, 8),
                seq=pl.col("id").str.slice(14, 3).cast(pl.Int64, strict=False),
            )
            .drop_nulls()
            .with_columns(sex=pl.when(pl.col("seq") % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")))
            .group_by("region", "bdate", "sex")
            .agg(id_used=(pl.col("seq").max() // 2 + 1))
        )
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts).select(list(schema))


# ---------------------------------------------------------------- generation


def _households_frame(rng: _Rng, n: int, place: _Place, as_of: dt.date) -> pl.DataFrame:
    nv = place.villages.height
    u = {k: rng.u(n) for k in ("v", "g", "size", "age", "sex", "spouse", "parent", "sur", "sur2", "hukou",
                              "reg", "road", "door", "phone", "prop", "other", "keep")}  # fmt: skip
    size = _pick(u["size"], [w for _s, w in HOUSEHOLD_SIZES]) + 1
    frame = pl.DataFrame(
        {
            "v_idx": (u["v"] * nv).floor().cast(pl.Int64),
            "u_g": u["g"],
            "size": size,
            # Needy households skew old: u**0.8 puts more heads above 60.
            "head_age": (25 + (u["age"] ** 0.8) * 61).floor().cast(pl.Int64),
            "head_male": u["sex"] < 0.72,
            "u_spouse": u["spouse"],
            "u_parent": u["parent"],
            "s_head": _pick(u["sur"], [w for _n, w in SURNAMES]),
            "u_sur2": u["sur2"],
            "u_hukou": u["hukou"],
            "reg_days": (u["reg"] * 3650).floor().cast(pl.Int64),
            "road": (u["road"] * 12).floor().cast(pl.Int64) + 1,
            "door": (u["door"] * 60).floor().cast(pl.Int64) + 1,
            "phone": (u["phone"] * 1e8).floor().cast(pl.Int64),
            "has_property_income": u["prop"] < 0.05,
            "has_other_income": u["other"] < 0.04,
            "u_keep": u["keep"],
        }
    )
    n_sur = len(SURNAMES)
    return (
        frame.join(place.villages, on="v_idx", how="left")
        .with_columns(g_k=(pl.col("u_g") * pl.col("n_grids")).floor().cast(pl.Int64))
        .join(place.grids, on=["v_idx", "g_k"], how="left")
        .with_columns(
            has_spouse=(pl.col("size") >= 2)
            & (pl.col("u_spouse") < pl.when(pl.col("head_age") < 70).then(0.85).otherwise(0.55)),
            has_parent=(pl.col("size") >= 3) & (pl.col("head_age") <= 55) & (pl.col("u_parent") < 0.3),
            # A different surname for the spouse: shift by 1..n-1 places.
            s_spouse=(pl.col("s_head") + 1 + (pl.col("u_sur2") * (n_sur - 1)).floor().cast(pl.Int64)) % n_sur,
            residence_type=pl.when(pl.col("urban")).then(pl.lit("urban")).otherwise(pl.lit("rural")),
            hukou_type=pl.when(pl.col("urban"))
            .then(
                pl.when(pl.col("u_hukou") < 0.6)
                .then(pl.lit("resident"))
                .otherwise(pl.lit("non_agricultural"))
            )
            .otherwise(
                pl.when(pl.col("u_hukou") < 0.85).then(pl.lit("agricultural")).otherwise(pl.lit("resident"))
            ),
            address=pl.when(pl.col("urban"))
            .then(pl.format("{}{}号楼{}号", pl.col("v_short"), pl.col("road"), pl.col("door") + 100))
            .otherwise(pl.format("{}{}组{}号", pl.col("v_short"), pl.col("road"), pl.col("door"))),
            reg_date=pl.lit(as_of) - pl.duration(days=pl.col("reg_days")),
        )
    )


def _persons_frame(rng: _Rng, hh: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    base = (
        hh.select(
            "hid",
            "size",
            "head_age",
            "head_male",
            "has_spouse",
            "has_parent",
            "s_head",
            "s_spouse",
            "region",
            "urban",
            "reg_date",
            "first_pid",
            "phone",
        )
        .with_columns(slot=pl.int_ranges(0, pl.col("size")))
        .explode("slot")
        .with_columns(slot=pl.col("slot").cast(pl.Int64))
    )
    n = base.height
    names = ("gap", "sex", "sur", "len", "c1", "c2", "dis", "dtype", "grade", "adl", "adlk", "ill", "illk",
             "school", "emp", "gc", "day")  # fmt: skip
    u = {k: rng.u(n) for k in names}
    n_sur = len(SURNAMES)
    male_chars, female_chars = list(MALE_CHARS), list(FEMALE_CHARS)
    c = pl.col
    df = base.with_columns(**{f"u_{k}": v for k, v in u.items()})
    df = df.with_columns(
        relation=pl.when(c("slot") == 0)
        .then(pl.lit("head"))
        .when((c("slot") == 1) & c("has_spouse"))
        .then(pl.lit("spouse"))
        .when(c("has_parent") & (c("slot") == c("size") - 1))
        .then(pl.lit("parent"))
        .otherwise(pl.lit("child")),
        child_raw=c("head_age") - 20 - (c("u_gap") * 21).floor().cast(pl.Int64),
    )
    df = df.with_columns(
        relation=pl.when((c("relation") == "child") & (c("child_raw") > 30) & (c("u_gc") < 0.5))
        .then(pl.lit("grandchild"))
        .otherwise(c("relation")),
        age=pl.when(c("relation") == "head")
        .then(c("head_age"))
        .when(c("relation") == "spouse")
        .then((c("head_age") - 5 + (c("u_gap") * 11).floor().cast(pl.Int64)).clip(20, 95))
        .when(c("relation") == "parent")
        .then((c("head_age") + 22 + (c("u_gap") * 14).floor().cast(pl.Int64)).clip(None, 98))
        .when((c("child_raw") > 30) & (c("u_gc") < 0.5))
        .then((c("child_raw") - 25).clip(0, 20))
        .when(c("child_raw") > 30)
        .then(30 - (c("u_gc") * 8).floor().cast(pl.Int64))
        .when(c("child_raw") < 0)
        .then((c("u_gap") * (c("head_age") - 19)).floor().cast(pl.Int64))
        .otherwise(c("child_raw")),
    )
    df = df.with_columns(
        is_male=pl.when(c("relation") == "head")
        .then(c("head_male"))
        .when(c("relation") == "spouse")
        .then(~c("head_male"))
        .otherwise(c("u_sex") < 0.51),
    )
    father_surname = pl.when(c("head_male") | ~c("has_spouse")).then(c("s_head")).otherwise(c("s_spouse"))
    other_surname = (c("s_head") + 1 + (c("u_sur") * (n_sur - 1)).floor().cast(pl.Int64)) % n_sur
    df = df.with_columns(
        surname_idx=pl.when(c("relation") == "head")
        .then(c("s_head"))
        .when(c("relation") == "spouse")
        .then(c("s_spouse"))
        .when(c("relation") == "parent")
        .then(pl.when(c("is_male")).then(c("s_head")).otherwise(other_surname))
        .otherwise(father_surname),
        c1=pl.when(c("is_male"))
        .then((c("u_c1") * len(male_chars)).floor().cast(pl.Int64))
        .otherwise((c("u_c1") * len(female_chars)).floor().cast(pl.Int64) + len(male_chars)),
        c2=pl.when(c("is_male"))
        .then((c("u_c2") * len(male_chars)).floor().cast(pl.Int64))
        .otherwise((c("u_c2") * len(female_chars)).floor().cast(pl.Int64) + len(male_chars)),
        birth_date=pl.lit(as_of)
        - pl.duration(days=c("age") * 365 + (c("age") // 4) + 1 + (c("u_day") * 364).floor().cast(pl.Int64)),
    )
    chars = male_chars + female_chars
    surnames = [s for s, _w in SURNAMES]
    df = df.with_columns(
        name=pl.concat_str(
            c("surname_idx").replace_strict(list(range(n_sur)), surnames, return_dtype=pl.String),
            c("c1").replace_strict(list(range(len(chars))), chars, return_dtype=pl.String),
            pl.when(c("u_len") < 0.72)
            .then(c("c2").replace_strict(list(range(len(chars))), chars, return_dtype=pl.String))
            .otherwise(pl.lit("")),
        ),
        sex=pl.when(c("is_male")).then(pl.lit("M")).otherwise(pl.lit("F")),
        # Disability is more common with age (≈6% overall).
        disabled=c("u_dis")
        < pl.when(c("age") >= 60).then(0.11).when(c("age") >= 18).then(0.05).otherwise(0.025),
    )
    df = df.with_columns(
        disability_type=pl.when(c("disabled"))
        .then(
            _pick_expr(c("u_dtype"), [w for _t, w in DISABILITY_TYPES]).replace_strict(
                list(range(len(DISABILITY_TYPES))), [t for t, _w in DISABILITY_TYPES], return_dtype=pl.String
            )
        )
        .otherwise(pl.lit("")),
        disability_grade=pl.when(c("disabled")).then(_pick_expr(c("u_grade"), [10, 20, 30, 40]) + 1),
        adl_fail=pl.when(
            (c("u_adl") < pl.when(c("age") >= 80).then(0.25).when(c("age") >= 65).then(0.08).otherwise(0.0))
            | (c("disabled") & (c("u_grade") < 0.10) & (c("age") >= 16))
        )
        .then(1 + (c("u_adlk") * 6).floor().cast(pl.Int64))
        .otherwise(0),
        serious_illness=c("u_ill") < 0.03,
    )
    df = df.with_columns(
        illness_note=pl.when(c("serious_illness"))
        .then(
            (c("u_illk") * len(ILLNESSES))
            .floor()
            .cast(pl.Int64)
            .replace_strict(list(range(len(ILLNESSES))), list(ILLNESSES), return_dtype=pl.String)
        )
        .otherwise(pl.lit("")),
        **{col: c("adl_fail") <= i for i, col in enumerate(ADL_ORDER)},
        labour_capacity=pl.when(
            (c("age") < 16)
            | (c("age") >= 65)
            | (c("disability_grade") <= 2).fill_null(False)
            | (c("adl_fail") > 0)
        )
        .then(pl.lit("none"))
        .when((c("disability_grade") >= 3).fill_null(False) | c("serious_illness") | (c("age") >= 60))
        .then(pl.lit("partial"))
        .otherwise(pl.lit("full")),
        school_stage=pl.when(c("age").is_between(3, 5) & (c("u_school") < 0.9))
        .then(pl.lit("preschool"))
        .when(c("age").is_between(6, 11))
        .then(pl.lit("primary"))
        .when(c("age").is_between(12, 14))
        .then(pl.lit("junior"))
        .when(c("age").is_between(15, 17) & (c("u_school") < 0.7))
        .then(pl.lit("senior"))
        .when(c("age").is_between(15, 17) & (c("u_school") < 0.9))
        .then(pl.lit("vocational"))
        .when(c("age").is_between(18, 21) & (c("u_school") < 0.2))
        .then(pl.lit("college"))
        .when(c("age").is_between(18, 21) & (c("u_school") < 0.45))
        .then(pl.lit("bachelor"))
        .when(c("age").is_between(22, 24) & (c("u_school") < 0.05))
        .then(pl.lit("graduate"))
        .otherwise(pl.lit("")),
    )
    e = c("u_emp")
    df = df.with_columns(
        employment=pl.when(c("school_stage").is_in(["", "preschool"]).not_())
        .then(pl.lit("student"))
        .when(c("age") < 16)
        .then(pl.lit("na"))
        .when(c("age") >= 60)
        .then(
            pl.when(c("urban") & (e < 0.6))
            .then(pl.lit("retired"))
            .when(~c("urban") & (c("labour_capacity") != "none") & (c("age") < 75) & (e < 0.5))
            .then(pl.lit("farming"))
            .otherwise(pl.lit("na"))
        )
        .when(c("labour_capacity") == "none")
        .then(pl.lit("na"))
        .when(c("urban"))
        .then(
            pl.when(e < 0.5)
            .then(pl.lit("employed"))
            .when(e < 0.88)
            .then(pl.lit("flexible"))
            .otherwise(pl.lit("unemployed"))
        )
        .otherwise(
            pl.when(e < 0.45)
            .then(pl.lit("farming"))
            .when(e < 0.7)
            .then(pl.lit("employed"))
            .when(e < 0.95)
            .then(pl.lit("flexible"))
            .otherwise(pl.lit("unemployed"))
        ),
        pid=c("first_pid") + c("slot"),
        bdate=c("birth_date").dt.strftime("%Y%m%d"),
        phone=pl.when(c("slot") == 0)
        .then(pl.format("13{}", c("phone").cast(pl.String).str.zfill(9)))
        .otherwise(pl.lit("")),
        start_date=pl.max_horizontal(c("birth_date"), c("reg_date")),
    )
    return df


def _pick_expr(u: pl.Expr, weights: list[float]) -> pl.Expr:
    total = float(sum(weights))
    acc = 0.0
    expr: Any = None
    for i, w in enumerate(weights[:-1]):
        acc += w / total
        expr = (pl.when(u < acc) if expr is None else expr.when(u < acc)).then(pl.lit(i, dtype=pl.Int64))
    return expr.otherwise(pl.lit(len(weights) - 1, dtype=pl.Int64))


def _assign_ids(persons: pl.DataFrame, used: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """ID numbers: sequence slots continue after `used` per (region, date, sex); returns the new `used`."""
    keys = ["region", "bdate", "sex"]
    df = persons.with_columns(k=pl.int_range(pl.len()).over(keys)).join(used, on=keys, how="left")
    df = df.with_columns(k=pl.col("k") + pl.col("id_used").fill_null(0))
    overflow = df.filter(pl.col("k") >= 500)
    if overflow.height:
        raise ValueError(
            f"地址码{overflow['region'][0]}、出生日期{overflow['bdate'][0]}的身份证顺序码已用尽，请换一个县或减少户数"
        )
    seq = (pl.col("k") * 2 + pl.when(pl.col("sex") == "M").then(1).otherwise(0)).cast(pl.String).str.zfill(3)
    df = df.with_columns(body=pl.concat_str(pl.col("region"), pl.col("bdate"), seq))
    total = pl.sum_horizontal(
        [pl.col("body").str.slice(i, 1).cast(pl.Int64) * w for i, w in enumerate(WEIGHTS)]
    )
    df = df.with_columns(
        id_number=pl.concat_str(
            pl.col("body"),
            (total % 11).replace_strict(list(range(11)), list(CHECK_CHARS), return_dtype=pl.String),
        )
    )
    new_used = (
        pl.concat([used, df.group_by(keys).agg(id_used=pl.col("k").max() + 1)])
        .group_by(keys)
        .agg(pl.col("id_used").max())
    )
    return df.drop("k", "id_used", "body"), new_used


def _assign_numbers(hh: pl.DataFrame, used: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = hh.with_columns(seq=pl.int_range(pl.len()).over("v_code") + 1).join(used, on="v_code", how="left")
    df = df.with_columns(seq=pl.col("seq") + pl.col("hh_used").fill_null(0))
    if df.height and df["seq"].max() > 99999:  # type: ignore[operator]
        raise ValueError("某村（社区）的户编号超过99999，无法继续生成")
    df = df.with_columns(number=pl.concat_str(pl.col("v_code"), pl.col("seq").cast(pl.String).str.zfill(5)))
    new_used = (
        pl.concat([used, df.group_by("v_code").agg(hh_used=pl.col("seq").max())])
        .group_by("v_code")
        .agg(pl.col("hh_used").max())
    )
    return df.drop("hh_used"), new_used


def _records(
    rng: _Rng, hh: pl.DataFrame, persons: pl.DataFrame, as_of: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Incomes (one row per member and type, total over the last 12 months), assets, expenditures."""
    c = pl.col
    n = persons.height
    u = {k: rng.u(n) for k in ("a", "b", "c", "d", "med", "medv", "edu", "rehab")}
    p = persons.with_columns(**{f"r_{k}": v for k, v in u.items()})
    scale = 12 * INCOME_SCALE
    partial = pl.when(c("labour_capacity") == "partial").then(0.6).otherwise(1.0)
    wage = (
        pl.when(c("employment") == "employed")
        .then(pl.when(c("urban")).then(3600.0).otherwise(3000.0) * _ln_expr(c("r_a"), c("r_b"), 0.45))
        .when(c("employment") == "flexible")
        .then(2200.0 * _ln_expr(c("r_a"), c("r_b"), 0.6))
        .otherwise(0.0)
        * partial
    )
    business = (
        pl.when(c("employment") == "farming").then(1500.0 * _ln_expr(c("r_b"), c("r_a"), 0.6)).otherwise(0.0)
    )
    transfer = (
        pl.when(c("employment") == "retired")
        .then(2800.0 * _ln_expr(c("r_c"), c("r_d"), 0.3))
        .when(c("age") >= 60)
        .then(180.0 + c("r_c") * 120.0)
        .otherwise(0.0)
        # Maintenance (赡养费) from children living elsewhere, for most elderly members.
        + pl.when((c("age") >= 60) & (c("r_d") < 0.8)).then(300.0 + c("r_a") * 1000.0).otherwise(0.0)
    )
    per_person = p.select(
        "hid",
        "pid",
        wage=(wage * scale).round(0),
        business=(business * scale).round(0),
        transfer=(transfer * scale).round(0),
    )
    hh_level = hh.select(
        "hid",
        "first_pid",
        property=pl.when(c("has_property_income"))
        .then((300.0 + c("u_keep") * 1200.0) * 12)
        .otherwise(0.0)
        .round(0),
        other=pl.when(c("has_other_income"))
        .then((100.0 + (1 - c("u_keep")) * 400.0) * 12)
        .otherwise(0.0)
        .round(0),
    ).rename({"first_pid": "pid"})
    long = pl.concat(
        [
            per_person.unpivot(index=["hid", "pid"], variable_name="income_type", value_name="amount"),
            hh_level.unpivot(index=["hid", "pid"], variable_name="income_type", value_name="amount"),
        ]
    ).filter(c("amount") > 0)
    period_start = (
        dt.date(as_of.year - 1, as_of.month, as_of.day)
        if (as_of.month, as_of.day) != (2, 29)
        else as_of - dt.timedelta(days=365)
    )
    period_end = as_of - dt.timedelta(days=1)
    incomes = long.sort("hid", "pid", "income_type").with_columns(
        period_start=pl.lit(period_start), period_end=pl.lit(period_end)
    )

    # Assets: deposit (70%), vehicle (15%), housing (own home exempt; a few with a second property).
    hu = {k: rng.u(hh.height) for k in ("dep", "depv", "veh", "vehv", "home", "homev", "area", "second")}
    h = hh.select("hid", "urban", "first_pid").with_columns(**{f"a_{k}": v for k, v in hu.items()})
    deposits = h.filter(c("a_dep") < 0.7).select(
        "hid",
        asset_type=pl.lit("deposit"),
        description=pl.lit("银行存款"),
        value=(8000.0 * _ln_expr(c("a_depv"), c("a_dep"), 1.0)).round(0),
        quantity=pl.lit(None, pl.Float64),
        exempt=pl.lit(False),
    )
    vehicles = h.filter(c("a_veh") < 0.15).select(
        "hid",
        asset_type=pl.lit("vehicle"),
        description=pl.when(c("a_vehv") < 0.5).then(pl.lit("农用三轮车")).otherwise(pl.lit("小型轿车")),
        value=pl.when(c("a_vehv") < 0.5)
        .then(4000.0 + c("a_vehv") * 8000)
        .otherwise(20000.0 + c("a_vehv") * 60000)
        .round(0),
        quantity=pl.lit(1.0),
        exempt=c("a_vehv") < 0.5,
    )
    homes = h.filter(c("a_home") < pl.when(c("urban")).then(0.6).otherwise(0.9)).select(
        "hid",
        asset_type=pl.lit("real_estate"),
        description=pl.when(c("urban")).then(pl.lit("自住商品房")).otherwise(pl.lit("宅基地自建房")),
        value=pl.when(c("urban"))
        .then(250000.0 + c("a_homev") * 250000)
        .otherwise(40000.0 + c("a_homev") * 80000)
        .round(0),
        quantity=(60.0 + c("a_area") * 80).round(1),
        exempt=pl.lit(True),
    )
    second = h.filter(c("a_second") < 0.03).select(
        "hid",
        asset_type=pl.lit("real_estate"),
        description=pl.lit("第二套住房"),
        value=(200000.0 + c("a_homev") * 300000).round(0),
        quantity=(50.0 + c("a_area") * 70).round(1),
        exempt=pl.lit(False),
    )
    assets = (
        pl.concat([deposits, vehicles, homes, second])
        .sort("hid", "asset_type")
        .with_columns(recorded_on=pl.lit(period_end))
    )

    medical = p.filter(c("serious_illness") | (c("r_med") < 0.05)).select(
        "hid",
        "pid",
        kind=pl.lit("medical"),
        amount=pl.when(c("serious_illness"))
        .then(10000.0 + c("r_medv") * 70000)
        .otherwise(1000.0 + c("r_medv") * 7000)
        .round(0),
        note=pl.when(c("serious_illness")).then(c("illness_note")).otherwise(pl.lit("门诊慢特病自付")),
    )
    education = p.filter(
        c("school_stage").is_in(["college", "bachelor", "graduate"]) & (c("r_edu") < 0.8)
    ).select(
        "hid",
        "pid",
        kind=pl.lit("education"),
        amount=(5000.0 + c("r_edu") * 5000).round(0),
        note=pl.lit("学费及住宿费"),
    )
    rehab = p.filter(c("disabled") & (c("r_rehab") < 0.2)).select(
        "hid",
        "pid",
        kind=pl.lit("rehabilitation"),
        amount=(1500.0 + c("r_rehab") * 20000).round(0),
        note=pl.lit("康复训练及辅具"),
    )
    expenditures = (
        pl.concat([medical, education, rehab])
        .sort("hid", "pid", "kind")
        .with_columns(period_start=pl.lit(period_start), period_end=pl.lit(period_end))
    )
    return incomes, assets, expenditures


def _ln_expr(u1: pl.Expr, u2: pl.Expr, sigma: float) -> pl.Expr:
    z = ((-2.0 * (1.0 - u1).log()).sqrt() * (2 * 3.141592653589793 * u2).cos()).clip(-4, 4)
    return (z * sigma).exp()


@dataclass
class Chunk:
    households: pl.DataFrame
    persons: pl.DataFrame
    incomes: pl.DataFrame
    assets: pl.DataFrame
    expenditures: pl.DataFrame


def generate_chunk(
    *,
    seed: int,
    area_code: str,
    index: int,
    n: int,
    first_hid: int,
    first_pid: int,
    place: _Place,
    as_of: dt.date,
    hh_used: pl.DataFrame,
    id_used: pl.DataFrame,
) -> tuple[Chunk, pl.DataFrame, pl.DataFrame]:
    """One chunk of households with everything in them; pure (no database access)."""
    rng = _Rng(f"dajiuzhu-seed:{seed}:{area_code}:{index}")
    hh = _households_frame(rng, n, place, as_of)
    hh = hh.with_columns(
        hid=pl.int_range(first_hid, first_hid + n, dtype=pl.Int64),
        first_pid=first_pid + pl.col("size").cum_sum() - pl.col("size"),
    )
    hh, hh_used = _assign_numbers(hh, hh_used)
    persons = _persons_frame(rng, hh, as_of)
    persons, id_used = _assign_ids(persons, id_used)
    incomes, assets, expenditures = _records(rng, hh, persons, as_of)
    return Chunk(hh, persons, incomes, assets, expenditures), hh_used, id_used


# ---------------------------------------------------------------- writing


def _table(
    model: Any, frame: pl.DataFrame, columns: dict[str, pl.Expr]
) -> tuple[str, list[str], pl.DataFrame]:
    return model._meta.db_table, list(columns), frame.select(**columns)


def _write(tables: list[tuple[str, list[str], pl.DataFrame]], batch: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            for table, cols, frame in tables:
                buf = io.BytesIO()
                frame.write_csv(buf, include_header=False, quote_style="non_numeric")
                quoted = ", ".join(connection.ops.quote_name(col) for col in cols)
                with raw.copy(
                    f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN WITH (FORMAT csv)"
                ) as cp:
                    cp.write(buf.getvalue())
        return
    with connection.cursor() as cursor:
        for table, cols, frame in tables:
            if not frame.height:
                continue
            quoted = ", ".join(connection.ops.quote_name(col) for col in cols)
            marks = ", ".join(["%s"] * len(cols))
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})"  # noqa: S608
            for start in range(0, frame.height, batch):
                cursor.executemany(sql, frame.slice(start, batch).rows())


def _chunk_tables(chunk: Chunk, now: str) -> list[tuple[str, list[str], pl.DataFrame]]:
    c = pl.col
    ts = pl.lit(now)
    iso = "%Y-%m-%d"
    hh = _table(
        Household,
        chunk.households,
        {
            "id": c("hid"),
            "number": c("number"),
            "area_id": c("g_code"),
            "address": c("address"),
            "residence_type": c("residence_type"),
            "hukou_type": c("hukou_type"),
            "head_id": c("first_pid"),
            "member_count": c("size"),
            "note": pl.lit("模拟数据"),
            "is_active": pl.lit(True),
            "version": pl.lit(1),
            "created_at": ts,
            "updated_at": ts,
        },
    )
    person_cols = {
        "id": c("pid"),
        "id_number": c("id_number"),
        "name": c("name"),
        "sex": c("sex"),
        "birth_date": c("birth_date").dt.strftime(iso),
        "phone": c("phone"),
        "household_id": c("hid"),
        "relation": c("relation"),
        "disability_type": c("disability_type"),
        "disability_grade": c("disability_grade"),
        **{col: c(col) for col in ADL_ORDER},
        "labour_capacity": c("labour_capacity"),
        "employment": c("employment"),
        "school_stage": c("school_stage"),
        "serious_illness": c("serious_illness"),
        "illness_note": c("illness_note"),
        "is_deceased": pl.lit(False),
        "version": pl.lit(1),
        "created_at": ts,
        "updated_at": ts,
    }
    persons = _table(Person, chunk.persons, person_cols)
    memberships = _table(
        Membership,
        chunk.persons,
        {
            "person_id": c("pid"),
            "household_id": c("hid"),
            "relation": c("relation"),
            "start_date": c("start_date").dt.strftime(iso),
            "end_date": pl.lit(None, pl.String),
            "reason": pl.lit("登记"),
        },
    )
    incomes = _table(
        Income,
        chunk.incomes,
        {
            "household_id": c("hid"),
            "person_id": c("pid"),
            "income_type": c("income_type"),
            "amount": c("amount"),
            "period_start": c("period_start").dt.strftime(iso),
            "period_end": c("period_end").dt.strftime(iso),
            "source": pl.lit("synthetic"),
            "note": pl.lit(""),
            "created_at": ts,
        },
    )
    assets = _table(
        Asset,
        chunk.assets,
        {
            "household_id": c("hid"),
            "person_id": pl.lit(None, pl.Int64),
            "asset_type": c("asset_type"),
            "vehicle_kind": pl.when(c("asset_type") != "vehicle")
            .then(pl.lit(""))
            .when(c("description") == "农用三轮车")
            .then(pl.lit("agricultural"))
            .otherwise(pl.lit("private")),
            "description": c("description"),
            "value": c("value"),
            "quantity": c("quantity"),
            "exempt": c("exempt"),
            "source": pl.lit("synthetic"),
            "recorded_on": c("recorded_on").dt.strftime(iso),
            "created_at": ts,
        },
    )
    expenditures = _table(
        Expenditure,
        chunk.expenditures,
        {
            "household_id": c("hid"),
            "person_id": c("pid"),
            "kind": c("kind"),
            "amount": c("amount"),
            "period_start": c("period_start").dt.strftime(iso),
            "period_end": c("period_end").dt.strftime(iso),
            "source": pl.lit("synthetic"),
            "note": c("note"),
            "created_at": ts,
        },
    )
    return [hh, persons, memberships, incomes, assets, expenditures]


def _max_id(model: Any) -> int:
    return int(model.objects.aggregate(m=Max("id"))["m"] or 0)


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return  # SQLite AUTOINCREMENT follows explicit ids by itself
    with connection.cursor() as cursor:
        for model in (Household, Person):
            table = model._meta.db_table
            top = f"SELECT COALESCE(MAX(id), 1) FROM {connection.ops.quote_name(table)}"  # noqa: S608
            cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({top}))", [table])


def _pg_skip_fk_triggers() -> bool:
    """On PostgreSQL as a superuser, skip the per-row FK triggers for this transaction (3x faster COPY);
    `_verify_links` then checks every new link with one anti-join per foreign key before commit."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not row or not row[0]:
            return False
        cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def _verify_links(first_hid: int) -> None:
    q = connection.ops.quote_name
    checks = []
    for model in (Household, Person, Membership, Income, Asset, Expenditure):
        table = model._meta.db_table
        new_rows = f"t.{q('id')} >= %s" if model is Household else f"t.{q('household_id')} >= %s"
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not None:
                target = field.related_model._meta.db_table
                pk = str(field.related_model._meta.pk.column)
                col = f"t.{q(str(field.column))}"
                checks.append(
                    f"SELECT {col} FROM {q(table)} t WHERE {new_rows} AND {col} IS NOT NULL"  # noqa: S608
                    f" AND NOT EXISTS (SELECT 1 FROM {q(target)} r WHERE r.{q(pk)} = {col})"
                )
    with connection.cursor() as cursor:
        for sql in checks:
            cursor.execute(sql + " LIMIT 1", [first_hid])
            if cursor.fetchone() is not None:
                raise RuntimeError(f"模拟数据外键校验失败：{sql}")


def default_as_of() -> dt.date:
    """The first day of this month: synthetic incomes and expenditures then cover exactly the 12 whole
    months before it, the window an assessment made this month reads (assessment.building.Window)."""
    return clock.today().replace(day=1)


def seed_households(
    *,
    households: int,
    seed: int,
    area_code: str = "371424",
    batch: int = 20000,
    as_of: dt.date | None = None,
    actor: Any = None,
) -> SeedStats:
    """Generate and insert `households` synthetic households under `area_code` (a county or any area with
    villages below it). Chunks of `batch` households are generated and written one after another."""
    started = time.perf_counter()
    if households < 0:
        raise ValueError("户数不能为负数")
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise ValueError(f"区划代码“{area_code}”不存在，请先导入行政区划")
    if area.level > AreaLevel.VILLAGE or area.level < AreaLevel.PROVINCE:
        raise ValueError(f"“{area.full_name}”下不能生成家庭")
    as_of = as_of or default_as_of()
    now = clock.now().astimezone(dt.UTC)
    now_text = now.isoformat() if connection.vendor == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    totals = dict.fromkeys(("persons", "memberships", "incomes", "assets", "expenditures"), 0)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Ids are allocated here: keep other writers out until commit.
                tables = f"{Household._meta.db_table}, {Person._meta.db_table}"
                cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
        skipped_fk_triggers = _pg_skip_fk_triggers()
        place = _prepare_place(area)
        hh_used = _household_offsets(area)
        id_used = _id_offsets(sorted(set(place.villages["region"].to_list())))
        next_hid, next_pid = _max_id(Household) + 1, _max_id(Person) + 1
        first_hid = next_hid
        index = 0
        for start in range(0, households, batch):
            n = min(batch, households - start)
            chunk, hh_used, id_used = generate_chunk(
                seed=seed,
                area_code=area_code,
                index=index,
                n=n,
                first_hid=next_hid,
                first_pid=next_pid,
                place=place,
                as_of=as_of,
                hh_used=hh_used,
                id_used=id_used,
            )
            _write(_chunk_tables(chunk, now_text), batch=5000)
            next_hid += n
            next_pid += chunk.persons.height
            totals["persons"] += chunk.persons.height
            totals["memberships"] += chunk.persons.height
            totals["incomes"] += chunk.incomes.height
            totals["assets"] += chunk.assets.height
            totals["expenditures"] += chunk.expenditures.height
            index += 1
        if skipped_fk_triggers:
            _verify_links(first_hid)
        _reset_sequences()
        if households >= 10_000:
            # Without statistics the first big reads plan nested loops (13 s instead of 2 s for a county's
            # persons). The areas too (seeding adds grids): with none, PostgreSQL took a county for 4
            # areas instead of 1,790 and the reader's joins became nested loops (a 1 M read 45 s, not 22).
            analyze(Area, Household, Person, Membership, Income, Asset, Expenditure)
        stats = SeedStats(
            households=households,
            grids_created=place.grids_created,
            seconds=round(time.perf_counter() - started, 2),
            first_household_id=first_hid,
            **totals,
        )
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT,
            subject_type="seed",
            subject_label="模拟数据",
            area_code=area.code,
            after=stats.as_dict(),
            note=(
                f"生成模拟数据（种子{seed}）：{stats.households}户、{stats.persons}人、收入{stats.incomes}条、"
                f"财产{stats.assets}条、支出{stats.expenditures}条、新建网格{stats.grids_created}个"
            ),
        )
    return stats
