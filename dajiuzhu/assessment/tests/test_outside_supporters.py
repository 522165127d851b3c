"""The instant check judges the statutory supporters the registry records outside the household (特困
condition 3, S2 art. 8): an able son elsewhere refuses 特困, and once he is deleted condition 3 holds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dajiuzhu.assessment.services import check_household
from dajiuzhu.core import idnumber
from dajiuzhu.registry.services import (
    household_create,
    household_record_add,
    outside_supporter_add,
    outside_supporter_delete,
)
from dajiuzhu.rules.programmes import ELIGIBLE, NOT_ELIGIBLE

pytestmark = pytest.mark.django_db


def _id(first17: str) -> str:
    return first17 + idnumber.check_char(first17)


SON_ID = _id("37142419860505001")  # born 1986-05-05, a man

# ---- the instant check (特困 condition 3) ---------------------------------------------------------


ON = dt.date(2026, 3, 15)
APPLICANT_ID = _id("37142419610101001")  # 65 on ON


def _tekun(outcome: Any) -> Any:
    return next(p for p in outcome.programmes if p.code == "tekun")


def test_instant_check_refuses_tekun_for_an_able_son_elsewhere_and_grants_it_once_he_is_deleted(
    worker_a, areas
):
    # given a man of 65 living alone on 300 yuan a month, whose only statutory supporter is a son of 39
    # living elsewhere on 8,000 a month
    household = household_create(
        actor=worker_a,
        area=areas["village_a"],
        data={"address": "东关村6组2号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[
            {"id_number": APPLICANT_ID, "name": "张老汉", "relation": "head", "labour_capacity": "none"}
        ],
    )
    household_record_add(
        actor=worker_a,
        household_id=household.pk,
        kind="income",
        data={
            "income_type": "transfer",
            "amount": "3600.00",
            "period_start": "2025-03-01",
            "period_end": "2026-02-28",
            "person": household.head_id,
        },
    )
    son = outside_supporter_add(
        actor=worker_a,
        household_id=household.pk,
        data={"relation": "child", "id_number": SON_ID, "name": "张大伟", "monthly_income": "8000"},
    )
    # when the instant check is made
    outcome = check_household(user=worker_a, household_id=household.pk, on=ON)
    # then 特困 is refused, and the explanation names the son as able to support him
    tekun = _tekun(outcome)
    assert tekun.status == NOT_ELIGIBLE
    line = next(ln for ln in tekun.lines if ln.label == "张大伟（子女，户外）作为法定义务人")
    assert line.outcome == "有履行能力"
    assert line.passed is False
    assert ("年龄（评估日）", "39") in line.inputs
    assert _condition_3(tekun).passed is False

    # when the son is deleted (there is no other supporter) and the check is made again
    outside_supporter_delete(actor=worker_a, supporter_id=son.pk)
    outcome = check_household(user=worker_a, household_id=household.pk, on=ON)
    # then condition 3 holds: 特困, and no supporter is named any more
    tekun = _tekun(outcome)
    assert tekun.status == ELIGIBLE
    assert not [ln for ln in tekun.lines if "张大伟" in ln.label]
    condition_3 = _condition_3(tekun)
    assert condition_3.passed is True
    assert "本人无法定义务人或义务人均无履行能力" in condition_3.label
    assert next(ln for ln in tekun.lines if ln.name == "outside_able").passed is False


def _condition_3(tekun: Any) -> Any:
    """The line of 特困 condition 3: no statutory supporter, or none able to support (S2 art. 8)."""
    return next(ln for ln in tekun.lines if ln.name == "no_able_supporter")
