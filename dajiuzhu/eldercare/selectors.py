"""Elderly-care reads, scoped to the user's area like the registry's.

An assessment's level and care zone are what carers and grid workers need to serve an elder; the item
scores and the diagnoses behind it are health data: shown only to those who assess (ELDER_ASSESS), and
every such view is audited as a reveal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core.errors import NotFound
from dajiuzhu.eldercare.models import (
    AbilityAssessment,
    AbilityLevel,
    Bed,
    BedState,
    CareZone,
    Institution,
    ResidentKind,
    Stay,
    WaitingEntry,
    WaitStatus,
    Zone,
)
from dajiuzhu.registry import selectors as registry_selectors
from dajiuzhu.registry.models import Person
from dajiuzhu.rules import ability


def assessments_for_person(
    *, user: Any, person_id: int, ip: str | None = None
) -> tuple[Person, QuerySet[AbilityAssessment]]:
    """The person (in the user's area, else NotFound) and their assessments, newest first."""
    user_require(user, Capability.ELDER_READ)
    person = registry_selectors.person_get_for_user(user=user, person_id=person_id, ip=ip)
    return person, AbilityAssessment.objects.filter(person=person).order_by("-assessed_on", "-id")


def latest_assessment(person: Person) -> AbilityAssessment | None:
    return AbilityAssessment.objects.filter(person=person).order_by("-assessed_on", "-id").first()


def assessments_in_area(*, user: Any) -> QuerySet[AbilityAssessment]:
    user_require(user, Capability.ELDER_READ)
    return AbilityAssessment.objects.filter(user_scope_q(user)).select_related("person", "area")


@dataclass
class AssessmentDetail:
    assessment: AbilityAssessment
    instrument: ability.Instrument
    # (domain label, [(item label, score, max)]) when the user may see the scores, else None
    items: list[tuple[str, list[tuple[str, int, int]]]] | None


def assessment_detail(*, user: Any, assessment_id: int, ip: str | None = None) -> AssessmentDetail:
    """One assessment in the user's area (else NotFound, the same as a missing one). The item scores and
    the diagnoses are included for assessors only, and that view is audited."""
    user_require(user, Capability.ELDER_READ)
    found = AbilityAssessment.objects.filter(pk=assessment_id).select_related("person", "area").first()
    if found is None or not AbilityAssessment.objects.filter(user_scope_q(user), pk=assessment_id).exists():
        raise NotFound()
    inst = ability.instrument(found.instrument_version)
    items = None
    if user.can(Capability.ELDER_ASSESS):
        items = [
            (d.label, [(i.label, int(found.scores.get(i.code, 0)), i.max) for i in d.items])
            for d in inst.domains
        ]
        with transaction.atomic():
            audit_record(
                actor=user, action=AuditAction.REVEAL, subject_type="ability_assessment", subject_id=found.pk,
                subject_label=found.person.name, area_code=found.area_id, note="查看能力评估各项得分和诊断", ip=ip,
            )  # fmt: skip
    return AssessmentDetail(found, inst, items)


# ---- institutions and beds ---------------------------------------------------------------------------


@dataclass
class Occupancy:
    """Beds of one care type: how many, occupied, free to admit, reserved or under repair."""

    care_zone: str
    label: str
    beds: int = 0
    occupied: int = 0
    reserved: int = 0
    maintenance: int = 0

    @property
    def free(self) -> int:
        return self.beds - self.occupied - self.reserved - self.maintenance

    def add(self, other: Occupancy) -> None:
        self.beds += other.beds
        self.occupied += other.occupied
        self.reserved += other.reserved
        self.maintenance += other.maintenance

    @property
    def rate(self) -> int:
        """Occupancy in whole percent of the beds in service and reserved."""
        usable = self.beds - self.maintenance
        return round(100 * self.occupied / usable) if usable else 0


def institutions_visible(user: Any) -> QuerySet[Institution]:
    user_require(user, Capability.ELDER_READ)
    return Institution.objects.filter(user_scope_q(user), is_active=True).select_related("area")


def occupancy(institution_ids: list[int]) -> dict[int, dict[str, Occupancy]]:
    """Per institution, per care type: counted in the database (a few grouped queries, not per bed)."""
    out: dict[int, dict[str, Occupancy]] = {
        pk: {z: Occupancy(z, str(label)) for z, label in CareZone.choices} for pk in institution_ids
    }
    for row in (
        Bed.objects.filter(institution_id__in=institution_ids)
        .values("institution_id", "zone__care_zone", "state")
        .annotate(n=Count("id"))
    ):
        cell = out[row["institution_id"]][row["zone__care_zone"]]
        cell.beds += row["n"]
        if row["state"] == BedState.RESERVED:
            cell.reserved += row["n"]
        elif row["state"] == BedState.MAINTENANCE:
            cell.maintenance += row["n"]
    for stay_row in (
        Stay.objects.filter(institution_id__in=institution_ids, ended_on__isnull=True)
        .values("institution_id", "bed__zone__care_zone")
        .annotate(n=Count("id"))
    ):
        out[stay_row["institution_id"]][stay_row["bed__zone__care_zone"]].occupied += stay_row["n"]
    return out


def occupancy_total(per_institution: dict[int, dict[str, Occupancy]]) -> list[Occupancy]:
    """The beds of several institutions added up by care type."""
    totals = {z: Occupancy(z, str(label)) for z, label in CareZone.choices}
    for per in per_institution.values():
        for z, cell in per.items():
            totals[z].add(cell)
    return list(totals.values())


def institution_get(*, user: Any, institution_id: int) -> Institution:
    found = institutions_visible(user).filter(pk=institution_id).first()
    if found is None:
        raise NotFound("养老机构不存在或不在您的管辖范围内")
    return found


@dataclass
class BedRow:
    bed: Bed
    stay: Stay | None


def institution_beds(institution: Institution) -> list[tuple[Zone, list[BedRow]]]:
    """Each zone with its beds and who lies in each (the caller loaded the institution through its scope)."""
    stays = {
        s.bed_id: s
        for s in Stay.objects.filter(institution=institution, ended_on__isnull=True).select_related("person")
    }
    zones = list(Zone.objects.filter(institution=institution).order_by("name"))
    beds: dict[int, list[BedRow]] = {z.pk: [] for z in zones}
    for bed in Bed.objects.filter(institution=institution).order_by("number"):
        beds[bed.zone_id].append(BedRow(bed, stays.get(bed.pk)))
    return [(z, beds[z.pk]) for z in zones]


def residents(institution: Institution) -> QuerySet[Stay]:
    return (
        Stay.objects.filter(institution=institution, ended_on__isnull=True)
        .select_related("person", "bed__zone")
        .order_by("bed__zone__name", "bed__number")
    )


def stay_history(*, user: Any, person_id: int, ip: str | None = None) -> list[Stay]:
    person, _ = assessments_for_person(user=user, person_id=person_id, ip=ip)
    return list(
        Stay.objects.filter(person=person)
        .select_related("institution", "bed__zone")
        .order_by("-started_on", "-id")
    )


def _need_rank() -> Any:
    """Queue order: a 特困 applicant first, then by the latest assessed level (complete disability first)."""
    latest_level = Subquery(
        AbilityAssessment.objects.filter(person_id=OuterRef("person_id"))
        .order_by("-assessed_on", "-id")
        .values("level")[:1]
    )
    return latest_level


def waiting_list(institution: Institution) -> list[WaitingEntry]:
    rows = (
        WaitingEntry.objects.filter(institution=institution, status=WaitStatus.WAITING)
        .select_related("person")
        .annotate(level=_need_rank())
    )
    return sorted(
        rows,
        key=lambda e: (e.kind != ResidentKind.TEKUN, -(getattr(e, "level", None) or -1), e.applied_on, e.pk),
    )


ADL_PARTIAL_MAX = "tekun.adl_partial_max_fails"


@dataclass
class Unplaced:
    person: Person
    reason: str


def unplaced_disabled_tekun(*, user: Any, month: Any) -> list[Unplaced]:
    """特困 people of the user's area who have lost the ability to look after themselves entirely (the six-item
    test: 4 or more items failed, or the latest capability assessment: 完全失能) and are in no institution.
    Linyi places every such person (seed 000): the county's list to follow up."""
    user_require(user, Capability.ELDER_READ)
    from dajiuzhu.benefits.selectors import beneficiary_ids

    ids = beneficiary_ids(user=user, programme="tekun", month=month)
    latest_level = Subquery(
        AbilityAssessment.objects.filter(person_id=OuterRef("pk"))
        .order_by("-assessed_on", "-id")
        .values("level")[:1]
    )
    housed = Stay.objects.filter(ended_on__isnull=True).values("person_id")
    people = (
        Person.objects.filter(pk__in=ids, is_deceased=False)
        .exclude(pk__in=housed)
        .annotate(level=latest_level)
        .select_related("household")
    )
    from dajiuzhu.parameters.selectors import parameter_tree

    tree = parameter_tree()
    partial_max: dict[str, int] = {}  # tekun.adl_partial_max_fails by area: more failed items = 完全丧失
    out = []
    for p in people:
        area = p.household.area_id if p.household else ""
        if area not in partial_max:
            partial_max[area] = int(tree.value(ADL_PARTIAL_MAX, on=month, region=area))
        fails = p.adl_failures
        if getattr(p, "level", None) == AbilityLevel.COMPLETE:
            out.append(Unplaced(p, "能力评估为完全失能"))
        elif fails > partial_max[area]:
            out.append(Unplaced(p, f"生活自理能力六项中{fails}项不能自理（完全丧失生活自理能力）"))
    return out


@dataclass
class CareSummaryRow:
    status: int
    level: int
    elders: int
    hours: int
    in_institution: int


def care_summary(*, user: Any, month: Any) -> list[CareSummaryRow]:
    """The month's computed entitlements of the user's area, by status and level."""
    from django.db.models import Sum

    from dajiuzhu.eldercare.models import CareEntitlement

    user_require(user, Capability.ELDER_READ)
    rows = (
        CareEntitlement.objects.filter(user_scope_q(user), month=month)
        .values("status", "ability_level")
        .annotate(n=Count("id"), hours=Sum("hours"), housed=Count("id", filter=models.Q(in_institution=True)))
        .order_by("status", "ability_level")
    )
    return [
        CareSummaryRow(r["status"], r["ability_level"], r["n"], r["hours"] or 0, r["housed"]) for r in rows
    ]


def callers(*, user: Any, text: str, ip: str | None = None) -> list[Person]:
    """The 12349 desk's lookup: an elder of the user's area by ID number (the registry's one lookup, same
    answer whatever the reason for a miss) or by the phone number on record (exact, within the area)."""
    from dajiuzhu.core import idnumber

    user_require(user, Capability.ELDER_ORDER)
    value = (text or "").strip().replace(" ", "").replace("-", "")
    if len(value) in (15, 18):  # an ID number (phone numbers have at most 12 digits)
        _household, person = registry_selectors.household_by_id_number(
            user=user, id_number=idnumber.normalize(value), ip=ip
        )
        return [person]
    if not value.isdigit() or len(value) < 7:
        return []
    return list(
        Person.objects.filter(user_scope_q(user, prefix="household__area"), is_deceased=False)
        .filter(models.Q(phone=value) | models.Q(phone=text.strip()))
        .select_related("household__area")[:20]
    )


# ---- the care dashboard (county and city) ---------------------------------------------------------------------


@dataclass
class AreaCare:
    code: str
    name: str
    elders_assessed: int = 0
    disabled: int = 0  # 中度失能 or worse
    entitled_minutes: int = 0
    delivered_minutes: int = 0
    visits: int = 0
    on_time: int = 0
    exceptions: int = 0

    @property
    def on_time_rate(self) -> int:
        return round(100 * self.on_time / self.visits) if self.visits else 0

    @property
    def delivered_rate(self) -> int:
        return round(100 * self.delivered_minutes / self.entitled_minutes) if self.entitled_minutes else 0


@dataclass
class CareDashboard:
    month: Any
    beds: list[Occupancy]
    waiting: int
    unplaced: int
    rows: list[AreaCare]
    total: AreaCare
    statements_amount: Any


def care_dashboard(*, user: Any, month: Any) -> CareDashboard:
    """One month of elderly care in the user's area, by the next level of areas below the user's (a county
    sees its townships, the city its counties): assessed elders, free minutes entitled and delivered, visits
    checked in on the planned day, exceptions; beds by care type; the waiting list; approved settlements."""
    from django.db.models import Sum

    from dajiuzhu.areas.models import Area
    from dajiuzhu.eldercare.models import (
        CareEntitlement,
        CareOrder,
        OrderStatus,
        ProviderStatement,
        StatementLine,
    )

    user_require(user, Capability.ELDER_READ)
    area = getattr(user, "area", None)
    code = getattr(area, "code", "") or ""
    width = {2: 4, 4: 6, 6: 9}.get(len(code), 12)
    names = {
        a.code: a.name
        for a in Area.objects.filter(code__startswith=code, level__lte=(area.level + 1) if area else 0)
    }

    def key(area_code: str) -> str:
        return area_code[:width]

    rows: dict[str, AreaCare] = {}

    def row(area_code: str) -> AreaCare:
        k = key(area_code)
        if k not in rows:
            rows[k] = AreaCare(k, names.get(k, k))
        return rows[k]

    newest = AbilityAssessment.objects.filter(person_id=OuterRef("person_id")).order_by("-assessed_on", "-id")
    for ra in (
        AbilityAssessment.objects.filter(user_scope_q(user), pk=Subquery(newest.values("pk")[:1]))
        .values("area_id")
        .annotate(n=Count("id"), d=Count("id", filter=models.Q(level__gte=AbilityLevel.MODERATE)))
    ):
        cell = row(ra["area_id"])
        cell.elders_assessed += ra["n"]
        cell.disabled += ra["d"]
    for rb in (
        CareEntitlement.objects.filter(user_scope_q(user), month=month)
        .values("area_id")
        .annotate(h=Sum("hours"))
    ):
        row(rb["area_id"]).entitled_minutes += (rb["h"] or 0) * 60
    orders = CareOrder.objects.filter(user_scope_q(user), month=month)
    for rc in (
        orders.filter(status=OrderStatus.DONE)
        .values("area_id")
        .annotate(m=Sum("visit__minutes"), n=Count("id"))
    ):
        cell = row(rc["area_id"])
        cell.delivered_minutes += rc["m"] or 0
        cell.visits += rc["n"]
    for rd in (
        orders.filter(status=OrderStatus.DONE, visit__check_in_at__date=models.F("planned_on"))
        .values("area_id")
        .annotate(n=Count("id"))
    ):
        row(rd["area_id"]).on_time += rd["n"]
    for re_ in (
        orders.filter(status__in=[OrderStatus.EXCEPTION, OrderStatus.REFUSED])
        .values("area_id")
        .annotate(n=Count("id"))
    ):
        row(re_["area_id"]).exceptions += re_["n"]
    ordered = sorted(rows.values(), key=lambda c: c.code)
    total = AreaCare(code, getattr(area, "name", "") or "合计")
    for c in ordered:
        for f in (
            "elders_assessed",
            "disabled",
            "entitled_minutes",
            "delivered_minutes",
            "visits",
            "on_time",
            "exceptions",
        ):
            setattr(total, f, getattr(total, f) + getattr(c, f))
    institutions = list(institutions_visible(user).values_list("pk", flat=True))
    beds = occupancy_total(occupancy(institutions))
    waiting = WaitingEntry.objects.filter(institution_id__in=institutions, status=WaitStatus.WAITING).count()
    county = code[:6] if len(code) >= 6 else code
    approved = ProviderStatement.objects.filter(area__code__startswith=county, month=month, status="approved")
    amount = StatementLine.objects.filter(statement__in=approved).aggregate(a=Sum("amount"))["a"] or 0
    return CareDashboard(
        month=month, beds=beds, waiting=waiting,
        unplaced=len(unplaced_disabled_tekun(user=user, month=month)), rows=ordered, total=total,
        statements_amount=amount,
    )  # fmt: skip


TRIGGER_DAYS = "eldercare.ability.trigger_working_days"


@dataclass
class Due:
    person: Person
    assessment: AbilityAssessment
    reason: str
    due_on: Any
    overdue: bool


def reassessment_due(*, user: Any, today: Any) -> list[Due]:
    """Elders whose assessment must be redone: the routine date has come, or the registry's six-item
    self-care test changed since the assessment (then within the trigger's working days from the change,
    S2 art. 23). Earliest due first."""
    from dajiuzhu.core.workdays import add_working_days
    from dajiuzhu.parameters.selectors import parameter_tree

    user_require(user, Capability.ELDER_READ)
    newest = AbilityAssessment.objects.filter(person_id=OuterRef("person_id")).order_by("-assessed_on", "-id")
    latest = AbilityAssessment.objects.filter(
        user_scope_q(user), pk=Subquery(newest.values("pk")[:1])
    ).select_related("person")
    tree = parameter_tree()
    out: list[Due] = []
    for a in latest:
        person = a.person
        if person.is_deceased:
            continue
        if person.adl_failures != a.adl_failures_at:
            changed = person.updated_at.date()
            days = int(tree.value(TRIGGER_DAYS, on=changed, region=a.area_id))
            due = add_working_days(changed, days)
            reason = f"生活自理能力六项由{a.adl_failures_at}项未达到变为{person.adl_failures}项（{changed:%Y-%m-%d}登记）"
            out.append(Due(person, a, reason, due, due < today))
        elif a.next_due_on <= today:
            out.append(Due(person, a, "常规复评到期", a.next_due_on, a.next_due_on < today))
    return sorted(out, key=lambda d: (d.due_on, d.person.pk))
