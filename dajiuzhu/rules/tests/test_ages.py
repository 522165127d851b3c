"""Ages (policy-spec R10.6), point 1 of issue 13: the age on the assessment date, the birthday-this-month
code, and age.start_rule as a dated parameter settable per jurisdiction; wrong units refused by path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dajiuzhu.rules.case import CaseError, birthday_this_month, rule_age, run_case
from dajiuzhu.rules.parameters import ParameterError, ParameterTree
from dajiuzhu.rules.params import resolve_set
from dajiuzhu.rules.programmes import PARAMS

from .support import TREE

START_RULE = {
    "CN": {
        "age.start_rule": {
            "choices": ["next_month", "birthday_month"],
            "values": [{"from": "2021-07-01", "value": "next_month"}],
        }
    },
    "371424": {
        "age.start_rule": {
            "values": [{"from": "2026-03-01", "value": "birthday_month", "reference": "县通知"}]
        }
    },
}


@pytest.mark.parametrize(
    ("birth", "on", "age", "code"),
    [
        (dt.date(1966, 3, 5), dt.date(2026, 3, 15), 60, 1),  # birthday earlier this month
        (dt.date(1966, 3, 15), dt.date(2026, 3, 15), 60, 1),  # the birthday itself counts
        (dt.date(1966, 3, 20), dt.date(2026, 3, 15), 59, 2),  # still to come this month
        (dt.date(1966, 4, 1), dt.date(2026, 3, 15), 59, 0),
        (dt.date(2008, 2, 29), dt.date(2026, 3, 1), 18, 1),  # a leap-day birthday falls on 1 March
        (dt.date(2008, 2, 29), dt.date(2028, 2, 29), 20, 1),
    ],
)
def test_age_on_the_assessment_date_and_the_birthday_code(birth, on, age, code):
    assert (rule_age(birth, on), birthday_this_month(birth, on)) == (age, code)


def test_the_start_rule_is_set_per_jurisdiction_from_a_date():
    # given the national next-month rule and a county that moves to the birthday month from 2026-03-01
    tree = ParameterTree.from_mapping(START_RULE)
    specs = [s for s in PARAMS if s.name == "age.start_rule"]

    def rule(on: dt.date, region: str) -> int:
        return resolve_set(tree, specs, on=on, region=region, residence="rural")["age.start_rule"]

    # then the county has next_month (0) before the date and birthday_month (1) from it; others keep 0
    assert rule(dt.date(2026, 2, 28), "371424") == 0
    assert rule(dt.date(2026, 3, 1), "371424") == 1
    assert rule(dt.date(2026, 3, 1), "371425") == 0


def test_a_start_rule_outside_its_choices_is_refused_in_the_yaml():
    bad = {"CN": {"age.start_rule": {"choices": ["next_month", "birthday_month"],
                                     "values": [{"from": "2021-07-01", "value": "monthly"}]}}}  # fmt: skip
    with pytest.raises(ParameterError, match="next_month、birthday_month"):
        ParameterTree.from_mapping(bad)


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("age.start_rule", "monthly", "应为next_month、birthday_month之一"),
        ("tekun.age_elderly", "60.5", "应为整数"),
        ("tekun.financial_per_capita_max_months", "两年", "不是数字"),
        ("dibao.standard.rural", "800.001", "金额（元，最多两位小数）"),
        ("ta.per_person", 2, "1 或 0"),
    ],
)
def test_a_parameter_of_the_wrong_unit_is_a_chinese_error_naming_its_path(name, value, words):
    case = {"date": "2026-03-15", "region": "371424", "residence": "rural", "parameters": {name: value},
            "members": [{"age": 70, "sex": "M"}]}  # fmt: skip
    with pytest.raises(CaseError) as err:
        run_case(case, tree=TREE)
    errors = dict(err.value.errors)
    assert f"parameters.{name}" in errors and words in errors[f"parameters.{name}"], errors


def test_the_county_rule_decides_the_longevity_bracket_of_a_birthday_month():
    # given a 90th birthday on 2026-03-10, assessed on 2026-03-15, with the shipped parameters (next_month)
    case = {"date": "2026-03-15", "region": "371424", "residence": "rural",
            "members": [{"birth_date": "1936-03-10", "sex": "F", "income": {"pension": "3000.00"}}]}  # fmt: skip
    next_month = run_case(case, tree=TREE).result.persons[0]
    birthday = run_case(
        {**case, "parameters": {"age.start_rule": "birthday_month"}}, tree=TREE
    ).result.persons[0]
    # then the next-month rule keeps the 80-89 amount this month and the birthday-month rule pays 90-99
    assert (next_month["pay_age"], birthday["pay_age"]) == (89, 90)

    def fen(name: str) -> int:
        return int(Decimal(str(TREE.value(name, on=dt.date(2026, 3, 15), region="371424"))) * 100)

    assert next_month["longevity_allowance"] == fen("elderly.allowance.amount1")
    assert birthday["longevity_allowance"] == fen("elderly.allowance.amount2")
