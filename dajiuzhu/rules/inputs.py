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
    "age": int,
    "sex": str,  # "M" | "F"
    "relation": str,  # head | spouse | child | parent | …
    "counted": bool,  # a co-resident member counted in the household (policy-spec R1.5)
    "disability_type": str,  # "" | visual | hearing | speech | physical | intellectual | mental | multiple
    "disability_grade": int,  # 0 = none, 1..4
    "adl_fails": int,  # 0..6 activities of daily living not achieved
    "labour_capacity": str,  # full | partial | none
    "is_student": bool,
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
    "vehicles": int,  # non-exempt motor vehicles
    "vehicle_value_fen": int,  # the most valuable of them
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
    "age": "年龄", "sex": "性别", "relation": "与户主关系", "counted": "计入共同生活家庭成员",
    "disability_type": "残疾类别", "disability_grade": "残疾等级", "adl_fails": "日常生活活动不能完成项数",
    "labour_capacity": "劳动能力", "is_student": "在校学生", "serious_illness": "患重特大疾病",
    "is_carer": "全职照料重残重病家人", "in_institution": "在福利机构集中供养",
    "parents_absent": "父母死亡或宣告失踪人数", "parents_unable": "父母不能履行抚养义务人数",
    "chooses_child_allowance": "选择领取儿童基本生活费", "income_wage_fen": "工资性收入（月）",
    "income_business_fen": "经营净收入（月）", "income_property_fen": "财产净收入（月）",
    "income_transfer_fen": "转移净收入（月）", "income_pension_fen": "养老金等社会保险待遇（月）",
    "income_other_fen": "其他收入（月）", "labour_override_fen": "工作人员认定的折算收入（月）",
    "medical_fen": "医疗自付（月）", "education_fen": "教育支出（月）", "rehabilitation_fen": "康复支出（月）",
    "medical_oop_year_fen": "本年度政策范围内医疗自付",
}  # fmt: skip

HOUSEHOLD_LABELS: dict[str, str] = {
    "residence": "城乡类别", "financial_assets_fen": "金融资产", "vehicles": "非豁免机动车数",
    "vehicle_value_fen": "机动车价值", "dwellings": "住房套数", "has_business": "成员有工商登记",
    "external_supporter_able": "户外法定义务人有履行能力", "dibao_current": "现为低保户",
    "dibao_taper_used": "已享受渐退月数", "dibao_last_amount_fen": "现低保月金额",
    "ta_type": "临时救助类型", "ta_tier": "临时救助档次",
}  # fmt: skip


# Registry income and expenditure kinds → the person column each is summed into (monthly fen).
INCOME_COLUMNS: dict[str, str] = {
    "wage": "income_wage_fen", "business": "income_business_fen", "property": "income_property_fen",
    "transfer": "income_transfer_fen", "pension": "income_pension_fen", "other": "income_other_fen",
}  # fmt: skip
EXPENDITURE_COLUMNS: dict[str, str] = {
    "medical": "medical_fen", "education": "education_fen", "rehabilitation": "rehabilitation_fen",
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
        "relation": "other", "counted": True, "disability_type": "", "disability_grade": 0, "adl_fails": 0,
        "labour_capacity": "full", "is_student": False, "serious_illness": False, "is_carer": False,
        "in_institution": False, "parents_absent": 0, "parents_unable": 0, "chooses_child_allowance": True,
        "income_wage_fen": 0, "income_business_fen": 0, "income_property_fen": 0, "income_transfer_fen": 0,
        "income_pension_fen": 0, "income_other_fen": 0, "labour_override_fen": -1, "medical_fen": 0,
        "education_fen": 0, "rehabilitation_fen": 0, "medical_oop_year_fen": 0,
    }  # fmt: skip


def household_defaults() -> dict[str, object]:
    return {
        "financial_assets_fen": 0, "vehicles": 0, "vehicle_value_fen": 0, "dwellings": 1, "has_business": False,
        "external_supporter_able": False, "dibao_current": False, "dibao_taper_used": 0,
        "dibao_last_amount_fen": 0, "ta_type": "", "ta_tier": 0,
    }  # fmt: skip
