"""The assessment API: instant check, runs (live and what-if), what changed. Same rules as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.responses import codes_4xx

from dajiuzhu.accounts.api import api_user, auth
from dajiuzhu.core.inputs import Date, Int, Line
from dajiuzhu.core.net import client_ip
from dajiuzhu.registry.schemas import ErrorOut
from dajiuzhu.rules.explain import yuan

from . import selectors, services
from .models import AssessmentRun

router = Router(auth=auth, tags=["assessment"])
ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}


class RuleOut(Schema):
    rule: str
    label: str
    formula: str
    inputs: list[dict[str, str]]
    outcome: str
    reference: str


class ProgrammeOut(Schema):
    programme: str
    label: str
    status: int
    status_label: str
    amount: str
    period: str
    reference: str
    person_id: int | None = None
    person_name: str = ""
    rules: list[RuleOut]


class CheckOut(Schema):
    household_id: int
    household_number: str
    on: dt.date
    monthly_total: str
    programmes: list[ProgrammeOut]
    parameters: dict[str, Any]


class RunIn(Schema):
    on: Date
    area: Line | None = None
    parameters: dict[str, Line] | None = None  # what-if overrides; none → a live run


class RunOut(Schema):
    id: int
    kind: str
    status: str
    area: str
    on: dt.date
    progress_done: int
    progress_total: int
    stage: str
    overrides: dict[str, Any]
    summary: dict[str, Any]
    problem_count: int
    problems: list[dict[str, Any]]
    previous_id: int | None
    error: str


class RunChangeOut(Schema):
    household_id: int
    township_code: str
    village_code: str
    change: str
    status: int | None
    amount: str
    amount_before: str


def _run_out(run: AssessmentRun) -> dict[str, Any]:
    return {
        "id": run.pk, "kind": run.kind, "status": run.status, "area": run.area_id, "on": run.on,
        "progress_done": run.progress_done, "progress_total": run.progress_total, "stage": run.stage,
        "overrides": run.overrides, "summary": run.summary, "problem_count": run.problem_count,
        "problems": run.problems, "previous_id": run.previous_id, "error": run.error,
    }  # fmt: skip


class CheckIn(Schema):
    id_number: Line = ""  # any member's ID number (in the body: an address with it would be logged)
    household_id: Int | None = None
    on: Date | None = None  # the assessment date; today when absent


@router.post(
    "/check", response={200: CheckOut, **ERRORS}, summary="即时核对：按身份证号码研判家庭可享受的救助"
)
def check(request: HttpRequest, payload: CheckIn) -> dict[str, Any]:
    outcome = services.check_household(
        user=api_user(request), id_number=payload.id_number, household_id=payload.household_id, on=payload.on,
        ip=client_ip(request),
    )  # fmt: skip
    return {
        "household_id": outcome.household.pk, "household_number": outcome.household.number, "on": outcome.on,
        "monthly_total": yuan(outcome.monthly_total_fen), "programmes": [p.as_dict() for p in outcome.programmes],
        "parameters": outcome.parameters,
    }  # fmt: skip


@router.post("/runs", response={202: RunOut, **ERRORS}, summary="发起全量研判，或带参数的标准调整模拟")
def run_create(request: HttpRequest, payload: RunIn) -> Status[dict[str, Any]]:
    run = services.run_start(user=api_user(request), on=payload.on, area_code=payload.area,
                             overrides=payload.parameters or None, ip=client_ip(request))  # fmt: skip
    return Status(202, _run_out(run))


@router.post(
    "/runs/{run_id}/retry", response={202: RunOut, **ERRORS}, summary="重新计算失败（或被中断）的研判"
)
def run_retry(request: HttpRequest, run_id: int) -> Status[dict[str, Any]]:
    run = services.run_retry(user=api_user(request), run_id=run_id, ip=client_ip(request))
    return Status(202, _run_out(run))


@router.get("/runs", response={200: list[RunOut], **ERRORS}, summary="研判记录（本辖区）")
def run_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_run_out(r) for r in selectors.runs_for_user(api_user(request))[:100]]


@router.get("/runs/{run_id}", response={200: RunOut, **ERRORS}, summary="研判进度与结果汇总")
def run_get(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return _run_out(selectors.run_get_for_user(user=api_user(request), run_id=run_id))


@router.get(
    "/runs/{run_id}/changes", response={200: list[RunChangeOut], **ERRORS}, summary="与上次研判相比的变化"
)
def run_changes(request: HttpRequest, run_id: int) -> list[dict[str, Any]]:
    run = selectors.run_get_for_user(user=api_user(request), run_id=run_id)
    changes = selectors.run_changes(run)
    return [
        {"household_id": r["household_id"], "township_code": r["township_code"] or "",
         "village_code": r["village_code"] or "", "change": r["change"], "status": r["status"],
         "amount": yuan(r["amount_fen"]), "amount_before": yuan(r["amount_before_fen"])}
        for r in changes.iter_rows(named=True)
    ]  # fmt: skip
