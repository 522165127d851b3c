"""Elderly-care entitlements (rules.care): free home-care hours and institutional cost shares by status ×
level, the same on one elder (explained) and vectorised."""

import datetime as dt
import itertools

import polars as pl
import pytest

from dajiuzhu.rules import care
from dajiuzhu.rules.engine import assess_one, assess_polars
from dajiuzhu.rules.parameters import ParameterTree
from dajiuzhu.rules.params import build_table, resolve_set

TREE = ParameterTree.load()
ON = dt.date(2026, 12, 1)
PARAMS = resolve_set(TREE, care.CARE_PARAMS, on=ON, region="371424", residence="rural")


def elder(level: int, *, tekun: bool = False, dibao: bool = False, institution: bool = False) -> dict:
    return {"ability_level": level, "tekun_current": tekun, "in_dibao": dibao, "in_institution": institution}


def one(**kwargs) -> dict:
    return assess_one(care.CARE_RULES, {}, [elder(**kwargs)], PARAMS).persons[0]


@pytest.mark.parametrize(
    ("kwargs", "hours", "gov"),
    [
        ({"level": 4, "tekun": True}, 60, 1000),
        ({"level": 1, "tekun": True}, 20, 1000),
        ({"level": 0, "tekun": True}, 0, 1000),  # 特困: the whole cost whatever the level
        ({"level": 2, "dibao": True}, 30, 800),
        ({"level": 1, "dibao": True}, 10, 0),  # below 中度失能: no share
        ({"level": 3}, 20, 300),
        ({"level": 1}, 0, 0),
        ({"level": -1, "dibao": True}, 0, 0),  # never assessed
        ({"level": 4, "tekun": True, "institution": True}, 0, 1000),  # in an institution: no home-care hours
    ],
)
def test_hours_and_shares_follow_status_and_level(kwargs, hours, gov) -> None:
    row = one(**kwargs)
    assert (row["care_hours"], row["care_gov_share"], row["care_self_share"]) == (hours, gov, 1000 - gov)


def test_tekun_outranks_dibao() -> None:
    assert one(level=2, tekun=True, dibao=True)["care_status"] == care.TEKUN


def test_every_step_names_its_parameters() -> None:
    steps = assess_one(care.CARE_RULES, {}, [elder(2, dibao=True)], PARAMS).person_steps[0]
    by_name = {s.name: s for s in steps}
    assert "eldercare.hours" in by_name["care_hours"].reference
    assert by_name["care_gov_share"].value == 800


def test_a_county_parameter_changes_the_hours_there_only() -> None:
    from copy import deepcopy

    from dajiuzhu.rules.parameters import ParameterValue

    tree = deepcopy(TREE)
    tree.parameters["eldercare.hours.low_income.level_2"].values.setdefault("371424", []).append(
        ParameterValue(
            "eldercare.hours.low_income.level_2", 45, dt.date(2026, 1, 1), "371424", "某县通知（测试）"
        )
    )
    table = build_table(tree, care.CARE_PARAMS, on=ON, combos=[("371424", "rural"), ("371425", "rural")])
    persons = pl.DataFrame(
        {
            "person_id": [1, 2],
            "household_id": [1, 2],
            "param_key": [0, 1],
            **{k: [v, v] for k, v in elder(2, dibao=True).items()},
        }
    )
    households = pl.DataFrame({"household_id": [1, 2], "param_key": [0, 1]})
    _h, p = assess_polars(care.CARE_RULES, households, persons, table, person_outputs=True)
    assert p.sort("person_id")["care_hours"].to_list() == [45, 30]


def test_polars_agrees_with_the_single_path_on_every_combination() -> None:
    combos = list(itertools.product(range(-1, 5), [False, True], [False, True], [False, True]))
    rows = [
        {
            "person_id": i,
            "household_id": i // 3,
            "param_key": 0,
            **elder(lv, tekun=t, dibao=d, institution=inst),
        }
        for i, (lv, t, d, inst) in enumerate(combos)
    ]
    persons = pl.DataFrame(rows)
    households = pl.DataFrame({"household_id": sorted({r["household_id"] for r in rows}), "param_key": 0})
    table = build_table(TREE, care.CARE_PARAMS, on=ON, combos=[("371424", "rural")])
    hh, pp = assess_polars(care.CARE_RULES, households, persons, table, person_outputs=True)
    got = {r["person_id"]: r for r in pp.to_dicts()}
    for r in rows:
        want = assess_one(care.CARE_RULES, {}, [r], PARAMS).persons[0]
        for name in ("care_status", "care_hours", "care_gov_share", "care_self_share"):
            assert got[r["person_id"]][name] == want[name], (r, name)
    totals = {r["household_id"]: r["household_care_hours"] for r in hh.to_dicts()}
    for h in totals:
        assert totals[h] == sum(got[r["person_id"]]["care_hours"] for r in rows if r["household_id"] == h)
