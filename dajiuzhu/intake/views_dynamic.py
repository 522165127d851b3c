"""动态管理 pages (thin): entitlements in the user's area with their reviews and changes, the township's
change proposal and its opinion on a review, recheck or change. Every read and write goes through
intake.dynamic, which scopes to the user's area and checks the level."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dajiuzhu.accounts.models import User
from dajiuzhu.benefits.models import EntitlementStatus
from dajiuzhu.core import clock
from dajiuzhu.core.errors import Conflict, PermissionDenied, ValidationFailed
from dajiuzhu.core.net import client_ip
from dajiuzhu.intake import dynamic, workflow
from dajiuzhu.intake.catalogue import effective_items, user_region
from dajiuzhu.intake.selectors import items_active

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _version(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _action_choices(actions: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(a, dynamic.ACTION_LABELS[a]) for a in actions]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = clock.today()
    item = (request.GET.get("item") or "").strip()
    status = (request.GET.get("status") or "").strip()
    if status not in EntitlementStatus.values:
        status = ""
    due = request.GET.get("due") == "1"
    qs = dynamic.entitlements_for_user(user=user, item=item, status=status, review_due=due, today=today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page": page,
        "entitlements": page.object_list,
        "item": item,
        "status": status,
        "due": due,
        "items": effective_items(items_active(), user_region(user), today),
        "status_choices": EntitlementStatus.choices,
        "due_list": dynamic.entitlements_for_user(user=user, review_due=True, today=today)[:20],
        "open_apps": dynamic.dynamic_open_for_user(user=user)[:50],
        "today": today,
    }
    return render(request, "intake/dynamic_index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def entitlement_view(request: HttpRequest, entitlement_id: int) -> HttpResponse:
    user = _user(request)
    ent = dynamic.entitlement_get_for_user(user=user, entitlement_id=entitlement_id)
    error: Exception | None = None
    form = {"action": "", "amount": "", "reason": ""}
    if request.method == "POST":
        form = {k: (request.POST.get(k) or "").strip() for k in form}
        try:
            app = dynamic.change_propose(
                user=user, entitlement_id=ent.pk, action=form["action"], amount=form["amount"],
                reason=form["reason"], ip=client_ip(request),
            )  # fmt: skip
        except (ValidationFailed, Conflict, PermissionDenied) as exc:
            error = exc
        else:
            messages.success(
                request, f"已提出{dynamic.ACTION_LABELS[app.change_action]}，编号 {app.number}，请入户调查"
            )
            return redirect("intake_dynamic:entitlement", entitlement_id=ent.pk)
    history = dynamic.entitlement_history(entitlement=ent)
    for app in history:
        app.action_label = dynamic.ACTION_LABELS.get(app.change_action, "")  # type: ignore[attr-defined]
    context = {
        "ent": ent,
        "history": history,
        "can_propose": dynamic.may_propose(user, ent),
        "actions": _action_choices(dynamic.CHANGE_ACTIONS),
        "taper_months": dynamic.taper_months_max(on=clock.today(), region=ent.area.code),
        "notice_days": _notice_days(ent.item, ent.area.county_code),
        "form": form,
        "error": error,
    }
    return render(request, "intake/dynamic_entitlement.html", context, status=400 if error else 200)


def _notice_days(item: Any, county_code: str) -> int:
    """The 公示 period a stop of this item would run (the item's own days, else publicity.days)."""
    return workflow.item_days(item, "notice_days", on=clock.today(), county_code=county_code)


@login_required
@require_http_methods(["GET", "POST"])
def opinion(request: HttpRequest, application_id: int) -> HttpResponse:
    user = _user(request)
    app = dynamic.dynamic_application_get_for_user(user=user, application_id=application_id)
    error: Exception | None = None
    form = {"action": app.change_action or "keep", "amount": "", "reason": ""}
    if request.method == "POST":
        form = {k: (request.POST.get(k) or "").strip() for k in ("action", "amount", "reason")}
        try:
            app = dynamic.review_opinion(
                user=user, application_id=app.pk, action=form["action"], amount=form["amount"],
                reason=form["reason"], version=_version(request.POST.get("version")), ip=client_ip(request),
            )  # fmt: skip
        except (ValidationFailed, Conflict, PermissionDenied) as exc:
            error = exc
            app = dynamic.dynamic_application_get_for_user(user=user, application_id=application_id)
        else:
            messages.success(request, f"复核意见已提交，当前状态：{app.get_status_display()}")
            return redirect("intake_dynamic:entitlement", entitlement_id=app.entitlement_id)
    context = {
        "app": app,
        "ent": app.entitlement,
        "can_act": dynamic.may_give_opinion(user, app),
        "actions": _action_choices(dynamic.OPINION_ACTIONS),
        "taper_months": dynamic.taper_months_max(on=clock.today(), region=app.area.code),
        "notice_days": _notice_days(app.item, app.area.county_code),
        "form": form,
        "error": error,
    }
    return render(request, "intake/dynamic_opinion.html", context, status=400 if error else 200)
