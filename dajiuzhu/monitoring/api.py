"""The monitoring API (same services and rules as the pages): feed push/upload, alerts, tasks, visit
records, active-discovery reports and KPIs. Errors are mapped to JSON in config/api.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.responses import codes_4xx

from dajiuzhu.accounts.api import api_user, auth
from dajiuzhu.core import clock
from dajiuzhu.core.inputs import Date, Int, Line, Text
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.core.net import client_ip
from dajiuzhu.registry.schemas import ErrorOut

from . import feeds, selectors, services
from .models import Alert, FeedDelivery, VisitTask
from .policy import rule_label

router = Router(auth=auth, tags=["monitoring"])
ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}


class DeliveryOut(Schema):
    id: int
    source: str
    file_name: str
    status: str
    message: str
    rows_total: int
    rows_valid: int
    rows_quarantined: int
    rows_unknown: int
    rows_matched: int
    alerts_created: int
    duplicates_skipped: int
    seconds: float


class AlertOut(Schema):
    id: int
    rule: str
    rule_label: str
    household_id: int
    household_number: str
    person_id: int | None
    person_id_number: str  # masked
    area: str
    cause_key: str
    signal: dict[str, Any]
    status: str
    raised_on: dt.date


class TaskOut(Schema):
    id: int
    alert: AlertOut
    area: str
    status: str
    triage_due: dt.date
    visit_due: dt.date
    escalated: bool
    overdue: bool


class VisitIn(Schema):
    visited_on: Date
    visitors: list[Line]
    findings: Text
    outcome: Line
    item: Line = ""
    department: Line = ""
    authorisation: Text = ""
    version: Int | None = None


class VisitOut(Schema):
    id: int
    task_id: int
    outcome: str
    application_id: int | None
    application_number: str


class ReportIn(Schema):
    channel: Line
    content: Text
    id_number: Line = ""
    household_number: Line = ""
    reporter: Line = ""
    reporter_phone: Line = ""
    reported_on: Date | None = None


class DiscoveryReportOut(Schema):
    id: int
    alert_id: int | None
    task_id: int | None


class KpiOut(Schema):
    code: str
    name: str
    alerts: int
    visited: int
    visited_on_time: int
    assistance_started: int
    leaving: int


def _delivery(d: FeedDelivery) -> dict[str, Any]:
    return {f: getattr(d, f) for f in DeliveryOut.model_fields if f != "id"} | {"id": d.pk}


def _alert(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk, "rule": a.rule, "rule_label": rule_label(a.rule), "household_id": a.household_id,
        "household_number": a.household.number, "person_id": a.person_id,
        "person_id_number": mask_id_number(a.person.id_number) if a.person else "", "area": a.area_id,
        "cause_key": a.cause_key, "signal": a.signal if isinstance(a.signal, dict) else {}, "status": a.status,
        "raised_on": a.raised_on,
    }  # fmt: skip


def _task(t: VisitTask, today: dt.date) -> dict[str, Any]:
    overdue = t.status != "done" and (t.visit_due < today or (t.status == "pending" and t.triage_due < today))
    return {"id": t.pk, "alert": _alert(t.alert), "area": t.area_id, "status": t.status, "triage_due": t.triage_due,
            "visit_due": t.visit_due, "escalated": t.escalated, "overdue": overdue}  # fmt: skip


# Before the push: both paths have one segment after /feeds/, and the first URL pattern that matches takes
# the request (with `{source}` first, every GET of a delivery was answered 405).
@router.get("/feeds/{int:delivery_id}", response={200: DeliveryOut, **ERRORS}, summary="数据批次结果")
def feed_get(request: HttpRequest, delivery_id: int) -> dict[str, Any]:
    return _delivery(selectors.delivery_get_for_user(user=api_user(request), delivery_id=delivery_id))


@router.post("/feeds/{source}", response={201: DeliveryOut, **ERRORS}, summary="推送/上传一个部门数据文件")
def feed_push(request: HttpRequest, source: Line, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    result = feeds.feed_ingest(user=api_user(request), source=source, data=file.read(), file_name=file.name or "",
                               channel="push", ip=client_ip(request))  # fmt: skip
    return Status(201, _delivery(result.delivery))


@router.get("/alerts", response={200: list[AlertOut], **ERRORS}, summary="预警（本辖区）")
def alert_list(request: HttpRequest, status: Line = "", rule: Line = "") -> list[dict[str, Any]]:
    return [
        _alert(a) for a in selectors.alerts_for_user(user=api_user(request), status=status, rule=rule)[:500]
    ]


@router.get("/tasks", response={200: list[TaskOut], **ERRORS}, summary="走访任务（逾期在前）")
def task_list(request: HttpRequest, all: bool = False) -> list[dict[str, Any]]:
    today = clock.today()
    qs = selectors.tasks_for_user(user=api_user(request), open_only=not all, today=today)
    return [_task(t, today) for t in qs[:500]]


@router.post("/tasks/{task_id}/visit", response={201: VisitOut, **ERRORS}, summary="登记入户走访和处置结果")
def visit_create(request: HttpRequest, task_id: int, payload: VisitIn) -> Status[dict[str, Any]]:
    visit = services.visit_record(user=api_user(request), task_id=task_id, ip=client_ip(request),
                                  **payload.model_dump())  # fmt: skip
    return Status(201, {"id": visit.pk, "task_id": task_id, "outcome": visit.outcome,
                        "application_id": visit.application_id_ref, "application_number": visit.application_number})  # fmt: skip


@router.post(
    "/reports", response={201: DiscoveryReportOut, **ERRORS}, summary="主动发现：12349热线、信访、摸排"
)
def report_create(request: HttpRequest, payload: ReportIn) -> Status[dict[str, Any]]:
    rep = services.discovery_report(user=api_user(request), ip=client_ip(request), **payload.model_dump())
    task = (
        VisitTask.objects.filter(alert=rep.alert).values_list("pk", flat=True).first() if rep.alert else None
    )
    return Status(201, {"id": rep.pk, "alert_id": rep.alert_id, "task_id": task})


@router.get("/kpis", response={200: list[KpiOut], **ERRORS}, summary="各区域监测指标（最后一行为合计）")
def kpis(request: HttpRequest, start: Date, end: Date) -> list[dict[str, Any]]:
    rows, total = selectors.kpis_for_user(user=api_user(request), start=start, end=end)
    return [r.__dict__ for r in [*rows, total]]
