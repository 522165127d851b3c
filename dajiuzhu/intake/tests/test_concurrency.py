"""Two reviewers acting on the same application at the same moment, each on its own database connection
(threads released together by a barrier): exactly one wins, the other is told in Chinese, and the step
is recorded once. And a transition that fails half-way leaves no trace.

Runs on SQLite (BEGIN IMMEDIATE serialises the writers) and on PostgreSQL (the row lock taken by the
services serialises them): CI runs the suite with DATABASE_URL=postgres://...
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.benefits.models import Entitlement
from dajiuzhu.core.tests.race import hold_before_audit, race
from dajiuzhu.intake import services
from dajiuzhu.intake.models import Application, ApplicationEvent, NoticeKind, Objection, Status
from dajiuzhu.intake.services import CONFLICT_MESSAGE
from dajiuzhu.intake.tests.conftest import DAY
from dajiuzhu.intake.tests.test_permissions import LATER, NOTICE_OVER, _build, make_cast, snapshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cast(
    make_user: Any, worker_a: Any, township_user: Any, county_user: Any, dept_user: Any
) -> dict[str, Any]:
    return make_cast(make_user, worker_a, township_user, county_user, dept_user)


@pytest.fixture(params=["as_is", "slow_commit"])
def window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """`slow_commit` holds each transition open a moment after its first write (the audit entry is the
    last write of a step), so the two reviewers certainly overlap: without a lock both would win."""
    if request.param == "slow_commit":
        hold_before_audit(monkeypatch, services)
    return str(request.param)


def _step_rows(app_id: int, action: str) -> tuple[int, int]:
    """(events, audit rows) recorded for one step of one application."""
    events = ApplicationEvent.objects.filter(application_id=app_id, action=action)
    labels = {f"{e.application.number} {e.label}" for e in events.select_related("application")}
    audit = AuditEvent.objects.filter(
        action=AuditAction.TRANSITION,
        subject_type="application",
        subject_id=str(app_id),
        subject_label__in=labels,
    )
    return events.count(), audit.count()


def _conflict_one(outcomes: list[tuple[str, str]]) -> tuple[int, str]:
    """Index of the winner and the loser's message; exactly one of each."""
    kinds = sorted(o[0] for o in outcomes)
    assert kinds == ["conflict", "ok"], outcomes
    winner = next(i for i, o in enumerate(outcomes) if o[0] == "ok")
    return winner, next(o[1] for o in outcomes if o[0] == "conflict")


@pytest.mark.parametrize("with_version", [True, False], ids=["same-version", "no-version"])
def test_two_township_reviewers_accept_at_once(cast, make_user, elder, dibao, window, with_version):
    # given a submitted application and two township reviewers who both opened it at version 1
    ids = _build(cast, "submitted")
    second = make_user("township_reviewer", "township", username="township_2")
    version = 1 if with_version else None
    # when both press 受理 at the same moment
    outcomes = race(
        lambda: services.application_accept(user=cast["township"], application_id=ids["app"], version=version,
                                            today=DAY),
        lambda: services.application_accept(user=second, application_id=ids["app"], version=version, today=DAY),
    )  # fmt: skip
    # then exactly one accepted it and the other is told to refresh, in Chinese
    winner, message = _conflict_one(outcomes)
    if with_version:
        assert message == CONFLICT_MESSAGE
    else:
        assert message == f"该申请当前为「待入户调查」，不能受理。{CONFLICT_MESSAGE}"
    app = Application.objects.get(pk=ids["app"])
    assert (app.status, app.version, app.accepted_on) == (Status.ACCEPTED, 2, DAY)
    assert _step_rows(app.pk, "accept") == (1, 1)
    accepted_by = ApplicationEvent.objects.get(application=app, action="accept").actor_id
    assert accepted_by == [cast["township"], second][winner].pk


def test_two_county_approvers_decide_differently_at_once(cast, make_user, elder, dibao, window):
    # given a file at the decision, and two county approvers with opposite views, both at its version
    ids = _build(cast, "decision")
    other = make_user("county_approver", "county", username="county_2")
    version = Application.objects.get(pk=ids["app"]).version
    # when both decide at the same moment
    outcomes = race(
        lambda: services.application_decide(user=cast["county"], application_id=ids["app"], approve=True,
                                            reason="经审核符合", amount="650.00", version=version, today=LATER),
        lambda: services.application_decide(user=other, application_id=ids["app"], approve=False,
                                            reason="有赡养能力", version=version, today=LATER),
    )  # fmt: skip
    # then one decision stands, whole: an approval with its entitlement and publication, or a refusal
    # with none
    winner, message = _conflict_one(outcomes)
    assert message == CONFLICT_MESSAGE
    app = Application.objects.get(pk=ids["app"])
    assert app.version == version + 1
    assert _step_rows(app.pk, "decide") == (1, 1)
    publications = app.notices.filter(kind=NoticeKind.PUBLICATION).count()
    if winner == 0:
        assert (app.status, app.decision, app.decided_amount, app.decided_by_id) == (
            Status.APPROVED, "approve", Decimal("650.00"), cast["county"].pk,
        )  # fmt: skip
        assert Entitlement.objects.filter(application=app).count() == 1 and publications == 1
    else:
        assert (app.status, app.decision, app.decided_amount, app.decided_by_id) == (
            Status.REJECTED, "reject", None, other.pk,
        )  # fmt: skip
        assert not Entitlement.objects.exists() and publications == 0


def test_accept_and_withdraw_at_once(cast, make_user, elder, dibao, window):
    ids = _build(cast, "submitted")
    second = make_user("township_reviewer", "township", username="township_2")
    outcomes = race(
        lambda: services.application_accept(user=cast["township"], application_id=ids["app"], version=1,
                                            today=DAY),
        lambda: services.application_withdraw(user=second, application_id=ids["app"], reason="本人撤回",
                                              version=1, today=DAY),
    )  # fmt: skip
    winner, _message = _conflict_one(outcomes)
    app = Application.objects.get(pk=ids["app"])
    assert app.status == (Status.ACCEPTED, Status.WITHDRAWN)[winner]
    assert _step_rows(app.pk, ("accept", "withdraw")[winner]) == (1, 1)
    assert _step_rows(app.pk, ("accept", "withdraw")[1 - winner]) == (0, 0)
    assert app.version == 2


def test_one_objection_handled_twice_at_once(cast, make_user, elder, dibao, window):
    ids = _build(cast, "objection")
    second = make_user("township_reviewer", "township", username="township_2")
    outcomes = race(
        lambda: services.objection_handle(user=cast["township"], objection_id=ids["objection"], upheld=True,
                                          handling="需重新调查", today=LATER),
        lambda: services.objection_handle(user=second, objection_id=ids["objection"], upheld=False,
                                          handling="经核实不成立", today=LATER),
    )  # fmt: skip
    winner, _message = _conflict_one(outcomes)
    objection = Objection.objects.get(pk=ids["objection"])
    app = Application.objects.get(pk=ids["app"])
    if winner == 0:
        assert (objection.status, app.status) == ("upheld", Status.ACCEPTED)
        assert _step_rows(app.pk, "objection_upheld") == (1, 1)
    else:
        assert (objection.status, app.status) == ("dismissed", Status.NOTICE)
        assert _step_rows(app.pk, "objection_dismissed") == (1, 1)
    handled = ApplicationEvent.objects.filter(
        application=app, action__in=["objection_upheld", "objection_dismissed"]
    ).count()
    assert handled == 1


# ---- a failure half-way through a transition -------------------------------------------------------


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("disk full")


FAILURES = [
    # (step, stage, what fails, call) — each fails after the step's first write
    ("accept", "submitted", "audit_record", lambda c, ids: services.application_accept(
        user=c["township"], application_id=ids["app"], today=DAY)),
    ("investigate", "accepted", "audit_record", lambda c, ids: services.application_investigate(
        user=c["township"], application_id=ids["app"], visited_on=DAY, investigators=["王敏", "李强"],
        present_members="赵老汉", findings="独居", today=DAY)),
    ("opinion", "opinion", "audit_record", lambda c, ids: services.application_opinion(
        user=c["township"], application_id=ids["app"], approve=True, reason="符合", amount="650", today=DAY)),
    ("notice_close", "notice", "audit_record", lambda c, ids: services.notice_close(
        user=c["township"], application_id=ids["app"], today=NOTICE_OVER)),
    ("decide", "decision", "audit_record", lambda c, ids: services.application_decide(
        user=c["county"], application_id=ids["app"], approve=True, reason="符合", amount="650", today=LATER)),
    ("decide", "decision", "_publish", lambda c, ids: services.application_decide(
        user=c["county"], application_id=ids["app"], approve=True, reason="符合", amount="650", today=LATER)),
    ("objection_handle", "objection", "audit_record", lambda c, ids: services.objection_handle(
        user=c["township"], objection_id=ids["objection"], upheld=True, handling="需重新调查", today=LATER)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("step", "stage", "fails", "call"), FAILURES, ids=[f"{f[0]}-{f[2]}" for f in FAILURES]
)
def test_failure_half_way_leaves_the_previous_state(
    cast, elder, dibao, monkeypatch, step, stage, fails, call
):
    # given an application at the step's status
    ids = _build(cast, stage)
    before = snapshot(ids["app"])
    # when something inside the transition fails after its first write
    monkeypatch.setattr(services, fails, _boom)
    with pytest.raises(RuntimeError, match="disk full"):
        call(cast, ids)
    # then the application is as it was, with no half-written rows
    assert snapshot(ids["app"]) == before


def test_failure_half_way_through_the_api_is_a_500_in_chinese(cast, elder, dibao, monkeypatch):
    from dajiuzhu.intake.tests.test_api import Api

    ids = _build(cast, "decision")
    client = Api(cast["county"])
    before = snapshot(ids["app"])
    monkeypatch.setattr(services, "audit_record", _boom)
    response = client.post(
        f"/applications/{ids['app']}/decide", {"approve": True, "reason": "符合", "amount": "650"}
    )
    assert response.status_code == 500
    assert response.json() == {"code": "internal_error", "message": "系统繁忙，请稍后再试", "errors": []}
    assert "disk full" not in response.content.decode()
    assert snapshot(ids["app"]) == before
    assert before["application"]["status"] == Status.DECISION
