"""Pages of the monthly roll (发放名册): the list with the form that prepares one, the roll with its steps
(HTMX forms, each with the version the page showed), its lines with an Excel export, the bank files and
the county's budget authority (资金指标).

Thin: parse the request, call payments.selectors or payments.services, render. A refused step comes back
in place with the message (and, for a bank's result file, every row at fault); nothing changed.
Account numbers never leave here in full: the bank's name and the last four digits.
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dajiuzhu.accounts.models import User
from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.areas.models import Area
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock, months
from dajiuzhu.core.db import MoneySum
from dajiuzhu.core.downloads import XLSX, xlsx_response
from dajiuzhu.core.errors import DomainError, NotFound, ValidationFailed
from dajiuzhu.core.money import fen_to_yuan
from dajiuzhu.core.net import client_ip
from dajiuzhu.payments import bankfiles, programmes, selectors, services
from dajiuzhu.payments.errors import RollNotInStatus
from dajiuzhu.payments.models import (
    LIVE,
    BankFile,
    BudgetAuthority,
    Fund,
    LineKind,
    LineStatus,
    Roll,
    RollLine,
    RollStatus,
)

PAGE_SIZE = 50
STEPS = [RollStatus.DRAFT, RollStatus.LOCKED, RollStatus.APPROVED, RollStatus.ISSUED, RollStatus.RETURNED,
         RollStatus.RECONCILED, RollStatus.CLOSED]  # fmt: skip
LINE_FILTERS = ("status", "programme", "kind", "township", "q")


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _version(request: HttpRequest) -> int | None:
    raw = (request.POST.get("version") or "").strip()
    return int(raw) if raw.isdigit() else None


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


# ---- read helpers (shared with the API) ----------------------------------------------------------------


def money(value: Decimal | int | None) -> str:
    """Yuan with two decimals ("650.00"); an int is fen."""
    if value is None:
        return "0.00"
    if isinstance(value, int):
        return f"{fen_to_yuan(value)}"
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


def bank_labels() -> dict[str, str]:
    """Bank code → the bank's name (中国邮政储蓄银行 …), as a payee knows their card."""
    return {code: fmt.bank for code, fmt in bankfiles.load_formats().items()}


def masked_account(bank_names: dict[str, str], bank: str, number: str) -> str:
    """「山东农信 ****1234」: the bank's name and the last four digits, never the full number."""
    if not number:
        return ""
    return f"{bank_names.get(bank, bank)} ****{number[-4:]}".strip()


def counties_for_user(user: Any) -> list[Area]:
    """The counties a user works in or over (their own county for a township or village user)."""
    area = getattr(user, "area", None)
    if area is None:
        return []
    if area.level >= 3:
        return list(Area.objects.filter(code=area.county_code, level=3))
    return list(Area.objects.filter(level=3, **{area.level_column: area.code}).order_by("code"))


def default_month(user: Any) -> str:
    """The month the prepare form suggests: this month, or next month once this month's roll exists."""
    today = clock.today()
    this = months.first_of(today)
    newest = selectors.rolls_for_user(user=user).order_by("-month").values_list("month", flat=True).first()
    month = months.add(this, 1) if newest is not None and newest >= this else this
    return f"{month:%Y-%m}"


def own_township(user: Any) -> str:
    """The township a township reviewer checks (a user above or below that level checks none)."""
    area = getattr(user, "area", None)
    return area.code if area is not None and area.level == 4 else ""


def check_version(roll: Roll, version: int | None) -> None:
    """For the two steps whose service takes no version (regenerate, township check): refuse a stale page."""
    if version is not None and roll.version != version:
        raise RollNotInStatus("发放名册已被他人处理，请刷新后重试")


def roll_totals(user: Any, rolls: list[Roll]) -> dict[int, dict[str, Any]]:
    """Per roll: the lines the user may see and what is payable on them."""
    rows = (
        selectors.lines_for_user(user=user)
        .filter(roll_id__in=[r.pk for r in rolls])
        .order_by()
        .values("roll_id")
        .annotate(n=Count("id"), payable=MoneySum("amount", filter=Q(status__in=LIVE)))
    )
    return {r["roll_id"]: {"count": r["n"], "payable": r["payable"] or Decimal(0)} for r in rows}


def funds_visible(user: Any, roll: Roll) -> bool:
    # The funds check is county-wide: for those whose area covers the county, not a village's view.
    area = getattr(user, "area", None)
    return area is not None and roll.county.is_within(area)


def funds_rows(roll: Roll) -> list[dict[str, Any]]:
    """services.roll_funds in yuan, with what a negative balance exceeds."""
    out = []
    for f in services.roll_funds(roll):
        left = f["authority"] - f["committed"]
        out.append({
            "fund": f["fund"], "label": f["label"], "authority": money(f["authority"]),
            "committed": money(f["committed"]), "available": money(left), "this": money(f["this"]),
            "left_after": money(f["left_after"]), "short": f["left_after"] < 0,
            "exceeds": money(-f["left_after"]) if f["left_after"] < 0 else "",
        })  # fmt: skip
    return out


def summary_rows(user: Any, roll: Roll) -> dict[str, Any]:
    """selectors.roll_summary shaped for a page or the API (money as text)."""
    s = selectors.roll_summary(user=user, roll=roll)
    kinds = []
    for kind in LineKind:
        t = s.by_kind.get(kind.value)
        kinds.append({"kind": kind.value, "label": str(kind.label), "count": t.count if t else 0,
                      "amount": money(t.amount if t else Decimal(0))})  # fmt: skip
    statuses = []
    for status in LineStatus:
        t = s.by_status.get(status.value)
        if t is not None:
            statuses.append({"status": status.value, "label": str(status.label), "count": t.count,
                             "amount": money(t.amount)})  # fmt: skip
    townships = []
    for row in s.by_township:
        check = row["check"]
        townships.append({
            "code": row["township_code"], "name": row["name"], "count": row["n"], "amount": money(row["t"]),
            "held": row["held"], "checked": check is not None,
            "checked_by": str(check.checked_by) if check else "", "checked_at": check.checked_at if check else None,
            "checked_count": check.line_count if check else 0, "checked_total": money(check.total) if check else "",
            "note": check.note if check else "",
        })  # fmt: skip
    return {
        "count": s.count, "gross": money(s.gross), "deduction": money(s.deduction), "payable": money(s.payable),
        "by_programme": [
            {"programme": r["programme"], "label": r["label"], "count": r["n"], "gross": money(r["gross"]),
             "deduction": money(r["deduction"]), "net": money(r["t"]), "held": r["held"]}
            for r in s.by_programme
        ],
        "by_kind": kinds, "by_status": statuses, "by_township": townships,
    }  # fmt: skip


def line_filters(params: Any) -> dict[str, str]:
    return {k: str(params.get(k, "") or "").strip() for k in LINE_FILTERS}


def filtered_lines(user: Any, roll: Roll, filters: dict[str, str]) -> QuerySet[RollLine]:
    for key, choices in (("status", LineStatus), ("kind", LineKind)):
        if filters.get(key) and filters[key] not in choices.values:
            raise ValidationFailed.single(key, f"不是有效选项，可选：{'、'.join(choices.values)}")
    return selectors.lines_for_user(user=user, roll=roll, **{k: filters.get(k, "") for k in LINE_FILTERS})


def line_rows(lines: Any) -> list[dict[str, Any]]:
    """Lines as rows for a page, the Excel export or the API: labels, village, masked account."""
    rows = list(lines)
    names = bank_labels()
    labels = programmes.labels()
    villages = dict(
        Area.objects.filter(
            code__in={ln.area.village_code for ln in rows if ln.area.village_code}
        ).values_list("code", "name")
    )
    out = []
    for ln in rows:
        out.append({
            "id": ln.pk, "reference": ln.reference, "kind": ln.kind, "kind_label": ln.get_kind_display(),
            "programme": ln.programme, "programme_label": labels.get(ln.programme, ln.programme),
            "period": ln.period, "period_label": months.label(ln.period), "beneficiary_name": ln.beneficiary_name,
            "household_id": ln.household_id, "household_number": ln.household.number,
            "area_code": ln.area_id, "village": villages.get(ln.area.village_code, ln.area.name),
            "township_code": ln.township_code,
            "gross": money(ln.gross), "deduction": money(ln.deduction), "amount": money(ln.amount),
            "bank": ln.bank, "bank_name": names.get(ln.bank, ln.bank),
            "account": masked_account(names, ln.bank, ln.account_number), "holder_name": ln.holder_name,
            "status": ln.shown_status, "status_label": ln.shown_status_label,
            "hold_reason": ln.hold_reason, "fail_reason": ln.fail_reason, "paid_on": ln.paid_on,
        })  # fmt: skip
    return out


def lines_xlsx(*, user: Any, roll: Roll, filters: dict[str, str], ip: str | None = None) -> bytes:
    """The filtered lines as .xlsx (accounts masked); audited as an export."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    lines = filtered_lines(user, roll, filters)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("发放明细")
    headers = ["流水号", "类型", "项目", "所属月份", "受益人", "户编号", "村（社区）", "应发金额", "抵扣追回款",
               "实发金额", "收款账户", "账户户名", "状态", "暂缓/失败原因"]  # fmt: skip
    widths = [24, 8, 22, 12, 10, 20, 18, 12, 12, 12, 22, 10, 10, 40]
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    described = "；".join(f"{k}={v}" for k, v in filters.items() if v) or "全部"
    sheet.append([f"{roll.county.name}{months.label(roll.month)}发放明细。银行账号已脱敏。导出人：{user.username}；"
                  f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}；条件：{described}"])  # fmt: skip
    sheet.append(headers)

    def text(value: str) -> Any:
        # Text starting with "=" would be written as a formula; keep it plain.
        if value.startswith("="):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            return cell
        return value

    count = 0
    for start in range(0, lines.count(), 5000):
        for r in line_rows(lines[start : start + 5000]):
            sheet.append([
                r["reference"], r["kind_label"], r["programme_label"], r["period_label"], text(r["beneficiary_name"]),
                r["household_number"], r["village"], Decimal(r["gross"]), Decimal(r["deduction"]),
                Decimal(r["amount"]), r["account"], text(r["holder_name"]), r["status_label"],
                text(r["hold_reason"] or r["fail_reason"]),
            ])  # fmt: skip
            count += 1
    out = io.BytesIO()
    workbook.save(out)
    audit_record(
        actor=user, action=AuditAction.EXPORT, subject_type="payments.roll", subject_id=roll.pk,
        subject_label=f"{roll.county.name}{months.label(roll.month)}发放明细导出", area_code=roll.county_id,
        after={"filters": described, "rows": count}, note=f"导出发放明细：条件 {described}；共{count}行", ip=ip,
    )  # fmt: skip
    return out.getvalue()


def bank_file_response(*, user: Any, bank_file: BankFile, ip: str | None = None) -> HttpResponse:
    """The stored bytes of a bank file under its stored name; audited as an export."""
    content = bytes(bank_file.content)
    guessed, _ = mimetypes.guess_type(bank_file.filename)
    if bank_file.filename.lower().endswith(".xlsx"):
        content_type = XLSX
    elif guessed is None or guessed.startswith("text/"):
        fmt = bankfiles.load_formats().get(bank_file.bank)
        charset = bankfiles.ENCODINGS.get(fmt.encoding, fmt.encoding) if fmt is not None else "utf-8"
        content_type = f"{guessed or 'text/plain'}; charset={charset}"
    else:
        content_type = guessed
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=bank_file.filename
    )
    response["X-Content-SHA256"] = bank_file.sha256
    audit_record(
        actor=user, action=AuditAction.EXPORT, subject_type="payments.bank_file", subject_id=bank_file.pk,
        subject_label=f"报盘文件 {bank_file.filename}", area_code=bank_file.roll.county_id,
        after={"sha256": bank_file.sha256, "lines": bank_file.line_count, "total": money(bank_file.total)},
        note=f"下载报盘文件 {bank_file.filename}", ip=ip,
    )  # fmt: skip
    return response


def authorities_for(county: Area, year: int) -> list[BudgetAuthority]:
    return list(BudgetAuthority.objects.filter(county=county, year=year).select_related("created_by"))


def position_rows(county: Area, year: int) -> list[dict[str, Any]]:
    position = services.authority_position(county_code=county.code, year=year)
    out = []
    for fund in Fund:
        pos = position.get(fund.value, {"authority": 0, "committed": 0})
        left = pos["authority"] - pos["committed"]
        out.append({"fund": fund.value, "label": str(fund.label), "authority": money(pos["authority"]),
                    "committed": money(pos["committed"]), "left": money(left), "short": left < 0})  # fmt: skip
    return out


# ---- 1. 发放名册列表 ----------------------------------------------------------------------------------------


def _list_context(request: HttpRequest, error: DomainError | None = None) -> dict[str, Any]:
    user = _user(request)
    county = (request.GET.get("county") or "").strip()
    rolls = list(selectors.rolls_for_user(user=user, county_code=county)[:240])
    totals = roll_totals(user, rolls)
    rows = [{"roll": r, "count": totals.get(r.pk, {}).get("count", 0),
             "payable": money(totals.get(r.pk, {}).get("payable"))} for r in rolls]  # fmt: skip
    counties = counties_for_user(user)
    values = request.POST if error else {}
    return {
        "rows": rows, "counties": counties, "can_prepare": user.can(Capability.PAY_PREPARE),
        "month": values.get("month") or default_month(user),
        "county": values.get("county") or (counties[0].code if len(counties) == 1 else ""),
        "error": error,
    }  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def roll_list(request: HttpRequest) -> HttpResponse:
    """The rolls the user may see; a county clerk prepares (or regenerates) a month's draft here."""
    user = _user(request)
    user_require(user, Capability.PAY_READ)
    if request.method == "POST":
        try:
            roll = services.roll_prepare(
                user=user, county_code=request.POST.get("county", ""), month=request.POST.get("month", ""),
                ip=client_ip(request),
            )  # fmt: skip
        except NotFound:
            raise
        except DomainError as exc:
            return render(request, "payments/roll_list.html", _list_context(request, exc), status=exc.status)
        n = RollLine.objects.filter(roll=roll).count()
        messages.success(
            request, f"已生成{roll.county.name}{months.label(roll.month)}发放名册（草稿），共{n}笔"
        )
        return redirect("payments:roll", roll_id=roll.pk)
    return render(request, "payments/roll_list.html", _list_context(request))


# ---- 2. 发放名册 and its steps --------------------------------------------------------------------------------

ACTION_LABELS = {
    "regenerate": "重新生成", "township_check": "乡镇核对", "lock": "锁定", "unlock": "退回草稿", "approve": "审批",
    "issue": "生成报盘文件", "reconcile": "对账", "close": "关闭",
}  # fmt: skip


def _actions(user: User, roll: Roll) -> list[str]:
    """The buttons valid for the roll's status and the user's capabilities. The services check the same
    again; this only keeps buttons off the page that would be refused."""
    out: list[str] = []
    prepare = user.can(Capability.PAY_PREPARE)
    if roll.status == RollStatus.DRAFT:
        if prepare:
            out += ["regenerate", "lock"]
        if user.can(Capability.PAY_CHECK) and own_township(user):
            out.append("township_check")
    elif roll.status == RollStatus.LOCKED:
        if prepare:
            out.append("unlock")
        if user.can(Capability.PAY_APPROVE):
            out.append("approve")
    elif roll.status == RollStatus.APPROVED and prepare:
        out.append("issue")
    elif roll.status == RollStatus.RETURNED and prepare:
        out.append("reconcile")
    elif roll.status == RollStatus.RECONCILED and prepare:
        out.append("close")
    return out


def _bank_file_rows(user: User, roll: Roll) -> list[dict[str, Any]]:
    if not user.can(Capability.PAY_PREPARE) or roll.status in (RollStatus.DRAFT, RollStatus.LOCKED):
        return []
    names = bank_labels()
    rows = []
    for f in selectors.bank_files_for_roll(user=user, roll=roll):
        ret = getattr(f, "bank_return", None)
        rows.append({
            "file": f, "bank_name": names.get(f.bank, f.bank), "total": money(f.total), "ret": ret,
            "paid_total": money(ret.paid_total) if ret else "", "failed_total": money(ret.failed_total) if ret else "",
            "can_return": ret is None and roll.status == RollStatus.ISSUED,
        })  # fmt: skip
    return rows


def _people(roll: Roll) -> list[tuple[str, Any, Any]]:
    return [
        ("编制", roll.prepared_by, roll.prepared_at), ("锁定", roll.locked_by, roll.locked_at),
        ("审批", roll.approved_by, roll.approved_at), ("关闭", roll.closed_by, roll.closed_at),
    ]  # fmt: skip


def _actions_context(request: HttpRequest, roll: Roll) -> dict[str, Any]:
    user = _user(request)
    township = own_township(user)
    summary_check = None
    if township and roll.status == RollStatus.DRAFT:
        summary_check = roll.township_checks.filter(township_id=township).select_related("checked_by").first()
    return {
        "roll": roll, "actions": _actions(user, roll), "bank_files": _bank_file_rows(user, roll),
        "is_preparer": user.pk == roll.prepared_by_id, "is_locker": user.pk == roll.locked_by_id,
        "own_check": summary_check, "values_for": {}, "error": None, "error_action": "", "error_file": None,
    }  # fmt: skip


def _detail_context(request: HttpRequest, roll: Roll) -> dict[str, Any]:
    user = _user(request)
    position = STEPS.index(RollStatus(roll.status))
    steps = [{"label": str(s.label), "state": "done" if i < position else "current" if i == position else "todo"}
             for i, s in enumerate(STEPS)]  # fmt: skip
    return {
        **_actions_context(request, roll), "steps": steps, "people": _people(roll),
        "summary": summary_rows(user, roll),
        "funds": funds_rows(roll) if funds_visible(user, roll) else None,
    }  # fmt: skip


def _roll(request: HttpRequest, roll_id: int) -> Roll:
    return selectors.roll_get_for_user(user=request.user, roll_id=roll_id)


@login_required
@require_GET
def roll_view(request: HttpRequest, roll_id: int) -> HttpResponse:
    roll = _roll(request, roll_id)
    return render(request, "payments/roll_detail.html", _detail_context(request, roll))


def _step(request: HttpRequest, roll: Roll, action: str) -> str:
    """Call the service of one step; returns the success message."""
    user, p, ip, version = _user(request), request.POST, client_ip(request), _version(request)
    common: dict[str, Any] = {"user": user, "roll_id": roll.pk, "version": version, "ip": ip}

    def regenerate() -> Any:
        check_version(roll, version)
        return services.roll_prepare(user=user, county_code=roll.county_id, month=roll.month, ip=ip)

    def township_check() -> Any:
        check_version(roll, version)
        return services.township_check(user=user, roll_id=roll.pk, township_code=own_township(user),
                                       note=p.get("note", ""), ip=ip)  # fmt: skip

    steps: dict[str, Callable[[], Any]] = {
        "regenerate": regenerate,
        "township_check": township_check,
        "lock": lambda: services.roll_lock(**common),
        "unlock": lambda: services.roll_unlock(**common, reason=p.get("reason", "")),
        "approve": lambda: services.roll_approve(**common),
        "issue": lambda: services.roll_issue(**common),
        "reconcile": lambda: services.roll_reconcile(**common),
        "close": lambda: services.roll_close(**common),
    }
    if action not in steps:
        raise NotFound("没有这个办理环节")
    steps[action]()
    return f"已办理：{ACTION_LABELS[action]}"


def _done(request: HttpRequest, roll: Roll) -> HttpResponse:
    url = reverse("payments:roll", args=[roll.pk])
    if _is_htmx(request):
        # The whole page changes with the status (steps, summary, funds): load it again.
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _refused(
    request: HttpRequest, roll_id: int, exc: DomainError, action: str, file_id: int | None = None
) -> HttpResponse:
    roll = _roll(request, roll_id)
    extra = {
        "error": exc,
        "error_action": action,
        "error_file": file_id,
        "values_for": {action: request.POST},
    }
    if _is_htmx(request):
        context = {**_actions_context(request, roll), **extra}
        return render(request, "payments/_roll_actions.html", context, status=exc.status)
    context = {**_detail_context(request, roll), **extra}
    return render(request, "payments/roll_detail.html", context, status=exc.status)


@login_required
@require_POST
def roll_act(request: HttpRequest, roll_id: int, action: str) -> HttpResponse:
    """One step from the roll page. Success → the page again (PRG, or HX-Redirect); a refusal → the
    actions again with the message in place, nothing changed."""
    roll = _roll(request, roll_id)
    try:
        message = _step(request, roll, action)
    except NotFound:
        raise
    except DomainError as exc:
        return _refused(request, roll.pk, exc, action)
    messages.success(request, message)
    return _done(request, roll)


@login_required
@require_POST
def bank_file_return(request: HttpRequest, bank_file_id: int) -> HttpResponse:
    """导入回盘: the bank's result file for one bank file, applied whole or refused with every row at fault."""
    user = _user(request)
    bank_file = selectors.bank_file_get_for_user(user=user, bank_file_id=bank_file_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationFailed.single("回盘文件", "请选择银行返回的回盘文件")
        if upload.size is not None and upload.size > settings.DAJIUZHU_IMPORT_MAX_BYTES:
            limit_mb = settings.DAJIUZHU_IMPORT_MAX_BYTES / 1024 / 1024
            raise ValidationFailed.single("回盘文件", f"文件大小超过上限（{limit_mb:.0f} MB）")
        record = services.return_import(user=user, bank_file_id=bank_file.pk, filename=upload.name or "",
                                        content=upload.read(), ip=client_ip(request))  # fmt: skip
    except NotFound:
        raise
    except DomainError as exc:
        return _refused(request, bank_file.roll_id, exc, "return", bank_file.pk)
    messages.success(
        request,
        f"已导入回盘 {record.filename}：成功{record.paid_count}笔{money(record.paid_total)}元，"
        f"失败{record.failed_count}笔{money(record.failed_total)}元",
    )
    return _done(request, bank_file.roll)


@login_required
@require_GET
def bank_file_download(request: HttpRequest, bank_file_id: int) -> HttpResponse:
    user = _user(request)
    bank_file = selectors.bank_file_get_for_user(user=user, bank_file_id=bank_file_id)
    return bank_file_response(user=user, bank_file=bank_file, ip=client_ip(request))


# ---- 3. 发放明细 ---------------------------------------------------------------------------------------------


def _township_choices(user: Any, roll: Roll) -> list[Area]:
    area = getattr(user, "area", None)
    qs = Area.objects.filter(county_code=roll.county_id, level=4).order_by("code")
    if area is not None and area.level >= 4:
        qs = qs.filter(code=area.township_code)
    return list(qs)


@login_required
@require_GET
def roll_lines(request: HttpRequest, roll_id: int) -> HttpResponse:
    user = _user(request)
    roll = _roll(request, roll_id)
    filters = line_filters(request.GET)
    lines = filtered_lines(user, roll, filters)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = programmes.labels()
    present = selectors.lines_for_user(user=user, roll=roll).order_by().values_list("programme", flat=True)
    context = {
        "roll": roll, "page": page, "rows": line_rows(page.object_list), "filters": filters,
        "statuses": LineStatus.choices, "kinds": LineKind.choices,
        "programmes": [(code, labels.get(code, code)) for code in sorted(set(present))],
        "townships": _township_choices(user, roll),
    }  # fmt: skip
    if _is_htmx(request):
        return render(request, "payments/_roll_lines_rows.html", context)
    return render(request, "payments/roll_lines.html", context)


@login_required
@require_GET
def roll_lines_xlsx(request: HttpRequest, roll_id: int) -> HttpResponse:
    user = _user(request)
    roll = _roll(request, roll_id)
    content = lines_xlsx(user=user, roll=roll, filters=line_filters(request.GET), ip=client_ip(request))
    return xlsx_response(content, f"发放明细-{roll.county.name}-{months.period(roll.month)}.xlsx")


# ---- 4. 资金指标 ---------------------------------------------------------------------------------------------


def _year(raw: str | None) -> int:
    text = (raw or "").strip()
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return clock.today().year


@login_required
@require_http_methods(["GET", "POST"])
def authorities(request: HttpRequest) -> HttpResponse:
    """The budget authority of a county for a year, what approved rolls have committed, what is left."""
    user = _user(request)
    user_require(user, Capability.PAY_READ)
    counties = counties_for_user(user)
    params = request.POST if request.method == "POST" else request.GET
    wanted = (params.get("county") or "").strip()
    county = next((c for c in counties if c.code == wanted), counties[0] if counties else None)
    if county is None:
        raise NotFound("您的账户没有所属的县（市、区）")
    year = _year(params.get("year"))
    error: DomainError | None = None
    if request.method == "POST":
        try:
            services.authority_create(
                user=user, county_code=county.code, fund=request.POST.get("fund", ""), year=request.POST.get("year", ""),
                document_number=request.POST.get("document_number", ""), amount=request.POST.get("amount", ""),
                account=request.POST.get("account", ""), ip=client_ip(request),
            )  # fmt: skip
        except NotFound:
            raise
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, f"已录入资金指标「{request.POST.get('document_number', '').strip()}」")
            return redirect(f"{reverse('payments:authorities')}?county={county.code}&year={year}")
    rows = [{"a": a, "amount": money(a.amount)} for a in authorities_for(county, year)]
    context = {
        "counties": counties, "county": county, "year": year, "rows": rows, "position": position_rows(county, year),
        "funds": Fund.choices, "can_add": user.can(Capability.PAY_ADMIN), "error": error,
        "values": request.POST if error else {}, "years": list(range(clock.today().year + 1, clock.today().year - 5, -1)),
    }  # fmt: skip
    return render(request, "payments/authorities.html", context, status=error.status if error else 200)
