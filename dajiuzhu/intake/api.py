"""The intake API: every workflow step, through the same services as the pages.

A thin router: reads go through intake.selectors (scoped to the caller's area, and department for a
department window), writes through intake.services (which check level, area, status and version).
Every refusal is a DomainError that config.api turns into JSON in one place. Out-of-area and unknown IDs
answer the same 404, so an ID reveals nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.responses import codes_4xx

from dajiuzhu.accounts.api import api_user, auth
from dajiuzhu.benefits.models import Entitlement, EntitlementStatus
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.core.inputs import Line, SmallInt
from dajiuzhu.core.masking import mask_id_number, mask_phone
from dajiuzhu.core.net import client_ip
from dajiuzhu.intake import dynamic, selectors, services
from dajiuzhu.intake.models import (
    Application,
    AssistanceItem,
    Channel,
    Kind,
    Level,
    NoticeKind,
    ObjectionStatus,
    PublicNotice,
    Receipt,
    VisitKind,
)
from dajiuzhu.intake.models import Status as AppStatus
from dajiuzhu.intake.schemas import (
    ApplicationDetailOut,
    ApplicationPage,
    ChainOut,
    CountyVisitIn,
    DecideIn,
    EntitlementChangeIn,
    EntitlementOut,
    ErrorOut,
    FileIn,
    InvestigateIn,
    ItemChangeIn,
    ItemChangeOut,
    ItemOut,
    NotifyIn,
    ObjectionHandleIn,
    OpinionIn,
    QueueOut,
    ReasonIn,
    ReceiptOut,
    ResubmitIn,
    ReviewOpinionIn,
    SupplementIn,
    VersionIn,
)

router = Router(auth=auth, tags=["一窗受理"])
ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}
STEP_RESPONSES: dict[Any, Any] = {200: ApplicationDetailOut, **ERRORS}
MAX_PAGE = 200


# ---- serialisation (masking and money formatting happen here and nowhere else in the API) -------


def _label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else (value or "")


def money(value: Decimal | None) -> str | None:
    """Money leaves as a string with two decimals ("650.00"), never as a float."""
    return None if value is None else f"{Decimal(value).quantize(Decimal('0.01'))}"


def _item_out(item: AssistanceItem, *, region: str, on: Any) -> dict[str, Any]:
    """The item as the caller's area has it on the date (intake.catalogue.effective_item)."""
    from dajiuzhu.intake import catalogue

    own = region if len(region) <= 6 else region[:6]
    return {
        "delegated_counties": catalogue.delegated_counties(item, region, on), "delegated": item.delegated,
        "jurisdiction": region, "on": on, "local_fields": sorted(catalogue.local_fields_set(item, region, on)),
        "local_version": catalogue.jurisdiction_version(item, own),
        "code": item.code, "name": item.name, "category": item.category,
        "department": {"code": item.department.code, "name": item.department.name},
        "programme": item.programme,
        "accept_level": item.accept_level, "accept_level_label": _label(Level, item.accept_level),
        "decide_level": item.decide_level, "decide_level_label": _label(Level, item.decide_level),
        "needs_investigation": item.needs_investigation, "needs_check": item.needs_check,
        "needs_opinion": item.needs_opinion, "public_notice": item.public_notice,
        "publish_after": item.publish_after, "sampling_percent": item.sampling_percent,
        "limits": {
            "accept_days": item.accept_days, "investigation_days": item.investigation_days,
            "check_days": item.check_days, "opinion_days": item.opinion_days,
            "decision_days": item.decision_days, "notify_days": item.notify_days,
            "notice_days": item.notice_days, "total_days": item.total_days,
            "total_days_delegated": item.total_days_delegated, "total_days_extended": item.total_days_extended,
        },
        "materials": [{"name": m["name"], "platform": bool(m.get("platform"))} for m in item.materials],
        "reference": item.reference, "unverified": item.unverified, "is_active": item.is_active,
    }  # fmt: skip


def _application_out(app: Application) -> dict[str, Any]:
    return {
        "id": app.pk, "number": app.number, "kind": app.kind, "kind_label": _label(Kind, app.kind),
        "receipt_id": app.receipt_id, "item_code": app.item.code, "item_name": app.item.name,
        "department": app.department.name, "area_code": app.area_id,
        "area_name": app.area.full_name or app.area.name,
        "household_id": app.household_id, "household_number": app.household.number,
        "applicant_name": app.applicant.name, "applicant_id_number": mask_id_number(app.applicant.id_number),
        "channel": app.channel, "channel_label": _label(Channel, app.channel),
        "status": app.status, "status_label": _label(AppStatus, app.status),
        "waiting_on": app.waiting_on, "waiting_on_label": _label(Level, app.waiting_on),
        "filed_at": app.filed_at, "accepted_on": app.accepted_on, "step_due": app.step_due,
        "total_due": app.total_due, "extended": app.extended, "escalated": app.escalated,
        "sampled": app.sampled, "county_visit_required": app.county_visit_required,
        "separate_registration": app.separate_registration,
        "materials_received": list(app.materials_received), "materials_missing": list(app.materials_missing),
        "opinion": app.opinion, "proposed_amount": money(app.proposed_amount),
        "decision": app.decision, "decided_amount": money(app.decided_amount),
        "notified_on": app.notified_on, "version": app.version,
    }  # fmt: skip


def _events_out(app: Application) -> list[dict[str, Any]]:
    return [
        {"action": e.action, "label": e.label, "from_status": e.from_status, "to_status": e.to_status,
         "actor_name": e.actor_name, "at": e.at, "comment": e.comment}
        for e in app.events.all()
    ]  # fmt: skip


def _notice_out(notice: PublicNotice) -> dict[str, Any]:
    return {
        "id": notice.pk, "kind": notice.kind, "kind_label": _label(NoticeKind, notice.kind),
        "village_code": notice.village_id, "round": notice.round, "starts_on": notice.starts_on,
        "ends_on": notice.ends_on, "closed": notice.closed, "masked_name": notice.masked_name,
        "amount": money(notice.amount),
        "objections": [
            {"id": o.pk, "lodged_at": o.lodged_at, "name": o.name, "phone": mask_phone(o.phone),
             "content": o.content, "status": o.status, "status_label": _label(ObjectionStatus, o.status),
             "handled_at": o.handled_at, "handling": o.handling}
            for o in notice.objections.all()
        ],
    }  # fmt: skip


def _detail_out(app: Application) -> dict[str, Any]:
    investigations = app.investigations.annotate(n_photos=Count("photos")).order_by("visited_on", "id")
    notices = app.notices.prefetch_related("objections").order_by("starts_on", "id")
    return {
        **_application_out(app),
        "reason": app.reason, "is_proxy": app.is_proxy, "proxy_authorisation": app.proxy_authorisation,
        "separate_reason": app.separate_reason, "opinion_reason": app.opinion_reason,
        "decision_reason": app.decision_reason, "decided_at": app.decided_at,
        "suggestion": app.suggestion or {}, "check_result": app.check_result or {},
        "events": _events_out(app),
        "investigations": [
            {"id": i.pk, "kind": i.kind, "kind_label": _label(VisitKind, i.kind), "visited_on": i.visited_on,
             "remote": i.remote, "investigators": list(i.investigators), "present_members": i.present_members,
             "neighbours": i.neighbours, "findings": i.findings, "recommendation": i.recommendation,
             "photo_count": i.n_photos}
            for i in investigations
        ],
        "notices": [_notice_out(n) for n in notices],
    }  # fmt: skip


def _detail(request: HttpRequest, application_id: int) -> dict[str, Any]:
    """Reload through the scoped selector: what the caller may see after the step, as it is now."""
    return _detail_out(
        selectors.application_get_for_user(user=api_user(request), application_id=application_id)
    )


def _receipt_out(request: HttpRequest, receipt: Receipt) -> dict[str, Any]:
    # Only the applications of the receipt that the caller may see (a department window: its own).
    apps = selectors.applications_for_user(user=api_user(request)).filter(receipt=receipt).order_by("id")
    return {
        "id": receipt.pk, "number": receipt.number, "created_at": receipt.created_at,
        "household_id": receipt.household_id, "household_number": receipt.household.number,
        "applicant_name": receipt.applicant.name,
        "applicant_id_number": mask_id_number(receipt.applicant.id_number),
        "area_code": receipt.area_id, "window_area_code": receipt.window_area_id,
        "filed_by": str(receipt.filed_by), "is_proxy": receipt.is_proxy, "missing": list(receipt.missing),
        "note": receipt.note, "applications": [_application_out(a) for a in apps],
    }  # fmt: skip


def _page(limit: int, offset: int) -> tuple[int, int]:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed.single("limit", f"每页条数应在1到{MAX_PAGE}之间")
    if offset < 0:
        raise ValidationFailed.single("offset", "不能为负数")
    return limit, offset


# ---- catalogue ----------------------------------------------------------------------------------


def _catalogue_day(on: str | None) -> Any:
    from dajiuzhu.core import clock
    from dajiuzhu.parameters.validation import parse_date

    if on is None or not on.strip():
        return clock.today()
    day, problem = parse_date(on)
    if problem:
        raise ValidationFailed.single("on", f"日期{problem}")
    return day


@router.get("/items", response={200: list[ItemOut], **ERRORS},
            summary="救助事项目录（启用中的事项，按调用者所在县在该日施行的本地调整）")  # fmt: skip
def item_list(request: HttpRequest, on: Line | None = None) -> list[dict[str, Any]]:
    from dajiuzhu.intake import catalogue

    day = _catalogue_day(on)
    region = catalogue.user_region(api_user(request))
    return [_item_out(i, region=region, on=day)
            for i in catalogue.effective_items(selectors.items_active(), region, day)]  # fmt: skip


@router.get(
    "/items/{code}", response={200: ItemOut, **ERRORS}, summary="一个救助事项：材料、层级、时限（本县施行的）"
)
def item_get(request: HttpRequest, code: Line, on: Line | None = None) -> dict[str, Any]:
    from dajiuzhu.intake import catalogue

    day = _catalogue_day(on)
    region = catalogue.user_region(api_user(request))
    return _item_out(
        catalogue.effective_item(selectors.item_get(code=code), region, day), region=region, on=day
    )


def _change_out(change: Any) -> dict[str, Any]:
    return {
        "id": change.pk, "item_code": change.item.code, "jurisdiction": change.jurisdiction,
        "start": change.start, "version": change.version, "values": change.values,
        "reference": change.reference, "note": change.note,
        "created_by": change.created_by.username if change.created_by else "", "created_at": change.created_at,
    }  # fmt: skip


@router.get("/items/{code}/changes", response={200: list[ItemChangeOut], **ERRORS},
            summary="一个事项的本地调整记录（本级、上级和所辖地区的；谁、何时、自何日起）")  # fmt: skip
def item_changes(request: HttpRequest, code: Line) -> list[dict[str, Any]]:
    from dajiuzhu.intake import catalogue

    user = api_user(request)
    services.item_jurisdiction_for(user)
    return [_change_out(c) for c in catalogue.item_history(user=user, item=selectors.item_get(code=code))]


@router.post("/items/{code}/changes", response={200: ItemChangeOut, **ERRORS},
             summary="本地调整一个事项（只在本辖区施行，自起始日期起；全国统一的定义不能改）")  # fmt: skip
def item_change(request: HttpRequest, code: Line, payload: ItemChangeIn) -> dict[str, Any]:
    user = api_user(request)
    services.item_jurisdiction_for(user)
    item = selectors.item_get(code=code)
    change = services.item_change_create(
        user=user, item_id=item.pk, data=payload.values, version=payload.version, start=payload.start,
        reference=payload.reference, note=payload.note, jurisdiction=payload.jurisdiction, ip=client_ip(request),
    )  # fmt: skip
    return _change_out(change)


# ---- filing and reading -------------------------------------------------------------------------


@router.post(
    "/applications",
    response={201: ReceiptOut, **ERRORS},
    summary="一次办：为申请人家庭登记一项或多项救助申请，返回受理回执",
    description=(
        "身份证号码放在请求体中。材料齐全且经办人处于受理层级时当场受理；缺少的材料在回执上一次性告知。"
        "网格员代办须填写授权委托书。"
    ),
)
def application_file(request: HttpRequest, payload: FileIn) -> Status[dict[str, Any]]:
    receipt = services.applications_file(
        user=api_user(request), id_number=payload.id_number, items=payload.items, materials=payload.materials,
        proxy_authorisation=payload.proxy_authorisation, related_staff=payload.related_staff,
        reason=payload.reason, ip=client_ip(request),
    )  # fmt: skip
    receipt = selectors.receipt_get_for_user(user=api_user(request), receipt_id=receipt.pk)
    return Status(201, _receipt_out(request, receipt))


@router.get("/applications", response={200: ApplicationPage, **ERRORS}, summary="查询申请（本辖区，分页）")
def application_list(
    request: HttpRequest,
    status: Line = Query("", description="状态代码，如 submitted、decision"),
    item: Line = Query("", description="事项代码"),
    area_code: Line = Query("", description="区划代码，含其下级"),
    q: Line = Query("", description="申请编号、申请人姓名或户编号（开头几位）"),
    limit: SmallInt = Query(50, description=f"每页条数（1–{MAX_PAGE}）"),
    offset: SmallInt = Query(0, description="跳过的条数"),
) -> dict[str, Any]:
    limit, offset = _page(limit, offset)
    if status and status not in AppStatus.values:
        raise ValidationFailed.single("status", f"不是有效状态，可选：{'、'.join(AppStatus.values)}")
    qs = selectors.applications_for_user(user=api_user(request), status=status, item=item,
                                         area_code=area_code, q=q)  # fmt: skip
    return {
        "total": qs.count(), "limit": limit, "offset": offset,
        "items": [_application_out(a) for a in qs[offset : offset + limit]],
    }  # fmt: skip


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="申请详情：办理过程、入户调查、公示与异议、研判建议、核对结果（身份证号已脱敏）",
)
def application_get(request: HttpRequest, application_id: int) -> dict[str, Any]:
    return _detail(request, application_id)


@router.get("/queue", response={200: QueueOut, **ERRORS}, summary="我的待办（按本环节到期日排序）及统计")
def queue(
    request: HttpRequest,
    limit: SmallInt = Query(50, description=f"每页条数（1–{MAX_PAGE}）"),
    offset: SmallInt = Query(0, description="跳过的条数"),
) -> dict[str, Any]:
    limit, offset = _page(limit, offset)
    user = api_user(request)
    bench = selectors.workbench_for_user(user=user)
    qs = selectors.queue_for_user(user=user).select_related("department")
    return {
        "total": bench.total, "due_soon": bench.due_soon, "overdue": bench.overdue, "escalated": bench.escalated,
        "supervised_overdue": bench.supervised_overdue,
        "by_status": [{"status": s, "status_label": lbl, "count": n} for s, lbl, n in bench.by_status],
        "limit": limit, "offset": offset,
        "items": [_application_out(a) for a in qs[offset : offset + limit]],
    }  # fmt: skip


@router.get("/receipts/{receipt_id}", response={200: ReceiptOut, **ERRORS}, summary="受理回执")
def receipt_get(request: HttpRequest, receipt_id: int) -> dict[str, Any]:
    return _receipt_out(
        request, selectors.receipt_get_for_user(user=api_user(request), receipt_id=receipt_id)
    )


@router.get(
    "/households/{household_id}/chain",
    response={200: ChainOut, **ERRORS},
    summary="一户一条救助链：该户各部门的全部申请及其办理过程、享受中的救助",
)
def household_chain(request: HttpRequest, household_id: int) -> dict[str, Any]:
    from dajiuzhu.registry.selectors import household_get_for_user

    user = api_user(request)
    # Loads the household through its scoped selector first: out of area → 404 (and a "denied" audit row).
    household = household_get_for_user(user=user, household_id=household_id, ip=client_ip(request))
    chain = selectors.household_chain(household_id=household.pk, user=user)
    ids = [a.pk for a in chain["applications"]]
    apps = (
        Application.objects.filter(pk__in=ids)
        .select_related("item", "area", "applicant", "household", "department")
        .prefetch_related(Prefetch("events"))
        .order_by("filed_at", "id")
    )
    return {
        "household_id": household.pk,
        "household_number": household.number,
        "applications": [{**_application_out(a), "events": _events_out(a)} for a in apps],
        "entitlements": [
            _entitlement_out(e) for e in chain["entitlements"]
        ],
    }  # fmt: skip


# ---- the steps: POST /applications/{id}/{step}, each body with an optional `version` ------------


@router.post("/applications/{application_id}/supplement", response=STEP_RESPONSES, summary="补齐材料")
def step_supplement(request: HttpRequest, application_id: int, payload: SupplementIn) -> dict[str, Any]:
    services.application_supplement(user=api_user(request), application_id=application_id,
                                    materials=payload.materials, version=payload.version, ip=client_ip(request))  # fmt: skip
    return _detail(request, application_id)


@router.post("/applications/{application_id}/accept", response=STEP_RESPONSES, summary="受理")
def step_accept(request: HttpRequest, application_id: int, payload: VersionIn) -> dict[str, Any]:
    services.application_accept(user=api_user(request), application_id=application_id, version=payload.version,
                                ip=client_ip(request))  # fmt: skip
    return _detail(request, application_id)


@router.post(
    "/applications/{application_id}/return", response=STEP_RESPONSES, summary="退回（须写明理由，退给申报方）"
)
def step_return(request: HttpRequest, application_id: int, payload: ReasonIn) -> dict[str, Any]:
    services.application_return(user=api_user(request), application_id=application_id, reason=payload.reason,
                                version=payload.version, ip=client_ip(request))  # fmt: skip
    return _detail(request, application_id)


@router.post("/applications/{application_id}/resubmit", response=STEP_RESPONSES, summary="退回后重新提交")
def step_resubmit(request: HttpRequest, application_id: int, payload: ResubmitIn) -> dict[str, Any]:
    services.application_resubmit(user=api_user(request), application_id=application_id, note=payload.note,
                                  version=payload.version, ip=client_ip(request))  # fmt: skip
    return _detail(request, application_id)


@router.post("/applications/{application_id}/withdraw", response=STEP_RESPONSES, summary="申请人撤回申请")
def step_withdraw(request: HttpRequest, application_id: int, payload: ReasonIn) -> dict[str, Any]:
    services.application_withdraw(user=api_user(request), application_id=application_id, reason=payload.reason,
                                  version=payload.version, ip=client_ip(request))  # fmt: skip
    return _detail(request, application_id)


@router.post(
    "/applications/{application_id}/investigate",
    response=STEP_RESPONSES,
    summary="录入入户调查",
    description="JSON请求体。入户调查照片不通过API上传，请在入户调查页面上传。",
)
def step_investigate(request: HttpRequest, application_id: int, payload: InvestigateIn) -> dict[str, Any]:
    services.application_investigate(
        user=api_user(request), application_id=application_id, visited_on=payload.visited_on,
        investigators=payload.investigators, present_members=payload.present_members, findings=payload.findings,
        recommendation=payload.recommendation, neighbours=payload.neighbours, remote=payload.remote,
        version=payload.version, ip=client_ip(request),
    )  # fmt: skip
    return _detail(request, application_id)


@router.post(
    "/applications/{application_id}/check",
    response=STEP_RESPONSES,
    summary="经济状况核对（按家庭当前数据研判）",
)
def step_check(request: HttpRequest, application_id: int, payload: VersionIn) -> dict[str, Any]:
    services.application_check(user=api_user(request), application_id=application_id, version=payload.version,
                               ip=client_ip(request))  # fmt: skip
    return _detail(request, application_id)


@router.post(
    "/applications/{application_id}/opinion",
    response=STEP_RESPONSES,
    summary="乡镇审核意见（同意则进入公示）",
)
def step_opinion(request: HttpRequest, application_id: int, payload: OpinionIn) -> dict[str, Any]:
    services.application_opinion(user=api_user(request), application_id=application_id, approve=payload.approve,
                                 reason=payload.reason, amount=payload.amount, version=payload.version,
                                 ip=client_ip(request))  # fmt: skip
    return _detail(request, application_id)


@router.post(
    "/applications/{application_id}/notice-close",
    response=STEP_RESPONSES,
    summary="公示期满，结束公示（异议须已处理）",
)
def step_notice_close(request: HttpRequest, application_id: int, payload: VersionIn) -> dict[str, Any]:
    services.notice_close(user=api_user(request), application_id=application_id, version=payload.version,
                          ip=client_ip(request))  # fmt: skip
    return _detail(request, application_id)


@router.post(
    "/applications/{application_id}/county-visit",
    response=STEP_RESPONSES,
    summary="录入县级入户核查",
    description="JSON请求体。核查照片不通过API上传。",
)
def step_county_visit(request: HttpRequest, application_id: int, payload: CountyVisitIn) -> dict[str, Any]:
    services.application_county_visit(
        user=api_user(request), application_id=application_id, visited_on=payload.visited_on,
        investigators=payload.investigators, present_members=payload.present_members, findings=payload.findings,
        version=payload.version, ip=client_ip(request),
    )  # fmt: skip
    return _detail(request, application_id)


@router.post(
    "/applications/{application_id}/decide",
    response=STEP_RESPONSES,
    summary="审批：批准（核定金额，次月起发放）或不予批准（写明理由）",
)
def step_decide(request: HttpRequest, application_id: int, payload: DecideIn) -> dict[str, Any]:
    services.application_decide(
        user=api_user(request), application_id=application_id, approve=payload.approve, reason=payload.reason,
        amount=payload.amount, review_months=payload.review_months, version=payload.version,
        ip=client_ip(request),
    )  # fmt: skip
    return _detail(request, application_id)


@router.post("/applications/{application_id}/notify", response=STEP_RESPONSES, summary="登记决定书送达")
def step_notify(request: HttpRequest, application_id: int, payload: NotifyIn) -> dict[str, Any]:
    services.application_notify(user=api_user(request), application_id=application_id,
                                delivered_on=payload.delivered_on, method=payload.method, version=payload.version,
                                ip=client_ip(request))  # fmt: skip
    return _detail(request, application_id)


@router.post("/applications/{application_id}/extend", response=STEP_RESPONSES, summary="延长办理时限（一次）")
def step_extend(request: HttpRequest, application_id: int, payload: ReasonIn) -> dict[str, Any]:
    services.application_extend(user=api_user(request), application_id=application_id, reason=payload.reason,
                                version=payload.version, ip=client_ip(request))  # fmt: skip
    return _detail(request, application_id)


@router.post(
    "/objections/{objection_id}/handle",
    response=STEP_RESPONSES,
    summary="处理公示异议（成立则退回重新调查），返回该申请",
    description="公众提出异议在村（社区）公示页面办理，不在本API中。",
)
def objection_handle(request: HttpRequest, objection_id: int, payload: ObjectionHandleIn) -> dict[str, Any]:
    objection = services.objection_handle(user=api_user(request), objection_id=objection_id,
                                          upheld=payload.upheld, handling=payload.handling, ip=client_ip(request))  # fmt: skip
    return _detail(request, objection.notice.application_id)


# ---- dynamic management (动态管理): reviews, re-checks and changes run through the steps above ------


def _entitlement_out(e: Entitlement) -> dict[str, Any]:
    return {
        "id": e.pk, "item_code": e.item.code, "item_name": e.item.name, "application_id": e.application_id,
        "beneficiary_name": e.beneficiary.name, "monthly_amount": money(e.monthly_amount),
        "start_month": e.start_month, "end_month": e.end_month, "status": e.status,
        "status_label": _label(EntitlementStatus, e.status), "review_months": e.review_months,
        "next_review_on": e.next_review_on,
    }  # fmt: skip


@router.get(
    "/entitlements", response={200: list[EntitlementOut], **ERRORS}, summary="在享待遇（可筛选到期复核）"
)
def entitlements(
    request: HttpRequest,
    item: Line = "",
    status: Line = "",
    review_due: bool = False,
    limit: SmallInt = 50,
    offset: SmallInt = 0,
) -> list[dict[str, Any]]:
    size, start = _page(limit, offset)
    qs = dynamic.entitlements_for_user(
        user=api_user(request), item=item, status=status, review_due=review_due
    )
    return [_entitlement_out(e) for e in qs[start : start + size]]


@router.post(
    "/entitlements/{entitlement_id}/change",
    response=STEP_RESPONSES,
    summary="乡镇发起调整/停发/渐退（之后按调查、核对、意见、审批办理），返回新申请",
)
def entitlement_change(
    request: HttpRequest, entitlement_id: int, payload: EntitlementChangeIn
) -> dict[str, Any]:
    app = dynamic.change_propose(user=api_user(request), entitlement_id=entitlement_id, action=payload.action,
                                 amount=payload.amount, reason=payload.reason, ip=client_ip(request))  # fmt: skip
    return _detail(request, app.pk)


@router.post(
    "/applications/{application_id}/review-opinion",
    response=STEP_RESPONSES,
    summary="复核/调整类申请的乡镇意见（维持、增发、减发、停发、渐退）",
)
def step_review_opinion(
    request: HttpRequest, application_id: int, payload: ReviewOpinionIn
) -> dict[str, Any]:
    dynamic.review_opinion(user=api_user(request), application_id=application_id, action=payload.action,
                           amount=payload.amount, reason=payload.reason, version=payload.version,
                           ip=client_ip(request))  # fmt: skip
    return _detail(request, application_id)
