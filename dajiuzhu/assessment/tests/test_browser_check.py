"""In a real chromium: a worker types an ID number on the instant-check page and reads the reasons."""

import pytest

from dajiuzhu.registry.services import household_create, household_record_add

pytestmark = [pytest.mark.browser]
ELDER_ID = "371424195501010013"


def test_instant_check_in_the_browser(
    transactional_db, live_server, browser_page, make_user, areas, screenshot_dir
):
    # given a village worker and a man of 71 living alone with 300 yuan a month
    worker = make_user("village_assistant", "village_a", full_name="周丽")
    household = household_create(
        actor=worker,
        area=areas["village_a"],
        data={"address": "东关村5组1号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[{"id_number": ELDER_ID, "name": "赵老汉", "relation": "head", "labour_capacity": "none"}],
    )
    household_record_add(actor=worker, household_id=household.pk, kind="income", data={
        "income_type": "transfer", "amount": "3600.00", "period_start": "2025-03-01", "period_end": "2026-02-28",
        "person": household.head_id,
    })  # fmt: skip
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/?next=/assessment/check/")
    page.fill("#id_username", worker.username)
    page.fill("#id_password", "Passw0rd!x")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/assessment/check/")
    # when she types the ID number and presses 核对
    page.fill("#id_id_number", ELDER_ID)
    page.fill("#id_on", "2026-03-15")
    page.click("#check-form button[type=submit]")
    # then the result appears in place: 特困 with its amount, and the reasons
    card = page.locator("details.programme[open]", has_text="特困人员救助供养")
    card.wait_for()
    assert "符合" in card.locator(".tag").inner_text()
    assert "无法定赡养抚养扶养义务人或义务人无履行能力" in card.inner_text()
    assert "id_number=" in page.url  # the address bar keeps the query, so the page can be shared or reloaded
    page.screenshot(path=str(screenshot_dir / "screenshot-check.png"))
    # and a programme he does not get explains why when opened
    dibao = page.locator("details.programme", has_text="最低生活保障（低保）")
    assert dibao.get_attribute("open") is None
    dibao.locator("summary").click()
    assert "全部成员符合特困个人条件" in dibao.inner_text()
