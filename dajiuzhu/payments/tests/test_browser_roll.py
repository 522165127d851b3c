"""In a real chromium: December's roll prepared, locked, approved by a second person, its bank files
issued and the bank's result imported with one payment failed; the village fixes the card, January's
roll carries the failed month as arrears, and the household's 幸福清单 is printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from dajiuzhu.payments import bankfiles
from dajiuzhu.payments.models import BankFile, LineStatus, Roll, RollLine
from dajiuzhu.payments.tests.conftest import CARDS

pytestmark = [pytest.mark.browser]
PASSWORD = "Passw0rd!x"


def _login(page: Any, base: str, user: Any, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}{next_url}")


def _logout(page: Any) -> None:
    page.click(".userbox form button")
    page.wait_for_load_state()


def _status(page: Any, label: str) -> None:
    page.locator("#roll-status", has_text=label).wait_for()


def _return_file(bank_file: BankFile, failing: str) -> bytes:
    fmt = bankfiles.load_formats()[bank_file.bank]
    code = fmt.returns.failure_codes[0][0]
    rows = [
        {"reference": x.reference, "account_number": x.account_number, "holder_name": x.holder_name,
         "amount_fen": int(x.amount * 100), "paid": x.beneficiary_name != failing,
         "reason_code": code if x.beneficiary_name == failing else ""}
        for x in RollLine.objects.filter(roll=bank_file.roll, bank=bank_file.bank, status=LineStatus.PENDING, amount__gt=0)
    ]  # fmt: skip
    return bankfiles.render_return(fmt, pl.DataFrame(rows))


def test_a_month_paid_a_failure_fixed_and_its_arrears_on_the_next_roll(
    transactional_db, live_server, browser_page, settings, families, entitled, accounts, authority, preparer,
    approver, worker_a, worker_b, tmp_path: Path, screenshot_dir,
):  # fmt: skip
    page, base = browser_page, live_server.url
    page.on("dialog", lambda dialog: dialog.accept())  # the steps ask "确定…？" before they act
    settings.DAJIUZHU_TODAY = "2026-12-02"
    # given the county's clerk prepares December's roll and locks it
    _login(page, base, preparer, "/payments/")
    page.fill("#prepare-month", "2026-12")
    page.click("#btn-prepare")
    roll = Roll.objects.get(month="2026-12-01")
    page.wait_for_url(f"{base}/payments/rolls/{roll.pk}/")
    assert "张建国" not in page.inner_text("#roll-summary")  # the summary has figures, not names
    page.click("#btn-lock")
    _status(page, "已锁定")
    # the preparer is told she cannot approve her own roll
    assert page.locator("#approve-blocked").count() >= 1
    _logout(page)

    # when the second person approves and issues the bank files
    _login(page, base, approver, f"/payments/rolls/{roll.pk}/")
    page.click("#btn-approve")
    _status(page, "已审批")
    page.click("#btn-issue")
    _status(page, "已报盘")
    files = list(BankFile.objects.filter(roll=roll).order_by("bank"))
    assert [f.bank for f in files] == ["psbc", "sdrcu"]
    with page.expect_download() as download:
        page.click(f"#bank-file-{files[1].pk} a")
    assert Path(download.value.path()).read_bytes() == bytes(files[1].content)
    # and imports the bank's results: 王德福's payment failed
    for bank_file in files:
        path = tmp_path / f"return-{bank_file.bank}.txt"
        path.write_bytes(_return_file(bank_file, failing="王德福"))
        page.set_input_files(f"#return-file-{bank_file.pk}", str(path))
        page.click(f"#btn-return-{bank_file.pk}")
        page.locator(f"#bank-file-{bank_file.pk} .return-result").wait_for()
    _status(page, "已回盘")
    page.click("#btn-reconcile")
    _status(page, "已对账")
    page.click("#btn-close")
    _status(page, "已关闭")
    page.screenshot(path=str(screenshot_dir / "screenshot-payments.png"), full_page=True)
    _logout(page)

    # then 王's village sees the failure on its worklist and registers his new card
    _login(page, base, worker_b, "/payments/worklist/")
    assert "王德福" in page.inner_text("#worklist")
    page.click("#worklist a.btn")
    wang = families["wang"].head
    page.click(f"#account-form-{wang.pk} summary")
    page.fill(f"#account_number-{wang.pk}", CARDS["new"])
    page.fill(f"#holder_name-{wang.pk}", "王德福")
    page.click(f"#account-form-{wang.pk} button[type=submit]")
    page.get_by_text("1笔失败发放将在下期名册中补发").wait_for()
    _logout(page)

    # and January's roll pays December again, as arrears, to the new card
    _login(page, base, preparer, "/payments/")
    page.fill("#prepare-month", "2027-01")
    page.click("#btn-prepare")
    jan = Roll.objects.get(month="2027-01-01")
    page.wait_for_url(f"{base}/payments/rolls/{jan.pk}/")
    page.goto(f"{base}/payments/rolls/{jan.pk}/lines/?kind=arrears")
    table = page.inner_text("main")
    assert "王德福" in table and ("2026-12" in table or "2026年12月" in table)
    arrears = RollLine.objects.get(roll=jan, kind="arrears")
    assert (arrears.beneficiary_name, arrears.account_number) == ("王德福", CARDS["new"])
    assert CARDS["new"] not in table  # masked on the page
    _logout(page)

    # and 张's household's 幸福清单 prints, with December's 低保 paid
    _login(page, base, worker_a, f"/payments/households/{families['zhang'].pk}/benefits/")
    text = page.inner_text("main")
    assert "低保" in text and "650.00" in text and "2026" in text
    pdf = tmp_path / "xingfu.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000
