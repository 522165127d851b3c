"""Pages of home care: the 12349 desk (find the caller, see the elder and the hours left, place an order),
the county's order list (assign, decide exceptions, follow up), providers and carers, and the carer's
phone page (today's visits, check-in and check-out located once at each end)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.core import clock
from dajiuzhu.core.errors import DomainError
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.core.net import client_ip
from dajiuzhu.eldercare import homecare, selectors
from dajiuzhu.eldercare.inputs import form_errors as _errors
from dajiuzhu.eldercare.models import Decision, OrderSource, OrderStatus, VisitException


@login_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()
    found: list[Any] = []
    error: DomainError | None = None
    if q:
        try:
            found = selectors.callers(user=request.user, text=q, ip=client_ip(request))
        except DomainError as exc:
            error = exc
        if len(found) == 1:
            return redirect("eldercare:desk_elder", found[0].pk)
    else:
        from dajiuzhu.accounts.selectors import user_require

        user_require(request.user, Capability.ELDER_ORDER)
    rows = [(p, mask_id_number(p.id_number)) for p in found]
    return render(request, "eldercare/desk.html", {"q": q, "rows": rows, "error": error, "searched": bool(q)})


def _desk_elder(request: HttpRequest, person_id: int, *, error: DomainError | None = None,
                values: dict[str, Any] | None = None) -> HttpResponse:  # fmt: skip
    person, assessments = selectors.assessments_for_person(
        user=request.user, person_id=person_id, ip=client_ip(request)
    )
    latest = assessments.first()
    hours = homecare.hours_of(person, clock.today(), user=request.user)
    orders = homecare.orders_visible(request.user).filter(person=person).order_by("-planned_on", "-id")[:20]
    return render(
        request,
        "eldercare/desk_elder.html",
        {
            "person": person,
            "masked_id": mask_id_number(person.id_number),
            "latest": latest,
            "hours": hours,
            "orders": list(orders),
            "kinds": list(homecare.catalogue().values()),
            "kind_labels": {k.code: k.label for k in homecare.catalogue().values()},
            "providers": list(homecare.providers_visible(request.user)),
            "sources": OrderSource.choices,
            "today": clock.today(),
            "values": values or {},
            "error": error,
            "errors": _errors(error),
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def desk_elder(request: HttpRequest, person_id: int) -> HttpResponse:
    if request.method == "POST":
        values: dict[str, Any] = request.POST.dict()
        values["items"] = request.POST.getlist("items")
        values["person_id"] = person_id
        values.pop("id_number", None)
        try:
            order = homecare.order_place(user=request.user, data=values, ip=client_ip(request))
        except DomainError as exc:
            return _desk_elder(request, person_id, error=exc, values=values)
        messages.success(request, f"已下单：{order.planned_on:%Y-%m-%d} {order.planned_minutes}分钟，待派单")
        return redirect("eldercare:desk_elder", person_id)
    return _desk_elder(request, person_id)


def _orders_page(request: HttpRequest, *, error: DomainError | None = None) -> HttpResponse:
    status = request.GET.get("status") or ""
    qs = homecare.orders_visible(request.user).select_related("visit")
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    orders = list(qs.order_by("-planned_on", "-id")[:200])
    carers: dict[int, list[Any]] = {}
    for provider in homecare.providers_visible(request.user).prefetch_related("carers"):
        carers[provider.pk] = [c for c in provider.carers.all() if c.is_active]
    return render(
        request,
        "eldercare/orders.html",
        {
            "orders": [(o, carers.get(o.provider_id, [])) for o in orders],
            "status": status,
            "statuses": OrderStatus.choices,
            "decisions": Decision.choices,
            "exception_labels": dict(VisitException.choices),
            "can_admin": request.user.can(Capability.ELDER_ADMIN),  # type: ignore[union-attr]
            "can_order": request.user.can(Capability.ELDER_ORDER),  # type: ignore[union-attr]
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    return _orders_page(request)


def _order_step(request: HttpRequest, action: Any, done: str) -> HttpResponse:
    try:
        action(request.POST)
    except DomainError as exc:
        return _orders_page(request, error=exc)
    messages.success(request, done)
    target = request.POST.get("next") or ""
    if target.startswith("/eldercare/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("eldercare:orders")


@login_required
@require_POST
def order_assign(request: HttpRequest, order_id: int) -> HttpResponse:
    return _order_step(
        request,
        lambda p: homecare.order_assign(
            user=request.user,
            order_id=order_id,
            carer_id=p.get("carer"),
            version=p.get("version"),
            ip=client_ip(request),
        ),
        "已派单",
    )


@login_required
@require_POST
def order_decide(request: HttpRequest, order_id: int) -> HttpResponse:
    return _order_step(
        request,
        lambda p: homecare.decide(
            user=request.user,
            order_id=order_id,
            decision=p.get("decision", ""),
            note=p.get("note", ""),
            ip=client_ip(request),
        ),
        "已审核",
    )


@login_required
@require_POST
def order_follow_up(request: HttpRequest, order_id: int) -> HttpResponse:
    return _order_step(
        request,
        lambda p: homecare.follow_up(
            user=request.user, order_id=order_id, data=p.dict(), ip=client_ip(request)
        ),
        "已记录回访",
    )


@login_required
@require_POST
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    return _order_step(
        request,
        lambda p: homecare.order_cancel(
            user=request.user, order_id=order_id, reason=p.get("reason", ""), ip=client_ip(request)
        ),
        "已取消工单",
    )


@login_required
@require_http_methods(["GET", "POST"])
def providers(request: HttpRequest) -> HttpResponse:
    error: DomainError | None = None
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            if values.get("form") == "carer":
                homecare.carer_add(
                    user=request.user,
                    provider_id=int(values.get("provider") or 0),
                    data=values,
                    ip=client_ip(request),
                )
                messages.success(request, "已添加护理员")
            else:
                homecare.provider_save(user=request.user, data=values, ip=client_ip(request))
                messages.success(request, "已登记服务机构")
        except DomainError as exc:
            error = exc
        else:
            return redirect("eldercare:providers")
    rows = list(homecare.providers_visible(request.user).prefetch_related("carers"))
    return render(
        request,
        "eldercare/providers.html",
        {
            "rows": rows,
            "can_admin": request.user.can(Capability.ELDER_ADMIN),  # type: ignore[union-attr]
            "values": values,
            "error": error,
            "errors": _errors(error),
        },
        status=400 if error else 200,
    )


# ---- the carer's phone page ------------------------------------------------------------------------------------


def _carer_page(
    request: HttpRequest, *, error: DomainError | None = None, failed: int | None = None
) -> HttpResponse:
    rows = homecare.carer_orders(user=request.user)
    return render(
        request,
        "eldercare/carer.html",
        {
            "rows": [(o, [(code, homecare.item_label(code)) for code in o.items]) for o in rows],
            "today": clock.today(),
            "error": error,
            "failed": failed,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def carer_today(request: HttpRequest) -> HttpResponse:
    return _carer_page(request)


def _carer_step(request: HttpRequest, order_id: int, action: Any, done: str) -> HttpResponse:
    data: dict[str, Any] = request.POST.dict()
    data["items_done"] = request.POST.getlist("items_done")
    try:
        action(data)
    except DomainError as exc:
        return _carer_page(request, error=exc, failed=order_id)
    messages.success(request, done)
    return redirect("eldercare:carer_today")


@login_required
@require_POST
def carer_check_in(request: HttpRequest, order_id: int) -> HttpResponse:
    return _carer_step(
        request,
        order_id,
        lambda d: homecare.check_in(user=request.user, order_id=order_id, data=d, ip=client_ip(request)),
        "已签到",
    )


@login_required
@require_POST
def carer_check_out(request: HttpRequest, order_id: int) -> HttpResponse:
    return _carer_step(
        request,
        order_id,
        lambda d: homecare.check_out(user=request.user, order_id=order_id, data=d, ip=client_ip(request)),
        "已签退",
    )


@login_required
@require_POST
def carer_no_show(request: HttpRequest, order_id: int) -> HttpResponse:
    return _carer_step(
        request,
        order_id,
        lambda d: homecare.report_no_show(
            user=request.user, order_id=order_id, reason=d.get("reason", ""), ip=client_ip(request)
        ),
        "已报告未上门",
    )


# ---- provider settlement -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def statements(request: HttpRequest) -> HttpResponse:
    from dajiuzhu.core import months
    from dajiuzhu.eldercare import settlement

    raw = (request.POST.get("month") or request.GET.get("month") or "").strip()
    error: DomainError | None = None
    try:
        month = months.parse(raw) if raw else months.first_of(clock.today())
    except ValueError as exc:
        month, error = months.first_of(clock.today()), DomainError(str(exc))
    if request.method == "POST" and error is None:
        try:
            made = settlement.statement_prepare(
                user=request.user,
                provider_id=int(request.POST.get("provider") or 0),
                month=month,
                ip=client_ip(request),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, "已生成结算单")
            return redirect("eldercare:statement", made.pk)
    existing = {s.provider_id: s for s in settlement.statements_visible(request.user).filter(month=month)}
    rows = [(p, existing.get(p.pk)) for p in homecare.providers_visible(request.user)]
    return render(
        request,
        "eldercare/statements.html",
        {
            "rows": rows,
            "month": month,
            "period": months.period(month),
            "can_admin": request.user.can(Capability.ELDER_ADMIN),  # type: ignore[union-attr]
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def statement(request: HttpRequest, statement_id: int) -> HttpResponse:
    from dajiuzhu.eldercare import settlement

    error: DomainError | None = None
    if request.method == "POST":
        try:
            settlement.statement_approve(
                user=request.user,
                statement_id=statement_id,
                version=request.POST.get("version"),
                ip=client_ip(request),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, "结算单已审核")
            return redirect("eldercare:statement", statement_id)
    view = settlement.statement_view(user=request.user, statement_id=statement_id)
    return render(
        request,
        "eldercare/statement.html",
        {
            "v": view,
            "s": view.statement,
            "exception_labels": dict(VisitException.choices),
            "can_admin": request.user.can(Capability.ELDER_ADMIN),  # type: ignore[union-attr]
            "error": error,
        },
        status=400 if error else 200,
    )


# ---- canteens ---------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def canteen_list(request: HttpRequest) -> HttpResponse:
    from dajiuzhu.eldercare import canteens

    error: DomainError | None = None
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            made = canteens.canteen_add(user=request.user, data=values, ip=client_ip(request))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, f"已登记助老食堂：{made.name}")
            return redirect("eldercare:canteen", made.pk)
    return render(
        request,
        "eldercare/canteens.html",
        {
            "rows": list(canteens.canteens_visible(request.user)),
            "can_admin": request.user.can(Capability.ELDER_ADMIN),  # type: ignore[union-attr]
            "values": values,
            "error": error,
            "errors": _errors(error),
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def canteen(request: HttpRequest, canteen_id: int) -> HttpResponse:
    """The till: record today's meal by ID card, see today's meals and the month's settlement."""
    from dajiuzhu.core import months
    from dajiuzhu.eldercare import canteens

    error: DomainError | None = None
    if request.method == "POST":
        try:
            meal = canteens.meal_record(
                user=request.user, canteen_id=canteen_id, data=request.POST.dict(), ip=client_ip(request)
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, f"{meal.person.name}：补贴{meal.subsidy}元，本人支付{meal.self_pay}元")
            return redirect("eldercare:canteen", canteen_id)
    raw = (request.GET.get("month") or "").strip()
    try:
        month = months.parse(raw) if raw else months.first_of(clock.today())
    except ValueError:
        month = months.first_of(clock.today())
    settled = canteens.canteen_month(user=request.user, canteen_id=canteen_id, month=month)
    today = list(
        settled.canteen.meals.filter(day=clock.today()).select_related("person").order_by("-id")[:100]
    )
    return render(
        request,
        "eldercare/canteen.html",
        {"m": settled, "c": settled.canteen, "today": today, "period": months.period(month), "error": error},
        status=400 if error else 200,
    )


# ---- volunteer visits and home adaptation --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def community(request: HttpRequest) -> HttpResponse:
    from dajiuzhu.core import months
    from dajiuzhu.eldercare import community as svc

    error: DomainError | None = None
    form = request.POST.get("form", "")
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = {**request.POST.dict(), "items": request.POST.getlist("items")}
        try:
            if form == "volunteer":
                svc.volunteer_visit_record(user=request.user, data=values, ip=client_ip(request))
                messages.success(request, "已登记志愿探访")
            elif form == "accept":
                svc.adaptation_accept(
                    user=request.user, project_id=int(values.get("project") or 0), data=values,
                    photos=request.FILES.getlist("photos"), ip=client_ip(request),
                )  # fmt: skip
                messages.success(request, "已验收")
            else:
                svc.adaptation_plan(user=request.user, data=values, ip=client_ip(request))
                messages.success(request, "已登记适老化改造项目")
        except DomainError as exc:
            error = exc
        else:
            return redirect("eldercare:community")
    raw = (request.GET.get("month") or "").strip()
    try:
        month = months.parse(raw) if raw else months.first_of(clock.today())
    except ValueError:
        month = months.first_of(clock.today())
    return render(
        request,
        "eldercare/community.html",
        {
            "v": svc.volunteer_month(user=request.user, month=month),
            "projects": list(svc.adaptations_visible(request.user)[:100]),
            "items": svc.adaptation_items(),
            "period": months.period(month),
            "today": clock.today(),
            "can_admin": request.user.can(Capability.ELDER_ADMIN),  # type: ignore[union-attr]
            "can_order": request.user.can(Capability.ELDER_ORDER),  # type: ignore[union-attr]
            "form": form,
            "values": values,
            "error": error,
            "errors": _errors(error),
        },
        status=400 if error else 200,
    )
