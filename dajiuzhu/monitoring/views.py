"""Pages of monitoring (phone-friendly): the KPI dashboard with its Excel export, my visit tasks, a
task with its visit form, feed upload with the delivery result, the rules in force, and the active
discovery (12349 / petition / door-to-door) report form. Thin: services and selectors do the work."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dajiuzhu.accounts.models import Department, User
from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock
from dajiuzhu.core.downloads import xlsx_response
from dajiuzhu.core.errors import DomainError, ValidationFailed
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.core.net import client_ip
from dajiuzhu.rules.explain import yuan

from . import feeds, selectors, services
from .models import DiscoveryChannel, FeedIssue, Outcome, TaskStatus
from .policy import load_policy, rule_label, rules_table


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _date(raw: str | None, field: str, default: dt.date) -> dt.date:
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ValidationFailed.single(field, f"“{raw}”不是有效日期（应为 YYYY-MM-DD）") from exc


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = clock.today()
    start = _date(request.GET.get("start"), "起始日期", today.replace(month=1, day=1))
    end = _date(request.GET.get("end"), "截止日期", today)
    if end < start:
        raise ValidationFailed.single("截止日期", "不能早于起始日期")
    return start, end


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    start, end = _period(request)
    rows, total = selectors.kpis_for_user(user=user, start=start, end=end)
    return render(request, "monitoring/dashboard.html", {
        "rows": rows, "total": total, "start": start, "end": end,
        "can_admin": user.can(Capability.MONITOR_ADMIN), "can_visit": user.can(Capability.MONITOR_VISIT),
    })  # fmt: skip


@login_required
def kpi_export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    user = _user(request)
    start, end = _period(request)
    rows, total = selectors.kpis_for_user(user=user, start=start, end=end)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "监测预警指标"
    ws.append(
        [
            f"{user.area.name if user.area else ''} 动态监测预警指标（预警日期 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}）"
        ]
    )
    ws.append(["区划代码", "区域", "预警数", "已走访", "按时走访", "按时走访率", "发起救助", "退出救助家庭"])
    for r in [*rows, total]:
        ws.append([r.code, r.name, r.alerts, r.visited, r.visited_on_time, r.on_time_rate, r.assistance_started,
                   r.leaving])  # fmt: skip
    buffer = io.BytesIO()
    wb.save(buffer)
    audit_record(actor=user, action=AuditAction.EXPORT, subject_type="monitoring_kpis", subject_label="监测预警指标",
                 area_code=user.area_id or "", ip=client_ip(request))  # fmt: skip
    return xlsx_response(buffer.getvalue(), f"monitoring-kpis-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    show_all = request.GET.get("all") == "1"
    today = clock.today()
    items = list(selectors.tasks_for_user(user=user, open_only=not show_all, today=today)[:200])
    for t in items:
        t.rule_label = rule_label(t.alert.rule)  # type: ignore[attr-defined]
        t.is_overdue = t.status != TaskStatus.DONE and (  # type: ignore[attr-defined]
            t.visit_due < today or (t.status == TaskStatus.PENDING and t.triage_due < today)
        )
    return render(request, "monitoring/tasks.html", {"tasks": items, "show_all": show_all, "today": today})


@login_required
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    user = _user(request)
    task = selectors.task_get_for_user(user=user, task_id=task_id)
    error: DomainError | None = None
    if request.method == "POST":
        user_require(user, Capability.MONITOR_VISIT)
        version = int(request.POST.get("version") or 0) or None
        try:
            if request.POST.get("action") == "triage":
                services.task_triage(user=user, task_id=task.pk, note=request.POST.get("note", ""),
                                     version=version, ip=client_ip(request))  # fmt: skip
                messages.success(request, "已研判，请按期入户走访")
            else:
                visit = services.visit_record(
                    user=user, task_id=task.pk,
                    visited_on=_date(request.POST.get("visited_on"), "走访日期", clock.today()),
                    visitors=request.POST.get("visitors", ""), findings=request.POST.get("findings", ""),
                    outcome=request.POST.get("outcome", ""), item=request.POST.get("item", ""),
                    department=request.POST.get("department", ""),
                    authorisation=request.POST.get("authorisation", ""),
                    photos=request.FILES.getlist("photos"), version=version, ip=client_ip(request),
                )  # fmt: skip
                note = f"，已生成申请 {visit.application_number}" if visit.application_number else ""
                messages.success(request, f"走访已登记{note}")
            return redirect("monitoring:task", task_id=task.pk)
        except DomainError as exc:
            error = exc
    alert = task.alert
    rule = load_policy().rules.get(alert.rule)
    from dajiuzhu.intake.models import AssistanceItem

    return render(request, "monitoring/task.html", {
        "task": task, "alert": alert, "rule": rule, "rule_label": rule_label(alert.rule),
        "person_id_masked": mask_id_number(alert.person.id_number) if alert.person else "",
        "visits": selectors.task_visits(task), "history": selectors.category_history(household_id=alert.household_id),
        "outcomes": Outcome.choices, "departments": Department.objects.order_by("sort", "code"),
        "items": AssistanceItem.objects.filter(is_active=True).order_by("sort", "code"),
        "error": error, "form": request.POST if error else {}, "today": clock.today(),
        "can_visit": user.can(Capability.MONITOR_VISIT) and task.status != TaskStatus.DONE,
        "signal": signal_display(alert.signal if isinstance(alert.signal, dict) else {}),
    })  # fmt: skip


SIGNAL_LABELS = {
    "source": "数据来源", "year": "年度", "self_pay_fen": "个人自付", "bills": "结算笔数", "threshold_fen": "预警线",
    "income_year_fen": "家庭年收入", "ratio": "自付占收入比例预警线", "ratio_permille": "自付占收入比例预警线（‰）",
    "grade": "残疾等级", "recorded_grade": "原登记等级",
    "disability_type": "残疾类别", "card_no": "残疾人证号", "registered_on": "登记日期", "died_on": "死亡日期",
    "relation": "与户主关系", "earners": "有收入成员数", "stage": "学段", "enrolled_on": "入学日期",
    "registration_no": "登记编号", "value_fen": "价值", "event_no": "灾情编号", "event_on": "发生日期",
    "severity": "灾情等级", "description": "说明", "area_code": "区划代码", "categories": "监测类别",
}  # fmt: skip


def signal_display(signal: dict[str, Any]) -> list[tuple[str, str]]:
    """The alert's data as a worker reads it: Chinese names, amounts in yuan (fen in the store)."""
    rows = []
    for key, value in signal.items():
        text = (
            yuan(int(value)) + " 元"
            if key.endswith("_fen") and isinstance(value, int | float)
            else str(value)
        )
        rows.append((SIGNAL_LABELS.get(key, key), text))
    return rows


@login_required
def feed_upload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    user_require(user, Capability.MONITOR_ADMIN)
    error: DomainError | None = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed.single("文件", "请选择要上传的数据文件")
            result = feeds.feed_ingest(
                user=user, source=request.POST.get("source", ""), data=upload.read(), file_name=upload.name or "",
                channel="upload", ip=client_ip(request),
            )  # fmt: skip
            return redirect("monitoring:delivery", delivery_id=result.delivery.pk)
        except DomainError as exc:
            error = exc
    return render(request, "monitoring/feeds.html", {
        "sources": load_policy().feeds.values(), "deliveries": selectors.deliveries_for_user(user=user)[:50],
        "error": error, "selected": request.POST.get("source", ""),
    })  # fmt: skip


@login_required
def delivery(request: HttpRequest, delivery_id: int) -> HttpResponse:
    user = _user(request)
    d = selectors.delivery_get_for_user(user=user, delivery_id=delivery_id)
    issues = list(FeedIssue.objects.filter(delivery=d).order_by("row_number")[:500])
    for issue in issues:
        issue.masked = mask_id_number(issue.id_number) if len(issue.id_number) == 18 else issue.id_number  # type: ignore[attr-defined]
    source = load_policy().feeds.get(d.source)
    return render(request, "monitoring/delivery.html", {"d": d, "issues": issues, "source": source})


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    user_require(user, Capability.MONITOR_READ)
    on = _date(request.GET.get("on"), "日期", clock.today())
    county = (user.area.county_code or user.area.code) if user.area else ""
    return render(
        request, "monitoring/rules.html", {"rules": rules_table(county, on), "county": county, "on": on}
    )


@login_required
def report(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not (user.can(Capability.MONITOR_VISIT) or user.can(Capability.MONITOR_ADMIN)):
        user_require(user, Capability.MONITOR_VISIT)
    error: DomainError | None = None
    if request.method == "POST":
        p = request.POST
        try:
            rep = services.discovery_report(
                user=user, channel=p.get("channel", ""), content=p.get("content", ""),
                id_number=p.get("id_number", ""), household_number=p.get("household_number", ""),
                reporter=p.get("reporter", ""), reporter_phone=p.get("reporter_phone", ""),
                reported_on=_date(p.get("reported_on"), "反映日期", clock.today()), ip=client_ip(request),
            )  # fmt: skip
            messages.success(request, "已登记，并生成走访任务")
            task_id: Any = rep.alert.task.pk if rep.alert else None
            return redirect("monitoring:task", task_id=task_id) if task_id else redirect("monitoring:tasks")
        except DomainError as exc:
            error = exc
    return render(request, "monitoring/report.html", {
        "channels": DiscoveryChannel.choices, "error": error, "form": request.POST if error else {},
        "today": clock.today(),
    })  # fmt: skip
