"""The Spark path gives exactly the values of the single-household and Polars paths.

These tests never skip: without pyspark or a Java runtime they fail, so a green CI run means Spark was
really exercised. Spark work is batched to keep the module fast, because starting the JVM and planning
the pipeline cost far more than the households do: hypothesis-drawn and randomly generated households
go through Spark in a single run, then the drawn part is compared with the single-household path and
the whole with Polars.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

try:
    from pyspark.sql import types as T
except ImportError as exc:  # fail at collection, never skip
    raise ImportError("pyspark is required by the Spark parity tests: pip install -e '.[dev]'") from exc

from dajiuzhu.rules.engine import assess_one, assess_polars
from dajiuzhu.rules.expr import (
    Agg,
    Bin,
    IsIn,
    Not,
    RuleSet,
    aggregate_stage,
    col,
    greatest,
    household_stage,
    least,
    lit,
    where,
)
from dajiuzhu.rules.params import ParamTable
from dajiuzhu.rules.programmes import RULES
from dajiuzhu.rules.spark import assess_spark, collect_by_key, spark_session, to_spark_frame, to_spark_frames

from .support import TABLE, build_generated, frames, household, household_strategy, run_single


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


@pytest.fixture(scope="module")
def spark():
    if _java() is None:
        pytest.fail("the Spark parity tests need a Java runtime (17+): install default-jre-headless", False)
    session = spark_session("dajiuzhu-rules-tests", short_lived=True)
    yield session
    session.stop()


def run_spark(spark, households: Any, persons: Any) -> tuple[dict[int, dict], dict[int, dict]]:
    hh, pp = to_spark_frames(spark, households, persons)
    s_hh, s_pp = assess_spark(RULES, hh, pp, TABLE, person_outputs=True)
    for frame in (s_hh, s_pp):
        kinds = {type(f.dataType) for f in frame.schema.fields}
        assert kinds <= {T.LongType, T.BooleanType}, frame.schema
    return collect_by_key(s_hh, "household_id"), collect_by_key(s_pp, "person_id")


def mismatches(expected: dict, actual: dict, names: list[str], *, strict_types: bool) -> list[tuple]:
    """(id, name, expected, actual) for every differing value; with strict_types a bool and an int of
    equal value (True == 1) still differ."""
    assert expected.keys() == actual.keys()
    out = []
    for key, row in expected.items():
        for name in names:
            a, b = row[name], actual[key][name]
            if a != b or (strict_types and type(a) is not type(b)):
                out.append((key, name, a, b))
    return out


def assert_parity(expected, actual, households, persons, *, strict_types: bool) -> None:
    """Every household-level and person-level result of RULES is equal; on failure, name the first
    differing household with its inputs (households are independent, so it reproduces alone)."""
    (e_hh, e_pp), (a_hh, a_pp) = expected, actual
    bad = mismatches(e_hh, a_hh, RULES.household_names(), strict_types=strict_types)
    bad_persons = mismatches(e_pp, a_pp, RULES.person_names(), strict_types=strict_types)
    if bad or bad_persons:
        owner = {p["person_id"]: p["household_id"] for p in persons}
        hid = bad[0][0] if bad else owner[bad_persons[0][0]]
        case = (
            next(h for h in households if h["household_id"] == hid),
            [p for p in persons if p["household_id"] == hid],
        )
        pytest.fail(
            f"{len(bad)} household and {len(bad_persons)} person differences (id, rule, expected, spark): "
            f"{(bad + bad_persons)[:6]}; household {hid} inputs: {case}"
        )


# ---- generated households ----------------------------------------------------------------------------


def hypothesis_households(examples: int, per_example: int) -> list[dict]:
    """Households drawn by hypothesis from support.household_strategy, `examples` lists of
    `per_example`, concatenated so that Spark plans and runs the pipeline once for all of them."""
    drawn: list[dict] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(household_strategy, min_size=per_example, max_size=per_example))
    def draw(generated):
        drawn.extend(generated)

    draw()
    return drawn


def random_households(n: int, seed: int) -> list[dict]:
    """`n` households with the value ranges of support.household_strategy, from a seeded generator
    (hypothesis favours small and extreme values; this gives typical ones, reproducibly)."""
    rng = random.Random(seed)
    c = rng.choice

    def member() -> dict:
        return {
            "age": rng.randint(0, 105), "sex": c("MF"), "counted": c([True, True, True, False]),
            "birthday_this_month": c([0, 0, 0, 1, 2]), "tekun_current": c([False, False, True]),
            "school_stage": c(["", "", "primary", "junior", "senior", "vocational", "college"]),
            "disability_type": c(["", "physical", "intellectual", "mental", "visual", "multiple"]),
            "disability_grade": rng.randint(0, 4), "adl_fails": rng.randint(0, 6),
            "labour_capacity": c(["full", "partial", "none"]), "is_student": c([True, False]),
            "serious_illness": c([True, False]), "is_carer": c([True, False]),
            "in_institution": c([True, False]), "parents_absent": rng.randint(0, 2),
            "parents_unable": rng.randint(0, 2), "chooses_child_allowance": c([True, False]),
            "income_wage_fen": c([0, 0, 50000, 120000, 300000]), "income_business_fen": c([0, 0, 20000, 80000]),
            "income_transfer_fen": rng.randint(0, 200000), "income_pension_fen": c([0, 0, 15000, 200000]),
            "labour_override_fen": c([-1, -1, 0, 80000]), "medical_fen": rng.randint(0, 100000),
            "education_fen": c([0, 0, 50000]), "rehabilitation_fen": c([0, 0, 30000]),
            "medical_oop_year_fen": c([0, 0, 500000, 20_000_000]),
            "income_basic_pension_fen": c([0, 0, 14300]), "income_family_support_fen": c([0, 0, 30000]),
            "transfer_spending_fen": c([0, 0, 20000, 250000]), "excluded_special_care_fen": c([0, 0, 50000]),
            "excluded_assistance_fen": c([0, 0, 30000]), "excluded_local_fen": c([0, 0, 12000]),
            "clergy_venue_years": c([0, 0, 0, 2, 3, 10]), "single_local_route": c([True, False]),
        }  # fmt: skip

    def one() -> dict:
        return {
            "residence": c(["urban", "rural"]), "financial_assets_fen": rng.randint(0, 10_000_000),
            "vehicles": rng.randint(0, 1), "vehicle_value_fen": c([0, 1_000_000, 10_000_000]),
            "production_vehicles": rng.randint(0, 1), "production_vehicle_value_fen": c([0, 3_000_000, 3_000_001]),
            "disability_vehicles": rng.randint(0, 1), "disability_vehicle_value_fen": c([0, 20_000_000]),
            "agricultural_vehicles": rng.randint(0, 1), "agricultural_vehicle_value_fen": c([0, 5_000_000]),
            "dwellings": rng.randint(0, 3), "has_business": c([True, False]),
            "external_supporter_able": c([True, False]), "dibao_current": c([True, False]),
            "dibao_taper_used": rng.randint(0, 7), "dibao_last_amount_fen": c([0, 50000]),
            "ta_type": c(["", "emergency", "expenditure"]), "ta_tier": rng.randint(0, 3),
            "members": [member() for _ in range(rng.randint(0, 8))],
        }  # fmt: skip

    return [one() for _ in range(n)]


DRAWN_EXAMPLES, DRAWN_PER_EXAMPLE = 25, 15  # hypothesis overruns its budget on much longer lists


@pytest.fixture(scope="module")
def generated(spark):
    """One Spark run over a household that certainly has no members, the hypothesis households and 3000
    seeded random ones. Spark's input is built from the very Polars frames that Polars assesses."""
    empty = {k: v for k, v in household().items() if k not in {"household_id", "param_key"}} | {"members": []}
    drawn = [empty, *hypothesis_households(DRAWN_EXAMPLES, DRAWN_PER_EXAMPLE)]
    households, persons = build_generated(drawn + random_households(3000, seed=20260101))
    hdf, pdf = frames(households, persons)
    return {
        "n_drawn": len(drawn),
        "households": households,
        "persons": persons,
        "frames": (hdf, pdf),
        "spark": run_spark(spark, hdf, pdf),
    }


def test_spark_matches_single_path_on_hypothesis_households(generated):
    # given the hypothesis-drawn households (members 0..8, every input's range) and the empty one
    n = generated["n_drawn"]
    households = [h for h in generated["households"] if h["household_id"] <= n]
    persons = [p for p in generated["persons"] if p["household_id"] <= n]
    assert len(households) == 1 + DRAWN_EXAMPLES * DRAWN_PER_EXAMPLE
    # when the single path assesses them household by household
    expected = run_single(households, persons)
    # then Spark's household and person results are equal, and of the same kind (a bool stays a bool)
    s_hh, s_pp = generated["spark"]
    actual = (
        {k: v for k, v in s_hh.items() if k <= n},
        {k: v for k, v in s_pp.items() if v["household_id"] <= n},
    )
    assert_parity(expected, actual, households, persons, strict_types=True)
    assert actual[0][1]["members"] == 0 and actual[0][1]["dibao_status"] == 0


def test_spark_matches_polars_on_thousands_of_households(generated):
    # given all of them, over 3000 households, as Polars frames
    hdf, pdf = generated["frames"]
    assert hdf.height > 3000
    # when Polars assesses the whole lot in one go
    v_hh, v_pp = assess_polars(RULES, hdf, pdf, TABLE, person_outputs=True)
    expected = ({r["household_id"]: r for r in v_hh.to_dicts()}, {r["person_id"]: r for r in v_pp.to_dicts()})
    # then Spark's results are equal, everywhere
    actual = generated["spark"]
    assert_parity(expected, actual, generated["households"], generated["persons"], strict_types=False)
    statuses = {r["dibao_status"] for r in actual[0].values()}
    assert len(statuses) >= 3, statuses  # the sample reaches several outcomes, not just refusals


# ---- the translation traps, node by node ---------------------------------------------------------------

TRAP_COLUMNS: dict[str, type] = {
    "household_id": int, "person_id": int, "param_key": int, "a": int, "b": int, "n": int, "s": str,
    "flag": bool,
}  # fmt: skip
BIG = 2**62 + 1  # a double cannot hold it: floor(a / b) in floating point would be off


def trap_rows() -> list[dict]:
    pairs = [(-7, 2), (7, -2), (-7, -2), (7, 2), (-6, 3), (0, -5), (BIG, 3), (-BIG, 3), (BIG, -7), (1, 1)]
    return [
        {"household_id": i // 3 + 1, "person_id": i + 1, "param_key": 0, "a": a, "b": b, "n": i % 4,
         "s": "xyz"[i % 3], "flag": i % 2 == 0}
        for i, (a, b) in enumerate(pairs)
    ]  # fmt: skip


TRAPS = {
    "floordiv": col("a") // col("b"),
    "floordiv_lit": col("a") // 1000,
    "floordiv_neg_lit": (col("a") - 10_000) // -3,
    "mul_then_div": col("n") * 7 // 2,
    "and_true": col("flag") & True,
    "true_and": lit(True) & col("flag"),
    "or_false": col("flag") | False,
    "and_int": col("n") & col("flag"),  # truthiness, as on the single path
    "not_int": Not(col("n")),
    "not_flag": ~col("flag"),
    "in_ints": col("n").isin([1, 2]),
    "in_strings": col("s").isin(["x", "z"]),
    "in_nothing": IsIn(col("n"), ()),
    "where_int_cond": where(col("n"), 10, 20),
    "where_mixed": where(col("flag"), col("a"), 0),
    "greatest": greatest(col("a"), 0),
    "least": least(col("a"), col("b")),
    "eq": col("a").eq(col("b") * -1),
    "ne_str": col("s").ne("y"),
    "bool_eq_lit": col("flag").eq(lit(True)),
    "lit_only": lit(3) * lit(1_000_000_000) // 7,  # 32-bit literals would overflow
    "cmp": Bin("<=", col("a"), col("b")),
}


def test_each_node_translates_exactly(spark):
    # given rows with negative and 63-bit numbers, strings, flags, and an expression per trap
    rows = trap_rows()
    frame = to_spark_frame(spark, rows, TRAP_COLUMNS)
    # when Spark computes all of them at once
    got = frame.select("person_id", *[e.named(name, name).definition_spark() for name, e in TRAPS.items()])
    by_id = collect_by_key(got, "person_id")
    # then each value is the single path's, of the same kind
    for r in rows:
        for name, e in TRAPS.items():
            want, have = e.evaluate(r, {}), by_id[r["person_id"]][name]
            assert have == want and type(have) is type(want), (name, r, want, have)


def test_aggregates_and_households_without_members(spark):
    # given every aggregate kind over booleans, ints and literals, and two households with nobody in them
    aggs = [
        Agg("sum", col("flag"), "sum_bool", ""),
        Agg("sum", col("a"), "sum_int", ""),
        Agg("count", lit(1), "count_one", ""),
        Agg("count", lit(True), "count_true", ""),
        Agg("count", lit(0), "count_zero", ""),
        Agg("count", col("n"), "count_int", ""),  # members with a non-zero value, not the sum
        Agg("count", col("flag"), "count_flag", ""),
        Agg("any", col("flag"), "any_flag", ""),
        Agg("all", col("flag"), "all_flag", ""),
        Agg("max", col("a"), "max_a", ""),
        Agg("min", col("a"), "min_a", ""),
        Agg("max", col("flag"), "max_flag", ""),
    ]
    rules = RuleSet([aggregate_stage(*aggs), household_stage((aggs[2].ref * 2).named("twice", ""))])
    rows = trap_rows()
    households = [{"household_id": h, "param_key": 0} for h in range(1, 7)]  # 5 and 6 have no members
    hh = to_spark_frame(spark, households, {"household_id": int, "param_key": int})
    pp = to_spark_frame(spark, rows, TRAP_COLUMNS)
    # when
    got = collect_by_key(assess_spark(rules, hh, pp, ParamTable(keys=[], values=[{}])), "household_id")
    # then each household's values are the single path's, memberless households included (all([]) is true)
    for h in households:
        members = [r for r in rows if r["household_id"] == h["household_id"]]
        want = assess_one(rules, h, members, {}).household
        for name in rules.household_names():
            have = got[h["household_id"]][name]
            assert have == want[name] and type(have) is type(want[name]), (h, name, want[name], have)
    assert got[6]["all_flag"] is True and got[6]["count_one"] == 0 and got[1]["count_int"] == 2


def test_every_yaml_scenario_holds_on_spark(spark):
    """All scenarios of policy/scenarios in one Spark job: each scenario is a household with its own
    parameter set (its overrides), and every expectation must hold exactly as on the other paths."""
    from dajiuzhu.rules.case import case_params, parse_case
    from dajiuzhu.rules.scenarios import load, locate, locate_supporter, normalise
    from dajiuzhu.rules.supporters import SUPPORTER_COLUMNS, SUPPORTER_RULES, with_outside_supporters_spark

    from .support import TREE

    scenarios = load()
    households, persons, keys, values, supporters = [], [], [], [], []
    first_supporter: dict[int, int] = {}
    first_person: dict[int, int] = {}
    pid = 0
    for i, scenario in enumerate(scenarios):
        case = parse_case(scenario.case)
        keys.append((f"scenario-{i}", case.residence))
        values.append(case_params(case, TREE))
        households.append({**case.household, "household_id": i + 1, "param_key": i})
        first_person[i + 1] = pid + 1
        for row in case.persons:
            pid += 1
            persons.append({**row, "household_id": i + 1, "person_id": pid, "param_key": i})
        first_supporter[i + 1] = len(supporters) + 1
        for row in case.supporters:
            supporters.append(
                {**row, "household_id": i + 1, "person_id": len(supporters) + 1, "param_key": i}
            )
    table = ParamTable(keys=keys, values=values)
    hh, pp = to_spark_frames(spark, households, persons)
    sp = to_spark_frame(spark, supporters, SUPPORTER_COLUMNS)
    # the supporters living elsewhere are judged on Spark too, before the households
    hh = with_outside_supporters_spark(hh, sp, table)
    _s, s_sp = assess_spark(
        SUPPORTER_RULES, hh.select("household_id", "param_key"), sp, table, person_outputs=True
    )
    by_supporter = collect_by_key(s_sp, "person_id")
    s_hh, s_pp = assess_spark(RULES, hh, pp, table, person_outputs=True)
    by_household, by_person = collect_by_key(s_hh, "household_id"), collect_by_key(s_pp, "person_id")
    inputs = {p["person_id"]: p for p in persons}
    failures = []
    for i, scenario in enumerate(scenarios):
        for key, expected in scenario.expect.items():
            supporter = locate_supporter(key)
            if supporter is not None:
                sid = first_supporter[i + 1] + supporter[0]
                actual = by_supporter[sid].get(supporter[1], supporters[sid - 1].get(supporter[1]))
                if actual != normalise(supporter[1], expected):
                    failures.append((scenario.name, key, expected, actual))
                continue
            index, name = locate(key)
            if index is None:
                actual = by_household[i + 1].get(name, households[i].get(name))
            else:
                person_id = first_person[i + 1] + index
                actual = by_person[person_id].get(name, inputs[person_id].get(name))
            if actual != normalise(name, expected):
                failures.append((scenario.name, key, expected, actual))
    assert failures == []
    assert len(scenarios) >= 50


def test_spark_judges_supporters_elsewhere_as_the_other_paths(spark):
    """SUPPORTER_RULES (statutory supporters living elsewhere, S2 art. 8) on seeded random supporters:
    Spark's person and household results equal the single path's and Polars'."""
    import polars as pl

    from dajiuzhu.rules.supporters import (
        SUPPORTER_COLUMNS,
        SUPPORTER_RULES,
        polars_schema,
        with_outside_supporters_polars,
        with_outside_supporters_spark,
    )

    from .test_supporters import random_supporters

    # given 400 households (some without any supporter elsewhere) and their random supporters
    households = [household(household_id=h) for h in range(1, 401)]
    supporters = random_supporters(households, seed=7)
    hh, _pp = to_spark_frames(spark, households, [])
    sp = to_spark_frame(spark, supporters, SUPPORTER_COLUMNS)
    # when Spark judges them
    _h, s_sp = assess_spark(
        SUPPORTER_RULES, hh.select("household_id", "param_key"), sp, TABLE, person_outputs=True
    )
    spark_rows = collect_by_key(s_sp, "person_id")
    spark_able = collect_by_key(with_outside_supporters_spark(hh, sp, TABLE), "household_id")
    # then every supporter's results and every household's answer are the single path's and Polars'
    polars_able = {
        r["household_id"]: r["external_supporter_able"]
        for r in with_outside_supporters_polars(
            pl.DataFrame(households, schema=frames(households, [])[0].schema),
            pl.DataFrame(supporters, schema=polars_schema()),
            TABLE,
        ).to_dicts()
    }
    for h in households:
        mine = [s for s in supporters if s["household_id"] == h["household_id"]]
        single = assess_one(SUPPORTER_RULES, h, mine, TABLE.values[h["param_key"]])
        for row in single.persons:
            for name in SUPPORTER_RULES.person_names():
                assert spark_rows[row["person_id"]][name] == row[name], (row, name)
        want = bool(single.household["external_supporter_able"]) if mine else False
        assert spark_able[h["household_id"]]["external_supporter_able"] is want
        assert polars_able[h["household_id"]] is want


def test_the_care_rules_agree_on_spark(spark):
    """rules.care (elderly-care hours and cost shares) on Spark: the same values as the single path."""
    import datetime as dt
    import itertools

    from dajiuzhu.rules import care
    from dajiuzhu.rules.parameters import ParameterTree
    from dajiuzhu.rules.params import build_table

    table = build_table(
        ParameterTree.load(), care.CARE_PARAMS, on=dt.date(2026, 12, 1), combos=[("371424", "rural")]
    )
    combos = list(itertools.product(range(-1, 5), [False, True], [False, True], [False, True]))
    rows = [
        {"person_id": i, "household_id": i // 3, "param_key": 0, "ability_level": lv, "tekun_current": t,
         "in_dibao": d, "in_institution": inst}
        for i, (lv, t, d, inst) in enumerate(combos)
    ]  # fmt: skip
    households = [{"household_id": h, "param_key": 0} for h in sorted({r["household_id"] for r in rows})]
    hh = to_spark_frame(spark, households, {"household_id": int, "param_key": int})
    pp = to_spark_frame(
        spark, rows, {"person_id": int, "household_id": int, "param_key": int, **care.PERSON_INPUTS}
    )
    _s_hh, s_pp = assess_spark(care.CARE_RULES, hh, pp, table, person_outputs=True)
    got = collect_by_key(s_pp, "person_id")
    for r in rows:
        want = assess_one(care.CARE_RULES, {}, [r], table.values[0]).persons[0]
        for name in ("care_status", "care_hours", "care_gov_share", "care_self_share"):
            assert got[r["person_id"]][name] == want[name], (r, name)
