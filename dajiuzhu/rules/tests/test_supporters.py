"""Statutory supporters (S2 art. 8), point 2 of issue 13: the case file's `supporters`, their judgement
on the single and Polars paths, and the explanation that lists each of them with the reason."""

from __future__ import annotations

import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dajiuzhu.rules.case import CaseError, run_case
from dajiuzhu.rules.engine import assess_one, assess_polars
from dajiuzhu.rules.programmes import SUPPORTER_ABLE
from dajiuzhu.rules.supporters import SUPPORTER_RULES, polars_schema, with_outside_supporters_polars

from .support import HOUSEHOLD_SCHEMA, TABLE, TREE, build_generated, household, household_strategy, run_single

BASE = {"date": "2026-03-15", "region": "371424", "residence": "rural"}
SON = {"name": "王建国", "relation": "子女", "id_number": "371424198001010010", "income": "5000.00"}


def random_supporters(households: list[dict], *, seed: int) -> list[dict]:
    """0–3 supporters per household over every input's range (seeded)."""
    rng = random.Random(seed)
    c = rng.choice
    rows = []
    for h in households:
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            rows.append({
                "household_id": h["household_id"], "person_id": len(rows) + 1, "param_key": h["param_key"],
                "age": rng.randint(10, 95), "disability_type": c(["", "", "physical", "hearing", "mental", "intellectual"]),
                "disability_grade": rng.randint(0, 4), "is_tekun": c([False, False, False, True]),
                "dibao_recipient": c([False, False, True]), "income_fen": c([0, 100000, 325000, 324999, 800000]),
                "financial_assets_fen": c([0, 2_000_000, 2_880_000, 2_880_001, 10_000_000]),
                "household_size": rng.randint(1, 4), "incapacity": c(["", "", "", "no_civil_capacity", "missing", "in_prison"]),
            })  # fmt: skip
    return rows


def test_supporters_elsewhere_are_judged_alike_on_the_single_and_polars_paths():
    # given 500 households and their random supporters elsewhere
    households = [household(household_id=h) for h in range(1, 501)]
    supporters = random_supporters(households, seed=3)
    sup_frame = pl.DataFrame(supporters, schema=polars_schema())
    # when both paths judge them
    _h, vec = assess_polars(
        SUPPORTER_RULES, pl.DataFrame(households, schema=HOUSEHOLD_SCHEMA).select("household_id", "param_key"),
        sup_frame, TABLE, person_outputs=True,
    )  # fmt: skip
    vec_rows = {r["person_id"]: r for r in vec.to_dicts()}
    able = with_outside_supporters_polars(pl.DataFrame(households, schema=HOUSEHOLD_SCHEMA), sup_frame, TABLE)
    able_by_household = dict(zip(able["household_id"], able["external_supporter_able"], strict=True))
    # then every supporter's reason and every household's answer agree
    for h in households:
        mine = [s for s in supporters if s["household_id"] == h["household_id"]]
        single = assess_one(SUPPORTER_RULES, h, mine, TABLE.values[h["param_key"]])
        for row in single.persons:
            for name in SUPPORTER_RULES.person_names():
                assert vec_rows[row["person_id"]][name] == row[name], (row, name)
        assert able_by_household[h["household_id"]] is (
            bool(single.household["external_supporter_able"]) and bool(mine)
        )
    assert {r["supporter_reason"] for r in vec_rows.values()} == {0, 1, 2, 3, 4, 5, 6}


def test_the_explanation_lists_every_supporter_with_the_reason_and_the_legal_reference():
    # given a mother of 75 with a co-resident disabled daughter and two sons elsewhere, one of them in prison
    case = {
        **BASE,
        "members": [
            {"name": "李秀英", "age": 75, "sex": "F", "labour_capacity": "none"},
            {"name": "张丽", "age": 45, "sex": "F", "disability": {"type": "hearing", "grade": 1}, "income": {"wage": "500"}},
        ],
        "supporters": [
            {"name": "张强", "relation": "子女", "id_number": "371424199001010162", "status": "服刑"},
            {"name": "张军", "relation": "儿子", "id_number": "371424198506060048", "income": "1500.00",
             "disability": {"type": "physical", "grade": 1}},
        ],
    }  # fmt: skip
    # when the case is assessed
    outcome = run_case(case, tree=TREE)
    # then 特困 is granted to the mother and its explanation names each supporter with the reason and S2 art. 8
    tekun = [p for p in outcome.programmes if p.code == "tekun"]
    assert [(p.person_name, p.status_label) for p in tekun] == [("李秀英", "符合")]
    lines = {ln.label: ln for ln in tekun[0].lines}
    daughter = lines["张丽（共同生活成员）作为法定义务人"]
    assert (
        daughter.outcome.startswith("不能履行：重度残疾") and daughter.reference == "特困人员认定办法 第八条"
    )
    assert lines["张强（子女，户外）作为法定义务人"].outcome.startswith(
        "不能履行：无民事行为能力、被宣告失踪或在监狱服刑"
    )
    assert lines["张军（子女，户外）作为法定义务人"].outcome.startswith("不能履行：重度残疾")
    assert not any(label.startswith("李秀英") for label in lines)  # never her own supporter
    assert "no_able_supporter" in {ln.name for ln in tekun[0].lines}


def test_an_able_son_elsewhere_is_named_in_the_refusal():
    outcome = run_case({**BASE, "members": [{"age": 75, "sex": "F"}], "supporters": [SON]}, tree=TREE)
    tekun = next(p for p in outcome.programmes if p.code == "tekun")
    assert tekun.status_label == "不符合"
    son = next(ln for ln in tekun.lines if ln.label == "王建国（子女，户外）作为法定义务人")
    assert son.outcome == "有履行能力" and son.passed is False
    # and the woman living alone is not listed as a supporter of anyone (there is nobody else at home)
    assert not [ln.label for ln in tekun.lines if "共同生活成员" in ln.label]


@pytest.mark.parametrize(
    ("supporter", "path", "words"),
    [
        ({"relation": "子女"}, "supporters[0].id_number", "缺少身份证号码"),
        ({"id_number": "371424198001010010"}, "supporters[0].relation", "缺少与申请人的关系"),
        ({"relation": "子女", "id_number": "371424198001010011"}, "supporters[0].id_number", "身份证号码"),
        ({"relation": "邻居", "id_number": "371424198001010010"}, "supporters[0].relation", "无效"),
        ({**SON, "salary": "1"}, "supporters[0].salary", "未知字段"),
        ({**SON, "income": "-1"}, "supporters[0].income", "不能为负数"),
        ({**SON, "status": "出国"}, "supporters[0].status", "无效"),
    ],
)
def test_a_bad_supporter_is_refused_naming_the_field_path_in_chinese(supporter, path, words):
    with pytest.raises(CaseError) as err:
        run_case({**BASE, "members": [{"age": 75, "sex": "F"}], "supporters": [supporter]}, tree=TREE)
    errors = dict(err.value.errors)
    assert path in errors and words in errors[path], errors


def test_a_member_cannot_also_be_listed_as_a_supporter_elsewhere():
    case = {
        **BASE,
        "members": [{"age": 75, "sex": "F"}, {"id_number": SON["id_number"]}],
        "supporters": [SON],
    }
    with pytest.raises(CaseError) as err:
        run_case(case, tree=TREE)
    assert "共同生活家庭成员" in dict(err.value.errors)["supporters[0].id_number"]


def test_the_old_yes_no_supporter_flag_is_refused_with_a_pointer_to_supporters():
    case = {**BASE, "household": {"external_supporter_able": True}, "members": [{"age": 75, "sex": "F"}]}
    with pytest.raises(CaseError) as err:
        run_case(case, tree=TREE)
    assert "supporters" in dict(err.value.errors)["household.external_supporter_able"]


@settings(max_examples=60, deadline=None)
@given(st.lists(household_strategy, min_size=1, max_size=5))
def test_a_member_is_an_able_supporter_exactly_when_the_reason_is_able(generated):
    # the batch reads able_supporter, the explanation supporter_reason: they are the same test
    households, persons = build_generated(generated)
    _hh, pp = run_single(households, persons)
    for row in pp.values():
        assert row["able_supporter"] == (row["counted"] and row["supporter_reason"] == SUPPORTER_ABLE), row
