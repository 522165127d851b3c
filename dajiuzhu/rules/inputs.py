"""The engine's input schema: one table of persons, one of households, plain columns, money in fen.

Every engine (the single check, Polars, Spark) reads exactly these columns; the registry, a JSON
case file or a synthetic generator produce them. Ages are whole years on the assessment date.
"""

from __future__ import annotations

PERSON_COLUMNS: dict[str, type] = {
    "household_id": int,
    "person_id": int,
    "param_key": int,  # which parameter set (region × urban/rural) applies; see rules.params
    "age": int,
    "sex": str,  # "M" | "F"
    "relation": str,  # head | spouse | child | parent | …
    "disability_type": str,  # "" | visual | hearing | speech | physical | intellectual | mental | multiple
    "disability_grade": int,  # 0 = none, 1..4
    "adl_fails": int,  # 0..6 activities of daily living not achieved
    "labour_capacity": str,  # full | partial | none
    "is_student": bool,
    "serious_illness": bool,
    "is_carer": bool,  # full-time carer of a severely disabled or seriously ill member
    "income_wage_fen": int,  # monthly averages over the look-back period
    "income_business_fen": int,
    "income_property_fen": int,
    "income_transfer_fen": int,
    "income_other_fen": int,
    "labour_override_fen": int,  # caseworker's recorded imputed income; -1 = none
    "medical_fen": int,  # monthly rigid expenditures
    "education_fen": int,
    "rehabilitation_fen": int,
}

HOUSEHOLD_COLUMNS: dict[str, type] = {
    "household_id": int,
    "param_key": int,
    "residence": str,  # urban | rural
    "financial_assets_fen": int,  # deposits, securities, insurance cash values (non-exempt)
    "vehicles": int,  # non-exempt motor vehicles
    "vehicle_value_fen": int,
    "dwellings": int,
    "has_business": bool,
}


def person_defaults() -> dict[str, object]:
    return {
        "relation": "other", "disability_type": "", "disability_grade": 0, "adl_fails": 0,
        "labour_capacity": "full", "is_student": False, "serious_illness": False, "is_carer": False,
        "income_wage_fen": 0, "income_business_fen": 0, "income_property_fen": 0, "income_transfer_fen": 0,
        "income_other_fen": 0, "labour_override_fen": -1, "medical_fen": 0, "education_fen": 0,
        "rehabilitation_fen": 0,
    }  # fmt: skip


def household_defaults() -> dict[str, object]:
    return {
        "financial_assets_fen": 0,
        "vehicles": 0,
        "vehicle_value_fen": 0,
        "dwellings": 1,
        "has_business": False,
    }
