"""The 低保 workflow end to end through the services, and the rules each step keeps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from dajiuzhu.benefits.models import Entitlement
from dajiuzhu.core.errors import Conflict, PermissionDenied, ValidationFailed
from dajiuzhu.intake import services
from dajiuzhu.intake.models import Application, NoticeKind, PublicNotice, Status
from dajiuzhu.intake.tests.conftest import ALL_MATERIALS, DAY, ELDER_ID

pytestmark = pytest.mark.django_db


def _file(user: Any, items: list[str], materials: dict[str, list[str]] | None = None, **kw: Any) -> Any:
    return services.applications_file(
        user=user,
        id_number=ELDER_ID,
        items=items,
        materials=ALL_MATERIALS if materials is None else materials,
        today=DAY,
        **kw,
    )


def _to_decision(app: Application, township: Any, county: Any, *, day: dt.date = DAY) -> Application:
    app = services.application_accept(user=township, application_id=app.pk, today=day)
    app = services.application_investigate(
        user=township,
        application_id=app.pk,
        visited_on=day,
        investigators=["王敏", "李强"],
        present_members="赵老汉",
        findings="独居，无劳动能力，靠亲属接济",
        today=day,
    )
    app = services.application_check(user=county, application_id=app.pk, today=day)
    app = services.application_opinion(
        user=township, application_id=app.pk, approve=True, reason="符合条件", amount="650.00", today=day
    )
    return services.notice_close(user=township, application_id=app.pk, today=day + dt.timedelta(days=8))


def test_full_dibao_chain_village_to_entitlement(worker_a, township_user, county_user, elder, dibao):
    # given the village declares for the elder
    receipt = _file(worker_a, ["dibao"])
    app = receipt.applications.get()
    assert app.status == Status.SUBMITTED and app.waiting_on == "township"
    assert app.step_due == dt.date(2026, 3, 5)  # 3 working days
    assert app.suggestion["label"] == "最低生活保障（低保）" and "amount_fen" in app.suggestion
    # when it goes through every step
    app = services.application_accept(user=township_user, application_id=app.pk, today=DAY)
    assert app.status == Status.ACCEPTED and app.total_due == dt.date(
        2026, 4, 14
    )  # 30 working days; 6 April is 清明
    app = services.application_investigate(
        user=township_user,
        application_id=app.pk,
        visited_on=DAY,
        investigators="王敏、李强",
        present_members="赵老汉",
        findings="独居",
        today=DAY,
    )
    assert app.status == Status.CHECKING and app.waiting_on == "county"
    app = services.application_check(user=county_user, application_id=app.pk, today=DAY)
    assert app.check_result["programme"]["programme"] == "dibao"
    app = services.application_opinion(
        user=township_user,
        application_id=app.pk,
        approve=True,
        reason="符合低保条件",
        amount="650.00",
        today=DAY,
    )
    assert app.status == Status.NOTICE
    notice = PublicNotice.objects.get(application=app, kind=NoticeKind.PUBLICITY)
    # posted Monday 2 March: the day of posting is not counted, the notice runs to the end of Monday 9 March
    assert (notice.starts_on, notice.ends_on, notice.masked_name) == (DAY, DAY + dt.timedelta(days=7), "赵**")
    with pytest.raises(ValidationFailed):
        services.notice_close(user=township_user, application_id=app.pk, today=DAY + dt.timedelta(days=7))
    app = services.notice_close(user=township_user, application_id=app.pk, today=DAY + dt.timedelta(days=8))
    assert app.status == Status.DECISION and app.waiting_on == "county"
    app = services.application_decide(
        user=county_user,
        application_id=app.pk,
        approve=True,
        reason="经审核符合",
        amount="650.00",
        today=dt.date(2026, 3, 16),
    )
    # then the entitlement starts the month after, and the approval is published
    assert app.status == Status.APPROVED and app.waiting_on == "township"
    ent = Entitlement.objects.get(application=app)
    assert (ent.monthly_amount, ent.start_month, ent.next_review_on) == (
        Decimal("650.00"),
        dt.date(2026, 4, 1),
        dt.date(2027, 4, 1),
    )
    assert PublicNotice.objects.filter(
        application=app, kind=NoticeKind.PUBLICATION, amount=Decimal("650.00")
    ).exists()
    app = services.application_notify(
        user=township_user,
        application_id=app.pk,
        delivered_on=dt.date(2026, 3, 17),
        method="本人签收",
        today=dt.date(2026, 3, 17),
    )
    assert app.waiting_on == ""
    assert [e.action for e in app.events.all()] == [
        "file",
        "accept",
        "investigate",
        "check",
        "opinion",
        "notice_close",
        "decide",
        "notify",
    ]


def test_township_window_accepts_at_once_and_lists_missing_materials(township_user, elder, dibao, medical):
    receipt = _file(
        township_user, ["dibao", "medical"], materials={"dibao": ["低保申请书"], "medical": ["医疗费用票据"]}
    )
    apps = {a.item.code: a for a in receipt.applications.all()}
    assert apps["dibao"].status == Status.MATERIALS
    assert receipt.missing == ["最低生活保障：家庭经济状况核对授权书"]
    assert apps["medical"].status == Status.DECISION and apps["medical"].waiting_on == "department"
    app = services.application_supplement(
        user=township_user, application_id=apps["dibao"].pk, materials=["家庭经济状况核对授权书"], today=DAY
    )
    assert app.status == Status.SUBMITTED and app.materials_missing == []


def test_grid_worker_proxy_needs_authorisation(grid_user, elder, dibao):
    with pytest.raises(ValidationFailed) as err:
        _file(grid_user, ["dibao"])
    assert err.value.errors[0].field == "授权委托书"
    assert not Application.objects.exists()
    receipt = _file(grid_user, ["dibao"], proxy_authorisation="委托书 2026-031")
    assert receipt.applications.get().channel == "proxy"


def test_duplicate_open_application_refused(worker_a, elder, dibao):
    _file(worker_a, ["dibao"])
    with pytest.raises(ValidationFailed) as err:
        _file(worker_a, ["dibao"])
    assert "已有在办的「最低生活保障」申请" in err.value.errors[0].message
    assert Application.objects.count() == 1


def test_related_staff_needs_county_visit_before_decision(worker_a, township_user, county_user, elder, dibao):
    app = _file(worker_a, ["dibao"], related_staff="申请人系村委会委员近亲属").applications.get()
    assert app.separate_registration
    app = _to_decision(app, township_user, county_user)
    with pytest.raises(ValidationFailed, match="县级入户核查"):
        services.application_decide(
            user=county_user,
            application_id=app.pk,
            approve=True,
            reason="符合",
            amount="650",
            today=DAY + dt.timedelta(days=8),
        )
    assert Application.objects.get(pk=app.pk).status == Status.DECISION
    services.application_county_visit(
        user=county_user,
        application_id=app.pk,
        visited_on=DAY + dt.timedelta(days=8),
        investigators=["县局甲", "县局乙"],
        present_members="赵老汉",
        findings="属实",
        today=DAY + dt.timedelta(days=8),
    )
    app = services.application_decide(
        user=county_user,
        application_id=app.pk,
        approve=True,
        reason="符合",
        amount="650",
        today=DAY + dt.timedelta(days=8),
    )
    assert app.status == Status.APPROVED


def test_objection_upheld_sends_back_to_investigation(worker_a, township_user, county_user, elder, dibao):
    app = _file(worker_a, ["dibao"]).applications.get()
    app = services.application_accept(user=township_user, application_id=app.pk, today=DAY)
    app = services.application_investigate(
        user=township_user,
        application_id=app.pk,
        visited_on=DAY,
        investigators=["王敏", "李强"],
        present_members="赵老汉",
        findings="独居",
        today=DAY,
    )
    app = services.application_check(user=county_user, application_id=app.pk, today=DAY)
    app = services.application_opinion(
        user=township_user, application_id=app.pk, approve=True, reason="符合", amount="650", today=DAY
    )
    notice = app.notices.get()
    objection = services.objection_lodge(
        notice_id=notice.pk, content="其子在城里有房有车", today=DAY + dt.timedelta(days=2)
    )
    with pytest.raises(ValidationFailed, match="异议"):
        services.notice_close(user=township_user, application_id=app.pk, today=DAY + dt.timedelta(days=8))
    services.objection_handle(
        user=township_user,
        objection_id=objection.pk,
        upheld=True,
        handling="需重新调查赡养人情况",
        today=DAY + dt.timedelta(days=3),
    )
    app.refresh_from_db()
    assert app.status == Status.ACCEPTED and app.county_visit_required
    assert PublicNotice.objects.get(pk=notice.pk).closed


def test_two_reviewers_stale_version_conflict(worker_a, township_user, make_user, elder, dibao):
    other = make_user("township_reviewer", "township", username="t2")
    app = _file(worker_a, ["dibao"]).applications.get()
    services.application_accept(user=township_user, application_id=app.pk, version=app.version, today=DAY)
    with pytest.raises(Conflict):
        services.application_accept(user=other, application_id=app.pk, version=app.version, today=DAY)
    assert Application.objects.get(pk=app.pk).events.filter(action="accept").count() == 1


def test_village_cannot_accept_and_county_cannot_investigate(
    worker_a, township_user, county_user, elder, dibao
):
    app = _file(worker_a, ["dibao"]).applications.get()
    with pytest.raises(PermissionDenied):
        services.application_accept(user=worker_a, application_id=app.pk, today=DAY)
    assert Application.objects.get(pk=app.pk).status == Status.SUBMITTED


def test_department_routing_round_trip(worker_a, township_user, dept_user, elder, medical):
    app = _file(worker_a, ["medical"]).applications.get()
    app = services.application_accept(user=township_user, application_id=app.pk, today=DAY)
    assert app.status == Status.DECISION and app.waiting_on == "department"
    app = services.application_return(
        user=dept_user, application_id=app.pk, reason="缺少住院费用明细", today=DAY
    )
    assert app.status == Status.RETURNED and app.waiting_on == "village"
    app = services.application_resubmit(user=worker_a, application_id=app.pk, note="已补充明细", today=DAY)
    app = services.application_accept(user=township_user, application_id=app.pk, today=DAY)
    app = services.application_decide(
        user=dept_user,
        application_id=app.pk,
        approve=True,
        reason="符合医疗救助",
        amount="1200.50",
        today=DAY,
    )
    assert app.status == Status.APPROVED and not Entitlement.objects.exists()


def test_escalation_marks_overdue_once(worker_a, elder, dibao):
    app = _file(worker_a, ["dibao"]).applications.get()
    assert services.deadlines_escalate(today=dt.date(2026, 3, 6)) == 1
    assert services.deadlines_escalate(today=dt.date(2026, 3, 9)) == 0
    assert Application.objects.get(pk=app.pk).escalated


def test_check_keeps_the_verification_report_or_why_there_is_none(
    worker_a, township_user, county_user, elder, dibao
):
    from dajiuzhu.verification.models import Authorisation, RequestStatus, VerificationRequest

    def to_check(materials: dict[str, list[str]]) -> Application:
        app = _file(worker_a, ["dibao"], materials=materials).applications.get()
        app = services.application_accept(user=township_user, application_id=app.pk, today=DAY)
        return services.application_investigate(
            user=township_user, application_id=app.pk, visited_on=DAY, investigators=["王敏", "李强"],
            present_members="赵老汉", findings="独居", today=DAY,
        )  # fmt: skip

    # given a 低保 file accepted with the signed 家庭经济状况核对授权书: acceptance records the authorisation
    app = services.application_check(user=county_user, application_id=to_check(ALL_MATERIALS).pk, today=DAY)
    auth = Authorisation.objects.get()
    assert (auth.household_id, auth.signed_on, auth.id_numbers) == (elder.pk, DAY, [ELDER_ID])
    # then the county's check makes the verification report and keeps it with the application
    done = VerificationRequest.objects.get(status=RequestStatus.DONE)
    assert app.check_result["verification"] == {
        "request_id": done.pk, "conclusion": done.conclusion,
        "text": f"部门数据核对：{done.get_conclusion_display()}",
    }  # fmt: skip
    services.application_withdraw(user=township_user, application_id=app.pk, reason="测试", today=DAY)

    # given an item whose materials have no authorisation and none on record
    Authorisation.objects.all().delete()
    dibao.materials = [{"name": "低保申请书", "platform": False}]
    dibao.save()
    app = services.application_check(
        user=county_user, application_id=to_check({"dibao": ["低保申请书"]}).pk, today=DAY
    )
    # then the check goes on with the registry data and the refused query is recorded
    assert app.check_result["verification"]["request_id"] is None
    assert app.check_result["verification"]["text"].startswith("未进行部门数据核对")
    assert VerificationRequest.objects.filter(status=RequestStatus.REFUSED).count() == 1
