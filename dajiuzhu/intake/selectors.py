"""Reads of the workflow, always scoped to the caller's area (and department for a department window)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.areas.models import Area
from dajiuzhu.benefits import selectors as benefit_selectors
from dajiuzhu.benefits.models import Entitlement
from dajiuzhu.core import clock
from dajiuzhu.core.errors import NotFound, ValidationFailed
from dajiuzhu.core.workdays import add_working_days
from dajiuzhu.intake import workflow
from dajiuzhu.intake.models import (
    OPEN_STATUSES,
    Application,
    AssistanceItem,
    Level,
    NoticeKind,
    PublicNotice,
    Receipt,
    Status,
)

WARN_WORKING_DAYS = 2


def items_active() -> QuerySet[AssistanceItem]:
    return AssistanceItem.objects.filter(is_active=True).select_related("department").order_by("sort", "code")


def items_all(*, user: Any) -> QuerySet[AssistanceItem]:
    user_require(user, Capability.CATALOGUE_ADMIN)
    return AssistanceItem.objects.select_related("department").order_by("sort", "code")


def item_get(*, code: str) -> AssistanceItem:
    item = AssistanceItem.objects.select_related("department").filter(code=code).first()
    if item is None:
        raise NotFound("事项不存在")
    return item


def _visible(user: Any) -> QuerySet[Application]:
    """Applications in the user's area subtree; a department window sees only its department's items."""
    qs = Application.objects.filter(user_scope_q(user))
    if workflow.user_level(user) == Level.DEPARTMENT:
        qs = qs.filter(department_id=getattr(user, "department_id", None) or 0)
    return qs


def applications_for_user(
    *, user: Any, status: str = "", item: str = "", area_code: str = "", q: str = "", open_only: bool = False
) -> QuerySet[Application]:
    user_require(user, Capability.REGISTRY_READ)
    qs = _visible(user)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if item:
        qs = qs.filter(item__code=item)
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            return qs.none()
        qs = qs.filter(**{f"area__{area.level_column}": area.code})
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(number__startswith=q) | Q(applicant__name__startswith=q) | Q(household__number__startswith=q)
        )
    return qs.select_related("item", "area", "applicant", "household", "department").order_by(
        "-filed_at", "-id"
    )


def application_get_for_user(*, user: Any, application_id: int) -> Application:
    user_require(user, Capability.REGISTRY_READ)
    app = (
        _visible(user)
        .select_related(
            "item", "area", "applicant", "household", "department", "receipt", "filed_by", "decided_by"
        )
        .filter(pk=application_id)
        .first()
    )
    if app is None:
        raise NotFound("申请不存在或不在您的管辖范围内")
    return app


def applicant_by_id_number(*, user: Any, id_number: str, ip: str | None = None) -> tuple[Any, Any]:
    """The applicant and their household by ID number, through the scoped household selector (an attempt
    outside the user's area is audited and looks like "not found")."""
    from dajiuzhu.registry.selectors import household_by_id_number

    if not (id_number or "").strip():
        raise ValidationFailed.single("身份证号码", "请输入申请人的身份证号码")
    household, person = household_by_id_number(user=user, id_number=id_number, ip=ip)
    if person.is_deceased:
        raise ValidationFailed.single("身份证号码", "该人员已登记死亡，不能作为申请人")
    return household, person


def best_result(results: Any, programme: str) -> Any:
    """A programme's most favourable result among a household's (person programmes give one per member)."""
    return max(
        (p for p in results if p.code == programme), key=lambda p: (p.status, p.amount_fen), default=None
    )


@dataclass(frozen=True)
class Suggestions:
    """The instant check's advice for a household at filing (R11.3: advisory), or why there is none."""

    available: bool
    on: dt.date | None = None
    results: tuple[Any, ...] = ()
    error: str = ""

    @property
    def eligible(self) -> list[Any]:
        return [p for p in self.results if p.status != 0]

    @property
    def codes(self) -> set[str]:
        return {p.code for p in self.eligible}

    @property
    def amounts(self) -> dict[str, str]:
        return {p.code: f"{p.amount_yuan}元/{p.period}" for p in self.eligible if p.amount_fen}

    def best(self, programme: str) -> Any:
        return best_result(self.results, programme)


def suggestions_for(*, user: Any, household_id: int, on: dt.date, ip: str | None = None) -> Suggestions:
    from dajiuzhu.accounts.roles import Capability as Cap
    from dajiuzhu.assessment.services import check_household
    from dajiuzhu.core.errors import DomainError

    if not user.can(Cap.ASSESS_CHECK):
        return Suggestions(available=False)
    try:
        outcome = check_household(user=user, household_id=household_id, on=on, ip=ip)
    except DomainError as exc:
        return Suggestions(available=True, on=on, error=exc.message)
    return Suggestions(available=True, on=on, results=tuple(outcome.programmes))


def application_entitlement(app: Application) -> Entitlement | None:
    """The entitlement an approval started (an application already loaded through the scoped selector)."""
    return benefit_selectors.entitlement_of_application(app.pk)


def area_names(codes: list[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=[c for c in codes if c]).values_list("code", "name"))


def receipt_get_for_user(*, user: Any, receipt_id: int) -> Receipt:
    user_require(user, Capability.REGISTRY_READ)
    receipt = (
        Receipt.objects.filter(user_scope_q(user), pk=receipt_id)
        .select_related("household", "applicant", "filed_by", "window_area", "area")
        .first()
    )
    if receipt is None:
        raise NotFound("回执不存在或不在您的管辖范围内")
    return receipt


def queue_for_user(*, user: Any) -> QuerySet[Application]:
    """待办: open applications waiting on the user's level in the user's area, oldest deadline first."""
    level = workflow.user_level(user)
    if not level or not user.can(Capability.INTAKE_PROCESS):
        return Application.objects.none()
    qs = _visible(user).filter(waiting_on=level).exclude(status__in=["withdrawn"])
    return qs.select_related("item", "area", "applicant", "household").order_by("step_due", "filed_at", "id")


@dataclass(frozen=True)
class Workbench:
    total: int
    due_soon: int
    overdue: int
    escalated: int
    by_status: list[tuple[str, str, int]]
    supervised_overdue: int  # overdue anywhere in the area (what a supervisor watches)


def workbench_for_user(*, user: Any, today: dt.date | None = None) -> Workbench:
    on = today or clock.today()
    soon = add_working_days(on, WARN_WORKING_DAYS)
    queue = queue_for_user(user=user)
    counts = queue.aggregate(
        total=Count("id"),
        due_soon=Count("id", filter=Q(step_due__gte=on, step_due__lte=soon)),
        overdue=Count("id", filter=Q(step_due__lt=on)),
        escalated=Count("id", filter=Q(escalated=True)),
    )
    from dajiuzhu.intake.models import Status

    labels = dict(Status.choices)
    rows = queue.order_by().values("status").annotate(n=Count("id")).order_by("status")
    supervised = 0
    if user.can(Capability.REGISTRY_READ) and workflow.user_level(user) in (Level.TOWNSHIP, Level.COUNTY):
        supervised = _visible(user).filter(status__in=OPEN_STATUSES, step_due__lt=on).count()
    return Workbench(
        total=counts["total"], due_soon=counts["due_soon"], overdue=counts["overdue"], escalated=counts["escalated"],
        by_status=[(r["status"], str(labels.get(r["status"], r["status"])), r["n"]) for r in rows],
        supervised_overdue=supervised,
    )  # fmt: skip


def overdue_for_user(*, user: Any, today: dt.date | None = None) -> QuerySet[Application]:
    """Supervision list (县级监管): every open application in the area past its step deadline."""
    user_require(user, Capability.REGISTRY_READ)
    on = today or clock.today()
    return (
        _visible(user)
        .filter(status__in=OPEN_STATUSES, step_due__lt=on)
        .select_related("item", "area", "applicant")
        .order_by("step_due", "id")
    )


def household_chain(*, household_id: int, user: Any) -> dict[str, Any]:
    """一户一条救助链: every application of a household (all departments, as far as the user may see)
    with its steps, and the entitlements it started."""
    user_require(user, Capability.REGISTRY_READ)
    apps = list(
        Application.objects.filter(user_scope_q(user), household_id=household_id)
        .select_related("item", "department", "applicant")
        .prefetch_related("events")
        .order_by("filed_at", "id")
    )
    entitlements = benefit_selectors.household_entitlements(user=user, household_id=household_id)
    return {"applications": apps, "entitlements": entitlements}


def public_notices(*, village_code: str, today: dt.date | None = None) -> dict[str, list[PublicNotice]]:
    """What the village notice board shows: notices up today (公示) and approvals (公布) of the last year.
    Nothing here identifies a person beyond the masked name (R11.4)."""
    on = today or clock.today()
    base = PublicNotice.objects.filter(village_id=village_code).select_related("application__item")
    publicity = base.filter(kind=NoticeKind.PUBLICITY, closed=False, starts_on__lte=on, ends_on__gte=on)
    publication = base.filter(kind=NoticeKind.PUBLICATION, starts_on__gte=on - dt.timedelta(days=365))
    return {
        "publicity": list(publicity.order_by("ends_on", "id")),
        "publication": list(publication.order_by("-starts_on", "id")),
    }


def notice_villages(*, parent_code: str = "") -> QuerySet[Area]:
    """Areas to browse the notice boards by (county → township → village)."""
    if parent_code:
        return Area.objects.filter(parent_id=parent_code, is_active=True).order_by("code")
    return Area.objects.filter(level=3, is_active=True).order_by("code")


# ---- reads for the monthly roll (payments) ----------------------------------------------------------------


def items_by_id() -> dict[int, AssistanceItem]:
    """The catalogue (active or not: a past payment may name a retired item)."""
    return {item.pk: item for item in AssistanceItem.objects.select_related("department")}


def oneoff_decisions_frame(*, county_code: str, item_ids: list[int], since: dt.date, before: Any) -> Any:
    """Approved one-off cash decisions (临时救助, 医疗救助 …) of a county's applications decided on or after
    `since` and before `before` (a datetime): application_id, item_id, household_id, applicant_id,
    area_id, amount_fen (Polars)."""
    import polars as pl
    from django.db.models import BigIntegerField, F
    from django.db.models.functions import Cast, Round

    from dajiuzhu.core.frames import queryset_frame

    qs = Application.objects.filter(
        area__county_code=county_code, item_id__in=item_ids, status=Status.APPROVED,
        decision="approve", decided_amount__gt=0, decided_at__date__gte=since, decided_at__lt=before,
    ).annotate(amount_fen=Cast(Round(F("decided_amount") * 100), BigIntegerField()))  # fmt: skip
    return queryset_frame(
        qs,
        {"id": pl.Int64, "item_id": pl.Int64, "household_id": pl.Int64, "applicant_id": pl.Int64,
         "area_id": pl.Utf8, "amount_fen": pl.Int64},
    ).rename({"id": "application_id"})  # fmt: skip


@dataclass(frozen=True)
class OtherBenefit:
    """An approved application of an item not paid through the monthly roll (another department's aid:
    education, housing, medical in kind …), as the household's 幸福清单 lists it."""

    application_id: int
    number: str
    item_name: str
    department_name: str
    decided_amount: Any  # Decimal | None: an aid in kind has no amount
    decided_on: dt.date | None


def household_other_benefits(
    *, user: Any, household_id: int, exclude_programmes: set[str]
) -> list[OtherBenefit]:
    """Approved applications of the household (every department, as far as the user's area reaches) whose
    item's programme is not in `exclude_programmes` (those the roll pays), oldest decision first. A
    decision to stop a benefit is not a benefit and is left out."""
    from django.utils import timezone

    user_require(user, Capability.REGISTRY_READ)
    rows = (
        Application.objects.filter(user_scope_q(user), household_id=household_id, status=Status.APPROVED,
                                   decision="approve")
        .exclude(change_action="stop")
        .exclude(item__programme__in=sorted(exclude_programmes))
        .values_list("pk", "number", "item__name", "department__name", "decided_amount", "decided_at")
        .order_by("decided_at", "pk")
    )  # fmt: skip
    return [
        OtherBenefit(
            application_id=pk,
            number=number,
            item_name=item,
            department_name=department or "",
            decided_amount=amount,
            decided_on=timezone.localtime(at).date() if at else None,
        )
        for pk, number, item, department, amount, at in rows
    ]
