"""An objection has its own lock (the notice row) and never changes the application, so anonymous
objections cannot jam the reviewers' steps; the public form is throttled per client IP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from dajiuzhu.core import clock
from dajiuzhu.core.errors import NotFound, ValidationFailed
from dajiuzhu.intake import services
from dajiuzhu.intake.models import Application, NoticeKind, Objection, ObjectionStatus, PublicNotice, Status
from dajiuzhu.intake.tests.conftest import ELDER_ID
from dajiuzhu.intake.tests.test_public import _to_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def today() -> dt.date:
    return clock.today()


@pytest.fixture
def up(worker_a, township_user, county_user, elder, dibao, today) -> Application:
    return _to_notice(ELDER_ID, worker_a, township_user, county_user, on=today, amount="650.00")


def _url(notice: PublicNotice) -> str:
    return f"/notices/371424100201/{notice.pk}/objection/"


def test_objection_between_loading_and_submitting_a_step_does_not_make_it_fail(township_user, up, today):
    # given an objection on the notice, and the township reviewer loads the file (its version) to handle it
    notice = PublicNotice.objects.get(application=up, kind=NoticeKind.PUBLICITY)
    first = services.objection_lodge(notice_id=notice.pk, content="他家有车", today=today)
    loaded = Application.objects.get(pk=up.pk).version

    # when an anonymous visitor lodges another objection before the reviewer submits
    second = services.objection_lodge(notice_id=notice.pk, content="他家儿子有商铺", today=today)

    # then the application's version is untouched and the reviewer's step, sent with the loaded version, succeeds
    assert Application.objects.get(pk=up.pk).version == loaded
    services.objection_handle(
        user=township_user, objection_id=first.pk, upheld=False, handling="经核实车辆已转让", version=loaded,
        today=today,
    )  # fmt: skip
    assert Objection.objects.get(pk=first.pk).status == ObjectionStatus.DISMISSED
    # and the later objection still blocks closing the notice, with its own message (not a conflict)
    after = notice.ends_on + dt.timedelta(days=1)
    version = Application.objects.get(pk=up.pk).version
    with pytest.raises(ValidationFailed) as err:
        services.notice_close(user=township_user, application_id=up.pk, version=version, today=after)
    assert err.value.errors[0].field == "公示异议"
    assert Objection.objects.get(pk=second.pk).status == ObjectionStatus.OPEN
    assert Application.objects.get(pk=up.pk).status == Status.NOTICE


def test_objection_after_the_notice_is_closed_is_refused(township_user, up):
    # given the notice has come down and been closed
    notice = PublicNotice.objects.get(application=up, kind=NoticeKind.PUBLICITY)
    after = notice.ends_on + dt.timedelta(days=1)
    services.notice_close(user=township_user, application_id=up.pk, today=after)
    # when
    with pytest.raises(NotFound) as err:
        services.objection_lodge(notice_id=notice.pk, content="迟到的异议", today=notice.ends_on)
    # then
    assert err.value.message == "该公示不存在或已结束"
    assert not Objection.objects.exists()


def test_public_objection_form_is_throttled_per_ip_with_a_chinese_429(up, settings):
    # given a low rate
    settings.DAJIUZHU_PUBLIC_FORM_RATE = "2/h"
    notice = PublicNotice.objects.get(application=up, kind=NoticeKind.PUBLICITY)
    script = Client(REMOTE_ADDR="203.0.113.5")
    # when one address posts more than the rate (an invalid post counts too)
    assert script.post(_url(notice), {"content": ""}).status_code == 400
    assert script.post(_url(notice), {"content": "一"}).status_code == 302
    refused = script.post(_url(notice), {"content": "二"})
    # then the third is refused with a Chinese message and saves nothing
    assert refused.status_code == 429
    assert "提交过于频繁，请稍后再试" in refused.content.decode()
    assert list(Objection.objects.values_list("content", flat=True)) == ["一"]
    # and a visitor from another address is not affected
    villager = Client(REMOTE_ADDR="198.51.100.8")
    assert villager.post(_url(notice), {"content": "三"}).status_code == 302
    assert Objection.objects.count() == 2
