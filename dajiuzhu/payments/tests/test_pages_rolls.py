"""The roll pages: the list and the prepare form, the roll with its steps (HTMX, with the version), the
lines with their Excel export, bank-file downloads and result-file uploads, and the budget authority."""

from __future__ import annotations

import io
from typing import Any

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.payments import bankfiles, services
from dajiuzhu.payments.models import (
    BankFile,
    BankReturn,
    BudgetAuthority,
    LineStatus,
    Roll,
    RollLine,
    RollStatus,
    TownshipCheck,
)
from dajiuzhu.payments.tests.conftest import CARDS

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
ZHANG, ZHAO, WANG = "P371424202612-0000001", "P371424202612-0000002", "P371424202612-0000003"
SDRCU, PSBC = "山东省农村商业银行（农村信用社）", "中国邮政储蓄银行"


def _html(response: Any) -> str:
    return response.content.decode()


def _prepare(preparer: Any) -> Roll:
    return services.roll_prepare(user=preparer, county_code="371424", month="2026-12")


def _act(
    client: Any, roll: Roll, action: str, data: dict[str, Any] | None = None, *, htmx: bool = True
) -> Any:
    roll.refresh_from_db()
    return client.post(
        reverse("payments:roll_act", args=[roll.pk, action]), {"version": roll.version, **(data or {})},
        **(HX if htmx else {}),
    )  # fmt: skip


def _issued(preparer: Any, approver: Any) -> Roll:
    roll = _prepare(preparer)
    services.roll_lock(user=preparer, roll_id=roll.pk)
    services.roll_approve(user=approver, roll_id=roll.pk)
    return services.roll_issue(user=preparer, roll_id=roll.pk)


def _return_file(roll: Roll, bank: str, *, fail: str = "", amount_off: str = "") -> bytes:
    """The bank's result for one file: every line paid, but `fail` (a name) with the first failure code,
    and `amount_off` (a name) coming back one fen more than was sent."""
    fmt = bankfiles.load_formats()[bank]
    sent = RollLine.objects.filter(roll=roll, bank=bank, status=LineStatus.PENDING, amount__gt=0).order_by(
        "reference"
    )
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


def _upload(client: Any, bank_file: BankFile, content: bytes, name: str = "return.txt") -> Any:
    return client.post(
        reverse("payments:bank_file_return", args=[bank_file.pk]),
        {"file": SimpleUploadedFile(name, content)},
        **HX,
    )


def _state(roll: Roll) -> dict[str, Any]:
    """Everything a refused step must leave untouched."""
    return {
        "roll": Roll.objects.filter(pk=roll.pk).values().get(),
        "lines": sorted(
            RollLine.objects.filter(roll=roll).values_list("reference", "status", "fail_reason", "amount")
        ),
        "checks": TownshipCheck.objects.filter(roll=roll).count(),
        "files": BankFile.objects.filter(roll=roll).count(),
        "returns": BankReturn.objects.count(),
        "audit": AuditEvent.objects.exclude(action=AuditAction.DENIED).count(),
    }


# ---- the list and the prepare form ---------------------------------------------------------------------


def test_list_offers_the_prepare_form_with_this_month_then_the_next(
    client, entitled, accounts, preparer, today
):
    client.force_login(preparer)
    # given no roll yet, the form suggests this month for the clerk's county
    html = _html(client.get(reverse("payments:rolls")))
    assert "编制发放名册" in html and 'id="prepare-month" name="month" value="2026-12"' in html
    assert '<option value="371424" selected>临邑县</option>' in html
    assert f'href="{reverse("payments:authorities")}"' in html
    assert "还没有发放名册。" in html
    # when December's roll exists
    roll = _prepare(preparer)
    html = _html(client.get(reverse("payments:rolls")))
    # then it is listed with its month, county, status, lines and total, and the form moves to January
    assert f'<a href="{reverse("payments:roll", args=[roll.pk])}">2026年12月</a>' in html
    assert '<td data-label="县（市、区）">临邑县</td>' in html
    assert '<span class="tag roll-draft">草稿</span>' in html
    assert '<td data-label="笔数" class="num">3</td>' in html
    assert '<td data-label="应付金额（元）" class="num">3350.00</td>' in html
    assert 'name="month" value="2027-01"' in html


def test_preparing_from_the_list_goes_to_the_new_roll(client, entitled, accounts, preparer, today):
    client.force_login(preparer)
    response = client.post(reverse("payments:rolls"), {"county": "371424", "month": "2026-12"})
    roll = Roll.objects.get()
    assert (roll.county_id, f"{roll.month:%Y-%m}", roll.status, roll.prepared_by) == (
        "371424", "2026-12", "draft", preparer,
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == reverse("payments:roll", args=[roll.pk])
    html = _html(client.get(response["Location"]))
    assert "已生成临邑县2026年12月发放名册（草稿），共3笔" in html


def test_a_refused_prepare_stays_on_the_list_with_the_message(client, entitled, accounts, preparer, today):
    client.force_login(preparer)
    response = client.post(reverse("payments:rolls"), {"county": "371424", "month": "2027-13"})
    html = _html(response)
    assert response.status_code == 400
    assert "发放月份：“2027-13”不是有效的月份（例如 2026-12）" in html
    assert 'name="month" value="2027-13"' in html  # what was typed is kept
    assert not Roll.objects.exists()


def test_village_worker_sees_the_list_without_the_form_and_cannot_prepare(
    client, entitled, accounts, preparer, worker_a, today
):
    _prepare(preparer)
    client.force_login(worker_a)
    html = _html(client.get(reverse("payments:rolls")))
    assert "2026年12月" in html and 'id="prepare"' not in html
    # the village sees the count and total of its own lines only (张 650 and 赵's child 1500)
    assert '<td data-label="笔数" class="num">2</td>' in html
    assert '<td data-label="应付金额（元）" class="num">2150.00</td>' in html
    response = client.post(reverse("payments:rolls"), {"county": "371424", "month": "2027-01"})
    assert response.status_code == 403
    assert Roll.objects.count() == 1


def test_navigation_has_the_payments_item_for_readers(client, preparer, worker_a, make_user):
    link = f'href="{reverse("payments:rolls")}"'
    for user in (preparer, worker_a):
        client.force_login(user)
        assert link in _html(client.get(reverse("payments:rolls")))
    # a department window has no payment capability
    client.force_login(make_user("department_window", "county", username="yibao"))
    assert link not in _html(client.get(reverse("web:home")))


# ---- the roll page and the whole walk ------------------------------------------------------------------


def test_full_walk_from_prepare_to_close_on_the_pages(
    client, entitled, accounts, authority, preparer, approver, township_user, today
):
    # given the clerk prepares December
    client.force_login(preparer)
    client.post(reverse("payments:rolls"), {"county": "371424", "month": "2026-12"})
    roll = Roll.objects.get()
    url = reverse("payments:roll", args=[roll.pk])
    html = _html(client.get(url))
    assert '<li class="current" aria-current="step">草稿</li><li class="todo">已锁定</li>' in html
    assert 'id="btn-lock"' in html and 'id="btn-regenerate"' in html and 'id="btn-township_check"' not in html
    assert '<td data-label="乡镇核对"><span class="tag">未核对</span></td>' in html

    # when the township checks its part (HTMX: the page is loaded again)
    client.force_login(township_user)
    assert 'id="btn-township_check"' in _html(client.get(url))
    response = _act(client, roll, "township_check", {"note": "已逐户核对"})
    assert response.status_code == 200 and response["HX-Redirect"] == url
    check = TownshipCheck.objects.get(roll=roll)
    assert (check.township_id, check.line_count, str(check.total), check.note, check.checked_by) == (
        "371424100", 3, "3350.00", "已逐户核对", township_user,
    )  # fmt: skip
    html = _html(client.get(url))
    assert "已办理：乡镇核对" in html
    assert '<span class="tag status-1">已核对</span> township_reviewer_township' in html
    assert 'id="btn-lock"' not in html  # a township does not lock

    # the clerk locks; as preparer they are told they cannot approve
    client.force_login(preparer)
    assert _act(client, roll, "lock")["HX-Redirect"] == url
    html = _html(client.get(url))
    assert '<dd id="roll-status">已锁定</dd>' in html
    assert '<p class="tag warn" id="approve-blocked">您是编制人，不能审批</p>' in html
    assert 'id="btn-approve"' not in html

    # the second county user approves
    client.force_login(approver)
    html = _html(client.get(url))
    assert 'id="btn-approve"' in html and "approve-blocked" not in html
    assert _act(client, roll, "approve")["HX-Redirect"] == url
    roll.refresh_from_db()
    assert (roll.status, roll.approved_by) == (RollStatus.APPROVED, approver)

    # the clerk issues the bank files: one per bank
    client.force_login(preparer)
    assert _act(client, roll, "issue")["HX-Redirect"] == url
    files = {f.bank: f for f in BankFile.objects.filter(roll=roll)}
    assert {b: (f.line_count, str(f.total)) for b, f in files.items()} == {
        "psbc": (1, "1500.00"), "sdrcu": (2, "1850.00"),
    }  # fmt: skip
    html = _html(client.get(url))
    for f in files.values():
        assert f'href="{reverse("payments:bank_file_download", args=[f.pk])}">{f.filename}</a>' in html
        assert f'<td data-label="SHA-256" class="mono sha">{f.sha256}</td>' in html
        assert f'id="btn-return-{f.pk}"' in html

    # and downloads them: the stored bytes under the stored name, audited as an export
    for f in files.values():
        response = client.get(reverse("payments:bank_file_download", args=[f.pk]))
        assert response.status_code == 200
        assert response.content == bytes(BankFile.objects.get(pk=f.pk).content)
        assert response["Content-Disposition"] == f'attachment; filename="{f.filename}"'
    assert response["Content-Type"].startswith("text/plain; charset=")
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT, subject_type="payments.bank_file")
    assert sorted(exports.values_list("subject_id", flat=True)) == sorted(str(f.pk) for f in files.values())

    # the banks answer: 王's card is refused, everything else paid
    response = _upload(client, files["sdrcu"], _return_file(roll, "sdrcu", fail="王德福"))
    assert response["HX-Redirect"] == url
    assert "已导入回盘 return.txt：成功1笔650.00元，失败1笔1200.00元" in _html(client.get(url))
    roll.refresh_from_db()
    assert roll.status == RollStatus.ISSUED  # the other bank has not answered yet
    _upload(client, files["psbc"], _return_file(roll, "psbc"))
    roll.refresh_from_db()
    assert roll.status == RollStatus.RETURNED
    assert sorted(RollLine.objects.filter(roll=roll).values_list("reference", "status", "fail_reason")) == [
        (ZHANG, "paid", ""), (ZHAO, "paid", ""), (WANG, "failed", "账号不存在"),
    ]  # fmt: skip
    html = _html(client.get(url))
    assert "已导入：成功1笔 650.00元，失败1笔 1200.00元" in html
    assert 'id="btn-reconcile"' in html

    # then reconcile and close
    assert _act(client, roll, "reconcile")["HX-Redirect"] == url
    assert _act(client, roll, "close")["HX-Redirect"] == url
    roll.refresh_from_db()
    assert (roll.status, roll.closed_by) == (RollStatus.CLOSED, preparer)
    html = _html(client.get(url))
    assert '<li class="done">已对账</li><li class="current" aria-current="step">已关闭</li>' in html
    assert '<p class="muted" id="no-actions">' not in html  # the files are still listed
    assert 'id="btn-close"' not in html and 'id="btn-reconcile"' not in html


def test_the_preparer_cannot_approve_and_nothing_changes(
    client, entitled, accounts, authority, preparer, today
):
    roll = _prepare(preparer)
    services.roll_lock(user=preparer, roll_id=roll.pk)
    before = _state(roll)
    client.force_login(preparer)
    # when the preparer posts the approval anyway
    response = _act(client, roll, "approve")
    html = _html(response)
    # then the refusal is shown in place (the actions fragment), and the roll is as it was
    assert response.status_code == 400
    assert html.startswith('\n<section class="card roll-actions" id="roll-actions"')
    assert "<strong>复核（审批）人不能是名册的编制人或锁定人</strong>" in html
    assert "<li>审批人：复核（审批）人不能是名册的编制人或锁定人（双人复核）</li>" in html
    assert _state(roll) == before
    assert Roll.objects.get(pk=roll.pk).status == RollStatus.LOCKED


def test_a_step_without_htmx_redirects_and_a_refusal_renders_the_whole_page(
    client, entitled, accounts, preparer, today
):
    roll = _prepare(preparer)
    client.force_login(preparer)
    response = _act(client, roll, "lock", htmx=False)
    assert response.status_code == 302 and response["Location"] == reverse("payments:roll", args=[roll.pk])
    before = _state(roll)
    response = _act(client, roll, "lock", htmx=False)
    html = _html(response)
    assert response.status_code == 409
    assert "发放名册当前为「已锁定」，锁定须在「草稿」状态下进行" in html and '<ol class="roll-steps"' in html
    assert _state(roll) == before


def test_a_stale_page_is_refused_for_every_kind_of_step(
    client, entitled, accounts, preparer, township_user, today
):
    roll = _prepare(preparer)
    stale = roll.version
    services.township_check(user=township_user, roll_id=roll.pk, township_code="371424100")
    services.roll_prepare(user=preparer, county_code="371424", month="2026-12")  # someone regenerated it
    before = _state(roll)
    for user, action in ((township_user, "township_check"), (preparer, "regenerate"), (preparer, "lock")):
        client.force_login(user)
        response = client.post(reverse("payments:roll_act", args=[roll.pk, action]), {"version": stale}, **HX)
        assert response.status_code == 409, action
        assert "发放名册已被他人处理，请刷新后重试" in _html(response)
    assert _state(roll) == before


def test_unlock_needs_a_reason(client, entitled, accounts, preparer, today):
    roll = _prepare(preparer)
    services.roll_lock(user=preparer, roll_id=roll.pk)
    client.force_login(preparer)
    before = _state(roll)
    response = _act(client, roll, "unlock", {"reason": "  "})
    html = _html(response)
    assert response.status_code == 400 and "退回原因" in html
    assert '<details open id="step-unlock">' in html  # the form stays open for the reason
    assert _state(roll) == before
    response = _act(client, roll, "unlock", {"reason": "补录迟到的审批决定"})
    assert response.status_code == 200
    roll.refresh_from_db()
    assert (roll.status, roll.locked_by, roll.snapshot_sha256) == (RollStatus.DRAFT, None, "")


def test_regenerate_rebuilds_the_draft_and_drops_the_township_check(
    client, entitled, accounts, preparer, township_user, today
):
    roll = _prepare(preparer)
    services.township_check(user=township_user, roll_id=roll.pk, township_code="371424100")
    client.force_login(preparer)
    response = _act(client, roll, "regenerate")
    assert response.status_code == 200
    assert not TownshipCheck.objects.filter(roll=roll).exists()
    assert RollLine.objects.filter(roll=roll).count() == 3


def test_funds_beyond_the_authority_left_are_shown_in_red_with_the_excess(
    client, entitled, accounts, preparer, approver, today
):
    services.authority_create(user=preparer, county_code="371424", fund="assistance", year=2026,
                              document_number="临财社〔2026〕9号", amount="1000")  # fmt: skip
    roll = _prepare(preparer)
    services.roll_lock(user=preparer, roll_id=roll.pk)
    client.force_login(approver)
    html = _html(client.get(reverse("payments:roll", args=[roll.pk])))
    assert '<tr id="fund-assistance" class="short">' in html
    assert (
        '<td data-label="本名册后剩余（元）" class="num">-2350.00 <strong>超出 2350.00 元</strong></td>'
        in html
    )
    before = _state(roll)
    response = _act(client, roll, "approve")
    assert response.status_code == 400
    assert "困难群众救助补助资金：剩余指标1000.00元，本名册需3350.00元，超出2350.00元" in _html(response)
    assert _state(roll) == before


def test_village_users_see_the_roll_but_not_the_funds_nor_any_step(
    client, entitled, accounts, preparer, worker_b, today
):
    roll = _prepare(preparer)
    client.force_login(worker_b)
    html = _html(client.get(reverse("payments:roll", args=[roll.pk])))
    assert '<dd id="roll-count">1</dd>' in html  # 王德福 only
    assert 'id="roll-funds"' not in html
    assert '<p class="muted" id="no-actions">当前没有您可以办理的环节。</p>' in html
    before = _state(roll)
    assert _act(client, roll, "lock").status_code == 403
    assert _state(roll) == before


def test_another_county_gets_404_for_the_roll_its_lines_and_its_bank_files(
    client, entitled, accounts, authority, preparer, approver, county2_user, today
):
    roll = _issued(preparer, approver)
    bank_file = BankFile.objects.filter(roll=roll).first()
    before = _state(roll)
    client.force_login(county2_user)
    for url in (
        reverse("payments:roll", args=[roll.pk]), reverse("payments:roll_lines", args=[roll.pk]),
        reverse("payments:roll_lines_xlsx", args=[roll.pk]),
        reverse("payments:bank_file_download", args=[bank_file.pk]),
    ):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert _act(client, roll, "reconcile").status_code == 404
    assert _upload(client, bank_file, b"anything").status_code == 404
    assert _state(roll) == before
    # and 齐河's list does not show it
    assert "临邑县" not in _html(client.get(reverse("payments:rolls")))


def test_a_return_with_a_wrong_amount_is_refused_listing_the_row_and_nothing_changes(
    client, entitled, accounts, authority, preparer, approver, today
):
    roll = _issued(preparer, approver)
    bank_file = BankFile.objects.get(roll=roll, bank="sdrcu")
    before = _state(roll)
    client.force_login(preparer)
    response = _upload(client, bank_file, _return_file(roll, "sdrcu", amount_off="张建国"))
    html = _html(response)
    assert response.status_code == 400
    assert "<strong>回盘文件有1处错误，未导入任何记录</strong>" in html
    row = f'<tr><td class="num">1</td><td>金额</td><td>流水号{ZHANG}的回盘金额650.01元与报盘金额650.00元不一致</td></tr>'
    assert row in html
    assert _state(roll) == before
    assert {line.shown_status for line in RollLine.objects.filter(roll=roll, bank="sdrcu")} == {"sent"}


def test_a_return_without_a_file_is_refused(client, entitled, accounts, authority, preparer, approver, today):
    roll = _issued(preparer, approver)
    bank_file = BankFile.objects.get(roll=roll, bank="psbc")
    client.force_login(preparer)
    before = _state(roll)
    response = client.post(reverse("payments:bank_file_return", args=[bank_file.pk]), {}, **HX)
    assert response.status_code == 400 and "回盘文件：请选择银行返回的回盘文件" in _html(response)
    assert _state(roll) == before


# ---- the lines and the export ---------------------------------------------------------------------------


def test_lines_show_masked_accounts_and_the_columns(client, entitled, accounts, preparer, today):
    roll = _prepare(preparer)
    client.force_login(preparer)
    html = _html(client.get(reverse("payments:roll_lines", args=[roll.pk])))
    assert "共 3 笔" in html
    for header in ("流水号", "类型", "项目", "所属月份", "受益人", "户编号", "村（社区）", "应发", "抵扣", "实发",
                   "收款账户", "状态", "暂缓/失败原因"):  # fmt: skip
        assert f"<th>{header}</th>" in html or f'<th class="num">{header}</th>' in html
    assert f'<span class="mono">{SDRCU} ****{CARDS["zhang"][-4:]}</span>' in html
    assert (
        f'<span class="mono">{PSBC} ****{CARDS["zhao"][-4:]}</span> <small class="muted">赵大军</small>'
        in html
    )
    assert (
        '<td data-label="村（社区）">东关村委会</td>' in html
        and '<td data-label="村（社区）">西关村委会</td>' in html
    )
    assert '<td data-label="所属月份" class="nowrap">2026年12月</td>' in html
    for card in CARDS.values():
        assert card not in html


def test_a_village_user_sees_only_their_villages_lines(
    client, entitled, accounts, preparer, worker_a, worker_b, today
):
    roll = _prepare(preparer)
    url = reverse("payments:roll_lines", args=[roll.pk])
    client.force_login(worker_a)
    html = _html(client.get(url))
    assert "共 2 笔" in html and ZHANG in html and ZHAO in html and WANG not in html
    client.force_login(worker_b)
    html = _html(client.get(url))
    assert "共 1 笔" in html and WANG in html and ZHANG not in html and ZHAO not in html
    # a filter cannot reach past the village either
    html = _html(client.get(url, {"q": "张建国"}))
    assert "共 0 笔" in html and "没有符合条件的发放明细。" in html


def test_lines_filter_by_programme_kind_status_township_and_search(
    client, entitled, accounts, preparer, today
):
    roll = _prepare(preparer)
    client.force_login(preparer)
    url = reverse("payments:roll_lines", args=[roll.pk])
    cases = [
        ({"programme": "dibao"}, [ZHANG]), ({"kind": "regular"}, [ZHANG, ZHAO, WANG]), ({"kind": "arrears"}, []),
        ({"status": "pending"}, [ZHANG, ZHAO, WANG]), ({"status": "held"}, []),
        ({"township": "371424100"}, [ZHANG, ZHAO, WANG]), ({"q": "王德福"}, [WANG]), ({"q": ZHAO}, [ZHAO]),
        ({"q": "37142410020100001"}, [ZHANG]),
    ]  # fmt: skip
    for params, expected in cases:
        response = client.get(url, params, **HX)
        html = _html(response)
        assert "<html" not in html  # the results fragment only
        assert [r for r in (ZHANG, ZHAO, WANG) if r in html] == expected, params
    response = client.get(url, {"status": "nonsense"})
    assert response.status_code == 400 and "status：不是有效选项" in _html(response)


def test_lines_are_paginated_fifty_a_page(client, entitled, accounts, preparer, today):
    roll = _prepare(preparer)
    template = RollLine.objects.filter(roll=roll).order_by("reference").first()
    extra = []
    for i in range(4, 54):
        template.pk = None
        template.reference = f"P371424202612-{i:07d}"
        template.kind = "oneoff"
        template.application = None
        template.subject_id = 10_000 + i
        extra.append(
            RollLine(**{f.attname: getattr(template, f.attname) for f in RollLine._meta.concrete_fields})
        )
    RollLine.objects.bulk_create(extra)
    client.force_login(preparer)
    url = reverse("payments:roll_lines", args=[roll.pk])
    html = _html(client.get(url))
    assert "共 53 笔，第 1/2 页" in html and html.count('<td data-label="流水号"') == 50
    html = _html(client.get(url, {"page": 2}))
    assert "第 2/2 页" in html and html.count('<td data-label="流水号"') == 3


def test_excel_export_of_the_filtered_lines_has_masked_accounts_only_and_is_audited(
    client, entitled, accounts, preparer, today
):
    from openpyxl import load_workbook

    roll = _prepare(preparer)
    client.force_login(preparer)
    page = _html(client.get(reverse("payments:roll_lines", args=[roll.pk]), {"township": "371424100"}))
    assert f'href="{reverse("payments:roll_lines_xlsx", args=[roll.pk])}?township=371424100"' in page
    response = client.get(reverse("payments:roll_lines_xlsx", args=[roll.pk]), {"township": "371424100"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith("临邑县2026年12月发放明细。银行账号已脱敏。导出人：preparer")
    assert rows[1] == ["流水号", "类型", "项目", "所属月份", "受益人", "户编号", "村（社区）", "应发金额", "抵扣追回款",
                       "实发金额", "收款账户", "账户户名", "状态", "暂缓/失败原因"]  # fmt: skip
    assert [(r[0], r[4], r[9], r[10]) for r in rows[2:]] == [
        (ZHANG, "张建国", 650, f"{SDRCU} ****{CARDS['zhang'][-4:]}"),
        (ZHAO, "赵小花", 1500, f"{PSBC} ****{CARDS['zhao'][-4:]}"),
        (WANG, "王德福", 1200, f"{SDRCU} ****{CARDS['wang'][-4:]}"),
    ]
    cells = " ".join(str(c) for row in rows for c in row if c is not None)
    for card in CARDS.values():
        assert card not in cells
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, subject_type="payments.roll")
    assert (event.subject_id, event.actor, event.after) == (
        str(roll.pk), preparer, {"filters": "township=371424100", "rows": 3},
    )  # fmt: skip


# ---- the budget authority ------------------------------------------------------------------------------


def test_authorities_list_the_year_with_the_position_per_fund(
    client, entitled, accounts, authority, preparer, approver, today
):
    roll = _prepare(preparer)
    services.roll_lock(user=preparer, roll_id=roll.pk)
    services.roll_approve(user=approver, roll_id=roll.pk)
    client.force_login(preparer)
    html = _html(client.get(reverse("payments:authorities")))
    assert '<h1>资金指标 <small class="muted">临邑县 · 2026年度</small></h1>' in html
    assert '<td data-label="指标文号">临财社〔2026〕1号</td>' in html
    assert "齐财社" not in html  # 齐河's authority is not 临邑's
    assert (
        '<tr id="position-assistance">\n        <td data-label="资金类别">困难群众救助补助资金</td>\n'
        '        <td data-label="指标（元）" class="num">1000000.00</td>\n'
        '        <td data-label="已占用（元）" class="num">3350.00</td>\n'
        '        <td data-label="剩余（元）" class="num">996650.00</td>'
    ) in html
    # another year has none
    assert "本年度还没有录入资金指标。" in _html(
        client.get(reverse("payments:authorities"), {"year": "2025"})
    )


def test_adding_an_authority_and_a_refusal_that_changes_nothing(client, preparer, worker_a, today):
    client.force_login(preparer)
    response = client.post(reverse("payments:authorities"), {
        "county": "371424", "fund": "assistance", "year": "2026", "document_number": "临财社〔2026〕2号",
        "amount": "250,000.50", "account": "临邑县社会保障资金专户",
    })  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('payments:authorities')}?county=371424&year=2026"
    authority = BudgetAuthority.objects.get()
    assert (authority.county_id, authority.fund, authority.year, str(authority.amount), authority.account) == (
        "371424", "assistance", 2026, "250000.50", "临邑县社会保障资金专户",
    )  # fmt: skip
    assert "已录入资金指标「临财社〔2026〕2号」" in _html(client.get(response["Location"]))
    # the same document again and a bad amount
    response = client.post(reverse("payments:authorities"), {
        "county": "371424", "fund": "assistance", "year": "2026", "document_number": "临财社〔2026〕2号",
        "amount": "abc",
    })  # fmt: skip
    html = _html(response)
    assert response.status_code == 400
    assert (
        "<li>指标金额：“abc”不是有效的金额</li>" in html
        and "<li>指标文号：指标文号「临财社〔2026〕2号」已录入</li>" in html
    )
    assert 'value="abc"' in html
    assert BudgetAuthority.objects.count() == 1
    # a village worker reads the page without the form
    client.force_login(worker_a)
    html = _html(client.get(reverse("payments:authorities")))
    assert "临财社〔2026〕2号" in html and 'id="authority-add"' not in html
