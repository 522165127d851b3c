"""The single-household path and the vectorised Polars path give identical results."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dajiuzhu.rules.engine import assess_one
from dajiuzhu.rules.inputs import CODES
from dajiuzhu.rules.programmes import ELIGIBLE, NOT_ELIGIBLE, REVIEW, RULES

from .support import (
    P_RURAL,
    STD_RURAL,
    assert_same,
    build_generated,
    household,
    household_strategy,
    one,
    person,
    run_polars,
    run_single,
)


def test_income_exactly_at_standard_is_not_eligible():
    # given a single adult without labour capacity whose income equals the standard exactly (低于 is strict)
    hh, _ = one(None, {"labour_capacity": "none", "income_transfer_fen": STD_RURAL})
    # then
    assert hh["countable"] == STD_RURAL
    assert hh["dibao_status"] == NOT_ELIGIBLE
    # and one fen less is eligible, for one fen
    hh, _ = one(None, {"labour_capacity": "none", "income_transfer_fen": STD_RURAL - 1})
    assert hh["dibao_status"] == ELIGIBLE
    assert hh["gap"] == 1


def test_gap_amount_for_two_person_household_exact_to_the_fen():
    # given two non-working elderly members with 100.01 yuan transfer income each, whose son elsewhere
    # could support them (so they are not 特困)
    elderly = [
        {"age": 70, "labour_capacity": "none", "income_transfer_fen": 10001},
        {"age": 68, "sex": "F", "labour_capacity": "none", "income_transfer_fen": 10001},
    ]
    hh, _ = one({"external_supporter_able": True}, *elderly)
    # then the gap is standard × 2 − 200.02 and each elderly member adds the addon share
    gap = 2 * STD_RURAL - 20002
    addon = STD_RURAL * (2 * P_RURAL["addon.elderly"]) // 1000
    assert hh["dibao_status"] == ELIGIBLE
    assert hh["dibao_amount"] == gap + addon
    # and without an able supporter both are 特困, so the household is not also put on 低保
    hh, persons = one(None, *elderly)
    assert hh["all_tekun"] is True
    assert hh["dibao_status"] == NOT_ELIGIBLE
    assert [p["tekun_status"] for p in persons.values()] == [ELIGIBLE, ELIGIBLE]


def test_labour_imputation_and_caseworker_override():
    hh, _ = one(None, {"age": 40})
    assert hh["total_income"] == P_RURAL["labour.base"]  # coefficient 1.0
    hh, _ = one(None, {"age": 40, "labour_override_fen": 0})
    assert hh["total_income"] == 0


def test_vehicle_above_exemption_means_review_not_refusal():
    # a production vehicle above the exemption limit asks for a home visit, a cheap one is exempt
    poor = {"age": 45, "labour_capacity": "none"}
    hh, _ = one({"production_vehicles": 1, "production_vehicle_value_fen": 5_000_000}, poor)
    assert hh["dibao_status"] == REVIEW
    hh, _ = one({"production_vehicles": 1, "production_vehicle_value_fen": 1_000_000}, poor)
    assert hh["dibao_status"] == ELIGIBLE
    # a private car is not exempt whatever its value (policy-spec R1.11), but is not a refusal either
    hh, _ = one({"vehicles": 1, "vehicle_value_fen": 1_000_000}, poor)
    assert (hh["private_vehicle_flag"], hh["dibao_status"]) == (True, REVIEW)


def test_explanation_lists_rules_with_inputs_and_references():
    res = assess_one(RULES, household(), [person(age=45, labour_capacity="none")], P_RURAL)
    step = next(s for s in res.household_steps if s.name == "income_test")
    assert step.value is True
    assert step.inputs == {"countable": 0, "threshold": STD_RURAL}
    assert "社会救助暂行办法" in step.reference


def test_empty_household_is_not_eligible_for_anything():
    s_hh, s_pp = run_single([household()], [])
    v_hh, v_pp = run_polars([household()], [])
    assert_same(s_hh, s_pp, v_hh, v_pp)
    assert s_hh[1]["dibao_status"] == NOT_ELIGIBLE and s_hh[1]["edge_status"] == NOT_ELIGIBLE


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(household_strategy, min_size=1, max_size=20))
def test_single_and_polars_agree_on_every_result(generated):
    households, persons = build_generated(generated)
    s_hh, s_pp = run_single(households, persons)
    v_hh, v_pp = run_polars(households, persons)
    assert_same(s_hh, s_pp, v_hh, v_pp)


def test_aggregate_kinds_agree_on_edge_cases():
    # count of a number counts members with a non-zero value; all() of no members is true; count of a
    # false literal is zero — on the single path and in Polars alike.
    from dajiuzhu.rules.expr import Agg, RuleSet, aggregate_stage, col, lit, person_stage

    rules = RuleSet(stages=[
        person_stage((col("age") - 40).named("age_minus_40", "年龄−40", "")),
        aggregate_stage(
            Agg("count", col("age_minus_40"), "n_not_40", ""), Agg("all", col("age") > 30, "all_over_30", ""),
            Agg("count", lit(0), "n_zero", ""), Agg("count", lit(True), "n_all", ""),
            Agg("any", col("age") > 90, "any_over_90", ""),
        ),
    ])  # fmt: skip
    from dajiuzhu.rules.engine import assess_polars

    from .support import TABLE, frames

    households = [household(household_id=1), household(household_id=2)]
    persons = [person(household_id=1, person_id=1, age=42), person(household_id=1, person_id=2, age=43),
               person(household_id=1, person_id=3, age=40)]  # fmt: skip
    single = {h["household_id"]: assess_one(rules, h, [p for p in persons if p["household_id"] == h["household_id"]],
                                            P_RURAL).household for h in households}  # fmt: skip
    hdf, pdf = frames(households, persons)
    vec = {r["household_id"]: r for r in assess_polars(rules, hdf, pdf, TABLE).to_dicts()}
    for hid in (1, 2):
        for name in ("n_not_40", "all_over_30", "n_zero", "n_all", "any_over_90"):
            assert single[hid][name] == vec[hid][name], (hid, name)
    assert (single[1]["n_not_40"], single[1]["n_all"], single[1]["n_zero"]) == (2, 3, 0)
    assert single[2]["all_over_30"] is True and single[2]["n_all"] == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(household_strategy, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_segmented_and_join_plans_agree(generated, rnd):
    # given households in id order whose persons are sorted by household (the segmented path), some of
    # them without members, plus a person whose household is missing
    import polars as pl

    from dajiuzhu.rules.engine import _segmentable, assess_polars

    from .support import TABLE, frames

    households, persons = build_generated(generated)
    persons.append(person(household_id=10_000, person_id=10_000))
    hdf, pdf = frames(households, persons)
    assert _segmentable(RULES, hdf, pdf)
    # then the segmented path gives the values of the group-by/join plan (which lazy inputs take)
    seg_h, seg_p = assess_polars(RULES, hdf, pdf, TABLE, person_outputs=True)
    join_h, join_p = assess_polars(RULES, hdf.lazy(), pdf.lazy(), TABLE, person_outputs=True)
    assert seg_h.equals(join_h.sort("household_id"))
    assert seg_p.sort("person_id").equals(join_p.sort("person_id"))
    # and so do slices of a few households run two at a time (a person without household included)
    for size in (1, 2, 3):
        sl_h, sl_p = assess_polars(RULES, hdf, pdf, TABLE, person_outputs=True, slice_households=size)
        assert sl_h.equals(seg_h) and sl_p.equals(seg_p), size
        assert assess_polars(RULES, hdf, pdf, TABLE, slice_households=size).equals(seg_h)
    # and persons in any order (the group-by/join plan) give the same values again
    shuffled = pdf.sample(fraction=1.0, shuffle=True, seed=rnd.randrange(2**32))
    assert not _segmentable(RULES, hdf, shuffled) or shuffled["household_id"].is_sorted()
    any_h, any_p = assess_polars(RULES, hdf, shuffled, TABLE, person_outputs=True)
    assert any_h.sort("household_id").equals(seg_h)
    assert any_p.sort("person_id").equals(seg_p.sort("person_id"))
    assert pl.Series(seg_h["household_id"]).is_sorted()  # households come back in their input order
    # and the coded columns as String instead of Enum (the single check's and Spark's type) give the same
    text_h = hdf.cast({n: pl.Utf8 for n in CODES if n in hdf.columns})
    text_p = pdf.cast({n: pl.Utf8 for n in CODES if n in pdf.columns})
    assert text_p.schema["sex"] == pl.Utf8 and pdf.schema["sex"] == pl.Enum(list(CODES["sex"]))
    str_h, str_p = assess_polars(RULES, text_h, text_p, TABLE, person_outputs=True, slice_households=2)
    assert str_h.equals(seg_h) and str_p.equals(seg_p)


def test_slices_read_parameters_inside_aggregates_and_sparse_branches():
    # given rules whose aggregate and whose costly branch read a parameter that differs between the
    # urban and the rural set, and households of both kinds
    from dajiuzhu.rules.engine import _sparse_candidate, assess_polars
    from dajiuzhu.rules.expr import Agg, RuleSet, aggregate_stage, col, param, person_stage, where

    from .support import RURAL, TABLE, URBAN, frames

    std = param("dibao.standard")
    costly = where(col("age") > 60, (std * 3 - col("age") * 7) // 2 + std, 0).named("costly", "示例", "")
    rules = RuleSet(stages=[
        person_stage(costly),
        aggregate_stage(Agg("sum", col("age") * std, "age_std", ""), Agg("sum", costly, "costly_sum", ""),
                        Agg("sum", where(col("age") > 60, 1, 0), "n_old", ""),
                        Agg("count", col("age") >= param("addon.elderly_age"), "n_elder", "")),
    ])  # fmt: skip
    assert _sparse_candidate(costly)
    households = [household(household_id=i, param_key=URBAN if i % 2 else RURAL) for i in range(1, 9)]
    persons = [
        person(
            household_id=i, person_id=10 * i + j, age=30 + 9 * i + j, param_key=households[i - 1]["param_key"]
        )
        for i in range(1, 9)
        for j in range(3)
    ]
    hdf, pdf = frames(households, persons)
    # when it runs whole, in slices of two households, and one household at a time
    whole = assess_polars(rules, hdf, pdf, TABLE, slice_households=10**6)
    # then every way gives the single path's values
    for h in households:
        members = [p for p in persons if p["household_id"] == h["household_id"]]
        single = assess_one(rules, h, members, TABLE.values[h["param_key"]]).household
        row = whole.filter(whole["household_id"] == h["household_id"]).to_dicts()[0]
        names = ("age_std", "costly_sum", "n_old", "n_elder")
        assert {k: row[k] for k in names} == {k: single[k] for k in names}
    for size in (1, 2, 3):
        assert assess_polars(rules, hdf, pdf, TABLE, slice_households=size).equals(whole)
    assert whole["n_old"].sum() > 0 and whole["costly_sum"].sum() > 0


def test_sparse_rules_of_a_stage_share_one_step_and_unread_rules_are_left_out():
    # given the programmes compiled for a household-only run and for a run with person results
    from dajiuzhu.rules.engine import _compile

    households = ["household_id", *RULES.household_names()]
    only_h = _compile(RULES, households, sparse=True)
    with_p = _compile(RULES, [*households, "person_id", *RULES.person_names()], sparse=True)
    second_person_stage = max(k for k, s in enumerate(RULES.stages) if s.kind == "person")

    def sparse_steps(plan):
        return [[r.name for r in step.sparse] for step in plan.steps[second_person_stage] if step.sparse]

    def dense_names(plan):
        return {e.meta.output_name() for step in plan.steps[second_person_stage] for e in step.dense}

    # then the four amounts only a few persons get are computed together, in one step
    amounts = {"tekun_amount", "single_dibao_amount", "unsupported_amount", "med_amount"}
    assert [set(s) for s in sparse_steps(only_h)] == [amounts]
    # (with person results person_monthly reads two of them before med_status, which med_amount needs,
    # is computed: two steps; and 特困's standards are outputs, so its amount is not costly enough)
    assert [set(s) for s in sparse_steps(with_p)] == [
        {"single_dibao_amount", "unsupported_amount"},
        {"med_amount"},
    ]
    # and person_monthly, which no household result reads, is computed only when person results are asked
    assert "person_monthly" not in dense_names(only_h)
    assert "person_monthly" in dense_names(with_p)


def test_parameter_switches_that_differ_between_sets_are_not_folded_away():
    # given two parameter sets that differ in the 支出型 switch, the rigid cap and the employment-cost method
    from dajiuzhu.rules.engine import assess_polars
    from dajiuzhu.rules.params import ParamTable

    from .support import TABLE, frames

    base = TABLE.values[0]
    other = {
        **base,
        "dibao.expenditure_type": 1,
        "deduct.rigid_cap": 20000,
        "deduct.employment_cost_method": 1,
    }
    table = ParamTable(keys=[("a", "rural"), ("b", "rural")], values=[base, other])
    members = [
        {
            "labour_capacity": "none",
            "income_transfer_fen": base["dibao.standard"] + 10_000,
            "medical_fen": 5_000,
        },
        {"age": 10, "is_student": True, "education_fen": 40_000},
        {"age": 40, "income_wage_fen": 150_000},
    ]
    households, persons = [], []
    for hid, key in ((1, 0), (2, 1)):
        households.append(household(household_id=hid, param_key=key))
        for i, m in enumerate(members):
            persons.append(person(household_id=hid, person_id=hid * 10 + i, param_key=key, **m))
    # when both run on the single path and in one Polars run
    hdf, pdf = frames(households, persons)
    hh, _pp = assess_polars(RULES, hdf, pdf, table, person_outputs=True)
    # then each household follows its own set, exactly as on the single path
    vec = {r["household_id"]: r for r in hh.to_dicts()}
    for h in households:
        own = [p for p in persons if p["household_id"] == h["household_id"]]
        single = assess_one(RULES, h, own, table.values[h["param_key"]]).household
        for name in RULES.household_names():
            assert vec[h["household_id"]][name] == single[name], (h["household_id"], name)
    assert (vec[1]["expenditure_route"], vec[2]["capped_rigid"]) == (False, 5_000)
