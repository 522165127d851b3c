"""Shared pages: the workbench, and the error handlers (a user never sees a stack trace)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dajiuzhu.intake.selectors import workbench_for_user
from dajiuzhu.intake.views import today
from dajiuzhu.payments import selectors as payment_selectors
from dajiuzhu.web.selectors import workbench_counts, workbench_recent_changes


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The role's workbench: its intake queue with the counts that need attention, then the registry."""
    user = request.user
    if user.can("care_visit") and not user.can("registry_read"):  # type: ignore[union-attr]
        return redirect("eldercare:carer_today")  # a carer's workbench is today's visits
    can_process = user.can("intake_process")  # type: ignore[union-attr]
    context = {
        "counts": workbench_counts(user=user),
        "recent": workbench_recent_changes(user=user),
        "can_write": user.can("registry_write"),  # type: ignore[union-attr]
        "can_import": user.can("registry_import"),  # type: ignore[union-attr]
        "can_file": user.can("intake_file"),  # type: ignore[union-attr]
        "bench": workbench_for_user(user=user, today=today()) if can_process else None,
        # Failed and held payments the village or township must fix (a new card, a filed agreement).
        "payment_problems": payment_selectors.worklist_count(user) if user.can("pay_account") else None,  # type: ignore[union-attr]
    }
    return render(request, "web/home.html", context)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"error": {"message": "您没有访问此页面的权限"}}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request, "web/error.html", {"error": {"message": "页面不存在或记录不在您的管辖范围内"}}, status=404
    )


def error_500(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/error.html", {"error": {"message": "系统繁忙，请稍后再试；问题已记录"}}, status=500
    )
