"""Registry reads, always scoped to the caller's area subtree."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.areas.divisions import county_code_known
from dajiuzhu.areas.models import Area
from dajiuzhu.areas.selectors import area_q
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock, idnumber
from dajiuzhu.core.errors import FieldError, NotFound, ValidationFailed
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.registry.models import Household, Person

_ID_LIKE = re.compile(r"^\d{6,17}[\dXx]?$")


def household_search(
    *, user: Any, q: str = "", area_code: str = "", residence_type: str = ""
) -> QuerySet[Household]:
    """Households visible to `user`, filtered by name / ID number / household number / area."""
    user_require(user, Capability.REGISTRY_READ)
    qs = Household.objects.filter(user_scope_q(user), is_active=True)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            return qs.none()
        qs = qs.filter(area_q(area))
    if residence_type:
        qs = qs.filter(residence_type=residence_type)
    q = (q or "").strip()
    if q:
        text = idnumber.normalize(q)
        if len(text) == 18 or len(text) == 15:
            try:
                text = idnumber.parse(text, today=clock.today()).number
            except idnumber.InvalidIdNumber:
                pass
            qs = qs.filter(members__id_number=text)
        elif _ID_LIKE.match(text) and len(text) >= 6:
            qs = qs.filter(Q(number__startswith=text) | Q(members__id_number__endswith=text)).distinct()
        else:
            qs = qs.filter(members__name__startswith=q).distinct()
    return qs.select_related("area", "head").order_by("number")


def household_get_for_user(*, user: Any, household_id: int, ip: str | None = None) -> Household:
    """The only way a page or the API loads one household.

    Out-of-scope → NotFound, and the attempt is audited."""
    user_require(user, Capability.REGISTRY_READ)
    household = Household.objects.select_related("area", "head").filter(pk=household_id).first()
    if household is None:
        raise NotFound()
    if not Household.objects.filter(user_scope_q(user), pk=household_id).exists():
        _audit_denied(user, "household", household_id, household.area_id, ip)
        raise NotFound()
    return household


# ---- lookups by ID number or household number: one answer, whatever the reason ------------------------
#
# "Not registered", "registered outside your area" and "registered but in no household" must read the same,
# or a lookup tells a village clerk whether anyone anywhere is in the registry (an existence oracle). Every
# miss is audited with the real reason (auditors only) and the masked ID number.

LOOKUP_MISS_ID = "困难群众数据库中没有这个身份证号码所在的家庭，或该家庭不在您的管辖范围内。如为本辖区居民，请先登记家庭和成员"
LOOKUP_MISS_NUMBER = "户编号不存在或不在您的管辖范围内，请核对户编号"
# The duplicate-ID conflict on creation: the person exists, but where is never said (no household number,
# no area). The registry's transfer path: 成员迁移 between households the clerk manages, otherwise the
# county civil-affairs office (or the original area) moves the person, because a move needs both ends.
DUPLICATE_ID_REGISTERED = (
    "已登记在其他家庭，一人只能登记在一个家庭。如原家庭在您的管辖范围内，请在原家庭页面使用“成员迁移”；"
    "否则请持户籍迁移材料向县级民政部门申请办理成员迁移（跨县的由县级民政部门商原登记地办理）"
)

MISS_NOT_REGISTERED = "not_registered"
MISS_NO_HOUSEHOLD = "no_household"
MISS_OUT_OF_AREA = "out_of_area"
MISS_UNKNOWN_NUMBER = "unknown_number"
_MISS_NOTES = {
    MISS_UNKNOWN_NUMBER: "查找未命中：户编号不存在",
    MISS_NOT_REGISTERED: "查找未命中：身份证号码未登记",
    MISS_NO_HOUSEHOLD: "查找未命中：该人员不属于任何家庭",
    MISS_OUT_OF_AREA: "查找未命中：记录在管辖范围以外",
}


class LookupMiss(NotFound):
    """The one answer of a lookup that finds nothing the user may see (404, same text for every reason)."""

    def __init__(self, field_name: str = "身份证号码", message: str = LOOKUP_MISS_ID) -> None:
        super().__init__(message, errors=[FieldError(field=field_name, message=message)])


def lookup_miss_audit(
    user: Any, *, reason: str, masked: str, ip: str | None, household: Household | None = None,
    kind: str = "id_number",
) -> None:  # fmt: skip
    """Audit a lookup miss in its own transaction. Call it outside any transaction that the miss rolls
    back (a savepoint would take the row with it)."""
    subject_type, subject_id, area_code = (
        ("household", household.pk, household.area_id) if household is not None
        else (kind, "", getattr(user, "area_id", "") or "")
    )  # fmt: skip
    with transaction.atomic():
        audit_record(
            actor=user, action=AuditAction.DENIED, subject_type=subject_type, subject_id=subject_id,
            subject_label=masked, area_code=area_code, note=_MISS_NOTES.get(reason, reason), ip=ip,
        )  # fmt: skip


def duplicate_id_audit(user: Any, *, numbers: list[str], context: str, ip: str | None = None) -> None:
    """Audit a refused creation whose ID numbers are registered already (masked), in its own transaction
    (the refusal rolls back the caller's)."""
    if not numbers:
        return
    with transaction.atomic():
        audit_record(
            actor=user, action=AuditAction.DENIED, subject_type="id_number",
            subject_label="、".join(mask_id_number(n) for n in numbers),
            area_code=getattr(user, "area_id", "") or "", note=f"{context}：身份证号码已在其他家庭登记"[:500], ip=ip,
        )  # fmt: skip


def duplicate_id_message(number: str) -> str:
    return f"{number[:4]}…{number[-4:]} {DUPLICATE_ID_REGISTERED}"


def household_by_id_number(*, user: Any, id_number: str, ip: str | None = None) -> tuple[Household, Person]:
    """The household and the person of an ID number, if the household lies in the user's area. Not
    registered, in no household, or outside the area: the same LookupMiss, and the miss is audited.
    Every "type an ID number" page and API uses it."""
    user_require(user, Capability.REGISTRY_READ)
    if not (id_number or "").strip():
        raise ValidationFailed.single("身份证号码", "请输入身份证号码")
    try:
        number = idnumber.parse(id_number, today=clock.today(), region_known=county_code_known).number
    except idnumber.InvalidIdNumber as exc:
        raise ValidationFailed.single("身份证号码", str(exc)) from exc
    person = (
        Person.objects.select_related("household__area", "household__head").filter(id_number=number).first()
    )
    household = person.household if person is not None else None
    if person is None or household is None:
        reason = MISS_NOT_REGISTERED if person is None else MISS_NO_HOUSEHOLD
        lookup_miss_audit(user, reason=reason, masked=mask_id_number(number), ip=ip)
        raise LookupMiss()
    if not Household.objects.filter(user_scope_q(user), pk=household.pk).exists():
        lookup_miss_audit(
            user, reason=MISS_OUT_OF_AREA, masked=mask_id_number(number), ip=ip, household=household
        )
        raise LookupMiss()
    return household, person


def household_by_number(
    *, user: Any, number: str, ip: str | None = None, field_name: str = "户编号"
) -> Household:
    """The household with this household number, if it lies in the user's area; else LookupMiss (the same
    for an unknown number and one outside the area), audited."""
    user_require(user, Capability.REGISTRY_READ)
    text = (number or "").strip()
    if not text:
        raise ValidationFailed.single(field_name, "请填写户编号")
    household = Household.objects.select_related("area", "head").filter(number=text).first()
    if household is None or not Household.objects.filter(user_scope_q(user), pk=household.pk).exists():
        lookup_miss_audit(
            user, reason=MISS_UNKNOWN_NUMBER if household is None else MISS_OUT_OF_AREA, masked=text[:200],
            ip=ip, household=household, kind="household_number",
        )  # fmt: skip
        raise LookupMiss(field_name, LOOKUP_MISS_NUMBER)
    return household


def person_get_for_user(*, user: Any, person_id: int, ip: str | None = None) -> Person:
    user_require(user, Capability.REGISTRY_READ)
    person = Person.objects.select_related("household__area").filter(pk=person_id).first()
    if person is None or person.household is None:
        raise NotFound()
    if not Household.objects.filter(user_scope_q(user), pk=person.household.pk).exists():
        _audit_denied(user, "person", person_id, person.household.area_id, ip)
        raise NotFound()
    return person


def _audit_denied(user: Any, subject_type: str, subject_id: int, area_code: str, ip: str | None) -> None:
    # Written in its own transaction so that it survives the request's error path.
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.DENIED,
            subject_type=subject_type,
            subject_id=subject_id,
            area_code=area_code,
            note="访问管辖范围以外的记录",
            ip=ip,
        )


def household_members(household: Household) -> QuerySet[Person]:
    return Person.objects.filter(household=household).order_by("-relation", "birth_date")


def household_detail(household: Household) -> dict[str, Any]:
    """Everything the household page and the API show, in a fixed number of queries."""
    members = list(Person.objects.filter(household=household).order_by("id"))
    return {
        "household": household,
        "members": members,
        "incomes": list(household.incomes.select_related("person").order_by("-period_start", "id")),
        "assets": list(household.assets.select_related("person").order_by("id")),
        "expenditures": list(household.expenditures.select_related("person").order_by("-period_start", "id")),
        "memberships": list(household.memberships.select_related("person").order_by("start_date", "id")),
        # Statutory supporters living elsewhere (特困 condition 3); co-resident ones are in `members`.
        "outside_supporters": list(household.outside_supporters.order_by("id")),
    }


# ---- whole-county frames (the monthly roll reads payees' names and households at once) --------------


def people_frame(*, county_code: str) -> Any:
    """Every person of a county's households: person_id, name, id_number, phone, household_id,
    is_deceased (Polars)."""
    import polars as pl

    from dajiuzhu.core.frames import queryset_frame

    return queryset_frame(
        Person.objects.filter(household__area__county_code=county_code),
        {"id": pl.Int64, "name": pl.Utf8, "id_number": pl.Utf8, "phone": pl.Utf8, "household_id": pl.Int64,
         "is_deceased": pl.Boolean},
    ).rename({"id": "person_id"})  # fmt: skip


def households_frame(*, county_code: str) -> Any:
    """household_id, head_id, member_count, area_id of a county's households (Polars)."""
    import polars as pl

    from dajiuzhu.core.frames import queryset_frame

    return queryset_frame(
        Household.objects.filter(area__county_code=county_code),
        {"id": pl.Int64, "head_id": pl.Int64, "member_count": pl.Int64, "area_id": pl.Utf8},
    ).rename({"id": "household_id"})
