"""In a real chromium: a 低保 application from the village to a payment-ready entitlement, each step taken
by the level it belongs to on the application page, with a week of public notice in between."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from dajiuzhu.benefits.models import Entitlement
from dajiuzhu.intake.models import Application, NoticeKind, PublicNotice, Status
from dajiuzhu.intake.tests.conftest import ELDER_ID

pytestmark = [pytest.mark.browser]
PASSWORD = "Passw0rd!x"


def _login(page: Any, base: str, user: Any, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}{next_url}")


def _logout(page: Any, base: str) -> None:
    page.click(".userbox form button")
    page.wait_for_load_state()
    page.goto(f"{base}/")
    assert "/accounts/login/" in page.url


def _status(page: Any, label: str) -> None:
    page.locator("#app-status", has_text=label).wait_for()


def test_dibao_from_village_to_entitlement_in_the_browser(
    transactional_db, live_server, browser_page, settings, worker_a, township_user, county_user, elder, dibao,
    screenshot_dir,
):  # fmt: skip
    page, base = browser_page, live_server.url
    settings.DAJIUZHU_TODAY = "2026-03-02"
    # given the village assistant at the one window with the elder's ID number
    _login(page, base, worker_a, "/intake/")
    page.fill("#id_id_number", ELDER_ID)
    page.click("#lookup-btn")
    page.locator("#item-dibao").wait_for()
    assert "3714**********0013" in page.inner_text("#intake-household")
    # the materials list opens when the item is ticked; documents the platform fetches are not asked for
    assert not page.locator("input[name=materials_dibao]").first.is_visible()
    page.check("#item-dibao")
    assert "居民身份证：平台获取，无需提交" in page.inner_text("#intake-household")
    # when she files 低保 with every material the applicant must bring
    for box in page.locator("input[name=materials_dibao]").all():
        box.check()
    page.fill("#id_reason", "独居老人，无劳动能力，无稳定收入")
    page.click("#file-btn")
    page.wait_for_url(f"{base}/intake/receipts/**")
    # then the receipt lists the application and no missing material; the ID number never went into a URL
    app = Application.objects.get()
    assert app.number in page.inner_text("#receipt")
    assert "材料齐全，无需补交" in page.inner_text("#missing-materials")
    assert ELDER_ID not in page.url
    detail = f"/intake/applications/{app.pk}/"
    _logout(page, base)

    # the township reviewer accepts and records the home visit by two investigators
    _login(page, base, township_user, detail)
    page.click("#btn-accept")
    _status(page, "待入户调查")
    page.fill("#investigate-investigator-1", "王敏")
    page.fill("#investigate-investigator-2", "李强")
    page.fill("#investigate-present_members", "赵老汉")
    page.fill("#investigate-findings", "独居，无劳动能力，靠亲属接济；邻居证实无其他收入")
    page.check("input[name=recommendation][value=approve]")
    page.click("#btn-investigate")
    _status(page, "待经济状况核对")
    assert "王敏、李强" in page.inner_text("#investigations")
    _logout(page, base)

    # the county approver runs the economic-status check
    _login(page, base, county_user, detail)
    page.click("#btn-check")
    _status(page, "待乡镇审核")
    assert "最低生活保障" in page.inner_text("#check-result")
    _logout(page, base)

    # the township gives a favourable opinion with an amount: the public notice goes up
    _login(page, base, township_user, detail)
    page.check("#opinion-approve")
    page.fill("#opinion-amount", "650.00")
    page.fill("#opinion-reason", "符合低保条件，建议纳入")
    page.click("#btn-opinion")
    _status(page, "公示中")
    notice = PublicNotice.objects.get(application=app, kind=NoticeKind.PUBLICITY)
    assert (notice.starts_on, notice.ends_on) == (dt.date(2026, 3, 2), dt.date(2026, 3, 9))
    assert page.locator("#btn-close_notice").count() == 1
    # a week later the notice has run out without objection and the township closes it
    settings.DAJIUZHU_TODAY = "2026-03-10"
    page.reload()
    page.click("#btn-close_notice")
    _status(page, "待审批")
    _logout(page, base)

    # the county decides: approved with the amount
    _login(page, base, county_user, detail)
    page.check("#decide-approve")
    page.fill("#decide-amount", "650.00")
    page.fill("#decide-reason", "经入户调查、核对和公示，符合低保条件")
    page.click("#btn-decide")
    _status(page, "已批准")

    # then the application is approved and a payment-ready entitlement starts on the first of next month
    app.refresh_from_db()
    assert app.status == Status.APPROVED and app.decided_amount == Decimal("650.00")
    ent = Entitlement.objects.get(application=app)
    assert (ent.monthly_amount, ent.start_month, ent.status) == (
        Decimal("650.00"),
        dt.date(2026, 4, 1),
        "active",
    )
    assert "650.00" in page.inner_text("#entitlement") and "2026年4月" in page.inner_text("#entitlement")
    assert [e.action for e in app.events.all()] == [
        "file", "accept", "investigate", "check", "opinion", "notice_close", "decide",
    ]  # fmt: skip
    page.screenshot(path=str(screenshot_dir / "screenshot-intake.png"), full_page=True)
