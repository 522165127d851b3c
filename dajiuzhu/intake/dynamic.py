"""Dynamic management (动态管理, R1.14, R1.15, R2.10, R2.11): periodic reviews, rechecks after a member's
death and proposed changes of an entitlement. Each is an Application of kind REVIEW, RECHECK or CHANGE
that goes through the same steps and queues as a new application (investigate → check → opinion →
[公示 for a stop of an item with public notice] → decide → notify); the decision's effect on the
entitlement is the lead's services._apply_change. Also the scoped reads of the 动态管理 pages.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.benefits import selectors as benefit_selectors
from dajiuzhu.benefits.models import RUNNING, Entitlement, EntitlementStatus
from dajiuzhu.core import months
from dajiuzhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.intake import policy, services, workflow
from dajiuzhu.intake.catalogue import effective_item
from dajiuzhu.intake.models import (
    OPEN_STATUSES,
    Application,
    ApplicationEvent,
    Channel,
    Kind,
    Level,
    NoticeKind,
    Status,
)
from dajiuzhu.registry.models import Person

log = logging.getLogger(__name__)

DYNAMIC_KINDS = (Kind.REVIEW, Kind.RECHECK, Kind.CHANGE)
REVIEW_HORIZON_DAYS = 30  # how far ahead a due review is opened: a work-planning choice, not a legal period

ACTION_LABELS = {
    "keep": "维持原待遇",
    "increase": "增发",
    "reduce": "减发",
    "stop": "停发（终止）",
    "taper": "渐退",
}
CHANGE_ACTIONS = ("increase", "reduce", "stop", "taper")
OPINION_ACTIONS = ("keep", "increase", "reduce", "stop", "taper")
_PREFIX = {Kind.REVIEW: "FH", Kind.RECHECK: "BH", Kind.CHANGE: "TZ"}


def taper_months_max(*, on: dt.date, region: str) -> int:
    """dibao.taper_months_max in force (R1.15); a missing value is an error naming the parameter, never
    a number made up here."""
    return policy.parameter_int(policy.TAPER_MONTHS_MAX, on=on, region=region)


def _open_dynamic_q(kinds: tuple[str, ...] = DYNAMIC_KINDS) -> Exists:
    return Exists(
        Application.objects.filter(entitlement=OuterRef("pk"), kind__in=kinds, status__in=OPEN_STATUSES)
    )


def _open_dynamic(ent: Entitlement, kinds: tuple[str, ...] = DYNAMIC_KINDS) -> Application | None:
    return (
        Application.objects.filter(entitlement=ent, kind__in=kinds, status__in=OPEN_STATUSES)
        .order_by("filed_at", "id")
        .first()
    )


def _file(
    ent: Entitlement, *, kind: str, user: Any, on: dt.date, reason: str, action: str, label: str,
    total_due: dt.date | None = None, change_action: str = "", proposed_amount: Decimal | None = None,
    data: dict[str, Any] | None = None, ip: str | None = None,
) -> Application:  # fmt: skip
    """Open a review/change for the entitlement's household and beneficiary, already accepted: the
    township starts with the investigation (or the first step the item has)."""
    item = effective_item(ent.item, ent.area.county_code, on)  # the county's catalogue on the day
    status = workflow.after_acceptance(item)
    app = Application.objects.create(
        number=f"tmp-{random.getrandbits(60)}", kind=kind, item=item, item_on=on, household=ent.household,
        applicant=ent.beneficiary, area=ent.area, department=item.department, channel=Channel.WINDOW,
        status=status, entitlement=ent, change_action=change_action, proposed_amount=proposed_amount,
        reason=reason[:500], filed_by=user if getattr(user, "pk", None) else None, accepted_on=on,
    )  # fmt: skip
    app.number = services._number(_PREFIX[Kind(kind)], app.pk, on)
    app.waiting_on = workflow.waiting_on(
        status=status, item=item, county_code=ent.area.county_code, filer_level="", notified=False
    )
    workflow_total = workflow.total_due(
        item, accepted_on=on, county_code=ent.area.county_code, extended=False
    )
    app.total_due = total_due or workflow_total
    services._set_step_due(app, on)
    app.save(
        update_fields=[
            "number",
            "waiting_on",
            "total_due",
            "step_started_on",
            "step_due",
            "step_due_provisional",
        ]
    )
    services._event(app, user, action, label, "", status, comment=reason, data=data, ip=ip)
    return app


def recheck_open(
    *, entitlement: Entitlement, user: Any, on: dt.date, reason: str, action: str, label: str,
    data: dict[str, Any] | None = None, ip: str | None = None,
) -> Application:  # fmt: skip
    """The open review/re-check/change of an entitlement, or a new 变化复核 (RECHECK) if there is none:
    for callers outside intake (a monitoring visit that finds a household possibly ineligible). The
    caller holds the entitlement's row lock."""
    existing = _open_dynamic(entitlement, (Kind.RECHECK, Kind.CHANGE, Kind.REVIEW))
    if existing is not None:
        return existing
    return _file(entitlement, kind=Kind.RECHECK, user=user, on=on, action=action, label=label,
                 reason=reason[:500], data=data, ip=ip)  # fmt: skip


# ---- the daily jobs ------------------------------------------------------------------------------------


def reviews_schedule(*, today: dt.date | None = None) -> int:
    """定期复核: open a REVIEW for every active entitlement whose review falls due within 30 days and that
    has no review, recheck or change in progress. Idempotent; returns the number opened.

    The cycle (12 months for stable households, 6 for unstable, R1.14/R2.11) is Entitlement.review_months,
    fixed by the decision that set next_review_on."""
    on = services._today(today)
    horizon = on + dt.timedelta(days=REVIEW_HORIZON_DAYS)
    ids = list(
        Entitlement.objects.filter(status=EntitlementStatus.ACTIVE, next_review_on__lte=horizon)
        .filter(~_open_dynamic_q())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            # The lock makes a second run (or a second worker) wait and then see the review just opened.
            ent = (
                Entitlement.objects.select_for_update(of=("self",))
                .select_related("item__department", "area", "household", "beneficiary")
                .get(pk=pk)
            )
            due = ent.next_review_on
            if ent.status != EntitlementStatus.ACTIVE or due is None or due > horizon or _open_dynamic(ent):
                continue
            total = workflow.total_due(
                ent.item, accepted_on=on, county_code=ent.area.county_code, extended=False
            )
            _file(ent, kind=Kind.REVIEW, user=None, on=on, action="review_schedule", label="定期复核",
                  reason=f"定期复核：复核周期{ent.review_months}个月，应于{due:%Y年%m月%d日}前复核",
                  total_due=max(total, due), data={"next_review_on": due.isoformat()})  # fmt: skip
            count += 1
    return count


def _deaths_covered(ent: Entitlement) -> set[int]:
    """Deceased members a RECHECK of this entitlement was already opened for."""
    covered: set[int] = set()
    rows = ApplicationEvent.objects.filter(
        application__entitlement=ent, application__kind=Kind.RECHECK, action="recheck_death"
    ).values_list("data", flat=True)
    for data in rows:
        covered.update(int(i) for i in (data or {}).get("deceased", []))
    return covered


def _deaths_to_recheck(ent: Entitlement) -> list[Person]:
    # The registry keeps no date of death. A member whose record was last changed before the entitlement
    # was granted was already deceased when it was decided, so that death needs no recheck.
    deceased = Person.objects.filter(
        household_id=ent.household_id, is_deceased=True, updated_at__gt=ent.created_at
    ).order_by("pk")
    covered = _deaths_covered(ent)
    return [p for p in deceased if p.pk not in covered]


def deaths_recheck(*, today: dt.date | None = None) -> int:
    """变化复核 after a death: for every running entitlement whose household has a member newly recorded
    as deceased, open a RECHECK due within dibao.recheck_months_after_death months (3, R1.14) of the day
    it is found. Idempotent: a death opens one recheck."""
    on = services._today(today)
    ids = list(
        Entitlement.objects.filter(status__in=RUNNING, household__members__is_deceased=True)
        .filter(~_open_dynamic_q((Kind.RECHECK,)))
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            ent = (
                Entitlement.objects.select_for_update(of=("self",))
                .select_related("item__department", "area", "household", "beneficiary")
                .get(pk=pk)
            )
            if ent.status not in RUNNING or _open_dynamic(ent, (Kind.RECHECK,)):
                continue
            people = _deaths_to_recheck(ent)
            if not people:
                continue
            within = policy.parameter_int(policy.RECHECK_AFTER_DEATH, on=on, region=ent.area.county_code)
            due = months.same_day_later(on, within)
            names = "、".join(p.name for p in people)
            _file(ent, kind=Kind.RECHECK, user=None, on=on, action="recheck_death", label="死亡变化复核",
                  reason=f"家庭成员{names}已登记死亡，须于{due:%Y年%m月%d日}前复核调整",
                  total_due=due, data={"deceased": [p.pk for p in people]})  # fmt: skip
            count += 1
    return count


@dataclass(frozen=True)
class DailyCounts:
    escalated: int
    reviews: int
    rechecks: int

    def as_dict(self) -> dict[str, int]:
        return {"escalated": self.escalated, "reviews": self.reviews, "rechecks": self.rechecks}


def daily_jobs(*, today: dt.date | None = None) -> DailyCounts:
    """What the daily task and `manage.py intake_daily` run: 逾期督办, 定期复核, 死亡变化复核."""
    on = services._today(today)
    return DailyCounts(
        escalated=services.deadlines_escalate(today=on),
        reviews=reviews_schedule(today=on),
        rechecks=deaths_recheck(today=on),
    )


# ---- township proposals and opinions ---------------------------------------------------------------------


def _clean_action(
    action: str, amount: Any, current: Decimal, *, allowed: tuple[str, ...]
) -> tuple[str, Decimal]:
    """The action and the monthly amount after it (0 for a stop, the current amount for keep/taper)."""
    action = (action or "").strip()
    if action not in allowed:
        choices = "、".join(ACTION_LABELS[a] for a in allowed)
        raise ValidationFailed.single("调整方式", f"请选择：{choices}")
    if action in ("increase", "reduce"):
        value = services._amount(amount, "调整后金额", required=True)
        assert value is not None
        if action == "increase" and value <= current:
            raise ValidationFailed.single("调整后金额", f"增发后的金额应高于现发放金额{current}元")
        if action == "reduce" and value >= current:
            raise ValidationFailed.single("调整后金额", f"减发后的金额应低于现发放金额{current}元")
        if action == "reduce" and value == 0:
            raise ValidationFailed.single("调整后金额", "减发到0元请选择“停发（终止）”")
        return action, value
    if action == "stop":
        return action, Decimal("0.00")
    # keep and taper: the amount stays as it is (R1.14 no significant change; R1.15 taper keeps it).
    return action, current


def _reason(action: str, reason: str) -> str:
    # Decreases and stops go to the household in writing with their reasons (R1.14, R2.10).
    field = "停发理由" if action == "stop" else ("减发理由" if action == "reduce" else "调整理由")
    return services._text(reason, field, required=True)


def _may_handle(user: Any, ent: Entitlement) -> None:
    level = workflow.handling_level(ent.item)
    if not workflow.may_act(user, level, department_id=ent.item.department_id):
        label = str(Level(level).label)
        raise PermissionDenied(f"调整、停发由{label}提出，您的账户不能办理此事项")


@transaction.atomic
def change_propose(
    *, user: Any, entitlement_id: int, action: str, amount: Any = None, reason: str, ip: str | None = None,
    today: dt.date | None = None,
) -> Application:  # fmt: skip
    """调整/停发: the township starts a CHANGE of an entitlement (increase, reduce, stop, or taper = 渐退,
    which keeps the amount for up to dibao.taper_months_max months). It then goes through investigation,
    check, the township's opinion and the county's decision like any application."""
    user_require(user, Capability.INTAKE_PROCESS)
    ent = (
        Entitlement.objects.select_for_update(of=("self",))
        .select_related("item__department", "area", "household", "beneficiary")
        .filter(pk=entitlement_id)
        .first()
    )
    if ent is None or not services._scope_ok(user, ent.area):
        raise NotFound("待遇不存在或不在您的管辖范围内")
    _may_handle(user, ent)
    if ent.status == EntitlementStatus.STOPPED:
        raise Conflict("该待遇已停发，不能再调整")
    if ent.status == EntitlementStatus.TAPERING and action != "stop":
        raise Conflict("该待遇处于渐退期，只能提出停发")
    open_app = _open_dynamic(ent)
    if open_app is not None:
        raise Conflict(
            f"该待遇已有在办的{open_app.get_kind_display()}（{open_app.number}），请在该件的复核意见中提出调整"
        )
    clean, proposed = _clean_action(action, amount, ent.monthly_amount, allowed=CHANGE_ACTIONS)
    text = _reason(clean, reason)
    on = services._today(today)
    data: dict[str, Any] = {
        "change_action": clean,
        "amount": str(proposed),
        "from_amount": str(ent.monthly_amount),
    }
    comment = f"拟{ACTION_LABELS[clean]}：{text}"
    if clean == "taper":
        months = taper_months_max(on=on, region=ent.area.code)
        data["taper_months_max"] = months
        comment = f"拟渐退（保留原金额，最长{months}个月）：{text}"
    return _file(ent, kind=Kind.CHANGE, user=user, on=on, action="change_propose", label="提出调整",
                 reason=comment, change_action=clean, proposed_amount=proposed, data=data, ip=ip)  # fmt: skip


@transaction.atomic
def review_opinion(
    *, user: Any, application_id: int, action: str, amount: Any = None, reason: str, version: int | None = None,
    ip: str | None = None, today: dt.date | None = None,
) -> Application:  # fmt: skip
    """The township's opinion on a review, recheck or change: keep, increase, reduce, stop or taper.
    A stop of an item that is publicised (特困, R2.10) goes on 7-day public notice first; everything
    else goes to the decision-maker, who confirms with services.application_decide."""
    app = services._lock(user, application_id, version)
    if app.kind not in DYNAMIC_KINDS or app.entitlement_id is None:
        raise Conflict("该申请不是复核或调整，请使用一般审核意见")
    services._require(user, app, (Status.OPINION,), "提出复核意见")
    ent = Entitlement.objects.get(pk=app.entitlement_id)
    clean, proposed = _clean_action(action, amount, ent.monthly_amount, allowed=OPINION_ACTIONS)
    text = _reason(clean, reason)
    on = services._today(today)
    app.opinion = "approve"
    app.opinion_reason = text
    app.change_action = clean
    app.proposed_amount = proposed
    data: dict[str, Any] = {
        "change_action": clean,
        "amount": str(proposed),
        "from_amount": str(ent.monthly_amount),
    }
    if clean == "taper":
        data["taper_months_max"] = taper_months_max(on=on, region=ent.area.code)
    if clean == "stop" and app.item.public_notice:
        app.notice_round += 1
        notice = services._publish(app, NoticeKind.PUBLICITY, on, amount=None)
        notice.text = f"拟终止{app.item.name}，自公示期满后次月起停发"
        notice.save(update_fields=["text"])
        to = Status.NOTICE
    else:
        services._maybe_sample(app)
        to = Status.DECISION
    return services._move(
        app, user, action="review_opinion", label="复核意见", to=to, on=on,
        comment=f"{ACTION_LABELS[clean]}：{text}", data=data, ip=ip,
        fields=("opinion", "opinion_reason", "change_action", "proposed_amount", "notice_round", "sampled"),
    )  # fmt: skip


# ---- reads (always scoped to the caller's area) -------------------------------------------------------


def entitlements_for_user(
    *, user: Any, item: str = "", status: str = "", review_due: bool = False, today: dt.date | None = None
) -> QuerySet[Entitlement]:
    qs = benefit_selectors.entitlements_visible(user)
    if item:
        qs = qs.filter(item__code=item)
    if status:
        qs = qs.filter(status=status)
    if review_due:
        horizon = services._today(today) + dt.timedelta(days=REVIEW_HORIZON_DAYS)
        qs = qs.filter(status=EntitlementStatus.ACTIVE, next_review_on__lte=horizon)
    return qs.select_related("item", "area", "beneficiary", "household").order_by("next_review_on", "id")


def entitlement_get_for_user(*, user: Any, entitlement_id: int) -> Entitlement:
    return benefit_selectors.entitlement_get_for_user(user=user, entitlement_id=entitlement_id)


def entitlement_history(*, entitlement: Entitlement) -> list[Application]:
    """Reviews, rechecks and changes of an entitlement (the caller already loaded it through the scope)."""
    return list(
        Application.objects.filter(entitlement=entitlement, kind__in=DYNAMIC_KINDS)
        .select_related("item")
        .order_by("-filed_at", "-id")
    )


def dynamic_open_for_user(*, user: Any) -> QuerySet[Application]:
    """Reviews, rechecks and changes in progress in the user's area (oldest deadline first)."""
    user_require(user, Capability.REGISTRY_READ)
    qs = Application.objects.filter(user_scope_q(user), kind__in=DYNAMIC_KINDS, status__in=OPEN_STATUSES)
    if workflow.user_level(user) == Level.DEPARTMENT:
        department: int | None = getattr(user, "department_id", None)
        qs = qs.filter(department_id=department) if department else qs.none()
    return qs.select_related("item", "area", "applicant", "entitlement").order_by(
        "total_due", "step_due", "id"
    )


def dynamic_application_get_for_user(*, user: Any, application_id: int) -> Application:
    from dajiuzhu.intake.selectors import application_get_for_user

    app = application_get_for_user(user=user, application_id=application_id)
    if app.kind not in DYNAMIC_KINDS or app.entitlement_id is None:
        raise NotFound("复核或调整申请不存在或不在您的管辖范围内")
    return app


def may_propose(user: Any, ent: Entitlement) -> bool:
    return (
        user.can(Capability.INTAKE_PROCESS)
        and ent.status != EntitlementStatus.STOPPED
        and workflow.may_act(user, workflow.handling_level(ent.item), department_id=ent.item.department_id)
    )


def may_give_opinion(user: Any, app: Application) -> bool:
    return (
        app.status == Status.OPINION
        and user.can(Capability.INTAKE_PROCESS)
        and workflow.may_act(user, app.waiting_on, department_id=app.department_id)
    )
