"""Write audit rows. Call inside the same transaction as the change being recorded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from dajiuzhu.audit.models import AuditAction, AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def audit_record(
    *,
    actor: Any,
    action: AuditAction | str,
    subject_type: str = "",
    subject_id: object = "",
    subject_label: str = "",
    area_code: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    ip: str | None = None,
) -> AuditEvent:
    user = actor if getattr(actor, "pk", None) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_username=getattr(actor, "username", "") or "",
        action=str(action),
        subject_type=subject_type,
        subject_id=str(subject_id or ""),
        subject_label=subject_label[:200],
        area_code=area_code,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        note=note[:500],
        ip=ip,
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the fields that changed, so an update row shows what really moved."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
