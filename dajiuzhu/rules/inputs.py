"""The engine's input schema: one table of persons, one of households, plain columns, money in fen.

Every engine (the single check, Polars, Spark) reads exactly these columns; the registry, a JSON case
file or a synthetic generator produce them. Ages are whole years on the assessment reference date;
money columns are monthly averages over the look-back period unless the name says otherwise.
"""

from __future__ import annotations

from typing import Any

from dajiuzhu.rules.expr import COLUMN_LABELS

PERSON_COLUMNS: dict[str, type] = {
    "household_id": int,
    "person_id": int,
    "param_key": int,  # which parameter set (region × urban/rural) applies; see rules.params
    "age": int,  # full years on the assessment date, the birthday itself counted (policy-spec R10.6)
    # 0 no birthday in the assessment month; 1 it was on or before the assessment date; 2 it is still to
    # come. With `age` it gives the age an age-tied payment uses for the month (age.start_rule).
    "birthday_this_month": int,
    "sex": str,  # "M" | "F"
    "relation": str,  # head | spouse | child | parent | …
    "counted": bool,  # a co-resident member counted in the household (policy-spec R1.5)
    "disability_type": str,  # "" | visual | hearing | speech | physical | intellectual | mental | multiple
    "disability_grade": int,  # 0 = none, 1..4
    "adl_fails": int,  # 0..6 activities of daily living not achieved
    "labour_capacity": str,  # full | partial | none
    "is_student": bool,
    "school_stage": str,  # "" | preschool | primary | junior | senior | vocational | college | bachelor | graduate
    "tekun_current": bool,  # receives 特困 support now (R2.5: kept after 18 while at school)
    "serious_illness": bool,
    "is_carer": bool,  # full-time carer of a severely disabled or seriously ill member
    "in_institution": bool,  # lives in a welfare institution (centralised support)
    "parents_absent": int,  # 0..2 parents dead or declared missing (children)
    "parents_unable": int,  # 0..2 parents unable to raise the child (R6.2 situations)
    "chooses_child_allowance": bool,  # an orphan/unsupported child takes the child allowance over 特困
    "income_wage_fen": int,
    "income_business_fen": int,
    "income_property_fen": int,
    "income_transfer_fen": int,  # net transfers other than social-insurance pensions
    "income_pension_fen": int,  # social-insurance pensions: counted for 低保, not for 特困 (R2.3)
    "income_other_fen": int,
    # central basic pension of 城乡居民基本养老保险: not counted while income.exclude_basic_pension is on
    # (S1 art. 13: the 14th Five-Year Plan), never for 特困 (S2 art. 6)
    "income_basic_pension_fen": int,
    "income_family_support_fen": int,  # maintenance from siblings or parents ≥ 60, part of transfers (S4 一(一))
    "transfer_spending_fen": int,  # maintenance paid to others, taxes, contributions: off transfer income
    # Incomes never counted (S1 art. 13 para. 2), recorded to be shown as excluded, never dropped.
    "excluded_special_care_fen": int,  # 优待抚恤金
    "excluded_family_planning_fen": int,  # 计划生育奖励与扶助金
    "excluded_reward_fen": int,  # scholarships, 见义勇为 and other reward-type subsidies
    "excluded_assistance_fen": int,  # government social assistance in cash or kind
    "excluded_local_fen": int,  # items the prefecture or province excludes (income.excluded_local)
    "clergy_venue_years": int,  # years a clergy member has lived in a religious venue (R1.6 (3))
    "single_local_route": bool,  # a caseworker found a locally defined single-person case (R1.6 (4))
    "labour_override_fen": int,  # caseworker's recorded imputed income; -1 = none
    "medical_fen": int,  # monthly rigid expenditures
    "education_fen": int,
    "rehabilitation_fen": int,
    "medical_oop_year_fen": int,  # policy-covered out-of-pocket medical cost this year (医疗救助)
}

HOUSEHOLD_COLUMNS: dict[str, type] = {
    "household_id": int,
    "param_key": int,
    "residence": str,  # urban | rural
    "financial_assets_fen": int,  # deposits, securities, insurance cash values (non-exempt)
    "vehicles": int,  # private cars (and vehicles of no recorded kind) not marked exempt
    "vehicle_value_fen": int,  # the most valuable of them
    "production_vehicles": int,  # production vehicles not marked exempt
    "production_vehicle_value_fen": int,
    "disability_vehicles": int,  # disabled persons' mobility vehicles
    "disability_vehicle_value_fen": int,
    "agricultural_vehicles": int,  # farm vehicles
    "agricultural_vehicle_value_fen": int,
    "dwellings": int,
    "has_business": bool,
    "external_supporter_able": bool,  # a statutory supporter outside the household is able to support
    "dibao_current": bool,  # the household receives 低保 now
    "dibao_taper_used": int,  # months of gradual exit already granted
    "dibao_last_amount_fen": int,  # the current monthly 低保 amount (kept during gradual exit)
    "ta_type": str,  # "" | emergency | expenditure: a temporary-assistance request being assessed
    "ta_tier": int,  # 1..3 severity tier of that request
}

PERSON_LABELS: dict[str, str] = {
    "age": "年龄（评估日）", "birthday_this_month": "本月生日（0无、1已过、2未到）", "sex": "性别",
    "relation": "与户主关系", "counted": "计入共同生活家庭成员",
    "disability_type": "残疾类别", "disability_grade": "残疾等级", "adl_fails": "日常生活活动不能完成项数",
    "labour_capacity": "劳动能力", "is_student": "在校学生", "school_stage": "在读学段",
    "tekun_current": "现为特困供养人员", "serious_illness": "患重特大疾病",
    "is_carer": "全职照料重残重病家人", "in_institution": "在福利机构集中供养",
    "parents_absent": "父母死亡或宣告失踪人数", "parents_unable": "父母不能履行抚养义务人数",
    "chooses_child_allowance": "选择领取儿童基本生活费", "income_wage_fen": "工资性收入（月）",
    "income_business_fen": "经营净收入（月）", "income_property_fen": "财产净收入（月）",
    "income_transfer_fen": "转移性收入（月）", "income_pension_fen": "养老金等社会保险待遇（月）",
    "income_other_fen": "其他收入（月）", "labour_override_fen": "工作人员认定的折算收入（月）",
    "income_basic_pension_fen": "城乡居民基本养老保险基础养老金（月）",
    "income_family_support_fen": "兄弟姐妹或60周岁以上父母给付的赡养扶养费（月）",
    "transfer_spending_fen": "转移性支出（支付的赡养费、抚养费、扶养费及税费等，月）",
    "excluded_special_care_fen": "优待抚恤金（月）", "excluded_family_planning_fen": "计划生育奖励与扶助金（月）",
    "excluded_reward_fen": "奖学金、见义勇为等奖励性补助（月）", "excluded_assistance_fen": "政府发放的社会救助款物（月）",
    "excluded_local_fen": "地方规定不计入的收入（月）", "clergy_venue_years": "宗教教职人员在宗教活动场所居住年数",
    "single_local_route": "属县级以上民政部门规定的其他单独申请情形",
    "medical_fen": "医疗自付（月）", "education_fen": "教育支出（月）", "rehabilitation_fen": "康复支出（月）",
    "medical_oop_year_fen": "本年度政策范围内医疗自付",
}  # fmt: skip

HOUSEHOLD_LABELS: dict[str, str] = {
    "residence": "城乡类别", "financial_assets_fen": "金融资产", "vehicles": "私家车数",
    "vehicle_value_fen": "私家车价值（最高）", "production_vehicles": "生产经营用车数",
    "production_vehicle_value_fen": "生产经营用车价值（最高）", "disability_vehicles": "残疾人功能性补偿代步机动车数",
    "disability_vehicle_value_fen": "残疾人代步车价值（最高）", "agricultural_vehicles": "农用车数",
    "agricultural_vehicle_value_fen": "农用车价值（最高）", "dwellings": "住房套数", "has_business": "成员有工商登记",
    "external_supporter_able": "户外法定义务人有履行能力", "dibao_current": "现为低保户",
    "dibao_taper_used": "已享受渐退月数", "dibao_last_amount_fen": "现低保月金额",
    "ta_type": "临时救助类型", "ta_tier": "临时救助档次",
}  # fmt: skip


# Registry income and expenditure kinds → the person column each is summed into (monthly fen).
INCOME_COLUMNS: dict[str, str] = {
    "wage": "income_wage_fen", "business": "income_business_fen", "property": "income_property_fen",
    "transfer": "income_transfer_fen", "pension": "income_pension_fen", "other": "income_other_fen",
    "family_support": "income_family_support_fen",
}  # fmt: skip
# Incomes excluded from countable income (policy-spec R1.8), by the registry's and the case file's kind.
# basic_pension is excluded only while income.exclude_basic_pension is on; "local" holds the items of
# LOCAL_EXCLUDABLE that the dated list income.excluded_local names for the region on the date (a listed
# item is excluded, an item not listed on that date is counted as other income).
EXCLUDED_INCOME_COLUMNS: dict[str, str] = {
    "special_care": "excluded_special_care_fen", "family_planning": "excluded_family_planning_fen",
    "reward": "excluded_reward_fen", "social_assistance": "excluded_assistance_fen",
    "basic_pension": "income_basic_pension_fen",
}  # fmt: skip
LOCAL_EXCLUDABLE: dict[str, str] = {
    "disability_allowances": "残疾人两项补贴",
    "elderly_allowance": "高龄津贴",
    "price_subsidy": "价格临时补贴",
}
VEHICLE_KINDS: dict[str, str] = {
    "private": "私家车", "production": "生产经营用车", "disability": "残疾人功能性补偿代步机动车",
    "agricultural": "农用车",
}  # fmt: skip
# Vehicle kind → (count column, value column) of the household table.
VEHICLE_COLUMNS: dict[str, tuple[str, str]] = {
    "private": ("vehicles", "vehicle_value_fen"),
    "production": ("production_vehicles", "production_vehicle_value_fen"),
    "disability": ("disability_vehicles", "disability_vehicle_value_fen"),
    "agricultural": ("agricultural_vehicles", "agricultural_vehicle_value_fen"),
}
EXPENDITURE_COLUMNS: dict[str, str] = {
    "medical": "medical_fen", "education": "education_fen", "rehabilitation": "rehabilitation_fen",
    "transfer_out": "transfer_spending_fen",
}  # fmt: skip


# Coded columns: the closed list of values each may take (the registry's choices; a test checks that
# they agree). The rules compare these columns with literals from the lists only. Polars reads them as
# Enum (one byte a value, compared as integers: at 10 M households this took a tenth of the engine's
# CPU time as strings); the engine gives the same results for String columns, which the single check,
# Spark and the tests still use. The registry reader leaves out, and reports, a household with a value
# outside a list (assessment.building).
CODES: dict[str, tuple[str, ...]] = {
    "sex": ("M", "F"),
    "disability_type": ("", "visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"),
    "labour_capacity": ("full", "partial", "none"),
    "residence": ("urban", "rural"),
    "ta_type": ("", "emergency", "expenditure"),
    "school_stage": (
        "",
        "preschool",
        "primary",
        "junior",
        "senior",
        "vocational",
        "college",
        "bachelor",
        "graduate",
    ),
}


def polars_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """(persons, households): column name → Polars type, for every engine input column; the coded
    columns as Enum of their CODES."""
    import polars as pl

    types = {int: pl.Int64, str: pl.Utf8, bool: pl.Boolean}

    def dtype(name: str, kind: type) -> Any:
        return pl.Enum(list(CODES[name])) if name in CODES else types[kind]

    return (
        {k: dtype(k, v) for k, v in PERSON_COLUMNS.items()},
        {k: dtype(k, v) for k, v in HOUSEHOLD_COLUMNS.items()},
    )


COLUMN_LABELS.update(PERSON_LABELS)
COLUMN_LABELS.update(HOUSEHOLD_LABELS)


def person_defaults() -> dict[str, object]:
    return {
        "birthday_this_month": 0,
        "relation": "other", "counted": True, "disability_type": "", "disability_grade": 0, "adl_fails": 0,
        "labour_capacity": "full", "is_student": False, "school_stage": "", "tekun_current": False,
        "serious_illness": False, "is_carer": False,
        "in_institution": False, "parents_absent": 0, "parents_unable": 0, "chooses_child_allowance": True,
        "income_wage_fen": 0, "income_business_fen": 0, "income_property_fen": 0, "income_transfer_fen": 0,
        "income_pension_fen": 0, "income_other_fen": 0, "income_basic_pension_fen": 0,
        "income_family_support_fen": 0, "transfer_spending_fen": 0, "excluded_special_care_fen": 0,
        "excluded_family_planning_fen": 0, "excluded_reward_fen": 0, "excluded_assistance_fen": 0,
        "excluded_local_fen": 0, "clergy_venue_years": 0, "single_local_route": False,
        "labour_override_fen": -1, "medical_fen": 0,
        "education_fen": 0, "rehabilitation_fen": 0, "medical_oop_year_fen": 0,
    }  # fmt: skip


def household_defaults() -> dict[str, object]:
    return {
        "financial_assets_fen": 0, "vehicles": 0, "vehicle_value_fen": 0, "production_vehicles": 0,
        "production_vehicle_value_fen": 0, "disability_vehicles": 0, "disability_vehicle_value_fen": 0,
        "agricultural_vehicles": 0, "agricultural_vehicle_value_fen": 0, "dwellings": 1, "has_business": False,
        "external_supporter_able": False, "dibao_current": False, "dibao_taper_used": 0,
        "dibao_last_amount_fen": 0, "ta_type": "", "ta_tier": 0,
    }  # fmt: skip
