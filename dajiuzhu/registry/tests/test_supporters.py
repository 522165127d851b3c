"""Statutory supporters living elsewhere (户外法定义务人): the service, the household page, the API, and
the instant check that judges them for 特困 condition 3."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core import idnumber
from dajiuzhu.core.errors import NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.registry.models import OutsideSupporter
from dajiuzhu.registry.services import (
    outside_supporter_add,
    outside_supporter_delete,
)

pytestmark = pytest.mark.django_db

BASE = "/api/registry"


def _id(first17: str) -> str:
    return first17 + idnumber.check_char(first17)


SON_ID = _id("37142419860505001")  # born 1986-05-05, a man
DAUGHTER_ID = _id("37142419880808002")
SON = {"relation": "child", "id_number": SON_ID, "name": "张大伟", "monthly_income": "6000"}


def api_client(user: Any) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


def _fields(exc: ValidationFailed) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


def _page_post(**overrides: str) -> dict[str, str]:
    data = {
        "supporter-name": "张大伟",
        "supporter-id_number": SON_ID,
        "supporter-relation": "child",
        "supporter-status": "",
        "supporter-monthly_income": "6000",
        "supporter-financial_assets": "20000",
        "supporter-household_size": "3",
        "supporter-disability_type": "",
        "supporter-disability_grade": "",
        "supporter-property_note": "县城商品房一套",
        "supporter-source": "investigated",
        "supporter-recorded_on": "2026-03-01",
    }
    data.update({f"supporter-{k}": v for k, v in overrides.items()})
    return data


# ---- the service -----------------------------------------------------------------------------------


def test_add_stores_the_supporter_with_birth_date_from_the_id_and_audits(worker_a, household_a):
    # when
    supporter = outside_supporter_add(
        actor=worker_a,
        household_id=household_a.pk,
        data={**SON, "financial_assets": "1,000.50", "household_size": "３", "status": "在监狱服刑"},
    )
    # then
    supporter.refresh_from_db()
    assert supporter.birth_date == dt.date(1986, 5, 5)
    assert (str(supporter.monthly_income), str(supporter.financial_assets)) == ("6000.00", "1000.50")
    assert (supporter.household_size, supporter.status, supporter.source) == (3, "in_prison", "declared")
    event = AuditEvent.objects.get(subject_type="outside_supporter", action="create")
    assert event.actor == worker_a
    assert event.subject_id == str(supporter.pk)
    assert event.area_code == household_a.area_id


def test_the_same_supporter_twice_is_refused(worker_a, household_a):
    outside_supporter_add(actor=worker_a, household_id=household_a.pk, data=SON)
    with pytest.raises(ValidationFailed) as err:
        outside_supporter_add(actor=worker_a, household_id=household_a.pk, data={**SON, "name": "张大卫"})
    assert _fields(err.value) == {"身份证号码": "该义务人已登记"}
    assert OutsideSupporter.objects.count() == 1


def test_a_co_resident_member_is_refused(worker_a, household_a, ids):
    with pytest.raises(ValidationFailed) as err:
        outside_supporter_add(
            actor=worker_a,
            household_id=household_a.pk,
            data={"relation": "spouse", "id_number": ids["spouse"], "name": "李秀英"},
        )
    assert "共同生活成员" in _fields(err.value)["身份证号码"]
    assert not OutsideSupporter.objects.exists()


def test_missing_relation_and_id_number_name_the_fields_and_save_nothing(worker_a, household_a):
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as err:
        outside_supporter_add(actor=worker_a, household_id=household_a.pk, data={"name": "张大伟"})
    assert _fields(err.value) == {"与申请人关系": "不能为空", "身份证号码": "不能为空"}
    assert [str(e) for e in err.value.errors] == ["与申请人关系：不能为空", "身份证号码：不能为空"]
    assert not OutsideSupporter.objects.exists()
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.parametrize(
    "number",
    [SON_ID[:17] + ("0" if SON_ID[17] != "0" else "1"), "12345", "37142419860505001Z", "张大伟"],
)
def test_a_bad_id_number_is_refused(worker_a, household_a, number):
    with pytest.raises(ValidationFailed) as err:
        outside_supporter_add(actor=worker_a, household_id=household_a.pk, data={**SON, "id_number": number})
    assert list(_fields(err.value)) == ["身份证号码"]
    assert not OutsideSupporter.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("monthly_income", "五千", "本人月收入（元）"),
        ("monthly_income", "-1", "本人月收入（元）"),
        ("monthly_income", "1e30", "本人月收入（元）"),
        ("financial_assets", "9" * 40, "家庭金融资产（元）"),
        ("financial_assets", "12.345", "家庭金融资产（元）"),
        ("household_size", "0", "家庭人数"),
        ("household_size", "2.5", "家庭人数"),
        ("household_size", "²", "家庭人数"),
        ("household_size", "9" * 5000, "家庭人数"),
        ("disability_grade", "5", "残疾等级"),
        ("disability_grade", "²", "残疾等级"),
        ("recorded_on", "2026-02-30", "登记日期"),
        ("is_tekun", "也许", "为特困人员"),
        ("status", "住院", "状况"),
    ],
)
def test_a_bad_value_names_its_field_and_saves_nothing(worker_a, household_a, field, value, label):
    with pytest.raises(ValidationFailed) as err:
        outside_supporter_add(actor=worker_a, household_id=household_a.pk, data={**SON, field: value})
    assert label in _fields(err.value)
    assert not OutsideSupporter.objects.exists()


def test_disability_type_and_grade_go_together(worker_a, household_a):
    with pytest.raises(ValidationFailed) as err:
        outside_supporter_add(
            actor=worker_a, household_id=household_a.pk, data={**SON, "disability_type": "physical"}
        )
    assert list(_fields(err.value)) == ["残疾等级"]
    supporter = outside_supporter_add(
        actor=worker_a,
        household_id=household_a.pk,
        data={**SON, "disability_type": "肢体", "disability_grade": "二级"},
    )
    assert (supporter.disability_type, supporter.disability_grade) == ("physical", 2)


def test_another_area_gets_the_same_not_found_as_a_missing_household(worker_b, worker_a, household_a):
    # given a supporter of village A
    supporter = outside_supporter_add(actor=worker_a, household_id=household_a.pk, data=SON)
    # when a worker of village B adds to or deletes from household A, or names a household that does not exist
    with pytest.raises(NotFound) as foreign_add:
        outside_supporter_add(actor=worker_b, household_id=household_a.pk, data=SON)
    with pytest.raises(NotFound) as missing_add:
        outside_supporter_add(actor=worker_b, household_id=999999, data=SON)
    with pytest.raises(NotFound) as foreign_delete:
        outside_supporter_delete(actor=worker_b, supporter_id=supporter.pk)
    with pytest.raises(NotFound) as missing_delete:
        outside_supporter_delete(actor=worker_b, supporter_id=999999)
    # then all four answers are the same, and nothing changed
    answers = {(e.value.code, e.value.message, tuple(e.value.errors)) for e in (foreign_add, missing_add)}
    answers |= {
        (e.value.code, e.value.message, tuple(e.value.errors)) for e in (foreign_delete, missing_delete)
    }
    assert answers == {("not_found", "记录不存在或不在您的管辖范围内", ())}
    assert list(OutsideSupporter.objects.values_list("pk", flat=True)) == [supporter.pk]


def test_a_read_only_role_cannot_add_or_delete(make_user, worker_a, household_a):
    analyst = make_user("city_analyst", "city")
    supporter = outside_supporter_add(actor=worker_a, household_id=household_a.pk, data=SON)
    with pytest.raises(PermissionDenied):
        outside_supporter_add(
            actor=analyst, household_id=household_a.pk, data={**SON, "id_number": DAUGHTER_ID}
        )
    with pytest.raises(PermissionDenied):
        outside_supporter_delete(actor=analyst, supporter_id=supporter.pk)
    assert OutsideSupporter.objects.count() == 1


def test_household_detail_loads_the_supporters_in_one_query(worker_a, household_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dajiuzhu.registry.selectors import household_detail

    with CaptureQueriesContext(connection) as none:
        assert household_detail(household_a)["outside_supporters"] == []
    outside_supporter_add(actor=worker_a, household_id=household_a.pk, data=SON)
    outside_supporter_add(actor=worker_a, household_id=household_a.pk, data={**SON, "id_number": DAUGHTER_ID})
    with CaptureQueriesContext(connection) as two:
        supporters = household_detail(household_a)["outside_supporters"]
    assert [s.id_number for s in supporters] == [SON_ID, DAUGHTER_ID]
    assert len(two) == len(none)
    assert sum("registry_outsidesupporter" in q["sql"] for q in two.captured_queries) == 1


# ---- the household page ------------------------------------------------------------------------------


def test_page_adds_and_shows_the_supporter_masked(client, worker_a, household_a):
    client.force_login(worker_a)
    view_url = reverse("registry:household_view", args=[household_a.pk])
    # given the section is there, empty, with its help line and add form
    html = client.get(view_url).content.decode()
    assert "户外法定义务人" in html and "无需在此登记" in html
    assert reverse("registry:supporter_new", args=[household_a.pk]) in html
    # when the form is posted
    response = client.post(reverse("registry:supporter_new", args=[household_a.pk]), _page_post())
    # then it is stored and the page lists it with the ID number masked
    assert response.status_code == 302
    assert response.url == view_url + "#supporters"
    supporter = OutsideSupporter.objects.get()
    assert (supporter.household_size, str(supporter.financial_assets)) == (3, "20000.00")
    html = client.get(view_url).content.decode()
    assert "张大伟" in html
    assert mask_id_number(SON_ID) in html
    assert SON_ID not in html
    assert "县城商品房一套" in html and "入户调查" in html and "2026-03-01" in html
    assert reverse("registry:supporter_delete", args=[supporter.pk]) in html


def test_page_shows_chinese_errors_next_to_the_fields_and_saves_nothing(client, worker_a, household_a):
    client.force_login(worker_a)
    response = client.post(
        reverse("registry:supporter_new", args=[household_a.pk]),
        _page_post(relation="", id_number="", household_size="很多", monthly_income="abc"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["relation"] == ["不能为空"]
    assert form.errors["id_number"] == ["不能为空"]
    assert "应为1到30之间的整数" in form.errors["household_size"][0]
    assert "不是有效的金额" in form.errors["monthly_income"][0]
    html = response.content.decode()
    assert "与申请人关系：不能为空" in html
    assert not OutsideSupporter.objects.exists()


def test_page_of_another_area_is_404_for_list_add_and_delete(client, worker_a, worker_b, household_a):
    supporter = outside_supporter_add(actor=worker_a, household_id=household_a.pk, data=SON)
    client.force_login(worker_b)
    listed = client.get(reverse("registry:household_view", args=[household_a.pk]))
    form = client.get(reverse("registry:supporter_new", args=[household_a.pk]))
    added = client.post(
        reverse("registry:supporter_new", args=[household_a.pk]), _page_post(id_number=DAUGHTER_ID)
    )
    deleted = client.post(reverse("registry:supporter_delete", args=[supporter.pk]))
    missing = client.post(reverse("registry:supporter_delete", args=[999999]))
    assert [r.status_code for r in (listed, form, added, deleted, missing)] == [404] * 5
    assert "不在您的管辖范围内" in deleted.content.decode()
    assert list(OutsideSupporter.objects.values_list("pk", flat=True)) == [supporter.pk]
    # the attempts on a real household are audited as denied; the missing one is not
    assert AuditEvent.objects.filter(action="denied", actor=worker_b).count() == 4


def test_page_read_only_role_sees_the_list_but_cannot_add(client, make_user, worker_a, household_a):
    outside_supporter_add(actor=worker_a, household_id=household_a.pk, data=SON)
    analyst = make_user("city_analyst", "city")
    client.force_login(analyst)
    html = client.get(reverse("registry:household_view", args=[household_a.pk])).content.decode()
    assert "张大伟" in html and mask_id_number(SON_ID) in html
    assert reverse("registry:supporter_new", args=[household_a.pk]) not in html
    for response in (
        client.get(reverse("registry:supporter_new", args=[household_a.pk])),
        client.post(
            reverse("registry:supporter_new", args=[household_a.pk]), _page_post(id_number=DAUGHTER_ID)
        ),
    ):
        assert response.status_code == 403
        assert "您没有执行此操作的权限" in response.content.decode()
    assert OutsideSupporter.objects.count() == 1


def test_page_delete_removes_the_supporter_and_writes_an_audit_row(client, worker_a, household_a):
    supporter = outside_supporter_add(actor=worker_a, household_id=household_a.pk, data=SON)
    client.force_login(worker_a)
    # a GET does not delete
    assert client.get(reverse("registry:supporter_delete", args=[supporter.pk])).status_code == 405
    response = client.post(reverse("registry:supporter_delete", args=[supporter.pk]))
    assert response.status_code == 302
    assert response.url == reverse("registry:household_view", args=[household_a.pk]) + "#supporters"
    assert not OutsideSupporter.objects.exists()
    event = AuditEvent.objects.get(subject_type="outside_supporter", action="delete")
    assert event.actor == worker_a
    assert event.subject_id == str(supporter.pk)
    assert event.before["id_number"] == SON_ID


# ---- the API -----------------------------------------------------------------------------------------


def test_api_round_trip(worker_a, household_a):
    client = api_client(worker_a)
    url = f"{BASE}/households/{household_a.pk}/supporters"
    # when a supporter is added
    created = client.post(
        url,
        {**SON, "relation": "子女", "household_size": 4, "is_tekun": False, "financial_assets": 1500.5},
        content_type="application/json",
    )
    # then it comes back masked, and the list and the household detail show it
    assert created.status_code == 201
    body = created.json()
    assert body["id_number"] == mask_id_number(SON_ID)
    assert SON_ID not in created.content.decode()
    assert (body["relation"], body["relation_label"]) == ("child", "子女")
    assert (body["birth_date"], body["household_size"]) == ("1986-05-05", 4)
    assert (body["monthly_income"], body["financial_assets"]) == ("6000.00", "1500.50")
    listed = client.get(url)
    assert listed.status_code == 200
    assert listed.json() == [body]
    assert SON_ID not in listed.content.decode()
    detail = client.get(f"{BASE}/households/{household_a.pk}").json()
    assert detail["outside_supporters"] == [body]
    # when it is deleted
    deleted = client.delete(f"{BASE}/supporters/{body['id']}")
    assert deleted.status_code == 204
    assert client.get(url).json() == []
    assert AuditEvent.objects.filter(subject_type="outside_supporter", action="delete").count() == 1
    assert client.delete(f"{BASE}/supporters/{body['id']}").json()["code"] == "not_found"


def test_api_validation_errors_have_the_common_shape_and_save_nothing(worker_a, household_a):
    response = api_client(worker_a).post(
        f"{BASE}/households/{household_a.pk}/supporters",
        {"name": "张大伟", "household_size": "0", "monthly_income": "1e30"},
        content_type="application/json",
    )
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "validation_failed"
    assert {e["field"]: e["message"] for e in payload["errors"]} == {
        "与申请人关系": "不能为空",
        "身份证号码": "不能为空",
        "本人月收入（元）": "金额“1e30”过大，应小于 10,000,000,000 元",
        "家庭人数": "“0”应为1到30之间的整数",
    }
    assert not OutsideSupporter.objects.exists()


def test_api_wrong_json_types_are_422_not_500(worker_a, household_a):
    response = api_client(worker_a).post(
        f"{BASE}/households/{household_a.pk}/supporters",
        {**SON, "household_size": [3], "status": {"x": 1}},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


def test_api_another_area_is_404_for_list_add_and_delete(worker_a, worker_b, household_a):
    supporter = outside_supporter_add(actor=worker_a, household_id=household_a.pk, data=SON)
    client = api_client(worker_b)
    url = f"{BASE}/households/{household_a.pk}/supporters"
    responses = [
        client.get(url),
        client.post(url, {**SON, "id_number": DAUGHTER_ID}, content_type="application/json"),
        client.delete(f"{BASE}/supporters/{supporter.pk}"),
    ]
    missing = [
        client.get(f"{BASE}/households/999999/supporters"),
        client.delete(f"{BASE}/supporters/999999"),
    ]
    # then every answer is the same 404, whether the record exists elsewhere or not at all
    assert {(r.status_code, r.content) for r in responses + missing} == {(404, missing[0].content)}
    assert missing[0].json() == {
        "code": "not_found",
        "message": "记录不存在或不在您的管辖范围内",
        "errors": [],
    }
    assert list(OutsideSupporter.objects.values_list("pk", flat=True)) == [supporter.pk]
    assert AuditEvent.objects.filter(action="denied", actor=worker_b).count() == 3


def test_api_read_only_role_is_403(make_user, worker_a, household_a):
    supporter = outside_supporter_add(actor=worker_a, household_id=household_a.pk, data=SON)
    client = api_client(make_user("city_analyst", "city"))
    listed = client.get(f"{BASE}/households/{household_a.pk}/supporters")
    added = client.post(
        f"{BASE}/households/{household_a.pk}/supporters",
        {**SON, "id_number": DAUGHTER_ID},
        content_type="application/json",
    )
    deleted = client.delete(f"{BASE}/supporters/{supporter.pk}")
    assert listed.status_code == 200
    assert [s["id_number"] for s in listed.json()] == [mask_id_number(SON_ID)]
    assert (added.status_code, deleted.status_code) == (403, 403)
    assert added.json()["code"] == deleted.json()["code"] == "permission_denied"
    assert OutsideSupporter.objects.count() == 1


def test_openapi_lists_the_supporter_routes():
    paths = Client().get("/api/openapi.json").json()["paths"]
    assert "/api/registry/households/{household_id}/supporters" in paths
    assert "/api/registry/supporters/{supporter_id}" in paths


def test_anonymous_users_reach_neither_the_pages_nor_the_api(client, worker_a, household_a):
    supporter = outside_supporter_add(actor=worker_a, household_id=household_a.pk, data=SON)
    for url in (
        reverse("registry:supporter_new", args=[household_a.pk]),
        reverse("registry:supporter_delete", args=[supporter.pk]),
    ):
        response = client.post(url, _page_post())
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(f"{BASE}/households/{household_a.pk}/supporters").status_code == 401
    assert (
        client.post(
            f"{BASE}/households/{household_a.pk}/supporters", SON, content_type="application/json"
        ).status_code
        == 401
    )
    assert client.delete(f"{BASE}/supporters/{supporter.pk}").status_code == 401
    assert OutsideSupporter.objects.filter(pk=supporter.pk).exists()  # nothing changed
