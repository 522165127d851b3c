"""Institutions, zones, beds and who lies in them (养老机构、床位、入住): the county's 养老 section's writes.

Every write checks ELDER_ADMIN and that the institution (and the person) is within the user's area,
validates everything first, and is audited. The database, not only this code, keeps one person to a
bed and one bed to a person (partial unique constraints on open stays); a race between two clerks
ends in a clear message, never in two people on one bed.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import area_in_user_scope, user_require, user_scope_q
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from dajiuzhu.core.inputs import clean_phone
from dajiuzhu.eldercare.errors import BedTaken, InstitutionInvalid, StayInvalid
from dajiuzhu.eldercare.inputs import choice as _choice
from dajiuzhu.eldercare.inputs import day as _day
from dajiuzhu.eldercare.inputs import person_from
from dajiuzhu.eldercare.inputs import text as _text
from dajiuzhu.eldercare.models import (
    Bed,
    BedState,
    CareZone,
    Institution,
    InstitutionKind,
    LeaveReason,
    OperationMode,
    ResidentKind,
    Stay,
    WaitingEntry,
    WaitStatus,
    Zone,
)
from dajiuzhu.eldercare.selectors import latest_assessment

BEDS_PER_CALL = 500
_RANGE = re.compile(r"^([A-Za-z]*)(\d+)\s*[-—~～至]\s*\1?(\d+)$")


def _institution(user: Any, institution_id: int, *, lock: bool = False) -> Institution:
    qs = Institution.objects.filter(user_scope_q(user), pk=institution_id)
    found = (qs.select_for_update(of=("self",)) if lock else qs).first()
    if found is None:
        raise NotFound("养老机构不存在或不在您的管辖范围内")
    return found


@transaction.atomic
def institution_save(
    *, user: Any, data: dict[str, Any], institution_id: int | None = None, version: int | None = None,
    ip: str | None = None,
) -> Institution:  # fmt: skip
    """Create an institution in the user's area, or change one (optimistic: `version` as read)."""
    user_require(user, Capability.ELDER_ADMIN)
    errors: list[FieldError] = []
    name = _text(data.get("name"), "name", "机构名称", errors, required=True, limit=100)
    kind = _choice(data.get("kind"), InstitutionKind, "kind", "机构类型", errors)
    mode = _choice(data.get("mode"), OperationMode, "mode", "运营方式", errors)
    operator = _text(data.get("operator"), "operator", "运营方", errors, limit=100)
    address = _text(data.get("address"), "address", "地址", errors, limit=200)
    licence = _text(data.get("licence"), "licence", "备案/许可编号", errors, limit=60)
    try:
        phone = clean_phone(None if data.get("phone") is None else str(data.get("phone")), "联系电话")
    except ValidationFailed as exc:
        errors.extend(FieldError("phone", f"{e.field}：{e.message}") for e in exc.errors)
        phone = ""
    carers_raw = (
        str(data.get("licensed_carers") if data.get("licensed_carers") is not None else "0").strip() or "0"
    )
    carers = 0
    if not carers_raw.isdigit() or int(carers_raw) > 100_000:
        errors.append(FieldError("licensed_carers", f"持证护理员人数：“{carers_raw}”应为0—100000的整数"))
    else:
        carers = int(carers_raw)
    area_code = str(data.get("area_code") or getattr(user, "area_id", "") or "").strip()
    area = area_in_user_scope(user, area_code) if area_code else None
    if area is None:
        errors.append(FieldError("area_code", "所在区划：不在您的管辖范围内"))
    if errors or area is None:
        raise InstitutionInvalid(errors=errors)
    if institution_id is None:
        inst = Institution(area=area)
        before = None
    else:
        inst = _institution(user, institution_id, lock=True)
        if version is not None and inst.version != version:
            raise Conflict("该机构信息已被他人修改，请刷新后重试")
        before = {"name": inst.name, "kind": inst.kind, "area": inst.area_id}
        inst.area = area
        inst.version += 1
    inst.name, inst.kind, inst.mode, inst.operator = name, kind, mode, operator
    inst.address, inst.licence, inst.phone, inst.licensed_carers = address, licence, phone, carers
    try:
        with transaction.atomic():
            inst.save()
    except IntegrityError:
        raise InstitutionInvalid(errors=[FieldError("name", "机构名称：该区划已有同名机构")]) from None
    audit_record(
        actor=user, action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        subject_type="institution", subject_id=inst.pk, subject_label=inst.name, area_code=inst.area_id,
        before=before, after={"name": inst.name, "kind": inst.kind, "area": inst.area_id}, ip=ip,
    )  # fmt: skip
    return inst


def parse_bed_numbers(text: str) -> list[str]:
    """“101-120、201，202, A1-A3” → the bed numbers, in order, each once. Raises ValidationFailed."""
    out: list[str] = []
    for part in re.split(r"[,，、;；\s]+", (text or "").strip()):
        if not part:
            continue
        match = _RANGE.match(part)
        if match:
            prefix, first, last = match.group(1), int(match.group(2)), int(match.group(3))
            width = len(match.group(2))
            if last < first:
                raise ValidationFailed.single("beds", f"床位号：“{part}”的结束号小于起始号")
            if last - first + 1 > BEDS_PER_CALL:
                raise ValidationFailed.single("beds", f"床位号：一次最多添加{BEDS_PER_CALL}张床位")
            out.extend(f"{prefix}{n:0{width}d}" for n in range(first, last + 1))
        elif re.fullmatch(r"[A-Za-z0-9\-]{1,20}", part):
            out.append(part)
        else:
            raise ValidationFailed.single("beds", f"床位号：“{part}”无效（字母、数字，如 101 或 101-120）")
    unique = list(dict.fromkeys(out))
    if not unique:
        raise ValidationFailed.single("beds", "床位号：请填写，如 101-120")
    if len(unique) > BEDS_PER_CALL:
        raise ValidationFailed.single("beds", f"床位号：一次最多添加{BEDS_PER_CALL}张床位")
    return unique


@transaction.atomic
def zone_add(
    *, user: Any, institution_id: int, name: str, care_zone: str, beds: str, ip: str | None = None
) -> Zone:
    """A floor or wing for one care type with its beds (e.g. “4层”, 介护, “401-420”), all or nothing."""
    user_require(user, Capability.ELDER_ADMIN)
    inst = _institution(user, institution_id, lock=True)
    errors: list[FieldError] = []
    zone_name = _text(name, "name", "楼层/区域", errors, required=True, limit=40)
    zone_type = _choice(care_zone, CareZone, "care_zone", "护理类型", errors)
    numbers: list[str] = []
    try:
        numbers = parse_bed_numbers(beds)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    taken = set(Bed.objects.filter(institution=inst, number__in=numbers).values_list("number", flat=True))
    if taken:
        errors.append(FieldError("beds", f"床位号：{'、'.join(sorted(taken))}已存在"))
    if Zone.objects.filter(institution=inst, name=zone_name).exists():
        errors.append(FieldError("name", f"楼层/区域：“{zone_name}”已存在"))
    if errors:
        raise InstitutionInvalid(errors=errors)
    zone = Zone.objects.create(institution=inst, name=zone_name, care_zone=zone_type)
    Bed.objects.bulk_create([Bed(zone=zone, institution=inst, number=n) for n in numbers])
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="institution_zone", subject_id=zone.pk,
        subject_label=f"{inst.name} {zone.name}", area_code=inst.area_id,
        after={"care_zone": zone_type, "beds": len(numbers)}, ip=ip,
    )  # fmt: skip
    return zone


@transaction.atomic
def bed_set_state(*, user: Any, bed_id: int, state: str, ip: str | None = None) -> Bed:
    user_require(user, Capability.ELDER_ADMIN)
    bed = (
        Bed.objects.select_for_update(of=("self",))
        .filter(pk=bed_id, institution__in=Institution.objects.filter(user_scope_q(user)))
        .first()
    )
    if bed is None:
        raise NotFound("床位不存在或不在您的管辖范围内")
    if state not in BedState.values:
        raise InstitutionInvalid(errors=[FieldError("state", "床位状态：请选择可用、预留或维修")])
    if state != BedState.IN_SERVICE and Stay.objects.filter(bed=bed, ended_on__isnull=True).exists():
        raise InstitutionInvalid(
            errors=[FieldError("state", "床位状态：床位上有在住人员，请先转床或办理离开")]
        )
    before = bed.state
    bed.state = state
    bed.save(update_fields=["state"])
    audit_record(
        actor=user, action=AuditAction.UPDATE, subject_type="bed", subject_id=bed.pk, subject_label=str(bed),
        area_code=bed.institution.area_id, before={"state": before}, after={"state": state}, ip=ip,
    )  # fmt: skip
    return bed


def _free_bed(inst: Institution, bed_id: Any, errors: list[FieldError]) -> Bed | None:
    try:
        pk = int(str(bed_id))
    except ValueError:
        errors.append(FieldError("bed", "床位：请选择"))
        return None
    bed = (
        Bed.objects.select_for_update(of=("self",))
        .select_related("zone")
        .filter(pk=pk, institution=inst)
        .first()
    )
    if bed is None:
        errors.append(FieldError("bed", "床位：不属于该机构"))
        return None
    if bed.state != BedState.IN_SERVICE:
        errors.append(FieldError("bed", f"床位：{bed.number}为{bed.get_state_display()}状态，不能入住"))
    elif Stay.objects.filter(bed=bed, ended_on__isnull=True).exists():
        errors.append(FieldError("bed", f"床位：{bed.number}已有人入住"))
    return bed


def _zone_check(person: Any, bed: Bed, override: str, errors: list[FieldError]) -> None:
    """The bed's care type should match the person's assessed care zone; a different one needs a reason
    (e.g. no 介护 bed free today) written down."""
    assessment = latest_assessment(person)
    if assessment is None or assessment.care_zone == bed.zone.care_zone or override:
        return
    errors.append(
        FieldError(
            "zone_reason",
            f"床位护理类型为{bed.zone.get_care_zone_display()}，而该老人最近一次能力评估为"
            f"{assessment.get_level_display()}（对应{assessment.get_care_zone_display()}）：请另选床位，或填写安排原因",
        )
    )


def _save_stay(stay: Stay) -> None:
    try:
        with transaction.atomic():
            stay.save()
    except IntegrityError:
        raise BedTaken() from None


@transaction.atomic
def admit(*, user: Any, institution_id: int, data: dict[str, Any], ip: str | None = None) -> Stay:
    """Admit a person of the user's area to a free bed of the institution."""
    user_require(user, Capability.ELDER_ADMIN)
    inst = _institution(user, institution_id, lock=True)
    person = person_from(user, data, "入住人员", StayInvalid, ip)
    errors: list[FieldError] = []
    kind = _choice(data.get("kind"), ResidentKind, "kind", "入住类别", errors)
    on = _day(data.get("started_on"), "started_on", "入住日期", errors)
    note = _text(data.get("note"), "note", "备注", errors, limit=200)
    override = _text(data.get("zone_reason"), "zone_reason", "安排原因", errors, limit=200)
    if person.is_deceased:
        errors.append(FieldError("id_number", "入住人员：该人员已故"))
    current = Stay.objects.filter(person=person, ended_on__isnull=True).select_related("institution").first()
    if current is not None:
        errors.append(FieldError("id_number", "入住人员：已在养老机构入住，请办理转床/转院"))
    bed = _free_bed(inst, data.get("bed"), errors)
    if bed is not None and not errors:
        _zone_check(person, bed, override, errors)
    if errors or on is None or bed is None:
        raise StayInvalid(errors=errors)
    stay = Stay(
        person=person, bed=bed, institution=inst, kind=kind, started_on=on,
        note="；".join(x for x in (note, f"安排原因：{override}" if override else "") if x), recorded_by=user,
    )  # fmt: skip
    _save_stay(stay)
    WaitingEntry.objects.filter(person=person, institution=inst, status=WaitStatus.WAITING).update(
        status=WaitStatus.ADMITTED
    )
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="stay", subject_id=stay.pk,
        subject_label=f"{person.name} {inst.name} {bed.number}", area_code=inst.area_id,
        after={"bed": bed.number, "kind": kind, "on": on.isoformat()}, ip=ip,
    )  # fmt: skip
    return stay


def _open_stay(user: Any, stay_id: int) -> Stay:
    stay = (
        Stay.objects.select_for_update(of=("self",))
        .filter(pk=stay_id, institution__in=Institution.objects.filter(user_scope_q(user)))
        .select_related("person", "bed", "institution")
        .first()
    )
    if stay is None:
        raise NotFound("入住记录不存在或不在您的管辖范围内")
    if stay.ended_on is not None:
        raise StayInvalid(errors=[FieldError("stay", "该入住记录已结束")])
    return stay


@transaction.atomic
def transfer(*, user: Any, stay_id: int, data: dict[str, Any], ip: str | None = None) -> Stay:
    """Move a resident to another bed (of the same or another institution in the user's area)."""
    user_require(user, Capability.ELDER_ADMIN)
    stay = _open_stay(user, stay_id)
    errors: list[FieldError] = []
    on = _day(data.get("on"), "on", "转床日期", errors)
    target_id = data.get("institution_id") or stay.institution_id
    try:
        target = _institution(user, int(str(target_id)), lock=True)
    except ValueError:
        raise StayInvalid(errors=[FieldError("institution_id", "转入机构：请选择")]) from None
    override = _text(data.get("zone_reason"), "zone_reason", "安排原因", errors, limit=200)
    bed = _free_bed(target, data.get("bed"), errors)
    if on is not None and on < stay.started_on:
        errors.append(FieldError("on", "转床日期：不能早于入住日期"))
    if bed is not None and not errors:
        _zone_check(stay.person, bed, override, errors)
    if errors or on is None or bed is None:
        raise StayInvalid(errors=errors)
    stay.ended_on, stay.leave_reason = on, LeaveReason.TRANSFER
    stay.save(update_fields=["ended_on", "leave_reason"])
    moved = Stay(
        person=stay.person, bed=bed, institution=target, kind=stay.kind, started_on=on, recorded_by=user,
        note=f"由{stay.institution.name}{stay.bed.number}转入" + (f"；安排原因：{override}" if override else ""),
    )  # fmt: skip
    _save_stay(moved)
    audit_record(
        actor=user, action=AuditAction.MOVE, subject_type="stay", subject_id=moved.pk,
        subject_label=f"{stay.person.name} {target.name} {bed.number}", area_code=target.area_id,
        before={"bed": stay.bed.number, "institution": stay.institution.name},
        after={"bed": bed.number, "institution": target.name}, ip=ip,
    )  # fmt: skip
    return moved


@transaction.atomic
def leave(*, user: Any, stay_id: int, data: dict[str, Any], ip: str | None = None) -> Stay:
    """A resident leaves (discharge) or has died: the stay ends and the bed is free."""
    user_require(user, Capability.ELDER_ADMIN)
    stay = _open_stay(user, stay_id)
    errors: list[FieldError] = []
    reason = str(data.get("reason") or "").strip()
    if reason not in (LeaveReason.DISCHARGE, LeaveReason.DEATH):
        errors.append(FieldError("reason", "离开原因：请选择出院或去世（转床请用转床）"))
    on = _day(data.get("on"), "on", "离开日期", errors)
    note = _text(data.get("note"), "note", "备注", errors, limit=200)
    if on is not None and on < stay.started_on:
        errors.append(FieldError("on", "离开日期：不能早于入住日期"))
    if errors or on is None:
        raise StayInvalid(errors=errors)
    stay.ended_on, stay.leave_reason = on, reason
    if note:
        stay.note = "；".join(x for x in (stay.note, note) if x)[:200]
    stay.save(update_fields=["ended_on", "leave_reason", "note"])
    audit_record(
        actor=user, action=AuditAction.UPDATE, subject_type="stay", subject_id=stay.pk,
        subject_label=f"{stay.person.name} {stay.institution.name}", area_code=stay.institution.area_id,
        after={"ended_on": on.isoformat(), "reason": reason}, ip=ip,
    )  # fmt: skip
    return stay


@transaction.atomic
def waiting_add(
    *, user: Any, institution_id: int, data: dict[str, Any], ip: str | None = None
) -> WaitingEntry:
    user_require(user, Capability.ELDER_ADMIN)
    inst = _institution(user, institution_id)
    person = person_from(user, data, "申请人员", StayInvalid, ip)
    errors: list[FieldError] = []
    kind = _choice(data.get("kind"), ResidentKind, "kind", "入住类别", errors)
    on = _day(data.get("applied_on"), "applied_on", "申请日期", errors)
    note = _text(data.get("note"), "note", "备注", errors, limit=200)
    if WaitingEntry.objects.filter(person=person, institution=inst, status=WaitStatus.WAITING).exists():
        errors.append(FieldError("id_number", "申请人员：已在该机构轮候"))
    if Stay.objects.filter(person=person, ended_on__isnull=True).exists():
        errors.append(FieldError("id_number", "申请人员：已在养老机构入住"))
    if errors or on is None:
        raise StayInvalid(errors=errors)
    entry = WaitingEntry.objects.create(
        person=person, institution=inst, kind=kind, applied_on=on, note=note, recorded_by=user
    )
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="waiting_entry", subject_id=entry.pk,
        subject_label=f"{person.name} {inst.name}", area_code=inst.area_id, ip=ip,
    )  # fmt: skip
    return entry
