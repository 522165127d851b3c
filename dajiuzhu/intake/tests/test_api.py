"""The intake API with a bearer token: the 低保 chain from declaration to entitlement, the department
routing round trip, the error shapes (Chinese, naming the field) and out-of-area IDs answering 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.benefits.models import Entitlement
from dajiuzhu.intake.models import Application, ApplicationEvent, Receipt
from dajiuzhu.intake.tests.conftest import ALL_MATERIALS, DAY, ELDER_ID

pytestmark = pytest.mark.django_db

MASKED_ELDER_ID = "3714**********0013"
JSON = "application/json"


class Clock:
    """The date the services see when called without `today` (as the API calls them)."""

    def __init__(self, today: dt.date) -> None:
        self.today = today


def patch_today(monkeypatch: pytest.MonkeyPatch, today: dt.date = DAY) -> Clock:
    """Make `clock.today()` answer the returned clock's date (the API never passes `today`)."""
    state = Clock(today)
    monkeypatch.setattr("dajiuzhu.core.clock.today", lambda: state.today)
    return state


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return patch_today(monkeypatch)


class Api:
    """A client holding one user's API token; every call sends and expects JSON."""

    def __init__(self, user: Any) -> None:
        _token, key = api_token_create(user=user, name="test")
        self.client = Client(headers={"Authorization": f"Bearer {key}"})

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/intake{path}", params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"/api/intake{path}", body or {}, content_type=JSON)


def api(user: Any) -> Api:
    return Api(user)


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    return response.json()  # type: ignore[no-any-return]


def snapshot(app_id: int) -> dict[str, Any]:
    """Everything a refused call must leave untouched."""
    return {
        "app": Application.objects.filter(pk=app_id).values().get(),
        "events": ApplicationEvent.objects.filter(application_id=app_id).count(),
        "audit": AuditEvent.objects.exclude(action=AuditAction.DENIED).count(),
        "entitlements": Entitlement.objects.count(),
        "receipts": Receipt.objects.count(),
    }


def test_full_dibao_chain_through_the_api(worker_a, township_user, county_user, elder, dibao, clock):
    village, township, county = api(worker_a), api(township_user), api(county_user)
    # given the village declares for the elder with every material
    receipt = ok(
        village.post("/applications", {"id_number": ELDER_ID, "items": ["dibao"], "materials": ALL_MATERIALS,
                                       "reason": "独居老人，无收入来源"}),
        201,
    )  # fmt: skip
    assert receipt["applicant_id_number"] == MASKED_ELDER_ID and receipt["missing"] == []
    [app] = receipt["applications"]
    assert (app["status"], app["waiting_on"], app["version"]) == ("submitted", "township", 1)
    assert app["step_due"] == "2026-03-05" and app["channel"] == "village"
    app_id = app["id"]
    # the township sees it in its queue
    queue = ok(township.get("/queue"))
    assert queue["total"] == 1 and [a["id"] for a in queue["items"]] == [app_id]
    assert queue["by_status"] == [{"status": "submitted", "status_label": "待受理", "count": 1}]
    # when it goes through every step, each with the version the caller saw
    app = ok(township.post(f"/applications/{app_id}/accept", {"version": 1}))
    assert (app["status"], app["accepted_on"], app["total_due"], app["version"]) == (
        "accepted", "2026-03-02", "2026-04-14", 2,
    )  # fmt: skip
    app = ok(township.post(f"/applications/{app_id}/investigate", {
        "version": 2, "visited_on": "2026-03-02", "investigators": ["王敏", "李强"], "present_members": "赵老汉",
        "findings": "独居，无劳动能力", "recommendation": "approve",
    }))  # fmt: skip
    assert (app["status"], app["waiting_on"]) == ("checking", "county")
    assert app["investigations"][0]["investigators"] == ["王敏", "李强"]
    assert app["investigations"][0]["photo_count"] == 0
    app = ok(county.post(f"/applications/{app_id}/check", {"version": 3}))
    assert app["status"] == "opinion" and app["check_result"]["programme"]["programme"] == "dibao"
    app = ok(township.post(f"/applications/{app_id}/opinion",
                           {"version": 4, "approve": True, "reason": "符合低保条件", "amount": 650}))  # fmt: skip
    assert (app["status"], app["proposed_amount"]) == ("notice", "650.00")
    [notice] = app["notices"]
    assert (notice["kind"], notice["starts_on"], notice["ends_on"], notice["masked_name"], notice["amount"]) == (
        "publicity", "2026-03-02", "2026-03-09", "赵**", "650.00",
    )  # fmt: skip
    clock.today = DAY + dt.timedelta(days=7)
    early = township.post(f"/applications/{app_id}/notice-close", {"version": 5})
    assert early.status_code == 400
    assert early.json()["errors"] == [
        {"field": "公示期", "message": "公示期至2026年03月09日，期满后才能结束公示"}
    ]
    clock.today = DAY + dt.timedelta(days=8)
    app = ok(township.post(f"/applications/{app_id}/notice-close", {"version": 5}))
    assert (app["status"], app["waiting_on"]) == ("decision", "county")
    clock.today = dt.date(2026, 3, 16)
    app = ok(county.post(f"/applications/{app_id}/decide",
                         {"version": 6, "approve": True, "reason": "经审核符合", "amount": "650.00"}))  # fmt: skip
    assert (app["status"], app["decision"], app["decided_amount"], app["waiting_on"]) == (
        "approved", "approve", "650.00", "township",
    )  # fmt: skip
    clock.today = dt.date(2026, 3, 17)
    app = ok(township.post(f"/applications/{app_id}/notify",
                           {"version": 7, "delivered_on": "2026-03-17", "method": "本人签收"}))  # fmt: skip
    # then the chain is complete, the entitlement starts the month after, and the ID number stays masked
    assert (app["notified_on"], app["waiting_on"], app["version"]) == ("2026-03-17", "", 8)
    assert [e["action"] for e in app["events"]] == [
        "file", "accept", "investigate", "check", "opinion", "notice_close", "decide", "notify",
    ]  # fmt: skip
    assert app["applicant_id_number"] == MASKED_ELDER_ID
    chain = ok(village.get(f"/households/{elder.pk}/chain"))
    [entitlement] = chain["entitlements"]
    assert (entitlement["monthly_amount"], entitlement["start_month"], entitlement["next_review_on"]) == (
        "650.00", "2026-04-01", "2027-04-01",
    )  # fmt: skip
    assert [a["number"] for a in chain["applications"]] == [app["number"]]
    assert len(chain["applications"][0]["events"]) == 8
    listed = ok(county.get("/applications", status="approved", item="dibao"))
    assert listed["total"] == 1 and listed["items"][0]["decided_amount"] == "650.00"
    assert ok(township.get("/queue"))["total"] == 0
    detail = village.get(f"/applications/{app_id}")
    assert ELDER_ID not in detail.content.decode()
    assert ok(detail)["applicant_id_number"] == MASKED_ELDER_ID


def test_department_routing_round_trip_through_the_api(
    worker_a, township_user, dept_user, elder, dibao, medical, clock
):
    village, township, department = api(worker_a), api(township_user), api(dept_user)
    # given one visit files 低保 and 医疗救助 together
    receipt = ok(village.post("/applications", {"id_number": ELDER_ID, "items": ["dibao", "medical"],
                                                "materials": ALL_MATERIALS}), 201)  # fmt: skip
    apps = {a["item_code"]: a for a in receipt["applications"]}
    medical_id = apps["medical"]["id"]
    # when the township accepts the medical item, it goes straight to the department (no investigation)
    app = ok(township.post(f"/applications/{medical_id}/accept", {"version": 1}))
    assert (app["status"], app["waiting_on"], app["department"]) == ("decision", "department", "医保")
    # the department window sees only its own item, in the list and on the receipt
    assert [a["id"] for a in ok(department.get("/applications"))["items"]] == [medical_id]
    assert [a["item_code"] for a in ok(department.get(f"/receipts/{receipt['id']}"))["applications"]] == [
        "medical"
    ]
    assert department.get(f"/applications/{apps['dibao']['id']}").status_code == 404
    assert [a["id"] for a in ok(department.get("/queue"))["items"]] == [medical_id]
    # the department returns it with reasons; the village sees them and resubmits
    app = ok(
        department.post(f"/applications/{medical_id}/return", {"version": 2, "reason": "缺少住院费用明细"})
    )
    assert (app["status"], app["waiting_on"]) == ("returned", "village")
    assert app["events"][-1]["comment"] == "缺少住院费用明细"
    assert [a["id"] for a in ok(village.get("/queue"))["items"]] == [medical_id]
    app = ok(village.post(f"/applications/{medical_id}/resubmit", {"version": 3, "note": "已补充明细"}))
    assert (app["status"], app["waiting_on"]) == ("submitted", "township")
    app = ok(township.post(f"/applications/{medical_id}/accept", {"version": 4}))
    assert app["waiting_on"] == "department"
    app = ok(department.post(f"/applications/{medical_id}/decide",
                             {"version": 5, "approve": True, "reason": "符合医疗救助", "amount": "1200.5"}))  # fmt: skip
    # then it is approved with the amount to the fen, and no monthly entitlement starts
    assert (app["status"], app["decided_amount"], app["waiting_on"]) == ("approved", "1200.50", "department")
    assert [e["action"] for e in app["events"]] == [
        "file",
        "accept",
        "return",
        "resubmit",
        "accept",
        "decide",
    ]
    assert ok(village.get(f"/households/{elder.pk}/chain"))["entitlements"] == []
    assert not Entitlement.objects.exists()


def test_items_catalogue(worker_a, dibao, medical):
    items = ok(api(worker_a).get("/items"))
    assert [i["code"] for i in items] == ["dibao", "medical"]
    medical_out = items[1]
    assert medical_out["department"] == {"code": "yibao", "name": "医保"}
    assert (medical_out["decide_level"], medical_out["decide_level_label"]) == ("department", "主管部门")
    assert medical_out["materials"] == [{"name": "医疗费用票据", "platform": False}]
    assert medical_out["limits"]["decision_days"] == 10 and medical_out["needs_investigation"] is False
    one = ok(api(worker_a).get("/items/dibao"))
    assert one["materials"][0] == {"name": "居民身份证", "platform": True}
    assert one["limits"]["total_days_extended"] == 45


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"id_number": "12345", "items": ["dibao"]},
            [{"field": "身份证号码", "message": "身份证号码应为18位（或15位旧号码），实际为5位"}],
        ),
        (
            {"id_number": "371424195501010014", "items": ["dibao"]},
            [{"field": "身份证号码", "message": "校验码错误（应为3），请核对号码是否抄错"}],
        ),
        (
            {"id_number": ELDER_ID, "items": ["dibao", "nosuch"]},
            [{"field": "申请事项", "message": "事项「nosuch」不存在或已停用"}],
        ),
        ({"id_number": ELDER_ID, "items": []}, [{"field": "申请事项", "message": "请至少选择一个救助事项"}]),
        (
            {"id_number": ELDER_ID, "items": ["dibao"], "materials": {"dibao": ["户口本"]}},
            [{"field": "最低生活保障·申请材料", "message": "不是本事项需要的材料：户口本"}],
        ),
    ],
)
def test_filing_errors_name_the_field_in_chinese(worker_a, elder, dibao, body, errors):
    # when the filing is wrong
    response = api(worker_a).post("/applications", body)
    # then a 400 in the common shape, naming the field, and nothing was saved
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"
    assert response.json()["errors"] == errors
    assert not Receipt.objects.exists() and not Application.objects.exists()


def test_unknown_item_code_is_404(worker_a, dibao):
    response = api(worker_a).get("/items/nosuch")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "事项不存在", "errors": []}


@pytest.fixture
def at_decision(worker_a, township_user, county_user, elder, dibao) -> Application:
    from dajiuzhu.intake import services

    app = services.applications_file(user=worker_a, id_number=ELDER_ID, items=["dibao"],
                                      materials=ALL_MATERIALS, today=DAY).applications.get()  # fmt: skip
    services.application_accept(user=township_user, application_id=app.pk, today=DAY)
    services.application_investigate(user=township_user, application_id=app.pk, visited_on=DAY,
                                     investigators=["王敏", "李强"], present_members="赵老汉", findings="独居",
                                     today=DAY)  # fmt: skip
    services.application_check(user=county_user, application_id=app.pk, today=DAY)
    services.application_opinion(user=township_user, application_id=app.pk, approve=True, reason="符合",
                                 amount="650", today=DAY)  # fmt: skip
    services.notice_close(user=township_user, application_id=app.pk, today=DAY + dt.timedelta(days=8))
    return Application.objects.get(pk=app.pk)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"approve": True, "reason": "", "amount": "650"}, [{"field": "审批理由", "message": "不能为空"}]),
        ({"approve": False, "reason": "   "}, [{"field": "审批理由", "message": "不能为空"}]),
        (
            {"approve": True, "reason": "符合", "amount": "六百五"},
            [{"field": "核定金额", "message": "应为金额数字，如 650 或 650.50"}],
        ),
        (
            {"approve": True, "reason": "符合", "amount": "650.123"},
            [{"field": "核定金额", "message": "最多两位小数（精确到分）"}],
        ),
        (
            {"approve": True, "reason": "符合", "amount": "-1"},
            [{"field": "核定金额", "message": "不能为负数"}],
        ),
        ({"approve": True, "reason": "符合"}, [{"field": "核定金额", "message": "请填写金额"}]),
        (
            {"approve": True, "reason": "符合", "amount": "650", "review_months": 5},
            [{"field": "复核周期", "message": "应为 1、3、6 或 12 个月"}],
        ),
    ],
)
def test_decide_errors_name_the_field_and_change_nothing(county_user, at_decision, body, errors, clock):
    clock.today = DAY + dt.timedelta(days=9)
    county = api(county_user)
    before = snapshot(at_decision.pk)
    response = county.post(f"/applications/{at_decision.pk}/decide", body)
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert response.json()["message"] == f"{errors[0]['field']}：{errors[0]['message']}"
    assert snapshot(at_decision.pk) == before


def test_missing_return_reason_at_the_township(worker_a, township_user, elder, dibao, clock):
    receipt = ok(api(worker_a).post("/applications", {"id_number": ELDER_ID, "items": ["dibao"],
                                                      "materials": ALL_MATERIALS}), 201)  # fmt: skip
    app_id = receipt["applications"][0]["id"]
    township = api(township_user)
    before = snapshot(app_id)
    response = township.post(f"/applications/{app_id}/return", {"version": 1})
    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_failed", "message": "退回理由：不能为空",
        "errors": [{"field": "退回理由", "message": "不能为空"}],
    }  # fmt: skip
    assert snapshot(app_id) == before


def test_schema_errors_are_422_in_chinese(county_user, at_decision, clock):
    response = api(county_user).post(
        f"/applications/{at_decision.pk}/decide", {"reason": "符合", "version": "x"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed" and body["message"] == "请求格式有误"
    messages = {e["field"].split(".")[-1]: e["message"] for e in body["errors"]}
    assert messages == {"approve": "不能为空", "version": "应为整数"}


def test_stale_version_is_409_with_the_chinese_message(township_user, worker_a, elder, dibao, clock):
    receipt = ok(api(worker_a).post("/applications", {"id_number": ELDER_ID, "items": ["dibao"],
                                                      "materials": ALL_MATERIALS}), 201)  # fmt: skip
    app_id = receipt["applications"][0]["id"]
    township = api(township_user)
    ok(township.post(f"/applications/{app_id}/accept", {"version": 1}))
    before = snapshot(app_id)
    response = township.post(f"/applications/{app_id}/investigate", {
        "version": 1, "visited_on": "2026-03-02", "investigators": ["王敏", "李强"], "present_members": "赵老汉",
        "findings": "独居",
    })  # fmt: skip
    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "message": "该申请已被他人处理或已变化，请刷新页面查看最新状态",
        "errors": [],
    }
    assert snapshot(app_id) == before


def test_out_of_area_answers_404_like_an_unknown_id(worker_a, worker_b, make_user, at_decision, clock):
    # given an application in village A, and users of village B and of another county
    other_county = make_user("county_approver", "county2", username="qihe")
    app_id = at_decision.pk
    receipt_id = at_decision.receipt_id
    missing_id = app_id + 10_000
    clients = [api(worker_b), api(other_county)]
    before = snapshot(app_id)
    for client in clients:
        # when they read or act on it, the answer is the same as for an ID that does not exist
        for kind, pk in (("applications", app_id), ("receipts", receipt_id)):
            response = client.get(f"/{kind}/{pk}")
            assert response.status_code == 404
            assert response.json() == client.get(f"/{kind}/{missing_id}").json()
            assert "赵" not in response.content.decode()
        chain = client.get(f"/households/{at_decision.household_id}/chain")
        assert chain.status_code == 404
        assert chain.json() == client.get(f"/households/{missing_id}/chain").json()
        assert ok(client.get("/applications"))["total"] == 0
        acted = client.post(f"/applications/{app_id}/decide", {"approve": True, "reason": "x", "amount": "1"})
        assert acted.status_code == 404
        assert acted.json() == client.post(f"/applications/{missing_id}/decide",
                                           {"approve": True, "reason": "x", "amount": "1"}).json()  # fmt: skip
    # then nothing changed
    assert snapshot(app_id) == before


def test_out_of_area_objection_answers_like_an_unknown_one(make_user, at_decision, clock):
    # given an objection (handled or not, it exists) on a notice in village A
    from dajiuzhu.intake.models import Objection, PublicNotice

    notice = PublicNotice.objects.get(application=at_decision, kind="publicity")
    objection = Objection.objects.create(notice=notice, content="有房有车")
    other = api(make_user("township_reviewer", "township2", username="qihe_town"))
    # when a township of another county tries to handle it, and an objection that does not exist
    body = {"upheld": False, "handling": "不成立"}
    response = other.post(f"/objections/{objection.pk}/handle", body)
    unknown = other.post(f"/objections/{objection.pk + 1000}/handle", body)
    # then both answers are the same 404: the ID reveals nothing
    assert response.status_code == unknown.status_code == 404
    assert response.json() == unknown.json()
    assert Objection.objects.get(pk=objection.pk).status == "open"


def test_list_filters_and_paging(worker_a, township_user, elder, dibao, medical, clock):
    ok(api(worker_a).post("/applications", {"id_number": ELDER_ID, "items": ["dibao", "medical"],
                                            "materials": {"dibao": ["低保申请书"]}}), 201)  # fmt: skip
    township = api(township_user)
    everything = ok(township.get("/applications"))
    assert everything["total"] == 2
    assert ok(township.get("/applications", item="medical"))["items"][0]["status"] == "materials"
    assert ok(township.get("/applications", status="submitted"))["total"] == 0
    assert ok(township.get("/applications", area_code="371424100202"))["total"] == 0
    assert ok(township.get("/applications", area_code="371424100201"))["total"] == 2
    assert ok(township.get("/applications", q="赵老"))["total"] == 2
    page = ok(township.get("/applications", limit=1, offset=1))
    assert (page["total"], len(page["items"]), page["items"][0]["id"]) == (2, 1, everything["items"][1]["id"])
    bad = township.get("/applications", status="nonsense")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "status"
    assert township.get("/applications", limit=0).json()["errors"] == [
        {"field": "limit", "message": "每页条数应在1到200之间"}
    ]


def test_objection_handled_through_the_api(worker_a, township_user, county_user, elder, dibao, clock):
    from dajiuzhu.intake import services

    app = services.applications_file(user=worker_a, id_number=ELDER_ID, items=["dibao"],
                                      materials=ALL_MATERIALS, today=DAY).applications.get()  # fmt: skip
    services.application_accept(user=township_user, application_id=app.pk, today=DAY)
    services.application_investigate(user=township_user, application_id=app.pk, visited_on=DAY,
                                     investigators=["王敏", "李强"], present_members="赵老汉", findings="独居",
                                     today=DAY)  # fmt: skip
    services.application_check(user=county_user, application_id=app.pk, today=DAY)
    services.application_opinion(user=township_user, application_id=app.pk, approve=True, reason="符合",
                                 amount="650", today=DAY)  # fmt: skip
    objection = services.objection_lodge(notice_id=app.notices.get().pk, content="其子在城里有房有车",
                                         phone="13812345678", today=DAY + dt.timedelta(days=2))  # fmt: skip
    township = api(township_user)
    shown = ok(township.get(f"/applications/{app.pk}"))["notices"][0]["objections"][0]
    assert (shown["status"], shown["phone"], shown["content"]) == (
        "open",
        "138****5678",
        "其子在城里有房有车",
    )
    missing = township.post(f"/objections/{objection.pk}/handle", {"upheld": True})
    assert missing.status_code == 400 and missing.json()["errors"] == [
        {"field": "处理意见", "message": "不能为空"}
    ]
    clock.today = DAY + dt.timedelta(days=3)
    result = ok(
        township.post(f"/objections/{objection.pk}/handle", {"upheld": True, "handling": "需重新调查"})
    )
    assert (result["status"], result["county_visit_required"]) == ("accepted", True)
    assert result["notices"][0]["closed"] is True
    assert result["notices"][0]["objections"][0]["status"] == "upheld"


def test_no_token_is_401(elder, dibao):
    response = Client().get("/api/intake/applications")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
