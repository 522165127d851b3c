"""Shared helpers for the engine tests: building input rows, running every engine, generated households."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import strategies as st

from dajiuzhu.rules.engine import assess_one, assess_polars
from dajiuzhu.rules.inputs import household_defaults, person_defaults, polars_schemas
from dajiuzhu.rules.parameters import ParameterTree
from dajiuzhu.rules.params import build_table
from dajiuzhu.rules.programmes import PARAMS, RULES

ON = dt.date(2026, 1, 1)
TREE = ParameterTree.load()
TABLE = build_table(TREE, PARAMS, on=ON, combos=[("371424", "rural"), ("371424", "urban")])
RURAL = TABLE.key_of("371424", "rural")
URBAN = TABLE.key_of("371424", "urban")
P_RURAL = TABLE.values[RURAL]
STD_RURAL = P_RURAL["dibao.standard"]

PERSON_SCHEMA, HOUSEHOLD_SCHEMA = polars_schemas()


def person(**kw: Any) -> dict[str, Any]:
    base = {"household_id": 1, "person_id": 1, "param_key": RURAL, "age": 45, "sex": "M", **person_defaults()}
    base.update(kw)
    return base


def household(**kw: Any) -> dict[str, Any]:
    base = {"household_id": 1, "param_key": RURAL, "residence": "rural", **household_defaults()}
    base.update(kw)
    return base


def frames(households: list[dict], persons: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    hdf = pl.DataFrame(households, schema=HOUSEHOLD_SCHEMA)
    pdf = pl.DataFrame(persons, schema=PERSON_SCHEMA) if persons else pl.DataFrame(schema=PERSON_SCHEMA)
    return hdf, pdf


def run_single(households: list[dict], persons: list[dict]) -> tuple[dict[int, dict], dict[int, dict]]:
    hh_out, pp_out = {}, {}
    for h in households:
        members = [p for p in persons if p["household_id"] == h["household_id"]]
        res = assess_one(RULES, h, members, TABLE.values[h["param_key"]])
        hh_out[h["household_id"]] = res.household
        for row in res.persons:
            pp_out[row["person_id"]] = row
    return hh_out, pp_out


def run_polars(households: list[dict], persons: list[dict]) -> tuple[dict[int, dict], dict[int, dict]]:
    hdf, pdf = frames(households, persons)
    hh, pp = assess_polars(RULES, hdf, pdf, TABLE, person_outputs=True)
    return ({r["household_id"]: r for r in hh.to_dicts()}, {r["person_id"]: r for r in pp.to_dicts()})


def one(hh: dict | None = None, *members: dict) -> tuple[dict, dict[int, dict]]:
    """Assess one household on the single path and check the Polars path gives the same; returns the
    household results and the person results by person_id."""
    hrow = household(**(hh or {}))
    persons = [person(person_id=i + 1, **m) for i, m in enumerate(members)]
    s_hh, s_pp = run_single([hrow], persons)
    v_hh, v_pp = run_polars([hrow], persons)
    assert_same(s_hh, s_pp, v_hh, v_pp)
    return s_hh[1], s_pp


def assert_same(s_hh: dict, s_pp: dict, v_hh: dict, v_pp: dict) -> None:
    assert s_hh.keys() == v_hh.keys()
    for hid, values in s_hh.items():
        for name in RULES.household_names():
            assert values[name] == v_hh[hid][name], (hid, name, values[name], v_hh[hid][name])
    assert s_pp.keys() == v_pp.keys()
    for pid, values in s_pp.items():
        for name in RULES.person_names():
            assert values[name] == v_pp[pid][name], (pid, name, values[name], v_pp[pid][name])


person_strategy = st.fixed_dictionaries(
    {
        "age": st.integers(0, 105),
        "birthday_this_month": st.sampled_from([0, 0, 0, 1, 2]),
        "school_stage": st.sampled_from(["", "", "primary", "senior", "vocational", "bachelor"]),
        "tekun_current": st.sampled_from([False, False, True]),
        "sex": st.sampled_from(["M", "F"]),
        "counted": st.sampled_from([True, True, True, False]),
        "disability_type": st.sampled_from(["", "physical", "intellectual", "mental", "visual", "multiple"]),
        "disability_grade": st.integers(0, 4),
        "adl_fails": st.integers(0, 6),
        "labour_capacity": st.sampled_from(["full", "partial", "none"]),
        "is_student": st.booleans(),
        "serious_illness": st.booleans(),
        "is_carer": st.booleans(),
        "in_institution": st.booleans(),
        "parents_absent": st.integers(0, 2),
        "parents_unable": st.integers(0, 2),
        "chooses_child_allowance": st.booleans(),
        "income_wage_fen": st.sampled_from([0, 0, 50000, 120000, 300000]),
        "income_business_fen": st.sampled_from([0, 0, 20000, 80000]),
        "income_transfer_fen": st.integers(0, 200000),
        "income_pension_fen": st.sampled_from([0, 0, 15000, 200000]),
        "labour_override_fen": st.sampled_from([-1, -1, 0, 80000]),
        "medical_fen": st.integers(0, 100000),
        "education_fen": st.sampled_from([0, 0, 50000]),
        "rehabilitation_fen": st.sampled_from([0, 0, 30000]),
        "medical_oop_year_fen": st.sampled_from([0, 0, 500000, 20_000_000]),
        "income_basic_pension_fen": st.sampled_from([0, 0, 14300]),
        "income_family_support_fen": st.sampled_from([0, 0, 30000]),
        "transfer_spending_fen": st.sampled_from([0, 0, 20000, 250000]),
        "excluded_special_care_fen": st.sampled_from([0, 0, 50000]),
        "excluded_assistance_fen": st.sampled_from([0, 0, 30000]),
        "excluded_local_fen": st.sampled_from([0, 0, 12000]),
        "clergy_venue_years": st.sampled_from([0, 0, 0, 2, 3, 10]),
        "single_local_route": st.booleans(),
    }
)
household_strategy = st.fixed_dictionaries(
    {
        "residence": st.sampled_from(["urban", "rural"]),
        "financial_assets_fen": st.integers(0, 10_000_000),
        "vehicles": st.integers(0, 1),
        "vehicle_value_fen": st.sampled_from([0, 1_000_000, 10_000_000]),
        "production_vehicles": st.integers(0, 1),
        "production_vehicle_value_fen": st.sampled_from([0, 3_000_000, 3_000_001]),
        "disability_vehicles": st.integers(0, 1),
        "disability_vehicle_value_fen": st.sampled_from([0, 2_000_000, 20_000_000]),
        "agricultural_vehicles": st.integers(0, 1),
        "agricultural_vehicle_value_fen": st.sampled_from([0, 1_000_000, 5_000_000]),
        "dwellings": st.integers(0, 3),
        "has_business": st.booleans(),
        "external_supporter_able": st.booleans(),
        "dibao_current": st.booleans(),
        "dibao_taper_used": st.integers(0, 7),
        "dibao_last_amount_fen": st.sampled_from([0, 50000]),
        "ta_type": st.sampled_from(["", "emergency", "expenditure"]),
        "ta_tier": st.integers(0, 3),
        "members": st.lists(person_strategy, min_size=0, max_size=8),
    }
)


def build_generated(generated: list[dict]) -> tuple[list[dict], list[dict]]:
    households, persons = [], []
    pid = 0
    for hid, h in enumerate(generated, start=1):
        key = TABLE.key_of("371424", h["residence"])
        fields = {k: v for k, v in h.items() if k != "members"}
        households.append(household(household_id=hid, param_key=key, **fields))
        for m in h["members"]:
            pid += 1
            persons.append(person(household_id=hid, person_id=pid, param_key=key, **m))
    return households, persons
