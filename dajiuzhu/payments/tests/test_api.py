"""The payments API with bearer tokens: the roll from prepare to close, bank files down and results up,
lines masked and scoped, the budget authority, and the error codes with their HTTP status; a refused call
changes nothing."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.payments import bankfiles, services
from dajiuzhu.payments.models import (
    BankFile,
    BankReturn,
    BudgetAuthority,
    LineStatus,
    Roll,
    RollLine,
    TownshipCheck,
)
from dajiuzhu.payments.tests.conftest import CARDS

pytestmark = pytest.mark.django_db

JSON = "application/json"
ZHANG, ZHAO, WANG = "P371424202612-0000001", "P371424202612-0000002", "P371424202612-0000003"
SDRCU, PSBC = "山东省农村商业银行（农村信用社）", "中国邮政储蓄银行"


class Api:
    """A client holding one user's API token."""

    def __init__(self, user: Any) -> None:
        _token, key = api_token_create(user=user, name="test")
        self.client = Client(headers={"Authorization": f"Bearer {key}"})

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/payments{path}", params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"/api/payments{path}", body or {}, content_type=JSON)

    def upload(self, path: str, content: bytes, name: str = "return.txt") -> Any:
        return self.client.post(f"/api/payments{path}", {"file": SimpleUploadedFile(name, content)})


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def state(roll_id: int) -> dict[str, Any]:
    """Everything a refused call must leave untouched."""
    return {
        "roll": Roll.objects.filter(pk=roll_id).values().get(),
        "lines": sorted(
            RollLine.objects.filter(roll_id=roll_id).values_list("reference", "status", "amount")
        ),
        "checks": TownshipCheck.objects.filter(roll_id=roll_id).count(),
        "files": BankFile.objects.filter(roll_id=roll_id).count(),
        "returns": BankReturn.objects.count(),
        # (creating an API token is audited too; the clients are made as the test goes)
        "audit": AuditEvent.objects.filter(subject_type__startswith="payments.")
        .exclude(action=AuditAction.DENIED)
        .count(),
    }


def return_file(roll_id: int, bank: str, *, fail: str = "", amount_off: str = "") -> bytes:
    fmt = bankfiles.load_formats()[bank]
    sent = RollLine.objects.filter(
        roll_id=roll_id, bank=bank, status=LineStatus.PENDING, amount__gt=0
    ).order_by("reference")
    frame = pl.DataFrame(
        [
            {"reference": x.reference, "account_number": x.account_number, "holder_name": x.holder_name,
             "amount_fen": int(x.amount * 100) + (1 if x.beneficiary_name == amount_off else 0),
             "paid": x.beneficiary_name != fail,
             "reason_code": fmt.returns.failure_codes[0][0] if x.beneficiary_name == fail else ""}
            for x in sent
        ]
    )  # fmt: skip
    return bankfiles.render_return(fmt, frame)


def issued(preparer: Any, approver: Any) -> Roll:
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    services.roll_lock(user=preparer, roll_id=roll.pk)
    services.roll_approve(user=approver, roll_id=roll.pk)
    return services.roll_issue(user=preparer, roll_id=roll.pk)


def test_full_roll_through_the_api(entitled, accounts, authority, preparer, approver, township_user, today):
    clerk, second, township = Api(preparer), Api(approver), Api(township_user)
    # given the clerk prepares December
    roll = ok(clerk.post("/rolls", {"county": "371424", "month": "2026-12"}), 201)
    rid = roll["id"]
    assert (roll["county_code"], roll["county_name"], roll["month"], roll["month_label"]) == (
        "371424", "临邑县", "2026-12", "2026年12月",
    )  # fmt: skip
    assert (roll["status"], roll["status_label"], roll["line_count"], roll["payable"], roll["version"]) == (
        "draft", "草稿", 3, "3350.00", 1,
    )  # fmt: skip
    assert roll["prepared"]["name"] == "preparer" and roll["locked"] is None
    assert roll["summary"]["by_programme"] == [
        {"programme": "dibao", "label": "最低生活保障（低保）", "count": 1, "gross": "650.00", "deduction": "0.00",
         "net": "650.00", "held": 0},
        {"programme": "orphan", "label": "孤儿基本生活保障", "count": 1, "gross": "1500.00", "deduction": "0.00",
         "net": "1500.00", "held": 0},
        {"programme": "tekun", "label": "特困人员救助供养", "count": 1, "gross": "1200.00", "deduction": "0.00",
         "net": "1200.00", "held": 0},
    ]  # fmt: skip
    assert [(k["kind"], k["count"], k["amount"]) for k in roll["summary"]["by_kind"]] == [
        ("regular", 3, "3350.00"), ("arrears", 0, "0.00"), ("oneoff", 0, "0.00"),
    ]  # fmt: skip
    assert roll["funds"] == [
        {"fund": "assistance", "label": "困难群众救助补助资金", "authority": "1000000.00", "committed": "0.00",
         "available": "1000000.00", "this": "3350.00", "left_after": "996650.00", "short": False, "exceeds": ""},
    ]  # fmt: skip
    [town] = roll["summary"]["by_township"]
    assert (town["code"], town["name"], town["count"], town["amount"], town["checked"]) == (
        "371424100", "临邑镇", 3, "3350.00", False,
    )  # fmt: skip

    # when the township checks its part (its own township by default), the clerk locks, the second approves
    roll = ok(township.post(f"/rolls/{rid}/township-check", {"version": 1, "note": "已核对"}))
    [town] = roll["summary"]["by_township"]
    assert (town["checked"], town["checked_by"], town["checked_count"], town["checked_total"], town["note"]) == (
        True, "township_reviewer_township", 3, "3350.00", "已核对",
    )  # fmt: skip
    assert roll["funds"] is None  # a township does not see the county's funds
    assert roll["version"] == 1  # a check does not change the roll itself
    roll = ok(clerk.post(f"/rolls/{rid}/lock", {"version": 1}))
    assert (roll["status"], roll["version"], roll["locked"]["name"], len(roll["snapshot_sha256"])) == (
        "locked", 2, "preparer", 64,
    )  # fmt: skip
    roll = ok(second.post(f"/rolls/{rid}/approve", {"version": 2}))
    assert (roll["status"], roll["version"], roll["approved"]["name"]) == ("approved", 3, "approver")
    roll = ok(clerk.post(f"/rolls/{rid}/issue", {"version": 3}))
    assert (roll["status"], roll["version"]) == ("issued", 4)
    files = {f["bank"]: f for f in ok(clerk.get(f"/rolls/{rid}/bank-files"))}
    assert roll["bank_files"] == sorted(files.values(), key=lambda f: f["bank"])
    assert {b: (f["bank_name"], f["line_count"], f["total"], f["bank_return"]) for b, f in files.items()} == {
        "psbc": (PSBC, 1, "1500.00", None), "sdrcu": (SDRCU, 2, "1850.00", None),
    }  # fmt: skip

    # then the files download as stored, audited
    for f in files.values():
        response = clerk.client.get(f["download"])
        stored = BankFile.objects.get(pk=f["id"])
        assert response.status_code == 200 and response.content == bytes(stored.content)
        assert response["Content-Disposition"] == f'attachment; filename="{stored.filename}"'
        assert f["sha256"] == stored.sha256
    assert (
        AuditEvent.objects.filter(action=AuditAction.EXPORT, subject_type="payments.bank_file").count() == 2
    )

    # the results come back: 王 failed at the rural bank
    result = ok(
        clerk.upload(f"/bank-files/{files['sdrcu']['id']}/return", return_file(rid, "sdrcu", fail="王德福")),
        201,
    )
    ret = result["bank_return"]
    assert (ret["filename"], ret["paid_count"], ret["paid_total"], ret["failed_count"], ret["failed_total"]) == (
        "return.txt", 1, "650.00", 1, "1200.00",
    )  # fmt: skip
    ok(clerk.upload(f"/bank-files/{files['psbc']['id']}/return", return_file(rid, "psbc")), 201)
    roll = ok(clerk.get(f"/rolls/{rid}"))
    assert (roll["status"], roll["version"]) == ("returned", 5)
    lines = ok(clerk.get(f"/rolls/{rid}/lines", status="failed"))
    assert [(x["reference"], x["status"], x["fail_reason"]) for x in lines["items"]] == [
        (WANG, "failed", "账号不存在")
    ]
    roll = ok(clerk.post(f"/rolls/{rid}/reconcile", {"version": 5}))
    assert roll["status"] == "reconciled"
    roll = ok(clerk.post(f"/rolls/{rid}/close", {"version": 6}))
    assert (roll["status"], roll["closed"]["name"], roll["version"]) == ("closed", "preparer", 7)
    assert [(r["id"], r["status"]) for r in ok(clerk.get("/rolls"))] == [(rid, "closed")]


def test_the_preparer_cannot_approve(entitled, accounts, authority, preparer, today):
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    services.roll_lock(user=preparer, roll_id=roll.pk)
    before = state(roll.pk)
    body = refused(Api(preparer).post(f"/rolls/{roll.pk}/approve", {"version": 2}), 400, "roll_same_person")
    assert body == {
        "code": "roll_same_person", "message": "复核（审批）人不能是名册的编制人或锁定人",
        "errors": [{"field": "审批人", "message": "复核（审批）人不能是名册的编制人或锁定人（双人复核）"}],
    }  # fmt: skip
    assert state(roll.pk) == before


def test_wrong_status_and_stale_version_are_409(entitled, accounts, authority, preparer, approver, today):
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    before = state(roll.pk)
    # approving a draft
    body = refused(Api(approver).post(f"/rolls/{roll.pk}/approve", {}), 409, "roll_wrong_status")
    assert body["message"] == "发放名册当前为「草稿」，审批须在「已锁定」状态下进行"
    # locking with the version of a page someone else has since moved on from
    body = refused(Api(preparer).post(f"/rolls/{roll.pk}/lock", {"version": 7}), 409, "roll_wrong_status")
    assert body["message"] == "发放名册已被他人处理，请刷新后重试"
    # closing a draft
    refused(Api(approver).post(f"/rolls/{roll.pk}/close", {"version": 1}), 409, "roll_wrong_status")
    assert state(roll.pk) == before


def test_a_locked_month_cannot_be_prepared_again(entitled, accounts, preparer, today):
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    services.roll_lock(user=preparer, roll_id=roll.pk)
    before = state(roll.pk)
    body = refused(
        Api(preparer).post("/rolls", {"county": "371424", "month": "2026-12"}), 409, "roll_month_closed"
    )
    assert body["message"] == "2026年12月的发放名册已锁定，不能重新生成"
    body = refused(
        Api(preparer).post("/rolls", {"county": "371424", "month": "2026-13"}), 400, "validation_failed"
    )
    assert body["errors"] == [{"field": "发放月份", "message": "“2026-13”不是有效的月份（例如 2026-12）"}]
    assert state(roll.pk) == before and Roll.objects.count() == 1


def test_unlock_needs_a_reason(entitled, accounts, preparer, today):
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    services.roll_lock(user=preparer, roll_id=roll.pk)
    before = state(roll.pk)
    body = refused(Api(preparer).post(f"/rolls/{roll.pk}/unlock", {"version": 2}), 400, "validation_failed")
    assert body["errors"][0]["field"] == "退回原因"
    assert state(roll.pk) == before
    roll_out = ok(Api(preparer).post(f"/rolls/{roll.pk}/unlock", {"version": 2, "reason": "补录迟到的决定"}))
    assert (roll_out["status"], roll_out["locked"], roll_out["snapshot_sha256"]) == ("draft", None, "")


def test_budget_exceeded_names_the_fund_and_the_excess(entitled, accounts, preparer, approver, today):
    services.authority_create(user=preparer, county_code="371424", fund="assistance", year=2026,
                              document_number="临财社〔2026〕9号", amount="1000")  # fmt: skip
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    services.roll_lock(user=preparer, roll_id=roll.pk)
    detail = ok(Api(approver).get(f"/rolls/{roll.pk}"))
    assert [(f["left_after"], f["short"], f["exceeds"]) for f in detail["funds"]] == [
        ("-2350.00", True, "2350.00")
    ]
    before = state(roll.pk)
    body = refused(Api(approver).post(f"/rolls/{roll.pk}/approve", {"version": 2}), 400, "budget_exceeded")
    assert body["errors"] == [
        {"field": "困难群众救助补助资金", "message": "剩余指标1000.00元，本名册需3350.00元，超出2350.00元"}
    ]
    assert state(roll.pk) == before


def test_a_refused_return_lists_every_row_and_changes_nothing(
    entitled, accounts, authority, preparer, approver, today
):
    roll = issued(preparer, approver)
    bank_file = BankFile.objects.get(roll=roll, bank="sdrcu")
    before = state(roll.pk)
    content = return_file(roll.pk, "sdrcu", amount_off="张建国")
    body = refused(
        Api(preparer).upload(f"/bank-files/{bank_file.pk}/return", content), 400, "bank_return_refused"
    )
    assert body == {
        "code": "bank_return_refused", "message": "回盘文件有1处错误，未导入任何记录",
        "errors": [{"field": "金额", "row": 1,
                    "message": "流水号P371424202612-0000001的回盘金额650.01元与报盘金额650.00元不一致"}],
    }  # fmt: skip
    assert state(roll.pk) == before
    # and a file imported once cannot be imported again
    ok(Api(preparer).upload(f"/bank-files/{bank_file.pk}/return", return_file(roll.pk, "sdrcu")), 201)
    after = state(roll.pk)
    refused(Api(preparer).upload(f"/bank-files/{bank_file.pk}/return", content), 409, "bank_return_duplicate")
    assert state(roll.pk) == after


def test_lines_are_masked_scoped_filtered_and_paged(entitled, accounts, preparer, worker_a, worker_b, today):
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    page = ok(Api(preparer).get(f"/rolls/{roll.pk}/lines"))
    assert (page["total"], page["limit"], page["offset"]) == (3, 100, 0)
    first = page["items"][0]
    assert {k: first[k] for k in ("reference", "kind", "programme", "period", "beneficiary_name", "village", "gross",
                                  "deduction", "amount", "bank", "account", "holder_name", "status")} == {
        "reference": ZHANG, "kind": "regular", "programme": "dibao", "period": "2026-12", "beneficiary_name": "张建国",
        "village": "东关村委会", "gross": "650.00", "deduction": "0.00", "amount": "650.00", "bank": "sdrcu",
        "account": f"{SDRCU} ****{CARDS['zhang'][-4:]}", "holder_name": "张建国", "status": "pending",
    }  # fmt: skip
    text = str(page)
    for card in CARDS.values():
        assert card not in text
    # a village sees its own lines only
    assert [x["reference"] for x in ok(Api(worker_a).get(f"/rolls/{roll.pk}/lines"))["items"]] == [
        ZHANG,
        ZHAO,
    ]
    assert [x["reference"] for x in ok(Api(worker_b).get(f"/rolls/{roll.pk}/lines"))["items"]] == [WANG]
    assert ok(Api(worker_b).get(f"/rolls/{roll.pk}"))["line_count"] == 1
    # filters and paging
    assert [
        x["reference"] for x in ok(Api(preparer).get(f"/rolls/{roll.pk}/lines", programme="tekun"))["items"]
    ] == [WANG]
    paged = ok(Api(preparer).get(f"/rolls/{roll.pk}/lines", limit=1, offset=1))
    assert (paged["total"], [x["reference"] for x in paged["items"]]) == (3, [ZHAO])
    body = refused(Api(preparer).get(f"/rolls/{roll.pk}/lines", status="nope"), 400, "validation_failed")
    assert body["errors"][0]["field"] == "status"
    refused(Api(preparer).get(f"/rolls/{roll.pk}/lines", limit=0), 400, "validation_failed")


def test_another_county_gets_404_and_a_village_no_bank_files(
    entitled, accounts, authority, preparer, approver, county2_user, worker_a, today
):
    roll = issued(preparer, approver)
    bank_file = BankFile.objects.filter(roll=roll).first()
    before = state(roll.pk)
    other = Api(county2_user)
    for path in (f"/rolls/{roll.pk}", f"/rolls/{roll.pk}/lines", f"/rolls/{roll.pk}/bank-files",
                 f"/bank-files/{bank_file.pk}"):  # fmt: skip
        refused(other.get(path), 404, "not_found")
    refused(other.post(f"/rolls/{roll.pk}/reconcile", {}), 404, "not_found")
    refused(other.upload(f"/bank-files/{bank_file.pk}/return", b"x"), 404, "not_found")
    assert ok(other.get("/rolls")) == []
    # a village worker reads the roll but not its bank files
    village = Api(worker_a)
    assert ok(village.get(f"/rolls/{roll.pk}"))["bank_files"] == []
    refused(village.get(f"/bank-files/{bank_file.pk}"), 403, "permission_denied")
    refused(village.post(f"/rolls/{roll.pk}/reconcile", {}), 403, "permission_denied")
    assert state(roll.pk) == before


def test_authorities_read_and_create(entitled, accounts, authority, preparer, worker_a, county2_user, today):
    clerk = Api(preparer)
    listing = ok(clerk.get("/authorities", year=2026))
    assert (listing["county_code"], listing["year"]) == ("371424", 2026)
    assert [(a["document_number"], a["fund"], a["amount"]) for a in listing["items"]] == [
        ("临财社〔2026〕1号", "assistance", "1000000.00")
    ]
    assert listing["position"][0] == {"fund": "assistance", "label": "困难群众救助补助资金", "authority": "1000000.00",
                                      "committed": "0.00", "left": "1000000.00", "short": False}  # fmt: skip
    created = ok(clerk.post("/authorities", {"county": "371424", "fund": "elderly", "year": 2026,
                                             "document_number": "临财社〔2026〕3号", "amount": "5000.5"}), 201)  # fmt: skip
    assert (created["fund"], created["fund_label"], created["amount"], created["created_by"]) == (
        "elderly", "老年人补贴资金", "5000.50", "preparer",
    )  # fmt: skip
    count = BudgetAuthority.objects.count()
    body = refused(clerk.post("/authorities", {"county": "371424", "fund": "nope", "year": 2026,
                                               "document_number": "", "amount": "-1"}), 400, "validation_failed")  # fmt: skip
    assert [e["field"] for e in body["errors"]] == ["资金类别", "指标文号", "指标金额"]
    refused(clerk.post("/authorities", {"county": "371425", "fund": "assistance", "year": 2026,
                                        "document_number": "x", "amount": "1"}), 404, "not_found")  # fmt: skip
    refused(Api(worker_a).post("/authorities", {"county": "371424", "fund": "assistance", "year": 2026,
                                                "document_number": "x", "amount": "1"}), 403, "permission_denied")  # fmt: skip
    assert BudgetAuthority.objects.count() == count
    # 齐河 reads its own, never 临邑's
    assert [a["document_number"] for a in ok(Api(county2_user).get("/authorities", year=2026))["items"]] == [
        "齐财社〔2026〕1号"
    ]
    refused(Api(county2_user).get("/authorities", year=2026, county="371424"), 404, "not_found")


def test_openapi_documents_the_payments_operations(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/payments/rolls", "/api/payments/rolls/{roll_id}", "/api/payments/rolls/{roll_id}/lines",
                 "/api/payments/rolls/{roll_id}/approve", "/api/payments/bank-files/{bank_file_id}/return",
                 "/api/payments/authorities"):  # fmt: skip
        assert path in paths, path
    approve = paths["/api/payments/rolls/{roll_id}/approve"]["post"]
    assert approve["tags"] == ["资金发放"]
    assert approve["summary"] == "审批名册（双人复核：不能是编制人或锁定人；不得超出剩余资金指标）"
    assert "RollDetailOut" in str(approve["responses"]["200"])
