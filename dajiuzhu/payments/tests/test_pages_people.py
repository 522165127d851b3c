"""The people's pages of 资金发放: a household's payee accounts (masked, audited reveal, add/replace with
the services' field errors), the worklist of failed and held payments, recoveries and the SMS outbox."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from django.urls import reverse

from dajiuzhu.accounts import roles
from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.core.money import yuan_to_fen
from dajiuzhu.payments import bankfiles, selectors, services
from dajiuzhu.payments.models import (
    BankFile,
    LineStatus,
    NoticeStatus,
    PayeeAccount,
    PaymentNotice,
    Recovery,
    RecoveryEntry,
    RollLine,
)
from dajiuzhu.payments.tests.conftest import CARDS, DEC

pytestmark = pytest.mark.django_db

CUSTODIAN_WARNING = "代管账户未备案书面协议，发放时将暂缓（审核确认办法第二十六条）"


@pytest.fixture
def grid_worker(make_user: Any) -> Any:
    # A grid worker of 东关村 (his area is the village, so the village's households are his).
    return make_user("grid_worker", "village_a", username="grid")


@pytest.fixture
def window_user(make_user: Any) -> Any:
    return make_user("department_window", "county", username="window")


def _html(response: Any) -> str:
    return response.content.decode()


def _payees(household: Any) -> str:
    return reverse("payments:household_payees", args=[household.pk])


def _set(client: Any, person_id: int, **data: Any) -> Any:
    form = {"bank": "sdrcu", "account_number": "", "holder_name": "", "holder_relation": "self", **data}
    return client.post(reverse("payments:account_set", args=[person_id]), form)


def _pay_december(preparer: Any, approver: Any, *, fail: dict[str, str] | None = None) -> Any:
    """Run the December roll through to the bank's result; `fail` maps a beneficiary's name to the
    bank's failure code for their line."""
    fail = fail or {}
    roll = services.roll_prepare(user=preparer, county_code="371424", month=DEC)
    services.roll_lock(user=preparer, roll_id=roll.pk)
    services.roll_approve(user=approver, roll_id=roll.pk)
    services.roll_issue(user=preparer, roll_id=roll.pk)
    formats = bankfiles.load_formats()
    for bank_file in BankFile.objects.filter(roll=roll).order_by("bank"):
        sent = RollLine.objects.filter(
            roll=roll, bank=bank_file.bank, status=LineStatus.PENDING, amount__gt=0
        ).order_by("reference")
        frame = pl.DataFrame(
            [
                {"reference": x.reference, "account_number": x.account_number, "holder_name": x.holder_name,
                 "amount_fen": yuan_to_fen(x.amount), "paid": x.beneficiary_name not in fail,
                 "reason_code": fail.get(x.beneficiary_name, "")}
                for x in sent
            ],
            schema={"reference": pl.String, "account_number": pl.String, "holder_name": pl.String,
                    "amount_fen": pl.Int64, "paid": pl.Boolean, "reason_code": pl.String},
        )  # fmt: skip
        content = bankfiles.render_return(formats[bank_file.bank], frame)
        services.return_import(
            user=preparer, bank_file_id=bank_file.pk, filename="return.txt", content=content
        )
    roll.refresh_from_db()
    return roll


# ---- a household's payee accounts ---------------------------------------------------------------------------


def test_payees_page_shows_each_members_account_masked(client, families, accounts, worker_a, today):
    # given 张建国's card registered, his wife without one
    client.force_login(worker_a)
    # when the village assistant opens the household's accounts
    response = client.get(_payees(families["zhang"]))
    html = _html(response)
    # then the bank, the last four digits, holder and relation; never the full number
    assert response.status_code == 200
    assert "山东省农村商业银行（农村信用社）" in html and "示例格式" not in html
    assert f"****{CARDS['zhang'][-4:]}" in html
    assert CARDS["zhang"] not in html
    assert "<dd>张建国</dd>" in html and "<dd>本人</dd>" in html
    assert "未登记收款账户：该成员的救助金发放时将暂缓。" in html
    assert reverse("payments:account_reveal", args=[accounts["zhang"].pk]) in html
    assert reverse("payments:household_benefits", args=[families["zhang"].pk]) in html
    assert html.count('action="/payments/persons/') == 2  # a form for each member


def test_payees_page_out_of_area_is_not_found_and_audited(client, families, accounts, worker_b, today):
    client.force_login(worker_b)
    response = client.get(_payees(families["zhang"]))
    assert response.status_code == 404
    assert "张建国" not in _html(response) and CARDS["zhang"][-4:] not in _html(response)
    assert AuditEvent.objects.filter(
        actor=worker_b, action=AuditAction.DENIED, subject_type="household"
    ).exists()


def test_payees_page_needs_the_payments_capability(client, families, accounts, window_user, today):
    client.force_login(window_user)
    response = client.get(_payees(families["zhang"]))
    assert response.status_code == 403
    assert "张建国" not in _html(response)


@pytest.mark.parametrize("name", ["household_payees", "household_recoveries", "worklist", "outbox"])
def test_pages_refuse_a_role_without_payments(client, families, window_user, name, today):
    # a department's window reads the registry but not payments: refused, nothing about the household shown
    client.force_login(window_user)
    args = [] if name in ("worklist", "outbox") else [families["zhang"].pk]
    response = client.get(reverse(f"payments:{name}", args=args))
    assert response.status_code == 403
    assert "您没有执行此操作的权限" in _html(response) and "张建国" not in _html(response)


def test_readers_see_accounts_without_forms_or_reveal(client, families, accounts, auditor, today):
    client.force_login(auditor)
    html = _html(client.get(_payees(families["zhang"])))
    assert f"****{CARDS['zhang'][-4:]}" in html
    assert "显示完整账号" not in html and 'action="/payments/persons/' not in html


def test_reveal_shows_the_number_in_place_and_is_audited(client, families, accounts, worker_a, today):
    client.force_login(worker_a)
    account = accounts["zhang"]
    # when the assistant asks for the full number (htmx)
    response = client.post(reverse("payments:account_reveal", args=[account.pk]), HTTP_HX_REQUEST="true")
    # then the number alone, and the reveal is in the audit trail
    assert response.status_code == 200
    assert _html(response) == f'<span class="revealed mono" title="已记录查看">{CARDS["zhang"]}</span>'
    event = AuditEvent.objects.get(actor=worker_a, action=AuditAction.REVEAL)
    assert (event.subject_type, event.subject_id) == ("payments.account", str(account.pk))


def test_grid_worker_has_no_reveal_and_is_refused(client, families, accounts, grid_worker, today):
    client.force_login(grid_worker)
    html = _html(client.get(_payees(families["zhang"])))
    assert "显示完整账号" not in html and 'action="/payments/persons/' not in html
    response = client.post(
        reverse("payments:account_reveal", args=[accounts["zhang"].pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    assert CARDS["zhang"] not in _html(response)
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_reveal_outside_the_area_is_not_found(client, families, accounts, worker_b, today):
    client.force_login(worker_b)
    response = client.post(reverse("payments:account_reveal", args=[accounts["zhang"].pk]))
    assert response.status_code == 404
    assert CARDS["zhang"] not in _html(response)
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_bad_luhn_number_shows_the_field_error_and_saves_nothing(client, families, accounts, worker_a, today):
    client.force_login(worker_a)
    zhang = families["zhang"].head
    bad = CARDS["new"][:-1] + str((int(CARDS["new"][-1]) + 1) % 10)
    before = list(PayeeAccount.objects.order_by("pk").values_list("pk", "is_current", "account_number"))
    # when a replacement card with a mistyped digit is entered
    response = _set(client, zhang.pk, account_number=bad, holder_name="张建国")
    html = _html(response)
    # then the error sits under 银行账号, the typed values are kept, and nothing changed
    assert response.status_code == 400
    assert '<p class="field-error">银行账号校验位不正确，请核对卡号</p>' in html
    assert f'value="{bad}"' in html
    assert (
        list(PayeeAccount.objects.order_by("pk").values_list("pk", "is_current", "account_number")) == before
    )
    assert not AuditEvent.objects.filter(subject_type="payments.account", action=AuditAction.UPDATE).exists()


def test_each_refused_field_gets_its_message(client, families, worker_a, today):
    client.force_login(worker_a)
    spouse = families["zhang"].members.get(name="李秀英")
    response = _set(client, spouse.pk, bank="", account_number="6214 62", holder_name="")
    html = _html(response)
    assert response.status_code == 400
    assert '<p class="field-error">请选择开户银行（可选：' in html
    assert '<p class="field-error">不能为空</p>' in html  # 账户户名
    assert not PayeeAccount.objects.filter(person=spouse).exists()


def test_account_for_a_member_is_registered_with_full_width_digits(client, families, worker_a, today):
    client.force_login(worker_a)
    spouse = families["zhang"].members.get(name="李秀英")
    typed = " ".join(CARDS["new"][i : i + 4] for i in range(0, 19, 4)).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    response = _set(client, spouse.pk, account_number=typed, holder_name="李秀英", for_household="1")
    assert response.status_code == 302
    assert response["Location"] == _payees(families["zhang"]) + f"#person-{spouse.pk}"
    account = PayeeAccount.objects.get(person=spouse)
    assert (account.account_number, account.for_household, account.created_by) == (
        CARDS["new"],
        True,
        worker_a,
    )
    html = _html(client.get(response["Location"]))
    assert f"已登记李秀英的收款账户（山东省农村商业银行（农村信用社） ****{CARDS['new'][-4:]}）" in html
    assert "接收全户救助金</span>" in html
    # and the form to replace the card keeps what it receives
    assert f'id="for_household-{spouse.pk}" name="for_household" value="1" checked>' in html


def test_custodian_account_without_agreement_shows_the_warning(client, families, worker_b, today):
    client.force_login(worker_b)
    wang = families["wang"].head
    # when the 敬老院 keeps 王德福's card but no agreement was filed
    response = _set(
        client,
        wang.pk,
        account_number=CARDS["wang"],
        holder_name="临邑县敬老院",
        holder_relation="institution",
    )
    assert response.status_code == 302
    html = _html(client.get(_payees(families["wang"])))
    assert CUSTODIAN_WARNING in html
    assert "<dd>供养（福利）机构代管</dd>" in html


def test_custodian_account_with_a_filed_agreement_has_no_warning(client, families, worker_b, today):
    client.force_login(worker_b)
    wang = families["wang"].head
    response = _set(client, wang.pk, account_number=CARDS["wang"], holder_name="临邑县敬老院",
                    holder_relation="institution", agreement_number="临民代管〔2026〕3号",
                    agreement_filed_on="2026-11-20")  # fmt: skip
    assert response.status_code == 302
    account = PayeeAccount.objects.get(person=wang, is_current=True)
    assert (account.agreement_number, str(account.agreement_filed_on)) == (
        "临民代管〔2026〕3号",
        "2026-11-20",
    )
    html = _html(client.get(_payees(families["wang"])))
    assert CUSTODIAN_WARNING not in html and "临民代管〔2026〕3号" in html


def test_agreement_without_filing_date_is_refused_by_its_field(client, families, worker_b, today):
    client.force_login(worker_b)
    wang = families["wang"].head
    response = _set(client, wang.pk, account_number=CARDS["wang"], holder_name="临邑县敬老院",
                    holder_relation="institution", agreement_number="临民代管〔2026〕3号")  # fmt: skip
    assert response.status_code == 400
    assert '<p class="field-error">已填写代管协议编号时，请填写报县级民政部门备案的日期</p>' in _html(
        response
    )
    assert not PayeeAccount.objects.filter(person=wang).exists()


def test_account_set_refused_for_a_grid_worker_changes_nothing(
    client, families, accounts, grid_worker, today
):
    client.force_login(grid_worker)
    response = _set(client, families["zhang"].head_id, account_number=CARDS["new"], holder_name="张建国")
    assert response.status_code == 403
    assert PayeeAccount.objects.get(person_id=families["zhang"].head_id, is_current=True) == accounts["zhang"]


# ---- failed payments: replacing the account, the worklist -------------------------------------------------------


def test_replacing_the_account_after_a_failed_payment_resolves_it(
    client, entitled, accounts, authority, preparer, approver, worker_a, families, today
):
    # given the bank returned 张建国's December payment: the account does not exist
    _pay_december(preparer, approver, fail={"张建国": "1001"})
    failed = RollLine.objects.get(beneficiary_name="张建国", status=LineStatus.FAILED)
    assert (failed.fail_reason, failed.resolved) == ("账号不存在", False)
    client.force_login(worker_a)
    html = _html(client.get(reverse("payments:worklist")))
    assert "账号不存在" in html and f'id="line-{failed.pk}"' in html
    assert _html(client.get(_payees(families["zhang"]))).count("1笔发放失败待更正") == 1
    # when the village assistant enters his new card
    response = _set(client, families["zhang"].head_id, account_number=CARDS["new"], holder_name="张建国")
    # then the failed line is owed again (补发 next roll), and the message says so
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.resolved is True and failed.resolved_at is not None
    html = _html(client.get(response["Location"]))
    assert "已更正账户，1笔失败发放将在下期名册中补发" in html
    assert f"****{CARDS['zhang'][-4:]}" in html  # the old card, under 已更换的账户
    assert f'id="line-{failed.pk}"' not in _html(client.get(reverse("payments:worklist")))
    assert selectors.worklist_count(worker_a) == 0


def test_failed_line_resolved_from_the_worklist(
    client, entitled, accounts, authority, preparer, approver, worker_b, today
):
    _pay_december(preparer, approver, fail={"王德福": "1004"})
    line = RollLine.objects.get(beneficiary_name="王德福", status=LineStatus.FAILED)
    client.force_login(worker_b)
    assert selectors.worklist_count(worker_b) == 1
    html = _html(client.get(reverse("payments:worklist")))
    assert "账户冻结" in html and "已处理（无需更换账户）" in html
    # when the card was unfrozen and the assistant marks it handled (htmx)
    response = client.post(
        reverse("payments:line_resolve", args=[line.pk]), {"note": "银行卡已解冻"}, HTTP_HX_REQUEST="true"
    )
    # then the card is swapped for the handled one and the line is owed again, audited
    assert response.status_code == 200
    html = _html(response)
    assert html.lstrip().startswith(f'<li class="work-item done" id="line-{line.pk}">')
    assert "已标记为已处理，该笔发放将在下期名册中补发" in html
    line.refresh_from_db()
    assert line.resolved is True
    event = AuditEvent.objects.get(subject_type="payments.line", subject_id=str(line.pk))
    assert event.note == "银行卡已解冻" and event.actor == worker_b
    assert selectors.worklist_count(worker_b) == 0


def test_resolving_without_a_note_is_refused_and_changes_nothing(
    client, entitled, accounts, authority, preparer, approver, worker_b, today
):
    _pay_december(preparer, approver, fail={"王德福": "1004"})
    line = RollLine.objects.get(beneficiary_name="王德福", status=LineStatus.FAILED)
    client.force_login(worker_b)
    response = client.post(
        reverse("payments:line_resolve", args=[line.pk]), {"note": " "}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert '<p class="field-error">不能为空</p>' in _html(response)
    line.refresh_from_db()
    assert (line.resolved, line.resolved_at) == (False, None)
    assert not AuditEvent.objects.filter(subject_type="payments.line").exists()


def test_grid_worker_sees_the_worklist_but_may_not_resolve(
    client, entitled, accounts, authority, preparer, approver, grid_worker, worker_b, today
):
    _pay_december(preparer, approver, fail={"张建国": "1002"})
    line = RollLine.objects.get(beneficiary_name="张建国", status=LineStatus.FAILED)
    client.force_login(grid_worker)
    html = _html(client.get(reverse("payments:worklist")))
    assert "户名不符" in html and "已处理（无需更换账户）" not in html
    assert client.post(reverse("payments:line_resolve", args=[line.pk]), {"note": "x"}).status_code == 403
    # and another village's assistant does not see it at all
    client.force_login(worker_b)
    assert f'id="line-{line.pk}"' not in _html(client.get(reverse("payments:worklist")))
    assert client.post(reverse("payments:line_resolve", args=[line.pk]), {"note": "x"}).status_code == 404
    line.refresh_from_db()
    assert line.resolved is False


def test_worklist_lists_held_lines_of_the_newest_roll(
    client, entitled, accounts, authority, preparer, worker_b, worker_a, today
):
    # given 王德福's card kept by the 敬老院 without a filed agreement, and the December draft roll
    services.account_set(user=worker_b, person_id=accounts["wang"].person_id, bank="sdrcu",
                         account_number=CARDS["wang"], holder_name="临邑县敬老院", holder_relation="institution")  # fmt: skip
    services.roll_prepare(user=preparer, county_code="371424", month=DEC)
    held = RollLine.objects.get(beneficiary_name="王德福")
    assert held.status == LineStatus.HELD
    client.force_login(worker_b)
    html = _html(client.get(reverse("payments:worklist")))
    assert f'id="line-{held.pk}"' in html and held.hold_reason in html and "暂缓发放" in html
    assert "已处理（无需更换账户）" not in html  # a held line is fixed at its cause
    assert reverse("payments:household_payees", args=[held.household_id]) in html
    assert selectors.worklist_count(worker_b) == 1
    assert selectors.worklist_count(worker_a) == 0


def test_worklist_count_is_zero_for_users_without_payments(families, window_user):
    assert selectors.worklist_count(window_user) == 0


# ---- recoveries ------------------------------------------------------------------------------------------------


def _decide(client: Any, household: Any, **data: Any) -> Any:
    form = {"amount": "1，200．50", "basis": "error", "reason": "收入变化未及时申报，多发两个月",
            "document_number": "临民追〔2026〕5号", "instalment": "300", **data}  # fmt: skip
    return client.post(reverse("payments:recovery_decide", args=[household.pk]), form)


def test_recovery_decided_and_repaid_through_the_page(client, families, preparer, today):
    household = families["zhang"]
    client.force_login(preparer)
    # when the county decides a recovery typed with Chinese punctuation
    response = _decide(client, household)
    # then the amounts are exact and the ledger shows the legal basis and the balance
    rec = Recovery.objects.get()
    assert response.status_code == 302
    assert (rec.amount, rec.instalment, rec.basis) == (Decimal("1200.50"), Decimal("300.00"), "error")
    url = reverse("payments:household_recoveries", args=[household.pk])
    html = _html(client.get(url))
    assert "已登记追回决定：追回1200.50元，每月最多抵扣300.00元" in html
    assert f'<b id="balance-{rec.pk}">1200.50</b>' in html
    assert "核定错误或情况变化未及时调整（多发待遇）" in html and "临民追〔2026〕5号" in html
    # when 200.50 is repaid at the counter
    repay = reverse("payments:recovery_repay", args=[household.pk, rec.pk])
    response = client.post(
        repay, {"amount": "200．50", "on": "2026-12-02", "receipt_number": "SK20261202001"}
    )
    assert response.status_code == 302
    entry = RecoveryEntry.objects.get()
    assert (entry.kind, entry.amount, entry.receipt_number, str(entry.on)) == (
        "repayment", Decimal("200.50"), "SK20261202001", "2026-12-02",
    )  # fmt: skip
    assert services.recovery_balance(rec) == Decimal("1000.00")
    html = _html(client.get(url))
    assert f'<b id="balance-{rec.pk}">1000.00</b>' in html and "SK20261202001" in html


def test_repaying_more_than_the_balance_is_refused(client, families, preparer, today):
    household = families["zhang"]
    client.force_login(preparer)
    _decide(client, household, amount="500")
    rec = Recovery.objects.get()
    repay = reverse("payments:recovery_repay", args=[household.pk, rec.pk])
    response = client.post(repay, {"amount": "500.01", "on": "2026-12-02", "receipt_number": "SK1"})
    assert response.status_code == 400
    assert '<p class="field-error">退回金额应大于0且不超过待追回余额500.00元</p>' in _html(response)
    assert 'value="500.01"' in _html(response)
    assert not RecoveryEntry.objects.exists()
    assert services.recovery_balance(rec) == Decimal("500.00")


def test_recovery_decision_errors_sit_by_their_fields(client, families, preparer, today):
    client.force_login(preparer)
    response = _decide(client, families["zhang"], amount="12.345", basis="", reason="")
    html = _html(response)
    assert response.status_code == 400
    assert '<p class="field-error">金额“12.345”最多保留两位小数（精确到分）</p>' in html
    assert '<p class="field-error">请选择追回依据</p>' in html
    assert '<p class="field-error">不能为空</p>' in html
    assert not Recovery.objects.exists()


def test_deductions_show_their_roll_month_and_line_status(
    client, entitled, accounts, authority, families, preparer, approver, today
):
    # given a recovery of 1000 at most 300 a month, then the December roll
    household = families["zhang"]
    rec = services.recovery_decide(user=preparer, household_id=household.pk, amount="1000", basis="error",
                                   reason="多发", instalment="300")  # fmt: skip
    services.roll_prepare(user=preparer, county_code="371424", month=DEC)
    deduction = RecoveryEntry.objects.get(recovery=rec)
    client.force_login(preparer)
    html = _html(client.get(reverse("payments:household_recoveries", args=[household.pk])))
    assert (deduction.kind, deduction.amount) == ("deduction", Decimal("300.00"))
    assert "从发放中抵扣" in html and "2026年12月" in html and "待发" in html
    assert f'<b id="balance-{rec.pk}">700.00</b>' in html


def test_recoveries_page_roles(client, families, worker_a, worker_b, preparer, today):
    household = families["zhang"]
    services.recovery_decide(user=preparer, household_id=household.pk, amount="100", basis="fraud",
                             reason="隐瞒收入", instalment="50")  # fmt: skip
    url = reverse("payments:household_recoveries", args=[household.pk])
    # the village reads the ledger but decides nothing
    client.force_login(worker_a)
    html = _html(client.get(url))
    assert "虚报、隐瞒、伪造骗取救助（社会救助暂行办法 第六十八条）" in html
    assert "登记追回决定" not in html and "登记本人退回" not in html
    assert _decide(client, household).status_code == 403
    assert Recovery.objects.count() == 1
    # another village does not see it
    client.force_login(worker_b)
    response = client.get(url)
    assert response.status_code == 404 and "隐瞒收入" not in _html(response)


# ---- the SMS outbox ----------------------------------------------------------------------------------------------


def test_outbox_counts_and_masks_phones(
    client, entitled, accounts, authority, preparer, approver, worker_a, today
):
    # given December paid: 张建国 and 王德福 have phones, 赵小花 has none
    _pay_december(preparer, approver)
    client.force_login(preparer)
    response = client.get(reverse("payments:outbox"))
    html = _html(response)
    assert response.status_code == 200
    assert '<div class="stat" id="count-queued"><b>2</b>' in html
    assert '<div class="stat" id="count-no_phone"><b>1</b>' in html
    assert "138****5678" in html and "13812345678" not in html
    assert PaymentNotice.objects.get(line__beneficiary_name="张建国").text in html
    assert f'id="outbox-csv" href="{reverse("payments:outbox_csv")}"' in html
    client.force_login(worker_a)
    assert client.get(reverse("payments:outbox")).status_code == 403


def test_outbox_csv_has_full_phones_and_is_audited(
    client, entitled, accounts, authority, preparer, approver, today
):
    _pay_december(preparer, approver)
    client.force_login(preparer)
    response = client.get(reverse("payments:outbox_csv"))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["流水号", "手机号码", "短信内容", "收款人", "生成时间"]
    queued = list(
        PaymentNotice.objects.filter(status=NoticeStatus.QUEUED).order_by("id").select_related("line")
    )
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:]] == [
        (n.line.reference, n.phone, n.text, n.line.beneficiary_name) for n in queued
    ]
    assert {r[1] for r in rows[1:]} == {"13812345678", "13900001111"}
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, subject_type="payments.notice")
    assert (event.actor, event.after) == (preparer, {"count": 2})


def test_outbox_csv_refused_without_reveal_pii(
    client, entitled, accounts, authority, preparer, approver, monkeypatch, today
):
    _pay_december(preparer, approver)
    # given a county role that prepares rolls but may not see full phone numbers
    caps = roles.ROLE_CAPABILITIES["county_approver"] - {roles.Capability.REVEAL_PII}
    monkeypatch.setitem(roles.ROLE_CAPABILITIES, "county_approver", caps)
    client.force_login(preparer)
    assert 'id="outbox-csv"' not in _html(client.get(reverse("payments:outbox")))
    response = client.get(reverse("payments:outbox_csv"))
    assert response.status_code == 403
    assert "13812345678" not in _html(response)
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
