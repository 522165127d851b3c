"""The registry API: scoping, masking, the error shape, optimistic locking and audited reveals."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.registry.models import Household, Income, Person

BASE = "/api/registry"


def api_client(user: Any) -> Client:
    """A client that authenticates with a fresh bearer token of `user`."""
    _token, key = api_token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


def new_household_body(ids: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "area": "371424100201",
        "address": "东关村5组1号",
        "residence_type": "rural",
        "hukou_type": "农业户口",
        "members": [
            {"id_number": ids["other"], "name": "赵大勇", "relation": "户主", "phone": "13700001234"}
        ],
    }
    body.update(overrides)
    return body


# ---- reads ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_only_own_area_with_masked_head_id(worker_a, household_a, household_b, ids):
    # when
    response = api_client(worker_a).get(f"{BASE}/households")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    assert body["page"] == 1
    [item] = body["items"]
    assert item["id"] == household_a.pk
    assert item["head_name"] == "张建国"
    assert item["head_id_number"] == mask_id_number(ids["head"])
    assert item["residence_type_label"] == "农村"
    assert ids["head"] not in response.content.decode()


@pytest.mark.django_db
def test_list_search_and_paging(township_user, household_a, household_b):
    client = api_client(township_user)

    assert client.get(f"{BASE}/households", {"q": "王德福"}).json()["total"] == 1
    assert client.get(f"{BASE}/households", {"area": "371424100201"}).json()["total"] == 1
    paged = client.get(f"{BASE}/households", {"page": 2, "page_size": 1}).json()
    assert paged["total"] == 2
    assert [i["id"] for i in paged["items"]] == [household_b.pk]


@pytest.mark.django_db
def test_page_size_above_200_is_422_in_the_common_error_shape(worker_a):
    response = api_client(worker_a).get(f"{BASE}/households", {"page_size": 500})

    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_failed",
        "message": "请求格式有误",
        "errors": [{"field": "page_size", "message": "不能大于200"}],
    }


@pytest.mark.django_db
def test_detail_masks_id_numbers_and_phones(worker_a, household_a, ids):
    # when
    response = api_client(worker_a).get(f"{BASE}/households/{household_a.pk}")

    # then
    assert response.status_code == 200
    text = response.content.decode()
    for full in (ids["head"], ids["spouse"], ids["child"], "13812345678"):
        assert full not in text
    body = response.json()
    head = next(m for m in body["members"] if m["relation"] == "head")
    assert head["id_number"] == mask_id_number(ids["head"])
    assert head["phone"] == "138****5678"
    assert head["relation_label"] == "户主"
    assert body["member_count"] == 3
    assert body["version"] == household_a.version


@pytest.mark.django_db
def test_out_of_scope_household_is_404_and_audited_as_denied(worker_a, household_b):
    # when
    response = api_client(worker_a).get(f"{BASE}/households/{household_b.pk}")

    # then
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert body["errors"] == []
    denied = AuditEvent.objects.get(action="denied")
    assert denied.actor == worker_a
    assert denied.subject_type == "household"
    assert denied.subject_id == str(household_b.pk)
    assert denied.area_code == "371424100202"


@pytest.mark.django_db
def test_out_of_scope_write_is_404_audited_and_changes_nothing(worker_a, household_b):
    response = api_client(worker_a).patch(
        f"{BASE}/households/{household_b.pk}",
        {"address": "改掉", "version": household_b.version},
        content_type="application/json",
    )

    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="denied", subject_id=str(household_b.pk)).count() == 1
    household_b.refresh_from_db()
    assert household_b.address == "西关村1组3号"


@pytest.mark.django_db
def test_missing_household_is_404_without_denied_audit(worker_a):
    response = api_client(worker_a).get(f"{BASE}/households/999999")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not AuditEvent.objects.filter(action="denied").exists()


# ---- creating ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_household_returns_it_with_masked_members(worker_a, areas, ids):
    # when
    response = api_client(worker_a).post(
        f"{BASE}/households", new_household_body(ids), content_type="application/json"
    )

    # then
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == "37142410020100001"
    assert body["hukou_type"] == "agricultural"
    assert [m["id_number"] for m in body["members"]] == [mask_id_number(ids["other"])]
    assert ids["other"] not in response.content.decode()
    person = Person.objects.get(id_number=ids["other"])
    assert person.household_id == body["id"]
    assert person.relation == "head"


@pytest.mark.django_db
def test_create_with_invalid_id_is_400_naming_the_field_and_saves_nothing(worker_a, areas, ids):
    # given
    bad = ids["other"][:17] + ("0" if ids["other"][17] != "0" else "1")
    body = new_household_body(ids, members=[{"id_number": bad, "name": "赵大勇", "relation": "head"}])

    # when
    response = api_client(worker_a).post(f"{BASE}/households", body, content_type="application/json")

    # then
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "validation_failed"
    assert payload["errors"][0]["field"] == "身份证号码"
    assert "校验码错误" in payload["errors"][0]["message"]
    assert Household.objects.count() == 0
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_create_with_duplicate_id_is_400_and_saves_nothing(worker_a, household_a, ids):
    # given: the head of household_a is registered already
    body = new_household_body(ids, members=[{"id_number": ids["head"], "name": "张建国", "relation": "head"}])

    # when
    response = api_client(worker_a).post(f"{BASE}/households", body, content_type="application/json")

    # then
    assert response.status_code == 400
    payload = response.json()
    assert payload["errors"][0]["field"] == "身份证号码"
    assert "已登记在其他家庭" in payload["errors"][0]["message"]
    assert Household.objects.count() == 1
    assert Person.objects.count() == 3


@pytest.mark.django_db
def test_create_outside_own_area_is_400_and_saves_nothing(worker_a, areas, ids):
    body = new_household_body(ids, area="371424100202")

    response = api_client(worker_a).post(f"{BASE}/households", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "所属村（社区）/网格"
    assert Household.objects.count() == 0


@pytest.mark.django_db
def test_add_member(worker_a, household_a, ids):
    body = {"id_number": ids["elder"], "name": "张老汉", "relation": "parent"}

    response = api_client(worker_a).post(
        f"{BASE}/households/{household_a.pk}/members", body, content_type="application/json"
    )

    assert response.status_code == 201
    assert response.json()["id_number"] == mask_id_number(ids["elder"])
    household_a.refresh_from_db()
    assert household_a.member_count == 4


# ---- updating ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_patch_household_with_current_version(worker_a, household_a):
    version = household_a.version

    response = api_client(worker_a).patch(
        f"{BASE}/households/{household_a.pk}",
        {"address": "东关村3组13号", "version": version},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["address"] == "东关村3组13号"
    assert response.json()["version"] == version + 1


@pytest.mark.django_db
def test_patch_household_with_stale_version_is_409_and_changes_nothing(worker_a, household_a):
    # given
    stale = household_a.version - 1 if household_a.version > 1 else household_a.version + 5

    # when
    response = api_client(worker_a).patch(
        f"{BASE}/households/{household_a.pk}",
        {"address": "别处", "version": stale},
        content_type="application/json",
    )

    # then
    assert response.status_code == 409
    assert response.json()["code"] == "stale_record"
    before_version = household_a.version
    household_a.refresh_from_db()
    assert household_a.address == "东关村3组12号"
    assert household_a.version == before_version


@pytest.mark.django_db
def test_patch_person_with_stale_version_is_409_and_changes_nothing(worker_a, household_a):
    person = Person.objects.get(name="李秀英")

    response = api_client(worker_a).patch(
        f"{BASE}/persons/{person.pk}",
        {"name": "李秀兰", "version": person.version + 1},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "stale_record"
    person.refresh_from_db()
    assert person.name == "李秀英"


@pytest.mark.django_db
def test_patch_person_with_invalid_phone_names_the_field(worker_a, household_a):
    person = Person.objects.get(name="李秀英")

    response = api_client(worker_a).patch(
        f"{BASE}/persons/{person.pk}",
        {"phone": "12345", "version": person.version},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "联系电话"
    person.refresh_from_db()
    assert person.phone == ""


@pytest.mark.django_db
def test_move_person_to_another_household(worker_a, household_a, ids):
    # given
    from dajiuzhu.registry.services import household_create

    target = household_create(
        actor=worker_a,
        area="371424100201",
        data={"address": "东关村4组2号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[{"id_number": ids["other"], "name": "赵大勇", "relation": "head"}],
    )
    child = Person.objects.get(name="张小明")

    # when
    response = api_client(worker_a).post(
        f"{BASE}/persons/{child.pk}/move",
        {"to_household_id": target.pk, "relation": "child", "reason": "过继"},
        content_type="application/json",
    )

    # then
    assert response.status_code == 200
    assert response.json()["household_id"] == target.pk
    household_a.refresh_from_db()
    target.refresh_from_db()
    assert (household_a.member_count, target.member_count) == (2, 2)


# ---- incomes, assets, expenditures ---------------------------------------------------------------


@pytest.mark.django_db
def test_add_and_delete_income(worker_a, household_a):
    client = api_client(worker_a)
    body = {
        "income_type": "wage",
        "amount": "1,200.50",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
    }

    created = client.post(
        f"{BASE}/households/{household_a.pk}/incomes", body, content_type="application/json"
    )

    assert created.status_code == 201
    record_id = created.json()["id"]
    detail = client.get(f"{BASE}/households/{household_a.pk}").json()
    assert [(i["id"], i["amount"]) for i in detail["incomes"]] == [(record_id, "1200.50")]

    deleted = client.delete(f"{BASE}/records/income/{record_id}")

    assert deleted.status_code == 204
    assert not Income.objects.exists()


@pytest.mark.django_db
def test_add_asset_and_expenditure_with_bad_date_names_the_field(worker_a, household_a):
    client = api_client(worker_a)

    asset = client.post(
        f"{BASE}/households/{household_a.pk}/assets",
        {"asset_type": "vehicle", "vehicle_kind": "production", "value": 30000},
        content_type="application/json",
    )
    expenditure = client.post(
        f"{BASE}/households/{household_a.pk}/expenditures",
        {"kind": "medical", "amount": 500, "period_start": "2025-13-01", "period_end": "2025-12-31"},
        content_type="application/json",
    )

    assert asset.status_code == 201
    assert expenditure.status_code == 400
    assert expenditure.json()["errors"][0]["field"] == "起始日期"


@pytest.mark.django_db
def test_delete_unknown_record_kind_is_404(worker_a):
    response = api_client(worker_a).delete(f"{BASE}/records/salary/1")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# ---- reveal --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reveal_returns_the_full_value_and_writes_an_audit_row(worker_a, household_a, ids):
    head = Person.objects.get(id_number=ids["head"])

    response = api_client(worker_a).post(
        f"{BASE}/persons/{head.pk}/reveal", {"field": "id_number"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json() == {"value": ids["head"]}
    event = AuditEvent.objects.get(action="reveal")
    assert event.actor == worker_a
    assert event.subject_id == str(head.pk)
    assert event.note == "身份证号码"


@pytest.mark.django_db
def test_analyst_reveal_is_403_and_writes_no_reveal_row(make_user, household_a, ids):
    # given
    analyst = make_user("city_analyst", "city")
    head = Person.objects.get(id_number=ids["head"])

    # when
    response = api_client(analyst).post(
        f"{BASE}/persons/{head.pk}/reveal", {"field": "phone"}, content_type="application/json"
    )

    # then
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not AuditEvent.objects.filter(action="reveal").exists()


@pytest.mark.django_db
def test_reveal_of_unknown_field_is_422(worker_a, household_a, ids):
    head = Person.objects.get(id_number=ids["head"])

    response = api_client(worker_a).post(
        f"{BASE}/persons/{head.pk}/reveal", {"field": "name"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "payload.field"
    assert not AuditEvent.objects.filter(action="reveal").exists()


# ---- the error shape and the docs ----------------------------------------------------------------


@pytest.mark.django_db
def test_unexpected_error_is_500_json_without_traceback(worker_a, monkeypatch):
    from dajiuzhu.registry import selectors

    def boom(**kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "household_search", boom)

    response = api_client(worker_a).get(f"{BASE}/households")

    assert response.status_code == 500
    assert response.json() == {"code": "internal_error", "message": "系统繁忙，请稍后再试", "errors": []}
    assert "secret internals" not in response.content.decode()


@pytest.mark.django_db
def test_malformed_json_is_400_in_the_common_shape(worker_a):
    response = api_client(worker_a).post(f"{BASE}/households", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "message": "请求内容无法解析，请检查JSON格式",
        "errors": [],
    }


@pytest.mark.django_db
def test_wrong_json_type_is_422_naming_the_field(worker_a):
    response = api_client(worker_a).post(
        f"{BASE}/households", {"members": "x"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "payload.members", "message": "应为列表"}]


@pytest.mark.django_db
def test_docs_and_openapi_load():
    client = Client()

    docs = client.get("/api/docs")
    schema = client.get("/api/openapi.json")

    assert docs.status_code == 200
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/registry/households" in paths
    assert "/api/registry/persons/{person_id}/reveal" in paths
    assert "/api/accounts/me" in paths


@pytest.mark.django_db
def test_a_vehicle_needs_its_kind_and_the_kind_is_returned(worker_a, household_a):
    # given
    client = api_client(worker_a)
    # when a vehicle is added without a kind, then with one
    missing = client.post(
        f"{BASE}/households/{household_a.pk}/assets",
        {"asset_type": "vehicle", "value": 30000},
        content_type="application/json",
    )
    added = client.post(
        f"{BASE}/households/{household_a.pk}/assets",
        {"asset_type": "vehicle", "vehicle_kind": "残疾人功能性补偿代步机动车", "value": 8000},
        content_type="application/json",
    )
    # then the first is refused naming the field, and the second is stored with its kind
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "车辆类型"
    assert added.status_code == 201
    detail = client.get(f"{BASE}/households/{household_a.pk}").json()
    assert [(a["asset_type"], a["vehicle_kind"]) for a in detail["assets"]] == [("vehicle", "disability")]
