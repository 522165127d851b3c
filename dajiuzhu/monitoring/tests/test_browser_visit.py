"""On a phone, in a real chromium: a grid worker opens the task a large medical bill raised, records the
home visit and asks for assistance; the application appears in the one-window workflow."""

from __future__ import annotations

import pytest

from dajiuzhu.core import clock
from dajiuzhu.intake.models import Application, Status
from dajiuzhu.monitoring.models import VisitTask
from dajiuzhu.monitoring.tests.conftest import IDS, feed_csv

pytestmark = [pytest.mark.browser]


def test_grid_worker_visits_on_a_phone_and_files_for_assistance(
    transactional_db, live_server, browser_page, grid_user, county_user, families, population, items,
    screenshot_dir,
):  # fmt: skip
    from dajiuzhu.monitoring.feeds import feed_ingest

    # given a 36,800-yuan self-paid hospital bill of 张 (a 低保 household in grid A) delivered by 医保
    today = clock.today()
    feed_ingest(user=county_user, source="MEDICAL_SETTLEMENT", file_name="yb.csv", data=feed_csv(
        "MEDICAL_SETTLEMENT", ["id_number", "record_id", "settled_on", "out_of_pocket_yuan"],
        [[IDS["zhang"], "YB1", today.replace(day=1).isoformat(), "36800.00"]],
    ))  # fmt: skip
    task = VisitTask.objects.get()
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/monitoring/tasks/")
    page.fill("#id_username", grid_user.username)
    page.fill("#id_password", "Passw0rd!x")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/monitoring/tasks/")
    # when the grid worker opens the task on her phone and records the visit: assistance needed
    page.click(f"a[href='/monitoring/tasks/{task.pk}/']")
    page.wait_for_url(f"{base}/monitoring/tasks/{task.pk}/")
    assert IDS["zhang"] not in page.content()  # the ID number stays masked
    assert "个人自付：36800.00 元" in page.inner_text("main")  # the alert's data in words and yuan
    page.fill("#id_visitors", "刘网格、陈协理员")
    page.fill("#id_findings", "户主住院手术，自付三万余元，家庭无力承担")
    page.check("input[name=outcome][value=assist]")
    page.select_option("#id_item", "medical")
    page.fill("#id_authorisation", "委托书 2026-118")
    page.screenshot(path=str(screenshot_dir / "screenshot-visit-phone.png"), full_page=True)
    page.click("form:has(input[name=action][value=visit]) button[type=submit]")
    page.wait_for_load_state()
    # then the task is done and a 医疗救助 application for the household waits in the workflow
    task.refresh_from_db()
    assert task.status == "done"
    app = Application.objects.get(household=families["zhang"], item__code="medical")
    assert app.status in (Status.MATERIALS, Status.SUBMITTED) and app.is_proxy
    assert app.number in page.content()
