"""Registry writes. Each service is atomic, checks capability and area scope, and writes its audit row
in the same transaction. Inputs are raw (form/API/Excel); cleaning happens in registry.validation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Model
from django.forms.models import model_to_dict

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.areas.models import Area, AreaLevel
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record, diff
from dajiuzhu.core import clock
from dajiuzhu.core.errors import ErrorReport, NotFound, ValidationFailed
from dajiuzhu.registry.choices import Relation
from dajiuzhu.registry.errors import DuplicateIdNumber, StaleRecord
from dajiuzhu.registry.models import (
    Asset,
    Expenditure,
    Household,
    Income,
    Membership,
    OutsideSupporter,
    Person,
)
from dajiuzhu.registry.selectors import duplicate_id_audit, duplicate_id_message
from dajiuzhu.registry.validation import (
    clean_asset,
    clean_expenditure,
    clean_household,
    clean_income,
    clean_outside_supporter,
    clean_person,
)

AUDITED_PERSON_FIELDS = [
    "id_number", "name", "sex", "birth_date", "phone", "relation", "disability_type", "disability_grade",
    "labour_capacity", "employment", "school_stage", "serious_illness", "illness_note", "is_deceased",
    "adl_eating", "adl_dressing", "adl_transfer", "adl_toileting", "adl_walking", "adl_bathing",
]  # fmt: skip
HOUSEHOLD_FIELDS = ["area", "address", "residence_type", "hukou_type", "note"]


def _snapshot(obj: Model, fields: list[str]) -> dict[str, Any]:
    data = model_to_dict(obj, fields=fields)
    # Audit rows hold the personal data as entered: the trail itself is readable only by auditors.
    return data


def _require_in_scope(actor: Any, area: Area) -> None:
    user_area = getattr(actor, "area", None)
    if user_area is None or not area.is_within(user_area):
        raise NotFound()


def _resolve_area(
    actor: Any, area: Area | str | None, report: ErrorReport, row: int | None = None
) -> Area | None:
    if isinstance(area, Area):
        found: Area | None = area
    else:
        code = str(area or "").strip()
        if not code:
            report.add("所属村（社区）/网格", "不能为空", row=row)
            return None
        found = Area.objects.filter(code=code).first()
    user_area = getattr(actor, "area", None)
    if found is None or user_area is None or not found.is_within(user_area):
        # One answer for a code that does not exist and one outside the clerk's area (checked first, so
        # neither the name nor the level of another area shows).
        shown = area.code if isinstance(area, Area) else str(area or "").strip()
        report.add("所属村（社区）/网格", f"区划代码“{shown}”不存在或不在您的管辖范围内", row=row)
        return None
    if found.level < AreaLevel.VILLAGE:
        report.add(
            "所属村（社区）/网格", f"“{found.name}”不是村（社区）或网格，家庭必须登记到村（社区）", row=row
        )
        return None
    return found


def _next_household_number(area: Area) -> str:
    village_code = area.village_code or area.code
    # Lock the village row so two clerks in one village never get the same number.
    Area.objects.select_for_update().filter(code=village_code).first()
    last = Household.objects.filter(number__startswith=village_code).aggregate(m=Max("number"))["m"]
    seq = int(last[len(village_code) :]) + 1 if last else 1
    return f"{village_code}{seq:05d}"


def _check_unique_ids(
    id_numbers: list[tuple[str, int | None]], report: ErrorReport, exclude_person: int | None = None
) -> list[str]:
    """Report repeated and already registered ID numbers; returns the registered ones. Where a number is
    registered (household number, area) is never said: the clerk is told how to ask for a transfer."""
    seen: dict[str, int | None] = {}
    for number, row in id_numbers:
        if number in seen:
            where = f"与第{seen[number]}行重复" if seen[number] is not None else "在本次提交中重复"
            report.add("身份证号码", f"{number[:4]}…{number[-4:]} {where}", row=row)
        seen[number] = row
    existing = Person.objects.filter(id_number__in=list(seen))
    if exclude_person is not None:
        existing = existing.exclude(pk=exclude_person)
    registered = sorted(existing.values_list("id_number", flat=True))
    for number in registered:
        report.add("身份证号码", duplicate_id_message(number), row=seen[number])
    return registered


class _Refused(Exception):
    """Carries a refusal out of a service's transaction, with the registered ID numbers it met."""

    def __init__(self, error: ValidationFailed, registered: list[str]) -> None:
        super().__init__(error.message)
        self.error, self.registered = error, registered


def _raise_refused(report: ErrorReport, registered: list[str]) -> None:
    try:
        report.raise_if_any()
    except ValidationFailed as exc:
        if registered:
            raise _Refused(exc, registered) from exc
        raise


def _audited_duplicates(actor: Any, context: str, ip: str | None, call: Any) -> Any:
    """Run a service's transaction; a refusal that met registered ID numbers is audited after the
    rollback (in its own transaction, so the row stays) and raised as the ValidationFailed it is."""
    try:
        return call()
    except _Refused as refused:
        duplicate_id_audit(actor, numbers=refused.registered, context=context, ip=ip)
        raise refused.error from None


def household_create(
    *,
    actor: Any,
    area: Area | str | None,
    data: dict[str, Any],
    members: list[dict[str, Any]],
    on: dt.date | None = None,
    ip: str | None = None,
) -> Household:
    """Create a household with its members (exactly one of them the head). A member registered already
    is refused without saying where, and the attempt is audited."""
    return _audited_duplicates(
        actor,
        "新建家庭",
        ip,
        lambda: _household_create(actor=actor, area=area, data=data, members=members, on=on),
    )


@transaction.atomic
def _household_create(
    *,
    actor: Any,
    area: Area | str | None,
    data: dict[str, Any],
    members: list[dict[str, Any]],
    on: dt.date | None = None,
) -> Household:
    user_require(actor, Capability.REGISTRY_WRITE)
    report = ErrorReport()
    target = _resolve_area(actor, area, report)
    cleaned = clean_household(data, report)
    people = [clean_person(m, report, row=i + 1 if len(members) > 1 else None) for i, m in enumerate(members)]
    if not members:
        report.add("家庭成员", "至少登记一名成员（户主）")
    heads = [p for p in people if p.get("relation") == Relation.HEAD]
    if members and len(heads) != 1:
        report.add("与户主关系", f"一户必须有且只有一名户主，当前为{len(heads)}名")
    registered = _check_unique_ids(
        [
            (p["id_number"], i + 1 if len(members) > 1 else None)
            for i, p in enumerate(people)
            if "id_number" in p
        ],
        report,
    )
    _raise_refused(report, registered)
    assert target is not None
    household = Household.objects.create(number=_next_household_number(target), area=target, **cleaned)
    created = [_person_insert(household=household, data=p, on=on) for p in people]
    household.head = next(p for p in created if p.relation == Relation.HEAD)
    household.member_count = len(created)
    household.save(update_fields=["head", "member_count"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject_type="household",
        subject_id=household.pk,
        subject_label=household.number,
        area_code=target.code,
        after={
            **_snapshot(household, HOUSEHOLD_FIELDS),
            "members": [_snapshot(p, AUDITED_PERSON_FIELDS) for p in created],
        },
    )
    return household


def _person_insert(*, household: Household, data: dict[str, Any], on: dt.date | None) -> Person:
    try:
        with transaction.atomic():
            person = Person.objects.create(household=household, **data)
    except IntegrityError as exc:
        raise DuplicateIdNumber.single("身份证号码", "该身份证号码已登记") from exc
    Membership.objects.create(
        person=person,
        household=household,
        relation=person.relation,
        start_date=on or clock.today(),
        reason="登记",
    )
    return person


def _lock_household(actor: Any, household_id: int) -> Household:
    household = (
        Household.objects.select_for_update(of=("self",))
        .select_related("area")
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound()
    _require_in_scope(actor, household.area)
    return household


def _check_version(obj: Household | Person, version: int | None) -> None:
    if version is not None and int(version) != obj.version:
        raise StaleRecord()


@transaction.atomic
def household_update(
    *,
    actor: Any,
    household_id: int,
    data: dict[str, Any],
    version: int | None,
    area: Area | str | None = None,
) -> Household:
    user_require(actor, Capability.REGISTRY_WRITE)
    household = _lock_household(actor, household_id)
    _check_version(household, version)
    report = ErrorReport()
    cleaned = clean_household(data, report, partial=True)
    if area is not None:
        target = _resolve_area(actor, area, report)
        if target is not None:
            cleaned["area"] = target
    report.raise_if_any()
    before = _snapshot(household, HOUSEHOLD_FIELDS)
    for key, value in cleaned.items():
        setattr(household, key, value)
    household.version = F("version") + 1
    household.save(update_fields=[*cleaned.keys(), "version", "updated_at"])
    household.refresh_from_db()
    b, a = diff(before, _snapshot(household, HOUSEHOLD_FIELDS))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        subject_type="household",
        subject_id=household.pk,
        subject_label=household.number,
        area_code=household.area_id,
        before=b,
        after=a,
    )
    return household


def person_add(
    *, actor: Any, household_id: int, data: dict[str, Any], on: dt.date | None = None, ip: str | None = None
) -> Person:
    """Add a member. One registered already is refused without saying where, and audited."""
    return _audited_duplicates(
        actor,
        "添加家庭成员",
        ip,
        lambda: _person_add(actor=actor, household_id=household_id, data=data, on=on),
    )


@transaction.atomic
def _person_add(*, actor: Any, household_id: int, data: dict[str, Any], on: dt.date | None = None) -> Person:
    user_require(actor, Capability.REGISTRY_WRITE)
    household = _lock_household(actor, household_id)
    report = ErrorReport()
    cleaned = clean_person(data, report)
    if cleaned.get("relation") == Relation.HEAD and household.head_id:
        report.add("与户主关系", "该户已有户主，请先调整原户主的关系")
    registered = _check_unique_ids([(cleaned["id_number"], None)], report) if "id_number" in cleaned else []
    _raise_refused(report, registered)
    person = _person_insert(household=household, data=cleaned, on=on)
    _recount(household, new_head=person if person.relation == Relation.HEAD else None)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject_type="person",
        subject_id=person.pk,
        subject_label=person.name,
        area_code=household.area_id,
        after={"household": household.number, **_snapshot(person, AUDITED_PERSON_FIELDS)},
    )
    return person


def _recount(household: Household, *, new_head: Person | None = None) -> None:
    household.member_count = Person.objects.filter(household=household).count()
    fields = ["member_count", "version", "updated_at"]
    if new_head is not None:
        household.head = new_head
        fields.append("head")
    elif household.head_id and not Person.objects.filter(pk=household.head_id, household=household).exists():
        household.head = None
        fields.append("head")
    household.version = F("version") + 1
    household.save(update_fields=fields)
    household.refresh_from_db(fields=["version"])


def _lock_person(actor: Any, person_id: int) -> Person:
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("household__area")
        .filter(pk=person_id)
        .first()
    )
    if person is None or person.household is None:
        raise NotFound()
    _require_in_scope(actor, person.household.area)
    return person


def person_update(
    *, actor: Any, person_id: int, data: dict[str, Any], version: int | None, ip: str | None = None
) -> Person:
    """Change a member. A new ID number registered already is refused without saying where, and audited."""
    return _audited_duplicates(
        actor, "修改成员身份证号码", ip,
        lambda: _person_update(actor=actor, person_id=person_id, data=data, version=version),
    )  # fmt: skip


@transaction.atomic
def _person_update(*, actor: Any, person_id: int, data: dict[str, Any], version: int | None) -> Person:
    user_require(actor, Capability.REGISTRY_WRITE)
    person = _lock_person(actor, person_id)
    _check_version(person, version)
    report = ErrorReport()
    cleaned = clean_person(data, report, partial=True)
    household = person.household
    assert household is not None
    if cleaned.get("relation") == Relation.HEAD and household.head_id not in (None, person.pk):
        report.add("与户主关系", "该户已有户主，请先调整原户主的关系")
    registered: list[str] = []
    if "id_number" in cleaned and cleaned["id_number"] != person.id_number:
        registered = _check_unique_ids([(cleaned["id_number"], None)], report, exclude_person=person.pk)
    _raise_refused(report, registered)
    before = _snapshot(person, AUDITED_PERSON_FIELDS)
    for key, value in cleaned.items():
        setattr(person, key, value)
    person.version = F("version") + 1
    person.save(update_fields=[*cleaned.keys(), "version", "updated_at"])
    person.refresh_from_db()
    if person.relation == Relation.HEAD and household.head_id != person.pk:
        Household.objects.filter(pk=household.pk).update(head=person, version=F("version") + 1)
    b, a = diff(before, _snapshot(person, AUDITED_PERSON_FIELDS))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        subject_type="person",
        subject_id=person.pk,
        subject_label=person.name,
        area_code=household.area_id,
        before=b,
        after=a,
    )
    return person


@transaction.atomic
def person_move(
    *, actor: Any, person_id: int, to_household_id: int, relation: str, reason: str, on: dt.date | None = None
) -> Person:
    """Move a person to another household, closing the old membership and opening a new one."""
    user_require(actor, Capability.REGISTRY_WRITE)
    # Lock in a fixed order (household ids ascending, then the person) to avoid deadlocks.
    person_peek = Person.objects.filter(pk=person_id).values("household_id").first()
    if person_peek is None or person_peek["household_id"] is None:
        raise NotFound()
    ids = sorted({person_peek["household_id"], int(to_household_id)})
    locked = {h: _lock_household(actor, h) for h in ids}
    person = _lock_person(actor, person_id)
    source = locked[person_peek["household_id"]]
    target = locked[int(to_household_id)]
    report = ErrorReport()
    if source.pk == target.pk:
        report.add("迁入家庭", "迁入家庭与当前家庭相同")
    if not reason.strip():
        report.add("迁移原因", "不能为空")
    # With partial=True and "relation" given, the cleaner always returns that key.
    rel_report_value: str = clean_person({"relation": relation}, report, partial=True)["relation"]
    if rel_report_value == Relation.HEAD and target.head_id:
        report.add("与户主关系", "迁入家庭已有户主")
    report.raise_if_any()
    on = on or clock.today()
    Membership.objects.filter(person=person, end_date__isnull=True).update(end_date=on)
    Membership.objects.create(
        person=person, household=target, relation=rel_report_value, start_date=on, reason=reason.strip()[:200]
    )
    person.household = target
    person.relation = rel_report_value
    person.version = F("version") + 1
    person.save(update_fields=["household", "relation", "version", "updated_at"])
    person.refresh_from_db()
    _recount(source)
    _recount(target, new_head=person if person.relation == Relation.HEAD else None)
    audit_record(
        actor=actor,
        action=AuditAction.MOVE,
        subject_type="person",
        subject_id=person.pk,
        subject_label=person.name,
        area_code=target.area_id,
        before={"household": source.number},
        after={"household": target.number, "relation": relation},
        note=reason.strip(),
    )
    return person


REVEALABLE = {"id_number": "身份证号码", "phone": "联系电话"}


@transaction.atomic
def person_reveal(*, actor: Any, person_id: int, field: str, ip: str | None = None) -> str:
    """Return one full sensitive value, writing the audit row first (same transaction)."""
    if field not in REVEALABLE:
        raise ValidationFailed.single("字段", f"“{field}”不可查看")
    user_require(actor, Capability.REVEAL_PII)
    person = Person.objects.select_related("household__area").filter(pk=person_id).first()
    if person is None or person.household is None:
        raise NotFound()
    _require_in_scope(actor, person.household.area)
    audit_record(
        actor=actor,
        action=AuditAction.REVEAL,
        subject_type="person",
        subject_id=person.pk,
        subject_label=person.name,
        area_code=person.household.area_id,
        note=REVEALABLE[field],
        ip=ip,
    )
    return str(getattr(person, field))


_RECORD_MODELS: dict[str, tuple[type[Model], Any, str]] = {
    "income": (Income, clean_income, "收入"),
    "asset": (Asset, clean_asset, "财产"),
    "expenditure": (Expenditure, clean_expenditure, "刚性支出"),
}


@transaction.atomic
def household_record_add(*, actor: Any, household_id: int, kind: str, data: dict[str, Any]) -> Model:
    """Add an income, asset or expenditure row to a household (optionally tied to a member)."""
    user_require(actor, Capability.REGISTRY_WRITE)
    model, cleaner, label = _RECORD_MODELS[kind]
    household = _lock_household(actor, household_id)
    report = ErrorReport()
    cleaned = cleaner(data, report)
    person_id = data.get("person") or data.get("person_id")
    person = None
    if person_id not in (None, ""):
        person = Person.objects.filter(pk=person_id, household=household).first()
        if person is None:
            report.add("成员", "所选成员不属于该家庭")
    report.raise_if_any()
    obj = model.objects.create(household=household, person=person, **cleaned)  # type: ignore[attr-defined]
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject_type=kind,
        subject_id=obj.pk,
        subject_label=f"{household.number} {label}",
        area_code=household.area_id,
        after={**cleaned, "person": person.pk if person else None},
    )
    return obj


@transaction.atomic
def household_record_delete(*, actor: Any, kind: str, record_id: int) -> None:
    user_require(actor, Capability.REGISTRY_WRITE)
    model, _cleaner, label = _RECORD_MODELS[kind]
    obj = model.objects.select_related("household__area").filter(pk=record_id).first()  # type: ignore[attr-defined]
    if obj is None:
        raise NotFound()
    _lock_household(actor, obj.household_id)
    before = model_to_dict(obj)
    obj.delete()
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        subject_type=kind,
        subject_id=record_id,
        subject_label=f"{obj.household.number} {label}",
        area_code=obj.household.area_id,
        before=before,
    )


@transaction.atomic
def outside_supporter_add(*, actor: Any, household_id: int, data: dict[str, Any]) -> OutsideSupporter:
    """Record a statutory supporter of the household's applicants who lives elsewhere (S2 art. 8). A
    co-resident member is not recorded here: the engine judges members from their own rows."""
    user_require(actor, Capability.REGISTRY_WRITE)
    household = _lock_household(actor, household_id)
    report = ErrorReport()
    cleaned = clean_outside_supporter(data, report)
    number = cleaned.get("id_number")
    if number and Person.objects.filter(household=household, id_number=number, is_deceased=False).exists():
        report.add("身份证号码", "该义务人是本户共同生活成员，按成员信息认定，无需登记为户外义务人")
    elif number and OutsideSupporter.objects.filter(household=household, id_number=number).exists():
        report.add("身份证号码", "该义务人已登记")
    report.raise_if_any()
    try:
        # The household row is locked, so the check above holds; the unique constraint is the backstop.
        with transaction.atomic():
            obj = OutsideSupporter.objects.create(household=household, **cleaned)
    except IntegrityError as exc:
        raise ValidationFailed.single("身份证号码", "该义务人已登记") from exc
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject_type="outside_supporter",
        subject_id=obj.pk,
        subject_label=f"{household.number} 户外法定义务人",
        area_code=household.area_id,
        after={k: str(v) if v is not None else None for k, v in cleaned.items()},
    )
    return obj


@transaction.atomic
def outside_supporter_delete(*, actor: Any, supporter_id: int) -> None:
    user_require(actor, Capability.REGISTRY_WRITE)
    household_id = (
        OutsideSupporter.objects.filter(pk=supporter_id).values_list("household_id", flat=True).first()
    )
    if household_id is None:
        raise NotFound()
    household = _lock_household(actor, household_id)
    # Read again under the household's lock: a concurrent delete leaves nothing to delete (or audit).
    obj = OutsideSupporter.objects.filter(pk=supporter_id, household=household).first()
    if obj is None:
        raise NotFound()
    before = {k: str(v) for k, v in model_to_dict(obj).items()}
    obj.delete()
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        subject_type="outside_supporter",
        subject_id=supporter_id,
        subject_label=f"{household.number} 户外法定义务人",
        area_code=household.area_id,
        before=before,
    )
