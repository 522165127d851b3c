"""Elderly-care entitlements as rules (the same machinery as rules.programmes: one definition, run on one
elder with every step explained, or vectorised over a county with Polars).

Per elder and month, from the assessed ability level (GB/T 42195-2022, rules.ability) and the elder's
status (特困 / 低保 / others):
- `care_hours`: free home-care hours a month (居家上门服务时长), by status × level; none in an institution;
- `care_gov_share`: the government's share of an institutional place's cost, in permille, should the
  elder live in an institution (潍坊峡山: 特困 100 %, 低保 with moderate or worse disability 80 %, others
  with moderate or worse disability 30 %); `care_self_share` what the elder or family pays.
Every number is a dated parameter (eldercare.hours.*, eldercare.cost_share.*) in
policy/parameters/CN-national-eldercare.yaml, shipped as marked example values (seed 001, 峡山) for a
county to replace with its own.

Inputs per person: `ability_level` (0–4, -1 when never assessed), `tekun_current` (receives 特困
support), `in_dibao` (the elder's household, or the elder alone, receives 低保), `in_institution` (lives
in an institution now).
"""

from __future__ import annotations

from dajiuzhu.rules.expr import (
    Agg,
    Expr,
    RuleSet,
    aggregate_stage,
    col,
    greatest,
    person_stage,
    where,
)
from dajiuzhu.rules.expr import param as p
from dajiuzhu.rules.params import EngineParam

REF_XIASHAN = "示例参数（潍坊峡山做法，seed 001），待替换为本地规定"
REF_MEAL = "示例参数（合肥、珠海等地助餐补贴做法），待替换为本地规定"
TEKUN, LOW_INCOME, OTHER = 1, 2, 3
STATUS_LABELS = {TEKUN: "特困人员", LOW_INCOME: "低保对象", OTHER: "其他老年人"}
STATUS_KEYS = {TEKUN: "tekun", LOW_INCOME: "low_income", OTHER: "other"}
LEVELS = (1, 2, 3, 4)  # 轻度 … 完全失能; 能力完好 (0) has no free hours

CARE_PARAMS = [
    EngineParam("care.share_tekun", "eldercare.cost_share.tekun", "permille"),
    EngineParam("care.share_low_income", "eldercare.cost_share.low_income", "permille"),
    EngineParam("care.share_other", "eldercare.cost_share.other", "permille"),
    EngineParam("care.share_min_level", "eldercare.cost_share.min_level", "int"),
    *[
        EngineParam(f"care.hours_{key}_{level}", f"eldercare.hours.{key}.level_{level}", "int")
        for key in STATUS_KEYS.values()
        for level in LEVELS
    ],
]

PERSON_INPUTS = {"ability_level": int, "tekun_current": bool, "in_dibao": bool, "in_institution": bool}

care_status = where(col("tekun_current"), TEKUN, where(col("in_dibao"), LOW_INCOME, OTHER)).named(
    "care_status", "身份类别（1特困人员、2低保对象、3其他老年人）", REF_XIASHAN
)


def _hours_for(key: str) -> Expr:
    level = col("ability_level")
    return where(
        level.eq(1),
        p(f"care.hours_{key}_1"),
        where(
            level.eq(2),
            p(f"care.hours_{key}_2"),
            where(level.eq(3), p(f"care.hours_{key}_3"), p(f"care.hours_{key}_4")),
        ),
    )


care_hours = where(
    col("in_institution") | (col("ability_level") < 1),
    0,
    where(
        care_status.eq(TEKUN),
        _hours_for("tekun"),
        where(care_status.eq(LOW_INCOME), _hours_for("low_income"), _hours_for("other")),
    ),
).named(
    "care_hours",
    "每月免费居家上门服务时长（小时；按身份类别和能力等级，能力完好、入住机构或未评估的为0）",
    f"参数 eldercare.hours.*；{REF_XIASHAN}",
)

care_gov_share = where(
    care_status.eq(TEKUN),
    p("care.share_tekun"),
    where(
        col("ability_level") >= p("care.share_min_level"),
        where(care_status.eq(LOW_INCOME), p("care.share_low_income"), p("care.share_other")),
        0,
    ),
).named(
    "care_gov_share",
    "入住养老机构时政府承担费用的比例（‰；特困全额，其他按身份且中度以上失能）",
    f"参数 eldercare.cost_share.*；{REF_XIASHAN}",
)

care_self_share = (1000 - care_gov_share).named(
    "care_self_share",
    "入住养老机构时本人或家庭承担费用的比例（‰）",
    f"参数 eldercare.cost_share.*；{REF_XIASHAN}",
)

household_care_hours = Agg("sum", care_hours, "household_care_hours", "全户每月免费居家上门服务时长合计")

CARE_RULES = RuleSet(
    stages=[
        person_stage(care_status, care_hours, care_gov_share, care_self_share),
        aggregate_stage(household_care_hours),
    ]
)


# ---- canteens (助老食堂): the subsidy of one meal, worked out at the till ---------------------------------------
# Inputs: age (full years on the day), tekun_current, in_dibao. Nothing below eldercare.meal.general_age;
# free from eldercare.meal.free_age (e.g. a free lunch from 75); else a fixed subsidy, higher for 特困/低保
# elders — all example values of policy/parameters/CN-national-eldercare.yaml.

MEAL_PARAMS = [
    EngineParam("meal.price", "eldercare.meal.price", "fen"),
    EngineParam("meal.free_age", "eldercare.meal.free_age", "int"),
    EngineParam("meal.low_income", "eldercare.meal.subsidy.low_income", "fen"),
    EngineParam("meal.general_age", "eldercare.meal.general_age", "int"),
    EngineParam("meal.general", "eldercare.meal.subsidy.general", "fen"),
]
MEAL_INPUTS = {"age": int, "tekun_current": bool, "in_dibao": bool}

meal_subsidy = where(
    col("age") < p("meal.general_age"),
    0,
    where(
        col("age") >= p("meal.free_age"),
        p("meal.price"),
        where(col("tekun_current") | col("in_dibao"), p("meal.low_income"), p("meal.general")),
    ),
).named(
    "meal_subsidy",
    "每餐政府补贴（分；未达年龄无补贴，达到免费年龄全额，特困和低保老人、其他老人各按定额）",
    f"参数 eldercare.meal.*；{REF_MEAL}",
)
meal_self_pay = greatest(p("meal.price") - meal_subsidy, 0).named(
    "meal_self_pay", "每餐本人支付（分）", "参数 eldercare.meal.price"
)

MEAL_RULES = RuleSet(stages=[person_stage(meal_subsidy, meal_self_pay)])
