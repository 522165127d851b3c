"""The parameters API: a thin router over parameters.selectors (reads) and parameters.services (writes)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.responses import codes_4xx

from dajiuzhu.accounts.api import api_user, auth
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.core.inputs import Line
from dajiuzhu.parameters import selectors, services
from dajiuzhu.parameters.models import ParameterChange
from dajiuzhu.parameters.schemas import (
    ChangeIn,
    ChangeOut,
    ErrorOut,
    HistoryOut,
    ParameterOut,
    WithdrawIn,
)
from dajiuzhu.parameters.validation import parse_date

router = Router(auth=auth, tags=["parameters"])

ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}


def _change_out(change: ParameterChange) -> dict[str, Any]:
    return {
        "id": change.pk,
        "name": change.name,
        "jurisdiction": change.jurisdiction,
        "start": change.start,
        "value": change.value,
        "reference": change.reference,
        "note": change.note,
        "created_by": change.created_by.username,
        "created_at": change.created_at,
        "withdrawn_at": change.withdrawn_at,
        "withdrawn_by": change.withdrawn_by.username if change.withdrawn_by else None,
        "withdraw_reason": change.withdraw_reason,
    }


@router.get("", response={200: list[ParameterOut], **ERRORS}, summary="政策参数及本人所在区域的现行取值")
def parameter_list(
    request: HttpRequest,
    q: Line = Query("", description="参数名称或中文说明中包含的文字"),
    on: Line = Query("", description="执行日期，默认今天"),
) -> list[dict[str, Any]]:
    date: dt.date | None = None
    if on:
        date, problem = parse_date(on)
        if problem:
            raise ValidationFailed.single("on", problem)
    rows = selectors.parameter_list(user=api_user(request), on=date, q=q)
    return [dataclasses.asdict(r) for r in rows]


@router.get("/{name}", response={200: HistoryOut, **ERRORS}, summary="一个参数在本人所在各级辖区的历史取值")
def parameter_history(request: HttpRequest, name: Line) -> dict[str, Any]:
    history = selectors.parameter_history(user=api_user(request), name=name)
    data = dataclasses.asdict(history)
    data["entries"] = [{**dataclasses.asdict(e), "withdrawn": e.withdrawn} for e in history.entries]
    return data


@router.post(
    "/{name}/changes",
    response={201: ChangeOut, **ERRORS},
    summary="自某日起设置本级的新取值（县级及以上参数管理员）",
)
def parameter_change_create(request: HttpRequest, name: Line, payload: ChangeIn) -> Status[dict[str, Any]]:
    change = services.parameter_change_create(
        actor=api_user(request),
        name=name,
        start=payload.start or "",
        value=payload.value,
        reference=payload.reference or "",
        note=payload.note,
    )
    return Status(201, _change_out(change))


@router.post(
    "/changes/{change_id}/withdraw",
    response={200: ChangeOut, **ERRORS},
    summary="撤回本级在平台上设置的取值（记录保留）",
)
def parameter_change_withdraw(request: HttpRequest, change_id: int, payload: WithdrawIn) -> dict[str, Any]:
    change = services.parameter_change_withdraw(
        actor=api_user(request), change_id=change_id, reason=payload.reason or ""
    )
    return _change_out(change)
