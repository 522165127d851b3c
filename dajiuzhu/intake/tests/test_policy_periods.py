"""The workflow's periods and cycles as the law and the dated parameters give them: 公示 "7天" counted
from the day after posting and moved off holidays (C2; 民法典 arts. 201, 203), the 低保 total limit, the
review cycles and the re-check after a death read from the parameter tree at the date and county."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.core.workdays import add_working_days
from dajiuzhu.intake import dynamic, services
from dajiuzhu.intake.models import Application, Kind, NoticeKind, PublicNotice, Status
from dajiuzhu.intake.tests.conftest import ALL_MATERIALS, DAY, ELDER_ID
from dajiuzhu.intake.tests.test_dynamic import _granted, _mark_deceased
from dajiuzhu.parameters.models import ParameterChange
from dajiuzhu.registry.models import Person
from dajiuzhu.registry.services import person_add

pytestmark = pytest.mark.django_db


def _county_sets(user: Any, name: str, value: str, start: dt.date = dt.date(2026, 1, 1)) -> None:
    """临邑县 (371424) sets its own value, as the 政策参数 page would store it."""
    ParameterChange.objects.create(
        name=name,
        jurisdiction="371424",
        start=start,
        value=value,
        reference="临邑县测试通知",
        created_by=user,
    )


def _to_notice(worker: Any, township: Any, county: Any, day: dt.date) -> Application:
    app = services.applications_file(
        user=worker, id_number=ELDER_ID, items=["dibao"], materials=ALL_MATERIALS, today=day
    ).applications.get()
    services.application_accept(user=township, application_id=app.pk, today=day)
    services.application_investigate(user=township, application_id=app.pk, visited_on=day,
                                     investigators=["王敏", "李强"], present_members="赵老汉", findings="独居",
                                     today=day)  # fmt: skip
    services.application_check(user=county, application_id=app.pk, today=day)
    app = services.application_opinion(user=township, application_id=app.pk, approve=True, reason="符合",
                                       amount="650", today=day)  # fmt: skip
    assert app.status == Status.NOTICE
    return app


def _notice(app: Application) -> PublicNotice:
    return PublicNotice.objects.get(application=app, kind=NoticeKind.PUBLICITY)


def test_a_notice_posted_on_2026_09_28_before_national_day_ends_on_the_next_working_day(
    worker_a, township_user, county_user, elder, dibao
):
    # given a favourable opinion on Monday 28 September 2026
    posted = dt.date(2026, 9, 28)
    app = _to_notice(worker_a, township_user, county_user, posted)
    # then day 7 (5 October) is in the National Day holiday: the notice stays up to the end of 8 October
    notice = _notice(app)
    assert (notice.starts_on, notice.ends_on) == (posted, dt.date(2026, 10, 8))
    # and an objection can still be lodged on the 8th, while closing the notice is refused that day
    services.objection_lodge(notice_id=notice.pk, content="情况不实", today=dt.date(2026, 10, 8))
    with pytest.raises(ValidationFailed) as err:
        services.notice_close(user=township_user, application_id=app.pk, today=dt.date(2026, 10, 9))
    assert [(e.field, e.message) for e in err.value.errors] == [("公示异议", "还有未处理的异议，请先处理")]


def test_a_notice_posted_on_a_monday_ends_at_the_end_of_the_next_monday(
    worker_a, township_user, county_user, elder, dibao
):
    # given a favourable opinion on Monday 2 March 2026
    app = _to_notice(worker_a, township_user, county_user, DAY)
    # then the day of posting is not counted: the notice runs to the end of Monday 9 March
    assert _notice(app).ends_on == dt.date(2026, 3, 9)
    with pytest.raises(ValidationFailed) as err:
        services.notice_close(user=township_user, application_id=app.pk, today=dt.date(2026, 3, 9))
    assert [(e.field, e.message) for e in err.value.errors] == [
        ("公示期", "公示期至2026年03月09日，期满后才能结束公示")
    ]
    # and on Tuesday it can be closed, the file going to the county
    app = services.notice_close(user=township_user, application_id=app.pk, today=dt.date(2026, 3, 10))
    assert app.status == Status.DECISION


def test_a_county_that_sets_publicity_days_to_ten_posts_ten_day_notices(
    worker_a, township_user, county_user, elder, dibao
):
    # given 临邑县 sets publicity.days = 10 from 1 January 2026
    _county_sets(county_user, "publicity.days", "10")
    # when a notice goes up on Monday 2 March
    app = _to_notice(worker_a, township_user, county_user, DAY)
    # then it runs to the end of Thursday 12 March
    assert _notice(app).ends_on == dt.date(2026, 3, 12)


def test_a_catalogue_item_with_its_own_notice_days_keeps_them_and_moves_off_the_weekend(
    worker_a, township_user, county_user, elder, dibao
):
    # given the county wrote 5 days for the item itself
    services.item_change_create(user=county_user, item_id=dibao.pk, data={"notice_days": "5"}, version=0,
                                start=DAY, today=DAY)  # fmt: skip
    # when a notice goes up on Monday 2 March: day 5 is Saturday 7 March
    app = _to_notice(worker_a, township_user, county_user, DAY)
    # then it ends on Monday 9 March
    assert _notice(app).ends_on == dt.date(2026, 3, 9)


def test_an_empty_notice_days_in_the_catalogue_means_the_parameter(county_user, dibao):
    from dajiuzhu.intake.catalogue import effective_item

    def change(value: str, version: int) -> None:
        services.item_change_create(user=county_user, item_id=dibao.pk, data={"notice_days": value},
                                    version=version, start=DAY, today=DAY)  # fmt: skip

    change("5", 0)
    assert effective_item(dibao, "371424", DAY).notice_days == 5
    change("", 1)
    assert effective_item(dibao, "371424", DAY).notice_days is None
    with pytest.raises(ValidationFailed) as err:
        change("七", 2)
    assert [(e.field, e.message) for e in err.value.errors] == [("公示天数", "应为整数")]


def test_the_dibao_total_limit_follows_deadline_dibao_total_working_days(
    worker_a, township_user, county_user, elder, dibao
):
    # given 临邑县 shortens the 低保 total limit to 20 working days (R1.17: only shorter)
    _county_sets(county_user, "deadline.dibao_total_working_days", "20")
    app = services.applications_file(
        user=worker_a, id_number=ELDER_ID, items=["dibao"], materials=ALL_MATERIALS, today=DAY
    ).applications.get()
    # when the township accepts it on 2 March
    app = services.application_accept(user=township_user, application_id=app.pk, today=DAY)
    # then the file is due 20 working days later
    assert app.total_due == add_working_days(DAY, 20) == dt.date(2026, 3, 30)


def _at_decision(worker: Any, township: Any, county: Any) -> Application:
    app = _to_notice(worker, township, county, DAY)
    return services.notice_close(user=township, application_id=app.pk, today=dt.date(2026, 3, 10))


def test_a_decision_without_a_review_cycle_takes_the_stable_cycle_in_force(
    worker_a, township_user, county_user, elder, dibao
):
    app = _at_decision(worker_a, township_user, county_user)
    services.application_decide(user=county_user, application_id=app.pk, approve=True, reason="符合",
                                amount="650", today=dt.date(2026, 3, 11))  # fmt: skip
    app.refresh_from_db()
    assert app.entitlement_id is None  # the new entitlement hangs on the application the other way round
    [entitlement] = app.household.entitlements.all()
    assert (entitlement.review_months, entitlement.next_review_on) == (12, dt.date(2027, 4, 1))


def test_a_county_with_a_quarterly_unstable_cycle_accepts_3_and_refuses_6_naming_the_field(
    worker_a, township_user, county_user, elder, dibao
):
    # given 临邑县 reviews unstable households every 3 months
    _county_sets(county_user, "dibao.review_months.unstable", "3")
    app = _at_decision(worker_a, township_user, county_user)
    # when the county decides with a 6-month cycle, it is refused and nothing changes
    with pytest.raises(ValidationFailed) as err:
        services.application_decide(user=county_user, application_id=app.pk, approve=True, reason="符合",
                                    amount="650", review_months=6, today=dt.date(2026, 3, 11))  # fmt: skip
    assert [(e.field, e.message) for e in err.value.errors] == [("复核周期", "应为 1、3 或 12 个月")]
    assert Application.objects.get(pk=app.pk).status == Status.DECISION
    # and with 3 months it is accepted
    services.application_decide(user=county_user, application_id=app.pk, approve=True, reason="符合",
                                amount="650", review_months=3, today=dt.date(2026, 3, 11))  # fmt: skip
    assert app.household.entitlements.get().review_months == 3


def test_a_death_recheck_is_due_within_the_months_the_county_sets(worker_a, county_user, elder, dibao):
    # given 临邑县 wants deaths re-checked within 2 months, and a spouse of a 低保 household dies
    _county_sets(county_user, "dibao.recheck_months_after_death", "2")
    spouse = person_add(actor=worker_a, household_id=elder.pk, data={
        "id_number": "371424195803040023", "name": "钱大娘", "relation": "spouse", "labour_capacity": "none",
    })  # fmt: skip
    _granted(dibao, elder, next_review_on=dt.date(2026, 12, 1))
    _mark_deceased(Person.objects.get(pk=spouse.pk))
    # when the daily job runs on 2 March
    assert dynamic.deaths_recheck(today=DAY) == 1
    # then the recheck is due on 2 May
    recheck = Application.objects.get(kind=Kind.RECHECK)
    assert recheck.total_due == dt.date(2026, 5, 2)
    assert "2026年05月02日" in recheck.reason


def test_the_entitlement_page_states_the_notice_period_in_force_for_the_county(
    client, township_user, county_user, elder, dibao
):
    ent = _granted(dibao, elder)
    client.force_login(township_user)
    assert "特困停发须公示7天" in client.get(f"/intake/dynamic/entitlements/{ent.pk}/").content.decode()
    _county_sets(county_user, "publicity.days", "10")
    assert "特困停发须公示10天" in client.get(f"/intake/dynamic/entitlements/{ent.pk}/").content.decode()


def test_a_missing_publicity_parameter_is_refused_naming_the_parameter(
    worker_a, township_user, county_user, elder, dibao, monkeypatch
):
    # given a tree in which publicity.days has no value for the date (e.g. a county file started later)
    from dajiuzhu.parameters import selectors as parameter_selectors
    from dajiuzhu.rules.parameters import ParameterTree

    tree = parameter_selectors.parameter_tree()
    broken = ParameterTree()
    broken.parameters = {name: param for name, param in tree.parameters.items() if name != "publicity.days"}
    app = services.applications_file(
        user=worker_a, id_number=ELDER_ID, items=["dibao"], materials=ALL_MATERIALS, today=DAY
    ).applications.get()
    services.application_accept(user=township_user, application_id=app.pk, today=DAY)
    services.application_investigate(user=township_user, application_id=app.pk, visited_on=DAY,
                                     investigators=["王敏", "李强"], present_members="赵老汉", findings="独居",
                                     today=DAY)  # fmt: skip
    services.application_check(user=county_user, application_id=app.pk, today=DAY)
    monkeypatch.setattr(parameter_selectors, "parameter_tree", lambda: broken)
    # when the township gives a favourable opinion, it is refused and nothing is posted
    with pytest.raises(ValidationFailed) as err:
        services.application_opinion(user=township_user, application_id=app.pk, approve=True, reason="符合",
                                     amount="650", today=DAY)  # fmt: skip
    assert [(e.field, e.message) for e in err.value.errors] == [("政策参数", "未定义参数 publicity.days")]
    assert not PublicNotice.objects.exists()
    assert Application.objects.get(pk=app.pk).status == Status.OPINION


def test_the_decision_form_offers_the_review_cycles_in_force_for_the_county(
    client, worker_a, township_user, county_user, elder, dibao, settings
):
    from django.urls import reverse

    settings.DAJIUZHU_TODAY = "2026-03-11"
    _county_sets(county_user, "dibao.review_months.unstable", "3")
    app = _at_decision(worker_a, township_user, county_user)
    client.force_login(county_user)
    html = client.get(reverse("intake:application", args=[app.pk])).content.decode()
    assert '<option value="12" selected>12个月（收入稳定）</option>' in html
    assert '<option value="3">3个月（收入不稳定或有劳动能力）</option>' in html


def test_a_tekun_file_is_reviewed_once_a_year_and_refuses_the_dibao_cycles(
    worker_a, township_user, county_user, elder, dibao
):
    # given the item decides 特困 (R2.11: 特困 persons are reviewed annually, tekun.review_months)
    dibao.programme = "tekun"
    dibao.save(update_fields=["programme"])
    app = _at_decision(worker_a, township_user, county_user)
    # when the county picks the 低保 unstable cycle of 6 months, it is refused naming the field
    with pytest.raises(ValidationFailed) as err:
        services.application_decide(user=county_user, application_id=app.pk, approve=True, reason="符合",
                                    amount="1014", review_months=6, today=dt.date(2026, 3, 11))  # fmt: skip
    assert [(e.field, e.message) for e in err.value.errors] == [("复核周期", "应为 12 个月")]
    # and without a cycle the annual one is taken
    services.application_decide(user=county_user, application_id=app.pk, approve=True, reason="符合",
                                amount="1014", today=dt.date(2026, 3, 11))  # fmt: skip
    [entitlement] = Application.objects.get(pk=app.pk).household.entitlements.all()
    assert (entitlement.review_months, entitlement.next_review_on) == (12, dt.date(2027, 4, 1))


def test_a_county_may_set_its_own_tekun_review_cycle(worker_a, township_user, county_user, elder, dibao):
    dibao.programme = "tekun"
    dibao.save(update_fields=["programme"])
    _county_sets(county_user, "tekun.review_months", "6")
    app = _at_decision(worker_a, township_user, county_user)
    services.application_decide(user=county_user, application_id=app.pk, approve=True, reason="符合",
                                amount="1014", today=dt.date(2026, 3, 11))  # fmt: skip
    [entitlement] = Application.objects.get(pk=app.pk).household.entitlements.all()
    assert entitlement.review_months == 6
