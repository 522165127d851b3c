"""Reads for people outside the roll office: a household's 幸福清单 (every benefit it received, from
every programme and department) and the payment report (paid, failed, arrears, recovered, held by
county, township, programme or month) with its Excel export. Every figure is recomputed from the roll
lines with database aggregates; nothing here writes but the export's audit row."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth
from django.utils import timezone

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.areas.models import Area, AreaLevel
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock, months
from dajiuzhu.core.db import MoneySum
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.core.money import FEN, fen_to_yuan
from dajiuzhu.intake import selectors as intake_selectors
from dajiuzhu.payments import programmes, selectors
from dajiuzhu.payments.models import (
    LIVE,
    Fund,
    LineKind,
    LineStatus,
    Recovery,
    RecoveryBasis,
    RecoveryEntry,
    RecoveryEntryKind,
    RollLine,
)
from dajiuzhu.registry import selectors as registry_selectors
from dajiuzhu.rules.programmes import PROGRAMMES

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _sum(column: str, condition: Q | None = None) -> Coalesce:
    return Coalesce(MoneySum(column, filter=condition), Value(ZERO), output_field=_MONEY)


def _yuan(value: Any) -> Decimal:
    """Two decimals whatever the backend returns for a sum (SQLite drops the scale of an expression)."""
    return Decimal(value or 0).quantize(FEN)


def _totals(row: Mapping[str, Any]) -> Totals:
    return Totals(_yuan(row["gross"]), _yuan(row["deduction"]), _yuan(row["amount"]))


def cash_programme_codes() -> set[str]:
    """Programmes the roll pays (they carry an amount); other items' approvals are 'other benefits'."""
    return {p.code for p in PROGRAMMES if p.amount}


# ---- 幸福清单 ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    """What one programme paid the household (or one of its members) in one roll month for one period."""

    month: dt.date  # 发放月份: the roll that paid it
    period: dt.date  # 所属月份: the month paid for
    kind: str
    item_name: str
    beneficiary_name: str  # for a person's programme; "" for a household's
    gross: Decimal
    deduction: Decimal
    amount: Decimal

    @property
    def label(self) -> str:
        """当月 → "", 补发 → "补发2026年12月", 一次性 → the item's name."""
        if self.kind == LineKind.ARREARS:
            return f"补发{months.label(self.period)}"
        if self.kind == LineKind.ONEOFF:
            return self.item_name
        return ""


@dataclass(frozen=True)
class Totals:
    gross: Decimal = ZERO
    deduction: Decimal = ZERO
    amount: Decimal = ZERO


@dataclass
class ProgrammeColumn:
    code: str
    label: str
    department: str
    totals: Totals = field(default_factory=Totals)


@dataclass
class MonthRow:
    month: dt.date
    cells: list[list[Payment]]  # one list per programme column, in the columns' order


@dataclass
class YearBlock:
    year: int
    columns: list[ProgrammeColumn]
    rows: list[MonthRow]
    totals: Totals


@dataclass(frozen=True)
class Owed:
    """A payment that did not reach the household and has not been paid since (failed or held)."""

    programme: str
    label: str
    item_name: str
    beneficiary_name: str
    period: dt.date
    kind: str
    roll_month: dt.date
    amount: Decimal
    status: str  # failed | held
    status_label: str  # 未到账 | 暂缓发放
    reason: str
    resolved: bool  # failed, cause removed: owed again on the next roll


@dataclass(frozen=True)
class RecoveryRow:
    decided_on: dt.date
    basis_label: str
    reason: str
    amount: Decimal
    deducted: Decimal  # from paid lines
    deducting: Decimal  # on lines of a roll not yet paid
    repaid: Decimal
    balance: Decimal


@dataclass
class HappinessList:
    household: Any
    members: list[Any]
    years: list[YearBlock]
    totals: Totals
    owed: list[Owed]
    recoveries: list[RecoveryRow]
    others: list[intake_selectors.OtherBenefit]
    as_of: dt.date


def _owed_lines(household_id: int) -> QuerySet[RollLine]:
    """Failed and held lines of the household with no live line for the same month (or one-off) since.

    A month is keyed by (programme, subject, period); the subject is the household for a household's
    programme (then it is also the line's household) and the beneficiary for a person's: saying so lets
    the database look the month up by an index instead of every paid line of the county."""
    same_month = {
        "programme": OuterRef("programme"), "subject_id": OuterRef("subject_id"), "period": OuterRef("period"),
        "kind__in": [LineKind.REGULAR, LineKind.ARREARS], "status__in": LIVE,
    }  # fmt: skip
    household_month = RollLine.objects.filter(household_id=OuterRef("subject_id"), **same_month)
    person_month = RollLine.objects.filter(beneficiary_id=OuterRef("subject_id"), **same_month)
    oneoff_live = RollLine.objects.filter(
        application_id=OuterRef("application_id"), subject_id=OuterRef("subject_id"), kind=LineKind.ONEOFF,
        status__in=LIVE,
    )  # fmt: skip
    household_level = Q(programme__in=sorted(programmes.household_programmes()))
    oneoff = Q(kind=LineKind.ONEOFF)
    return RollLine.objects.filter(
        household_id=household_id, status__in=[LineStatus.FAILED, LineStatus.HELD]
    ).filter(
        (~oneoff & household_level & ~Q(Exists(household_month)))
        | (~oneoff & ~household_level & ~Q(Exists(person_month)))
        | (oneoff & ~Q(Exists(oneoff_live)))
    )


def household_benefits(*, user: Any, household_id: int, ip: str | None = None) -> HappinessList:
    """幸福清单 of a household: every payment the roll made to it, per year → programme → month (arrears
    with the month they paid for, one-offs with their item), what is still owed (failed or held), the
    recoveries deducted or repaid, and other departments' approved aid. The household is loaded through
    the registry's access helper (scope, audit of a refused look); its lines are then the household's,
    wherever they were paid. A fixed number of aggregated queries, whatever the length of the history."""
    user_require(user, Capability.PAY_READ)
    household = registry_selectors.household_get_for_user(user=user, household_id=household_id, ip=ip)
    members = list(registry_selectors.household_members(household))
    labels = programmes.labels()
    household_level = programmes.household_programmes()
    paid = RollLine.objects.filter(household_id=household.pk, status=LineStatus.PAID).order_by()

    # One row per (roll month, programme, kind, period, item, beneficiary): a person's programme keeps
    # its members apart, a household's sums to one figure.
    rows = (
        paid.values("roll__month", "programme", "kind", "period", "item__name", "item__department__name",
                    "beneficiary_id", "beneficiary_name")
        .annotate(gross=_sum("gross"), deduction=_sum("deduction"), amount=_sum("amount"))
        .order_by("roll__month", "programme", "kind", "period", "beneficiary_id")
    )  # fmt: skip
    by_programme = {
        (r["year"], r["programme"]): _totals(r)
        for r in paid.annotate(year=ExtractYear("roll__month"))
        .values("year", "programme")
        .annotate(gross=_sum("gross"), deduction=_sum("deduction"), amount=_sum("amount"))
    }
    by_year = {
        r["year"]: _totals(r)
        for r in paid.annotate(year=ExtractYear("roll__month"))
        .values("year")
        .annotate(gross=_sum("gross"), deduction=_sum("deduction"), amount=_sum("amount"))
    }
    overall = paid.aggregate(gross=_sum("gross"), deduction=_sum("deduction"), amount=_sum("amount"))

    years: dict[int, YearBlock] = {}
    for r in rows:
        month: dt.date = r["roll__month"]
        block = years.get(month.year)
        if block is None:
            block = years[month.year] = YearBlock(month.year, [], [], by_year.get(month.year, Totals()))
        code = r["programme"]
        index = next((i for i, c in enumerate(block.columns) if c.code == code), None)
        if index is None:
            block.columns.append(
                ProgrammeColumn(code, labels.get(code, code), r["item__department__name"] or "",
                                by_programme.get((month.year, code), Totals()))
            )  # fmt: skip
            for row in block.rows:
                row.cells.append([])
            index = len(block.columns) - 1
        if not block.rows or block.rows[-1].month != month:
            block.rows.append(MonthRow(month, [[] for _ in block.columns]))
        block.rows[-1].cells[index].append(
            Payment(
                month=month,
                period=r["period"],
                kind=r["kind"],
                item_name=r["item__name"] or "",
                beneficiary_name="" if code in household_level else r["beneficiary_name"],
                gross=_yuan(r["gross"]),
                deduction=_yuan(r["deduction"]),
                amount=_yuan(r["amount"]),
            )
        )
    for block in years.values():
        # Columns in a fixed order (the programme list's), whatever month each first appears in.
        order = sorted(range(len(block.columns)), key=lambda i: block.columns[i].code)
        block.columns = [block.columns[i] for i in order]
        for row in block.rows:
            row.cells = [row.cells[i] for i in order]

    owed: list[Owed] = []
    seen: set[tuple[Any, ...]] = set()
    for line in (
        _owed_lines(household.pk)
        .values("programme", "subject_id", "period", "kind", "application_id", "item__name", "beneficiary_name",
                "roll__month", "gross", "status", "fail_reason", "hold_reason", "resolved")
        .order_by("-roll__month", "-id")
    ):  # fmt: skip
        key = (line["programme"], line["subject_id"], line["period"], line["kind"] == LineKind.ONEOFF and
               line["application_id"])  # fmt: skip
        if key in seen:  # a line held on several rolls is one month owed: the newest says why
            continue
        seen.add(key)
        failed = line["status"] == LineStatus.FAILED
        code = line["programme"]
        owed.append(
            Owed(
                programme=code,
                label=labels.get(code, code),
                item_name=line["item__name"] or "",
                beneficiary_name="" if code in household_level else line["beneficiary_name"],
                period=line["period"],
                kind=line["kind"],
                roll_month=line["roll__month"],
                amount=_yuan(line["gross"]),
                status=line["status"],
                status_label="未到账" if failed else "暂缓发放",
                reason=(line["fail_reason"] if failed else line["hold_reason"]) or "",
                resolved=failed and line["resolved"],
            )
        )
    owed.sort(key=lambda o: (o.period, o.programme))

    deduction = Q(entries__kind=RecoveryEntryKind.DEDUCTION)
    recoveries = [
        RecoveryRow(
            decided_on=timezone.localtime(r["decided_at"]).date(),
            basis_label=str(RecoveryBasis(r["basis"]).label)
            if r["basis"] in RecoveryBasis.values
            else r["basis"],
            reason=r["reason"],
            amount=_yuan(r["amount"]),
            deducted=_yuan(r["deducted"]),
            deducting=_yuan(r["deducting"]),
            repaid=_yuan(r["repaid"]),
            balance=_yuan(r["amount"] - r["deducted"] - r["deducting"] - r["repaid"]),
        )
        for r in Recovery.objects.filter(household_id=household.pk)
        .values("pk", "decided_at", "basis", "reason", "amount")
        .annotate(
            deducted=_sum("entries__amount", deduction & Q(entries__line__status=LineStatus.PAID)),
            deducting=_sum(
                "entries__amount",
                deduction & Q(entries__line__status__in=[LineStatus.PENDING, LineStatus.SENT]),
            ),
            repaid=_sum("entries__amount", Q(entries__kind=RecoveryEntryKind.REPAYMENT)),
        )
        .order_by("decided_at", "pk")
    ]
    others = intake_selectors.household_other_benefits(
        user=user, household_id=household.pk, exclude_programmes=cash_programme_codes()
    )
    return HappinessList(
        household=household, members=members, years=[years[y] for y in sorted(years)],
        totals=_totals(overall), owed=owed,
        recoveries=recoveries, others=others, as_of=clock.today(),
    )  # fmt: skip


# ---- the payment report ---------------------------------------------------------------------------------

GROUPINGS: dict[str, str] = {
    "programme": "救助项目",
    "township": "乡镇（街道）",
    "county": "县（市、区）",
    "month": "发放月份",
}
# The line column each grouping reads, and the same for a repayment (which belongs to no programme).
_LINE_KEY = {
    "programme": "programme",
    "township": "township_code",
    "county": "roll__county_id",
    "month": "roll__month",
}
_REPAY_KEY = {"township": "recovery__area__township_code", "county": "recovery__area__county_code"}
MAX_MONTHS = 120
REPAYMENT_KEY = ""  # the row of repayments when grouping by programme


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: str
    paid_count: int = 0
    paid_amount: Decimal = ZERO
    failed_count: int = 0
    failed_amount: Decimal = ZERO
    arrears_count: int = 0  # paid arrears (补发) lines, part of paid
    arrears_amount: Decimal = ZERO
    deducted: Decimal = ZERO  # recoveries deducted on paid lines
    repaid: Decimal = ZERO  # recoveries repaid by the household
    held_count: int = 0
    held_amount: Decimal = ZERO

    @property
    def recovered(self) -> Decimal:
        return self.deducted + self.repaid


@dataclass(frozen=True)
class ReportTable:
    group_by: str
    group_label: str
    first_month: dt.date
    last_month: dt.date
    rows: list[ReportRow]
    total: ReportRow


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 12 months, this one included."""
    last = months.first_of(today or clock.today())
    return months.add(last, -11), last


def _line_aggregates() -> dict[str, Any]:
    paid = Q(status=LineStatus.PAID)
    failed = Q(status=LineStatus.FAILED)
    held = Q(status=LineStatus.HELD)
    arrears = paid & Q(kind=LineKind.ARREARS)
    return {
        "paid_count": Count("id", filter=paid), "paid_amount": _sum("amount", paid),
        "failed_count": Count("id", filter=failed), "failed_amount": _sum("amount", failed),
        "arrears_count": Count("id", filter=arrears), "arrears_amount": _sum("amount", arrears),
        "deducted": _sum("deduction", paid),
        "held_count": Count("id", filter=held), "held_amount": _sum("gross", held),
    }  # fmt: skip


def _figures(row: Mapping[str, Any]) -> dict[str, Any]:
    """The aggregate columns of a row: counts as they are, amounts with two decimals."""
    return {k: (v if k.endswith("_count") else _yuan(v)) for k, v in row.items() if k != "key"}


def _key_text(value: Any) -> str:
    return value.isoformat()[:7] if isinstance(value, dt.date) else str(value or "")


def _labels(group_by: str, keys: set[str]) -> dict[str, str]:
    if group_by == "programme":
        names = programmes.labels()
        return {k: ("本人退回（不分项目）" if k == REPAYMENT_KEY else names.get(k, k)) for k in keys}
    if group_by == "month":
        return {k: months.label(dt.date.fromisoformat(k + "-01")) for k in keys}
    names = dict(Area.objects.filter(code__in=sorted(keys)).values_list("code", "name"))
    return {k: names.get(k, k or "—") for k in keys}


def _check_range(first_month: dt.date, last_month: dt.date) -> tuple[dt.date, dt.date]:
    first, last = months.first_of(first_month), months.first_of(last_month)
    if first > last:
        raise ValidationFailed.single("月份", "起始月份不能晚于截止月份")
    if months.between(first, last) >= MAX_MONTHS:
        raise ValidationFailed.single("月份", f"一次最多统计{MAX_MONTHS}个月")
    return first, last


def report_rows(
    *, user: Any, first_month: dt.date, last_month: dt.date, group_by: str = "programme"
) -> ReportTable:
    """Paid / failed / arrears / recovered / held — counts and amounts — of the roll lines in the user's
    area whose roll month lies in [first_month, last_month], grouped by `group_by` (one of GROUPINGS:
    programme, township, county, month); recovered = recoveries deducted on paid lines + repayments
    recorded in the range. Rows and the total are database aggregates over the lines (no names: safe for
    analysts). Raises ValidationFailed for an unknown grouping or a bad range, PermissionDenied without
    pay_read.

    >>> table = report_rows(user=u, first_month=dt.date(2026, 1, 1), last_month=dt.date(2026, 12, 1),
    ...                     group_by="township")  # doctest: +SKIP
    >>> [(r.label, r.paid_count, r.paid_amount) for r in table.rows]  # doctest: +SKIP
    [('临邑镇', 24, Decimal('15600.00'))]
    """
    if group_by not in GROUPINGS:
        raise ValidationFailed.single("分组", f"请选择分组方式（{'、'.join(GROUPINGS.values())}）")
    first, last = _check_range(first_month, last_month)
    lines = (
        selectors.lines_for_user(user=user).order_by().filter(roll__month__gte=first, roll__month__lte=last)
    )
    repayments = RecoveryEntry.objects.filter(
        user_scope_q(user, prefix="recovery__area"), kind=RecoveryEntryKind.REPAYMENT, on__gte=first,
        on__lte=months.last_day(last),
    ).order_by()  # fmt: skip
    found: dict[str, dict[str, Any]] = {}
    for row in lines.values(key=_line_key(group_by)).annotate(**_line_aggregates()):
        found[_key_text(row["key"])] = _figures(row)
    repaid: dict[str, Decimal] = {}
    for row in repayments.values(key=_repay_key(group_by)).annotate(total=_sum("amount")):
        repaid[_key_text(row["key"])] = _yuan(row["total"])
    names = _labels(group_by, set(found) | set(repaid))
    rows = [
        ReportRow(key=k, label=names[k], **found.get(k, {}), repaid=repaid.get(k, ZERO))
        for k in sorted(set(found) | set(repaid), key=lambda k: (k == REPAYMENT_KEY, k))
    ]
    total = ReportRow(
        key="total", label="合计", **_figures(lines.aggregate(**_line_aggregates())),
        repaid=_yuan(repayments.aggregate(total=_sum("amount"))["total"]),
    )  # fmt: skip
    return ReportTable(group_by, GROUPINGS[group_by], first, last, rows, total)


def _line_key(group_by: str) -> Any:
    from django.db.models import F

    return F(_LINE_KEY[group_by])


def _repay_key(group_by: str) -> Any:
    from django.db.models import F

    if group_by == "month":
        return TruncMonth("on")
    if group_by == "programme":
        return Value(REPAYMENT_KEY)
    return F(_REPAY_KEY[group_by])


@dataclass(frozen=True)
class AuthorityRow:
    year: int
    fund: str
    label: str
    authority: Decimal
    committed: Decimal

    @property
    def left(self) -> Decimal:
        return self.authority - self.committed


def authority_for_user(*, user: Any, first_month: dt.date, last_month: dt.date) -> list[AuthorityRow]:
    """Budget authority (资金指标) and what approved rolls committed against it, per fund and year of the
    range, for a county user's county (others: empty — authority is held per county)."""
    user_require(user, Capability.PAY_READ)
    area = getattr(user, "area", None)
    if area is None or area.level != AreaLevel.COUNTY:
        return []
    from dajiuzhu.payments.services import authority_position

    out = []
    for year in range(first_month.year, last_month.year + 1):
        for fund, figures in authority_position(county_code=area.code, year=year).items():
            if figures["authority"] or figures["committed"]:
                label = str(Fund(fund).label) if fund in Fund.values else fund
                out.append(AuthorityRow(year, fund, label, fen_to_yuan(figures["authority"]),
                                        fen_to_yuan(figures["committed"])))  # fmt: skip
    return out


# ---- Excel export of the report ------------------------------------------------------------------------

REPORT_COLUMNS: list[tuple[str, str]] = [
    ("发放成功（笔）", "paid_count"), ("发放成功（元）", "paid_amount"),
    ("发放失败（笔）", "failed_count"), ("发放失败（元）", "failed_amount"),
    ("其中补发（笔）", "arrears_count"), ("其中补发（元）", "arrears_amount"),
    ("抵扣追回（元）", "deducted"), ("本人退回（元）", "repaid"), ("追回合计（元）", "recovered"),
    ("暂缓发放（笔）", "held_count"), ("暂缓发放（元）", "held_amount"),
]  # fmt: skip


def report_xlsx(
    *,
    user: Any,
    first_month: dt.date,
    last_month: dt.date,
    group_by: str = "programme",
    ip: str | None = None,
) -> bytes:
    """The report table as .xlsx bytes (the same rows and total as the page). Audited as an export."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    table = report_rows(user=user, first_month=first_month, last_month=last_month, group_by=group_by)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("资金发放统计")
    sheet.column_dimensions["A"].width = 24
    for position in range(2, len(REPORT_COLUMNS) + 2):
        sheet.column_dimensions[get_column_letter(position)].width = 15
    area = getattr(user, "area", None)
    span = f"{months.label(table.first_month)}至{months.label(table.last_month)}"
    now = timezone.localtime()
    sheet.append([f"资金发放统计（{getattr(area, 'full_name', '') or getattr(area, 'name', '')}，{span}，"
                  f"按{table.group_label}）"])  # fmt: skip
    sheet.append([f"导出人：{user.username}；导出时间：{now:%Y-%m-%d %H:%M}；金额单位：元"])
    sheet.append([table.group_label, *[h for h, _ in REPORT_COLUMNS]])
    for row in [*table.rows, table.total]:
        sheet.append([row.label, *[getattr(row, f) for _, f in REPORT_COLUMNS]])
    out = io.BytesIO()
    workbook.save(out)
    audit_record(
        actor=user, action=AuditAction.EXPORT, subject_type="payments.report", subject_label="资金发放统计导出",
        area_code=getattr(area, "code", "") or "",
        after={"first_month": table.first_month.isoformat()[:7], "last_month": table.last_month.isoformat()[:7],
               "group_by": group_by, "rows": len(table.rows)},
        note=f"导出资金发放统计：{span}，按{table.group_label}，{len(table.rows)}行", ip=ip,
    )  # fmt: skip
    return out.getvalue()


# ---- the publication page (公布) --------------------------------------------------------------------------


@dataclass
class VillageRow:
    code: str
    name: str
    township: str
    households: int  # households with a payment of a published programme on the month's approved roll
    published: Any  # PublicList | None: the list up now
    withdrawn: list[Any]  # lists of the month withdrawn earlier


@dataclass
class RollState:
    county: str
    status_label: str
    committed: bool  # approved or later: its villages may be published


@dataclass
class PublishOverview:
    month: dt.date
    rolls: list[RollState]
    townships: list[Area]
    villages: list[VillageRow]

    @property
    def can_publish(self) -> bool:
        return any(r.committed for r in self.rolls)


def publish_overview(*, user: Any, month: dt.date | None = None, township: str = "") -> PublishOverview:
    """For a pay_admin: the villages of the user's area (of one township if given) with, for the month
    (default: the newest approved roll's), the list published, those withdrawn, and how many households
    the approved roll would publish."""
    from dajiuzhu.payments.models import Roll
    from dajiuzhu.payments.services import COMMITTED

    user_require(user, Capability.PAY_ADMIN)
    scope: Area = user.area
    within = Q(**{scope.level_column: scope.code})
    # The counties whose rolls the user's villages are paid by (a county user: their own).
    county_q = Q(code=scope.county_code) if scope.level >= AreaLevel.COUNTY else within
    counties = dict(Area.objects.filter(county_q, level=AreaLevel.COUNTY).values_list("code", "name"))
    rolls = Roll.objects.filter(county_id__in=list(counties))
    if month is None:
        newest = rolls.filter(status__in=COMMITTED).order_by("-month").values_list("month", flat=True).first()
        month = newest or months.first_of(clock.today())
    month = months.first_of(month)
    states = [
        RollState(counties[r.county_id], r.get_status_display(), r.status in COMMITTED)
        for r in rolls.filter(month=month).order_by("county_id")
    ]
    townships = list(Area.objects.filter(within, level=AreaLevel.TOWNSHIP, is_active=True).order_by("code"))
    villages = Area.objects.filter(within, level=AreaLevel.VILLAGE, is_active=True)
    if township:
        villages = villages.filter(township_code=township)
    public = set()
    for county in counties:
        public.update(programmes.public_programmes(on=month, region=county))
    households = dict(
        RollLine.objects.filter(
            roll__county_id__in=list(counties), roll__month=month, roll__status__in=COMMITTED,
            programme__in=sorted(public), status__in=LIVE,
        )
        .values("area__village_code")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("area__village_code", "n")
    )  # fmt: skip
    lists: dict[str, list[Any]] = {}
    for plist in selectors.public_lists_for_user(user=user, month=month).select_related("withdrawn_by"):
        lists.setdefault(plist.village_id, []).append(plist)
    names = dict(Area.objects.filter(within, level=AreaLevel.TOWNSHIP).values_list("code", "name"))
    rows = []
    for village in villages.order_by("code"):
        mine = lists.get(village.code, [])
        rows.append(
            VillageRow(
                code=village.code,
                name=village.name,
                township=names.get(village.township_code, ""),
                households=households.get(village.code, 0),
                published=next((p for p in mine if p.withdrawn_at is None), None),
                withdrawn=[p for p in mine if p.withdrawn_at is not None],
            )
        )
    return PublishOverview(month=month, rolls=states, townships=townships, villages=rows)
