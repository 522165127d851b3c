"""Alerts become visits: outcomes (an intake application, a re-check), escalation, discovery reports,
category history, scoping and the KPIs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dajiuzhu.core.errors import NotFound, ValidationFailed
from dajiuzhu.monitoring.models import Alert, HouseholdCategory, TaskStatus, Visit, VisitTask

from .conftest import DAY, IDS

MED = ["id_number", "settled_on", "out_of_pocket_yuan", "record_id"]


@pytest.fixture
def zhang_task(families: Any, population: Any, ingest: Any, items: Any) -> VisitTask:
    ingest("MEDICAL_SETTLEMENT", MED, [[IDS["zhang"], "2026-01-10", "20000.00", "A1"]])
    return VisitTask.objects.get()


def test_a_task_has_working_day_deadlines_of_the_county(zhang_task: VisitTask, areas: Any) -> None:
    # 2 March 2026 is a Monday: 3 working days → Thursday 5 March; 临邑县 visits within 5 → Monday 9 March
    assert (zhang_task.triage_due, zhang_task.visit_due) == (dt.date(2026, 3, 5), dt.date(2026, 3, 9))
    assert zhang_task.area == areas["grid_a"]
    assert zhang_task.alert.suggested_item == "medical"


def test_visit_assist_files_a_prefilled_application(
    zhang_task: VisitTask, grid_user: Any, families: Any
) -> None:
    from dajiuzhu.intake.models import Application

    # when the grid worker visits and finds the family needs help
    from dajiuzhu.monitoring.services import visit_record

    visit = visit_record(
        user=grid_user, task_id=zhang_task.pk, visited_on=DAY, visitors=["刘网格", "陈协理员"],
        findings="住院花费大，家中无积蓄", outcome="assist", authorisation="委托书2026-001", today=DAY,
    )  # fmt: skip
    # then an application of the suggested item is filed for 张's household, by 张 himself
    app = Application.objects.get(receipt__isnull=False)
    assert (app.household_id, app.applicant.id_number, app.item.code) == (
        families["zhang"].pk,
        IDS["zhang"],
        "medical",
    )
    assert app.status in ("submitted", "materials")
    assert app.is_proxy is True
    assert (visit.application_id_ref, visit.application_number) == (app.pk, app.number)
    task = VisitTask.objects.get()
    assert (task.status, task.done_on, task.alert.status) == (TaskStatus.DONE, DAY, "closed")


def test_a_grid_worker_needs_the_written_authorisation(zhang_task: VisitTask, grid_user: Any) -> None:
    from dajiuzhu.intake.models import Application
    from dajiuzhu.monitoring.services import visit_record

    with pytest.raises(ValidationFailed) as exc:
        visit_record(user=grid_user, task_id=zhang_task.pk, visited_on=DAY, visitors="刘网格", findings="困难",
                     outcome="assist", today=DAY)  # fmt: skip
    assert "授权委托书" in exc.value.message
    # nothing half-saved
    assert (Application.objects.filter(receipt__isnull=False).count(), Visit.objects.count()) == (0, 0)
    assert VisitTask.objects.get().status == TaskStatus.PENDING


def test_possibly_ineligible_opens_a_recheck(
    families: Any, population: Any, ingest: Any, make_user: Any
) -> None:
    from dajiuzhu.intake.models import Application
    from dajiuzhu.monitoring.services import visit_record

    ingest("VEHICLE", ["id_number", "registered_on", "record_id", "value_yuan"],
           [[IDS["zhang"], "2026-02-01", "鲁N12345", "90000"]])  # fmt: skip
    township = make_user("township_reviewer", "township")
    visit = visit_record(user=township, task_id=VisitTask.objects.get().pk, visited_on=DAY, visitors="乡镇干部",
                         findings="新购轿车一辆", outcome="possibly_ineligible", today=DAY)  # fmt: skip
    app = Application.objects.get(kind="recheck")
    assert (app.household_id, app.entitlement.item.code, app.status) == (
        families["zhang"].pk,
        "dibao",
        "accepted",
    )
    assert visit.application_number == app.number


def test_refer_needs_a_department(zhang_task: VisitTask, grid_user: Any, departments: Any) -> None:
    from dajiuzhu.monitoring.services import visit_record

    with pytest.raises(ValidationFailed) as exc:
        visit_record(user=grid_user, task_id=zhang_task.pk, visited_on=DAY, visitors="刘", findings="x",
                     outcome="refer", today=DAY)  # fmt: skip
    assert exc.value.message == "转办部门：请选择要转办的部门"
    visit = visit_record(user=grid_user, task_id=zhang_task.pk, visited_on=DAY, visitors="刘", findings="x",
                         outcome="refer", department="yibao", today=DAY)  # fmt: skip
    assert visit.department == departments["yibao"]


def test_overdue_tasks_escalate_to_the_township_once(zhang_task: VisitTask, areas: Any) -> None:
    from dajiuzhu.monitoring.services import tasks_escalate

    # the triage deadline (5 March) has not passed on 5 March
    assert tasks_escalate(today=dt.date(2026, 3, 5)) == 0
    # when: 6 March, still not triaged
    assert tasks_escalate(today=dt.date(2026, 3, 6)) == 1
    task = VisitTask.objects.get()
    assert (task.escalated, task.escalated_on, task.escalated_to) == (
        True,
        dt.date(2026, 3, 6),
        areas["township"],
    )
    # a second run escalates nothing new
    assert tasks_escalate(today=dt.date(2026, 3, 7)) == 0


def test_monitoring_daily_command(zhang_task: VisitTask) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("monitoring_daily", "--date", "2026-03-10", stdout=out)
    assert "逾期督办 1 件" in out.getvalue()
    assert VisitTask.objects.get().escalated is True


def test_grid_worker_sees_only_their_grid(families: Any, population: Any, ingest: Any, grid_user: Any,
                                          make_user: Any, county2_user: Any) -> None:  # fmt: skip
    from dajiuzhu.monitoring.selectors import task_get_for_user, tasks_for_user

    ingest(
        "UNEMPLOYMENT",
        ["id_number", "registered_on"],
        [[IDS["zhang"], "2026-02-01"], [IDS["li"], "2026-02-01"]],
    )
    zhang_task = VisitTask.objects.get(alert__household=families["zhang"])
    li_task = VisitTask.objects.get(alert__household=families["li"])
    assert [t.pk for t in tasks_for_user(user=grid_user, today=DAY)] == [zhang_task.pk]
    township = make_user("township_reviewer", "township")
    assert {t.pk for t in tasks_for_user(user=township, today=DAY)} == {zhang_task.pk, li_task.pk}
    with pytest.raises(NotFound):
        task_get_for_user(user=grid_user, task_id=li_task.pk)
    with pytest.raises(NotFound):
        task_get_for_user(user=county2_user, task_id=zhang_task.pk)


def test_overdue_tasks_come_first(families: Any, population: Any, ingest: Any, make_user: Any) -> None:
    from dajiuzhu.monitoring.selectors import tasks_for_user

    ingest("UNEMPLOYMENT", ["id_number", "registered_on"], [[IDS["li"], "2026-02-01"]])
    ingest("UNEMPLOYMENT", ["id_number", "registered_on"], [[IDS["zhang"], "2026-02-03"]], name="b.csv",
           on=DAY + dt.timedelta(days=7))  # fmt: skip
    township = make_user("township_reviewer", "township")
    # on 9 March 李's task (raised 2 March) is overdue for triage, 张's (raised 9 March) is not
    order = [t.alert.household_id for t in tasks_for_user(user=township, today=dt.date(2026, 3, 9))]
    assert order == [families["li"].pk, families["zhang"].pk]


def test_discovery_report_becomes_an_alert_and_task(families: Any, grid_user: Any) -> None:
    from dajiuzhu.monitoring.services import discovery_report

    report = discovery_report(user=grid_user, channel="hotline", content="老人独居，无人照料", id_number=IDS["zhang"],
                              reporter="邻居", today=DAY)  # fmt: skip
    alert = Alert.objects.get()
    assert (alert.rule, alert.household_id, alert.cause_key) == (
        "ACTIVE_DISCOVERY",
        families["zhang"].pk,
        f"D{report.pk}",
    )
    assert alert.task.visit_due == dt.date(2026, 3, 9)
    # a report about a household outside the worker's grid is not found
    with pytest.raises(NotFound):
        discovery_report(user=grid_user, channel="petition", content="x", id_number=IDS["li"], today=DAY)
    assert Alert.objects.count() == 1
    # a caller's number that is no phone number is refused by field, and nothing is saved
    with pytest.raises(ValidationFailed) as err:
        discovery_report(user=grid_user, channel="hotline", content="x", id_number=IDS["zhang"],
                         reporter_phone="123", today=DAY)  # fmt: skip
    assert err.value.errors[0].field == "联系电话"
    assert Alert.objects.count() == 1
    # a village landline without its area code is a phone number
    kept = discovery_report(user=grid_user, channel="hotline", content="又来电", id_number=IDS["zhang"],
                            reporter_phone="2345 678", today=DAY)  # fmt: skip
    assert kept.reporter_phone == "2345678"


def test_population_history_opens_and_closes(families: Any, entitlements: Any) -> None:
    from dajiuzhu.monitoring.services import population_refresh

    first = population_refresh(today=dt.date(2026, 1, 5))
    assert (first.opened, first.closed) == (2, 0)
    ent = entitlements["wang"]
    ent.status = "stopped"
    ent.save(update_fields=["status"])
    second = population_refresh(today=dt.date(2026, 2, 1))
    assert (second.opened, second.closed) == (0, 1)
    assert list(
        HouseholdCategory.objects.filter(household=families["wang"]).values_list(
            "category", "start_date", "end_date"
        )
    ) == [("dibao", dt.date(2026, 1, 5), dt.date(2026, 2, 1))]
    assert population_refresh(today=dt.date(2026, 2, 2)) == type(second)(opened=0, closed=0, current=1)


def test_kpis_exact(families: Any, population: Any, ingest: Any, grid_user: Any, make_user: Any,
                    entitlements: Any, items: Any) -> None:  # fmt: skip
    from dajiuzhu.monitoring.selectors import kpis_for_user
    from dajiuzhu.monitoring.services import population_refresh, visit_record

    # given 3 alerts on 2 March: 张 (grid A) and 李 (village B) in 临邑镇, 王 in 齐河县
    ingest("MEDICAL_SETTLEMENT", MED, [[IDS["zhang"], "2026-01-10", "20000.00", "A"],
                                       [IDS["li"], "2026-01-10", "20000.00", "B"],
                                       [IDS["wang"], "2026-01-10", "20000.00", "C"]])  # fmt: skip
    township = make_user("township_reviewer", "township")
    zhang = VisitTask.objects.get(alert__household=families["zhang"])
    li = VisitTask.objects.get(alert__household=families["li"])
    # 张 visited on time with an application; 李 visited late (after 9 March) with no need
    visit_record(user=grid_user, task_id=zhang.pk, visited_on=DAY, visitors="刘", findings="需要救助", outcome="assist",
                 authorisation="委托书1", today=DAY)  # fmt: skip
    visit_record(user=township, task_id=li.pk, visited_on=dt.date(2026, 3, 12), visitors="陈", findings="无需求",
                 outcome="no_need", today=dt.date(2026, 3, 12))  # fmt: skip
    # and 张's 低保 stops on 20 March
    entitlements["zhang"].status = "stopped"
    entitlements["zhang"].save(update_fields=["status"])
    population_refresh(today=dt.date(2026, 3, 20))
    # when the county looks at March
    county = make_user("county_approver", "county", username="c2")
    rows, total = kpis_for_user(user=county, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    # then
    assert [
        (r.code, r.alerts, r.visited, r.visited_on_time, r.assistance_started, r.leaving) for r in rows
    ] == [("371424100", 2, 2, 1, 1, 1)]
    assert (total.alerts, total.visited, total.visited_on_time, total.on_time_rate) == (2, 2, 1, "50.0%")
    # and the township sees its villages
    rows, _ = kpis_for_user(user=township, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    assert [(r.code, r.alerts, r.visited_on_time, r.assistance_started) for r in rows] == [
        ("371424100201", 1, 1, 1),
        ("371424100202", 1, 0, 0),
    ]
