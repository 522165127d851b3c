"""No existence oracle in the registry: lookups by ID number or household number answer the same for "not
registered", "outside your area" and "in no household", every miss is audited, and a duplicate ID number on
creation says neither the other household's number nor its area."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.registry import selectors
from dajiuzhu.registry.models import Household, Person

from .oracle import CASES, OTHER_COUNTY_HOUSEHOLD, OUT_OF_AREA, assert_one_answer, denied_rows, make_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(make_user, areas):
    return make_cases(make_user, areas)


def api(user):
    _token, key = api_token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize("case", CASES)
def test_household_by_id_number_gives_one_answer_and_audits_it(worker_a, household_a, cases, case):
    with pytest.raises(selectors.LookupMiss) as miss:
        selectors.household_by_id_number(user=worker_a, id_number=cases[case], ip="10.0.0.9")
    assert miss.value.message == selectors.LOOKUP_MISS_ID
    assert miss.value.status == 404 and miss.value.code == "not_found"
    assert [e.as_dict() for e in miss.value.errors] == [
        {"field": "身份证号码", "message": selectors.LOOKUP_MISS_ID}
    ]
    row = AuditEvent.objects.get(action="denied", subject_label=mask_id_number(cases[case]))
    assert row.ip == "10.0.0.9" and row.actor == worker_a and cases[case] not in str(row.note)


def test_the_real_reason_is_only_in_the_audit_trail(worker_a, household_a, cases):
    for case in CASES:
        with pytest.raises(selectors.LookupMiss):
            selectors.household_by_id_number(user=worker_a, id_number=cases[case])
    notes = {
        c: AuditEvent.objects.get(action="denied", subject_label=mask_id_number(cases[c])).note for c in CASES
    }
    assert notes == {
        "not_registered": "查找未命中：身份证号码未登记",
        "out_of_area": "查找未命中：记录在管辖范围以外",
        "no_household": "查找未命中：该人员不属于任何家庭",
    }
    # the out-of-area row carries the other household's area, for that county's auditors
    other = cases[OTHER_COUNTY_HOUSEHOLD]
    assert AuditEvent.objects.get(note=notes["out_of_area"]).area_code == other.area_id


def test_a_user_without_registry_read_is_refused_before_any_lookup(make_user, cases):
    from dajiuzhu.core.errors import PermissionDenied

    nobody = make_user("auditor", "village_a", username="aud_v")
    nobody.role = "unknown_role"
    for case in CASES:
        with pytest.raises(PermissionDenied):
            selectors.household_by_id_number(user=nobody, id_number=cases[case])


def test_household_number_lookup_gives_one_answer(worker_a, household_a, cases):
    other = cases[OTHER_COUNTY_HOUSEHOLD]
    answers = []
    for number in ("37142410020199999", other.number):
        with pytest.raises(selectors.LookupMiss) as miss:
            selectors.household_by_number(user=worker_a, number=number)
        answers.append((miss.value.status, miss.value.as_dict()))
        assert denied_rows(number, masked=False) == 1
    assert answers[0] == answers[1]
    assert selectors.household_by_number(user=worker_a, number=household_a.number) == household_a


# ---- the move page's target household number -----------------------------------------------------------


def test_move_target_number_answers_the_same_for_unknown_and_foreign(client, worker_a, household_a, cases):
    other = cases[OTHER_COUNTY_HOUSEHOLD]
    person = Person.objects.filter(household=household_a).exclude(pk=household_a.head_id).first()
    client.force_login(worker_a)
    url = reverse("registry:person_move", args=[person.pk])
    responses, typed = {}, {}
    for case, number in (("unknown", "37142410020199999"), ("foreign", other.number)):
        responses[case] = client.post(url, {"target_number": number, "relation": "other", "reason": "分户"})
        typed[case] = number
    body = assert_one_answer(responses, typed)
    assert selectors.LOOKUP_MISS_NUMBER in body and other.number not in body
    assert (
        denied_rows("37142410020199999", masked=False) == 1 and denied_rows(other.number, masked=False) == 1
    )


# ---- duplicate ID numbers on creation ------------------------------------------------------------------


def _new_household(number: str) -> dict:
    return {
        "area": "371424100201", "address": "东关村9组1号", "residence_type": "rural", "hukou_type": "agricultural",
        "members": [{"id_number": number, "name": "周某", "relation": "head"}],
    }  # fmt: skip


def test_creating_a_household_with_another_county_s_person_names_neither_household_nor_area(worker_a, cases):
    other = cases[OTHER_COUNTY_HOUSEHOLD]
    before = Household.objects.count()
    response = api(worker_a).post(
        "/api/registry/households", _new_household(OUT_OF_AREA), content_type="application/json"
    )
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert message == selectors.duplicate_id_message(OUT_OF_AREA)
    assert "成员迁移" in message and "县级民政部门" in message
    text = response.content.decode()
    for leak in (other.number, "齐河", "城南", "371425100001", OUT_OF_AREA):
        assert leak not in text
    assert Household.objects.count() == before
    row = AuditEvent.objects.get(action="denied", subject_type="id_number")
    assert row.subject_label == mask_id_number(OUT_OF_AREA) and row.note.startswith("新建家庭")


def test_adding_a_member_registered_elsewhere_is_refused_and_audited(worker_a, household_a, cases):
    other = cases[OTHER_COUNTY_HOUSEHOLD]
    response = api(worker_a).post(
        f"/api/registry/households/{household_a.pk}/members",
        {"id_number": OUT_OF_AREA, "name": "钱有余", "relation": "other"}, content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == selectors.duplicate_id_message(OUT_OF_AREA)
    assert other.number not in response.content.decode()
    assert denied_rows(OUT_OF_AREA) == 1
    assert not Person.objects.filter(household=household_a, id_number=OUT_OF_AREA).exists()


def test_the_new_household_page_shows_the_transfer_path_not_the_household(client, worker_a, cases):
    other = cases[OTHER_COUNTY_HOUSEHOLD]
    client.force_login(worker_a)
    response = client.post(reverse("registry:household_new"), {
        "area": "371424100201", "address": "东关村9组1号", "residence_type": "rural", "hukou_type": "agricultural",
        "head-id_number": OUT_OF_AREA, "head-name": "周某", "head-relation": "head",
    })  # fmt: skip
    html = response.content.decode()
    assert "成员迁移" in html and other.number not in html and "齐河" not in html
    assert denied_rows(OUT_OF_AREA) == 1
