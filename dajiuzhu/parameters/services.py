"""Parameter writes: add a dated value for the actor's jurisdiction, or withdraw one. Each service is
atomic, checks the capability and the actor's level, and writes its audit row in the same transaction.
Inputs are raw (page or API text); every message names the field it is about."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock
from dajiuzhu.core.errors import ErrorReport, NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.parameters.errors import AlreadyWithdrawn
from dajiuzhu.parameters.models import ParameterChange
from dajiuzhu.parameters.selectors import (
    jurisdiction_names,
    parameter_definition,
    parameter_jurisdiction_for,
    parameter_tree,
)
from dajiuzhu.parameters.validation import clean_value, parameter_kind, parameter_name_normalize, parse_date
from dajiuzhu.rules.parameters import ParameterError, region_chain

SUBJECT = "parameter_change"
REFERENCE_MAX = 300
NOTE_MAX = 500


def _require_jurisdiction(actor: Any) -> str:
    user_require(actor, Capability.PARAMETER_ADMIN)
    jurisdiction = parameter_jurisdiction_for(actor)
    if jurisdiction is None:
        raise PermissionDenied("政策参数由县级及以上民政部门维护，乡镇（街道）及以下的账户不能修改")
    return jurisdiction


def _fail(report: ErrorReport) -> None:
    """One error: its own message names the field. Several: the usual summary with the list."""
    if len(report.errors) == 1:
        [err] = report.errors
        raise ValidationFailed(str(err), errors=[err])
    report.raise_if_any()


def _value_in_force(name: str, *, on: dt.date, region: str) -> dict[str, Any] | None:
    try:
        found = parameter_tree().get(name, on=on, region=region)
    except ParameterError:
        return None
    return {"value": found.value, "jurisdiction": found.jurisdiction, "start": found.start}


def _snapshot(change: ParameterChange) -> dict[str, Any]:
    return {
        "name": change.name,
        "jurisdiction": change.jurisdiction,
        "start": change.start,
        "value": change.value,
        "reference": change.reference,
        "note": change.note,
    }


@transaction.atomic
def parameter_change_create(
    *, actor: Any, name: str, start: dt.date | str, value: Any, reference: str, note: str = ""
) -> ParameterChange:
    """Add a value of parameter `name` for the actor's jurisdiction (their county, or city/province
    if that is their level), in force from `start`. A start before today needs a note (retroactive)."""
    jurisdiction = _require_jurisdiction(actor)
    report = ErrorReport()
    name = parameter_name_normalize(name)
    reference = str(reference or "").strip()
    note = str(note or "").strip()

    definition = parameter_definition(name) if name else None
    if not name:
        report.add("参数名称", "不能为空")
    elif definition is None:
        report.add("参数名称", f"未定义参数“{name}”，只能调整政策参数文件中已有的参数")

    start_date, problem = parse_date(start)
    today = clock.today()
    if problem:
        report.add("起始日期", problem)
    elif start_date is not None and start_date < today and not note:
        report.add(
            "起始日期",
            f"{start_date.isoformat()} 早于今天（{today.isoformat()}），属于追溯调整，"
            "请在备注中写明追溯的原因后再保存",
        )

    cleaned: str | None = None
    if definition is not None:
        cleaned, problem = clean_value(value, parameter_kind(definition), definition.choices)
        if problem:
            report.add("取值", problem)

    if not reference:
        report.add("依据", "不能为空，请填写政策文件名称或文号（例如 德民发〔2025〕12号）")
    elif len(reference) > REFERENCE_MAX:
        report.add("依据", f"不能超过{REFERENCE_MAX}个字")
    if len(note) > NOTE_MAX:
        report.add("备注", f"不能超过{NOTE_MAX}个字")

    if not report.errors and start_date is not None:
        existing = ParameterChange.objects.filter(
            name=name, jurisdiction=jurisdiction, start=start_date, withdrawn_at__isnull=True
        ).first()
        if existing is not None:
            report.add("起始日期", _duplicate_message(jurisdiction, start_date, existing.value))
    _fail(report)
    assert start_date is not None and cleaned is not None

    before = _value_in_force(name, on=start_date, region=jurisdiction)
    try:
        with transaction.atomic():
            change = ParameterChange.objects.create(
                name=name,
                jurisdiction=jurisdiction,
                start=start_date,
                value=cleaned,
                reference=reference,
                note=note,
                created_by=actor,
            )
    except IntegrityError as exc:
        # Someone saved the same date a moment ago (the unique constraint on active values).
        raise ValidationFailed.single("起始日期", _duplicate_message(jurisdiction, start_date, "")) from exc
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject_type=SUBJECT,
        subject_id=change.pk,
        subject_label=f"{definition.label if definition else ''} {name}".strip(),
        area_code=jurisdiction,
        before=before,
        after=_snapshot(change),
        note=(f"追溯调整：{note}" if start_date < today else note),
    )
    return change


def _duplicate_message(jurisdiction: str, start: dt.date, value: str) -> str:
    where = jurisdiction_names([jurisdiction])[jurisdiction]
    current = f"（{value}）" if value else ""
    return f"{where}在 {start.isoformat()} 已有本地调整的取值{current}，请先撤回该取值再设置"


@transaction.atomic
def parameter_change_withdraw(*, actor: Any, change_id: int, reason: str) -> ParameterChange:
    """Withdraw a value set in the UI by the actor's own jurisdiction; the value it replaced (the YAML
    value of that date, or the earlier one) is in force again. The row is kept."""
    jurisdiction = _require_jurisdiction(actor)
    change = ParameterChange.objects.select_for_update().filter(pk=change_id).first()
    if change is None or change.jurisdiction not in region_chain(actor.area.code):
        raise NotFound("该参数取值不存在或不在您的管辖范围内")
    if change.jurisdiction != jurisdiction:
        raise PermissionDenied(
            f"只能撤回本级（{jurisdiction_names([jurisdiction])[jurisdiction]}）设置的取值，"
            f"该取值由{jurisdiction_names([change.jurisdiction])[change.jurisdiction]}设置"
        )
    if change.withdrawn_at is not None:
        raise AlreadyWithdrawn(f"该取值已于 {timezone.localtime(change.withdrawn_at):%Y-%m-%d %H:%M} 撤回")
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationFailed.single("撤回原因", "不能为空，请说明撤回的原因")
    if len(reason) > NOTE_MAX:
        raise ValidationFailed.single("撤回原因", f"不能超过{NOTE_MAX}个字")

    change.withdrawn_at = clock.now()
    change.withdrawn_by = actor
    change.withdraw_reason = reason
    change.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    restored = _value_in_force(change.name, on=change.start, region=jurisdiction)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        subject_type=SUBJECT,
        subject_id=change.pk,
        subject_label=change.name,
        area_code=jurisdiction,
        before={**_snapshot(change), "withdrawn_at": None},
        after={"withdrawn_at": change.withdrawn_at, "in_force_from_start": restored},
        note=f"撤回：{reason}",
    )
    return change
