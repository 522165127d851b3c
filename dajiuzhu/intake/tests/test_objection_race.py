"""Objections racing the reviewers, each on its own database connection (threads released together):
an objection never makes a step fail with a conflict, and none slips past the closing of the notice.
Runs on SQLite (BEGIN IMMEDIATE) and on PostgreSQL (the notice row lock)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dajiuzhu.core.tests.race import hold_before_audit, race
from dajiuzhu.intake import services
from dajiuzhu.intake.models import Application, Objection, ObjectionStatus, PublicNotice, Status
from dajiuzhu.intake.tests.conftest import DAY
from dajiuzhu.intake.tests.test_permissions import LATER, NOTICE_OVER, _build, make_cast

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cast(
    make_user: Any, worker_a: Any, township_user: Any, county_user: Any, dept_user: Any
) -> dict[str, Any]:
    return make_cast(make_user, worker_a, township_user, county_user, dept_user)


@pytest.fixture(params=["as_is", "slow_commit"])
def window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "slow_commit":
        hold_before_audit(monkeypatch, services)
    return str(request.param)


def test_objection_at_the_moment_a_reviewer_handles_another_does_not_fail_the_step(
    cast, elder, dibao, window
):
    # given an open objection and the reviewer's page loaded (its version)
    ids = _build(cast, "objection")
    app = Application.objects.get(pk=ids["app"])
    notice = PublicNotice.objects.get(application_id=app.pk)
    # when a second objection arrives while she submits her handling of the first
    outcomes = race(
        lambda: services.objection_handle(user=cast["township"], objection_id=ids["objection"], upheld=False,
                                          handling="经核实不成立", version=app.version, today=LATER),
        lambda: services.objection_lodge(notice_id=notice.pk, content="他家有商铺", today=DAY + dt.timedelta(days=3)),
    )  # fmt: skip
    # then both go through
    assert outcomes == [("ok", ""), ("ok", "")]
    assert Objection.objects.get(pk=ids["objection"]).status == ObjectionStatus.DISMISSED
    assert Objection.objects.filter(notice=notice, status=ObjectionStatus.OPEN).count() == 1


def test_objection_racing_the_close_of_the_notice_never_slips_past_it(cast, elder, dibao, window):
    # given a notice on its last day with no objection
    ids = _build(cast, "notice")
    notice = PublicNotice.objects.get(application_id=ids["app"])
    # when a late objection and the closing of the notice come at the same moment
    outcomes = race(
        lambda: services.notice_close(user=cast["township"], application_id=ids["app"], today=NOTICE_OVER),
        lambda: services.objection_lodge(notice_id=notice.pk, content="他家有车", today=notice.ends_on),
    )
    # then exactly one wins: either the notice closed and the objection was refused, or the objection
    # is in and the notice is still up waiting for it to be handled
    app = Application.objects.get(pk=ids["app"])
    if outcomes[0] == ("ok", ""):
        assert outcomes[1] == ("not_found", "该公示不存在或已结束")
        assert app.status == Status.DECISION and not Objection.objects.exists()
    else:
        assert outcomes == [("validation_failed", "公示异议：还有未处理的异议，请先处理"), ("ok", "")]
        assert app.status == Status.NOTICE
        assert Objection.objects.get().status == ObjectionStatus.OPEN
