"""Reads of monitoring, always scoped to the caller's area: alerts, tasks (a grid worker sees the
tasks of their grid, overdue first), deliveries, category history and the KPIs per area."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.areas.models import LEVEL_COLUMN, Area, AreaLevel
from dajiuzhu.core import clock
from dajiuzhu.core.errors import NotFound
from dajiuzhu.monitoring.models import (
    Alert,
    CategorySource,
    FeedDelivery,
    HouseholdCategory,
    Outcome,
    TaskStatus,
    Visit,
    VisitTask,
)


def alerts_for_user(*, user: Any, status: str = "", rule: str = "") -> QuerySet[Alert]:
    user_require(user, Capability.MONITOR_READ)
    qs = Alert.objects.filter(user_scope_q(user))
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule=rule)
    return qs.select_related("household", "person", "area").order_by("-raised_on", "-id")


def tasks_for_user(*, user: Any, open_only: bool = True, today: dt.date | None = None) -> QuerySet[VisitTask]:
    """The caller's tasks: overdue first (by how late), then by visit deadline."""
    user_require(user, Capability.MONITOR_READ)
    on = today or clock.today()
    qs = VisitTask.objects.filter(user_scope_q(user))
    if open_only:
        qs = qs.exclude(status=TaskStatus.DONE)
    overdue = Case(
        When(Q(visit_due__lt=on) | Q(status=TaskStatus.PENDING, triage_due__lt=on), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        qs.select_related("alert", "alert__household", "alert__person", "area")
        .annotate(overdue_rank=overdue)
        .order_by("overdue_rank", "visit_due", "id")
    )


def task_get_for_user(*, user: Any, task_id: int) -> VisitTask:
    user_require(user, Capability.MONITOR_READ)
    task = (
        VisitTask.objects.filter(user_scope_q(user), pk=task_id)
        .select_related(
            "alert", "alert__household", "alert__household__area", "alert__person", "area", "escalated_to"
        )
        .first()
    )
    if task is None:
        raise NotFound("走访任务不存在或不在您的管辖范围内")
    return task


def task_visits(task: VisitTask) -> list[Visit]:
    return list(task.visits.select_related("department", "recorded_by").prefetch_related("photos"))


def category_history(*, household_id: int) -> list[HouseholdCategory]:
    """The caller already loaded the household through its scope."""
    return list(HouseholdCategory.objects.filter(household_id=household_id).order_by("start_date", "id"))


def deliveries_for_user(*, user: Any) -> QuerySet[FeedDelivery]:
    """Deliveries received by someone in the user's area (a delivery has no area of its own; its rows name
    people of the receiver's county, so another county's delivery is not shown — nor found by id)."""
    user_require(user, Capability.MONITOR_ADMIN)
    return (
        FeedDelivery.objects.filter(user_scope_q(user, prefix="received_by__area"))
        .select_related("received_by")
        .order_by("-received_at", "-id")
    )


def delivery_get_for_user(*, user: Any, delivery_id: int) -> FeedDelivery:
    delivery = deliveries_for_user(user=user).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound("数据批次不存在")
    return delivery


# ---- KPIs -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRow:
    code: str
    name: str
    alerts: int
    visited: int
    visited_on_time: int
    assistance_started: int
    leaving: int

    @property
    def on_time_rate(self) -> str:
        return f"{self.visited_on_time * 100 / self.visited:.1f}%" if self.visited else "—"


def _child_column(area: Area) -> str:
    level = min(int(area.level) + 1, int(AreaLevel.GRID))
    return LEVEL_COLUMN[AreaLevel(level)]


def kpis_for_user(*, user: Any, start: dt.date, end: dt.date) -> tuple[list[KpiRow], KpiRow]:
    """Per child area of the caller's area, for alerts raised in [start, end]: alerts raised, tasks
    visited and visited on time (visit date ≤ visit deadline), assistance started (visits whose outcome
    opened an application) and households leaving assistance (a 低保/特困/边缘/刚性 entitlement period
    that ended in the period). Returns the rows and the total."""
    user_require(user, Capability.MONITOR_READ)
    scope: Area = user.area
    col = _child_column(scope)
    key = f"area__{col}" if col != "code" else "area_id"
    alerts = Alert.objects.filter(user_scope_q(user), raised_on__gte=start, raised_on__lte=end)
    raised = dict(alerts.values_list(key).annotate(n=Count("id")).values_list(key, "n"))
    tasks = VisitTask.objects.filter(
        user_scope_q(user), alert__raised_on__gte=start, alert__raised_on__lte=end
    )
    done = tasks.filter(status=TaskStatus.DONE)
    visited = dict(done.values_list(key).annotate(n=Count("id")).values_list(key, "n"))
    on_time = dict(
        done.filter(done_on__lte=F("visit_due"))
        .values_list(key)
        .annotate(n=Count("id"))
        .values_list(key, "n")
    )
    assist = Visit.objects.filter(
        user_scope_q(user, prefix="task__area"), task__alert__raised_on__gte=start, task__alert__raised_on__lte=end,
        outcome=Outcome.ASSIST, application_id_ref__isnull=False,
    )  # fmt: skip
    vkey = f"task__{key}"
    assisted = dict(assist.values_list(vkey).annotate(n=Count("id")).values_list(vkey, "n"))
    leaving_qs = HouseholdCategory.objects.filter(
        user_scope_q(user, prefix="household__area"), source=CategorySource.ENTITLEMENT,
        end_date__gte=start, end_date__lte=end,
    )  # fmt: skip
    hkey = f"household__{key}"
    leaving = dict(
        leaving_qs.values_list(hkey).annotate(n=Count("household_id", distinct=True)).values_list(hkey, "n")
    )
    codes = set(raised) | set(visited) | set(assisted) | set(leaving)
    children = {a.code: a.name for a in Area.objects.filter(parent=scope)}
    codes |= set(children)
    names = {**children, **{a.code: a.name for a in Area.objects.filter(code__in=codes - set(children))}}
    rows = [
        KpiRow(code=c, name=names.get(c, c or "（本级）"), alerts=raised.get(c, 0), visited=visited.get(c, 0),
               visited_on_time=on_time.get(c, 0), assistance_started=assisted.get(c, 0), leaving=leaving.get(c, 0))
        for c in sorted(codes, key=lambda x: x or "")
    ]  # fmt: skip
    total = KpiRow(
        code=scope.code, name="合计", alerts=sum(r.alerts for r in rows), visited=sum(r.visited for r in rows),
        visited_on_time=sum(r.visited_on_time for r in rows),
        assistance_started=sum(r.assistance_started for r in rows), leaving=sum(r.leaving for r in rows),
    )  # fmt: skip
    return rows, total
