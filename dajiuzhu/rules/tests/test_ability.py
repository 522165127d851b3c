"""老年人能力评估 scoring (rules.ability): bands, raise-one-level rules, coma, bad answers."""

import copy
import datetime as dt

import pytest

from dajiuzhu.rules import ability
from dajiuzhu.rules.parameters import ParameterTree

TREE = ParameterTree.load()
ON = dt.date(2026, 6, 1)
REGION = "371424"
INST = ability.instrument()


def scores_for(total: int) -> dict[str, int]:
    """Full marks, then points taken off item by item until the total is reached."""
    scores = {i.code: i.max for i in INST.items}
    missing = INST.max - total
    for item in INST.items:
        take = min(missing, scores[item.code])
        scores[item.code] -= take
        missing -= take
    assert sum(scores.values()) == total
    return scores


def level(total: int, **condition) -> ability.AbilityResult:
    return ability.score(
        INST, scores_for(total), ability.Condition(**condition), tree=TREE, on=ON, region=REGION
    )


def test_the_instrument_has_26_items_in_4_domains_worth_90_points() -> None:
    assert len(INST.items) == 26
    assert [d.max for d in INST.domains] == [32, 15, 28, 15]
    assert INST.max == 90


@pytest.mark.parametrize(
    ("total", "expected"),
    [(90, 0), (89, 1), (66, 1), (65, 2), (46, 2), (45, 3), (30, 3), (29, 4), (0, 4)],
)
def test_the_total_falls_into_its_band(total: int, expected: int) -> None:
    result = level(total)
    assert result.total == total
    assert result.base_level == result.level == expected
    assert result.raised_by == ()


def test_each_domain_is_summed_and_explained() -> None:
    result = level(80)
    assert sum(result.domain_scores.values()) == 80
    texts = [s.text for s in result.steps]
    assert any(t.startswith("自理能力") for t in texts)
    assert "总分80分（满分90分，分值越高能力越好）" in texts
    assert any("参数 eldercare.ability.mild_min" in s.reference for s in result.steps)


@pytest.mark.parametrize(
    "condition",
    [{"dementia": True}, {"mental_disorder": True}, {"risk_events": {"fall": 1, "wandering": 1}}],
)
def test_dementia_a_mental_disorder_or_two_risk_events_raise_the_level_by_one(condition) -> None:
    result = level(70, **condition)
    assert (result.base_level, result.level) == (1, 2)
    assert result.raised_by
    assert any("提高一级为中度失能" in s.text for s in result.steps)


def test_one_risk_event_does_not_raise_the_level() -> None:
    assert level(70, risk_events={"fall": 1}).level == 1


def test_several_conditions_raise_once_and_never_above_complete() -> None:
    both = level(70, dementia=True, risk_events={"fall": 3})
    assert both.level == 2 and len(both.raised_by) == 2
    top = level(10, dementia=True)
    assert top.base_level == top.level == 4
    assert any("已为最高等级" in s.text for s in top.steps)


def test_a_coma_is_complete_disability_whatever_the_total() -> None:
    result = level(60, coma=True)
    assert (result.base_level, result.level) == (2, 4)


def test_the_care_zone_follows_the_level() -> None:
    assert [level(t).care_zone for t in (90, 70, 50, 35, 10)] == [
        "self_care", "self_care", "assisted", "nursing", "nursing"
    ]  # fmt: skip


def test_a_county_band_changes_the_level_from_its_date() -> None:
    local = copy.deepcopy(ParameterTree.load())
    param = local.parameters["eldercare.ability.mild_min"]
    from dajiuzhu.rules.parameters import ParameterValue

    param.values.setdefault(REGION, []).append(
        ParameterValue("eldercare.ability.mild_min", 70, dt.date(2026, 7, 1), REGION, "某县通知（测试）")
    )
    before = ability.score(INST, scores_for(68), ability.Condition(), tree=local, on=ON, region=REGION)
    after = ability.score(
        INST, scores_for(68), ability.Condition(), tree=local, on=dt.date(2026, 7, 1), region=REGION
    )
    assert (before.level, after.level) == (1, 2)
    other_county = ability.score(
        INST, scores_for(68), ability.Condition(), tree=local, on=dt.date(2026, 7, 1), region="371425"
    )
    assert other_county.level == 1


def test_every_bad_answer_is_named_at_once() -> None:
    scores = scores_for(90)
    del scores["eating"]
    scores["stairs"] = 4  # max 3
    scores["vision"] = "x"
    scores["flying"] = 1
    with pytest.raises(ability.AbilityError) as err:
        ability.clean_scores(INST, scores)
    messages = dict(err.value.errors)
    assert messages["eating"] == "进食：未评分（0—4分）"
    assert "4分超出范围（0—3分）" in messages["stairs"]
    assert "不是整数" in messages["vision"]
    assert "不在GB/T 42195-2022量表中" in messages["flying"]


def test_an_unknown_risk_event_or_instrument_is_refused() -> None:
    with pytest.raises(ability.AbilityError):
        level(90, risk_events={"earthquake": 1})
    with pytest.raises(ability.AbilityError):
        ability.instrument("GB/T 00000-1999")
