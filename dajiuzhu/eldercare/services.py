"""Elderly-care writes. Every write checks the capability and the person's area (through the registry's
selectors), validates everything before saving anything, and is audited."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db import IntegrityError, transaction

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock, months
from dajiuzhu.core.errors import FieldError
from dajiuzhu.eldercare import inputs
from dajiuzhu.eldercare.errors import AssessmentDuplicate, AssessmentInvalid
from dajiuzhu.eldercare.models import AbilityAssessment, AssessmentReason
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.registry import selectors as registry_selectors
from dajiuzhu.rules import ability
from dajiuzhu.rules.parameters import ParameterError

# Field keys of an assessment (the API's names) and how a refusal names them to people.
FIELD_LABELS = {
    "reason": "评估原因",
    "assessed_on": "评估日期",
    "organisation": "评估机构",
    "assessor_1": "评估员一",
    "assessor_2": "评估员二",
    "risk_events": "近30天照护风险事件",
    "note": "备注",
    "instrument": "评估量表",
}
RISK_EVENTS_MAX = 99


def _risk_events(raw: Any, inst: ability.Instrument, errors: list[FieldError]) -> dict[str, int]:
    if raw in (None, "", {}):
        return {}
    if not isinstance(raw, dict):
        errors.append(FieldError("risk_events", "近30天照护风险事件：应为“事件: 次数”"))
        return {}
    out: dict[str, int] = {}
    for code, count in raw.items():
        label = inst.risk_events.get(str(code))
        if label is None:
            errors.append(FieldError("risk_events", f"近30天照护风险事件：“{code}”不存在"))
            continue
        if count in (None, ""):
            continue
        try:
            number = int(str(count).strip())
        except ValueError:
            errors.append(FieldError(f"risk_events.{code}", f"{label}次数：“{count}”不是整数"))
            continue
        if isinstance(count, bool) or not 0 <= number <= RISK_EVENTS_MAX:
            errors.append(FieldError(f"risk_events.{code}", f"{label}次数：应为0—{RISK_EVENTS_MAX}"))
            continue
        if number:
            out[str(code)] = number
    return out


def _flag(raw: Any) -> bool:
    return str(raw).strip().lower() in {"1", "true", "on", "yes", "是"} if not isinstance(raw, bool) else raw


@transaction.atomic
def assessment_record(
    *, user: Any, person_id: int, data: dict[str, Any], ip: str | None = None
) -> AbilityAssessment:
    """Record one capability assessment of a person in the user's area: every item scored within its
    range, two different assessors, a reason and a date; the level decided by rules.ability with the
    parameters in force on the assessment date for the person's area. Refused as a whole, naming every
    bad field, or saved whole."""
    user_require(user, Capability.ELDER_ASSESS)
    person = registry_selectors.person_get_for_user(user=user, person_id=person_id, ip=ip)
    area_code = person.household.area_id  # type: ignore[union-attr]  # person_get_for_user ensures it
    errors: list[FieldError] = []
    try:
        inst = ability.instrument(str(data.get("instrument") or ability.DEFAULT_VERSION))
    except ability.AbilityError as exc:
        raise AssessmentInvalid(errors=[FieldError(f, m) for f, m in exc.errors]) from None
    reason = str(data.get("reason") or "").strip()
    if reason not in AssessmentReason.values:
        errors.append(
            FieldError("reason", f"评估原因：请选择{'、'.join(str(x.label) for x in AssessmentReason)}之一")
        )
    on = inputs.day(data.get("assessed_on"), "assessed_on", FIELD_LABELS["assessed_on"], errors)
    organisation = inputs.text(
        data.get("organisation"),
        "organisation",
        FIELD_LABELS["organisation"],
        errors,
        required=True,
        limit=100,
    )
    assessor_1 = inputs.text(
        data.get("assessor_1"), "assessor_1", FIELD_LABELS["assessor_1"], errors, required=True, limit=50
    )
    assessor_2 = inputs.text(
        data.get("assessor_2"), "assessor_2", FIELD_LABELS["assessor_2"], errors, required=True, limit=50
    )
    if assessor_1 and assessor_1 == assessor_2:
        errors.append(FieldError("assessor_2", "评估员二：应由两名不同的评估员评估"))
    note = inputs.text(data.get("note"), "note", FIELD_LABELS["note"], errors, required=False, limit=500)
    events = _risk_events(data.get("risk_events"), inst, errors)
    raw_scores = data.get("scores")
    if not isinstance(raw_scores, dict):
        errors.append(FieldError("scores", "各项得分：请逐项评分"))
        raw_scores = {}
    try:
        ability.clean_scores(inst, raw_scores)
    except ability.AbilityError as exc:
        errors.extend(FieldError(f"scores.{f}", m) for f, m in exc.errors)
    if errors or on is None:
        raise AssessmentInvalid(errors=errors)
    condition = ability.Condition(
        dementia=_flag(data.get("dementia", False)),
        mental_disorder=_flag(data.get("mental_disorder", False)),
        coma=_flag(data.get("coma", False)),
        risk_events=events,
    )
    tree = parameter_tree()
    try:
        result = ability.score(inst, raw_scores, condition, tree=tree, on=on, region=area_code)
        interval = tree.value(ability.REASSESS_MONTHS, on=on, region=area_code)
    except ParameterError as exc:
        raise AssessmentInvalid(errors=[FieldError("政策参数", str(exc))]) from None
    scores = ability.clean_scores(inst, raw_scores)
    assessment = AbilityAssessment(
        person=person,
        area_id=area_code,
        instrument_version=inst.version,
        reason=reason,
        assessed_on=on,
        organisation=organisation,
        assessor_1=assessor_1,
        assessor_2=assessor_2,
        scores=scores,
        self_care_score=result.domain_scores["self_care"],
        motor_score=result.domain_scores["motor"],
        mental_score=result.domain_scores["mental"],
        perception_score=result.domain_scores["perception"],
        total=result.total,
        dementia=condition.dementia,
        mental_disorder=condition.mental_disorder,
        coma=condition.coma,
        risk_events=events,
        base_level=result.base_level,
        level=result.level,
        care_zone=result.care_zone,
        explanation=[asdict(step) for step in result.steps],
        next_due_on=months.same_day_later(on, int(interval)),
        adl_failures_at=person.adl_failures,
        note=note,
        recorded_by=user,
        recorded_at=clock.now(),
    )
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError:
        raise AssessmentDuplicate(
            errors=[FieldError("assessed_on", "评估日期：该老人当天已有能力评估记录")]
        ) from None
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="ability_assessment", subject_id=assessment.pk,
        subject_label=f"{person.name} {on.isoformat()}", area_code=area_code,
        after={"level": result.level, "total": result.total, "reason": reason}, ip=ip,
    )  # fmt: skip
    return assessment
