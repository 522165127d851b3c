"""In a real chromium: the 12349 desk finds a caller by phone and orders a visit, the office assigns it, the
carer checks in and out on a phone (located once at each end), the short visit goes to the supervisor who
approves it, and the month's settlement is prepared and approved by a second person."""

from __future__ import annotations

import pytest

from dajiuzhu.core import clock
from dajiuzhu.eldercare.models import CareOrder, OrderStatus, ProviderStatement, Visit

pytestmark = [pytest.mark.browser]
PASSWORD = "Passw0rd!x"


def login(page, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}{next_url}")


def test_desk_order_carer_visit_supervisor_and_settlement(
    transactional_db,
    live_server,
    browser_page,
    settings,
    county_user,
    elder,
    provider,
    carer,
    make_user,
    screenshot_dir,
):
    settings.DAJIUZHU_TODAY = None  # the live server's "today" is the real one, like the phone's clock
    page = browser_page
    base = live_server.url
    # the desk finds the caller by the phone number on record and orders 30 minutes of 助洁
    login(page, base, county_user.username, "/eldercare/desk/")
    page.fill("input[name=q]", elder.phone)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/eldercare/desk/{elder.pk}/")
    assert "剩余" in page.inner_text("main")
    page.select_option("#o-kind", "cleaning")
    page.check("input[name=items][value=laundry]")
    page.fill("#o-min", "30")
    page.select_option("#o-prov", str(provider.pk))
    page.click("form.elder-form button[type=submit]")
    page.wait_for_url(f"{base}/eldercare/desk/{elder.pk}/")
    order = CareOrder.objects.get()
    # the office assigns it to the carer
    page.goto(f"{base}/eldercare/orders/")
    page.click(f"form[action='/eldercare/orders/{order.pk}/assign/'] button[type=submit]")
    page.wait_for_load_state()
    order.refresh_from_db()
    assert order.status == OrderStatus.ASSIGNED and order.carer_id == carer.pk

    # the carer, on a phone that gives its position when asked, checks in and (too soon) out
    phone_context = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", geolocation={"latitude": 37.19, "longitude": 116.86},
        permissions=["geolocation"],
    )  # fmt: skip
    phone = phone_context.new_page()
    login(phone, base, carer.user.username, "/eldercare/carer/")
    assert elder.name in phone.inner_text("main")
    with phone.expect_navigation():  # the page asks for the position, then posts the form
        phone.click("text=到达签到", no_wait_after=True)
    visit = Visit.objects.get(order=order)
    assert (float(visit.check_in_lat), float(visit.check_in_lng)) == (37.19, 116.86)
    with phone.expect_navigation():
        phone.click("text=服务完成签退", no_wait_after=True)
    assert "请说明原因后再签退" in phone.inner_text("main")  # 0 minutes of 30 ordered: too short
    phone.fill("input[name=exception_reason]", "老人临时外出复诊")
    phone.screenshot(path=str(screenshot_dir / "screenshot-carer-phone.png"), full_page=True)
    with phone.expect_navigation():
        phone.click("text=服务完成签退", no_wait_after=True)
    order.refresh_from_db()
    assert order.status == OrderStatus.EXCEPTION and order.visit.check_out_lat is not None
    phone_context.close()

    # the supervisor approves the exception; the month's settlement is prepared and approved by another person
    page.goto(f"{base}/eldercare/orders/?status=exception")
    page.select_option(
        f"form[action='/eldercare/orders/{order.pk}/decide/'] select[name=decision]", "approved"
    )
    page.click(f"form[action='/eldercare/orders/{order.pk}/decide/'] button[type=submit]")
    page.wait_for_load_state()
    order.refresh_from_db()
    assert order.status == OrderStatus.DONE
    page.goto(f"{base}/eldercare/statements/")
    page.click("form.inline-form button:has-text('生成结算单')")
    page.wait_for_load_state()
    statement = ProviderStatement.objects.get()
    assert statement.lines.count() == 1
    second = page.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    office2 = second.new_page()
    make_user("county_approver", "county", username="county_second")
    login(office2, base, "county_second", f"/eldercare/statements/{statement.pk}/")
    office2.click("text=审核结算单")
    office2.wait_for_load_state()
    statement.refresh_from_db()
    assert statement.status == "approved"
    assert statement.month == clock.today().replace(day=1)
    second.close()
