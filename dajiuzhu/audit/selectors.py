"""Audit-trail reads for the auditors' search page, scoped to the reader's area.

Scope rule (kept simple on purpose): an auditor sees events whose area_code starts with the code of
their own area (area codes are hierarchical, so a prefix is the subtree), plus events without an
area_code (logins, password changes, tokens) whose actor belongs to their area subtree.
This module sits below accounts in the layer order, so it checks the capability by name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core.errors import ErrorReport, PermissionDenied

AUDIT_READ = "audit_read"


def audit_scope_q(user: Any) -> Q:
    area = getattr(user, "area", None)
    if area is None:
        return Q(pk__in=[])
    return Q(area_code__startswith=area.code) | Q(area_code="", actor__area__code__startswith=area.code)


def _date(value: str, label: str, report: ErrorReport) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        report.add(label, f"“{value}”不是有效日期，请写成 2025-01-31")
        return None


def audit_event_search(
    *,
    user: Any,
    actor: str = "",
    action: str = "",
    subject_type: str = "",
    subject_id: str = "",
    date_from: str = "",
    date_to: str = "",
    area_code: str = "",
) -> QuerySet[AuditEvent]:
    """Events visible to `user`, newest first. Raises PermissionDenied without the audit capability."""
    if not getattr(user, "is_authenticated", False) or not user.can(AUDIT_READ):
        raise PermissionDenied("您没有查看审计日志的权限")
    report = ErrorReport()
    start = _date(date_from, "开始日期", report)
    end = _date(date_to, "结束日期", report)
    if start and end and end < start:
        report.add("结束日期", "不能早于开始日期")
    report.raise_if_any()
    qs = AuditEvent.objects.filter(audit_scope_q(user))
    if actor.strip():
        qs = qs.filter(actor_username=actor.strip())
    if action.strip():
        qs = qs.filter(action=action.strip())
    if subject_type.strip():
        qs = qs.filter(subject_type=subject_type.strip())
    if subject_id.strip():
        qs = qs.filter(subject_id=subject_id.strip())
    if area_code.strip():
        qs = qs.filter(area_code__startswith=area_code.strip())
    if start:
        qs = qs.filter(at__date__gte=start)
    if end:
        qs = qs.filter(at__date__lte=end)
    return qs.order_by("-at", "-id")
