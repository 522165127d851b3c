"""Volunteer care visits (精神慰藉) for elders of 80 and over in special hardship, counted per county
against the monthly target, and home adaptation projects (适老化改造): assessment, items, contractor,
cost, subsidy up to the household cap, acceptance with photos."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock, months
from dajiuzhu.core.errors import FieldError, ValidationFailed
from dajiuzhu.core.inputs import check_photos
from dajiuzhu.core.money import InvalidAmount, parse_yuan
from dajiuzhu.eldercare.errors import CommunityInvalid
from dajiuzhu.eldercare.inputs import day as _day
from dajiuzhu.eldercare.inputs import person_from, text
from dajiuzhu.eldercare.models import AdaptationPhoto, AdaptationProject, AdaptationStatus, VolunteerVisit
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.registry.models import Person
from dajiuzhu.rules.parameters import ParameterError

ITEMS_FILE = Path(settings.BASE_DIR) / "policy" / "eldercare" / "adaptation-items.yaml"
ELDER_AGE = "eldercare.volunteer.elder_age"
TARGET = "eldercare.volunteer.monthly_hours_target"
CAP = "eldercare.adaptation.household_cap"


@cache
def adaptation_items() -> dict[str, str]:
    data = yaml.safe_load(ITEMS_FILE.read_text(encoding="utf-8"))
    return {i["code"]: i["label"] for i in data["items"]}


def _param(name: str, on: dt.date, region: str) -> Any:
    try:
        return parameter_tree().value(name, on=on, region=region)
    except ParameterError as exc:
        raise ValidationFailed.single("政策参数", str(exc)) from exc


# ---- volunteer visits --------------------------------------------------------------------------------------------


@transaction.atomic
def volunteer_visit_record(*, user: Any, data: dict[str, Any], ip: str | None = None) -> VolunteerVisit:
    user_require(user, Capability.ELDER_ORDER)
    person = person_from(user, data, "老人", CommunityInvalid, ip)
    errors: list[FieldError] = []
    volunteer = text(data.get("volunteer"), "volunteer", "志愿者", errors, required=True, limit=50)
    organisation = text(
        data.get("organisation"), "organisation", "志愿服务组织", errors, required=False, limit=100
    )
    content = text(data.get("content"), "content", "服务内容", errors, required=True, limit=300)
    on = _day(data.get("visited_on"), "visited_on", "探访日期", errors)
    raw = str(data.get("minutes") or "").strip()
    if not raw.isdigit() or not 10 <= int(raw) <= 480:
        errors.append(FieldError("minutes", "时长：应为10—480分钟的整数"))
    if errors or on is None:
        raise CommunityInvalid(errors=errors)
    visit = VolunteerVisit(
        person=person, area_id=person.household.area_id,  # type: ignore[union-attr]  # found through its household
        volunteer=volunteer, organisation=organisation, visited_on=on, minutes=int(raw), content=content,
        recorded_by=user, recorded_at=clock.now(),
    )  # fmt: skip
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        raise CommunityInvalid(
            errors=[FieldError("visited_on", "探访日期：该志愿者当天对这位老人的探访已登记")]
        ) from None
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="volunteer_visit", subject_id=visit.pk,
        subject_label=f"{person.name} {on.isoformat()}", area_code=visit.area_id, ip=ip,
    )  # fmt: skip
    return visit


@dataclass
class VolunteerMonth:
    month: dt.date
    hours: Decimal
    target: int
    visits: int
    elders_visited: int
    eligible: list[tuple[Person, int]]  # elders of the age in special hardship, and their visits this month


def volunteer_month(*, user: Any, month: dt.date) -> VolunteerMonth:
    """The month's volunteer hours in the user's area against the county's target, and every elder of the age
    in special hardship (特困 or 低保) with the number of visits, not visited first."""
    from dajiuzhu.benefits.selectors import beneficiary_household_ids, beneficiary_ids

    user_require(user, Capability.ELDER_READ)
    month = months.first_of(month)
    region = (getattr(user, "area_id", "") or "")[:6]
    visits = VolunteerVisit.objects.filter(
        user_scope_q(user), visited_on__gte=month, visited_on__lte=months.last_day(month)
    )
    totals = visits.aggregate(m=Sum("minutes"), n=Count("id"), e=Count("person_id", distinct=True))
    age = int(_param(ELDER_AGE, month, region))
    cutoff = month.replace(year=month.year - age)
    hardship = Person.objects.filter(
        user_scope_q(user, prefix="household__area"), birth_date__lte=cutoff, is_deceased=False
    ).filter(
        Q(pk__in=beneficiary_ids(user=user, programme="tekun", month=month))
        | Q(household_id__in=beneficiary_household_ids(user=user, programme="dibao", month=month))
    )
    counted = dict(visits.values_list("person_id").annotate(n=Count("id")))
    eligible = sorted(
        ((p, counted.get(p.pk, 0)) for p in hardship.select_related("household")),
        key=lambda r: (r[1], r[0].pk),
    )
    return VolunteerMonth(
        month=month, hours=(Decimal(totals["m"] or 0) / 60).quantize(Decimal("0.1")), target=int(_param(TARGET, month, region)),
        visits=totals["n"] or 0, elders_visited=totals["e"] or 0, eligible=eligible,
    )  # fmt: skip


# ---- home adaptation -----------------------------------------------------------------------------------------------


@transaction.atomic
def adaptation_plan(*, user: Any, data: dict[str, Any], ip: str | None = None) -> AdaptationProject:
    user_require(user, Capability.ELDER_ADMIN)
    person = person_from(user, data, "老人", CommunityInvalid, ip)
    household = person.household
    assert household is not None  # found through it
    errors: list[FieldError] = []
    on = _day(data.get("assessed_on"), "assessed_on", "入户评估日期", errors)
    findings = text(data.get("findings"), "findings", "评估意见", errors, required=True, limit=500)
    contractor = text(data.get("contractor"), "contractor", "施工单位", errors, required=True, limit=100)
    raw_items = data.get("items") or []
    items = [
        str(i) for i in (raw_items if isinstance(raw_items, list | tuple) else [raw_items]) if str(i).strip()
    ]
    unknown = [i for i in items if i not in adaptation_items()]
    if unknown or not items:
        errors.append(
            FieldError(
                "items",
                "改造项目：请选择清单中的项目" + (f"（{'、'.join(unknown)}不在清单中）" if unknown else ""),
            )
        )
    cost = Decimal("0")
    try:
        cost = parse_yuan(data.get("cost"))
        if cost <= 0:
            errors.append(FieldError("cost", "改造费用：应大于0"))
    except InvalidAmount as exc:
        errors.append(FieldError("cost", f"改造费用：{exc}"))
    if errors or on is None:
        raise CommunityInvalid(errors=errors)
    cap = parse_yuan(_param(CAP, on, household.area_id))
    project = AdaptationProject.objects.create(
        household=household, person=person, area_id=household.area_id, assessed_on=on, findings=findings, items=items,
        contractor=contractor, cost=cost, subsidy=min(cost, cap), recorded_by=user, recorded_at=clock.now(),
    )  # fmt: skip
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="adaptation", subject_id=project.pk,
        subject_label=f"{person.name} 适老化改造", area_code=project.area_id,
        after={"cost": str(cost), "subsidy": str(project.subsidy), "items": items}, ip=ip,
    )  # fmt: skip
    return project


@transaction.atomic
def adaptation_accept(
    *, user: Any, project_id: int, data: dict[str, Any], photos: list[Any], ip: str | None = None
) -> AdaptationProject:
    """Acceptance: the date, a note, and at least one photo of the finished work."""
    user_require(user, Capability.ELDER_ADMIN)
    project = (
        AdaptationProject.objects.select_for_update(of=("self",))
        .filter(user_scope_q(user), pk=project_id)
        .first()
    )
    if project is None:
        from dajiuzhu.core.errors import NotFound

        raise NotFound("改造项目不存在或不在您的管辖范围内")
    errors: list[FieldError] = []
    if project.status == AdaptationStatus.ACCEPTED:
        errors.append(FieldError("status", "该改造项目已验收"))
    on = _day(data.get("accepted_on"), "accepted_on", "验收日期", errors)
    note = text(data.get("acceptance_note"), "acceptance_note", "验收意见", errors, required=True, limit=300)
    if not photos:
        errors.append(FieldError("photos", "验收照片：请至少上传一张改造完成后的照片"))
    if on is not None and on < project.assessed_on:
        errors.append(FieldError("accepted_on", "验收日期：不能早于入户评估日期"))
    if errors or on is None:
        raise CommunityInvalid(errors=errors)
    check_photos(photos)
    project.status, project.accepted_on, project.acceptance_note = AdaptationStatus.ACCEPTED, on, note
    project.save(update_fields=["status", "accepted_on", "acceptance_note"])
    for photo in photos:
        AdaptationPhoto.objects.create(project=project, image=photo, uploaded_at=clock.now())
    audit_record(
        actor=user, action=AuditAction.TRANSITION, subject_type="adaptation", subject_id=project.pk,
        subject_label="适老化改造验收", area_code=project.area_id, after={"photos": len(photos)}, ip=ip,
    )  # fmt: skip
    return project


def adaptations_visible(user: Any) -> Any:
    user_require(user, Capability.ELDER_READ)
    return (
        AdaptationProject.objects.filter(user_scope_q(user))
        .select_related("person", "household")
        .prefetch_related("photos")
    )
