"""End-to-end in a real chromium: log in, live-search a household, open it, reveal the ID number.

Needs Debian's chromium at /usr/bin/chromium (apt-get install chromium fonts-wqy-microhei); the test
fails, rather than skips, when it is missing so CI cannot pass without running it.
With DAJIUZHU_SCREENSHOTS=docs it also refreshes docs/screenshot*.png for the README; otherwise the
screenshots go to a temporary folder so a test run leaves the tree clean.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core import idnumber

pytestmark = [pytest.mark.browser]


def _id(prefix17: str) -> str:
    return prefix17 + idnumber.check_char(prefix17)


def _seed_demo(worker: Any, area: Any) -> Any:
    """A few realistic households so the screenshots look like a working village."""
    from dajiuzhu.registry.services import household_create, household_record_add

    rural = {"residence_type": "rural", "hukou_type": "agricultural"}
    main = household_create(
        actor=worker,
        area=area,
        data={"address": "东关村3组12号", **rural},
        members=[
            {
                "id_number": _id("37142419650312003"),
                "name": "张建国",
                "relation": "head",
                "phone": "13812345678",
                "labour_capacity": "partial",
                "employment": "farming",
                "serious_illness": "是",
                "illness_note": "尿毒症",
            },
            {
                "id_number": _id("37142419680704004"),
                "name": "李秀英",
                "relation": "spouse",
                "disability_type": "physical",
                "disability_grade": "2",
                "labour_capacity": "none",
                "adl_walking": "否",
                "adl_bathing": "否",
            },
            {
                "id_number": _id("37142420100506003"),
                "name": "张小明",
                "relation": "child",
                "school_stage": "junior",
                "employment": "student",
            },
            {
                "id_number": _id("37142419400218001"),
                "name": "张福田",
                "relation": "parent",
                "labour_capacity": "none",
                "employment": "na",
                "phone": "05347221234",
            },
        ],
    )
    household_record_add(
        actor=worker,
        household_id=main.pk,
        kind="income",
        data={
            "income_type": "business",
            "amount": "9600",
            "period_start": "2024-07-01",
            "period_end": "2025-06-30",
            "source": "investigated",
            "note": "种植玉米小麦8亩",
        },
    )
    household_record_add(
        actor=worker,
        household_id=main.pk,
        kind="income",
        data={
            "income_type": "transfer",
            "amount": "2160",
            "period_start": "2024-07-01",
            "period_end": "2025-06-30",
            "note": "养老金",
        },
    )
    household_record_add(
        actor=worker,
        household_id=main.pk,
        kind="asset",
        data={
            "asset_type": "real_estate",
            "description": "自建房一处",
            "value": "60000",
            "quantity": "120",
            "exempt": "是",
            "recorded_on": "2025-03-01",
        },
    )
    household_record_add(
        actor=worker,
        household_id=main.pk,
        kind="expenditure",
        data={
            "kind": "medical",
            "amount": "18400",
            "period_start": "2024-07-01",
            "period_end": "2025-06-30",
            "note": "透析自付部分",
        },
    )
    household_create(
        actor=worker,
        area=area,
        data={"address": "东关村1组7号", **rural},
        members=[
            {
                "id_number": _id("37142419520901002"),
                "name": "王桂兰",
                "relation": "head",
                "labour_capacity": "none",
            },
        ],
    )
    household_create(
        actor=worker,
        area=area,
        data={"address": "东关村2组21号", **rural},
        members=[
            {
                "id_number": _id("37142419780415005"),
                "name": "刘振华",
                "relation": "head",
                "phone": "15954321098",
                "disability_type": "visual",
                "disability_grade": "1",
                "labour_capacity": "none",
            },
            {
                "id_number": _id("37142420050822006"),
                "name": "刘欣怡",
                "relation": "child",
                "school_stage": "college",
                "employment": "student",
            },
        ],
    )
    return main


def test_worker_searches_opens_household_and_reveals_id(
    transactional_db, live_server, browser_page, make_user, areas, screenshot_dir
):
    # given a village worker with a few households
    worker = make_user("village_assistant", "village_a", full_name="周丽")
    main = _seed_demo(worker, areas["village_a"])
    head_id = main.head.id_number
    page = browser_page
    failed_static: list[str] = []
    page.on(
        "response", lambda r: failed_static.append(r.url) if "/static/" in r.url and r.status >= 400 else None
    )

    # when the worker logs in
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", worker.username)
    page.fill("#id_password", "Passw0rd!x")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".userbox").inner_text().startswith("周丽")

    # and live-searches by the head's name on the list page (htmx, no submit)
    page.goto(f"{live_server.url}/registry/households/")
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load from the vendored static files"
    assert page.locator("#results tbody tr").count() == 3
    page.locator("#id_q").press_sequentially("张建", delay=50)
    page.wait_for_function("() => document.querySelectorAll('#results tbody tr').length === 1")
    page.screenshot(path=str(screenshot_dir / "screenshot-list.png"), full_page=True)
    assert "张建" not in unquote(page.url)  # what is typed is POSTed, never put in the address

    # and opens the household
    page.click("#results tbody tr a >> nth=0")
    page.wait_for_url(f"{live_server.url}/registry/households/{main.pk}/")
    row = page.locator("#members tbody tr", has_text="张建国")
    masked = head_id[:4] + "*" * 10 + head_id[-4:]
    # then the ID is masked
    assert masked in row.inner_text()
    assert head_id not in page.content()
    page.screenshot(path=str(screenshot_dir / "screenshot.png"), full_page=True)

    # when the worker clicks 显示 next to the ID number
    row.locator("td").nth(3).get_by_role("button", name="显示").click()
    # then the full number replaces the masked one, and the reveal is in the audit trail
    page.wait_for_selector(f"text={head_id}")
    assert head_id in row.inner_text()
    assert AuditEvent.objects.filter(action="reveal", actor=worker, subject_id=str(main.head_id)).count() == 1
    assert failed_static == []


def test_phone_layout_stacks_tables(
    transactional_db, live_server, browser_page, make_user, areas, screenshot_dir
):
    # given a worker on a phone-sized screen
    worker = make_user("village_assistant", "village_a", full_name="周丽")
    main = _seed_demo(worker, areas["village_a"])
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/?next=/registry/households/{main.pk}/")
    page.fill("#id_username", worker.username)
    page.fill("#id_password", "Passw0rd!x")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/registry/households/{main.pk}/")
    # then the member table is shown as cards: no header row, no horizontal scrolling
    assert not page.locator("#members thead").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.locator("#members").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "screenshot-phone.png"))
