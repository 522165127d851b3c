"""The payments API (资金发放): the monthly roll through every step, its lines, bank files and returns,
and the budget authority — through the same selectors and services as the pages.

A thin router: reads go through payments.selectors (scoped to the caller's area: a village sees its own
lines only), writes through payments.services (area, capability, status, version, four eyes, funds).
Every refusal is a DomainError that config.api turns into JSON in one place; an out-of-area ID answers
the same 404 as an unknown one. Account numbers are masked here as on the pages.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.responses import codes_4xx

from dajiuzhu.accounts.api import api_user, auth
from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.core import months
from dajiuzhu.core.errors import NotFound, ValidationFailed
from dajiuzhu.core.inputs import Line, SmallInt, Year
from dajiuzhu.core.net import client_ip
from dajiuzhu.payments import selectors, services, views
from dajiuzhu.payments.models import BankFile, BudgetAuthority, Roll
from dajiuzhu.payments.schemas import (
    AuthorityIn,
    AuthorityListOut,
    AuthorityOut,
    BankFileOut,
    ErrorOut,
    LinePage,
    PrepareIn,
    RollDetailOut,
    RollOut,
    TownshipCheckIn,
    UnlockIn,
    VersionIn,
)

router = Router(auth=auth, tags=["资金发放"])
ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}
STEP_RESPONSES: dict[Any, Any] = {200: RollDetailOut, **ERRORS}
MAX_PAGE = 500


# ---- serialisation --------------------------------------------------------------------------------------


def _at(user: Any, at: Any) -> dict[str, Any] | None:
    return {"name": str(user), "at": at} if user is not None and at is not None else None


def _roll_out(roll: Roll, totals: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": roll.pk, "county_code": roll.county_id, "county_name": roll.county.name,
        "month": f"{roll.month:%Y-%m}", "month_label": months.label(roll.month), "status": roll.status,
        "status_label": roll.get_status_display(), "line_count": totals.get("count", 0),
        "payable": views.money(totals.get("payable")), "prepared": _at(roll.prepared_by, roll.prepared_at),
        "locked": _at(roll.locked_by, roll.locked_at), "approved": _at(roll.approved_by, roll.approved_at),
        "closed": _at(roll.closed_by, roll.closed_at), "snapshot_sha256": roll.snapshot_sha256,
        "version": roll.version,
    }  # fmt: skip


def _bank_file_out(f: BankFile, names: dict[str, str]) -> dict[str, Any]:
    ret = getattr(f, "bank_return", None)
    return {
        "id": f.pk, "roll_id": f.roll_id, "bank": f.bank, "bank_name": names.get(f.bank, f.bank),
        "filename": f.filename, "sha256": f.sha256, "line_count": f.line_count, "total": views.money(f.total),
        "issued_by": str(f.issued_by), "issued_at": f.issued_at, "download": f"/api/payments/bank-files/{f.pk}",
        "bank_return": None if ret is None else {
            "filename": ret.filename, "sha256": ret.sha256, "paid_count": ret.paid_count,
            "paid_total": views.money(ret.paid_total), "failed_count": ret.failed_count,
            "failed_total": views.money(ret.failed_total), "imported_by": str(ret.imported_by),
            "imported_at": ret.imported_at,
        },
    }  # fmt: skip


def _bank_files(user: Any, roll: Roll) -> list[dict[str, Any]]:
    names = views.bank_labels()
    return [_bank_file_out(f, names) for f in selectors.bank_files_for_roll(user=user, roll=roll)]


def _detail(request: HttpRequest, roll_id: int) -> dict[str, Any]:
    """Reload through the scoped selector: what the caller may see after the step, as it is now."""
    user = api_user(request)
    roll = selectors.roll_get_for_user(user=user, roll_id=roll_id)
    totals = views.roll_totals(user, [roll]).get(roll.pk, {})
    return {
        **_roll_out(roll, totals),
        "summary": views.summary_rows(user, roll),
        "funds": views.funds_rows(roll) if views.funds_visible(user, roll) else None,
        "bank_files": _bank_files(user, roll) if user.can(Capability.PAY_PREPARE) else [],
    }  # fmt: skip


def _authority_out(a: BudgetAuthority) -> dict[str, Any]:
    return {
        "id": a.pk, "county_code": a.county_id, "fund": a.fund, "fund_label": a.get_fund_display(), "year": a.year,
        "document_number": a.document_number, "amount": views.money(a.amount), "account": a.account,
        "created_by": str(a.created_by), "created_at": a.created_at,
    }  # fmt: skip


def _page(limit: int, offset: int) -> tuple[int, int]:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed.single("limit", f"每页条数应在1到{MAX_PAGE}之间")
    if offset < 0:
        raise ValidationFailed.single("offset", "不能为负数")
    return limit, offset


# ---- rolls ----------------------------------------------------------------------------------------------


@router.get(
    "/rolls", response={200: list[RollOut], **ERRORS}, summary="发放名册列表（本辖区各县，新月份在前）"
)
def roll_list(
    request: HttpRequest, county: Line = Query("", description="县（市、区）区划代码")
) -> list[dict[str, Any]]:
    user = api_user(request)
    rolls = list(selectors.rolls_for_user(user=user, county_code=county.strip())[:240])
    totals = views.roll_totals(user, rolls)
    return [_roll_out(r, totals.get(r.pk, {})) for r in rolls]


@router.post(
    "/rolls",
    response={201: RollDetailOut, **ERRORS},
    summary="编制（或重新生成）一个县某月的发放名册草稿",
    description="按在享待遇、应补发月份、一次性救助决定、收款账户和待追回款生成；同月草稿再次提交即重新生成，"
    "已锁定的月份返回409 roll_month_closed。",
)
def roll_prepare(request: HttpRequest, payload: PrepareIn) -> Status[dict[str, Any]]:
    roll = services.roll_prepare(user=api_user(request), county_code=payload.county, month=payload.month,
                                 ip=client_ip(request))  # fmt: skip
    return Status(201, _detail(request, roll.pk))


@router.get(
    "/rolls/{roll_id}",
    response={200: RollDetailOut, **ERRORS},
    summary="发放名册：状态、经办人、按项目/类型/乡镇汇总、资金指标核对、报盘文件",
)
def roll_get(request: HttpRequest, roll_id: int) -> dict[str, Any]:
    return _detail(request, roll_id)


@router.get(
    "/rolls/{roll_id}/lines",
    response={200: LinePage, **ERRORS},
    summary="发放明细（本辖区部分，分页；收款账户已脱敏）",
)
def roll_lines(
    request: HttpRequest,
    roll_id: int,
    status: Line = Query("", description="pending/held/sent/paid/failed"),
    programme: Line = Query("", description="项目代码，如 dibao"),
    kind: Line = Query("", description="regular/arrears/oneoff"),
    township: Line = Query("", description="乡镇（街道）区划代码"),
    q: Line = Query("", description="受益人姓名、流水号或户编号（完整）"),
    limit: SmallInt = Query(100, description=f"每页条数（1–{MAX_PAGE}）"),
    offset: SmallInt = Query(0, description="跳过的条数"),
) -> dict[str, Any]:
    limit, offset = _page(limit, offset)
    user = api_user(request)
    roll = selectors.roll_get_for_user(user=user, roll_id=roll_id)
    filters = {"status": status, "programme": programme, "kind": kind, "township": township, "q": q}
    lines = views.filtered_lines(user, roll, views.line_filters(filters))
    rows = views.line_rows(lines[offset : offset + limit])
    for r in rows:
        r["period"] = f"{r['period']:%Y-%m}"
    return {"total": lines.count(), "limit": limit, "offset": offset, "items": rows}


@router.post(
    "/rolls/{roll_id}/township-check",
    response=STEP_RESPONSES,
    summary="乡镇核对本乡镇（街道）部分（草稿）",
    description="乡镇审核员确认本乡镇的笔数和金额；重新生成草稿后须再次核对。",
)
def step_township_check(request: HttpRequest, roll_id: int, payload: TownshipCheckIn) -> dict[str, Any]:
    user = api_user(request)
    roll = selectors.roll_get_for_user(user=user, roll_id=roll_id)
    views.check_version(roll, payload.version)
    services.township_check(user=user, roll_id=roll.pk, township_code=payload.township_code or views.own_township(user),
                            note=payload.note, ip=client_ip(request))  # fmt: skip
    return _detail(request, roll_id)


@router.post("/rolls/{roll_id}/lock", response=STEP_RESPONSES, summary="锁定名册（冻结明细，交复核人审批）")
def step_lock(request: HttpRequest, roll_id: int, payload: VersionIn) -> dict[str, Any]:
    services.roll_lock(
        user=api_user(request), roll_id=roll_id, version=payload.version, ip=client_ip(request)
    )
    return _detail(request, roll_id)


@router.post("/rolls/{roll_id}/unlock", response=STEP_RESPONSES, summary="退回草稿（须写明原因，审批前）")
def step_unlock(request: HttpRequest, roll_id: int, payload: UnlockIn) -> dict[str, Any]:
    services.roll_unlock(user=api_user(request), roll_id=roll_id, reason=payload.reason, version=payload.version,
                         ip=client_ip(request))  # fmt: skip
    return _detail(request, roll_id)


@router.post(
    "/rolls/{roll_id}/approve",
    response=STEP_RESPONSES,
    summary="审批名册（双人复核：不能是编制人或锁定人；不得超出剩余资金指标）",
    description="编制人或锁定人审批返回400 roll_same_person；超出指标返回400 budget_exceeded，errors列出各资金类别。",
)
def step_approve(request: HttpRequest, roll_id: int, payload: VersionIn) -> dict[str, Any]:
    services.roll_approve(
        user=api_user(request), roll_id=roll_id, version=payload.version, ip=client_ip(request)
    )
    return _detail(request, roll_id)


@router.post("/rolls/{roll_id}/issue", response=STEP_RESPONSES, summary="生成报盘文件（每个开户银行一个）")
def step_issue(request: HttpRequest, roll_id: int, payload: VersionIn) -> dict[str, Any]:
    services.roll_issue(
        user=api_user(request), roll_id=roll_id, version=payload.version, ip=client_ip(request)
    )
    return _detail(request, roll_id)


@router.post(
    "/rolls/{roll_id}/reconcile",
    response=STEP_RESPONSES,
    summary="对账（各报盘文件：报盘 = 成功 + 失败，笔数和金额）",
)
def step_reconcile(request: HttpRequest, roll_id: int, payload: VersionIn) -> dict[str, Any]:
    services.roll_reconcile(
        user=api_user(request), roll_id=roll_id, version=payload.version, ip=client_ip(request)
    )
    return _detail(request, roll_id)


@router.post("/rolls/{roll_id}/close", response=STEP_RESPONSES, summary="关闭名册（对账后）")
def step_close(request: HttpRequest, roll_id: int, payload: VersionIn) -> dict[str, Any]:
    services.roll_close(
        user=api_user(request), roll_id=roll_id, version=payload.version, ip=client_ip(request)
    )
    return _detail(request, roll_id)


# ---- bank files -----------------------------------------------------------------------------------------


@router.get(
    "/rolls/{roll_id}/bank-files",
    response={200: list[BankFileOut], **ERRORS},
    summary="名册的报盘文件及回盘结果",
)
def bank_file_list(request: HttpRequest, roll_id: int) -> list[dict[str, Any]]:
    user = api_user(request)
    return _bank_files(user, selectors.roll_get_for_user(user=user, roll_id=roll_id))


@router.get(
    "/bank-files/{bank_file_id}",
    response={**ERRORS},
    summary="下载报盘文件（原样字节，文件名见Content-Disposition；记入审计日志）",
    openapi_extra={
        "responses": {
            "200": {
                "description": "报盘文件",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def bank_file_download(request: HttpRequest, bank_file_id: int) -> HttpResponse:
    user = api_user(request)
    bank_file = selectors.bank_file_get_for_user(user=user, bank_file_id=bank_file_id)
    return views.bank_file_response(user=user, bank_file=bank_file, ip=client_ip(request))


@router.post(
    "/bank-files/{bank_file_id}/return",
    response={201: BankFileOut, **ERRORS},
    summary="导入银行回盘文件（整份导入或整份拒绝）",
    description="multipart/form-data，字段 file。任何一行有误（不在本批、金额或账号不符、重复、格式或编码错误）"
    "返回400 bank_return_refused，errors逐行列出（field、row、message），不导入任何记录。",
)
def bank_file_return(
    request: HttpRequest, bank_file_id: int, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    user = api_user(request)
    bank_file = selectors.bank_file_get_for_user(user=user, bank_file_id=bank_file_id)
    services.return_import(user=user, bank_file_id=bank_file.pk, filename=file.name or "", content=file.read(),
                           ip=client_ip(request))  # fmt: skip
    roll = selectors.roll_get_for_user(user=user, roll_id=bank_file.roll_id)
    found = next((f for f in _bank_files(user, roll) if f["id"] == bank_file.pk), None)
    if found is None:  # pragma: no cover - the file was just read through the same scope
        raise NotFound("报盘文件不存在或不在您的管辖范围内")
    return Status(201, found)


# ---- budget authority -----------------------------------------------------------------------------------


def _county(user: Any, code: str) -> Any:
    counties = views.counties_for_user(user)
    county = next((c for c in counties if c.code == code.strip()), None) if code.strip() else (
        counties[0] if len(counties) == 1 else None
    )  # fmt: skip
    if county is None:
        raise NotFound("县（市、区）不存在或不在您的管辖范围内")
    return county


@router.get(
    "/authorities",
    response={200: AuthorityListOut, **ERRORS},
    summary="资金指标：某县某年度的指标文件及各资金类别的指标、已占用、剩余",
)
def authority_list(
    request: HttpRequest,
    year: Year = Query(..., description="年度，如 2026"),
    county: Line = Query("", description="县（市、区）区划代码；县级及以下用户可不填"),
) -> dict[str, Any]:
    user = api_user(request)
    user_require(user, Capability.PAY_READ)
    area = _county(user, county)
    return {
        "county_code": area.code, "year": year,
        "items": [_authority_out(a) for a in views.authorities_for(area, year)],
        "position": views.position_rows(area, year),
    }  # fmt: skip


@router.post("/authorities", response={201: AuthorityOut, **ERRORS}, summary="录入资金指标文件")
def authority_create(request: HttpRequest, payload: AuthorityIn) -> Status[dict[str, Any]]:
    authority = services.authority_create(
        user=api_user(request), county_code=payload.county, fund=payload.fund, year=payload.year,
        document_number=payload.document_number, amount=payload.amount, account=payload.account,
        ip=client_ip(request),
    )  # fmt: skip
    authority = BudgetAuthority.objects.select_related("created_by").get(pk=authority.pk)
    return Status(201, _authority_out(authority))


# The people's side (accounts, worklist, recoveries, 幸福清单, reports, published lists).
from dajiuzhu.payments.api_people import router as _people_router  # noqa: E402

router.add_router("/", _people_router)
