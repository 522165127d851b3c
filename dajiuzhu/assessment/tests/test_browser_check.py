"""In a real chromium: a worker types an ID number on the instant-check page and reads the reasons."""

import pytest

pytestmark = [pytest.mark.browser]


def test_instant_check_in_the_browser(
    transactional_db, live_server, browser_page, worker_a, elder, screenshot_dir
):
    # given a village worker and a man of 71 living alone with 300 yuan a month (the elder fixture)
    worker = worker_a
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/?next=/assessment/check/")
    page.fill("#id_username", worker.username)
    page.fill("#id_password", "Passw0rd!x")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/assessment/check/")
    # when she types the ID number and presses 核对
    page.fill("#id_id_number", elder.head.id_number)
    page.fill("#id_on", "2026-03-15")
    page.click("#check-form button[type=submit]")
    # then the result appears in place: 特困 with its amount, and the reasons
    card = page.locator("details.programme[open]", has_text="特困人员救助供养")
    card.wait_for()
    assert "符合" in card.locator(".tag").inner_text()
    assert "本人无法定义务人或义务人均无履行能力" in card.inner_text()
    assert "✗年满18周岁仍在接受义务教育" not in card.inner_text()  # an exception listed only where it applies
    assert elder.head.id_number not in page.url  # the ID number is posted, never put in the address
    page.screenshot(path=str(screenshot_dir / "screenshot-check.png"))
    # and a programme he does not get explains why when opened
    dibao = page.locator("details.programme", has_text="最低生活保障（低保）")
    assert dibao.get_attribute("open") is None
    dibao.locator("summary").click()
    assert "全部成员符合特困个人条件" in dibao.inner_text()
