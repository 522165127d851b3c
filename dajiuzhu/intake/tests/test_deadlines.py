"""Deadlines count Chinese working days: statutory holidays are skipped, 调休 weekends are counted."""

from __future__ import annotations

import datetime as dt

import pytest

from dajiuzhu.intake import services
from dajiuzhu.intake.models import Application, Status
from dajiuzhu.intake.selectors import workbench_for_user
from dajiuzhu.intake.tests.conftest import ALL_MATERIALS, ELDER_ID

pytestmark = pytest.mark.django_db


def _file(user, day):
    return services.applications_file(user=user, id_number=ELDER_ID, items=["dibao"], materials=ALL_MATERIALS,
                                      today=day).applications.get()  # fmt: skip


def test_acceptance_due_counts_the_tiaoxiu_saturday(worker_a, elder, dibao):
    # given a village files on Friday 9 October 2026; Saturday 10 October is a 调休 working day
    app = _file(worker_a, dt.date(2026, 10, 9))
    # then the 3 working days are Sat 10, Mon 12, Tue 13 (not Wed 14 as a plain Mon–Fri count gives)
    assert app.step_due == dt.date(2026, 10, 13)
    assert app.step_due_provisional is False


def test_acceptance_due_skips_national_day(worker_a, elder, dibao):
    # given a filing on 30 September 2026, the eve of the National Day holiday (1–7 October)
    app = _file(worker_a, dt.date(2026, 9, 30))
    # then the 3 working days are 8, 9 and the 调休 Saturday 10 October
    assert app.step_due == dt.date(2026, 10, 10)


def test_total_limit_across_spring_festival_and_tiaoxiu(worker_a, township_user, elder, dibao):
    # given acceptance on Friday 13 February 2026: Sat 14 Feb is a 调休 working day, 15–23 Feb are 春节
    app = _file(worker_a, dt.date(2026, 2, 13))
    app = services.application_accept(user=township_user, application_id=app.pk, today=dt.date(2026, 2, 13))
    # then investigation (10 working days): 14 Feb, 24–27 Feb, 28 Feb (调休 Saturday), 2–5 Mar
    assert app.step_due == dt.date(2026, 3, 5)


def test_warning_and_overdue_counts_on_the_workbench(worker_a, township_user, elder, dibao):
    app = _file(worker_a, dt.date(2026, 10, 9))  # due Tue 13 Oct
    # one working day before: due soon, not overdue
    bench = workbench_for_user(user=township_user, today=dt.date(2026, 10, 12))
    assert (bench.total, bench.due_soon, bench.overdue) == (1, 1, 0)
    # the day after: overdue, escalated once by the daily job
    bench = workbench_for_user(user=township_user, today=dt.date(2026, 10, 14))
    assert (bench.due_soon, bench.overdue) == (0, 1)
    assert services.deadlines_escalate(today=dt.date(2026, 10, 14)) == 1
    app.refresh_from_db()
    assert app.escalated and app.status == Status.SUBMITTED
    assert app.events.filter(action="escalate").count() == 1
    # acting on it clears the escalation for the next step
    app = services.application_accept(user=township_user, application_id=app.pk, today=dt.date(2026, 10, 14))
    assert Application.objects.get(pk=app.pk).escalated is False
