"""Writes of the payments app. Every step is one transaction with its area and role checks and an audit
row, like the intake workflow; a step that fails changes nothing, and a step killed half-way leaves the
state before it (the transaction is rolled back), so running it again completes it.

Lifecycle of a roll: draft (re-generatable) → locked (frozen snapshot) → approved (a second person, funds
checked) → issued (bank files) → returned (every bank file's result imported) → reconciled → closed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.areas.models import Area
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.benefits import selectors as benefit_selectors
from dajiuzhu.core import clock, months
from dajiuzhu.core.db import MoneySum
from dajiuzhu.core.errors import ErrorReport, FieldError, NotFound, ValidationFailed
from dajiuzhu.core.frames import queryset_frame, write_frame
from dajiuzhu.core.inputs import clean_text
from dajiuzhu.core.masking import mask_account
from dajiuzhu.core.money import (
    InvalidAmount,
    fen_from_yuan_text,
    fen_to_yuan,
    parse_yuan,
    yuan_text_expr,
    yuan_to_fen,
)
from dajiuzhu.intake import selectors as intake_selectors
from dajiuzhu.payments import bankfiles, generation, programmes
from dajiuzhu.payments.accountno import account_clean
from dajiuzhu.payments.errors import (
    BudgetExceeded,
    ReturnAlreadyImported,
    ReturnRefused,
    RollMonthClosed,
    RollNotInStatus,
    RollOrder,
    SameApprover,
    SnapshotChanged,
)
from dajiuzhu.payments.models import (
    CUSTODIANS,
    LIVE,
    BankFile,
    BankReturn,
    BudgetAuthority,
    Fund,
    HolderRelation,
    LineStatus,
    LockedBankFile,
    NoticeStatus,
    PayeeAccount,
    PaymentNotice,
    PublicList,
    PublicListEntry,
    Recovery,
    RecoveryBasis,
    RecoveryEntry,
    RecoveryEntryKind,
    Roll,
    RollLine,
    RollStatus,
    TownshipCheck,
)
from dajiuzhu.registry import selectors as registry_selectors
from dajiuzhu.registry.models import Household, Person

log = logging.getLogger(__name__)

COMMITTED = (
    RollStatus.APPROVED,
    RollStatus.ISSUED,
    RollStatus.RETURNED,
    RollStatus.RECONCILED,
    RollStatus.CLOSED,
)


def _scope_ok(user: Any, area: Area) -> bool:
    scope = getattr(user, "area", None)
    return scope is not None and area.is_within(scope)


def _county(user: Any, county_code: str) -> Area:
    area = Area.objects.filter(code=(county_code or "").strip(), level=3).first()
    if area is None or not _scope_ok(user, area):
        raise NotFound("县（市、区）不存在或不在您的管辖范围内")
    return area


def _lock_roll(user: Any, roll_id: int, version: int | None, capability: str) -> Roll:
    """The roll locked for update (fixed order: the roll row only), in the user's area, at the version seen."""
    user_require(user, capability)
    roll = Roll.objects.select_for_update().select_related("county").filter(pk=roll_id).first()
    if roll is None or not _scope_ok(user, roll.county):
        raise NotFound("发放名册不存在或不在您的管辖范围内")
    if version is not None and roll.version != version:
        raise RollNotInStatus("发放名册已被他人处理，请刷新后重试")
    return roll


def _require_status(roll: Roll, *allowed: str, action: str) -> None:
    if roll.status not in allowed:
        wanted = "、".join(str(RollStatus(s).label) for s in allowed)
        raise RollNotInStatus(
            f"发放名册当前为「{roll.get_status_display()}」，{action}须在「{wanted}」状态下进行"
        )


def _audit(user: Any, roll: Roll, action: str, note: str, ip: str | None, **after: Any) -> None:
    audit_record(
        actor=user, action=AuditAction.TRANSITION, subject_type="payments.roll", subject_id=roll.pk,
        subject_label=f"{roll.county.name}{months.label(roll.month)}发放名册", area_code=roll.county_id,
        after={"action": action, "status": roll.status, **after}, note=note, ip=ip,
    )  # fmt: skip


def _save(roll: Roll, *fields: str) -> None:
    roll.version += 1
    roll.save(update_fields=[*fields, "version"])


# ---- payee accounts (一卡通) ------------------------------------------------------------------------------


@transaction.atomic
def account_set(
    *, user: Any, person_id: int, bank: str, account_number: str, holder_name: str,
    holder_relation: str = HolderRelation.SELF, for_household: bool = False, agreement_number: str = "",
    agreement_filed_on: dt.date | None = None, note: str = "", ip: str | None = None,
) -> PayeeAccount:  # fmt: skip
    """Register (or replace) the account `person`'s payments go to. A failed payment of theirs whose
    account this replaces becomes owed again (补发 on the next roll)."""
    user_require(user, Capability.PAY_ACCOUNT)
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("household__area")
        .filter(pk=person_id)
        .first()
    )
    if person is None or person.household is None or not _scope_ok(user, person.household.area):
        raise NotFound("人员不存在或不在您的管辖范围内")
    report = ErrorReport()
    formats = bankfiles.load_formats()
    bank = (bank or "").strip()
    fmt = formats.get(bank)
    if fmt is None:
        report.add("开户银行", f"请选择开户银行（可选：{'、'.join(f.name for f in formats.values())}）")
    number = ""
    if fmt is not None:
        try:
            number = account_clean(account_number, bank=fmt, field="银行账号")
        except ValidationFailed as exc:
            report.errors.extend(exc.errors)
    name = ""
    try:
        name = clean_text(holder_name, "账户户名", required=True, limit=50)
    except ValidationFailed as exc:
        report.errors.extend(exc.errors)
    if holder_relation not in HolderRelation.values:
        report.add("持卡人与受益人关系", "请选择持卡人与受益人的关系")
    if holder_relation == HolderRelation.SELF and name and name != person.name:
        report.add("账户户名", f"持卡人为本人时，户名应与姓名「{person.name}」一致")
    agreement = (agreement_number or "").strip()[:60]
    if holder_relation in CUSTODIANS and agreement and agreement_filed_on is None:
        report.add("协议报县民政部门备案日期", "已填写代管协议编号时，请填写报县级民政部门备案的日期")
    if agreement_filed_on is not None and agreement_filed_on > clock.today():
        report.add("协议报县民政部门备案日期", "备案日期不能晚于今天")
    report.raise_if_any()
    old = PayeeAccount.objects.select_for_update().filter(person=person, is_current=True).first()
    now = clock.now()
    if old is not None:
        old.is_current = False
        old.replaced_at = now
        old.save(update_fields=["is_current", "replaced_at"])
    if for_household:
        PayeeAccount.objects.filter(
            person__household_id=int(person.household_id or 0), is_current=True, for_household=True
        ).update(for_household=False)
    account = PayeeAccount.objects.create(
        person=person, area=person.household.area, bank=bank, account_number=number, holder_name=name,
        holder_relation=holder_relation, for_household=for_household, agreement_number=agreement,
        agreement_filed_on=agreement_filed_on if holder_relation in CUSTODIANS else None, created_by=user,
        note=(note or "").strip()[:200],
    )  # fmt: skip
    fixed = 0
    if old is not None:
        fixed = RollLine.objects.filter(
            account=old, problem=True, status=LineStatus.FAILED, resolved=False
        ).update(resolved=True, resolved_at=now)
    audit_record(
        actor=user, action=AuditAction.UPDATE if old else AuditAction.CREATE, subject_type="payments.account",
        subject_id=account.pk, subject_label=f"{person.name} 收款账户", area_code=person.household.area_id,
        before={"account": mask_account(old.account_number), "bank": old.bank} if old else None,
        after={"account": mask_account(number), "bank": bank, "holder_relation": holder_relation,
               "failed_lines_resolved": fixed},
        ip=ip,
    )  # fmt: skip
    return account


def account_reveal(*, user: Any, account_id: int, ip: str | None = None) -> str:
    """The full account number, for a role that needs it; every reveal is audited."""
    user_require(user, Capability.REVEAL_ACCOUNT)
    account = PayeeAccount.objects.select_related("area", "person").filter(pk=account_id).first()
    if account is None or not _scope_ok(user, account.area):
        raise NotFound("账户不存在或不在您的管辖范围内")
    audit_record(
        actor=user, action=AuditAction.REVEAL, subject_type="payments.account", subject_id=account.pk,
        subject_label=f"{account.person.name} 银行账号", area_code=account.area_id, ip=ip,
    )  # fmt: skip
    return account.account_number


@transaction.atomic
def line_resolve(*, user: Any, line_id: int, note: str, ip: str | None = None) -> RollLine:
    """A failed payment whose cause was removed without a new account (e.g. a frozen card unfrozen):
    owed again, as arrears on the next roll."""
    user_require(user, Capability.PAY_ACCOUNT)
    line = RollLine.objects.select_for_update().select_related("area").filter(pk=line_id).first()
    if line is None or not _scope_ok(user, line.area):
        raise NotFound("发放记录不存在或不在您的管辖范围内")
    if line.status != LineStatus.FAILED or line.resolved:
        raise RollNotInStatus("只有未处理的发放失败记录可以标记为已处理")
    text = clean_text(note, "处理说明", required=True, limit=200)
    line.resolved = True
    line.resolved_at = clock.now()
    line.save(update_fields=["resolved", "resolved_at"])
    audit_record(
        actor=user, action=AuditAction.UPDATE, subject_type="payments.line", subject_id=line.pk,
        subject_label=line.reference, area_code=line.area_id, after={"resolved": True}, note=text, ip=ip,
    )  # fmt: skip
    return line


# ---- budget authority (资金指标) ----------------------------------------------------------------------------


@transaction.atomic
def authority_create(
    *, user: Any, county_code: str, fund: str, year: Any, document_number: str, amount: Any, account: str = "",
    ip: str | None = None,
) -> BudgetAuthority:  # fmt: skip
    user_require(user, Capability.PAY_ADMIN)
    county = _county(user, county_code)
    report = ErrorReport()
    if fund not in Fund.values:
        report.add("资金类别", "请选择资金类别")
    try:
        year_int = int(str(year).strip())
        if not 2000 <= year_int <= 2100:
            raise ValueError
    except ValueError:
        year_int = 0
        report.add("年度", "年度应为四位数字，例如 2026")
    doc = ""
    try:
        doc = clean_text(document_number, "指标文号", required=True, limit=100)
    except ValidationFailed as exc:
        report.errors.extend(exc.errors)
    value = Decimal(0)
    try:
        value = parse_yuan(amount)
        if value <= 0:
            report.add("指标金额", "指标金额应大于0")
    except InvalidAmount as exc:
        report.add("指标金额", str(exc))
    if doc and BudgetAuthority.objects.filter(county=county, document_number=doc).exists():
        report.add("指标文号", f"指标文号「{doc}」已录入")
    report.raise_if_any()
    authority = BudgetAuthority.objects.create(
        county=county, fund=fund, year=year_int, document_number=doc, amount=value,
        account=(account or "").strip()[:100], created_by=user,
    )  # fmt: skip
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="payments.authority", subject_id=authority.pk,
        subject_label=str(authority), area_code=county.code, after={"amount": str(value), "fund": fund}, ip=ip,
    )  # fmt: skip
    return authority


def authority_position(
    *, county_code: str, year: int, exclude_roll: int | None = None
) -> dict[str, dict[str, int]]:
    """Per fund: authority, committed (lines of approved-or-later rolls of the year that are or may still
    be paid), in fen. Recomputed from the lines every time."""
    out: dict[str, dict[str, int]] = {f: {"authority": 0, "committed": 0} for f in Fund.values}
    for row in (
        BudgetAuthority.objects.filter(county_id=county_code, year=year)
        .values("fund")
        .annotate(total=MoneySum("amount"))
    ):
        out[row["fund"]]["authority"] = yuan_to_fen(row["total"] or Decimal(0))
    lines = RollLine.objects.filter(
        roll__county_id=county_code, roll__month__year=year, roll__status__in=COMMITTED, status__in=LIVE
    )
    if exclude_roll is not None:
        lines = lines.exclude(roll_id=exclude_roll)
    on = dt.date(year, 12, 31)
    for prow in lines.values("programme").annotate(total=MoneySum("amount")):
        fund = programmes.fund_of(prow["programme"], on=on, region=county_code)
        out.setdefault(fund, {"authority": 0, "committed": 0})["committed"] += yuan_to_fen(
            prow["total"] or Decimal(0)
        )
    return out


# ---- the monthly roll ---------------------------------------------------------------------------------------


def _previous_lines(county_code: str, first_month: dt.date) -> pl.DataFrame:
    qs = RollLine.objects.filter(roll__county_id=county_code, period__gte=months.add(first_month, -1))
    return generation.frame_or_empty(
        queryset_frame(
            qs,
            {"programme": pl.Utf8, "subject_id": pl.Int64, "period": pl.Date, "application_id": pl.Int64,
             "kind": pl.Utf8, "status": pl.Utf8, "resolved": pl.Boolean},
        ),
        generation.empty_previous().schema,
    )  # fmt: skip


def _accounts_frame(county_code: str, on: dt.date) -> pl.DataFrame:
    qs = PayeeAccount.objects.filter(area__county_code=county_code, is_current=True)
    frame = queryset_frame(
        qs,
        {"id": pl.Int64, "person_id": pl.Int64, "bank": pl.Utf8, "account_number": pl.Utf8, "holder_name": pl.Utf8,
         "holder_relation": pl.Utf8, "for_household": pl.Boolean, "agreement_number": pl.Utf8,
         "agreement_filed_on": pl.Date},
    ).rename({"id": "account_id"})  # fmt: skip
    return frame.with_columns(
        ((pl.col("agreement_number") != "") & pl.col("agreement_filed_on").is_not_null()).alias(
            "agreement_ok"
        )
    )


def _recoveries_frame(county_code: str) -> pl.DataFrame:
    rows = []
    for rec in (
        Recovery.objects.filter(area__county_code=county_code)
        .annotate(
            recovered=MoneySum(
                "entries__amount",
                filter=Q(entries__line__isnull=True)
                | ~Q(entries__line__status__in=[LineStatus.FAILED, LineStatus.HELD]),
            )
        )
        .values("pk", "household_id", "instalment", "amount", "recovered")
    ):
        balance = yuan_to_fen(rec["amount"]) - yuan_to_fen(rec["recovered"] or Decimal(0))
        if balance > 0:
            rows.append((rec["pk"], rec["household_id"], yuan_to_fen(rec["instalment"]), balance))
    return pl.DataFrame(
        rows,
        schema={"recovery_id": pl.Int64, "household_id": pl.Int64, "instalment_fen": pl.Int64, "balance_fen": pl.Int64},
        orient="row",
    )  # fmt: skip


def _inputs(county: Area, month: dt.date, first_month: dt.date, before: dt.datetime) -> generation.Inputs:
    items = intake_selectors.items_by_id()
    progs = programmes.cash_programmes(on=month, region=county.code)
    ents, amounts = benefit_selectors.payable_frames(
        county_code=county.code, first_month=first_month, last_month=month
    )
    oneoff_ids = [
        pk for pk, item in items.items() if item.programme in progs and not progs[item.programme].monthly
    ]
    # No one-off cash item in the catalogue: nothing to read (an empty `item_id IN ()` is not SQL).
    oneoffs = (
        intake_selectors.oneoff_decisions_frame(
            county_code=county.code, item_ids=oneoff_ids, since=months.add(first_month, -1), before=before
        )
        if oneoff_ids
        else pl.DataFrame(
            schema={
                "application_id": pl.Int64,
                "item_id": pl.Int64,
                "household_id": pl.Int64,
                "applicant_id": pl.Int64,
                "area_id": pl.Utf8,
                "amount_fen": pl.Int64,
            }
        )
    )
    areas = pl.DataFrame(
        list(Area.objects.filter(county_code=county.code).values_list("code", "township_code")),
        schema={"area_id": pl.Utf8, "township_code": pl.Utf8},
        orient="row",
    )
    return generation.Inputs(
        county_code=county.code, month=month, first_month=first_month, entitlements=ents, amounts=amounts,
        oneoffs=oneoffs, items={pk: (item.programme, item.name) for pk, item in items.items()}, programmes=progs,
        previous=_previous_lines(county.code, first_month),
        people=registry_selectors.people_frame(county_code=county.code),
        households=registry_selectors.households_frame(county_code=county.code),
        accounts=_accounts_frame(county.code, month), areas=areas, recoveries=_recoveries_frame(county.code),
        banks=set(bankfiles.load_formats()),
    )  # fmt: skip


@transaction.atomic
def roll_prepare(*, user: Any, county_code: str, month: Any, ip: str | None = None) -> Roll:
    """生成（或重新生成）发放名册: the draft roll of a county and month, from the entitlements in force,
    the months still owed, one-off decisions, payees' accounts and open recoveries."""
    user_require(user, Capability.PAY_PREPARE)
    try:
        month_d = months.first_of(month) if isinstance(month, dt.date) else months.parse(str(month))
    except ValueError as exc:
        raise ValidationFailed.single("发放月份", str(exc)) from exc
    county = _county(user, county_code)
    Area.objects.select_for_update().filter(pk=county.pk).first()  # one preparer per county at a time
    today = clock.today()
    if month_d > months.add(today, 1):
        raise ValidationFailed.single(
            "发放月份", f"最多只能提前编制下月（{months.label(months.add(today, 1))}）的名册"
        )
    later = Roll.objects.filter(county=county, month__gt=month_d).order_by("month").first()
    if later is not None:
        raise RollOrder(f"已有{months.label(later.month)}的发放名册，不能再编制更早月份的名册")
    earlier_open = Roll.objects.filter(county=county, month__lt=month_d, status=RollStatus.DRAFT).first()
    if earlier_open is not None:
        raise RollOrder(f"{months.label(earlier_open.month)}的发放名册尚未锁定，请先锁定后再编制下月名册")
    roll = Roll.objects.select_for_update().filter(county=county, month=month_d).first()
    now = clock.now()
    if roll is not None and roll.status != RollStatus.DRAFT:
        raise RollMonthClosed(f"{months.label(month_d)}的发放名册{roll.get_status_display()}，不能重新生成")
    if roll is None:
        roll = Roll.objects.create(county=county, month=month_d, prepared_by=user, prepared_at=now)
    else:
        _clear_draft(roll)
        roll.prepared_by = user
        roll.prepared_at = now
        _save(roll, "prepared_by", "prepared_at")
    first = (
        Roll.objects.filter(county=county).order_by("month").values_list("month", flat=True).first()
        or month_d
    )
    lines = generation.build(_inputs(county, month_d, first, now))
    write_frame(RollLine._meta.db_table, generation.as_rows(lines, roll.pk))
    _recovery_entries(roll, lines)
    _audit(user, roll, "prepare", "生成发放名册", ip, lines=lines.height)
    return roll


def _clear_draft(roll: Roll) -> None:
    """A draft's lines, deductions and township checks, gone before it is generated again. A draft has no
    notices or payments; its lines go in one statement (the ORM's delete would first load a million line
    objects to cascade to what cannot be there)."""
    RecoveryEntry.objects.filter(line__roll=roll).delete()
    PaymentNotice.objects.filter(line__roll=roll).delete()
    TownshipCheck.objects.filter(roll=roll).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(RollLine._meta.db_table)} WHERE roll_id = %s",  # noqa: S608
            [roll.pk],
        )


def _recovery_entries(roll: Roll, lines: pl.DataFrame) -> None:
    deducted = lines.filter(pl.col("deduction_fen") > 0).select("reference", "recovery_id", "deduction_fen")
    if deducted.height == 0:
        return
    ids = dict(RollLine.objects.filter(roll=roll, deduction__gt=0).values_list("reference", "pk"))
    RecoveryEntry.objects.bulk_create(
        [
            RecoveryEntry(
                recovery_id=row["recovery_id"], kind=RecoveryEntryKind.DEDUCTION, amount=fen_to_yuan(row["deduction_fen"]),
                line_id=ids[row["reference"]], on=roll.month,
            )
            for row in deducted.iter_rows(named=True)
        ]
    )  # fmt: skip


@transaction.atomic
def township_check(
    *, user: Any, roll_id: int, township_code: str, note: str = "", ip: str | None = None
) -> TownshipCheck:
    """乡镇核对: a township confirms its part of a draft roll (lines and total as it saw them)."""
    user_require(user, Capability.PAY_CHECK)
    roll = Roll.objects.select_for_update().select_related("county").filter(pk=roll_id).first()
    township = Area.objects.filter(code=(township_code or "").strip(), level=4).first()
    if (
        roll is None
        or township is None
        or not _scope_ok(user, township)
        or township.county_code != roll.county_id
    ):
        raise NotFound("发放名册不存在或不在您的管辖范围内")
    _require_status(roll, RollStatus.DRAFT, action="乡镇核对")
    part = RollLine.objects.filter(roll=roll, township_code=township.code).aggregate(
        n=Count("id"), total=MoneySum("amount")
    )
    check, _ = TownshipCheck.objects.update_or_create(
        roll=roll, township=township,
        defaults={"checked_by": user, "line_count": part["n"] or 0, "total": part["total"] or Decimal(0),
                  "note": (note or "").strip()[:500]},
    )  # fmt: skip
    _audit(
        user, roll, "township_check", f"{township.name}核对", ip, township=township.code, lines=part["n"] or 0
    )
    return check


_SNAPSHOT_COLUMNS = {
    "reference": pl.Utf8, "kind": pl.Utf8, "programme": pl.Utf8, "subject_id": pl.Int64, "period": pl.Date,
    "gross": pl.Utf8, "deduction": pl.Utf8, "amount": pl.Utf8, "bank": pl.Utf8, "account_number": pl.Utf8,
    "holder_name": pl.Utf8, "hold_reason": pl.Utf8,
}  # fmt: skip
_MONEY_COLUMNS = ("gross", "deduction", "amount")


def _snapshot(roll: Roll) -> str:
    """sha256 over every line's payment fields in reference order (amounts in fen, one line of text per
    line): what the roll pays, to whom. Read and joined column-wise: a million lines in about a second."""
    frame = queryset_frame(RollLine.objects.filter(roll=roll).order_by(), _SNAPSHOT_COLUMNS).sort("reference")
    text = frame.select(
        pl.concat_str(
            [
                pl.col(name).map_batches(fen_from_yuan_text, return_dtype=pl.Int64).cast(pl.Utf8)
                if name in _MONEY_COLUMNS
                else pl.col(name).cast(pl.Utf8)
                for name in _SNAPSHOT_COLUMNS
            ],
            separator="|",
        ).alias("line")
    )["line"]
    return hashlib.sha256((text.str.join("\n").item() if text.len() else "").encode()).hexdigest()


def _check_snapshot(roll: Roll) -> None:
    if roll.snapshot_sha256 and _snapshot(roll) != roll.snapshot_sha256:
        raise SnapshotChanged()


@transaction.atomic
def roll_lock(*, user: Any, roll_id: int, version: int | None = None, ip: str | None = None) -> Roll:
    """锁定: the draft becomes a frozen snapshot; later registry or entitlement edits change nothing in it."""
    roll = _lock_roll(user, roll_id, version, Capability.PAY_PREPARE)
    _require_status(roll, RollStatus.DRAFT, action="锁定")
    roll.locked_at = clock.now()  # the files' creation date
    # A roll is only locked if its bank files can be produced: a name that does not fit a bank's
    # fixed-width column or cannot be written in its encoding is found now, not after approval. The
    # files rendered are kept for 报盘 (LockedBankFile), so a million lines are rendered once.
    LockedBankFile.objects.filter(roll=roll).delete()
    for bank in _payable_banks(roll):
        rendered = render_bank_file(roll, bank)
        LockedBankFile.objects.create(
            roll=roll, bank=bank, filename=rendered.filename, content=rendered.content, sha256=rendered.sha256,
            line_count=rendered.count, total=fen_to_yuan(rendered.total_fen),
        )  # fmt: skip
    roll.status = RollStatus.LOCKED
    roll.locked_by = user
    roll.snapshot_sha256 = _snapshot(roll)
    _save(roll, "status", "locked_by", "locked_at", "snapshot_sha256")
    _audit(user, roll, "lock", "锁定发放名册", ip, sha256=roll.snapshot_sha256)
    return roll


@transaction.atomic
def roll_unlock(
    *, user: Any, roll_id: int, reason: str, version: int | None = None, ip: str | None = None
) -> Roll:
    """退回草稿: a locked roll not yet approved goes back to draft (with the reason), e.g. to include a
    late decision."""
    roll = _lock_roll(user, roll_id, version, Capability.PAY_PREPARE)
    _require_status(roll, RollStatus.LOCKED, action="退回草稿")
    text = clean_text(reason, "退回原因", required=True, limit=200)
    later = Roll.objects.filter(county=roll.county, month__gt=roll.month).exists()
    if later:
        raise RollOrder("已编制下月名册，本月名册不能退回草稿")
    roll.status = RollStatus.DRAFT
    roll.snapshot_sha256 = ""
    roll.locked_by = None
    roll.locked_at = None
    LockedBankFile.objects.filter(roll=roll).delete()
    _save(roll, "status", "snapshot_sha256", "locked_by", "locked_at")
    _audit(user, roll, "unlock", text, ip)
    return roll


def roll_funds(roll: Roll) -> list[dict[str, Any]]:
    """Per fund touched by the roll: authority, committed by other rolls, this roll, what is left (fen)."""
    position = authority_position(county_code=roll.county_id, year=roll.month.year, exclude_roll=roll.pk)
    this: dict[str, int] = {}
    rows = (
        RollLine.objects.filter(roll=roll, status__in=LIVE)
        .values("programme")
        .annotate(total=MoneySum("amount"))
    )
    for row in rows:
        fund = programmes.fund_of(row["programme"], on=roll.month, region=roll.county_id)
        this[fund] = this.get(fund, 0) + yuan_to_fen(row["total"] or Decimal(0))
    out = []
    for fund, amount in sorted(this.items()):
        pos = position.get(fund, {"authority": 0, "committed": 0})
        left = pos["authority"] - pos["committed"]
        out.append({"fund": fund, "label": str(Fund(fund).label) if fund in Fund.values else fund,
                    "authority": pos["authority"], "committed": pos["committed"], "this": amount,
                    "left_after": left - amount})  # fmt: skip
    return out


@transaction.atomic
def roll_approve(*, user: Any, roll_id: int, version: int | None = None, ip: str | None = None) -> Roll:
    """审批 by a second person (not who prepared or locked it), within the budget authority left."""
    roll = _lock_roll(user, roll_id, version, Capability.PAY_APPROVE)
    _require_status(roll, RollStatus.LOCKED, action="审批")
    if user.pk in (roll.prepared_by_id, roll.locked_by_id):
        raise SameApprover(
            errors=[FieldError("审批人", "复核（审批）人不能是名册的编制人或锁定人（双人复核）")]
        )
    _check_snapshot(roll)
    # Authorities of the county are locked in id order so two approvals of one county queue here.
    list(
        BudgetAuthority.objects.select_for_update()
        .filter(county=roll.county, year=roll.month.year)
        .order_by("pk")
    )
    short = [f for f in roll_funds(roll) if f["left_after"] < 0]
    if short:
        errors = [
            FieldError(
                f["label"],
                f"剩余指标{fen_to_yuan(f['authority'] - f['committed'])}元，本名册需{fen_to_yuan(f['this'])}元，"
                f"超出{fen_to_yuan(-f['left_after'])}元",
            )
            for f in short
        ]
        raise BudgetExceeded(
            "本名册金额超出剩余资金指标：" + "；".join(str(e) for e in errors), errors=errors
        )
    roll.status = RollStatus.APPROVED
    roll.approved_by = user
    roll.approved_at = clock.now()
    _save(roll, "status", "approved_by", "approved_at")
    _audit(user, roll, "approve", "审批发放名册", ip)
    return roll


def _in_bank(roll: Roll, bank: str) -> QuerySet[RollLine]:
    """The lines of a roll in one bank's file: pending with something to transfer. Once the roll is issued
    they are 已报盘 (sent) until the return says paid or failed; nothing is written to mark them."""
    return RollLine.objects.filter(roll=roll, bank=bank, status=LineStatus.PENDING, amount__gt=0)


def _sent_frame(roll: Roll, bank: str) -> pl.DataFrame:
    qs = _in_bank(roll, bank)
    frame = queryset_frame(
        qs.select_related("beneficiary"),
        {"reference": pl.Utf8, "account_number": pl.Utf8, "holder_name": pl.Utf8, "amount": pl.Utf8,
         "period": pl.Date, "programme": pl.Utf8, "beneficiary__id_number": pl.Utf8},
    )  # fmt: skip
    labels = programmes.labels()
    return frame.select(
        "reference", "account_number", "holder_name",
        pl.col("amount").map_batches(fen_from_yuan_text, return_dtype=pl.Int64).alias("amount_fen"),
        pl.col("period").dt.strftime("%Y%m").alias("period"),
        pl.col("programme").replace_strict(labels, default=pl.col("programme")).alias("programme_name"),
        pl.col("beneficiary__id_number").alias("id_number"),
    )  # fmt: skip


def render_bank_file(roll: Roll, bank: str) -> bankfiles.RenderedFile:
    """The bank file of a roll for one bank: the same locked roll always gives the same bytes."""
    fmt = bankfiles.load_formats()[bank]
    seq = 1 + sorted(
        RollLine.objects.filter(roll=roll, amount__gt=0, status__in=[LineStatus.PENDING, LineStatus.SENT, LineStatus.PAID,
                                                                     LineStatus.FAILED])
        .exclude(bank="").order_by().values_list("bank", flat=True).distinct()
    ).index(bank)  # fmt: skip
    created = (roll.locked_at or roll.prepared_at).date()
    return bankfiles.render(
        fmt,
        _sent_frame(roll, bank),
        county=roll.county_id,
        period=months.period(roll.month),
        seq=seq,
        created=created,
    )


def _payable_banks(roll: Roll) -> list[str]:
    return sorted(
        RollLine.objects.filter(roll=roll, status=LineStatus.PENDING, amount__gt=0)
        .order_by()
        .values_list("bank", flat=True)
        .distinct()
    )


def _publish_locked_files(roll: Roll, user: Any) -> None:
    """The files kept at lock become the roll's bank files, copied inside the database (a hundred
    megabytes need not travel to Python and back), then the kept copies go."""
    q = connection.ops.quote_name
    target, source = q(BankFile._meta.db_table), q(LockedBankFile._meta.db_table)
    columns = ", ".join(
        q(c) for c in ("roll_id", "bank", "filename", "content", "sha256", "line_count", "total")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {target} ({columns}, {q('issued_by_id')}, {q('issued_at')}) "  # noqa: S608 (quoted names)
            f"SELECT {columns}, %s, %s FROM {source} WHERE {q('roll_id')} = %s ORDER BY {q('bank')}",
            [user.pk, clock.now(), roll.pk],
        )
    LockedBankFile.objects.filter(roll=roll).delete()


@transaction.atomic
def roll_issue(*, user: Any, roll_id: int, version: int | None = None, ip: str | None = None) -> Roll:
    """报盘: one file per bank from the approved roll; its pending lines are now 已报盘 (sent: shown from
    the roll's status, not written line by line); a line fully offset by a recovery is settled without a
    transfer."""
    roll = _lock_roll(user, roll_id, version, Capability.PAY_PREPARE)
    _require_status(roll, RollStatus.APPROVED, action="生成报盘文件")
    _check_snapshot(roll)  # the lines are still those locked, so the files rendered then are theirs
    banks = sorted(LockedBankFile.objects.filter(roll=roll).values_list("bank", flat=True))
    if banks:
        _publish_locked_files(roll, user)
    else:  # a roll locked before the files were kept at lock
        banks = _payable_banks(roll)
        for bank in banks:
            rendered = render_bank_file(roll, bank)
            BankFile.objects.create(
                roll=roll, bank=bank, filename=rendered.filename, content=rendered.content,
                sha256=rendered.sha256, line_count=rendered.count, total=fen_to_yuan(rendered.total_fen),
                issued_by=user,
            )  # fmt: skip
    RollLine.objects.filter(roll=roll, status=LineStatus.PENDING, amount=0).update(
        status=LineStatus.PAID, paid_on=clock.today()
    )
    roll.status = RollStatus.ISSUED if banks else RollStatus.RETURNED
    _save(roll, "status")
    _audit(user, roll, "issue", "生成报盘文件", ip, files=len(banks))
    return roll


@transaction.atomic
def return_import(
    *, user: Any, bank_file_id: int, filename: str, content: bytes, ip: str | None = None
) -> BankReturn:
    """回盘: the bank's result for one bank file. Lines the roll does not have, wrong amounts or accounts,
    duplicates, a wrong format or encoding: refused with a row-by-row report, nothing applied."""
    user_require(user, Capability.PAY_PREPARE)
    bank_file = (
        BankFile.objects.select_related("roll__county").filter(pk=bank_file_id).defer("content").first()
    )
    if bank_file is None or not _scope_ok(user, bank_file.roll.county):
        raise NotFound("报盘文件不存在或不在您的管辖范围内")
    roll = _lock_roll(user, bank_file.roll_id, None, Capability.PAY_PREPARE)
    _require_status(roll, RollStatus.ISSUED, action="导入回盘")
    bank_file = BankFile.objects.select_for_update().defer("content").get(pk=bank_file_id)
    if BankReturn.objects.filter(bank_file=bank_file).exists():
        raise ReturnAlreadyImported()
    fmt = bankfiles.load_formats()[bank_file.bank]
    parsed = bankfiles.parse_return(fmt, content)
    if parsed.errors:
        raise _refused(parsed.errors)
    # The bank file's lines, read once: for matching, and for the 到账短信 of those the bank paid.
    in_file = queryset_frame(
        _in_bank(roll, bank_file.bank).order_by().select_related("beneficiary"),
        {"reference": pl.Utf8, "account_number": pl.Utf8, "amount": pl.Utf8, "id": pl.Int64,
         "programme": pl.Utf8, "period": pl.Date, "beneficiary__phone": pl.Utf8},
    ).with_columns(pl.col("amount").map_batches(fen_from_yuan_text, return_dtype=pl.Int64).alias("amount_fen"))  # fmt: skip
    expected = in_file.select("reference", "account_number", "amount_fen")
    matched = bankfiles.match_return(expected, parsed)
    if matched.errors:
        raise _refused(matched.errors)
    results = matched.results
    today = clock.today()
    failed = results.filter(~pl.col("paid"))
    sent = _in_bank(roll, bank_file.bank)
    for (code, reason), group in failed.group_by(["reason_code", "reason"], maintain_order=True):
        refs = group["reference"].to_list()
        for offset in range(0, len(refs), 5000):
            sent.filter(reference__in=refs[offset : offset + 5000]).update(
                status=LineStatus.FAILED, fail_code=str(code or "")[:20], fail_reason=str(reason or "")[:200]
            )
    sent.update(status=LineStatus.PAID, paid_on=today)
    # A payment that failed on a card replaced since it was sent is owed again already.
    RollLine.objects.filter(
        roll=roll,
        bank=bank_file.bank,
        problem=True,
        status=LineStatus.FAILED,
        resolved=False,
        account__is_current=False,
    ).update(resolved=True, resolved_at=clock.now())
    paid = results.filter(pl.col("paid"))
    paid_total = int(expected.join(paid.select("reference"), on="reference")["amount_fen"].sum() or 0)
    failed_total = int(expected.join(failed.select("reference"), on="reference")["amount_fen"].sum() or 0)
    record = BankReturn.objects.create(
        bank_file=bank_file, filename=(filename or "")[:200], sha256=hashlib.sha256(content).hexdigest(),
        paid_count=paid.height, paid_total=fen_to_yuan(paid_total), failed_count=failed.height,
        failed_total=fen_to_yuan(failed_total), imported_by=user,
    )  # fmt: skip
    bank_file.returned_at = clock.now()
    bank_file.save(update_fields=["returned_at"])
    _notices_for(roll, in_file.join(failed.select("reference"), on="reference", how="anti"))
    if not BankFile.objects.filter(roll=roll, returned_at__isnull=True).exists():
        roll.status = RollStatus.RETURNED
        _save(roll, "status")
    _audit(
        user, roll, "return", f"导入回盘：成功{paid.height}笔，失败{failed.height}笔", ip, bank=bank_file.bank
    )
    return record


def _refused(errors: list[FieldError]) -> ReturnRefused:
    shown = errors[:200]
    more = f"（另有{len(errors) - len(shown)}处错误未列出）" if len(errors) > len(shown) else ""
    return ReturnRefused(f"回盘文件有{len(errors)}处错误，未导入任何记录{more}", errors=shown)


def _notices_for(roll: Roll, frame: pl.DataFrame) -> None:
    """到账短信 for every paid line of a bank file (`frame`: id, programme, period, amount_fen,
    account_number, beneficiary__phone), into the outbox. A bank file has one return, so none of its lines
    has a notice yet (OneToOne: never two)."""
    template = str(programmes.parameter("payments.notice_template", on=roll.month, region=roll.county_id))
    labels = programmes.labels()
    if frame.height == 0:
        return
    # The template's fields are filled column-wise; {period} etc. become literal pieces joined by Polars.
    pieces = _template_pieces(template)
    exprs: list[pl.Expr] = []
    values = {
        "period": pl.col("period").dt.strftime("%Y%m"),
        "programme": pl.col("programme").replace_strict(labels, default=pl.col("programme")),
        "amount": yuan_text_expr(pl.col("amount_fen")),
        "tail": pl.col("account_number").str.slice(-4),
        "county": pl.lit(roll.county.name),
    }
    for literal, field in pieces:
        if literal:
            exprs.append(pl.lit(literal))
        if field:
            exprs.append(values.get(field, pl.lit("{" + field + "}")))
    out = frame.select(
        pl.col("id").alias("line_id"),
        pl.col("beneficiary__phone").alias("phone"),
        pl.concat_str(exprs).str.slice(0, 300).alias("text"),
    ).with_columns(
        pl.when(pl.col("phone") == "")
        .then(pl.lit(NoticeStatus.NO_PHONE.value))
        .otherwise(pl.lit(NoticeStatus.QUEUED.value))
        .alias("status"),
        pl.lit(clock.now()).alias("created_at"),
        pl.lit("").alias("error"),
    )
    write_frame(PaymentNotice._meta.db_table, out)


def _template_pieces(template: str) -> list[tuple[str, str]]:
    """ "您{period}期…" → [("您", "period"), ("期…", "")]."""
    import string

    return [(literal, field or "") for literal, field, _spec, _conv in string.Formatter().parse(template)]


@transaction.atomic
def roll_reconcile(*, user: Any, roll_id: int, version: int | None = None, ip: str | None = None) -> Roll:
    """对账: every bank file's sent = paid + failed, in count and amount, recomputed from the lines."""
    roll = _lock_roll(user, roll_id, version, Capability.PAY_PREPARE)
    _require_status(roll, RollStatus.RETURNED, action="对账")
    problems: list[FieldError] = []
    for bank_file in BankFile.objects.filter(roll=roll).select_related("bank_return").defer("content"):
        lines = RollLine.objects.filter(roll=roll, bank=bank_file.bank, amount__gt=0)
        paid = lines.filter(status=LineStatus.PAID).aggregate(n=Count("id"), t=MoneySum("amount"))
        failed = lines.filter(status=LineStatus.FAILED).aggregate(n=Count("id"), t=MoneySum("amount"))
        still = lines.filter(status=LineStatus.PENDING, amount__gt=0).count()
        got = (paid["n"] + failed["n"], (paid["t"] or 0) + (failed["t"] or 0))
        if still or got != (bank_file.line_count, bank_file.total):
            problems.append(FieldError(bank_file.filename, f"报盘{bank_file.line_count}笔{bank_file.total}元，"
                                       f"回盘成功与失败合计{got[0]}笔{got[1]}元，未回{still}笔"))  # fmt: skip
        ret = getattr(bank_file, "bank_return", None)
        if ret is not None and (ret.paid_count, ret.paid_total) != (paid["n"], paid["t"] or 0):
            problems.append(FieldError(bank_file.filename, "回盘记录与发放明细不一致"))
    if problems:
        raise ValidationFailed("对账不平：" + "；".join(str(p) for p in problems), errors=problems)
    roll.status = RollStatus.RECONCILED
    _save(roll, "status")
    _audit(user, roll, "reconcile", "对账完成", ip)
    return roll


@transaction.atomic
def roll_close(*, user: Any, roll_id: int, version: int | None = None, ip: str | None = None) -> Roll:
    roll = _lock_roll(user, roll_id, version, Capability.PAY_PREPARE)
    _require_status(roll, RollStatus.RECONCILED, action="关闭")
    roll.status = RollStatus.CLOSED
    roll.closed_by = user
    roll.closed_at = clock.now()
    _save(roll, "status", "closed_by", "closed_at")
    _audit(user, roll, "close", "关闭发放名册", ip)
    return roll


# ---- recoveries (追回) ---------------------------------------------------------------------------------------


@transaction.atomic
def recovery_decide(
    *, user: Any, household_id: int, amount: Any, basis: str, reason: str, instalment: Any,
    document_number: str = "", application_id: int | None = None, ip: str | None = None,
) -> Recovery:  # fmt: skip
    """追回决定: an overpayment to recover from the household, deducted from later payments at most
    `instalment` a month (never below zero), or repaid."""
    user_require(user, Capability.PAY_ADMIN)
    household = Household.objects.select_related("area").filter(pk=household_id).first()
    if household is None or not _scope_ok(user, household.area):
        raise NotFound("家庭不存在或不在您的管辖范围内")
    report = ErrorReport()
    values: dict[str, Decimal] = {}
    for key, label, raw in (("amount", "追回金额", amount), ("instalment", "每月抵扣上限", instalment)):
        try:
            values[key] = parse_yuan(raw)
            if values[key] <= 0:
                report.add(label, f"{label}应大于0")
        except InvalidAmount as exc:
            report.add(label, str(exc))
    if basis not in RecoveryBasis.values:
        report.add("追回依据", "请选择追回依据")
    text = ""
    try:
        text = clean_text(reason, "追回原因", required=True, limit=500)
    except ValidationFailed as exc:
        report.errors.extend(exc.errors)
    report.raise_if_any()
    if values["instalment"] > values["amount"]:
        values["instalment"] = values["amount"]
    rec = Recovery.objects.create(
        household=household, area=household.area, amount=values["amount"], basis=basis, reason=text,
        document_number=(document_number or "").strip()[:100], instalment=values["instalment"],
        application_id=application_id, decided_by=user,
    )  # fmt: skip
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="payments.recovery", subject_id=rec.pk,
        subject_label=f"{household.number} 追回", area_code=household.area_id,
        after={"amount": str(rec.amount), "basis": basis, "instalment": str(rec.instalment)}, ip=ip,
    )  # fmt: skip
    return rec


def recovery_balance(rec: Recovery) -> Decimal:
    """Decided amount less repayments and the deductions of lines that were not failed or held."""
    recovered = rec.entries.filter(
        Q(line__isnull=True) | ~Q(line__status__in=[LineStatus.FAILED, LineStatus.HELD])
    ).aggregate(t=MoneySum("amount"))["t"] or Decimal(0)
    return rec.amount - recovered


@transaction.atomic
def recovery_repay(
    *, user: Any, recovery_id: int, amount: Any, on: dt.date, receipt_number: str, ip: str | None = None
) -> RecoveryEntry:
    user_require(user, Capability.PAY_ADMIN)
    rec = Recovery.objects.select_for_update().select_related("area").filter(pk=recovery_id).first()
    if rec is None or not _scope_ok(user, rec.area):
        raise NotFound("追回记录不存在或不在您的管辖范围内")
    try:
        value = parse_yuan(amount)
    except InvalidAmount as exc:
        raise ValidationFailed.single("退回金额", str(exc)) from exc
    balance = recovery_balance(rec)
    if value <= 0 or value > balance:
        raise ValidationFailed.single("退回金额", f"退回金额应大于0且不超过待追回余额{balance}元")
    receipt = clean_text(receipt_number, "缴款凭证号", required=True, limit=100)
    entry = RecoveryEntry.objects.create(
        recovery=rec,
        kind=RecoveryEntryKind.REPAYMENT,
        amount=value,
        on=on,
        receipt_number=receipt,
        recorded_by=user,
    )
    audit_record(
        actor=user, action=AuditAction.UPDATE, subject_type="payments.recovery", subject_id=rec.pk,
        subject_label="退回追回款", area_code=rec.area_id, after={"repaid": str(value)}, ip=ip,
    )  # fmt: skip
    return entry


# ---- payment notices (到账短信) ------------------------------------------------------------------------------


def notices_send(*, gateway: Any, limit: int = 10_000) -> dict[str, int]:
    """Hand queued notices to the county's SMS gateway (payments.sms), each marked sent or failed."""
    counts = {"sent": 0, "failed": 0}
    batch = list(PaymentNotice.objects.filter(status=NoticeStatus.QUEUED).order_by("id")[:limit])
    for notice in batch:
        # Claimed before sending, so two overlapping runs never send the same notice twice.
        if not PaymentNotice.objects.filter(pk=notice.pk, status=NoticeStatus.QUEUED).update(
            status=NoticeStatus.SENDING
        ):
            continue
        try:
            gateway.send(phone=notice.phone, text=notice.text, reference=notice.line_id)
        except Exception as exc:  # a gateway's failure is recorded per notice, the batch goes on
            log.warning("SMS gateway refused notice %s: %s", notice.pk, exc)
            PaymentNotice.objects.filter(pk=notice.pk).update(
                status=NoticeStatus.FAILED, error=str(exc)[:200]
            )
            counts["failed"] += 1
            continue
        PaymentNotice.objects.filter(pk=notice.pk).update(status=NoticeStatus.SENT, sent_at=clock.now())
        counts["sent"] += 1
    return counts


# ---- the published list (公布) -------------------------------------------------------------------------------


@transaction.atomic
def public_list_publish(*, user: Any, village_code: str, month: Any, ip: str | None = None) -> PublicList:
    """公布: the village's list for a month from its approved roll — masked name, household size,
    programme, amount; only programmes payments.public_list.<code> = 1 (never children's)."""
    user_require(user, Capability.PAY_ADMIN)
    village = Area.objects.filter(code=(village_code or "").strip(), level=5, is_active=True).first()
    if village is None or not _scope_ok(user, village):
        raise NotFound("村（社区）不存在或不在您的管辖范围内")
    try:
        month_d = months.first_of(month) if isinstance(month, dt.date) else months.parse(str(month))
    except ValueError as exc:
        raise ValidationFailed.single("月份", str(exc)) from exc
    roll = Roll.objects.filter(county_id=village.county_code, month=month_d, status__in=COMMITTED).first()
    if roll is None:
        raise ValidationFailed.single("月份", f"{months.label(month_d)}的发放名册尚未审批，不能公布")
    if PublicList.objects.filter(village=village, month=month_d, withdrawn_at__isnull=True).exists():
        raise RollNotInStatus(f"{village.name}{months.label(month_d)}的发放名单已公布")
    public = programmes.public_programmes(on=month_d, region=village.code)
    labels = programmes.labels()
    rows = (
        RollLine.objects.filter(
            roll=roll, area__village_code=village.code, programme__in=public, status__in=LIVE
        )
        .values("household_id", "programme", "household__member_count", "beneficiary_name", "subject_id")
        .annotate(total=MoneySum("gross"))
        .order_by("household_id", "programme")
    )
    if not rows:
        raise ValidationFailed.single(
            "村（社区）", f"{village.name}{months.label(month_d)}没有需要公布的发放"
        )
    heads = dict(
        Household.objects.filter(pk__in={r["household_id"] for r in rows}).values_list("pk", "head__name")
    )
    from dajiuzhu.core.masking import mask_name

    plist = PublicList.objects.create(village=village, month=month_d, roll=roll, published_by=user)
    household_level = programmes.household_programmes()
    PublicListEntry.objects.bulk_create(
        [
            PublicListEntry(
                public_list=plist,
                masked_name=mask_name(heads.get(r["household_id"]) if r["programme"] in household_level
                                      else r["beneficiary_name"]),
                household_size=r["household__member_count"] or 0, programme_name=labels.get(r["programme"], r["programme"]),
                amount=r["total"] or Decimal(0),
            )
            for r in rows
        ]
    )  # fmt: skip
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="payments.public_list", subject_id=plist.pk,
        subject_label=f"{village.name}{months.label(month_d)}发放名单公布", area_code=village.code,
        after={"entries": len(rows)}, ip=ip,
    )  # fmt: skip
    return plist


@transaction.atomic
def public_list_withdraw(*, user: Any, list_id: int, reason: str, ip: str | None = None) -> PublicList:
    user_require(user, Capability.PAY_ADMIN)
    plist = PublicList.objects.select_for_update().select_related("village").filter(pk=list_id).first()
    if plist is None or not _scope_ok(user, plist.village):
        raise NotFound("公布名单不存在或不在您的管辖范围内")
    if plist.withdrawn_at is not None:
        raise RollNotInStatus("该名单已撤回")
    text = clean_text(reason, "撤回原因", required=True, limit=200)
    plist.withdrawn_at = clock.now()
    plist.withdrawn_by = user
    plist.withdraw_reason = text
    plist.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit_record(
        actor=user, action=AuditAction.UPDATE, subject_type="payments.public_list", subject_id=plist.pk,
        subject_label="撤回发放名单公布", area_code=plist.village_id, note=text, ip=ip,
    )  # fmt: skip
    return plist
