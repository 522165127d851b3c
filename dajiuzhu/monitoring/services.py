"""Writes of monitoring: the watched population's category history, triage, visits and their outcome
(an intake application, a re-check, a referral), active discovery reports and the daily escalation.
Every service is atomic, checks capability and area scope, and writes its audit entry in the same
transaction; errors are DomainErrors with a Chinese message naming the field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from dajiuzhu.accounts.models import Department
from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock
from dajiuzhu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.core.inputs import check_photos, clean_phone, clean_text
from dajiuzhu.core.workdays import add_working_days
from dajiuzhu.monitoring.models import (
    CATEGORY_BITS,
    Alert,
    AlertStatus,
    Category,
    CategorySource,
    DiscoveryChannel,
    DiscoveryReport,
    HouseholdCategory,
    Outcome,
    TaskStatus,
    Visit,
    VisitPhoto,
    VisitTask,
)
from dajiuzhu.monitoring.policy import county_values, load_policy
from dajiuzhu.registry.models import Household, Person
from dajiuzhu.registry.selectors import household_by_id_number, household_by_number

# Catalogue item codes (policy/catalogue.yaml) whose running entitlement puts a household in a category.
ITEM_CATEGORIES = {
    "dibao": Category.DIBAO,
    "dibao_single": Category.DIBAO,
    "tekun": Category.TEKUN,
    "edge": Category.EDGE,
    "rigid": Category.RIGID,
    "frp_monitoring": Category.RELAPSE,
}
ELIGIBLE_STATUSES = (1, 3)  # rules.programmes ELIGIBLE, TAPER
MAX_TEXT = 2000


def _today(today: dt.date | None) -> dt.date:
    return today or clock.today()


def _text(value: str | None, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    return clean_text(value, field, required=required, limit=limit)


# ---- population ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshCounts:
    opened: int
    closed: int
    current: int


def _derived() -> set[tuple[int, str, str]]:
    """(household, category, source) as the entitlements and the latest live assessment say today."""
    from dajiuzhu.assessment.models import AssessmentRun, HouseholdResult, RunKind, RunStatus
    from dajiuzhu.benefits.models import Entitlement, EntitlementStatus

    out: set[tuple[int, str, str]] = set()
    rows = Entitlement.objects.filter(
        status__in=[EntitlementStatus.ACTIVE, EntitlementStatus.TAPERING],
        item__code__in=list(ITEM_CATEGORIES),
    ).values_list("household_id", "item__code")
    for household_id, code in rows.iterator(chunk_size=10000):
        out.add((household_id, str(ITEM_CATEGORIES[code]), CategorySource.ENTITLEMENT.value))
    run = (
        AssessmentRun.objects.filter(kind=RunKind.LIVE, status=RunStatus.DONE).order_by("-on", "-id").first()
    )
    if run is not None:
        results = HouseholdResult.objects.filter(run=run).filter(
            Q(edge_status__in=ELIGIBLE_STATUSES) | Q(rigid_status__in=ELIGIBLE_STATUSES)
        )
        for household_id, edge, rigid in results.values_list(
            "household_id", "edge_status", "rigid_status"
        ).iterator(chunk_size=10000):
            if edge in ELIGIBLE_STATUSES:
                out.add((household_id, Category.EDGE.value, CategorySource.ASSESSMENT.value))
            if rigid in ELIGIBLE_STATUSES:
                out.add((household_id, Category.RIGID.value, CategorySource.ASSESSMENT.value))
    return out


def population_refresh(*, today: dt.date | None = None) -> RefreshCounts:
    """Bring the category history up to date: a household entering a category opens a period from
    today, one leaving it closes its open period today. 防返贫 periods come from the RELAPSE_LIST feed
    and are not touched here. Idempotent."""
    on = _today(today)
    derived_sources = [CategorySource.ENTITLEMENT, CategorySource.ASSESSMENT]
    with transaction.atomic():
        wanted = _derived()
        open_rows = {
            (h, c, s): pk
            for pk, h, c, s in HouseholdCategory.objects.select_for_update()
            .filter(end_date__isnull=True, source__in=derived_sources)
            .values_list("pk", "household_id", "category", "source")
        }
        closing = [pk for key, pk in open_rows.items() if key not in wanted]
        for start in range(0, len(closing), 5000):
            HouseholdCategory.objects.filter(pk__in=closing[start : start + 5000]).update(end_date=on)
        opening = [
            HouseholdCategory(household_id=h, category=c, bit=CATEGORY_BITS[c], source=s, start_date=on)
            for (h, c, s) in sorted(wanted - set(open_rows))
        ]
        HouseholdCategory.objects.bulk_create(opening, batch_size=5000)
    return RefreshCounts(opened=len(opening), closed=len(closing), current=len(wanted))


def relapse_list_apply(*, households: list[int], on: dt.date, full_list: bool) -> tuple[int, int]:
    """The rural department's 防返贫监测对象 list (R3.4): listed households enter the category; with a
    full list, households no longer on it leave it. Called inside the delivery's transaction."""
    listed = set(households)
    open_rows = dict(
        HouseholdCategory.objects.filter(
            category=Category.RELAPSE, source=CategorySource.RELAPSE_LIST, end_date__isnull=True
        ).values_list("household_id", "pk")
    )
    new = [
        HouseholdCategory(household_id=h, category=Category.RELAPSE, bit=CATEGORY_BITS[Category.RELAPSE],
                          source=CategorySource.RELAPSE_LIST, start_date=on)
        for h in sorted(listed - set(open_rows))
    ]  # fmt: skip
    HouseholdCategory.objects.bulk_create(new, batch_size=5000)
    closed = 0
    if full_list:
        gone = [pk for h, pk in open_rows.items() if h not in listed]
        closed = HouseholdCategory.objects.filter(pk__in=gone).update(end_date=on)
    return len(new), closed


# ---- tasks and visits ------------------------------------------------------------------------------------


def _lock_task(user: Any, task_id: int, version: int | None) -> VisitTask:
    user_require(user, Capability.MONITOR_VISIT)
    task = (
        VisitTask.objects.select_for_update(of=("self",))
        .select_related("alert", "alert__household", "alert__person", "area")
        .filter(pk=task_id)
        .first()
    )
    scope = getattr(user, "area", None)
    if task is None or scope is None or not task.area.is_within(scope):
        raise NotFound("走访任务不存在或不在您的管辖范围内")
    if version is not None and task.version != version:
        raise Conflict("该任务已被他人处理，请刷新后查看")
    return task


@transaction.atomic
def task_triage(*, user: Any, task_id: int, note: str = "", version: int | None = None,
                ip: str | None = None, today: dt.date | None = None) -> VisitTask:  # fmt: skip
    """研判: the warning is looked at and a visit is planned (a visit may also be recorded straight away)."""
    task = _lock_task(user, task_id, version)
    if task.status != TaskStatus.PENDING:
        raise Conflict("该任务已研判")
    on = _today(today)
    task.status = TaskStatus.TRIAGED
    task.triaged_on = on
    task.version += 1
    task.save(update_fields=["status", "triaged_on", "version"])
    Alert.objects.filter(pk=task.alert_id).update(status=AlertStatus.TRIAGED)
    audit_record(actor=user, action=AuditAction.TRANSITION, subject_type="monitoring_task", subject_id=task.pk,
                 subject_label=f"预警研判 {task.alert.rule}", area_code=task.area_id,
                 after={"status": TaskStatus.TRIAGED}, note=_text(note, "研判意见", limit=200), ip=ip)  # fmt: skip
    return task


def _visitors(raw: list[str] | str) -> list[str]:
    items = raw if isinstance(raw, list) else str(raw or "").replace("，", ",").replace("、", ",").split(",")
    return [v.strip() for v in items if v and v.strip()][:10]


def _assist(
    user: Any, task: VisitTask, item: str, authorisation: str, reason: str, ip: str | None, on: dt.date
) -> Any:
    """A pre-filled application in the one-window workflow: the affected person (or the head) applies
    for the suggested item; grid workers file it as a proxy with the household's written authorisation."""
    from dajiuzhu.intake.services import applications_file

    alert = task.alert
    person = alert.person if alert.person is not None and not alert.person.is_deceased else None
    if person is None and alert.household.head_id is not None:
        person = Person.objects.filter(pk=alert.household.head_id).first()
    if person is None:
        raise ValidationFailed.single("处置结果", "该家庭没有户主信息，无法发起申请，请先完善家庭信息")
    code = (item or alert.suggested_item or "").strip()
    if not code:
        raise ValidationFailed.single("申请事项", "请选择要发起申请的救助事项")
    receipt = applications_file(
        user=user, id_number=person.id_number, items=[code], proxy_authorisation=authorisation,
        reason=f"动态监测预警（{load_policy().rules[alert.rule].label if alert.rule in load_policy().rules else alert.rule}）"
        f"走访发现：{reason}"[:500],
        ip=ip, today=on,
    )  # fmt: skip
    return receipt.applications.order_by("pk").first()


def _recheck(user: Any, task: VisitTask, reason: str, ip: str | None, on: dt.date) -> Any:
    """变化复核 of the household's running entitlements (kind RECHECK), through intake.dynamic."""
    from dajiuzhu.benefits.models import Entitlement
    from dajiuzhu.intake import dynamic

    ents = list(
        Entitlement.objects.select_for_update(of=("self",))
        .select_related("item__department", "area", "household", "beneficiary")
        .filter(household_id=task.alert.household_id, status__in=dynamic.RUNNING)
        .order_by("pk")
    )
    if not ents:
        raise ValidationFailed.single(
            "处置结果", "该家庭没有在享的救助待遇，无需发起复核；如无救助需求请选择“暂无救助需求”"
        )
    first = None
    for ent in ents:
        app = dynamic.recheck_open(
            entitlement=ent, user=user, on=on, action="recheck_monitoring", label="监测预警变化复核",
            reason=f"动态监测走访发现可能不再符合条件：{reason}", data={"alert": task.alert_id, "rule": task.alert.rule},
            ip=ip,
        )  # fmt: skip
        first = first or app
    return first


@transaction.atomic
def visit_record(
    *,
    user: Any,
    task_id: int,
    visited_on: dt.date,
    visitors: list[str] | str,
    findings: str,
    outcome: str,
    item: str = "",
    department: str = "",
    authorisation: str = "",
    photos: list[Any] | None = None,
    version: int | None = None,
    ip: str | None = None,
    today: dt.date | None = None,
) -> Visit:
    """入户走访 and its outcome: assist (a pre-filled application), no need, refer to a department, or
    possibly ineligible (a re-check). The alert and the task are closed with it."""
    task = _lock_task(user, task_id, version)
    if task.status == TaskStatus.DONE:
        raise Conflict("该任务已走访办结")
    on = _today(today)
    if visited_on > on:
        raise ValidationFailed.single("走访日期", "不能晚于今天")
    if visited_on < task.created_on:
        raise ValidationFailed.single("走访日期", "不能早于预警日期")
    team = _visitors(visitors)
    if not team:
        raise ValidationFailed.single("走访人员", "请填写走访人员")
    text = _text(findings, "走访情况", required=True)
    if outcome not in Outcome.values:
        raise ValidationFailed.single("处置结果", "请选择处置结果")
    dept = None
    if outcome == Outcome.REFER:
        dept = Department.objects.filter(code=(department or "").strip()).first()
        if dept is None:
            raise ValidationFailed.single("转办部门", "请选择要转办的部门")
    application = None
    if outcome == Outcome.ASSIST:
        application = _assist(user, task, item, authorisation, text, ip, on)
    elif outcome == Outcome.POSSIBLY_INELIGIBLE:
        application = _recheck(user, task, text, ip, on)
    visit = Visit.objects.create(
        task=task, visited_on=visited_on, visitors=team, findings=text, outcome=outcome, department=dept,
        application_id_ref=application.pk if application else None,
        application_number=application.number if application else "", recorded_by=user,
    )  # fmt: skip
    check_photos(photos or [])
    for photo in photos or []:
        VisitPhoto.objects.create(visit=visit, image=photo, caption=str(getattr(photo, "name", ""))[:100])
    task.status = TaskStatus.DONE
    task.triaged_on = task.triaged_on or on
    task.done_on = visited_on
    task.version += 1
    task.save(update_fields=["status", "triaged_on", "done_on", "version"])
    Alert.objects.filter(pk=task.alert_id).update(status=AlertStatus.CLOSED, closed_on=on)
    audit_record(
        actor=user, action=AuditAction.TRANSITION, subject_type="monitoring_task", subject_id=task.pk,
        subject_label=f"预警走访 {task.alert.rule}", area_code=task.area_id,
        after={"outcome": outcome, "application": visit.application_number, "department": dept.code if dept else ""},
        note=text[:200], ip=ip,
    )  # fmt: skip
    return visit


# ---- active discovery -----------------------------------------------------------------------------------


def _sla(area: Any, on: dt.date) -> tuple[dt.date, dt.date]:
    values = county_values(area.county_code, on)
    return add_working_days(on, values["triage_days"]), add_working_days(on, values["visit_days"])


def discovery_report(
    *,
    user: Any,
    channel: str,
    content: str,
    id_number: str = "",
    household_number: str = "",
    reporter: str = "",
    reporter_phone: str = "",
    reported_on: dt.date | None = None,
    ip: str | None = None,
    today: dt.date | None = None,
) -> DiscoveryReport:
    """主动发现 (R8.6): a 12349 call, a petition or a door-to-door finding about a person (ID number) or a
    household (household number) becomes an ACTIVE_DISCOVERY alert and a visit task for its grid."""
    if not (user.can(Capability.MONITOR_VISIT) or user.can(Capability.MONITOR_ADMIN)):
        raise PermissionDenied()
    if channel not in DiscoveryChannel.values:
        raise ValidationFailed.single("来源渠道", "请选择12349热线、信访或摸底排查")
    text = _text(content, "反映内容", required=True)
    on = _today(today)
    when = reported_on or on
    if when > on:
        raise ValidationFailed.single("反映日期", "不能晚于今天")
    phone = clean_phone(reporter_phone, "联系电话")
    # The lookup comes first, outside the transaction: a miss (not registered, in no household, outside
    # the user's area — one answer for all) is audited, and the audit row must survive the refusal.
    person = None
    if (id_number or "").strip():
        household, person = household_by_id_number(user=user, id_number=id_number, ip=ip)
    elif (household_number or "").strip():
        household = household_by_number(user=user, number=household_number, ip=ip)
    else:
        raise ValidationFailed.single("身份证号码", "请填写被反映人的身份证号码或户编号")
    with transaction.atomic():
        return _discovery_write(
            user=user, channel=channel, text=text, when=when, on=on, reporter=reporter, phone=phone,
            household=household, person=person, ip=ip,
        )  # fmt: skip


def _discovery_write(
    *, user: Any, channel: str, text: str, when: dt.date, on: dt.date, reporter: str, phone: str,
    household: Household, person: Person | None, ip: str | None,
) -> DiscoveryReport:  # fmt: skip
    report = DiscoveryReport.objects.create(
        channel=channel, reported_on=when, reporter=_text(reporter, "反映人", limit=50), reporter_phone=phone,
        household=household, person=person, content=text, created_by=user,
    )  # fmt: skip
    triage_due, visit_due = _sla(household.area, on)
    rule = load_policy().rules["ACTIVE_DISCOVERY"]
    alert = Alert.objects.create(
        household=household, person=person, area=household.area, rule="ACTIVE_DISCOVERY",
        cause_key=f"D{report.pk}", suggested_item=rule.suggested_item, raised_on=on, created_at=clock.now(),
        signal={"channel": channel, "channel_label": str(DiscoveryChannel(channel).label), "content": text[:300],
                "reported_on": when.isoformat()},
    )  # fmt: skip
    VisitTask.objects.create(
        alert=alert, area=household.area, created_on=on, triage_due=triage_due, visit_due=visit_due
    )
    report.alert = alert
    report.save(update_fields=["alert"])
    audit_record(actor=user, action=AuditAction.CREATE, subject_type="discovery_report", subject_id=report.pk,
                 subject_label=f"主动发现 {report.get_channel_display()}", area_code=household.area_id,
                 after={"household": household.number}, ip=ip)  # fmt: skip
    return report


# ---- the daily job ----------------------------------------------------------------------------------------


def tasks_escalate(*, today: dt.date | None = None) -> int:
    """逾期督办: tasks not triaged by their triage deadline or not visited by their visit deadline go to
    the township (escalated_to). Once per task; idempotent."""
    on = _today(today)
    overdue = (
        VisitTask.objects.filter(escalated=False)
        .exclude(status=TaskStatus.DONE)
        .filter(Q(visit_due__lt=on) | Q(status=TaskStatus.PENDING, triage_due__lt=on))
    )
    count = 0
    with transaction.atomic():
        townships = list(overdue.values_list("area__township_code", flat=True).distinct())
        for code in townships:
            count += overdue.filter(area__township_code=code).update(
                escalated=True, escalated_on=on, escalated_to_id=code or None
            )
        if count:
            audit_record(actor=None, action=AuditAction.TRANSITION, subject_type="monitoring_task",
                         subject_label="走访任务逾期督办", after={"escalated": count, "on": on.isoformat()})  # fmt: skip
    return count


@dataclass(frozen=True)
class DailyCounts:
    escalated: int
    opened: int
    closed: int

    def as_dict(self) -> dict[str, int]:
        return {
            "escalated": self.escalated,
            "categories_opened": self.opened,
            "categories_closed": self.closed,
        }


def daily_jobs(*, today: dt.date | None = None) -> DailyCounts:
    on = _today(today)
    counts = population_refresh(today=on)
    return DailyCounts(escalated=tasks_escalate(today=on), opened=counts.opened, closed=counts.closed)
