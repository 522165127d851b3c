"""Two people acting on a county's rolls at the same moment, each on their own database connection
(threads released together by a barrier): two approvers of one roll, two approvals that together would
exceed the budget authority, two preparers regenerating the same draft, an approval against an unlock.
Exactly what one person alone would have done happens; the other is told in Chinese why not.

Runs on SQLite (BEGIN IMMEDIATE serialises the writers) and on PostgreSQL (the row locks taken by the
services serialise them).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.tests.race import hold_before_audit, race
from dajiuzhu.payments import services
from dajiuzhu.payments.models import BudgetAuthority, RecoveryEntry, Roll, RollLine, RollStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["as_is", "slow_commit"])
def window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """`slow_commit` holds each step open a moment before its last write (the audit entry), so the two
    people certainly overlap: without the locks both would win."""
    if request.param == "slow_commit":
        hold_before_audit(monkeypatch, services)
    return str(request.param)


def _audits(roll_id: int, action: str) -> int:
    return sum(
        1
        for e in AuditEvent.objects.filter(subject_type="payments.roll", subject_id=str(roll_id))
        if (e.after or {}).get("action") == action
    )


def _locked(preparer: Any, month: str) -> Roll:
    roll = services.roll_prepare(user=preparer, county_code="371424", month=month)
    return services.roll_lock(user=preparer, roll_id=roll.pk)


def test_two_approvers_approve_one_roll_at_once(
    entitled: Any,
    accounts: Any,
    authority: Any,
    preparer: Any,
    approver: Any,
    make_user: Any,
    today: Any,
    window: str,
) -> None:
    # given a locked roll and two county approvers who both opened it at its version
    second = make_user("county_approver", "county", username="approver_2")
    roll = _locked(preparer, "2026-12")
    # when both press 审批 at the same moment
    outcomes = race(
        lambda: services.roll_approve(user=approver, roll_id=roll.pk, version=roll.version),
        lambda: services.roll_approve(user=second, roll_id=roll.pk, version=roll.version),
    )
    # then one approved it, the other is told it was handled by someone else, and it is recorded once
    assert sorted(o[0] for o in outcomes) == ["ok", "roll_wrong_status"], outcomes
    loser = next(o for o in outcomes if o[0] != "ok")
    assert "已被他人处理" in loser[1] or "当前为「已审批」" in loser[1]
    roll.refresh_from_db()
    winner = (approver, second)[[o[0] for o in outcomes].index("ok")]
    assert (roll.status, roll.approved_by_id, roll.version) == (RollStatus.APPROVED, winner.pk, 3)
    assert _audits(roll.pk, "approve") == 1


def test_two_approvals_that_together_exceed_the_authority_approve_only_one(
    entitled: Any, accounts: Any, preparer: Any, approver: Any, make_user: Any, today: Any, window: str
) -> None:
    # given November's and December's rolls locked (3,350 yuan each) and 5,000 yuan of authority: either
    # fits alone, both do not
    services.authority_create(user=preparer, county_code="371424", fund="assistance", year=2026,
                              document_number="临财社〔2026〕9号", amount="5000.00")  # fmt: skip
    second = make_user("county_approver", "county", username="approver_2")
    nov = _locked(preparer, "2026-11")
    dec = _locked(preparer, "2026-12")
    for roll in (nov, dec):
        assert [f["this"] for f in services.roll_funds(roll)] == [335000]
    # when two approvers approve them at the same moment
    outcomes = race(
        lambda: services.roll_approve(user=approver, roll_id=nov.pk),
        lambda: services.roll_approve(user=second, roll_id=dec.pk),
    )
    # then exactly one is approved and the other says by how much it would exceed what is left
    assert sorted(o[0] for o in outcomes) == ["budget_exceeded", "ok"], outcomes
    refused = next(o for o in outcomes if o[0] == "budget_exceeded")
    assert "剩余指标1650.00元" in refused[1] and "超出1700.00元" in refused[1]
    statuses = sorted(Roll.objects.filter(pk__in=[nov.pk, dec.pk]).values_list("status", flat=True))
    assert statuses == sorted([RollStatus.APPROVED, RollStatus.LOCKED])
    committed = services.authority_position(county_code="371424", year=2026)["assistance"]["committed"]
    assert committed == 335000
    authority = BudgetAuthority.objects.get(document_number="临财社〔2026〕9号")
    assert authority.amount == Decimal("5000.00")


def test_two_preparers_regenerate_the_same_draft_at_once(
    families: Any,
    entitled: Any,
    accounts: Any,
    authority: Any,
    preparer: Any,
    make_user: Any,
    today: Any,
    window: str,
) -> None:
    # given a draft with a recovery deducted, and a second preparer of the county
    services.recovery_decide(user=preparer, household_id=families["zhang"].pk, amount="300", basis="error",
                             reason="多发待遇", instalment="100")  # fmt: skip
    other = make_user("county_approver", "county", username="preparer_2")
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    alone = sorted(
        RollLine.objects.filter(roll=roll).values_list(
            "programme", "subject_id", "period", "amount", "status"
        )
    )
    # when both press 重新生成 at the same moment
    outcomes = race(
        lambda: services.roll_prepare(user=preparer, county_code="371424", month="2026-12"),
        lambda: services.roll_prepare(user=other, county_code="371424", month="2026-12"),
    )
    # then both regenerations ran, one after the other, and the draft is what one alone gives: one roll,
    # every line once, the recovery deducted once
    assert outcomes == [("ok", ""), ("ok", "")], outcomes
    assert Roll.objects.filter(county_id="371424", month="2026-12-01").count() == 1
    lines = RollLine.objects.filter(roll=roll)
    assert sorted(lines.values_list("programme", "subject_id", "period", "amount", "status")) == alone
    assert RecoveryEntry.objects.filter(line__roll=roll).count() == 1
    assert RecoveryEntry.objects.get(line__roll=roll).amount == Decimal("100.00")
    assert _audits(roll.pk, "prepare") == 3


def test_approve_and_unlock_at_once(
    entitled: Any, accounts: Any, authority: Any, preparer: Any, approver: Any, today: Any, window: str
) -> None:
    # given a locked roll: the approver approves it while the preparer unlocks it to correct a line
    roll = _locked(preparer, "2026-12")
    outcomes = race(
        lambda: services.roll_approve(user=approver, roll_id=roll.pk, version=roll.version),
        lambda: services.roll_unlock(user=preparer, roll_id=roll.pk, reason="更正", version=roll.version),
    )
    # then one of the two happened, whole
    assert sorted(o[0] for o in outcomes) == ["ok", "roll_wrong_status"], outcomes
    roll.refresh_from_db()
    if outcomes[0][0] == "ok":
        assert (roll.status, roll.approved_by_id) == (RollStatus.APPROVED, approver.pk)
        assert _audits(roll.pk, "unlock") == 0
    else:
        assert (roll.status, roll.approved_by_id, roll.snapshot_sha256) == (RollStatus.DRAFT, None, "")
        assert _audits(roll.pk, "approve") == 0
