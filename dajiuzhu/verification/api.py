"""The verification API (same services and rules as the pages): deliveries from the data-sharing platform,
authorisations, verification requests and their reports. ID numbers travel in bodies, never in addresses,
and come back masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.responses import codes_4xx

from dajiuzhu.accounts.api import api_user, auth
from dajiuzhu.core.inputs import Date, DateTime, Line, Text
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.core.net import client_ip
from dajiuzhu.registry.schemas import ErrorOut

from . import ingest, selectors, services
from .models import Authorisation, ExchangeBatch

router = Router(auth=auth, tags=["verification"])
ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}


class SourceOut(Schema):
    code: str
    name: str
    provider: str
    meaning: str
    validity_days: int
    fields: list[dict[str, Any]]
    last_delivery: dt.datetime | None
    fresh: bool
    batches: int
    records: int


class QuarantineOut(Schema):
    row: int
    reasons: list[str]
    raw: Any


class BatchOut(Schema):
    id: int
    source: str
    channel: str
    file_name: str
    status: str
    delivered_at: dt.datetime
    rows_total: int
    rows_inserted: int
    rows_updated: int
    rows_unchanged: int
    rows_quarantined: int
    unknown_persons: int
    unknown_ids_masked: list[str]
    message: str
    quarantined: list[QuarantineOut] = []


class RowsIn(Schema):
    rows: list[Any]
    label: Line = ""
    delivered_at: DateTime | None = None


class AuthorisationIn(Schema):
    id_number: Line  # any current member of the household
    signed_on: Date
    valid_until: Date
    sources: list[Line] = []  # empty: every source
    signer_id_numbers: list[Line] = []  # empty: every current member signed
    supporter_id_numbers: list[Line] = []
    note: Text = ""


class AuthorisationOut(Schema):
    id: int
    household_id: int
    household_number: str
    signers_masked: list[str]
    sources: list[str]
    signed_on: dt.date
    valid_until: dt.date


class RequestIn(Schema):
    id_number: Line  # any current member of the household
    sources: list[Line] = []
    supporter_id_numbers: list[Line] = []


class ReportOut(Schema):
    id: int
    household_id: int
    created_at: dt.datetime
    conclusion: str
    report: dict[str, Any]


def _batch_out(batch: ExchangeBatch, *, with_rows: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": batch.pk, "source": batch.source, "channel": batch.channel, "file_name": batch.file_name,
        "status": batch.status, "delivered_at": batch.delivered_at, "rows_total": batch.rows_total,
        "rows_inserted": batch.rows_inserted, "rows_updated": batch.rows_updated,
        "rows_unchanged": batch.rows_unchanged, "rows_quarantined": batch.rows_quarantined,
        "unknown_persons": batch.unknown_persons,
        "unknown_ids_masked": [mask_id_number(n) for n in batch.summary.get("unknown_ids", [])],
        "message": batch.summary.get("message", ""),
    }  # fmt: skip
    if with_rows:
        out["quarantined"] = [
            {"row": q.row_number, "reasons": q.reasons, "raw": q.raw}
            for q in selectors.batch_quarantine(batch)
        ]
    return out


@router.get("/sources", response={200: list[SourceOut], **ERRORS}, summary="数据源交换约定及最近交付情况")
def source_list(request: HttpRequest) -> list[dict[str, Any]]:
    rows = selectors.sources_overview(user=api_user(request))
    return [
        {
            "code": r.contract.code, "name": r.contract.name, "provider": r.contract.provider,
            "meaning": r.contract.meaning, "validity_days": r.contract.validity_days,
            "fields": [{"name": f.name, "label": f.label, "type": f.type, "required": f.required,
                        "values": list(f.values)} for f in r.contract.fields],
            "last_delivery": r.last_delivery, "fresh": r.fresh, "batches": r.batches, "records": r.records,
        }
        for r in rows
    ]  # fmt: skip


@router.post(
    "/sources/{code}/batches", response={201: BatchOut, **ERRORS}, summary="推送一批数据（JSON行列表）"
)
def batch_push(request: HttpRequest, code: Line, payload: RowsIn) -> Status[dict[str, Any]]:
    batch = ingest.batch_ingest_rows(
        actor=api_user(request), source=code, rows=payload.rows, label=payload.label,
        delivered_at=payload.delivered_at,
    )  # fmt: skip
    return Status(201, _batch_out(batch, with_rows=True))


@router.post(
    "/sources/{code}/upload", response={201: BatchOut, **ERRORS}, summary="上传交换文件（.csv/.xlsx/.jsonl）"
)
def batch_upload(
    request: HttpRequest, code: Line, file: File[UploadedFile], delivered_at: Form[DateTime | None] = None
) -> Status[dict[str, Any]]:
    batch = ingest.batch_ingest_file(
        actor=api_user(request), source=code, filename=file.name or "", content=file.read(),
        delivered_at=delivered_at,
    )  # fmt: skip
    return Status(201, _batch_out(batch, with_rows=True))


@router.get("/batches", response={200: list[BatchOut], **ERRORS}, summary="交付批次（本辖区）")
def batch_list(request: HttpRequest, source: Line = "") -> list[dict[str, Any]]:
    return [_batch_out(b) for b in selectors.batches_for_user(api_user(request), source=source)[:200]]


@router.get("/batches/{batch_id}", response={200: BatchOut, **ERRORS}, summary="一个批次及其隔离行")
def batch_get(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    return _batch_out(selectors.batch_get_for_user(user=api_user(request), batch_id=batch_id), with_rows=True)


def _authorisation_out(a: Authorisation) -> dict[str, Any]:
    return {
        "id": a.pk, "household_id": a.household_id, "household_number": a.household.number,
        "signers_masked": [mask_id_number(n) for n in a.id_numbers], "sources": a.sources,
        "signed_on": a.signed_on, "valid_until": a.valid_until,
    }  # fmt: skip


@router.post("/authorisations", response={201: AuthorisationOut, **ERRORS}, summary="登记核对授权书")
def authorisation_create(request: HttpRequest, payload: AuthorisationIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    household = selectors.household_for_id_number(
        user=user, id_number=payload.id_number, ip=client_ip(request)
    )
    auth_row = services.authorisation_record(
        user=user, household_id=household.pk, signed_on=payload.signed_on, valid_until=payload.valid_until,
        id_numbers=payload.signer_id_numbers, supporter_id_numbers=payload.supporter_id_numbers,
        sources=payload.sources, note=payload.note, ip=client_ip(request),
    )  # fmt: skip
    return Status(201, _authorisation_out(auth_row))


@router.post("/requests", response={201: ReportOut, **ERRORS}, summary="发起家庭经济状况核对，返回核对报告")
def request_create(request: HttpRequest, payload: RequestIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    household = selectors.household_for_id_number(
        user=user, id_number=payload.id_number, ip=client_ip(request)
    )
    req = services.verification_request(
        user=user, household_id=household.pk, sources=payload.sources or None,
        supporter_id_numbers=payload.supporter_id_numbers, ip=client_ip(request),
    )  # fmt: skip
    return Status(201, selectors.report_masked(req))


@router.get("/reports/{request_id}", response={200: ReportOut, **ERRORS}, summary="查看核对报告")
def report_get(request: HttpRequest, request_id: int) -> dict[str, Any]:
    return selectors.report_masked(
        selectors.report_get_for_user(user=api_user(request), request_id=request_id)
    )
