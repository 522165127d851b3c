"""The catalogue per jurisdiction: a county's changes of an item are dated, versioned, audited rows that
apply in that county only, over the shipped item; the national definition stays read-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.errors import Conflict, PermissionDenied, ValidationFailed
from dajiuzhu.intake import services, workflow
from dajiuzhu.intake.catalogue import effective_item, item_history
from dajiuzhu.intake.models import Application, AssistanceItem, ItemLocalChange
from dajiuzhu.intake.tests.conftest import ALL_MATERIALS, DAY, ELDER_ID
from dajiuzhu.intake.tests.test_api import api, patch_today

pytestmark = pytest.mark.django_db

LATER = DAY + dt.timedelta(days=7)
SHIPPED_MATERIALS = [{"name": "居民身份证", "platform": True}, {"name": "家庭经济状况核对授权书", "platform": False},
                     {"name": "低保申请书", "platform": False}]  # fmt: skip


def change(
    user: Any, item: Any, data: dict[str, Any], *, version: int = 0, start: Any = DAY, **extra: Any
) -> Any:
    return services.item_change_create(user=user, item_id=item.pk, data=data, version=version, start=start,
                                       today=DAY, **extra)  # fmt: skip


@pytest.fixture
def qihe_user(make_user: Any) -> Any:
    return make_user("county_approver", "county2", username="qihe")


@pytest.fixture
def qihe_worker(make_user: Any) -> Any:
    return make_user("village_assistant", "village_c", username="qihe_village")


def _snapshot(item: Any) -> tuple[Any, ...]:
    row = AssistanceItem.objects.get(pk=item.pk)
    return (row.name, row.materials, row.decision_days, row.decide_level, row.programme, row.version)


def test_county_a_edit_shows_in_a_forms_and_not_in_b(
    client, worker_a, qihe_worker, qihe_user, county_user, elder, dibao, monkeypatch
):
    patch_today(monkeypatch)
    shipped = _snapshot(dibao)
    # given 临邑县 renames 低保 for its windows, asks for one more material and shortens the decision
    change(county_user, dibao, {"name": "城乡低保（临邑）", "decision_days": "8",
                                "materials": [*SHIPPED_MATERIALS, {"name": "收入证明", "platform": False}]})  # fmt: skip
    # when a clerk in 临邑县 files with the shipped materials only
    receipt = services.applications_file(user=worker_a, id_number=ELDER_ID, items=["dibao"],
                                         materials=ALL_MATERIALS, today=DAY)  # fmt: skip
    app = Application.objects.get(receipt=receipt)
    # then the county's item applies: its name, its extra material listed once as missing, its limit
    assert app.item.name == "城乡低保（临邑）" and app.materials_missing == ["收入证明"]
    assert receipt.missing == ["城乡低保（临邑）：收入证明"] and app.item_on == DAY
    assert workflow.step_limit(app.item, "decision") == 8
    # and the application page and the API in 临邑县 show the county's item
    client.force_login(worker_a)
    assert "城乡低保（临邑）" in client.get(reverse("intake:application", args=[app.pk])).content.decode()
    mine = api(worker_a).get("/items/dibao").json()
    assert (mine["name"], mine["limits"]["decision_days"], mine["jurisdiction"]) == (
        "城乡低保（临邑）",
        8,
        "371424100201",
    )
    assert mine["materials"][-1] == {"name": "收入证明", "platform": False}
    assert mine["local_fields"] == ["decision_days", "materials", "name"]
    # but 齐河县 still has the shipped item, in the API, on its catalogue page and in its filing rules
    theirs = api(qihe_worker).get("/items/dibao").json()
    assert (theirs["name"], theirs["limits"]["decision_days"], theirs["local_fields"]) == (
        "最低生活保障",
        10,
        [],
    )
    assert theirs["materials"] == SHIPPED_MATERIALS
    client.force_login(qihe_user)
    page = client.get(reverse("intake:catalogue")).content.decode()
    assert "最低生活保障" in page and "城乡低保（临邑）" not in page
    page = client.get(reverse("intake:catalogue_edit", args=[dibao.pk])).content.decode()
    assert "收入证明" not in page and "城乡低保（临邑）" not in page
    assert effective_item(dibao, "371425", DAY).materials == SHIPPED_MATERIALS
    # and the shipped row itself never changed
    assert _snapshot(dibao) == shipped


def test_history_of_an_item_says_who_when_and_from_which_date(
    county_user, qihe_user, make_user, dibao, monkeypatch
):
    patch_today(monkeypatch)
    province = make_user("sysadmin", "province", username="shandong")
    change(county_user, dibao, {"decision_days": 8}, note="县政府第3次常务会")
    change(county_user, dibao, {"decision_days": 7}, version=1, start=LATER, reference="临民发〔2026〕5号")
    change(qihe_user, dibao, {"name": "齐河低保"})
    change(province, dibao, {"sampling_percent": 5})
    # the county sees its own rows and the province's, newest first, not 齐河县's
    rows = item_history(user=county_user, item=dibao)
    assert [(r.jurisdiction, r.version, r.start, r.created_by and r.created_by.username) for r in rows] == [
        ("37", 1, DAY, "shandong"), ("371424", 2, LATER, county_user.username), ("371424", 1, DAY, county_user.username),
    ]  # fmt: skip
    assert rows[1].values == {"decision_days": 7} and rows[1].reference == "临民发〔2026〕5号"
    assert all(r.created_at is not None for r in rows)
    # the same through the API
    out = api(county_user).get("/items/dibao/changes").json()
    assert [(o["jurisdiction"], o["version"], o["start"], o["created_by"]) for o in out] == [
        ("37", 1, DAY.isoformat(), "shandong"), ("371424", 2, LATER.isoformat(), county_user.username),
        ("371424", 1, DAY.isoformat(), county_user.username),
    ]  # fmt: skip
    # the province sees every row under it
    assert {r.jurisdiction for r in item_history(user=province, item=dibao)} == {"37", "371424", "371425"}
    # and every change is in the audit trail with its area and the value it replaced
    events = AuditEvent.objects.filter(subject_type="assistance_item", area_code="371424").order_by("id")
    assert [(e.before, e.after) for e in events] == [
        ({"decision_days": 10}, {"decision_days": 8}), ({"decision_days": 8}, {"decision_days": 7}),
    ]  # fmt: skip
    assert "2026-03-09起" in events[1].subject_label and events[1].actor_id == county_user.pk


def test_history_page_lists_the_changes(client, county_user, dibao, monkeypatch):
    patch_today(monkeypatch)
    change(county_user, dibao, {"decision_days": 7}, start=LATER, note="提速")
    client.force_login(county_user)
    html = client.get(reverse("intake:catalogue_edit", args=[dibao.pk])).content.decode()
    assert "调整记录" in html and "2026-03-09" in html and "审批时限：7" in html and "未生效" in html
    assert county_user.username in html and "提速" in html


def test_a_county_cannot_edit_another_county_or_the_national_definition(
    client, county_user, qihe_user, township_user, make_user, dibao, monkeypatch
):
    patch_today(monkeypatch)
    change(qihe_user, dibao, {"delegated": True})
    before = (_snapshot(dibao), list(ItemLocalChange.objects.values_list("id", "values")),
              AuditEvent.objects.count())  # fmt: skip
    analyst = make_user("city_analyst", "city", username="analyst")
    refusals: list[tuple[Any, dict[str, Any], dict[str, Any]]] = [
        (county_user, {"delegated": True}, {"jurisdiction": "371425"}),  # another county's delegation
        (county_user, {"decision_days": 5}, {"jurisdiction": "37"}),  # the province default
        (county_user, {"decide_level": "township"}, {}),  # the national definition
        (county_user, {"programme": "tekun", "name": "x"}, {}),
        (township_user, {"decision_days": 5}, {}),  # below the county
        (analyst, {"decision_days": 5}, {}),  # a role without the catalogue
    ]
    for user, data, extra in refusals:
        with pytest.raises(PermissionDenied):
            change(user, dibao, data, **extra)
    # the same refusals through the API: 403 in the common shape, naming the field where one is at fault
    body = {"start": DAY.isoformat(), "version": 0, "values": {"delegated": True}, "jurisdiction": "371425"}
    response = api(county_user).post("/items/dibao/changes", body)
    assert response.status_code == 403 and "只能调整本辖区（临邑县）" in response.json()["message"]
    response = api(county_user).post("/items/dibao/changes", {"start": DAY.isoformat(), "version": 0,
                                                             "values": {"needs_check": False}})  # fmt: skip
    assert (
        response.status_code == 403 and "「经济状况核对」是全国统一的事项定义" in response.json()["message"]
    )
    assert api(township_user).post("/items/dibao/changes", {"start": DAY.isoformat(), "version": 0,
                                                           "values": {}}).status_code == 403  # fmt: skip
    # the page refuses a township reviewer too
    client.force_login(township_user)
    assert client.post(reverse("intake:catalogue_edit", args=[dibao.pk]), {"version": "0"}).status_code == 403
    # nothing changed anywhere
    after = (_snapshot(dibao), list(ItemLocalChange.objects.values_list("id", "values")),
             AuditEvent.objects.filter(subject_type="assistance_item").count())  # fmt: skip
    assert after[:2] == before[:2] and after[2] == 1
    assert workflow.decide_level(effective_item(dibao, "371424", DAY), "371424") == "county"
    assert workflow.decide_level(effective_item(dibao, "371425", DAY), "371425") == "township"


def test_the_province_sets_the_default_and_a_county_keeps_its_own(county_user, qihe_user, make_user, dibao):
    province = make_user("sysadmin", "province", username="shandong")
    # given the province delegates 低保 approval everywhere and 临邑县 keeps it at the county
    change(province, dibao, {"delegated": True, "accept_days": 2})
    change(county_user, dibao, {"delegated": False})
    # then 齐河县 follows the province, 临邑县 its own choice (and the province's other value)
    qihe, linyi = effective_item(dibao, "371425", DAY), effective_item(dibao, "371424", DAY)
    assert (qihe.delegated, qihe.accept_days) == (True, 2)
    assert (linyi.delegated, linyi.accept_days) == (False, 2)
    assert ItemLocalChange.objects.get(jurisdiction="371424").values == {"delegated": False}
    # the province's API view lists the counties where townships decide; a county sees only itself
    assert api(province).get("/items/dibao").json()["delegated_counties"] == ["371425"]
    assert api(county_user).get("/items/dibao").json()["delegated_counties"] == []
    assert api(qihe_user).get("/items/dibao").json()["delegated_counties"] == ["371425"]
    # a county value equal to the level above is not kept as a local choice
    change(qihe_user, dibao, {"accept_days": 2})
    assert ItemLocalChange.objects.get(jurisdiction="371425").values == {}


def test_a_dated_change_applies_only_from_its_date(worker_a, township_user, county_user, elder, dibao):
    # given the county adds a material from a week later
    change(county_user, dibao, {"materials": [*SHIPPED_MATERIALS, {"name": "收入证明", "platform": False}]},
           start=LATER)  # fmt: skip
    # then the day before it starts the shipped item applies, from that day the county's
    assert effective_item(dibao, "371424", LATER - dt.timedelta(days=1)).materials == SHIPPED_MATERIALS
    assert effective_item(dibao, "371424", LATER).materials[-1]["name"] == "收入证明"
    # an application filed before keeps the catalogue of its filing day, even once the change is in force
    early = services.applications_file(user=worker_a, id_number=ELDER_ID, items=["dibao"],
                                       materials=ALL_MATERIALS, today=DAY).applications.get()  # fmt: skip
    assert early.materials_missing == []
    early = services.application_accept(user=township_user, application_id=early.pk, today=LATER)
    assert Application.objects.get(pk=early.pk).item.materials == SHIPPED_MATERIALS
    # a start before today is refused (a filed application never changes its catalogue)
    with pytest.raises(ValidationFailed) as err:
        change(county_user, dibao, {"decision_days": 5}, version=1, start=DAY - dt.timedelta(days=1))
    assert [e.field for e in err.value.errors] == ["起始日期"] and "早于今天" in err.value.errors[0].message
    assert ItemLocalChange.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "start", "field", "message"),
    [
        ({"colour": "红"}, DAY.isoformat(), "colour", "未知字段「colour」"),
        ({"decision_days": 5}, "2026/03/05", "起始日期", "“2026/03/05”不是有效日期，请写成 2025-01-31"),
        ({"decision_days": 5}, "", "起始日期", "不能为空"),
        ({"name": "  "}, DAY.isoformat(), "事项名称", "不能为空"),
        ({"department": "nosuch"}, DAY.isoformat(), "主管部门", "未知的部门代码「nosuch」"),
        ({"decision_days": 99}, DAY.isoformat(), "审批时限", "应在0到60之间"),
        ({"decision_days": [1]}, DAY.isoformat(), "审批时限", "应为整数"),
        ({"delegated": "也许"}, DAY.isoformat(), "审批权下放乡镇", "应为“是”或“否”"),
        ({"materials": 5}, DAY.isoformat(), "申请材料", "应为每行一项的文字或材料列表"),
        (
            {"total_days": 40, "total_days_extended": 35},
            DAY.isoformat(),
            "延长后办结时限",
            "不能短于办结时限",
        ),
    ],
)
def test_bad_input_names_the_field_in_chinese_and_saves_nothing(
    county_user, dibao, monkeypatch, data, start, field, message
):
    patch_today(monkeypatch)
    # through the service
    with pytest.raises(ValidationFailed) as err:
        change(county_user, dibao, data, start=start)
    assert any(e.field == field and message in e.message for e in err.value.errors), err.value.errors
    # and through the API: 400, the common shape, the field named
    response = api(county_user).post("/items/dibao/changes", {"start": start, "version": 0, "values": data})
    assert response.status_code == 400 and response.json()["code"] == "validation_failed"
    assert any(e["field"] == field and message in e["message"] for e in response.json()["errors"])
    assert not ItemLocalChange.objects.exists()
    assert not AuditEvent.objects.filter(subject_type="assistance_item").exists()


def test_control_characters_are_refused_by_the_service_and_the_api(county_user, dibao, monkeypatch):
    patch_today(monkeypatch)
    with pytest.raises(ValidationFailed) as err:
        change(county_user, dibao, {"name": "低保\x00", "materials": "低保申请书\x07"}, note="a\x1bb")
    assert {(e.field, e.message) for e in err.value.errors} == {
        ("事项名称", "不能包含控制字符"), ("申请材料", "不能包含控制字符"), ("备注", "不能包含控制字符"),
    }  # fmt: skip
    response = api(county_user).post("/items/dibao/changes", {"start": DAY.isoformat(), "version": 0,
                                                             "values": {"name": "低保\x00"}})  # fmt: skip
    assert response.status_code in (400, 422) and response.json()["errors"][0]["field"].endswith("name")
    assert not ItemLocalChange.objects.exists()


def test_delegation_of_a_department_item_is_refused(county_user, medical):
    with pytest.raises(ValidationFailed) as err:
        change(county_user, medical, {"delegated": True})
    assert [e.field for e in err.value.errors] == ["审批权下放乡镇"] and "不是县级审批" in err.value.errors[
        0
    ].message


def test_two_editors_of_one_county_do_not_overwrite_each_other(
    county_user, qihe_user, make_user, dibao, monkeypatch
):
    patch_today(monkeypatch)
    colleague = make_user("county_approver", "county", username="linyi2")
    # both opened the page at version 0; the first saves
    change(county_user, dibao, {"decision_days": 8})
    # the second is refused with the conflict, and nothing of theirs is saved
    with pytest.raises(Conflict) as err:
        change(colleague, dibao, {"decision_days": 6})
    assert "已被他人修改（现为第1版）" in err.value.message
    response = api(colleague).post("/items/dibao/changes", {"start": DAY.isoformat(), "version": 0,
                                                           "values": {"decision_days": 6}})  # fmt: skip
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert effective_item(dibao, "371424", DAY).decision_days == 8
    # another county's editors have their own versions
    change(qihe_user, dibao, {"decision_days": 9})
    # the API tells the version to send next
    assert api(colleague).get("/items/dibao").json()["local_version"] == 1
    ok = api(colleague).post("/items/dibao/changes", {"start": DAY.isoformat(), "version": 1,
                                                     "values": {"decision_days": 6}})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["version"] == 2
    assert effective_item(dibao, "371424", DAY).decision_days == 6


def test_api_catalogue_date_in_the_wrong_format_is_named(worker_a, dibao):
    response = api(worker_a).get("/items", on="2026-13-01")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "on"
    assert "不是有效日期" in response.json()["errors"][0]["message"]


def test_an_effective_item_cannot_be_saved_over_the_shipped_row(county_user, dibao):
    change(county_user, dibao, {"name": "临邑低保"})
    local = effective_item(dibao, "371424", DAY)
    with pytest.raises(RuntimeError):
        local.save()
    assert AssistanceItem.objects.get(pk=dibao.pk).name == "最低生活保障"


BEFORE = [("intake", "0004_item_days_from_parameters")]
AFTER = [("intake", "0005_item_local_changes")]


@pytest.mark.django_db(transaction=True)
def test_migration_keeps_every_county_delegation_as_a_dated_row() -> None:
    # given the old global catalogue with two counties delegating 低保 and one item not delegated
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    area = old.get_model("areas", "Area")
    linyi = area.objects.create(code="371424", name="临邑县", level=3, county_code="371424")
    qihe = area.objects.create(code="371425", name="齐河县", level=3, county_code="371425")
    dept = old.get_model("accounts", "Department").objects.create(code="minzheng", name="民政")
    item_model = old.get_model("intake", "AssistanceItem")
    dibao = item_model.objects.create(code="dibao", name="低保", department=dept, decision_days=8)
    tekun = item_model.objects.create(code="tekun", name="特困", department=dept)
    dibao.delegated_counties.set([linyi, qihe])
    # when the migration runs
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = new.get_model("intake", "ItemLocalChange").objects.order_by("jurisdiction")
    # then each county's delegation is a row in force from before any application, and the item keeps its values
    assert [(r.item_id, r.jurisdiction, r.values, r.version, r.start) for r in rows] == [
        (dibao.pk, "371424", {"delegated": True}, 1, dt.date(2000, 1, 1)),
        (dibao.pk, "371425", {"delegated": True}, 1, dt.date(2000, 1, 1)),
    ]  # fmt: skip
    assert new.get_model("intake", "AssistanceItem").objects.get(pk=dibao.pk).decision_days == 8
    assert not new.get_model("intake", "ItemLocalChange").objects.filter(item_id=tekun.pk).exists()
    # and back again, the list is restored
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps
    restored = back.get_model("intake", "AssistanceItem").objects.get(pk=dibao.pk)
    assert sorted(restored.delegated_counties.values_list("code", flat=True)) == ["371424", "371425"]
    # the rest of the schema is brought back to the latest state for the following tests
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_list_pages_show_the_local_name_reading_the_changes_once(
    client, worker_a, township_user, county_user, elder, dibao, medical
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    change(county_user, dibao, {"name": "城乡低保（临邑）"})
    change(county_user, medical, {"name": "医疗救助（临邑）"})
    services.applications_file(user=worker_a, id_number=ELDER_ID, items=["dibao", "medical"],
                               materials=ALL_MATERIALS, today=DAY)  # fmt: skip
    client.force_login(township_user)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("intake:applications")).content.decode()
    assert "城乡低保（临邑）" in html and "医疗救助（临邑）" in html
    # one query for the rows' items and one for the filter's list, however many rows there are
    assert sum("itemlocalchange" in q["sql"] for q in ctx.captured_queries) == 2
