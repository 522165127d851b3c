"""Staff pages of the one window (一窗受理): filing, the receipt, the application list and page with the
steps the user may take now, the queue, the catalogue and a household's aid chain.

Thin: parse the request, call a selector or a service, render. Every step goes through intake.services
with the version the page showed, so a stale page gets the conflict message instead of a second step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from dajiuzhu.accounts.models import User
from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.core import clock
from dajiuzhu.core.errors import DomainError, NotFound, ValidationFailed
from dajiuzhu.core.net import client_ip
from dajiuzhu.core.workdays import add_working_days
from dajiuzhu.documents.views import document_response
from dajiuzhu.intake import letters, policy, selectors, services, workflow
from dajiuzhu.intake.models import (
    OPEN_STATUSES,
    Application,
    AssistanceItem,
    InvestigationPhoto,
    Level,
    ObjectionStatus,
    Status,
)
from dajiuzhu.intake.policy import ITEM_PARAMETERS
from dajiuzhu.registry.models import Household, Person
from dajiuzhu.registry.selectors import household_get_for_user, household_members

PAGE_SIZE = 30


def today() -> dt.date:
    return clock.today()


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _date(raw: str | None, field: str) -> dt.date:
    text = (raw or "").strip()
    if not text:
        raise ValidationFailed.single(field, "请填写日期")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.single(field, f"“{text}”不是有效日期（应为 YYYY-MM-DD）") from None


def _version(request: HttpRequest) -> int | None:
    raw = (request.POST.get("version") or "").strip()
    return int(raw) if raw.isdigit() else None


def due_badge(due: dt.date | None, on: dt.date, *, open_: bool = True) -> tuple[str, str] | None:
    """「已逾期」 past the step deadline, 「即将到期」 within the warning window (2 working days)."""
    if due is None or not open_:
        return None
    if due < on:
        return ("已逾期", "bad")
    if due <= add_working_days(on, selectors.WARN_WORKING_DAYS):
        return ("即将到期", "warn")
    return None


def _with_badges(apps: Any, on: dt.date) -> list[Application]:
    from dajiuzhu.intake.catalogue import preload_items

    rows = preload_items(list(apps))  # the rows' local catalogue in one query, not one per row
    for app in rows:
        app.badge = due_badge(app.step_due, on, open_=app.status in OPEN_STATUSES)  # type: ignore[attr-defined]
    return rows


# ---- 1. 一窗受理 ------------------------------------------------------------------------------------------


def _household_for(user: User, id_number: str, ip: str | None) -> tuple[Household, Person]:
    return selectors.applicant_by_id_number(user=user, id_number=id_number, ip=ip)


def _catalogue_groups(
    posted: Any | None, eligible_codes: set[str], amounts: dict[str, str], *, county_code: str, on: dt.date
) -> list[dict[str, Any]]:
    """Active items as the household's county has them on the day, grouped by department, each with its
    materials; ticks come from the posted form, else the items whose programme the check finds eligible."""
    from dajiuzhu.intake.catalogue import effective_items

    chosen = set(posted.getlist("items")) if posted is not None else None
    groups: dict[int, dict[str, Any]] = {}
    for item in effective_items(selectors.items_active(), county_code, on):
        group = groups.setdefault(item.department_id, {"department": item.department, "items": []})
        got = set(posted.getlist(f"materials_{item.code}")) if posted is not None else set()
        group["items"].append({
            "item": item,
            "checked": item.code in chosen if chosen is not None else bool(item.programme and item.programme in eligible_codes),
            "suggested": bool(item.programme and item.programme in eligible_codes),
            "amount": amounts.get(item.programme, ""),
            "materials": [(m["name"], m["name"] in got) for m in item.materials if not m.get("platform")],
            "platform": [m["name"] for m in item.materials if m.get("platform")],
        })  # fmt: skip
    return list(groups.values())


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Type the ID number (POSTed: never in the address), see the household and the suggestions, tick
    the items and the materials brought, file → the receipt."""
    user = _user(request)
    user_require(user, Capability.INTAKE_FILE)
    on = today()
    context: dict[str, Any] = {"id_number": "", "on": on}
    action = request.POST.get("action", "lookup") if request.method == "POST" else ""
    if request.method == "POST":
        id_number = (request.POST.get("id_number") or "").strip()
        context["id_number"] = id_number
        context["values"] = request.POST if action == "file" else {}
        try:
            household, person = _household_for(user, id_number, client_ip(request))
        except DomainError as exc:
            context["error"] = exc
        else:
            hints = selectors.suggestions_for(
                user=user, household_id=household.pk, on=on, ip=client_ip(request)
            )
            context.update({
                "household": household, "person": person, "members": list(household_members(household)),
                "hints": hints, "is_grid": user.role == "grid_worker",
                "groups": _catalogue_groups(request.POST if action == "file" else None, hints.codes,
                                            hints.amounts, county_code=household.area.county_code, on=on),
            })  # fmt: skip
            if action == "file":
                codes = request.POST.getlist("items")
                try:
                    receipt = services.applications_file(
                        user=user, id_number=id_number, items=codes,
                        materials={c: request.POST.getlist(f"materials_{c}") for c in codes},
                        proxy_authorisation=request.POST.get("proxy_authorisation", ""),
                        related_staff=request.POST.get("related_staff", ""),
                        reason=request.POST.get("reason", ""), ip=client_ip(request), today=on,
                    )  # fmt: skip
                except DomainError as exc:
                    context["file_error"] = exc
                else:
                    messages.success(
                        request, f"已登记 {receipt.applications.count()} 项申请，回执编号 {receipt.number}"
                    )
                    return redirect("intake:receipt", receipt_id=receipt.pk)
    if request.headers.get("HX-Request") and action == "lookup":
        return render(request, "intake/_start_household.html", context)
    return render(request, "intake/start.html", context)


# ---- 2. 受理回执 ------------------------------------------------------------------------------------------


@login_required
def receipt_view(request: HttpRequest, receipt_id: int) -> HttpResponse:
    """The receipt as issued at filing (the stored document), with links to each application's progress."""
    receipt, document = letters.receipt_for_user(
        user=request.user, receipt_id=receipt_id, ip=client_ip(request)
    )
    if request.GET.get("download"):  # the address of the former HTML download
        return document_response(user=request.user, document=document, fmt="html", ip=client_ip(request))
    apps = list(receipt.applications.select_related("item", "department").order_by("id"))
    return render(request, "intake/receipt.html", {"receipt": receipt, "apps": apps, "document": document})


@login_required
def receipt_file(request: HttpRequest, receipt_id: int, fmt: str) -> HttpResponse:
    """The stored receipt's PDF (?inline=1 opens it for printing) or HTML snapshot; audited."""
    _receipt, document = letters.receipt_for_user(
        user=request.user, receipt_id=receipt_id, ip=client_ip(request)
    )
    inline = bool(request.GET.get("inline"))
    return document_response(
        user=request.user, document=document, fmt=fmt, inline=inline, ip=client_ip(request)
    )


# ---- 3. 申请查询 ------------------------------------------------------------------------------------------


def _local_items(user: Any, on: dt.date) -> list[AssistanceItem]:
    """The active items as the user's area has them on the day (names in filters and lists)."""
    from dajiuzhu.intake.catalogue import effective_items, user_region

    return effective_items(selectors.items_active(), user_region(user), on)


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "item", "area", "q")}
    apps = selectors.applications_for_user(
        user=user, status=filters["status"], item=filters["item"], area_code=filters["area"], q=filters["q"]
    )
    page = Paginator(apps, PAGE_SIZE).get_page(request.GET.get("page"))
    on = today()
    context = {
        "page": page, "rows": _with_badges(page.object_list, on), "filters": filters,
        "statuses": Status.choices, "items": _local_items(user, on),
    }  # fmt: skip
    if request.headers.get("HX-Request"):
        return render(request, "intake/_application_rows.html", context)
    return render(request, "intake/applications.html", context)


# ---- 4. 申请详情 and the steps ------------------------------------------------------------------------------


def _actions(user: User, app: Application) -> list[str]:
    """The forms this user may submit now: the level the step waits on, at the status it is in. The
    services check the same again; this only keeps buttons off a page that would be refused."""
    if not user.can(Capability.INTAKE_PROCESS):
        return []
    may = workflow.may_act(user, app.waiting_on, department_id=app.department_id)
    by_status: dict[str, list[str]] = {
        Status.MATERIALS: ["supplement", "withdraw"],
        Status.SUBMITTED: ["accept", "return", "withdraw"],
        Status.RETURNED: ["resubmit", "withdraw"],
        Status.ACCEPTED: ["investigate", "return", "withdraw"],
        Status.CHECKING: ["check", "withdraw"],
        Status.OPINION: ["opinion", "return", "withdraw"],
        Status.NOTICE: ["objection", "close_notice"],
        Status.DECISION: ["county_visit", "decide", "return", "withdraw"],
        Status.APPROVED: ["notify"],
        Status.REJECTED: ["notify"],
    }
    actions = list(by_status.get(app.status, [])) if may else []
    if "county_visit" in actions and not services.county_visit_needed(app):
        actions.remove("county_visit")
    if "notify" in actions and app.notified_on is not None:
        actions.remove("notify")
    if "objection" in actions and not _open_objections(app):
        actions.remove("objection")
    level = workflow.user_level(user)
    if (
        app.status in OPEN_STATUSES and app.accepted_on is not None and not app.extended
        and level in (Level.TOWNSHIP, Level.COUNTY, Level.DEPARTMENT)
        and (level != Level.DEPARTMENT or user.department_id == app.department_id)
    ):  # fmt: skip
        actions.append("extend")
    return actions


def _open_objections(app: Application) -> list[Any]:
    return [o for n in app.notices.all() for o in n.objections.all() if o.status == ObjectionStatus.OPEN]


def _detail_context(request: HttpRequest, app: Application) -> dict[str, Any]:
    user = _user(request)
    on = today()
    is_open = app.status in OPEN_STATUSES
    suggestion = app.suggestion or {}
    check = app.check_result or {}
    return {
        "app": app,
        "on": on,
        "badge": due_badge(app.step_due, on, open_=is_open),
        "total_badge": due_badge(app.total_due, on, open_=is_open),
        "events": list(app.events.select_related("actor").order_by("at", "id")),
        "investigations": list(app.investigations.prefetch_related("photos").order_by("visited_on", "id")),
        "notices": list(app.notices.prefetch_related("objections").order_by("round", "id")),
        "open_objections": _open_objections(app),
        "suggestion": suggestion,
        "check": check,
        "check_programme": check.get("programme") or {},
        "entitlement": selectors.application_entitlement(app),
        "actions": _actions(user, app),
        "materials_required": [m["name"] for m in app.item.materials if not m.get("platform")],
        "materials_platform": [m["name"] for m in app.item.materials if m.get("platform")],
        "has_letter": app.status in (Status.APPROVED, Status.REJECTED),
        "values_for": {},
        "investigator_values": ["", "", ""],
        "review_cycles": _review_cycles(app, on),
    }


def _review_cycles(app: Application, on: dt.date) -> dict[str, int]:
    try:
        return policy.review_months(on=on, region=app.area.county_code, programme=app.item.programme)
    except ValidationFailed:
        return {}  # the decision itself then refuses with the parameter's name


ACTION_LABELS = {
    "supplement": "补齐材料", "accept": "受理", "return": "退回", "resubmit": "重新提交", "withdraw": "撤回申请",
    "investigate": "录入入户调查", "check": "经济状况核对", "opinion": "乡镇审核意见", "objection": "处理公示异议",
    "close_notice": "结束公示", "county_visit": "县级入户核查", "decide": "审批", "notify": "登记送达",
    "extend": "延长办理时限",
}  # fmt: skip


@login_required
def application_view(request: HttpRequest, application_id: int) -> HttpResponse:
    app = selectors.application_get_for_user(user=request.user, application_id=application_id)
    return render(request, "intake/application.html", _detail_context(request, app))


def _approve(request: HttpRequest, field: str) -> bool:
    value = request.POST.get("decision", "")
    if value not in ("approve", "reject"):
        raise ValidationFailed.single(field, "请选择同意（批准）或不同意（不予批准）")
    return value == "approve"


def _names(request: HttpRequest) -> list[str]:
    return [n.strip() for n in request.POST.getlist("investigators") if n.strip()]


def _step(request: HttpRequest, app: Application, action: str) -> str:
    """Call the service of one step; returns the success message."""
    user, p = _user(request), request.POST
    common: dict[str, Any] = {
        "user": user, "application_id": app.pk, "version": _version(request), "ip": client_ip(request), "today": today(),
    }  # fmt: skip
    steps: dict[str, Callable[[], Any]] = {
        "supplement": lambda: services.application_supplement(**common, materials=p.getlist("materials")),
        "accept": lambda: services.application_accept(**common),
        "return": lambda: services.application_return(**common, reason=p.get("reason", "")),
        "resubmit": lambda: services.application_resubmit(**common, note=p.get("note", "")),
        "withdraw": lambda: services.application_withdraw(**common, reason=p.get("reason", "")),
        "investigate": lambda: services.application_investigate(
            **common,
            visited_on=_date(p.get("visited_on"), "调查日期"),
            investigators=_names(request),
            present_members=p.get("present_members", ""),
            neighbours=p.get("neighbours", ""),
            findings=p.get("findings", ""),
            recommendation=p.get("recommendation", ""),
            remote=bool(p.get("remote")),
            photos=request.FILES.getlist("photos"),
        ),
        "check": lambda: services.application_check(**common),
        "opinion": lambda: services.application_opinion(
            **common,
            approve=_approve(request, "审核意见"),
            reason=p.get("reason", ""),
            amount=p.get("amount", ""),
        ),
        "close_notice": lambda: services.notice_close(**common),
        "county_visit": lambda: services.application_county_visit(
            **common,
            visited_on=_date(p.get("visited_on"), "核查日期"),
            investigators=_names(request),
            present_members=p.get("present_members", ""),
            findings=p.get("findings", ""),
        ),
        "decide": lambda: services.application_decide(
            **common,
            approve=_approve(request, "审批结果"),
            reason=p.get("reason", ""),
            amount=p.get("amount", ""),
            review_months=_months(p.get("review_months", "")),
        ),
        "notify": lambda: services.application_notify(
            **common, delivered_on=_date(p.get("delivered_on"), "送达日期"), method=p.get("method", "")
        ),
        "extend": lambda: services.application_extend(**common, reason=p.get("reason", "")),
        "objection": lambda: _objection(request, app),
    }
    if action not in steps:
        raise NotFound("没有这个办理环节")
    steps[action]()
    return f"已办理：{ACTION_LABELS[action]}"


def _months(raw: str) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None  # the stable cycle in force
    if not text.isdigit():
        raise ValidationFailed.single("复核周期", "请选择复核周期（月数）")
    return int(text)


def _objection(request: HttpRequest, app: Application) -> Any:
    raw = (request.POST.get("objection") or "").strip()
    if not raw.isdigit() or int(raw) not in {o.pk for o in _open_objections(app)}:
        raise ValidationFailed.single("公示异议", "请选择要处理的异议")
    result = request.POST.get("result", "")
    if result not in ("upheld", "dismissed"):
        raise ValidationFailed.single("处理结果", "请选择异议成立或不成立")
    return services.objection_handle(
        user=_user(request), objection_id=int(raw), upheld=result == "upheld",
        handling=request.POST.get("handling", ""), version=_version(request), ip=client_ip(request), today=today(),
    )  # fmt: skip


@login_required
@require_POST
def application_act(request: HttpRequest, application_id: int, action: str) -> HttpResponse:
    """One step from the application page. Success → back to the page (PRG); a refusal → the page
    again with the message naming the field, and nothing changed."""
    app = selectors.application_get_for_user(user=request.user, application_id=application_id)
    try:
        message = _step(request, app, action)
    except NotFound:
        raise
    except DomainError as exc:
        app = selectors.application_get_for_user(user=request.user, application_id=application_id)
        context = _detail_context(request, app)
        names = [n.strip() for n in request.POST.getlist("investigators")]
        context.update({
            "error": exc, "error_action": action, "values_for": {action: request.POST},
            "investigator_values": [*names, "", "", ""][: max(3, len(names))],
        })  # fmt: skip
        return render(request, "intake/application.html", context, status=exc.status)
    messages.success(request, message)
    return redirect("intake:application", application_id=app.pk)


@login_required
def photo_view(request: HttpRequest, photo_id: int) -> FileResponse:
    """Investigation photos are served only to users who may see the application (never as public media)."""
    # One answer for a photo that does not exist and one of an application outside the user's area.
    missing = NotFound("照片不存在或不在您的管辖范围内")
    photo = InvestigationPhoto.objects.select_related("investigation").filter(pk=photo_id).first()
    if photo is None:
        raise missing
    try:
        selectors.application_get_for_user(
            user=request.user, application_id=photo.investigation.application_id
        )
    except NotFound:
        raise missing from None
    return FileResponse(photo.image.open("rb"), filename=(photo.image.name or "photo").rsplit("/", 1)[-1])


# ---- 8. 决定书 / 不予批准通知书 ----------------------------------------------------------------------------


@login_required
def letter_view(request: HttpRequest, application_id: int) -> HttpResponse:
    """The 决定书 / 不予批准通知书 as issued at the decision (the stored document, never re-rendered)."""
    app, document = letters.letter_for_user(
        user=request.user, application_id=application_id, ip=client_ip(request)
    )
    return render(request, "intake/letter.html", {
        "app": app, "approved": app.status == Status.APPROVED, "document": document,
    })  # fmt: skip


@login_required
def letter_file(request: HttpRequest, application_id: int, fmt: str) -> HttpResponse:
    """The stored letter's PDF (?inline=1 opens it for printing) or HTML snapshot; audited."""
    _app, document = letters.letter_for_user(
        user=request.user, application_id=application_id, ip=client_ip(request)
    )
    inline = bool(request.GET.get("inline"))
    return document_response(
        user=request.user, document=document, fmt=fmt, inline=inline, ip=client_ip(request)
    )


# ---- 5. 待办 ----------------------------------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    user_require(user, Capability.INTAKE_PROCESS)
    on = today()
    supervisor = workflow.user_level(user) in (Level.TOWNSHIP, Level.COUNTY)
    return render(request, "intake/queue.html", {
        "rows": _with_badges(selectors.queue_for_user(user=user)[:200], on),
        "overdue": _with_badges(selectors.overdue_for_user(user=user, today=on)[:200], on) if supervisor else None,
        "bench": selectors.workbench_for_user(user=user, today=on), "on": on,
    })  # fmt: skip


# ---- 6. 事项目录 ------------------------------------------------------------------------------------------

# The local choices a county (or the province) may change; the rest of an item is shown read-only.
DAY_FIELDS = [
    ("notice_days", "公示天数"), ("accept_days", "受理时限"), ("investigation_days", "调查时限"),
    ("check_days", "核对时限"), ("opinion_days", "审核意见时限"), ("decision_days", "审批时限"),
    ("notify_days", "送达时限"), ("total_days", "办结时限"), ("total_days_delegated", "下放后办结时限"),
    ("total_days_extended", "延长后办结时限"), ("sampling_percent", "县级抽查比例"),
]  # fmt: skip
NATIONAL_BOOLS = [
    ("needs_investigation", "入户调查"), ("needs_check", "经济状况核对"), ("needs_opinion", "乡镇审核意见"),
    ("public_notice", "公示"), ("publish_after", "审批后公布"),
]  # fmt: skip


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _materials_text(item: AssistanceItem) -> str:
    return "\n".join(m["name"] + ("（平台获取）" if m.get("platform") else "") for m in item.materials)


def _item_form(
    item: AssistanceItem, posted: Any | None, error: DomainError | None, on: dt.date
) -> dict[str, Any]:
    """Field rows for the edit page: the posted value after a refusal, else the effective item's, with
    the service's message next to the field it names; the national definition as read-only rows."""
    from dajiuzhu.accounts.models import Department

    by_field: dict[str, list[str]] = {}
    for err in getattr(error, "errors", []) or []:
        by_field.setdefault(err.field, []).append(err.message)

    def value(name: str, current: Any) -> Any:
        return posted.get(name, "") if posted is not None else current

    steps = "、".join(lb for n, lb in NATIONAL_BOOLS if getattr(item, n)) or "无"
    return {
        "name": value("name", item.name), "name_errors": by_field.get("事项名称", []),
        "department": value("department", item.department.code), "department_errors": by_field.get("主管部门", []),
        "departments": list(Department.objects.order_by("sort", "code").values_list("code", "name")),
        "days": [{"name": n, "label": lb, "value": value(n, _blank(getattr(item, n))), "errors": by_field.get(lb, []),
                  "parameter": ITEM_PARAMETERS.get(n, "")} for n, lb in DAY_FIELDS],
        "materials": value("materials", _materials_text(item)), "materials_errors": by_field.get("申请材料", []),
        "can_delegate": item.decide_level == Level.COUNTY,
        "delegated": bool(posted.get("delegated")) if posted is not None else item.delegated,
        "delegated_errors": by_field.get("审批权下放乡镇", []),
        "start": value("start", on.isoformat()), "start_errors": by_field.get("起始日期", []),
        "reference": value("reference", ""), "reference_errors": by_field.get("依据", []),
        "note": value("note", ""), "note_errors": by_field.get("备注", []),
        "national": [("事项代码", item.code), ("类别", item.category or "—"),
                     ("对应研判项目", item.programme or "—"), ("受理层级", item.get_accept_level_display()),
                     ("审批层级", item.get_decide_level_display()), ("办理环节", steps),
                     ("政策依据", item.reference or "—"), ("启用", "是" if item.is_active else "否")],
    }  # fmt: skip


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    from dajiuzhu.intake import catalogue as cat
    from dajiuzhu.parameters.selectors import jurisdiction_names

    user = _user(request)
    on = today()
    region = cat.user_region(user)
    rows = []
    for item in cat.effective_items(selectors.items_all(user=user), region, on):
        delegated = cat.delegated_counties(item, region, on)
        rows.append({"item": item, "local": bool(cat.local_fields_set(item, region, on)),
                     "delegated": list(jurisdiction_names(delegated).values()) if delegated else []})  # fmt: skip
    return render(request, "intake/catalogue.html", {
        "rows": rows, "on": on, "where": jurisdiction_names([region])[region],
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    from dajiuzhu.intake import catalogue as cat
    from dajiuzhu.parameters.selectors import jurisdiction_names

    user = _user(request)
    base = selectors.items_all(user=user).filter(pk=item_id).first()
    if base is None:
        raise NotFound("事项不存在")
    own = services.item_jurisdiction_for(user)
    on = today()
    error: DomainError | None = None
    if request.method == "POST":
        p = request.POST
        data: dict[str, Any] = {n: p.get(n, "") for n, _ in DAY_FIELDS}
        data.update({"name": p.get("name", ""), "department": p.get("department", ""),
                     "materials": p.get("materials", "")})  # fmt: skip
        if base.decide_level == Level.COUNTY:
            data["delegated"] = "1" if p.get("delegated") else ""
        try:
            services.item_change_create(user=user, item_id=base.pk, data=data, version=p.get("version", ""),
                                        start=p.get("start", ""), reference=p.get("reference", ""),
                                        note=p.get("note", ""), ip=client_ip(request), today=on)  # fmt: skip
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request,
                f"已保存事项「{data['name'] or base.name}」在本辖区的调整，自 {p.get('start')} 起施行",
            )
            return redirect("intake:catalogue_edit", item_id=base.pk)
    item = cat.effective_item(base, own, on)
    history = cat.item_history(user=user, item=base)
    names = jurisdiction_names(sorted({own, *(h.jurisdiction for h in history)}))
    return render(request, "intake/catalogue_edit.html", {
        "item": item, "version": cat.jurisdiction_version(base, own), "where": names[own],
        "form": _item_form(item, request.POST if error else None, error, on), "error": error,
        "history": [{"row": h, "where": names.get(h.jurisdiction, h.jurisdiction), "in_force_later": h.start > on,
                     "values": [(cat.LOCAL_FIELDS.get(k, k), _shown(k, v)) for k, v in h.values.items()]}
                    for h in history],
    }, status=error.status if error else 200)  # fmt: skip


def _shown(key: str, value: Any) -> str:
    if key == "materials":
        return "、".join(m["name"] + ("（平台获取）" if m.get("platform") else "") for m in value or [])
    if key == "delegated":
        return "是" if value else "否"
    if value is None:
        return "按政策参数"
    return str(value)


# ---- 7. 救助链 --------------------------------------------------------------------------------------------


@login_required
def household_chain(request: HttpRequest, household_id: int) -> HttpResponse:
    household = household_get_for_user(user=request.user, household_id=household_id, ip=client_ip(request))
    chain = selectors.household_chain(household_id=household.pk, user=request.user)
    on = today()
    apps = _with_badges(chain["applications"], on)
    for app in apps:
        events = list(app.events.all())
        app.last_event = events[-1] if events else None  # type: ignore[attr-defined]
    return render(request, "intake/_chain.html", {
        "household": household, "apps": apps, "entitlements": chain["entitlements"], "on": on,
    })  # fmt: skip
