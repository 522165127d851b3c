"""Registry reads, always scoped to the caller's area subtree."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.areas.models import Area
from dajiuzhu.areas.selectors import area_q
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import idnumber
from dajiuzhu.core.errors import NotFound, ValidationFailed
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
                text = idnumber.parse(text).number
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


def household_by_id_number(*, user: Any, id_number: str, ip: str | None = None) -> tuple[Household, Person]:
    """The household and the person of an ID number, through household_get_for_user (an attempt outside
    the user's area is audited and looks like "not found"). Every "type an ID number" page uses it."""
    if not (id_number or "").strip():
        raise ValidationFailed.single("身份证号码", "请输入身份证号码")
    try:
        number = idnumber.parse(id_number).number
    except idnumber.InvalidIdNumber as exc:
        raise ValidationFailed.single("身份证号码", str(exc)) from exc
    person = Person.objects.filter(id_number=number).first()
    if person is None:
        raise NotFound("困难群众数据库中没有这个身份证号码，请先登记家庭和成员")
    if person.household_id is None:
        raise ValidationFailed.single(
            "身份证号码", "该人员目前不属于任何家庭，请先在困难群众数据库中登记家庭"
        )
    return household_get_for_user(user=user, household_id=person.household_id, ip=ip), person


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
