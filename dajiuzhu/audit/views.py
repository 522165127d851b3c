"""The auditors' search page over the audit trail (thin: the scope and filters live in audit.selectors)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.selectors import audit_event_search
from dajiuzhu.core.errors import ValidationFailed

PAGE_SIZE = 50
FILTERS = ["actor", "action", "subject_type", "subject_id", "date_from", "date_to", "area_code"]
SUBJECT_TYPES = [
    ("household", "家庭"),
    ("person", "成员"),
    ("income", "收入"),
    ("asset", "财产"),
    ("expenditure", "刚性支出"),
    ("user", "用户"),
    ("api_token", "API令牌"),
    ("import", "导入"),
]


@login_required
def search(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "").strip() for key in FILTERS}
    error: ValidationFailed | None = None
    try:
        events = audit_event_search(user=request.user, **filters)
    except ValidationFailed as exc:
        # Permission errors propagate to the friendly error page; bad dates stay on this page.
        error = exc
        events = audit_event_search(user=request.user)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/search.html",
        {
            "page": page,
            "filters": filters,
            "error": error,
            "actions": AuditAction.choices,
            "subject_types": SUBJECT_TYPES,
        },
    )
