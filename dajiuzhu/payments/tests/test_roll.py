"""The monthly roll through its services: what goes on it, holds, arrears, one-offs, recoveries, four
eyes, budget authority, bank files and returns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from dajiuzhu.core.errors import NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.payments import bankfiles, services
from dajiuzhu.payments.errors import (
    BudgetExceeded,
    ReturnAlreadyImported,
    ReturnRefused,
    RollMonthClosed,
    RollNotInStatus,
    RollOrder,
    SameApprover,
)
from dajiuzhu.payments.models import LineStatus, PaymentNotice, Roll, RollLine, RollStatus
from dajiuzhu.payments.tests.conftest import CARDS, DEC, NOV, grant

pytestmark = pytest.mark.django_db


def lines(roll: Roll) -> list[tuple[str, str, str, str, str]]:
    return sorted(
        (line.programme, line.kind, f"{line.period:%Y-%m}", str(line.amount), line.status)
        for line in RollLine.objects.filter(roll=roll)
    )


def bank_return(roll: Roll, *, fail: dict[str, str] | None = None) -> list[tuple[int, str, bytes]]:
    """What the bank sends back for each file of the roll: every line paid but those in `fail`
    (beneficiary name → reason code)."""
    fail = fail or {}
    out = []
    for bank_file in roll.bank_files.all():
        fmt = bankfiles.load_formats()[bank_file.bank]
        sent = RollLine.objects.filter(
            roll=roll, bank=bank_file.bank, status=LineStatus.PENDING, amount__gt=0
        )
        failure_code = fmt.returns.failure_codes[0][0]
        frame = pl.DataFrame(
            [
                {
                    "reference": line.reference, "account_number": line.account_number, "holder_name": line.holder_name,
                    "amount_fen": int(line.amount * 100), "paid": line.beneficiary_name not in fail,
                    "reason_code": "" if line.beneficiary_name not in fail else (fail[line.beneficiary_name] or failure_code),
                }
                for line in sent
            ]
        )  # fmt: skip
        out.append((bank_file.pk, f"return-{bank_file.bank}.txt", bankfiles.render_return(fmt, frame)))
    return out


def run_to_issue(preparer: Any, approver: Any, month: str = "2026-12") -> Roll:
    roll = services.roll_prepare(user=preparer, county_code="371424", month=month)
    roll = services.roll_lock(user=preparer, roll_id=roll.pk)
    roll = services.roll_approve(user=approver, roll_id=roll.pk)
    return services.roll_issue(user=preparer, roll_id=roll.pk)


def close(roll: Roll, preparer: Any, *, fail: dict[str, str] | None = None) -> Roll:
    for file_id, name, content in bank_return(roll, fail=fail):
        services.return_import(user=preparer, bank_file_id=file_id, filename=name, content=content)
    roll = services.roll_reconcile(user=preparer, roll_id=roll.pk)
    return services.roll_close(user=preparer, roll_id=roll.pk)


def test_first_roll_pays_the_month_for_each_entitlement_of_the_county_only(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, today: Any
) -> None:
    # given 低保 650, 特困 1200 and 孤儿 1500 in 临邑 from November, and a 低保 in 齐河
    # when 临邑's first roll is made for December
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    # then it pays December only (months before the first roll were paid before the platform), 齐河 not at all
    assert roll.status == RollStatus.DRAFT
    assert lines(roll) == [
        ("dibao", "regular", "2026-12", "650.00", "pending"),
        ("orphan", "regular", "2026-12", "1500.00", "pending"),
        ("tekun", "regular", "2026-12", "1200.00", "pending"),
    ]
    line = RollLine.objects.get(roll=roll, programme="orphan")
    # the child's allowance goes to the guardian's card, copied onto the line
    assert (line.holder_name, line.holder_relation, line.account_number) == (
        "赵大军",
        "guardian",
        CARDS["zhao"],
    )


def test_a_line_without_account_or_with_an_unfiled_custodian_card_is_held_with_its_reason(
    families: Any, entitled: Any, accounts: Any, preparer: Any, today: Any
) -> None:
    # given 王's card is kept by the village without a filed agreement, and the orphan's card is gone
    services.account_set(user=preparer, person_id=families["wang"].head_id, bank="sdrcu",
                         account_number=CARDS["wang"], holder_name="村委会代管", holder_relation="staff")  # fmt: skip
    RollLine.objects.none()
    from dajiuzhu.payments.models import PayeeAccount

    PayeeAccount.objects.filter(person=families["zhao"].head).update(is_current=False)
    # when the roll is made
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    # then both lines are held with the reason, never silently skipped
    held = {
        line.programme: line.hold_reason
        for line in RollLine.objects.filter(roll=roll, status=LineStatus.HELD)
    }
    assert held == {
        "tekun": "代管账户的书面协议未报县级民政部门备案（最低生活保障审核确认办法 第二十六条）",
        "orphan": "未登记收款账户（赵小花）",
    }


def test_the_preparer_cannot_approve_and_a_second_person_can(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any
) -> None:
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    roll = services.roll_lock(user=preparer, roll_id=roll.pk)
    # when the preparer approves
    with pytest.raises(SameApprover):
        services.roll_approve(user=preparer, roll_id=roll.pk)
    # then nothing changed; the second person may
    assert Roll.objects.get(pk=roll.pk).status == RollStatus.LOCKED
    assert services.roll_approve(user=approver, roll_id=roll.pk).status == RollStatus.APPROVED


def test_a_roll_beyond_the_authority_left_cannot_be_approved_and_says_by_how_much(
    entitled: Any, accounts: Any, preparer: Any, approver: Any, today: Any
) -> None:
    services.authority_create(user=preparer, county_code="371424", fund="assistance", year=2026,
                              document_number="临财社〔2026〕9号", amount="3000.00")  # fmt: skip
    roll = services.roll_lock(user=preparer, roll_id=services.roll_prepare(
        user=preparer, county_code="371424", month="2026-12").pk)  # fmt: skip
    with pytest.raises(BudgetExceeded) as exc:
        services.roll_approve(user=approver, roll_id=roll.pk)
    # 650 + 1200 + 1500 = 3350 against 3000: 350 over
    assert "超出350.00元" in exc.value.message
    assert Roll.objects.get(pk=roll.pk).status == RollStatus.LOCKED


def test_bank_file_is_byte_identical_for_the_same_locked_roll(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any
) -> None:
    roll = run_to_issue(preparer, approver)
    files = {f.bank: f for f in roll.bank_files.all()}
    assert set(files) == {"sdrcu", "psbc"}
    for bank, stored in files.items():
        again = services.render_bank_file(roll, bank)
        assert again.sha256 == stored.sha256
        assert bytes(stored.content) == again.content
    assert files["sdrcu"].line_count == 2 and files["sdrcu"].total == Decimal("1850.00")


def test_the_files_rendered_at_lock_are_the_ones_issued_and_an_unlock_discards_them(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any
) -> None:
    from dajiuzhu.payments.models import LockedBankFile

    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    roll = services.roll_lock(user=preparer, roll_id=roll.pk)
    kept = {f.bank: f.sha256 for f in LockedBankFile.objects.filter(roll=roll)}
    assert set(kept) == {"sdrcu", "psbc"} and not roll.bank_files.exists()  # nothing issued yet
    # 退回草稿 discards them; locking again renders them again
    roll = services.roll_unlock(user=preparer, roll_id=roll.pk, reason="补录一户")
    assert not LockedBankFile.objects.filter(roll=roll).exists()
    roll = services.roll_lock(user=preparer, roll_id=roll.pk)
    roll = services.roll_approve(user=approver, roll_id=roll.pk)
    roll = services.roll_issue(user=preparer, roll_id=roll.pk)
    issued = {f.bank: f.sha256 for f in roll.bank_files.all()}
    assert set(issued) == set(kept) and not LockedBankFile.objects.filter(roll=roll).exists()
    for bank, sha in issued.items():  # the published bytes are what the locked lines render to
        assert services.render_bank_file(roll, bank).sha256 == sha


def test_failed_payment_is_owed_again_as_arrears_once_the_account_is_fixed(
    families: Any, entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any
) -> None:
    # given December's roll where the bank refused 王's payment
    roll = run_to_issue(preparer, approver)
    close(roll, preparer, fail={"王德福": ""})
    failed = RollLine.objects.get(roll=roll, status=LineStatus.FAILED)
    assert failed.beneficiary_name == "王德福" and failed.fail_reason != ""
    assert PaymentNotice.objects.filter(line__roll=roll).count() == 2  # the paid lines only
    # when January's roll is made before the account is fixed, December is not paid again
    today["value"] = dt.date(2026, 12, 28)
    jan = services.roll_prepare(user=preparer, county_code="371424", month="2027-01")
    assert ("tekun", "arrears", "2026-12", "1200.00", "pending") not in lines(jan)
    # when the village fixes the account, the regenerated January roll carries December as arrears
    services.account_set(user=preparer, person_id=families["wang"].head_id, bank="sdrcu",
                         account_number=CARDS["new"], holder_name="王德福")  # fmt: skip
    jan = services.roll_prepare(user=preparer, county_code="371424", month="2027-01")
    assert [x for x in lines(jan) if x[0] == "tekun"] == [
        ("tekun", "arrears", "2026-12", "1200.00", "pending"),
        ("tekun", "regular", "2027-01", "1200.00", "pending"),
    ]
    assert RollLine.objects.get(roll=jan, kind="arrears").account_number == CARDS["new"]


def test_a_late_decision_is_paid_from_its_start_month_as_arrears(
    families: Any, items: Any, entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any,
    today: Any,
) -> None:  # fmt: skip
    close(run_to_issue(preparer, approver), preparer)
    # given a 特困 for 李秀英 payable from December, decided after December's roll was closed
    spouse = families["zhang"].members.get(name="李秀英")
    services.account_set(user=preparer, person_id=spouse.pk, bank="sdrcu", account_number=CARDS["new"],
                         holder_name="李秀英")  # fmt: skip
    grant(items["tekun"], families["zhang"], spouse, "300.00", DEC)
    today["value"] = dt.date(2026, 12, 28)
    jan = services.roll_prepare(user=preparer, county_code="371424", month="2027-01")
    # then January pays her December as arrears and January as the month's payment
    mine = sorted(
        (x.kind, f"{x.period:%Y-%m}", str(x.amount))
        for x in RollLine.objects.filter(roll=jan, beneficiary=spouse)
    )
    assert mine == [("arrears", "2026-12", "300.00"), ("regular", "2027-01", "300.00")]


def test_a_second_entitlement_of_the_same_household_programme_is_held_not_paid_twice(
    families: Any, items: Any, entitled: Any, accounts: Any, authority: Any, preparer: Any, today: Any
) -> None:
    spouse = families["zhang"].members.get(name="李秀英")
    grant(items["dibao"], families["zhang"], spouse, "300.00", NOV)
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    dibao = RollLine.objects.filter(roll=roll, programme="dibao", subject_id=families["zhang"].pk)
    assert sorted((x.status, str(x.gross)) for x in dibao) == [("held", "300.00"), ("pending", "650.00")]
    assert dibao.get(status="held").hold_reason.startswith("同一户（人）同月已有该项目的待遇")


def test_a_stop_decision_stops_payment_from_the_next_month(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any
) -> None:
    from dajiuzhu.benefits.services import entitlement_apply

    entitlement_apply(entitlement_id=entitled["wang_tekun"].pk, action="stop", amount=None, start_month=DEC,
                      review_months=12, reason="死亡", application=None, decided_by=None)  # fmt: skip
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    assert "tekun" not in {x[0] for x in lines(roll)}


def test_an_amount_change_applies_from_its_month(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any
) -> None:
    from dajiuzhu.benefits.services import entitlement_apply

    close(run_to_issue(preparer, approver), preparer)
    entitlement_apply(entitlement_id=entitled["zhang_dibao"].pk, action="reduce", amount=Decimal("500.00"),
                      start_month=dt.date(2027, 1, 1), review_months=12, reason="收入增加", application=None,
                      decided_by=None)  # fmt: skip
    today["value"] = dt.date(2026, 12, 28)
    jan = services.roll_prepare(user=preparer, county_code="371424", month="2027-01")
    assert ("dibao", "regular", "2027-01", "500.00", "pending") in lines(jan)


def test_a_recovery_is_deducted_in_instalments_never_below_zero(
    families: Any, entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any
) -> None:
    # given an overpayment of 1，000 yuan (Chinese punctuation) to recover from 张's household, 800 a month
    rec = services.recovery_decide(user=preparer, household_id=families["zhang"].pk, amount="1，000．00",
                                   basis="error", reason="收入变化未及时调整", instalment="800")  # fmt: skip
    dec = run_to_issue(preparer, approver)
    line = RollLine.objects.get(roll=dec, programme="dibao")
    # then December deducts 650 (never below zero), 350 remain
    assert (line.gross, line.deduction, line.amount) == (
        Decimal("650.00"),
        Decimal("650.00"),
        Decimal("0.00"),
    )
    assert line.status == LineStatus.PAID  # settled without a transfer
    close(dec, preparer)
    assert services.recovery_balance(rec) == Decimal("350.00")
    today["value"] = dt.date(2026, 12, 28)
    jan = services.roll_prepare(user=preparer, county_code="371424", month="2027-01")
    line = RollLine.objects.get(roll=jan, programme="dibao")
    assert (line.deduction, line.amount) == (Decimal("350.00"), Decimal("300.00"))


def test_a_return_with_a_wrong_amount_is_refused_whole(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any
) -> None:
    roll = run_to_issue(preparer, approver)
    bank_file = roll.bank_files.get(bank="sdrcu")
    fmt = bankfiles.load_formats()["sdrcu"]
    sent = list(RollLine.objects.filter(roll=roll, bank="sdrcu").order_by("reference"))
    frame = pl.DataFrame([
        {"reference": x.reference, "account_number": x.account_number, "holder_name": x.holder_name,
         "amount_fen": int(x.amount * 100) + (1 if i == 0 else 0), "paid": True, "reason_code": ""}
        for i, x in enumerate(sent)
    ])  # fmt: skip
    with pytest.raises(ReturnRefused) as exc:
        services.return_import(user=preparer, bank_file_id=bank_file.pk, filename="r.txt",
                               content=bankfiles.render_return(fmt, frame))  # fmt: skip
    assert any(sent[0].reference in str(e) or e.row for e in exc.value.errors)
    assert {line.shown_status for line in RollLine.objects.filter(roll=roll, bank="sdrcu")} == {"sent"}


def test_a_return_cannot_be_imported_twice(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any
) -> None:
    roll = run_to_issue(preparer, approver)
    returns = bank_return(roll)
    file_id, name, content = returns[0]
    services.return_import(user=preparer, bank_file_id=file_id, filename=name, content=content)
    with pytest.raises(ReturnAlreadyImported):
        services.return_import(user=preparer, bank_file_id=file_id, filename=name, content=content)


def test_order_and_closed_months(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any
) -> None:
    roll = run_to_issue(preparer, approver)
    # a roll that is issued cannot be regenerated
    with pytest.raises(RollMonthClosed):
        services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    close(roll, preparer)
    today["value"] = dt.date(2026, 12, 28)
    services.roll_prepare(user=preparer, county_code="371424", month="2027-01")
    # an earlier month after a later one exists
    with pytest.raises(RollOrder):
        services.roll_prepare(user=preparer, county_code="371424", month="2026-11")
    # a month that is not a month
    with pytest.raises(ValidationFailed) as exc:
        services.roll_prepare(user=preparer, county_code="371424", month="2027-13")
    assert exc.value.errors[0].field == "发放月份"


def test_scope_and_roles(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, county2_user: Any, worker_a: Any, today: Any
) -> None:
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    with pytest.raises(NotFound):
        services.roll_lock(user=county2_user, roll_id=roll.pk)
    with pytest.raises(NotFound):
        services.roll_prepare(user=county2_user, county_code="371424", month="2026-12")
    with pytest.raises(PermissionDenied):
        services.roll_lock(user=worker_a, roll_id=roll.pk)
    assert Roll.objects.get(pk=roll.pk).status == RollStatus.DRAFT


def test_locking_twice_and_stale_versions_are_refused(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, today: Any
) -> None:
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    version = roll.version
    services.roll_lock(user=preparer, roll_id=roll.pk, version=version)
    with pytest.raises(RollNotInStatus):
        services.roll_lock(user=preparer, roll_id=roll.pk, version=version)


def test_the_worklist_shows_held_lines_of_each_countys_newest_roll_to_a_city_user(
    families: Any,
    entitled: Any,
    accounts: Any,
    authority: Any,
    preparer: Any,
    county2_user: Any,
    make_user: Any,
    today: Any,
) -> None:
    # given no card for 赵小花 (临邑) nor 齐大山 (齐河), and November's and December's rolls in 临邑 but only
    # December's in 齐河
    from dajiuzhu.payments import selectors
    from dajiuzhu.payments.models import PayeeAccount

    PayeeAccount.objects.filter(person__in=[families["zhao"].head, families["qi"].head]).update(
        is_current=False
    )
    nov = services.roll_lock(user=preparer, roll_id=services.roll_prepare(
        user=preparer, county_code="371424", month="2026-11").pk)  # fmt: skip
    services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    services.roll_prepare(user=county2_user, county_code="371425", month="2026-12")
    # when the city's analyst and 临邑's county office open the worklist
    city = make_user("city_analyst", "city", username="city")
    seen = {
        who: sorted((line.roll.county_id, f"{line.roll.month:%Y-%m}", f"{line.period:%Y-%m}", line.beneficiary_name)
                    for line in selectors.worklist_for_user(user=user))
        for who, user in (("city", city), ("county", preparer))
    }  # fmt: skip
    # then each sees the held lines of the newest roll of every county in their area (临邑's December roll
    # owes 赵小花 November again), not November's roll
    zhao = [("371424", "2026-12", "2026-11", "赵小花"), ("371424", "2026-12", "2026-12", "赵小花")]
    assert seen["city"] == [*zhao, ("371425", "2026-12", "2026-12", "齐大山")]
    assert seen["county"] == zhao
    assert RollLine.objects.filter(roll=nov, status=LineStatus.HELD).count() == 1


def test_sums_of_money_are_to_the_fen_on_every_database(preparer: Any, areas: Any) -> None:
    # SQLite adds decimals as REAL: without MoneySum 0.10 + 0.20 shows as 0.30000000000000004, 4430 + 4430
    # as 8860
    from dajiuzhu.core.db import MoneySum
    from dajiuzhu.payments.models import BudgetAuthority

    for number, amount in (("1号", "0.10"), ("2号", "0.20"), ("3号", "4430.00"), ("4号", "4430.00")):
        services.authority_create(user=preparer, county_code="371424", fund="assistance", year=2026,
                                  document_number=number, amount=amount)  # fmt: skip
    small = BudgetAuthority.objects.filter(amount__lt=1).aggregate(t=MoneySum("amount"))["t"]
    big = BudgetAuthority.objects.filter(amount__gt=1).aggregate(t=MoneySum("amount"))["t"]
    assert (str(small), str(big)) == ("0.30", "8860.00")
    position = services.authority_position(county_code="371424", year=2026)["assistance"]
    assert position["authority"] == 886030


@pytest.mark.parametrize(
    "change",
    [{"amount": Decimal("650.01")}, {"account_number": "6214620000000000018"}, {"hold_reason": "x"}],
    ids=["amount", "account", "hold"],
)
def test_a_line_changed_after_locking_stops_approval_and_issue(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any, change: Any
) -> None:
    from dajiuzhu.payments.errors import SnapshotChanged

    roll = services.roll_lock(user=preparer, roll_id=services.roll_prepare(
        user=preparer, county_code="371424", month="2026-12").pk)  # fmt: skip
    assert len(roll.snapshot_sha256) == 64
    # the same lines hash the same (the check itself changes nothing)
    assert services._snapshot(roll) == roll.snapshot_sha256
    # a line edited behind the services' back (a database edit) is caught before any money moves
    line = RollLine.objects.filter(roll=roll, programme="dibao").get()
    RollLine.objects.filter(pk=line.pk).update(**change)
    with pytest.raises(SnapshotChanged):
        services.roll_approve(user=approver, roll_id=roll.pk)
    assert Roll.objects.get(pk=roll.pk).status == RollStatus.LOCKED
