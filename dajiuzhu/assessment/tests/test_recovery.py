"""Runs left RUNNING by a killed worker: the lease (core.leases), recovery at worker start and on the
run's page, and 重新计算 from the page and the API (the kill itself: test_kill.py)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.assessment import services
from dajiuzhu.assessment.models import AssessmentRun, HouseholdResult, RunStatus
from dajiuzhu.core import clock, leases
from dajiuzhu.core.errors import NotFound, ValidationFailed

ON = dt.date(2026, 3, 15)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def county(make_user):
    return make_user("county_approver", "county")


def _running(county, worker: str, *, beat_seconds_ago: float = 1) -> AssessmentRun:
    return AssessmentRun.objects.create(
        area=county.area, on=ON, created_by=county, status=RunStatus.RUNNING, worker=worker,
        heartbeat_at=clock.now() - dt.timedelta(seconds=beat_seconds_ago), started_at=clock.now(),
    )  # fmt: skip


def test_a_holder_is_gone_when_its_process_is_or_its_heartbeat_is_stale(settings):
    settings.DAJIUZHU_LEASE_STALE_SECONDS = 60
    host = leases.holder().rpartition(":")[0]
    fresh = clock.now() - dt.timedelta(seconds=2)
    stale = clock.now() - dt.timedelta(seconds=61)
    assert leases.holder_gone(f"{host}:{dead_pid()}", fresh)  # this host, no such process: at once
    assert not leases.holder_gone(leases.holder(), fresh)  # this very process
    assert not leases.holder_gone(f"{host}:{os.getppid()}", fresh)  # a live process
    assert not leases.holder_gone("other-host:1234", fresh)  # elsewhere: only its heartbeat tells
    assert leases.holder_gone("other-host:1234", stale)
    assert leases.holder_gone(leases.holder(), None)


def test_recovery_fails_only_the_runs_whose_worker_is_gone(county, elder):
    host = leases.holder().rpartition(":")[0]
    killed = _running(county, f"{host}:{dead_pid()}")
    elsewhere = _running(county, "other-host:99", beat_seconds_ago=5)
    lost = _running(county, "other-host:98", beat_seconds_ago=3600)
    HouseholdResult.objects.create(
        run=killed, household_id=elder.pk, township_code="371424100", village_code="371424100201", members=1,
        dibao_status=0, dibao_amount=0, edge_status=0, rigid_status=0, n_tekun=0, tekun_total=0, monthly_total=0,
    )  # fmt: skip
    assert sorted(services.runs_recover()) == sorted([killed.pk, lost.pk])
    for run in (killed, lost):
        run.refresh_from_db()
        assert run.status == RunStatus.FAILED and run.error == services.INTERRUPTED
    assert not HouseholdResult.objects.filter(run=killed).exists()  # never a failed run with results
    elsewhere.refresh_from_db()
    assert elsewhere.status == RunStatus.RUNNING
    assert services.runs_recover() == []  # idempotent


def test_a_worker_start_recovers_and_marks_the_task_failed(county, capsys, monkeypatch):
    from django.core.management import get_commands
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    from dajiuzhu.assessment.tasks import assessment_run_task

    host = leases.holder().rpartition(":")[0]
    run = _running(county, f"{host}:{dead_pid()}")
    task = assessment_run_task.enqueue(run.pk)
    DBTaskResult.objects.filter(pk=task.id).update(status="RUNNING")  # claimed by the killed worker
    run.task_id = str(task.id)
    run.save(update_fields=["task_id"])
    # `dajiuzhu db_worker` is ours: it recovers, then runs django-tasks-db's worker loop (not run here:
    # the loop closes the test's database connection; test_kill.py runs the real thing)
    assert get_commands()["db_worker"] == "dajiuzhu.core"
    loops = []
    monkeypatch.setattr(db_worker.Command, "handle", lambda self, *a, **k: loops.append(k["batch"]))
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")
    assert loops == [True]
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, services.INTERRUPTED)
    assert DBTaskResult.objects.get(pk=task.id).status == "FAILED"
    assert f"已回收中断的任务：[{run.pk}]" in capsys.readouterr().out


def test_a_run_a_live_worker_holds_is_not_run_twice(county):
    run = _running(county, "other-host:77", beat_seconds_ago=1)
    assert services.run_execute(run_id=run.pk).status == RunStatus.RUNNING
    run.refresh_from_db()
    assert (run.attempts, run.worker) == (0, "other-host:77")


def test_the_page_of_an_interrupted_run_offers_a_retry_that_computes_it(
    client, county, elder, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    host = leases.holder().rpartition(":")[0]
    run = _running(county, f"{host}:{dead_pid()}")
    client.force_login(county)
    # the page of a run whose worker was killed shows it interrupted, with 重新计算
    page = client.get(reverse("assessment:run", args=[run.pk])).content.decode()
    assert "后台计算进程意外中断" in page and "重新计算" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessment:run_retry", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == (RunStatus.DONE, 1, "")
    assert run.results.count() == 1 == run.summary["total"]["households"]
    # a done run cannot be retried
    with pytest.raises(ValidationFailed, match="只有计算失败的研判可以重新计算"):
        services.run_retry(user=county, run_id=run.pk)


def test_retry_through_the_api_and_only_in_ones_own_area(
    make_user, county, elder, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    run = AssessmentRun.objects.create(area=county.area, on=ON, created_by=county, status=RunStatus.FAILED,
                                       error=services.INTERRUPTED, attempts=1)  # fmt: skip
    other = make_user("county_approver", "county2")
    with pytest.raises(NotFound):
        services.run_retry(user=other, run_id=run.pk)
    _token, key = api_token_create(user=county, name="t")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/assessment/runs/{run.pk}/retry")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.DONE, 2)
    assert api.post(f"/api/assessment/runs/{run.pk}/retry").status_code == 400
