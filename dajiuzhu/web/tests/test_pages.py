"""Server-rendered pages: scoping, masking, validation messages, optimistic concurrency, reveal."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.registry.models import Household, Person

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_login(client):
    # when
    response = client.get(reverse("registry:household_list"))
    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_home_shows_counts_for_own_area(client, worker_a, household_a, household_b):
    # given a worker of village A (3 persons in A, 1 elderly person in B)
    client.force_login(worker_a)
    # when
    response = client.get(reverse("web:home"))
    # then
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts == {"households": 1, "persons": 3, "disabled": 0, "elderly": 0}
    assert "困难群众数据库" in response.content.decode()
    assert [e.subject_label for e in response.context["recent"]] == [household_a.number]


def test_household_list_masks_id_and_shows_only_own_area(client, worker_a, household_a, household_b, ids):
    client.force_login(worker_a)
    # when
    response = client.get(reverse("registry:household_list"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "张建国" in html
    assert ids["head"][:4] + "*" * 10 + ids["head"][-4:] in html
    assert ids["head"] not in html
    assert "王德福" not in html
    assert household_b.number not in html
    assert response.context["page"].paginator.count == 1


def test_household_list_search_by_name_returns_results_partial_for_htmx(
    client, township_user, household_a, household_b
):
    client.force_login(township_user)
    # when an htmx live search asks for 王
    response = client.get(reverse("registry:household_list"), {"q": "王"}, HTTP_HX_REQUEST="true")
    # then only the results partial comes back, with the matching household
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert household_b.number in html
    assert household_a.number not in html
    assert reverse("registry:export") + "?q=" in html


def test_out_of_scope_household_is_404_and_audited(client, worker_a, household_b):
    client.force_login(worker_a)
    # when
    response = client.get(reverse("registry:household_view", args=[household_b.pk]))
    # then
    assert response.status_code == 404
    assert "不在您的管辖范围内" in response.content.decode()
    assert (
        AuditEvent.objects.filter(
            action="denied", actor=worker_a, subject_type="household", subject_id=str(household_b.pk)
        ).count()
        == 1
    )


def test_household_page_masks_personal_data(client, worker_a, household_a, ids):
    client.force_login(worker_a)
    # when
    response = client.get(reverse("registry:household_view", args=[household_a.pk]))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("张建国", "李秀英", "张小明"):
        assert name in html
    for number in ids.values():
        assert number not in html
    assert "13812345678" not in html
    assert "138****5678" in html
    assert "显示" in html


def _new_household_post(ids, **overrides):
    data = {
        "area": "371424100201",
        "address": "东关村5组1号",
        "residence_type": "rural",
        "hukou_type": "agricultural",
        "head-name": "赵大海",
        "head-id_number": ids["other"],
        "head-phone": "",
        "head-labour_capacity": "full",
        "head-employment": "farming",
        "head-school_stage": "",
        "head-disability_type": "",
        "head-disability_grade": "",
        **{
            f"head-{f}": "on"
            for f in (
                "adl_eating",
                "adl_dressing",
                "adl_transfer",
                "adl_toileting",
                "adl_walking",
                "adl_bathing",
            )
        },
    }
    data.update(overrides)
    return data


def test_create_household_with_bad_id_shows_chinese_error_and_saves_nothing(client, worker_a, areas, ids):
    client.force_login(worker_a)
    before = (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count())
    # when the ID number has a wrong check digit
    bad = ids["other"][:17] + ("0" if ids["other"][17] != "0" else "1")
    response = client.post(
        reverse("registry:household_new"), _new_household_post(ids, **{"head-id_number": bad})
    )
    # then the page is shown again with the message next to the field and the input kept
    html = response.content.decode()
    assert response.status_code == 200
    assert "身份证号码：校验码错误" in html
    assert response.context["head"]["id_number"].errors
    assert f'value="{bad}"' in html
    assert 'value="赵大海"' in html
    assert (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count()) == before


def test_create_household_then_redirects_to_its_page(client, worker_a, areas, ids):
    client.force_login(worker_a)
    # when
    response = client.post(reverse("registry:household_new"), _new_household_post(ids))
    # then
    household = Household.objects.get(head__name="赵大海")
    assert response.status_code == 302
    assert response.url == reverse("registry:household_view", args=[household.pk])
    assert household.area_id == "371424100201"
    assert household.head.employment == "farming"
    assert household.head.adl_failures == 0


def test_create_household_outside_scope_is_refused(client, worker_a, areas, ids):
    client.force_login(worker_a)
    # when the area is village B
    response = client.post(reverse("registry:household_new"), _new_household_post(ids, area="371424100202"))
    # then
    assert response.status_code == 200
    assert "不在您的管辖范围内" in response.content.decode()
    assert not Household.objects.exists()


def _person_post(person, **overrides):
    data = {
        "name": person.name,
        "id_number": "",
        "phone": "",
        "relation": person.relation,
        "labour_capacity": person.labour_capacity,
        "employment": person.employment,
        "school_stage": person.school_stage,
        "disability_type": "",
        "disability_grade": "",
        "illness_note": "",
        "version": str(person.version),
        **{
            f: "on"
            for f in (
                "adl_eating",
                "adl_dressing",
                "adl_transfer",
                "adl_toileting",
                "adl_walking",
                "adl_bathing",
            )
        },
    }
    data.update(overrides)
    return data


def test_edit_person_with_stale_version_shows_conflict_and_changes_nothing(client, worker_a, household_a):
    client.force_login(worker_a)
    person = household_a.head
    stale = person.version
    Person.objects.filter(pk=person.pk).update(version=stale + 1)  # someone else saved in between
    # when
    response = client.post(
        reverse("registry:person_edit", args=[person.pk]),
        _person_post(person, name="张建军", version=str(stale)),
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "该记录已被他人修改" in html
    assert 'value="张建军"' in html
    person.refresh_from_db()
    assert person.name == "张建国"
    assert person.version == stale + 1


def test_edit_person_keeps_id_when_left_blank_and_records_adl(client, worker_a, household_a, ids):
    client.force_login(worker_a)
    person = household_a.head
    data = _person_post(person, name="张建军")
    del data["adl_bathing"]  # unticked: cannot bathe alone
    # when
    response = client.post(reverse("registry:person_edit", args=[person.pk]), data)
    # then
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.id_number, person.phone) == ("张建军", ids["head"], "13812345678")
    assert person.adl_bathing is False


def test_edit_household_with_stale_version_is_refused(client, worker_a, household_a):
    client.force_login(worker_a)
    # when
    response = client.post(
        reverse("registry:household_edit", args=[household_a.pk]),
        {
            "area": household_a.area_id,
            "address": "新地址",
            "residence_type": "rural",
            "hukou_type": "agricultural",
            "note": "",
            "version": str(household_a.version - 1 or 99),
        },
    )
    # then
    assert response.status_code == 200
    assert "该记录已被他人修改" in response.content.decode()
    household_a.refresh_from_db()
    assert household_a.address == "东关村3组12号"


def test_reveal_returns_full_id_and_is_audited(client, worker_a, household_a, ids):
    client.force_login(worker_a)
    person = household_a.head
    # when
    response = client.post(
        reverse("registry:person_reveal", args=[person.pk, "id_number"]), HTTP_HX_REQUEST="true"
    )
    # then
    assert response.status_code == 200
    assert ids["head"] in response.content.decode()
    event = AuditEvent.objects.get(action="reveal", actor=worker_a)
    assert (event.subject_type, event.subject_id, event.note) == ("person", str(person.pk), "身份证号码")


def test_reveal_requires_post(client, worker_a, household_a):
    client.force_login(worker_a)
    response = client.get(reverse("registry:person_reveal", args=[household_a.head_id, "id_number"]))
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_reveal_out_of_scope_is_404_and_audited_as_denied(client, worker_a, household_b, ids):
    client.force_login(worker_a)
    response = client.post(reverse("registry:person_reveal", args=[household_b.head_id, "id_number"]))
    assert response.status_code == 404
    assert ids["elder"] not in response.content.decode()
    assert AuditEvent.objects.filter(action="denied", actor=worker_a, subject_type="person").count() == 1
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_add_member_and_records(client, worker_a, household_a, ids):
    client.force_login(worker_a)
    data = _person_post(household_a.head, name="张老汉", id_number=ids["elder"], relation="parent")
    # when a member is added
    response = client.post(reverse("registry:person_new", args=[household_a.pk]), data)
    # then
    assert response.status_code == 302
    household_a.refresh_from_db()
    assert household_a.member_count == 4
    # when an income is added with an end date before its start
    url = reverse("registry:record_new", args=[household_a.pk, "income"])
    bad = {
        "income-income_type": "wage",
        "income-amount": "1200",
        "income-period_start": "2025-06-01",
        "income-period_end": "2025-01-01",
        "income-source": "declared",
    }
    response = client.post(url, bad)
    assert response.status_code == 200
    assert "不能早于起始日期" in response.content.decode()
    assert not household_a.incomes.exists()
    # when it is corrected
    response = client.post(url, {**bad, "income-period_end": "2025-12-31"})
    assert response.status_code == 302
    income = household_a.incomes.get()
    assert str(income.amount) == "1200.00"
    # when it is deleted
    view_url = reverse("registry:household_view", args=[household_a.pk])
    response = client.post(reverse("registry:record_delete", args=["income", income.pk]), {"next": view_url})
    assert response.status_code == 302
    assert response.url == view_url
    assert not household_a.incomes.exists()


def test_move_person_to_household_by_number(client, township_user, household_a, household_b):
    client.force_login(township_user)
    child = household_a.members.get(name="张小明")
    url = reverse("registry:person_move", args=[child.pk])
    # when the target number is unknown
    response = client.post(
        url, {"target_number": "99999999999999999", "relation": "grandchild", "reason": "投亲"}
    )
    assert response.status_code == 200
    assert "不存在或不在您的管辖范围内" in response.content.decode()
    # when it is right
    response = client.post(
        url, {"target_number": household_b.number, "relation": "grandchild", "reason": "投亲"}
    )
    # then
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.household_id == household_b.pk


def test_worker_cannot_move_person_into_another_village(client, worker_a, household_a, household_b):
    client.force_login(worker_a)
    child = household_a.members.get(name="张小明")
    response = client.post(
        reverse("registry:person_move", args=[child.pk]),
        {"target_number": household_b.number, "relation": "child", "reason": "x"},
    )
    assert response.status_code == 200
    child.refresh_from_db()
    assert child.household_id == household_a.pk


def test_session_idle_timeout_is_in_force():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 30 * 60


def test_session_expiry_is_refreshed_on_each_request(client, worker_a):
    client.force_login(worker_a)
    client.get(reverse("web:home"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_household_search_is_posted_and_kept_out_of_addresses(
    client, township_user, household_a, household_b
):
    client.force_login(township_user)
    number = household_b.head.id_number
    # when a worker types an ID number into the search (htmx POST)
    response = client.post(reverse("registry:household_list"), {"q": number}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # then the household is found and no link on the page carries the number
    assert response.status_code == 200
    assert household_b.number in html and household_a.number not in html
    assert number not in html
    assert reverse("registry:export") + "?s=1" in html
    # and without htmx the POST redirects to an address that names no search term
    response = client.post(reverse("registry:household_list"), {"q": number})
    assert response.status_code == 302 and response["Location"].endswith("?s=1")
    page = client.get(response["Location"]).content.decode()
    assert household_b.number in page and household_a.number not in page
    # and the export of that search has the same one household
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(client.get(reverse("registry:export") + "?s=1").content)).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert household_b.number in numbers and household_a.number not in numbers
