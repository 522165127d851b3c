"""Dynamic management: scheduled reviews, rechecks after a death, and changes decided through the same
workflow (R1.14, R1.15, R2.10, R2.11); the 动态管理 pages; the daily jobs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from dajiuzhu.benefits.models import Entitlement, EntitlementStatus
from dajiuzhu.benefits.services import entitlement_start
from dajiuzhu.core import clock
from dajiuzhu.core.errors import NotFound, PermissionDenied, ValidationFailed
from dajiuzhu.intake import dynamic, services
from dajiuzhu.intake.models import (
    Application,
    AssistanceItem,
    Kind,
    NoticeKind,
    PublicNotice,
    Status,
)
from dajiuzhu.intake.tests.conftest import DAY
from dajiuzhu.registry.models import Person
from dajiuzhu.registry.services import person_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def tekun(departments: dict[str, Any]) -> AssistanceItem:
    # As policy/catalogue.yaml has it, without the 30 % random county check (it would make the test random).
    return AssistanceItem.objects.create(
        code="tekun", name="特困人员救助供养", department=departments["minzheng"], programme="tekun",
        accept_level="township", decide_level="county", public_notice=True, publish_after=True, notice_days=7,
        investigation_days=15, opinion_days=0, decision_days=15, total_days=35, sampling_percent=0,
    )  # fmt: skip


@pytest.fixture
def township2_user(make_user: Any) -> Any:
    return make_user("township_reviewer", "township2")


def _granted(
    item: AssistanceItem, household: Any, *, amount: str = "650.00", next_review_on: dt.date | None = dt.date(2026, 4, 1),
    review_months: int = 12, status: str = EntitlementStatus.ACTIVE,
) -> Entitlement:  # fmt: skip
    """An entitlement as a decision of April 2025 left it (factory: the approval itself is tested elsewhere)."""
    app = Application.objects.create(
        number=f"SQ-T-{Application.objects.count() + 1}", kind=Kind.NEW, item=item, household=household,
        applicant=household.head, area=household.area, department=item.department, status=Status.APPROVED,
        decision="approve", decided_amount=Decimal(amount),
    )  # fmt: skip
    ent = entitlement_start(
        application=app,
        amount=Decimal(amount),
        start_month=dt.date(2025, 4, 1),
        review_months=review_months,
        decided_by=None,
    )
    Entitlement.objects.filter(pk=ent.pk).update(next_review_on=next_review_on, status=status)
    ent.refresh_from_db()
    return ent


def _to_opinion(app: Application, township: Any, county: Any, *, day: dt.date = DAY) -> Application:
    app = services.application_investigate(
        user=township, application_id=app.pk, visited_on=day, investigators=["王敏", "李强"],
        present_members="赵老汉", findings="复核入户", today=day,
    )  # fmt: skip
    app = services.application_check(user=county, application_id=app.pk, today=day)
    assert app.status == Status.OPINION and app.waiting_on == "township"
    return app


def _mark_deceased(person: Person) -> None:
    # A worker records the death on the person's page (registry service, audited).
    from dajiuzhu.accounts.models import User
    from dajiuzhu.registry.services import person_update

    worker = User.objects.filter(role="village_assistant").first() or User.objects.create(
        username="death_recorder", role="township_reviewer", area_id=person.household.area.township_code
    )
    person_update(actor=worker, person_id=person.pk, data={"is_deceased": "是"}, version=None)


# ---- scheduling ------------------------------------------------------------------------------------------


def test_schedule_creates_reviews_once(elder, household_b, dibao):
    # given one entitlement due on 1 April (within 30 days of 2 March), one due in June, one stopped
    due = _granted(dibao, elder)
    later = _granted(dibao, household_b, next_review_on=dt.date(2026, 6, 1))
    stopped = Entitlement.objects.get(pk=_granted(dibao, elder, next_review_on=dt.date(2026, 3, 1)).pk)
    Entitlement.objects.filter(pk=stopped.pk).update(status=EntitlementStatus.STOPPED)

    # when the schedule runs twice
    first = dynamic.reviews_schedule(today=DAY)
    second = dynamic.reviews_schedule(today=DAY)

    # then one review was opened, for the due entitlement, at the township's investigation
    assert (first, second) == (1, 0)
    review = Application.objects.get(kind=Kind.REVIEW)
    assert review.entitlement_id == due.pk
    assert (review.household_id, review.applicant_id, review.area_id) == (
        elder.pk,
        elder.head_id,
        elder.area_id,
    )
    assert (review.status, review.waiting_on, review.accepted_on) == (Status.ACCEPTED, "township", DAY)
    assert review.step_due == dt.date(2026, 3, 16)  # 10 working days of investigation
    assert review.total_due == dt.date(2026, 4, 14)  # 30 working days, later than the review date
    assert review.number.startswith("FH20260302")
    assert [e.action for e in review.events.all()] == ["review_schedule"]
    assert not Application.objects.filter(entitlement=later).exists()


def test_death_creates_recheck_due_in_three_months_once(worker_a, elder, dibao):
    # given a two-person household on 低保 whose second member has just been recorded as deceased
    spouse = person_add(actor=worker_a, household_id=elder.pk, data={
        "id_number": "371424195803040023", "name": "钱大娘", "relation": "spouse", "labour_capacity": "none",
    })  # fmt: skip
    ent = _granted(dibao, elder, next_review_on=dt.date(2026, 12, 1))
    assert dynamic.deaths_recheck(today=DAY) == 0
    _mark_deceased(Person.objects.get(pk=spouse.pk))

    # when the daily job runs twice
    first = dynamic.deaths_recheck(today=DAY)
    second = dynamic.deaths_recheck(today=DAY + dt.timedelta(days=1))

    # then one recheck is open, due within 3 months
    assert (first, second) == (1, 0)
    recheck = Application.objects.get(kind=Kind.RECHECK)
    assert (recheck.entitlement_id, recheck.status, recheck.waiting_on) == (
        ent.pk,
        Status.ACCEPTED,
        "township",
    )
    assert recheck.total_due == dt.date(2026, 6, 2)
    assert "钱大娘" in recheck.reason
    assert recheck.events.get().data == {"deceased": [spouse.pk]}


def test_death_known_before_the_grant_opens_no_recheck(worker_a, elder, dibao):
    spouse = person_add(actor=worker_a, household_id=elder.pk, data={
        "id_number": "371424195803040023", "name": "钱大娘", "relation": "spouse",
    })  # fmt: skip
    _mark_deceased(Person.objects.get(pk=spouse.pk))
    _granted(dibao, elder)
    assert dynamic.deaths_recheck(today=DAY) == 0
    assert not Application.objects.filter(kind=Kind.RECHECK).exists()


# ---- decisions through the workflow ---------------------------------------------------------------------


def test_review_decided_reduce_changes_amount_from_next_month(township_user, county_user, elder, dibao):
    # given a scheduled review at the township's opinion
    ent = _granted(dibao, elder)
    dynamic.reviews_schedule(today=DAY)
    app = _to_opinion(Application.objects.get(kind=Kind.REVIEW), township_user, county_user)

    # when the township proposes to reduce and the county confirms on 20 March
    app = dynamic.review_opinion(
        user=township_user, application_id=app.pk, action="reduce", amount="500", reason="子女务工收入增加",
        version=app.version, today=DAY,
    )  # fmt: skip
    assert (app.status, app.waiting_on, app.change_action, app.proposed_amount) == (
        Status.DECISION, "county", "reduce", Decimal("500.00"),
    )  # fmt: skip
    assert not PublicNotice.objects.filter(application=app, kind=NoticeKind.PUBLICITY).exists()
    services.application_decide(
        user=county_user, application_id=app.pk, approve=True, reason="家庭收入增加，减发至500元",
        amount=app.proposed_amount, review_months=12, today=dt.date(2026, 3, 20),
    )  # fmt: skip

    # then the entitlement pays 500 from April and the next review is a year after
    ent.refresh_from_db()
    assert (ent.status, ent.monthly_amount, ent.next_review_on) == (
        EntitlementStatus.ACTIVE, Decimal("500.00"), dt.date(2027, 4, 1),
    )  # fmt: skip
    assert [e.action for e in app.events.all()] == [
        "review_schedule",
        "investigate",
        "check",
        "review_opinion",
        "decide",
    ]


def test_tekun_stop_goes_through_seven_day_notice_then_stops(township_user, county_user, elder, tekun):
    # given a 特困 entitlement and the township's proposal to stop it
    ent = _granted(tekun, elder, amount="900.00")
    app = dynamic.change_propose(
        user=township_user, entitlement_id=ent.pk, action="stop", reason="本人由子女接回赡养，子女具备赡养能力",
        today=DAY,
    )  # fmt: skip
    assert (app.kind, app.status, app.change_action) == (Kind.CHANGE, Status.ACCEPTED, "stop")
    app = _to_opinion(app, township_user, county_user)

    # when the township confirms the stop
    app = dynamic.review_opinion(
        user=township_user, application_id=app.pk, action="stop", reason="法定赡养人具备赡养能力", today=DAY
    )

    # then it is publicised for 7 days without an amount, and cannot be closed before the end
    assert app.status == Status.NOTICE
    notice = PublicNotice.objects.get(application=app, kind=NoticeKind.PUBLICITY)
    assert (notice.starts_on, notice.ends_on, notice.amount, notice.masked_name) == (
        DAY, dt.date(2026, 3, 9), None, "赵**",
    )  # fmt: skip
    assert notice.text == "拟终止特困人员救助供养，自公示期满后次月起停发"
    with pytest.raises(ValidationFailed):
        services.notice_close(user=township_user, application_id=app.pk, today=dt.date(2026, 3, 9))
    app = services.notice_close(user=township_user, application_id=app.pk, today=dt.date(2026, 3, 10))
    services.application_decide(
        user=county_user, application_id=app.pk, approve=True, reason="法定赡养人具备赡养能力，终止供养",
        amount=app.proposed_amount, today=dt.date(2026, 3, 11),
    )  # fmt: skip
    ent.refresh_from_db()
    assert (ent.status, ent.end_month, ent.stop_reason, ent.next_review_on) == (
        EntitlementStatus.STOPPED, dt.date(2026, 4, 1), "法定赡养人具备赡养能力，终止供养", None,
    )  # fmt: skip
    assert ent.monthly_amount == Decimal("900.00")


def test_taper_sets_tapering_with_end_month(township_user, county_user, elder, dibao):
    # given the township proposes 渐退 after the son found work
    ent = _granted(dibao, elder)
    app = dynamic.change_propose(
        user=township_user, entitlement_id=ent.pk, action="taper", reason="儿子就业后人均收入超过低保标准",
        today=DAY,
    )  # fmt: skip
    assert app.events.get().data["taper_months_max"] == 6
    app = _to_opinion(app, township_user, county_user)
    app = dynamic.review_opinion(
        user=township_user, application_id=app.pk, action="taper", reason="就业渐退", today=DAY
    )
    assert (app.status, app.proposed_amount) == (Status.DECISION, Decimal("650.00"))

    # when the county confirms a 6-month taper
    services.application_decide(
        user=county_user, application_id=app.pk, approve=True, reason="就业渐退6个月",
        amount=app.proposed_amount, review_months=6, today=dt.date(2026, 3, 10),
    )  # fmt: skip

    # then the amount is kept until the end month
    ent.refresh_from_db()
    assert (ent.status, ent.monthly_amount, ent.end_month) == (
        EntitlementStatus.TAPERING, Decimal("650.00"), dt.date(2026, 10, 1),
    )  # fmt: skip


def test_village_assistant_cannot_propose_a_change(worker_a, elder, dibao):
    ent = _granted(dibao, elder)
    with pytest.raises(PermissionDenied):
        dynamic.change_propose(
            user=worker_a, entitlement_id=ent.pk, action="stop", reason="已外出", today=DAY
        )
    assert not Application.objects.filter(kind=Kind.CHANGE).exists()
    ent.refresh_from_db()
    assert (ent.status, ent.version, ent.monthly_amount) == (EntitlementStatus.ACTIVE, 1, Decimal("650.00"))


def test_out_of_area_entitlement_is_not_found(township2_user, elder, dibao, client):
    ent = _granted(dibao, elder)
    with pytest.raises(NotFound):
        dynamic.change_propose(
            user=township2_user, entitlement_id=ent.pk, action="stop", reason="x", today=DAY
        )
    with pytest.raises(NotFound):
        dynamic.entitlement_get_for_user(user=township2_user, entitlement_id=ent.pk)
    assert list(dynamic.entitlements_for_user(user=township2_user)) == []
    client.force_login(township2_user)
    assert client.get(f"/intake/dynamic/entitlements/{ent.pk}/").status_code == 404
    assert not Application.objects.filter(kind=Kind.CHANGE).exists()


def test_change_needs_reason_and_a_higher_amount_to_increase(township_user, elder, dibao):
    ent = _granted(dibao, elder)
    with pytest.raises(ValidationFailed) as err:
        dynamic.change_propose(
            user=township_user, entitlement_id=ent.pk, action="reduce", amount="400", reason=" "
        )
    assert err.value.errors[0].field == "减发理由"
    with pytest.raises(ValidationFailed) as err:
        dynamic.change_propose(
            user=township_user, entitlement_id=ent.pk, action="increase", amount="600", reason="x"
        )
    assert err.value.errors[0].message == "增发后的金额应高于现发放金额650.00元"
    assert not Application.objects.filter(kind=Kind.CHANGE).exists()


# ---- pages -------------------------------------------------------------------------------------------------


def test_pages_list_propose_and_give_opinion(client, township_user, county_user, elder, dibao):
    # given an entitlement due for review in the township's area
    ent = _granted(dibao, elder)
    client.force_login(township_user)

    # the list shows it under 到期复核 and in the filtered table
    page = client.get("/intake/dynamic/?item=dibao&due=1")
    assert page.status_code == 200
    html = page.content.decode()
    assert "到期复核" in html and "赵老汉" in html and "2026-04-01" in html

    # a change without reasons is refused with the field named, nothing created
    response = client.post(f"/intake/dynamic/entitlements/{ent.pk}/", {"action": "increase", "amount": "700"})
    assert response.status_code == 400 and "调整理由：不能为空" in response.content.decode()
    assert not Application.objects.filter(kind=Kind.CHANGE).exists()

    # a proper one opens a CHANGE and shows in the history
    response = client.post(
        f"/intake/dynamic/entitlements/{ent.pk}/",
        {"action": "increase", "amount": "700", "reason": "新增重病成员"},
    )
    assert response.status_code == 302
    app = Application.objects.get(kind=Kind.CHANGE)
    assert (app.change_action, app.proposed_amount) == ("increase", Decimal("700.00"))
    assert app.number in client.get(f"/intake/dynamic/entitlements/{ent.pk}/").content.decode()

    # the opinion form works at OPINION
    app = _to_opinion(app, township_user, county_user, day=clock.today())
    form = client.get(f"/intake/dynamic/applications/{app.pk}/opinion/").content.decode()
    assert "提交复核意见" in form and f'value="{app.version}"' in form
    response = client.post(
        f"/intake/dynamic/applications/{app.pk}/opinion/",
        {"action": "increase", "amount": "720", "reason": "核实后增发", "version": app.version},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert (app.status, app.proposed_amount) == (Status.DECISION, Decimal("720.00"))


# ---- the daily jobs ----------------------------------------------------------------------------------------


def test_daily_command_and_task_run_the_jobs(settings, elder, dibao):
    _granted(dibao, elder)
    out = StringIO()
    call_command("intake_daily", "--date", "2026-03-02", stdout=out)
    assert out.getvalue().strip() == (
        "2026-03-02 每日任务完成：逾期督办 0 件，新生成定期复核 1 件，死亡变化复核 0 件"
    )
    from dajiuzhu.intake.tasks import intake_daily_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    result = intake_daily_task.enqueue("2026-03-20")
    # The review opened on 2 March is now past its 16 March investigation deadline.
    assert result.return_value == {"escalated": 1, "reviews": 0, "rechecks": 0}
