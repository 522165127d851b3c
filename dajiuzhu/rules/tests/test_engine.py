"""The single-household path and the vectorised Polars path give identical results."""

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dajiuzhu.rules.engine import assess_one, assess_polars
from dajiuzhu.rules.inputs import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, household_defaults, person_defaults
from dajiuzhu.rules.parameters import ParameterTree
from dajiuzhu.rules.params import build_table
from dajiuzhu.rules.programmes import ELIGIBLE, NOT_ELIGIBLE, PARAMS, REVIEW, RULES

ON = dt.date(2026, 1, 1)
TREE = ParameterTree.load()
TABLE = build_table(TREE, PARAMS, on=ON, combos=[("371424", "rural"), ("371424", "urban")])
RURAL = TABLE.key_of("371424", "rural")
STD_RURAL = TABLE.values[RURAL]["dibao.standard"]


def person(**kw):
    base = {"household_id": 1, "person_id": 1, "param_key": RURAL, "age": 45, "sex": "M", **person_defaults()}
    base.update(kw)
    return base


def household(**kw):
    base = {"household_id": 1, "param_key": RURAL, "residence": "rural", **household_defaults()}
    base.update(kw)
    return base


def run_both(households, persons):
    single = {}
    for h in households:
        members = [p for p in persons if p["household_id"] == h["household_id"]]
        params = TABLE.values[h["param_key"]]
        single[h["household_id"]] = assess_one(RULES, h, members, params).values
    hdf = pl.DataFrame(households, schema={k: _pl(v) for k, v in HOUSEHOLD_COLUMNS.items()})
    pdf = (
        pl.DataFrame(persons, schema={k: _pl(v) for k, v in PERSON_COLUMNS.items()})
        if persons
        else pl.DataFrame(schema={k: _pl(v) for k, v in PERSON_COLUMNS.items()})
    )
    vec = assess_polars(RULES, hdf, pdf, TABLE)
    return single, {row["household_id"]: row for row in vec.to_dicts()}


def _pl(t):
    return {int: pl.Int64, str: pl.Utf8, bool: pl.Boolean}[t]


def test_income_exactly_at_standard_is_not_eligible():
    # given a single adult whose countable income equals the standard exactly (低于 is strict)
    wage = STD_RURAL * 1000 // 900 + 1  # after the 10% employment-cost deduction, ≥ standard
    single, vec = run_both([household()], [person(income_wage_fen=wage, labour_capacity="none")])
    r = single[1]
    assert r["countable"] >= STD_RURAL
    assert r["dibao_status"] == NOT_ELIGIBLE
    assert vec[1]["dibao_status"] == NOT_ELIGIBLE


def test_gap_amount_for_two_person_household_exact_to_the_fen():
    # given two non-working elderly members with 100.01 yuan pension each (transfer income)
    persons = [
        person(person_id=1, age=70, labour_capacity="none", income_transfer_fen=10001),
        person(person_id=2, age=68, sex="F", labour_capacity="none", income_transfer_fen=10001),
    ]
    single, vec = run_both([household()], persons)
    r = single[1]
    gap = 2 * STD_RURAL - 20002
    addon = STD_RURAL * (2 * 100) // 1000
    assert r["dibao_status"] == ELIGIBLE
    assert r["dibao_amount"] == gap + addon
    assert vec[1]["dibao_amount"] == gap + addon


def test_labour_imputation_and_caseworker_override():
    persons = [person(person_id=1, age=40)]
    single, _ = run_both([household()], persons)
    assert single[1]["total_income"] == TABLE.values[RURAL]["labour.base"]  # coefficient 1.0
    single, _ = run_both([household()], [person(person_id=1, age=40, labour_override_fen=0)])
    assert single[1]["total_income"] == 0


def test_vehicle_means_review_not_refusal():
    single, vec = run_both([household(vehicles=1)], [person(age=70, labour_capacity="none")])
    assert single[1]["dibao_status"] == REVIEW == vec[1]["dibao_status"]


def test_explanation_lists_rules_with_inputs_and_references():
    res = assess_one(RULES, household(), [person(age=70, labour_capacity="none")], TABLE.values[RURAL])
    step = next(s for s in res.household_steps if s.name == "income_test")
    assert step.value is True
    assert step.inputs == {"countable": 0, "threshold": STD_RURAL}
    assert "社会救助暂行办法" in step.reference


person_st = st.fixed_dictionaries(
    {
        "age": st.integers(0, 100),
        "sex": st.sampled_from(["M", "F"]),
        "disability_type": st.sampled_from(["", "physical", "intellectual", "mental"]),
        "disability_grade": st.integers(0, 4),
        "labour_capacity": st.sampled_from(["full", "partial", "none"]),
        "is_student": st.booleans(),
        "serious_illness": st.booleans(),
        "is_carer": st.booleans(),
        "income_wage_fen": st.sampled_from([0, 0, 50000, 120000, 300000]),
        "income_transfer_fen": st.integers(0, 200000),
        "labour_override_fen": st.sampled_from([-1, -1, 0, 80000]),
        "medical_fen": st.integers(0, 100000),
    }
)
household_st = st.fixed_dictionaries(
    {
        "residence": st.sampled_from(["urban", "rural"]),
        "financial_assets_fen": st.integers(0, 10_000_000),
        "vehicles": st.integers(0, 1),
        "dwellings": st.integers(0, 3),
        "has_business": st.booleans(),
        "members": st.lists(person_st, min_size=0, max_size=8),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(household_st, min_size=1, max_size=25))
def test_single_and_polars_agree(generated):
    households, persons = [], []
    pid = 0
    for hid, h in enumerate(generated, start=1):
        key = TABLE.key_of("371424", h["residence"])
        households.append(
            household(
                household_id=hid,
                param_key=key,
                residence=h["residence"],
                financial_assets_fen=h["financial_assets_fen"],
                vehicles=h["vehicles"],
                dwellings=h["dwellings"],
                has_business=h["has_business"],
            )
        )
        for m in h["members"]:
            pid += 1
            persons.append(person(household_id=hid, person_id=pid, param_key=key, **m))
    single, vec = run_both(households, persons)
    for hid, values in single.items():
        for name in ("members", "total_income", "countable", "dibao_status", "dibao_amount", "edge_status"):
            assert values[name] == vec[hid][name], (hid, name)
