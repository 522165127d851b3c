"""Statutory supporters living outside the household (特困 condition 3, S2 art. 8, policy-spec R2.4).

Each supporter elsewhere (a son in another county, a married daughter) is one row of a third input
table, judged by the rules below on every engine (`assess_one`, `assess_polars`, `assess_spark` run
SUPPORTER_RULES like any rule set). Their household-level answer, whether any of them is able to
support, is the main rule set's input column `external_supporter_able`; co-resident members are judged
as supporters inside the main rule set (programmes.supporter_reason, the same reason codes). The
explanation lists every supporter with the reason (programmes.SUPPORTER_REASONS).
"""

from __future__ import annotations

from typing import Any

from dajiuzhu.rules.engine import SingleResult, assess_one, assess_polars
from dajiuzhu.rules.expr import (
    COLUMN_LABELS,
    Agg,
    RuleSet,
    aggregate_stage,
    col,
    greatest,
    household_stage,
    lit,
    param,
    person_stage,
    where,
)
from dajiuzhu.rules.inputs import CODES
from dajiuzhu.rules.params import ParamTable
from dajiuzhu.rules.programmes import (
    LOCAL,
    S2,
    S5,
    SUPPORTER_ABLE,
    SUPPORTER_DIBAO_ELDERLY,
    SUPPORTER_ELDERLY_POOR,
    SUPPORTER_INCAPABLE,
    SUPPORTER_MINOR,
    SUPPORTER_SEVERE_POOR,
    SUPPORTER_TEKUN,
    severe_disability,
)

# One row per supporter; `household_id` is the household of the applicants they are a supporter of.
SUPPORTER_COLUMNS: dict[str, type] = {
    "household_id": int,
    "person_id": int,  # the supporter's row id (unique in the table)
    "param_key": int,  # the applicants' parameter set (their local standard and disposable income)
    "age": int,  # on the assessment date (R10.6)
    "disability_type": str,
    "disability_grade": int,
    "is_tekun": bool,  # the supporter is a 特困 person
    "dibao_recipient": bool,  # the supporter receives 低保
    "income_fen": int,  # the supporter's own monthly income
    "financial_assets_fen": int,  # the supporter's household's financial assets
    "household_size": int,  # persons in the supporter's household (for the per-capita property test)
    "incapacity": str,  # "" | no_civil_capacity | missing | in_prison
}
SUPPORTER_CODES: dict[str, tuple[str, ...]] = {
    "disability_type": CODES["disability_type"],
    "incapacity": ("", "no_civil_capacity", "missing", "in_prison"),
}
SUPPORTER_LABELS: dict[str, str] = {
    "is_tekun": "义务人为特困人员", "dibao_recipient": "义务人为低保对象", "income_fen": "义务人本人月收入",
    "financial_assets_fen": "义务人家庭金融资产", "household_size": "义务人家庭人数",
    "incapacity": "义务人无民事行为能力、被宣告失踪或在监狱服刑",
}  # fmt: skip
INCAPACITY_WORDS = {
    "": "无",
    "no_civil_capacity": "无民事行为能力",
    "missing": "被宣告失踪",
    "in_prison": "在监狱服刑",
}
# Statutory supporters by relation to the applicant (民法典 第一千零五十九条、第一千零六十七条、第一千零七十四条、
# 第一千零七十五条): spouse, parents and children; grandparents, grandchildren and siblings where the law
# makes them liable.
RELATIONS: dict[str, str] = {
    "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙子女、外孙子女",
    "grandparent": "祖父母、外祖父母", "sibling": "兄弟姐妹",
}  # fmt: skip


def supporter_defaults() -> dict[str, object]:
    return {
        "disability_type": "", "disability_grade": 0, "is_tekun": False, "dibao_recipient": False,
        "income_fen": 0, "financial_assets_fen": 0, "household_size": 1, "incapacity": "",
    }  # fmt: skip


p = param

low_income = (col("income_fen") * 12 < p("disposable.yearly")).named(
    "supporter_low_income", "本人收入低于上年度当地居民人均可支配收入", f"{S2} 第八条"
)
property_ok = (
    col("financial_assets_fen")
    <= p("dibao.standard") * greatest(col("household_size"), 1) * p("edge.asset_months")
).named(
    "supporter_property_ok",
    "财产符合低收入家庭财产状况规定（家庭人均金融资产不超过低保标准的规定月数）",
    f"{S2} 第八条；{S5} 二；{LOCAL}",
)
supporter_reason = where(
    col("age") < p("tekun.age_minor"),
    SUPPORTER_MINOR,
    where(
        col("is_tekun"),
        SUPPORTER_TEKUN,
        where(
            col("dibao_recipient") & (col("age") >= p("tekun.supporter_dibao_age")),
            SUPPORTER_DIBAO_ELDERLY,
            where(
                (col("age") >= p("tekun.supporter_elderly_age")) & low_income & property_ok,
                SUPPORTER_ELDERLY_POOR,
                where(
                    severe_disability & low_income & property_ok,
                    SUPPORTER_SEVERE_POOR,
                    where(
                        col("incapacity").isin(["no_civil_capacity", "missing", "in_prison"]) & property_ok,
                        SUPPORTER_INCAPABLE,
                        SUPPORTER_ABLE,
                    ),
                ),
            ),
        ),
    ),
).named("supporter_reason", "户外法定义务人能否履行义务", f"{S2} 第八条")
supporter_able = supporter_reason.eq(SUPPORTER_ABLE).named(
    "supporter_able", "有履行能力的户外法定义务人", f"{S2} 第八条"
)
n_outside = Agg("count", lit(True), "n_outside", "户外法定义务人数", f"{S2} 第八条")
n_outside_able = Agg(
    "count", supporter_able, "n_outside_able", "有履行能力的户外法定义务人数", f"{S2} 第八条"
)
outside_able = (n_outside_able.ref > 0).named(
    "external_supporter_able", "户外法定义务人中有人有履行能力", f"{S2} 第八条"
)

SUPPORTER_RULES = RuleSet(
    stages=[
        person_stage(severe_disability, low_income, property_ok, supporter_reason, supporter_able),
        aggregate_stage(n_outside, n_outside_able),
        household_stage(outside_able),
    ]
)

COLUMN_LABELS.update(SUPPORTER_LABELS)


def polars_schema() -> dict[str, Any]:
    import polars as pl

    types = {int: pl.Int64, str: pl.Utf8, bool: pl.Boolean}
    return {
        k: pl.Enum(list(SUPPORTER_CODES[k])) if k in SUPPORTER_CODES else types[v]
        for k, v in SUPPORTER_COLUMNS.items()
    }


def assess_supporters_one(
    household: dict[str, Any], supporters: list[dict[str, Any]], params: dict[str, int]
) -> SingleResult:
    """The supporters of one household, every step recorded (for the explanation)."""
    keys = {"household_id": household["household_id"], "param_key": household.get("param_key", 0)}
    return assess_one(SUPPORTER_RULES, keys, supporters, params)


def with_outside_supporters_polars(households: Any, supporters: Any, table: ParamTable) -> Any:
    """`households` (a Polars DataFrame with household_id and param_key) with external_supporter_able
    computed from `supporters` (SUPPORTER_COLUMNS without param_key, which comes from the household);
    a household with no supporter elsewhere gets false."""
    import polars as pl

    keys = households.select("household_id", "param_key").sort("household_id")
    sup = (
        supporters.drop("param_key", strict=False)
        .join(keys, on="household_id", how="inner")
        .sort("household_id")
    )
    able = assess_polars(SUPPORTER_RULES, keys, sup.select(list(SUPPORTER_COLUMNS)), table)
    return (
        households.drop("external_supporter_able", strict=False)
        .join(
            able.select("household_id", "external_supporter_able"),
            on="household_id",
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.col("external_supporter_able").fill_null(False))
    )


def with_outside_supporters_spark(households: Any, supporters: Any, table: ParamTable) -> Any:
    """The same on Spark DataFrames (supporters with SUPPORTER_COLUMNS, param_key included)."""
    from pyspark.sql import functions as F

    from dajiuzhu.rules.spark import assess_spark

    able = assess_spark(SUPPORTER_RULES, households.select("household_id", "param_key"), supporters, table)
    return (
        households.drop("external_supporter_able")
        .join(able.select("household_id", "external_supporter_able"), on="household_id", how="left")
        .withColumn("external_supporter_able", F.coalesce(F.col("external_supporter_able"), F.lit(False)))
    )
