"""Monthly elderly-care entitlements: the county's batch (Polars) and one elder's explanation (single path)
give the same hours and shares, read from assessments, benefits and stays."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.core.errors import PermissionDenied
from dajiuzhu.eldercare import entitlements, institutions, services
from dajiuzhu.eldercare.models import CareEntitlement
from dajiuzhu.rules import ability

pytestmark = pytest.mark.django_db
MONTH = dt.date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _today(settings):
    settings.DAJIUZHU_TODAY = "2026-12-02"


@pytest.fixture
def county_user(make_user):
    return make_user("county_approver", "county")


def grant(programme, household, person, user):
    from dajiuzhu.accounts.models import Department
    from dajiuzhu.benefits.services import entitlement_start
    from dajiuzhu.intake.models import Application, AssistanceItem, Kind, Status

    mz = Department.objects.get_or_create(code="minzheng", defaults={"name": "民政"})[0]
    item = AssistanceItem.objects.get_or_create(
        code=programme, defaults={"name": programme, "department": mz, "programme": programme}
    )[0]
    app = Application.objects.create(
        number=f"SQ-{programme}-{person.pk}", kind=Kind.NEW, item=item, household=household, applicant=person,
        area=household.area, department=mz, status=Status.APPROVED, decision="approve", decided_amount=Decimal("500.00"),
    )  # fmt: skip
    return entitlement_start(
        application=app,
        amount=Decimal("500.00"),
        start_month=dt.date(2026, 1, 1),
        review_months=12,
        decided_by=user,
    )


def assess(user, person, total_scores):
    services.assessment_record(
        user=user,
        person_id=person.pk,
        data={
            "reason": "initial", "assessed_on": "2026-11-20", "organisation": "评估中心",
            "assessor_1": "甲", "assessor_2": "乙", "scores": total_scores,
        },
    )  # fmt: skip


def moderate() -> dict:
    scores = {i.code: i.max for i in ability.instrument().items}
    for code in (
        "eating",
        "grooming",
        "bathing",
        "upper_dressing",
        "lower_dressing",
        "urination",
        "defecation",
        "toileting",
    ):
        scores[code] = 0  # 90 − 32 = 58: 中度失能
    return scores


def test_the_county_batch_computes_hours_and_shares_from_status_and_level(
    county_user, household_a, household_b
) -> None:
    elder = household_b.head
    assess(county_user, elder, moderate())
    grant("dibao", household_b, elder, county_user)
    done = entitlements.compute_month(user=county_user, month=dt.date(2026, 12, 15))
    assert (done.month, done.elders, done.with_hours, done.hours) == (
        MONTH,
        1,
        1,
        30,
    )  # household_a has no elder
    row = CareEntitlement.objects.get()
    assert (row.person_id, row.status, row.ability_level, row.hours, row.gov_share, row.in_institution) == (
        elder.pk, 2, 2, 30, 800, False
    )  # fmt: skip
    explained = entitlements.explain(user=county_user, person_id=elder.pk, month=MONTH)
    assert explained.result["care_hours"] == row.hours and explained.result["care_gov_share"] == row.gov_share
    assert any(s.name == "care_hours" and "eldercare.hours" in s.reference for s in explained.steps)
    assert AuditEvent.objects.filter(action=AuditAction.RUN, subject_type="care_entitlements").exists()


def test_recomputing_replaces_the_month_and_follows_a_placement(county_user, household_b) -> None:
    elder = household_b.head
    assess(county_user, elder, moderate())
    grant("tekun", household_b, elder, county_user)
    entitlements.compute_month(user=county_user, month=MONTH)
    assert CareEntitlement.objects.get().hours == 40  # 特困, 中度失能
    home = institutions.institution_save(
        user=county_user, data={"name": "福利院", "kind": "welfare_home", "mode": "public"}
    )
    institutions.zone_add(
        user=county_user, institution_id=home.pk, name="1层", care_zone="assisted", beds="101"
    )
    bed = home.beds.get()
    institutions.admit(
        user=county_user, institution_id=home.pk,
        data={"id_number": elder.id_number, "bed": bed.pk, "kind": "tekun", "started_on": "2026-12-01"},
    )  # fmt: skip
    entitlements.compute_month(user=county_user, month=MONTH)
    row = CareEntitlement.objects.get()
    assert (row.hours, row.gov_share, row.in_institution) == (0, 1000, True)


def test_an_unassessed_elder_gets_no_hours_and_a_village_cannot_compute(
    county_user, worker_b, household_b
) -> None:
    entitlements.compute_month(user=county_user, month=MONTH)
    row = CareEntitlement.objects.get()
    assert (row.ability_level, row.hours, row.status) == (-1, 0, 3)
    with pytest.raises(PermissionDenied):
        entitlements.compute_month(user=worker_b, month=MONTH)


def test_another_county_computes_its_own_only(county_user, make_user, household_b) -> None:
    entitlements.compute_month(user=county_user, month=MONTH)
    other = make_user("county_approver", "county2")
    done = entitlements.compute_month(user=other, month=MONTH)
    assert done.elders == 0
    assert CareEntitlement.objects.count() == 1


def test_the_page_computes_and_shows_the_month(county_user, household_b) -> None:
    assess(county_user, household_b.head, moderate())
    client = Client()
    client.force_login(county_user)
    url = reverse("eldercare:care_month")
    assert "本月尚未计算" in client.get(url).content.decode()
    done = client.post(url, {"month": "2026-12"})
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert "中度失能" in page and "其他老年人" in page
    assert client.get(url, {"month": "2026-13"}).status_code == 400
    person_page = client.get(
        reverse("eldercare:person_assessments", args=[household_b.head.pk])
    ).content.decode()
    assert "免费居家上门服务" in person_page and "10" in person_page  # 其他老年人, 中度失能: 10 h
