"""Recording and reading capability assessments: scoped, validated as a whole, audited."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.core.errors import NotFound, PermissionDenied
from dajiuzhu.eldercare import selectors, services
from dajiuzhu.eldercare.errors import AssessmentDuplicate, AssessmentInvalid
from dajiuzhu.eldercare.models import AbilityAssessment
from dajiuzhu.rules import ability

pytestmark = pytest.mark.django_db
INST = ability.instrument()
DAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today(settings):
    settings.DAJIUZHU_TODAY = "2026-12-01"


def full_marks(**overrides) -> dict:
    scores = {i.code: i.max for i in INST.items}
    scores.update(overrides)
    return scores


def data(**overrides) -> dict:
    base = {
        "reason": "initial",
        "assessed_on": DAY.isoformat(),
        "organisation": "临邑县老年人能力评估中心",
        "assessor_1": "刘评估",
        "assessor_2": "陈评估",
        "scores": full_marks(eating=1, bathing=0, level_walking=2, stairs=0, memory=2),
    }
    base.update(overrides)
    return base


@pytest.fixture
def elder(household_b):
    return household_b.head


def test_a_township_assessor_records_an_assessment_with_its_level_and_explanation(
    township_user, elder
) -> None:
    a = services.assessment_record(user=township_user, person_id=elder.pk, data=data(dementia=True))
    a.refresh_from_db()
    assert a.total == 90 - 3 - 4 - 2 - 3 - 2
    assert (a.base_level, a.level, a.care_zone) == (1, 2, "assisted")  # 76 points, raised by dementia
    assert a.area_id == elder.household.area_id
    assert a.next_due_on == dt.date(2027, 11, 20)
    assert any("确诊痴呆" in step["text"] for step in a.explanation)
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, subject_type="ability_assessment", subject_id=str(a.pk)
    ).exists()


def test_every_bad_field_is_named_and_nothing_is_saved(township_user, elder) -> None:
    scores = full_marks()
    del scores["eating"]
    scores["stairs"] = 9
    bad = data(
        reason="whenever", assessed_on="2026-12-31", assessor_2="刘评估", organisation=" ", scores=scores,
        risk_events={"fall": "两次", "earthquake": 1},
    )  # fmt: skip
    with pytest.raises(AssessmentInvalid) as err:
        services.assessment_record(user=township_user, person_id=elder.pk, data=bad)
    fields = {e.field for e in err.value.errors}
    assert {
        "reason",
        "assessed_on",
        "organisation",
        "scores.eating",
        "scores.stairs",
        "risk_events",
        "risk_events.fall",
    } <= fields
    messages = " ".join(e.message for e in err.value.errors)
    assert "进食：未评分" in messages and "上下楼梯" in messages and "不能晚于今天" in messages
    assert not AbilityAssessment.objects.exists()


def test_the_same_assessor_twice_is_refused(township_user, elder) -> None:
    with pytest.raises(AssessmentInvalid) as err:
        services.assessment_record(user=township_user, person_id=elder.pk, data=data(assessor_2="刘评估"))
    assert err.value.errors[0].field == "assessor_2"


def test_a_second_assessment_the_same_day_is_a_duplicate(township_user, elder) -> None:
    services.assessment_record(user=township_user, person_id=elder.pk, data=data())
    with pytest.raises(AssessmentDuplicate):
        services.assessment_record(user=township_user, person_id=elder.pk, data=data(reason="review"))
    assert AbilityAssessment.objects.count() == 1


def test_village_workers_see_the_level_but_neither_record_nor_see_the_scores(
    township_user, worker_b, elder
) -> None:
    a = services.assessment_record(user=township_user, person_id=elder.pk, data=data())
    with pytest.raises(PermissionDenied):
        services.assessment_record(user=worker_b, person_id=elder.pk, data=data(assessed_on="2026-11-21"))
    detail = selectors.assessment_detail(user=worker_b, assessment_id=a.pk)
    assert detail.items is None
    assert not AuditEvent.objects.filter(
        action=AuditAction.REVEAL, subject_type="ability_assessment"
    ).exists()
    shown = selectors.assessment_detail(user=township_user, assessment_id=a.pk)
    assert shown.items is not None and shown.items[0][1][0] == ("进食", 1, 4)
    assert (
        AuditEvent.objects.filter(action=AuditAction.REVEAL, subject_type="ability_assessment").count() == 1
    )


def test_another_county_gets_not_found_like_a_missing_record(make_user, township_user, elder) -> None:
    a = services.assessment_record(user=township_user, person_id=elder.pk, data=data())
    other = make_user("county_approver", "county2")
    with pytest.raises(NotFound) as foreign:
        selectors.assessment_detail(user=other, assessment_id=a.pk)
    with pytest.raises(NotFound) as missing:
        selectors.assessment_detail(user=other, assessment_id=a.pk + 1000)
    assert foreign.value.as_dict() == missing.value.as_dict()
    with pytest.raises(NotFound):
        services.assessment_record(user=other, person_id=elder.pk, data=data(assessed_on="2026-11-22"))
    assert AbilityAssessment.objects.count() == 1


def test_the_pages_record_and_show_an_assessment(township_user, worker_b, elder) -> None:
    client = Client()
    client.force_login(township_user)
    url = reverse("eldercare:assessment_new", args=[elder.pk])
    assert client.get(url).status_code == 200
    form = {k: v for k, v in data().items() if k != "scores"}
    form.update({f"score_{code}": value for code, value in data()["scores"].items()})
    form["score_eating"] = ""
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "进食：未评分（0—4分）" in refused.content.decode()
    assert not AbilityAssessment.objects.exists()
    form["score_eating"] = "1"
    done = client.post(url, form)
    a = AbilityAssessment.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("eldercare:assessment_view", args=[a.pk])
    page = client.get(done["Location"]).content.decode()
    assert "轻度失能" in page and "各项得分" in page
    listing = client.get(reverse("eldercare:person_assessments", args=[elder.pk])).content.decode()
    assert "当前等级" in listing and "轻度失能" in listing
    village = Client()
    village.force_login(worker_b)
    assert "各项得分和诊断信息仅评估人员可见" in village.get(done["Location"]).content.decode()
    assert village.get(url).status_code == 403


def test_the_api_records_and_reads_an_assessment(township_user, elder) -> None:
    _token, key = api_token_create(user=township_user, name="t")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    created = client.post(
        f"/api/eldercare/persons/{elder.pk}/assessments", data(), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["level"] == 1 and body["level_label"] == "轻度失能" and body["explanation"]
    bad = client.post(
        f"/api/eldercare/persons/{elder.pk}/assessments",
        data(scores={"eating": 5}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert any(e["field"] == "scores.eating" for e in bad.json()["errors"])
    listed = client.get(f"/api/eldercare/persons/{elder.pk}/assessments").json()
    assert [row["id"] for row in listed] == [body["id"]]
    detail = client.get(f"/api/eldercare/assessments/{body['id']}").json()
    assert detail["scores"]["eating"] == 1


def test_a_change_of_the_six_item_test_calls_for_a_new_assessment_within_ten_working_days(
    township_user, elder
) -> None:
    services.assessment_record(user=township_user, person_id=elder.pk, data=data())
    assert selectors.reassessment_due(user=township_user, today=dt.date(2026, 12, 1)) == []
    elder.adl_bathing = elder.adl_dressing = False
    elder.save()
    due = selectors.reassessment_due(user=township_user, today=dt.date(2026, 12, 1))
    assert len(due) == 1 and "由0项未达到变为2项" in due[0].reason
    from dajiuzhu.core.workdays import add_working_days

    assert due[0].due_on == add_working_days(elder.updated_at.date(), 10)
    routine = selectors.reassessment_due(user=township_user, today=dt.date(2027, 12, 1))
    assert routine and routine[0].overdue
