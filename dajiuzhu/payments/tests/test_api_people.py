"""The payments API, people's side: accounts (masked, reveal audited), worklist and resolve, recoveries,
幸福清单, reports and published lists — scoped like the pages; a refused call changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.payments import services
from dajiuzhu.payments.models import PayeeAccount, PublicList, Recovery
from dajiuzhu.payments.tests.conftest import CARDS
from dajiuzhu.payments.tests.test_api import Api, ok, refused
from dajiuzhu.payments.tests.test_roll import close, run_to_issue

pytestmark = pytest.mark.django_db


def test_accounts_masked_set_with_field_errors_and_reveal_audited(
    families: Any, accounts: Any, preparer: Any, county2_user: Any, make_user: Any
) -> None:
    api = Api(preparer)
    body = ok(api.get(f"/households/{families['zhang'].pk}/accounts"))
    head = body[str(families["zhang"].head_id)]
    assert head["masked_number"] == "*" * 15 + CARDS["zhang"][-4:] and CARDS["zhang"] not in str(body)
    # a bad Luhn digit: refused by field, nothing saved
    bad = CARDS["new"][:-1] + str((int(CARDS["new"][-1]) + 1) % 10)
    path = f"/persons/{families['zhang'].head_id}/account"
    card = {"bank": "sdrcu", "account_number": bad, "holder_name": "张建国"}
    err = refused(api.post(path, card), 400, "validation_failed")
    assert err["errors"][0]["field"] == "银行账号"
    assert PayeeAccount.objects.filter(person=families["zhang"].head).count() == 1
    # a new card replaces the old one
    made = ok(api.post(f"/persons/{families['zhang'].head_id}/account",
                       {"bank": "sdrcu", "account_number": CARDS["new"], "holder_name": "张建国"}), 201)  # fmt: skip
    assert made["masked_number"].endswith(CARDS["new"][-4:])
    assert ok(api.post(f"/accounts/{made['id']}/reveal"))["account_number"] == CARDS["new"]
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL, subject_id=str(made["id"])).count() == 1
    # another county and a grid worker cannot reveal
    refused(Api(county2_user).post(f"/accounts/{made['id']}/reveal"), 404, "not_found")
    refused(
        Api(make_user("grid_worker", "grid_a")).post(f"/accounts/{made['id']}/reveal"),
        403,
        "permission_denied",
    )
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL).count() == 1


def test_worklist_resolve_recoveries_benefits_reports_and_publication(
    families: Any, entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, worker_b: Any,
    today: Any, areas: Any,
) -> None:  # fmt: skip
    roll = run_to_issue(preparer, approver)
    close(roll, preparer, fail={"王德福": ""})
    village = Api(worker_b)
    items = ok(village.get("/worklist"))
    assert [(i["beneficiary_name"], i["status"], i["period"]) for i in items] == [
        ("王德福", "failed", "2026-12")
    ]
    refused(village.post(f"/lines/{items[0]['id']}/resolve", {"note": ""}), 400, "validation_failed")
    done = ok(village.post(f"/lines/{items[0]['id']}/resolve", {"note": "银行卡已解冻"}))
    assert done["status"] == "failed" and ok(village.get("/worklist")) == []
    # recoveries: decided, repaid with Chinese punctuation, balance exact
    county = Api(preparer)
    rec = ok(county.post(f"/households/{families['zhang'].pk}/recoveries",
                         {"amount": "1，000．00", "basis": "error", "reason": "多发", "instalment": "100"}), 201)  # fmt: skip
    after = ok(county.post(f"/recoveries/{rec['id']}/repayments",
                           {"amount": "200", "on": "2026-12-02", "receipt_number": "JK001"}), 201)  # fmt: skip
    assert after["balance"] == "800.00" and Recovery.objects.count() == 1
    decision = {"amount": "1", "basis": "error", "reason": "x", "instalment": "1"}
    refused(village.post(f"/households/{families['wang'].pk}/recoveries", decision), 403, "permission_denied")
    # 幸福清单: 张's 低保 of December paid
    benefits = ok(county.get(f"/households/{families['zhang'].pk}/benefits"))
    assert benefits["totals"]["amount"] == "650.00"
    refused(village.get(f"/households/{families['zhang'].pk}/benefits"), 404, "not_found")
    # reports by programme
    table = ok(county.get("/reports", first_month="2026-12", last_month="2026-12", group_by="programme"))
    by = {r["key"]: (r["paid_count"], r["paid_amount"], r["failed_count"]) for r in table["rows"]}
    assert by["dibao"] == (1, "650.00", 0) and by["tekun"] == (0, "0.00", 1)
    refused(county.get("/reports", group_by="nothing"), 400, "validation_failed")
    # publication of village A's December list, then withdrawn
    plist = ok(county.post("/public-lists", {"village": areas["village_a"].code, "month": "2026-12"}), 201)
    assert plist["entries"] == 1  # 张's 低保; never the orphan's allowance
    ok(county.post(f"/public-lists/{plist['id']}/withdraw", {"reason": "信息有误"}))
    assert PublicList.objects.get().withdrawn_at is not None
    assert services.recovery_balance(Recovery.objects.get()) == 800
