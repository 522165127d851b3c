"""The payments API, people's side: payee accounts (masked; reveal audited), the worklist of failed and
held payments, recoveries, the 幸福清单, the published lists and the reports — through the same
selectors and services as the pages. Mounted on the payments router (api.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.responses import codes_4xx

from dajiuzhu.accounts.api import api_user, auth
from dajiuzhu.core import months
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.core.inputs import Date, Line, Text
from dajiuzhu.core.net import client_ip
from dajiuzhu.payments import reports, selectors, services
from dajiuzhu.payments.schemas import ErrorOut

router = Router(auth=auth, tags=["资金发放"])
ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}


def _plain(value: Any) -> Any:
    """Dataclasses, Decimals and dates as JSON: money with two decimals, dates ISO, ORM objects by id."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01'))}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "pk"):
        return value.pk
    return value


def _month(raw: str, field: str) -> dt.date:
    try:
        return months.parse(raw)
    except ValueError as exc:
        raise ValidationFailed.single(field, str(exc)) from exc


# ---- accounts -------------------------------------------------------------------------------------------


class AccountIn(Schema):
    bank: Line = Field(..., description="开户银行（policy/payments/banks 下的格式代码，如 sdrcu、psbc）")
    account_number: Line = Field(..., description="银行账号（一卡通或社会保障卡卡号，可带空格）")
    holder_name: Line = Field(..., description="账户户名")
    holder_relation: Line = Field(
        "self", description="持卡人与受益人关系：self family guardian carer staff institution"
    )
    for_household: bool = Field(False, description="接收全户救助金（户内指定成员）")
    agreement_number: Line = Field("", description="代管书面协议编号（代管时）")
    agreement_filed_on: Date | None = Field(None, description="协议报县级民政部门备案日期")
    note: Text = ""


class AccountOut(Schema):
    id: int
    bank: str
    bank_name: str
    masked_number: str
    holder_name: str
    holder_relation: str
    holder_relation_label: str
    for_household: bool
    needs_agreement: bool = Field(..., description="代管账户未备案书面协议：发放时将暂缓")
    is_current: bool


def _account_out(a: selectors.MaskedAccount) -> dict[str, Any]:
    return {k: getattr(a, k) for k in AccountOut.model_fields}


@router.get(
    "/households/{household_id}/accounts", response={200: dict[str, AccountOut], **ERRORS},
    summary="户内成员的当前收款账户（账号脱敏）",
)  # fmt: skip
def accounts_of_household(request: HttpRequest, household_id: int) -> dict[str, Any]:
    user = api_user(request)
    _household_in_scope(request, household_id)
    return {
        str(pid): _account_out(a)
        for pid, a in selectors.accounts_for_household(user=user, household_id=household_id).items()
    }


def _household_in_scope(request: HttpRequest, household_id: int) -> None:
    """404 for a household outside the caller's area, as for a missing one (the pages do the same; the
    registry audits the attempt), rather than an empty answer."""
    from dajiuzhu.accounts.roles import Capability
    from dajiuzhu.accounts.selectors import user_require
    from dajiuzhu.registry.selectors import household_get_for_user

    user = api_user(request)
    user_require(user, Capability.PAY_READ)
    household_get_for_user(user=user, household_id=household_id, ip=client_ip(request))


@router.post(
    "/persons/{person_id}/account", response={201: AccountOut, **ERRORS},
    summary="登记或更换收款账户（更换后，原账户的发放失败记录转下期补发）",
)  # fmt: skip
def account_set(request: HttpRequest, person_id: int, payload: AccountIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    account = services.account_set(user=user, person_id=person_id, ip=client_ip(request), **payload.dict())
    masked = next(
        a for a in selectors.accounts_for_person(user=user, person_id=person_id) if a.id == account.pk
    )
    return Status(201, _account_out(masked))


class AccountRevealOut(Schema):
    account_number: str


@router.post(
    "/accounts/{account_id}/reveal",
    response={200: AccountRevealOut, **ERRORS},
    summary="查看完整银行账号（记入审计日志）",
)
def account_reveal(request: HttpRequest, account_id: int) -> dict[str, Any]:
    number = services.account_reveal(user=api_user(request), account_id=account_id, ip=client_ip(request))
    return {"account_number": number}


# ---- worklist -------------------------------------------------------------------------------------------


class WorkItemOut(Schema):
    id: int
    reference: str
    roll_month: str
    programme: str
    kind: str
    period: str
    beneficiary_name: str
    household_id: int
    village_code: str
    amount: str
    status: str
    reason: str


@router.get(
    "/worklist", response={200: list[WorkItemOut], **ERRORS}, summary="待处理发放问题（发放失败、暂缓发放）"
)
def worklist(request: HttpRequest) -> list[dict[str, Any]]:
    out = []
    for line in selectors.worklist_for_user(user=api_user(request))[:1000]:
        out.append({
            "id": line.pk, "reference": line.reference, "roll_month": f"{line.roll.month:%Y-%m}",
            "programme": line.programme, "kind": line.kind, "period": f"{line.period:%Y-%m}",
            "beneficiary_name": line.beneficiary_name, "household_id": line.household_id,
            "village_code": line.area_id, "amount": f"{line.gross}", "status": line.shown_status,
            "reason": line.fail_reason or line.hold_reason,
        })  # fmt: skip
    return out


class ResolveIn(Schema):
    note: Text = Field(..., description="处理说明（必填），如：银行卡已解冻")


@router.post(
    "/lines/{line_id}/resolve",
    response={200: WorkItemOut, **ERRORS},
    summary="发放失败已处理（无需更换账户），下期补发",
)
def line_resolve(request: HttpRequest, line_id: int, payload: ResolveIn) -> dict[str, Any]:
    user = api_user(request)
    services.line_resolve(user=user, line_id=line_id, note=payload.note, ip=client_ip(request))
    line = selectors.line_get_for_user(user=user, line_id=line_id)
    return {
        "id": line.pk, "reference": line.reference, "roll_month": f"{line.roll.month:%Y-%m}",
        "programme": line.programme, "kind": line.kind, "period": f"{line.period:%Y-%m}",
        "beneficiary_name": line.beneficiary_name, "household_id": line.household_id, "village_code": line.area_id,
        "amount": f"{line.gross}", "status": line.shown_status, "reason": line.fail_reason or line.hold_reason,
    }  # fmt: skip


# ---- recoveries -----------------------------------------------------------------------------------------


class RecoveryIn(Schema):
    amount: Line = Field(..., description="追回金额（元）")
    basis: Line = Field(..., description="追回依据：fraud（第六十八条）/ error / staff（第六十七条）")
    reason: Text
    instalment: Line = Field(..., description="每月从发放中抵扣的上限（元）")
    document_number: Line = ""


class RecoveryOut(Schema):
    id: int
    amount: str
    basis: str
    reason: str
    instalment: str
    balance: str


def _recovery_out(rec: Any) -> dict[str, Any]:
    return {"id": rec.pk, "amount": f"{rec.amount}", "basis": rec.basis, "reason": rec.reason,
            "instalment": f"{rec.instalment}", "balance": f"{services.recovery_balance(rec)}"}  # fmt: skip


@router.get(
    "/households/{household_id}/recoveries",
    response={200: list[RecoveryOut], **ERRORS},
    summary="该户的追回款及余额",
)
def recoveries(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    _household_in_scope(request, household_id)
    rows = selectors.recoveries_for_household(user=api_user(request), household_id=household_id)
    return [_recovery_out(r["recovery"]) for r in rows]


@router.post(
    "/households/{household_id}/recoveries", response={201: RecoveryOut, **ERRORS}, summary="作出追回决定"
)
def recovery_decide(request: HttpRequest, household_id: int, payload: RecoveryIn) -> Status[dict[str, Any]]:
    rec = services.recovery_decide(user=api_user(request), household_id=household_id, ip=client_ip(request),
                                   **payload.dict())  # fmt: skip
    return Status(201, _recovery_out(rec))


class RepaymentIn(Schema):
    amount: Line
    on: Date
    receipt_number: Line = Field(..., description="缴款凭证号")


@router.post(
    "/recoveries/{recovery_id}/repayments", response={201: RecoveryOut, **ERRORS}, summary="登记本人退回"
)
def recovery_repay(request: HttpRequest, recovery_id: int, payload: RepaymentIn) -> Status[dict[str, Any]]:
    entry = services.recovery_repay(user=api_user(request), recovery_id=recovery_id, ip=client_ip(request),
                                    **payload.dict())  # fmt: skip
    return Status(201, _recovery_out(entry.recovery))


# ---- 幸福清单, reports, published lists ---------------------------------------------------------------------


@router.get(
    "/households/{household_id}/benefits", response={200: dict, **ERRORS},
    summary="幸福清单：该户享受的全部救助（按年、项目、月份；补发注明所属月份；未到账；追回；其他部门救助）",
)  # fmt: skip
def household_benefits(request: HttpRequest, household_id: int) -> dict[str, Any]:
    data = reports.household_benefits(
        user=api_user(request), household_id=household_id, ip=client_ip(request)
    )
    out = _plain(data)
    out["household"] = {"id": data.household.pk, "number": data.household.number}
    out["members"] = [{"id": m.pk, "relation": getattr(m, "relation", "")} for m in data.members]
    return out  # type: ignore[no-any-return]


class ReportQuery(Schema):
    first_month: Line = Field("", description="起始月份 YYYY-MM（默认12个月前）")
    last_month: Line = Field("", description="截止月份 YYYY-MM（默认本月）")
    group_by: Line = Field("programme", description="分组：programme / township / county / month")


@router.get(
    "/reports", response={200: dict, **ERRORS}, summary="发放统计：成功、失败、补发、追回、暂缓（笔数与金额）"
)
def report(request: HttpRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    first, last = reports.default_range()
    if query.first_month:
        first = _month(query.first_month, "起始月份")
    if query.last_month:
        last = _month(query.last_month, "截止月份")
    table = reports.report_rows(
        user=api_user(request), first_month=first, last_month=last, group_by=query.group_by
    )
    out = _plain(table)
    for row, src in zip([*out["rows"], out["total"]], [*table.rows, table.total], strict=True):
        row["recovered"] = f"{src.recovered}"
    return out  # type: ignore[no-any-return]


class PublishIn(Schema):
    village: Line = Field(..., description="村（社区）区划代码")
    month: Line = Field(..., description="月份 YYYY-MM（该月名册须已审批）")


class PublicListOut(Schema):
    id: int
    village_code: str
    month: str
    entries: int
    withdrawn: bool


def _list_out(plist: Any) -> dict[str, Any]:
    return {"id": plist.pk, "village_code": plist.village_id, "month": f"{plist.month:%Y-%m}",
            "entries": plist.entries.count(), "withdrawn": plist.withdrawn_at is not None}  # fmt: skip


@router.get("/public-lists", response={200: list[PublicListOut], **ERRORS}, summary="已公布的发放名单")
def public_lists(request: HttpRequest) -> list[dict[str, Any]]:
    return [_list_out(p) for p in selectors.public_lists_for_user(user=api_user(request))[:500]]


@router.post("/public-lists", response={201: PublicListOut, **ERRORS}, summary="在村（社区）公布当月发放名单")
def public_list_publish(request: HttpRequest, payload: PublishIn) -> Status[dict[str, Any]]:
    plist = services.public_list_publish(user=api_user(request), village_code=payload.village, month=payload.month,
                                         ip=client_ip(request))  # fmt: skip
    return Status(201, _list_out(plist))


class ListWithdrawIn(Schema):
    reason: Text


@router.post(
    "/public-lists/{list_id}/withdraw", response={200: PublicListOut, **ERRORS}, summary="撤回公布的发放名单"
)
def public_list_withdraw(request: HttpRequest, list_id: int, payload: ListWithdrawIn) -> dict[str, Any]:
    plist = services.public_list_withdraw(user=api_user(request), list_id=list_id, reason=payload.reason,
                                          ip=client_ip(request))  # fmt: skip
    return _list_out(plist)
