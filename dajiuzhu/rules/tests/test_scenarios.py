"""Every scenario in policy/scenarios/*.yaml, on the single path and on the Polars path."""

import polars as pl
import pytest

from dajiuzhu.rules.case import parse_case, run_case
from dajiuzhu.rules.engine import assess_polars
from dajiuzhu.rules.params import ParamTable
from dajiuzhu.rules.programmes import RULES
from dajiuzhu.rules.scenarios import load, locate, locate_supporter, normalise, show_actual
from dajiuzhu.rules.supporters import SUPPORTER_RULES, polars_schema, with_outside_supporters_polars

from .support import HOUSEHOLD_SCHEMA, PERSON_SCHEMA, TREE

SCENARIOS = load()


def test_there_is_a_scenario_for_every_programme_status_and_amount():
    covered = {locate(key)[1] for s in SCENARIOS for key in s.expect}
    for name in (
        "dibao_status",
        "dibao_amount",
        "edge_status",
        "rigid_status",
        "tekun_status",
        "tekun_amount",
        "ta_amount",
        "med_amount",
        "orphan_amount",
        "unsupported_amount",
        "living_allowance",
        "care_allowance",
        "longevity_allowance",
        "disabled_elderly_subsidy",
        "single_dibao_amount",
    ):
        assert name in covered, f"no scenario checks {name}"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s.file}: {s.name}" for s in SCENARIOS])
def test_scenario(scenario):
    # when the case is assessed on the single path
    outcome = run_case(scenario.case, tree=TREE)
    # and on the Polars path with the same parameters
    case = parse_case(scenario.case)
    table = ParamTable(keys=[(case.region, case.residence)], values=[outcome.params])
    # the supporters living elsewhere are judged first (rules.supporters), on Polars too
    households = pl.DataFrame([case.household], schema=HOUSEHOLD_SCHEMA)
    supporters = pl.DataFrame(case.supporters, schema=polars_schema())
    households = with_outside_supporters_polars(households, supporters, table)
    _sh, vec_supporters = assess_polars(
        SUPPORTER_RULES,
        households.select("household_id", "param_key"),
        supporters,
        table,
        person_outputs=True,
    )
    vec_supporters = vec_supporters.sort("person_id").to_dicts()
    hh, pp = assess_polars(
        RULES,
        households,
        pl.DataFrame(case.persons, schema=PERSON_SCHEMA),
        table,
        person_outputs=True,
    )
    vec_household = hh.to_dicts()[0]
    vec_persons = sorted(pp.to_dicts(), key=lambda r: r["person_id"])
    # then every expectation holds on both
    for key, expected in scenario.expect.items():
        supporter = locate_supporter(key)
        if supporter is not None:
            i, name = supporter
            want = normalise(name, expected)
            assert outcome.supporters is not None
            single = outcome.supporters.persons[i][name]
            vector = vec_supporters[i].get(name, case.supporters[i].get(name))
            assert single == want, f"{key}: expected {expected}, got {show_actual(name, single)}"
            assert vector == want, f"{key} (Polars): expected {expected}, got {show_actual(name, vector)}"
            continue
        index, name = locate(key)
        want = normalise(name, expected)
        single = outcome.result.household[name] if index is None else outcome.result.persons[index][name]
        if index is None:
            vector = vec_household.get(name, case.household.get(name))
        else:  # input columns are not repeated in the output
            vector = vec_persons[index].get(name, case.persons[index].get(name))
        assert single == want, f"{key}: expected {expected}, got {show_actual(name, single)}"
        assert vector == want, f"{key} (Polars): expected {expected}, got {show_actual(name, vector)}"
