"""Every step refuses the wrong caller and the wrong moment, through the service and through the API,
and a refused call changes nothing: not the application, its version, its events, the audit trail,
nor any related row (investigations, notices, objections, entitlements).

The tables below are the specification: for each step, the status it is taken at, who takes it, and who
must be refused (the other levels, a department window of another department, the same role in another
county). A positive control per step proves each setup really reaches the right status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.benefits.models import Entitlement
from dajiuzhu.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.intake import services
from dajiuzhu.intake.models import (
    Application,
    ApplicationEvent,
    Investigation,
    Objection,
    PublicNotice,
    Receipt,
    Status,
)
from dajiuzhu.intake.tests.conftest import ALL_MATERIALS, DAY, ELDER_ID
from dajiuzhu.intake.tests.test_api import Api, Clock, patch_today

pytestmark = pytest.mark.django_db

# 公示 from Monday 2 March 2026 runs to the end of Monday 9 March (C2): it can be closed on the 10th.
NOTICE_OVER = DAY + dt.timedelta(days=8)
LATER = DAY + dt.timedelta(days=9)


# ---- the cast ---------------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return patch_today(monkeypatch)


@pytest.fixture
def cast(
    make_user: Any, worker_a: Any, township_user: Any, county_user: Any, dept_user: Any
) -> dict[str, Any]:
    return make_cast(make_user, worker_a, township_user, county_user, dept_user)


def make_cast(
    make_user: Any, worker_a: Any, township_user: Any, county_user: Any, dept_user: Any
) -> dict[str, Any]:
    """One user per role here, a 民政 window (another department than 医保), and the same roles in 齐河县."""
    from dajiuzhu.accounts.models import Department

    minzheng_window = make_user("department_window", "county", username="mz_window")
    minzheng_window.department, _ = Department.objects.get_or_create(
        code="minzheng", defaults={"name": "民政"}
    )
    minzheng_window.save(update_fields=["department"])
    return {
        "village": worker_a,
        "township": township_user,
        "county": county_user,
        "yibao_window": dept_user,
        "minzheng_window": minzheng_window,
        "other_village": make_user("village_assistant", "village_c"),
        "other_township": make_user("township_reviewer", "township2"),
        "other_county": make_user("county_approver", "county2"),
        "other_yibao_window": make_user("department_window", "county2", username="qihe_yibao"),
    }


# ---- stages: an application brought to a status through the services -----------------------------


def _file(cast: dict[str, Any], items: list[str], **kw: Any) -> Application:
    kw.setdefault("materials", ALL_MATERIALS)
    receipt = services.applications_file(
        user=cast["village"], id_number=ELDER_ID, items=items, today=DAY, **kw
    )
    return receipt.applications.get()


def _investigate(cast: dict[str, Any], pk: int) -> None:
    services.application_investigate(user=cast["township"], application_id=pk, visited_on=DAY,
                                     investigators=["王敏", "李强"], present_members="赵老汉", findings="独居",
                                     today=DAY)  # fmt: skip


def _build(cast: dict[str, Any], stage: str) -> dict[str, int]:
    """The application (and objection) ids at `stage`; dibao unless the stage starts with "medical"."""
    t, c = cast["township"], cast["county"]
    if stage.startswith("medical"):
        app = _file(cast, ["medical"])
        if stage in ("medical_decision", "medical_approved"):
            services.application_accept(user=t, application_id=app.pk, today=DAY)
        if stage == "medical_approved":
            services.application_decide(user=cast["yibao_window"], application_id=app.pk, approve=True,
                                        reason="符合", amount="1200", today=DAY)  # fmt: skip
        return {"app": app.pk}
    if stage == "materials":
        return {"app": _file(cast, ["dibao"], materials={"dibao": ["低保申请书"]}).pk}
    app = _file(cast, ["dibao"], related_staff="村委会委员近亲属" if stage == "decision_separate" else "")
    ids = {"app": app.pk}
    order = ["submitted", "accepted", "checking", "opinion", "notice", "decision", "approved", "notified"]
    target = {
        "returned": "submitted", "extended": "accepted", "objection": "notice", "objection_dismissed": "notice",
        "decision_separate": "decision",
    }.get(stage, stage)  # fmt: skip
    steps: list[Callable[[], Any]] = [
        lambda: services.application_accept(user=t, application_id=app.pk, today=DAY),
        lambda: _investigate(cast, app.pk),
        lambda: services.application_check(user=c, application_id=app.pk, today=DAY),
        lambda: services.application_opinion(user=t, application_id=app.pk, approve=True, reason="符合",
                                             amount="650", today=DAY),
        lambda: services.notice_close(user=t, application_id=app.pk, today=NOTICE_OVER),
        lambda: services.application_decide(user=c, application_id=app.pk, approve=True, reason="符合",
                                            amount="650", today=LATER),
        lambda: services.application_notify(user=t, application_id=app.pk, delivered_on=LATER, method="本人签收",
                                            today=LATER),
    ]  # fmt: skip
    for step in steps[: order.index(target)]:
        step()
    if stage == "returned":
        services.application_return(user=t, application_id=app.pk, reason="缺少户口簿", today=DAY)
    if stage == "extended":
        services.application_extend(user=t, application_id=app.pk, reason="人户分离", today=DAY)
    if stage in ("objection", "objection_dismissed"):
        notice = PublicNotice.objects.get(application_id=app.pk)
        objection = services.objection_lodge(
            notice_id=notice.pk, content="有房有车", today=DAY + dt.timedelta(days=2)
        )
        ids["objection"] = objection.pk
        if stage == "objection_dismissed":
            services.objection_handle(user=t, objection_id=objection.pk, upheld=False, handling="经核实不成立",
                                      today=DAY + dt.timedelta(days=3))  # fmt: skip
    return ids


# ---- the steps: one service call and one API call each ---------------------------------------------


@dataclass(frozen=True)
class Step:
    call: Callable[[Any, dict[str, int], int, dt.date], Any]
    path: str  # {app} / {objection} filled in
    body: dict[str, Any]


def _svc(fn: Callable[..., Any], **kw: Any) -> Callable[[Any, dict[str, int], int, dt.date], Any]:
    def call(user: Any, ids: dict[str, int], version: int, today: dt.date) -> Any:
        return fn(user=user, application_id=ids["app"], version=version, today=today, **kw)

    return call


def _handle(user: Any, ids: dict[str, int], version: int, today: dt.date) -> Any:
    return services.objection_handle(user=user, objection_id=ids["objection"], upheld=True, handling="需重新调查",
                                     today=today)  # fmt: skip


VISIT = {
    "visited_on": LATER,
    "investigators": ["县局甲", "县局乙"],
    "present_members": "赵老汉",
    "findings": "属实",
}
HOME = {"visited_on": DAY, "investigators": ["王敏", "李强"], "present_members": "赵老汉", "findings": "独居"}
DECIDE = {"approve": True, "reason": "符合", "amount": "650"}

STEPS: dict[str, Step] = {
    "supplement": Step(_svc(services.application_supplement, materials=["家庭经济状况核对授权书"]),
                       "/applications/{app}/supplement", {"materials": ["家庭经济状况核对授权书"]}),
    "accept": Step(_svc(services.application_accept), "/applications/{app}/accept", {}),
    "return": Step(_svc(services.application_return, reason="缺少户口簿"), "/applications/{app}/return",
                   {"reason": "缺少户口簿"}),
    "resubmit": Step(_svc(services.application_resubmit, note="已补"), "/applications/{app}/resubmit",
                     {"note": "已补"}),
    "withdraw": Step(_svc(services.application_withdraw, reason="本人撤回"), "/applications/{app}/withdraw",
                     {"reason": "本人撤回"}),
    "investigate": Step(_svc(services.application_investigate, **HOME), "/applications/{app}/investigate",
                        {**HOME, "visited_on": DAY.isoformat()}),
    "check": Step(_svc(services.application_check), "/applications/{app}/check", {}),
    "opinion": Step(_svc(services.application_opinion, approve=True, reason="符合", amount="650"),
                    "/applications/{app}/opinion", {"approve": True, "reason": "符合", "amount": "650"}),
    "notice-close": Step(_svc(services.notice_close), "/applications/{app}/notice-close", {}),
    "objection-handle": Step(_handle, "/objections/{objection}/handle", {"upheld": True, "handling": "需重新调查"}),
    "county-visit": Step(_svc(services.application_county_visit, **VISIT), "/applications/{app}/county-visit",
                         {**VISIT, "visited_on": LATER.isoformat()}),
    "decide": Step(_svc(services.application_decide, **DECIDE), "/applications/{app}/decide", DECIDE),
    "notify": Step(_svc(services.application_notify, delivered_on=LATER, method="本人签收"),
                   "/applications/{app}/notify", {"delivered_on": LATER.isoformat(), "method": "本人签收"}),
    "extend": Step(_svc(services.application_extend, reason="人户分离"), "/applications/{app}/extend",
                   {"reason": "人户分离"}),
}  # fmt: skip


@dataclass(frozen=True)
class Case:
    step: str
    stage: str
    right: str
    wrong: tuple[str, ...]
    day: dt.date = LATER


_T_WRONG = ("village", "county", "yibao_window", "other_township")
_C_WRONG = ("village", "township", "yibao_window", "other_county")
_V_WRONG = ("township", "county", "yibao_window", "other_village")
_D_WRONG = ("village", "township", "county", "minzheng_window", "other_yibao_window")

CASES = [
    Case("supplement", "materials", "village", _V_WRONG),
    Case("accept", "submitted", "township", _T_WRONG),
    Case("return", "submitted", "township", _T_WRONG),
    Case("resubmit", "returned", "village", _V_WRONG),
    Case("withdraw", "submitted", "township", _T_WRONG),
    Case("investigate", "accepted", "township", _T_WRONG),
    Case("check", "checking", "county", _C_WRONG),
    Case("opinion", "opinion", "township", _T_WRONG),
    Case("notice-close", "notice", "township", _T_WRONG, day=NOTICE_OVER),
    Case("objection-handle", "objection", "township", _T_WRONG, day=DAY + dt.timedelta(days=3)),
    Case("county-visit", "decision", "county", _C_WRONG),
    Case("decide", "decision", "county", _C_WRONG),
    Case("notify", "approved", "township", _T_WRONG),
    # 延期: a township, county or the item's own department; never a village, another department's window
    # (it cannot even see a 低保 file) or another county.
    Case("extend", "accepted", "township", ("village", "yibao_window", "other_township")),
    # 医疗救助: accepted by the township, returned and decided by the 医保 window only.
    Case("accept", "medical_submitted", "township", ("village", "county", "yibao_window", "minzheng_window",
                                                     "other_township")),
    Case("return", "medical_decision", "yibao_window", _D_WRONG),
    Case("decide", "medical_decision", "yibao_window", _D_WRONG),
    Case("notify", "medical_approved", "yibao_window", _D_WRONG),
    Case("extend", "medical_decision", "yibao_window", ("village", "minzheng_window", "other_yibao_window")),
]  # fmt: skip


@dataclass(frozen=True)
class Wrong:
    """A step taken by its right actor at the wrong moment."""

    step: str
    stage: str
    actor: str
    error: type[DomainError]
    day: dt.date = LATER


WRONG_MOMENTS = [
    Wrong("decide", "accepted", "county", Conflict),  # straight after acceptance
    Wrong("decide", "opinion", "county", Conflict),  # without the notice
    Wrong("decide", "notice", "county", Conflict),  # while the notice is up
    Wrong("decide", "approved", "county", Conflict),  # twice
    Wrong("decide", "decision_separate", "county", ValidationFailed),  # without the county visit
    Wrong("check", "accepted", "county", Conflict),  # before the investigation
    Wrong("investigate", "submitted", "township", Conflict),  # before acceptance
    Wrong("opinion", "checking", "township", Conflict),  # before the check
    Wrong("opinion", "accepted", "township", Conflict),
    Wrong("notice-close", "notice", "township", ValidationFailed, day=DAY + dt.timedelta(days=7)),  # not over
    Wrong("notice-close", "objection", "township", ValidationFailed, day=NOTICE_OVER),  # objection open
    Wrong("notice-close", "decision", "township", Conflict),  # twice
    Wrong("notice-close", "opinion", "township", Conflict),
    Wrong("accept", "accepted", "township", Conflict),  # twice
    Wrong("accept", "materials", "township", Conflict),  # materials missing
    Wrong("supplement", "submitted", "village", Conflict),
    Wrong("resubmit", "submitted", "village", Conflict),
    Wrong("return", "checking", "township", Conflict),
    Wrong("withdraw", "notice", "township", Conflict),
    Wrong("withdraw", "approved", "township", Conflict),
    Wrong("county-visit", "opinion", "county", Conflict),
    Wrong("notify", "decision", "township", Conflict),  # before the decision
    Wrong("notify", "notified", "township", Conflict),  # twice
    Wrong("extend", "submitted", "township", Conflict),  # before acceptance
    Wrong("extend", "extended", "township", Conflict),  # twice
    Wrong("extend", "approved", "township", Conflict),  # after the decision
    Wrong("objection-handle", "objection_dismissed", "township", Conflict),  # twice
    Wrong("decide", "medical_submitted", "yibao_window", Conflict),  # before the township accepts
]


# ---- nothing changed --------------------------------------------------------------------------------


def snapshot(app_id: int) -> dict[str, Any]:
    """The application row whole, and every row a step could write. A refused attempt may leave a
    "denied" audit row (that is the point of it), so those are left out."""
    return {
        "application": Application.objects.filter(pk=app_id).values().get(),
        "applications": Application.objects.count(),
        "events": list(ApplicationEvent.objects.filter(application_id=app_id).values_list("id", "action")),
        "audit": list(AuditEvent.objects.exclude(action=AuditAction.DENIED).values_list("id", flat=True)),
        "investigations": list(Investigation.objects.values()),
        "notices": list(PublicNotice.objects.values()),
        "objections": list(Objection.objects.values()),
        "entitlements": list(Entitlement.objects.values()),
        "receipts": Receipt.objects.count(),
    }


def _version(ids: dict[str, int]) -> int:
    return Application.objects.get(pk=ids["app"]).version


def _path(step: Step, ids: dict[str, int]) -> str:
    return step.path.format(**ids)


def _case_id(case: Case, actor: str) -> str:
    return f"{case.step}@{case.stage}-by-{actor}"


ROLE_CASES = [pytest.param(case, actor, id=_case_id(case, actor)) for case in CASES for actor in case.wrong]


# ---- the tests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [pytest.param(c, id=_case_id(c, c.right)) for c in CASES])
def test_right_actor_at_right_status_succeeds_through_the_service(cast, elder, dibao, medical, case):
    # given the application at the step's status
    ids = _build(cast, case.stage)
    before = Application.objects.get(pk=ids["app"])
    # when the right actor takes the step
    STEPS[case.step].call(cast[case.right], ids, before.version, case.day)
    # then it moved: one more version, one more event, by that actor
    after = Application.objects.get(pk=ids["app"])
    assert after.version == before.version + 1
    last = ApplicationEvent.objects.filter(application_id=ids["app"]).latest("id")
    assert last.actor_id == cast[case.right].pk


@pytest.mark.parametrize("case", [pytest.param(c, id=_case_id(c, c.right)) for c in CASES])
def test_right_actor_at_right_status_succeeds_through_the_api(cast, elder, dibao, medical, case, clock):
    ids = _build(cast, case.stage)
    client = Api(cast[case.right])
    version = _version(ids)
    clock.today = case.day
    response = client.post(_path(STEPS[case.step], ids), {**STEPS[case.step].body, "version": version})
    assert response.status_code == 200, response.content.decode()
    assert response.json()["version"] == version + 1


@pytest.mark.parametrize(("case", "actor"), ROLE_CASES)
def test_wrong_role_is_refused_through_the_service_and_nothing_changes(
    cast, elder, dibao, medical, case, actor
):
    # given the application at the right status for the step
    ids = _build(cast, case.stage)
    before = snapshot(ids["app"])
    # when someone who does not act at this step tries it (with the current version)
    with pytest.raises((PermissionDenied, NotFound)) as refused:
        STEPS[case.step].call(cast[actor], ids, before["application"]["version"], case.day)
    # then it is refused in Chinese, and nothing changed
    assert refused.value.message and not refused.value.message.isascii()
    assert snapshot(ids["app"]) == before


@pytest.mark.parametrize(("case", "actor"), ROLE_CASES)
def test_wrong_role_is_refused_through_the_api_and_nothing_changes(
    cast, elder, dibao, medical, case, actor, clock
):
    ids = _build(cast, case.stage)
    client = Api(cast[actor])
    before = snapshot(ids["app"])
    clock.today = case.day
    response = client.post(
        _path(STEPS[case.step], ids), {**STEPS[case.step].body, "version": before["application"]["version"]}
    )
    assert response.status_code in (403, 404), response.content.decode()
    assert response.json()["code"] == {403: "permission_denied", 404: "not_found"}[response.status_code]
    assert snapshot(ids["app"]) == before


def test_another_county_is_told_not_found_not_forbidden(cast, elder, dibao):
    # the refusal of a user outside the area must not reveal that the application exists
    ids = _build(cast, "submitted")
    with pytest.raises(NotFound, match="不存在或不在您的管辖范围内"):
        services.application_accept(user=cast["other_township"], application_id=ids["app"], today=DAY)
    with pytest.raises(PermissionDenied, match="乡镇"):
        services.application_accept(user=cast["village"], application_id=ids["app"], today=DAY)


WRONG_IDS = [f"{w.step}@{w.stage}" for w in WRONG_MOMENTS]


@pytest.mark.parametrize("wrong", WRONG_MOMENTS, ids=WRONG_IDS)
def test_step_at_the_wrong_status_is_refused_through_the_service(cast, elder, dibao, medical, wrong):
    ids = _build(cast, wrong.stage)
    before = snapshot(ids["app"])
    with pytest.raises(wrong.error) as refused:
        STEPS[wrong.step].call(cast[wrong.actor], ids, before["application"]["version"], wrong.day)
    assert not refused.value.message.isascii()
    assert snapshot(ids["app"]) == before


@pytest.mark.parametrize("wrong", WRONG_MOMENTS, ids=WRONG_IDS)
def test_step_at_the_wrong_status_is_refused_through_the_api(cast, elder, dibao, medical, wrong, clock):
    ids = _build(cast, wrong.stage)
    client = Api(cast[wrong.actor])
    before = snapshot(ids["app"])
    clock.today = wrong.day
    response = client.post(
        _path(STEPS[wrong.step], ids), {**STEPS[wrong.step].body, "version": before["application"]["version"]}
    )
    assert response.status_code == wrong.error.status, response.content.decode()
    assert response.json()["code"] == wrong.error.code
    assert snapshot(ids["app"]) == before


def test_conflict_message_names_the_current_status(cast, elder, dibao):
    ids = _build(cast, "accepted")
    with pytest.raises(Conflict) as refused:
        services.application_decide(user=cast["county"], application_id=ids["app"], approve=True, reason="符合",
                                    amount="650", today=LATER)  # fmt: skip
    assert refused.value.message == (
        "该申请当前为「待入户调查」，不能审批。该申请已被他人处理或已变化，请刷新页面查看最新状态"
    )
    assert Application.objects.get(pk=ids["app"]).status == Status.ACCEPTED
