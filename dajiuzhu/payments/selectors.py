"""Reads of the payments app, scoped to the caller's area: a roll is visible to those in its county (a
township or village sees the roll but only its own lines); lines, accounts and recoveries by their area.
Account numbers leave here masked; services.account_reveal gives the full number (audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.areas.models import Area
from dajiuzhu.core import months
from dajiuzhu.core.db import MoneySum
from dajiuzhu.core.errors import NotFound
from dajiuzhu.payments import programmes
from dajiuzhu.payments.models import (
    LIVE,
    BankFile,
    LineStatus,
    PayeeAccount,
    PaymentNotice,
    PublicList,
    Recovery,
    Roll,
    RollLine,
    RollStatus,
    TownshipCheck,
)


def _area(user: Any) -> Area | None:
    return getattr(user, "area", None) if getattr(user, "is_authenticated", False) else None


def rolls_for_user(*, user: Any, county_code: str = "") -> QuerySet[Roll]:
    """Rolls of the counties the user works in or under (a township user sees its county's rolls)."""
    user_require(user, Capability.PAY_READ)
    area = _area(user)
    if area is None:
        return Roll.objects.none()
    if area.level >= 3:
        qs = Roll.objects.filter(county_id=area.county_code)
    else:
        qs = Roll.objects.filter(user_scope_q(user, prefix="county"))
    if county_code:
        qs = qs.filter(county_id=county_code)
    return qs.select_related("county", "prepared_by", "locked_by", "approved_by").order_by(
        "-month", "county_id"
    )


def roll_get_for_user(*, user: Any, roll_id: int) -> Roll:
    roll = rolls_for_user(user=user).filter(pk=roll_id).first()
    if roll is None:
        raise NotFound("发放名册不存在或不在您的管辖范围内")
    return roll


def lines_for_user(
    *, user: Any, roll: Roll | None = None, status: str = "", programme: str = "", kind: str = "",
    township: str = "", q: str = "",
) -> QuerySet[RollLine]:  # fmt: skip
    user_require(user, Capability.PAY_READ)
    qs = RollLine.objects.filter(user_scope_q(user))
    if roll is not None:
        qs = qs.filter(roll=roll)
    if status == LineStatus.SENT:
        qs = qs.filter(status=LineStatus.PENDING, roll__status=RollStatus.ISSUED)
    elif status == LineStatus.PENDING:
        qs = qs.filter(status=LineStatus.PENDING).exclude(roll__status=RollStatus.ISSUED)
    elif status:
        qs = qs.filter(status=status)
    if programme:
        qs = qs.filter(programme=programme)
    if kind:
        qs = qs.filter(kind=kind)
    if township:
        qs = qs.filter(township_code=township)
    if q:
        text = q.strip()
        qs = qs.filter(Q(beneficiary_name=text) | Q(reference=text) | Q(household__number=text))
    return qs.select_related("area", "household", "roll").order_by("roll_id", "reference")


def line_get_for_user(*, user: Any, line_id: int) -> RollLine:
    line = lines_for_user(user=user).filter(pk=line_id).first()
    if line is None:
        raise NotFound("发放记录不存在或不在您的管辖范围内")
    return line


@dataclass
class Totals:
    count: int = 0
    amount: Decimal = Decimal(0)


@dataclass
class RollSummary:
    """Counts and amounts of a roll (as far as the user may see), recomputed from its lines."""

    by_status: dict[str, Totals] = field(default_factory=dict)
    by_programme: list[dict[str, Any]] = field(default_factory=list)
    by_township: list[dict[str, Any]] = field(default_factory=list)
    by_kind: dict[str, Totals] = field(default_factory=dict)
    gross: Decimal = Decimal(0)
    deduction: Decimal = Decimal(0)
    payable: Decimal = Decimal(0)
    count: int = 0


def roll_summary(*, user: Any, roll: Roll) -> RollSummary:
    lines = lines_for_user(user=user, roll=roll).order_by()
    out = RollSummary()
    issued = roll.status == RollStatus.ISSUED
    for row in lines.values("status").annotate(n=Count("id"), t=MoneySum("amount")):
        shown = LineStatus.SENT.value if issued and row["status"] == LineStatus.PENDING else row["status"]
        out.by_status[shown] = Totals(row["n"], row["t"] or Decimal(0))
    for kind_row in lines.values("kind").annotate(n=Count("id"), t=MoneySum("amount")):
        out.by_kind[kind_row["kind"]] = Totals(kind_row["n"], kind_row["t"] or Decimal(0))
    labels = programmes.labels()
    for prow in lines.values("programme").annotate(
        n=Count("id"), gross=MoneySum("gross"), deduction=MoneySum("deduction"), t=MoneySum("amount"),
        held=Count("id", filter=Q(status=LineStatus.HELD)),
    ).order_by("programme"):  # fmt: skip
        out.by_programme.append({**prow, "label": labels.get(prow["programme"], prow["programme"])})
    names = dict(Area.objects.filter(county_code=roll.county_id, level=4).values_list("code", "name"))
    checks = {c.township_id: c for c in TownshipCheck.objects.filter(roll=roll).select_related("checked_by")}
    for trow in lines.values("township_code").annotate(
        n=Count("id"), t=MoneySum("amount"), held=Count("id", filter=Q(status=LineStatus.HELD))
    ).order_by("township_code"):  # fmt: skip
        code = trow["township_code"]
        out.by_township.append({**trow, "name": names.get(code, code), "check": checks.get(code)})
    agg = lines.aggregate(g=MoneySum("gross"), d=MoneySum("deduction"), n=Count("id"),
                          p=MoneySum("amount", filter=Q(status__in=LIVE)))  # fmt: skip
    out.gross, out.deduction, out.count = agg["g"] or Decimal(0), agg["d"] or Decimal(0), agg["n"] or 0
    out.payable = agg["p"] or Decimal(0)
    return out


def bank_files_for_roll(*, user: Any, roll: Roll) -> list[BankFile]:
    user_require(user, Capability.PAY_PREPARE)
    if not roll.county.is_within(user.area):
        raise NotFound("发放名册不存在或不在您的管辖范围内")
    return list(BankFile.objects.filter(roll=roll).select_related("bank_return").defer("content"))


def bank_file_get_for_user(*, user: Any, bank_file_id: int) -> BankFile:
    user_require(user, Capability.PAY_PREPARE)
    bank_file = BankFile.objects.select_related("roll__county").filter(pk=bank_file_id).first()
    if bank_file is None or user.area is None or not bank_file.roll.county.is_within(user.area):
        raise NotFound("报盘文件不存在或不在您的管辖范围内")
    return bank_file


def worklist_for_user(*, user: Any) -> QuerySet[RollLine]:
    """What a village must fix: failed payments not yet resolved, and lines held on the newest roll."""
    user_require(user, Capability.PAY_READ)
    # the newest roll of each county (a city user sees every county's): no later roll of the same county
    later = Roll.objects.filter(county_id=OuterRef("roll__county_id"), month__gt=OuterRef("roll__month"))
    held = Q(status=LineStatus.HELD) & ~Exists(later)
    return (
        RollLine.objects.filter(user_scope_q(user), problem=True)  # problem: the partial index
        .filter(Q(status=LineStatus.FAILED, resolved=False) | held)
        .select_related("area", "household", "roll")
        .order_by("area_id", "household_id", "period")
    )


@dataclass
class MaskedAccount:
    id: int
    bank: str
    bank_name: str
    masked_number: str
    holder_name: str
    holder_relation: str
    holder_relation_label: str
    for_household: bool
    agreement_number: str
    agreement_filed_on: dt.date | None
    needs_agreement: bool
    is_current: bool
    created_at: Any


def _masked(account: PayeeAccount, bank_names: dict[str, str]) -> MaskedAccount:
    from dajiuzhu.core.masking import mask_account
    from dajiuzhu.payments.models import CUSTODIANS

    custodian = account.holder_relation in CUSTODIANS
    return MaskedAccount(
        id=account.pk, bank=account.bank, bank_name=bank_names.get(account.bank, account.bank),
        masked_number=mask_account(account.account_number), holder_name=account.holder_name,
        holder_relation=account.holder_relation, holder_relation_label=account.get_holder_relation_display(),
        for_household=account.for_household, agreement_number=account.agreement_number,
        agreement_filed_on=account.agreement_filed_on,
        needs_agreement=custodian and not (account.agreement_number and account.agreement_filed_on),
        is_current=account.is_current, created_at=account.created_at,
    )  # fmt: skip


def bank_names() -> dict[str, str]:
    """Bank code → the bank's name (中国邮政储蓄银行), as payees and villages know it; the name of the file
    format is for the county's finance staff only (bank-file pages)."""
    from dajiuzhu.payments import bankfiles

    return {code: fmt.bank for code, fmt in bankfiles.load_formats().items()}


def accounts_for_person(*, user: Any, person_id: int) -> list[MaskedAccount]:
    """A person's accounts, current first (masked)."""
    user_require(user, Capability.PAY_READ)
    names = bank_names()
    qs = PayeeAccount.objects.filter(user_scope_q(user), person_id=person_id).order_by(
        "-is_current", "-created_at"
    )
    return [_masked(a, names) for a in qs]


def accounts_for_household(*, user: Any, household_id: int) -> dict[int, MaskedAccount]:
    """person id → current account (masked) for a household's members."""
    user_require(user, Capability.PAY_READ)
    names = bank_names()
    qs = PayeeAccount.objects.filter(user_scope_q(user), person__household_id=household_id, is_current=True)
    return {a.person_id: _masked(a, names) for a in qs}


def recoveries_for_household(*, user: Any, household_id: int) -> list[dict[str, Any]]:
    from dajiuzhu.payments.services import recovery_balance

    user_require(user, Capability.PAY_READ)
    out = []
    for rec in Recovery.objects.filter(user_scope_q(user), household_id=household_id).prefetch_related(
        "entries"
    ):
        out.append({"recovery": rec, "balance": recovery_balance(rec), "entries": list(rec.entries.all())})
    return out


def notices_for_user(*, user: Any, status: str = "") -> QuerySet[PaymentNotice]:
    user_require(user, Capability.PAY_PREPARE)
    qs = PaymentNotice.objects.filter(user_scope_q(user, prefix="line__area"))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("line").order_by("-id")


def public_lists_for_village(*, village_code: str) -> list[PublicList]:
    """What the village board shows (no login): lists published and not withdrawn, newest first."""
    return list(
        PublicList.objects.filter(village_id=village_code, withdrawn_at__isnull=True)
        .prefetch_related("entries")
        .order_by("-month")[:12]
    )


def public_lists_for_user(*, user: Any, month: dt.date | None = None) -> QuerySet[PublicList]:
    user_require(user, Capability.PAY_READ)
    qs = PublicList.objects.filter(user_scope_q(user, prefix="village"))
    if month is not None:
        qs = qs.filter(month=month)
    return (
        qs.select_related("village", "published_by")
        .annotate(n=Count("entries"))
        .order_by("-month", "village_id")
    )


def rolls_open_statuses() -> tuple[str, ...]:
    return (RollStatus.DRAFT, RollStatus.LOCKED, RollStatus.APPROVED, RollStatus.ISSUED, RollStatus.RETURNED)


def month_label(month: dt.date) -> str:
    return months.label(month)


# ---- the people's pages (views_people): accounts, the worklist, recoveries, the SMS outbox ----------------


def worklist_count(user: Any) -> int:
    """How many items wait on the user's worklist (the home page's badge); 0 for a user who may not read
    payments, so a page can always ask."""
    if not getattr(user, "is_authenticated", False) or not user.can(Capability.PAY_READ):
        return 0
    return worklist_for_user(user=user).count()


def account_history_for_household(*, user: Any, household_id: int) -> dict[int, list[MaskedAccount]]:
    """person id → the accounts that were replaced (masked), newest first."""
    user_require(user, Capability.PAY_READ)
    names = bank_names()
    qs = PayeeAccount.objects.filter(
        user_scope_q(user), person__household_id=household_id, is_current=False
    ).order_by("-replaced_at", "-id")
    out: dict[int, list[MaskedAccount]] = {}
    for account in qs:
        out.setdefault(account.person_id, []).append(_masked(account, names))
    return out


def failed_open_by_person(*, user: Any, household_id: int) -> dict[int, int]:
    """person id → failed payments not yet resolved that went to the person's current account: the ones
    services.account_set marks resolved (补发 on the next roll) when that account is replaced."""
    user_require(user, Capability.PAY_READ)
    rows = (
        RollLine.objects.filter(
            user_scope_q(user), household_id=household_id, status=LineStatus.FAILED, resolved=False,
            account__is_current=True,
        )
        .values("account__person_id")
        .annotate(n=Count("id"))
        .order_by()
    )  # fmt: skip
    return {row["account__person_id"]: row["n"] for row in rows}


@dataclass
class LedgerEntry:
    kind: str
    kind_label: str
    amount: Decimal
    on: dt.date
    receipt_number: str
    roll_month: dt.date | None
    line_reference: str
    line_status: str
    line_status_label: str
    counted: bool  # False: the deduction's line failed or was held, so nothing was recovered by it


@dataclass
class RecoveryLedger:
    recovery: Recovery
    basis_label: str
    balance: Decimal
    recovered: Decimal
    entries: list[LedgerEntry]


def recovery_ledgers_for_household(*, user: Any, household_id: int) -> list[RecoveryLedger]:
    """A household's recoveries, newest first, each with its deductions (roll month, line status) and
    repayments; the balance is services.recovery_balance."""
    from dajiuzhu.payments.models import RecoveryBasis
    from dajiuzhu.payments.services import recovery_balance

    user_require(user, Capability.PAY_READ)
    not_counted = {LineStatus.FAILED, LineStatus.HELD}
    out = []
    qs = Recovery.objects.filter(user_scope_q(user), household_id=household_id).select_related("decided_by")
    for rec in qs.prefetch_related("entries__line__roll"):
        entries = []
        for e in rec.entries.all():
            line = e.line
            entries.append(
                LedgerEntry(
                    kind=e.kind, kind_label=e.get_kind_display(), amount=e.amount, on=e.on,
                    receipt_number=e.receipt_number, roll_month=line.roll.month if line else None,
                    line_reference=line.reference if line else "", line_status=line.status if line else "",
                    line_status_label=line.get_status_display() if line else "",
                    counted=line is None or line.status not in not_counted,
                )
            )  # fmt: skip
        balance = recovery_balance(rec)
        label = str(RecoveryBasis(rec.basis).label) if rec.basis in RecoveryBasis.values else rec.basis
        out.append(RecoveryLedger(rec, label, balance, rec.amount - balance, entries))
    return out


def notice_counts_for_user(*, user: Any) -> dict[str, int]:
    """Payment notices in the user's area by status (every status present, 0 when none)."""
    from dajiuzhu.payments.models import NoticeStatus

    counts = dict.fromkeys(NoticeStatus.values, 0)
    for row in notices_for_user(user=user).order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts
