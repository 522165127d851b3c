"""Public notice boards (公示、公布, R1.13.5, R1.13.9, R11.4), open to anyone without login: browse county →
township → village, read the village board, lodge an objection to a notice that is up.

Pages show only what the notice row fixed when it was published (masked name, household size, item,
amount, period); they never follow the notice to the application, so no ID number, address or health
detail can leak through a template."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dajiuzhu.areas.models import Area, AreaLevel
from dajiuzhu.areas.selectors import area_ancestors, area_get
from dajiuzhu.core import clock
from dajiuzhu.core.errors import DomainError, NotFound, ValidationFailed
from dajiuzhu.core.net import client_ip
from dajiuzhu.core.throttling import PublicFormThrottle, TooManyRequests, throttle_require
from dajiuzhu.intake import selectors, services
from dajiuzhu.intake.models import NoticeKind, Objection, PublicNotice

SESSION_KEY = "intake_objection_reference"
THROTTLED_MESSAGE = "提交过于频繁，请稍后再试（同一网络地址每小时可提交的次数有限）"


def _message(request: HttpRequest, error: DomainError, *, village: Area | None = None) -> HttpResponse:
    return render(
        request, "intake/public_message.html", {"error": error, "village": village}, status=error.status
    )


def _village(code: str) -> Area:
    area = area_get((code or "").strip())
    if area is None or not area.is_active or area.level != AreaLevel.VILLAGE:
        raise NotFound("没有这个村（社区）的公示栏")
    return area


def _notice(village: Area, notice_id: int) -> PublicNotice:
    notice = PublicNotice.objects.filter(pk=notice_id, village=village, kind=NoticeKind.PUBLICITY).first()
    if notice is None:
        raise NotFound("该公示不存在或已结束")
    return notice


def _is_up(notice: PublicNotice, on: dt.date) -> bool:
    return not notice.closed and notice.starts_on <= on <= notice.ends_on


def objection_reference(objection: Objection) -> str:
    """The number a member of the public can quote when asking about an objection (异议受理编号)."""
    return f"YY{timezone.localtime(objection.lodged_at):%Y%m%d}{objection.pk:06d}"


@require_http_methods(["GET"])
def browse(request: HttpRequest) -> HttpResponse:
    """County → township → village; a village opens its board."""
    code = (request.GET.get("area") or "").strip()
    area: Area | None = None
    if code:
        area = area_get(code)
        if area is None or not area.is_active or area.level < AreaLevel.COUNTY:
            return _message(request, NotFound("没有这个区域，请从县（区）开始选择"))
        if area.level >= AreaLevel.VILLAGE:
            village_code = area.village_code or area.code
            return redirect("notices:board", village_code=village_code)
    children = selectors.notice_villages(parent_code=area.code if area else "")
    context: dict[str, Any] = {
        "area": area,
        "trail": [a for a in area_ancestors(area) if a.level >= AreaLevel.COUNTY] if area else [],
        "children": children,
        "children_are_villages": area is not None and area.level == AreaLevel.TOWNSHIP,
    }
    return render(request, "intake/public_browse.html", context)


@require_http_methods(["GET"])
def board(request: HttpRequest, village_code: str) -> HttpResponse:
    try:
        village = _village(village_code)
    except NotFound as exc:
        return _message(request, exc)
    today = clock.today()
    notices = selectors.public_notices(village_code=village.code, today=today)
    context = {
        "village": village,
        "trail": [a for a in area_ancestors(village) if a.level >= AreaLevel.COUNTY],
        "publicity": notices["publicity"],
        "publication": notices["publication"],
        "today": today,
    }
    return render(request, "intake/public_board.html", context)


@require_http_methods(["GET", "POST"])
def objection(request: HttpRequest, village_code: str, notice_id: int) -> HttpResponse:
    """The objection form of one notice (POST with CSRF; name and phone optional, content required)."""
    try:
        village = _village(village_code)
        notice = _notice(village, notice_id)
    except NotFound as exc:
        return _message(request, exc)
    form = {"name": "", "phone": "", "content": ""}
    error: DomainError | None = None
    status = 200
    if request.method == "POST":
        form = {k: (request.POST.get(k) or "").strip() for k in form}
        try:
            throttle_require(PublicFormThrottle(), request, THROTTLED_MESSAGE)
            lodged = services.objection_lodge(
                notice_id=notice.pk, content=form["content"], name=form["name"], phone=form["phone"],
                ip=client_ip(request),
            )  # fmt: skip
        except (ValidationFailed, NotFound, TooManyRequests) as exc:
            error, status = exc, exc.status
        else:
            request.session[SESSION_KEY] = objection_reference(lodged)
            return redirect("notices:thanks", village_code=village.code)
    context = {
        "village": village,
        "notice": notice,
        "is_up": _is_up(notice, clock.today()),
        "form": form,
        "error": error,
    }
    return render(request, "intake/public_objection.html", context, status=status)


@require_http_methods(["GET"])
def thanks(request: HttpRequest, village_code: str) -> HttpResponse:
    """Shown once after an objection: the reference comes from the visitor's own session, so the page
    cannot be used to confirm anyone else's objection."""
    reference = request.session.pop(SESSION_KEY, None)
    if not reference:
        return redirect("notices:board", village_code=village_code)
    try:
        village = _village(village_code)
    except NotFound as exc:
        return _message(request, exc)
    return render(request, "intake/public_thanks.html", {"village": village, "reference": reference})
