"""Issue 13 points 1 and 3 on the registry path: ages on the assessment date with the birthday-this-month
code, and a 特困 recipient (a running entitlement) who keeps 特困 after 18 while at senior high school."""

import datetime as dt
from decimal import Decimal

import pytest

from dajiuzhu.assessment import services
from dajiuzhu.core import idnumber
from dajiuzhu.registry.services import household_create
from dajiuzhu.rules.programmes import ELIGIBLE, NOT_ELIGIBLE

ON = dt.date(2026, 3, 15)


def make_id(birth: dt.date, seq: int) -> str:
    body = f"371424{birth:%Y%m%d}{seq:03d}"
    return body + idnumber.check_char(body)


STUDENT_ID = make_id(dt.date(2008, 3, 2), 11)  # 18 on 2 March 2026


@pytest.fixture
def student(worker_a, areas):
    return household_create(
        actor=worker_a,
        area=areas["village_a"],
        data={"address": "东关村7组1号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[{"id_number": STUDENT_ID, "name": "孙小明", "relation": "head", "school_stage": "senior"}],
    )


def _grant_tekun(household, actor):
    """A running 特困 entitlement, as a county decision leaves it (the models are looked up by name: the
    assessment app sits below intake and does not import it)."""
    from django.apps import apps

    from dajiuzhu.accounts.models import Department
    from dajiuzhu.benefits.services import entitlement_start

    item_model, application_model = (
        apps.get_model("intake", "AssistanceItem"),
        apps.get_model("intake", "Application"),
    )
    department = Department.objects.get_or_create(code="minzheng", defaults={"name": "民政"})[0]
    item = item_model.objects.create(
        code="tekun", name="特困人员救助供养", department=department, programme="tekun",
        accept_level="township", decide_level="county", materials=[{"name": "申请书", "platform": False}],
    )  # fmt: skip
    app = application_model.objects.create(
        number="SQ-tekun", kind="new", item=item, household=household, applicant=household.head,
        area=household.area, department=department, status="approved", filed_by=actor,
    )  # fmt: skip
    entitlement_start(
        application=app,
        amount=Decimal("1240.00"),
        start_month=dt.date(2020, 1, 1),
        review_months=12,
        decided_by=None,
    )


def test_the_age_is_on_the_assessment_date_and_the_birthday_code_is_read(worker_a, student):
    outcome = services.check_household(user=worker_a, id_number=STUDENT_ID, on=ON)
    person = outcome.result.persons[0]
    assert (person["age"], person["birthday_this_month"], person["pay_age"]) == (18, 1, 17)
    assert person["school_stage"] == "senior" and person["tekun_current"] is False


def test_a_tekun_recipient_of_18_at_senior_high_keeps_tekun(worker_a, student):
    # given he has received 特困 since he was a child
    _grant_tekun(student, worker_a)
    # when he is checked after his 18th birthday, still at senior high school
    outcome = services.check_household(user=worker_a, id_number=STUDENT_ID, on=ON)
    # then he keeps 特困, and the explanation gives the rule with S2 art. 24
    person = outcome.result.persons[0]
    assert person["tekun_current"] is True and person["tekun_school_continues"] is True
    tekun = next(p for p in outcome.programmes if p.code == "tekun")
    assert tekun.status == ELIGIBLE
    line = next(ln for ln in tekun.lines if ln.name == "tekun_school_continues")
    assert "特困人员认定办法 第二十四条" in line.reference


def test_an_18_year_old_at_senior_high_who_was_not_a_recipient_is_not_tekun(worker_a, student):
    outcome = services.check_household(user=worker_a, id_number=STUDENT_ID, on=ON)
    assert next(p for p in outcome.programmes if p.code == "tekun").status == NOT_ELIGIBLE
