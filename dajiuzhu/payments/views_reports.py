"""Pages of 幸福清单, the payment report (and its Excel export) and the publication of village lists
(公布). Thin: read the request, call payments.reports / services, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dajiuzhu.core import months
from dajiuzhu.core.errors import DomainError, ValidationFailed
from dajiuzhu.core.net import client_ip
from dajiuzhu.payments import reports, services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month(raw: str | None, field: str, default: dt.date) -> dt.date:
    return _month_or_none(raw, field) or default


def _month_or_none(raw: str | None, field: str) -> dt.date | None:
    """ "2026-12" → 2026-12-01, "" → None; anything else is a ValidationFailed naming the field."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return months.parse(text)
    except ValueError as exc:
        raise ValidationFailed.single(field, str(exc)) from exc


# ---- 幸福清单 ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def household_benefits(request: HttpRequest, household_id: int) -> HttpResponse:
    happiness = reports.household_benefits(
        user=request.user, household_id=household_id, ip=client_ip(request)
    )
    return render(request, "payments/benefits.html", {"h": happiness, "household": happiness.household})


# ---- the report -------------------------------------------------------------------------------------------


def _report_query(request: HttpRequest) -> tuple[dt.date, dt.date, str]:
    first, last = reports.default_range()
    first = _month(request.GET.get("from"), "起始月份", first)
    last = _month(request.GET.get("to"), "截止月份", last)
    group = (request.GET.get("group") or "programme").strip()
    return first, last, group


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    first, last = reports.default_range()
    group = "programme"
    context: dict[str, Any] = {"groupings": reports.GROUPINGS, "table": None, "authority": [], "error": None}
    status = 200
    try:
        first, last, group = _report_query(request)
        context["table"] = reports.report_rows(
            user=request.user, first_month=first, last_month=last, group_by=group
        )
        context["authority"] = reports.authority_for_user(
            user=request.user, first_month=first, last_month=last
        )
    except ValidationFailed as exc:
        context["error"], status = exc, exc.status
    context.update(
        first=f"{first:%Y-%m}", last=f"{last:%Y-%m}", group=group,
        query=urlencode({"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}", "group": group}),
    )  # fmt: skip
    return render(request, "payments/report.html", context, status=status)


@login_required
@require_GET
def report_xlsx(request: HttpRequest) -> HttpResponse:
    first, last, group = _report_query(request)
    content = reports.report_xlsx(
        user=request.user, first_month=first, last_month=last, group_by=group, ip=client_ip(request)
    )
    response = HttpResponse(content, content_type=XLSX)
    filename = f"资金发放统计-{months.period(first)}-{months.period(last)}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# ---- 公布 -------------------------------------------------------------------------------------------------


def _publish_page(request: HttpRequest, *, month: dt.date | None, township: str, errors: list[str] | None = None,
                  status: int = 200) -> HttpResponse:  # fmt: skip
    overview = reports.publish_overview(user=request.user, month=month, township=township)
    return render(
        request, "payments/publish.html",
        {"o": overview, "month": f"{overview.month:%Y-%m}", "township": township, "errors": errors or []},
        status=status,
    )  # fmt: skip


def _back(month: str, township: str) -> HttpResponse:
    query = urlencode({k: v for k, v in (("month", month), ("township", township)) if v})
    return redirect(f"{reverse('payments:publish')}?{query}")


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    township = (source.get("township") or "").strip()
    month = _month_or_none(source.get("month"), "月份")
    if request.method == "GET":
        return _publish_page(request, month=month, township=township)
    codes = [c.strip() for c in request.POST.getlist("villages") if c.strip()]
    if month is None or not codes:
        return _publish_page(request, month=month, township=township, errors=["请选择月份和要公布的村（社区）"],
                             status=400)  # fmt: skip
    done, errors, status = [], [], 200
    for code in codes:
        try:
            plist = services.public_list_publish(
                user=request.user, village_code=code, month=month, ip=client_ip(request)
            )
        except DomainError as exc:
            errors.append(f"{code}：{exc.message}")
            status = max(status, exc.status)
        else:
            done.append(f"{plist.village.name}（{plist.entries.count()}条）")
    if done:
        messages.success(request, f"已公布{months.label(month)}发放名单：{'、'.join(done)}")
    if errors:
        return _publish_page(request, month=month, township=township, errors=errors, status=status)
    return _back(f"{month:%Y-%m}", township)


@login_required
@require_POST
def publish_withdraw(request: HttpRequest, list_id: int) -> HttpResponse:
    month = (request.POST.get("month") or "").strip()
    township = (request.POST.get("township") or "").strip()
    try:
        plist = services.public_list_withdraw(
            user=request.user, list_id=list_id, reason=request.POST.get("reason") or "", ip=client_ip(request)
        )
    except DomainError as exc:
        return _publish_page(
            request,
            month=_month_or_none(month, "月份"),
            township=township,
            errors=[exc.message],
            status=exc.status,
        )
    messages.success(request, f"已撤回{plist.village.name}{months.label(plist.month)}的发放名单公布")
    return _back(month or f"{plist.month:%Y-%m}", township)
