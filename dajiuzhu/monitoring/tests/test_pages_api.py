"""Pages and API: each page renders for the roles that use it, the visit form works from a phone
form post, uploads show the delivery result, the KPI export is an Excel file; the API mirrors it."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dajiuzhu.monitoring.models import Alert, FeedDelivery, VisitTask

from .conftest import IDS, feed_csv


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_feed_upload_page_shows_the_delivery(county_user: Any, families: Any, population: Any) -> None:
    c = _client(county_user)
    data = feed_csv(
        "DEATH_FUNERAL", ["id_number", "died_on"], [[IDS["zhang"], "2026-02-01"], ["123", "2026-02-01"]]
    )
    resp = c.post(
        "/monitoring/feeds/", {"source": "DEATH_FUNERAL", "file": SimpleUploadedFile("d.csv", data)}
    )
    d = FeedDelivery.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/monitoring/feeds/{d.pk}/"
    page = c.get(resp["Location"]).content.decode()
    assert "身份证号码（id_number）：身份证号码应为18位（或15位旧号码），实际为3位" in page
    assert (d.rows_quarantined, d.alerts_created) == (1, 1)


def test_upload_from_unknown_source_shows_the_message(county_user: Any) -> None:
    resp = _client(county_user).post(
        "/monitoring/feeds/", {"source": "BANK", "file": SimpleUploadedFile("d.csv", b"id_number\n")}
    )
    assert resp.status_code == 200
    assert "数据源“BANK”没有数据接入约定，拒绝接收" in resp.content.decode()
    assert FeedDelivery.objects.count() == 0


def test_grid_worker_pages_and_visit_form(grid_user: Any, county_user: Any, families: Any, population: Any,
                                          items: Any) -> None:  # fmt: skip
    from dajiuzhu.monitoring.feeds import feed_ingest

    feed_ingest(user=county_user, source="DEATH_FUNERAL", file_name="d.csv",
                data=feed_csv("DEATH_FUNERAL", ["id_number", "died_on"], [[IDS["zhang_son"], "2026-02-01"]]))  # fmt: skip
    task = VisitTask.objects.get()
    c = _client(grid_user)
    assert "家庭成员死亡" in c.get("/monitoring/tasks/").content.decode()
    page = c.get(f"/monitoring/tasks/{task.pk}/").content.decode()
    assert "登记入户走访" in page and IDS["zhang_son"] not in page  # the ID number is masked
    resp = c.post(f"/monitoring/tasks/{task.pk}/", {
        "action": "visit", "version": task.version, "visited_on": str(task.created_on), "visitors": "刘网格、陈协理员",
        "findings": "家中无其他变化", "outcome": "no_need",
    })  # fmt: skip
    assert resp.status_code == 302
    task.refresh_from_db()
    assert task.status == "done"
    for url in ("/monitoring/", "/monitoring/rules/", "/monitoring/report/"):
        assert c.get(url).status_code == 200
    # a grid worker does not administer feeds
    assert c.get("/monitoring/feeds/").status_code == 403


def test_kpi_export_is_excel(county_user: Any) -> None:
    from openpyxl import load_workbook

    resp = _client(county_user).get("/monitoring/export/?start=2026-03-01&end=2026-03-31")
    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb.active
    assert ws is not None
    assert [c.value for c in ws[2]][:3] == ["区划代码", "区域", "预警数"]


def test_rules_page_shows_the_county_values(county_user: Any) -> None:
    page = _client(county_user).get("/monitoring/rules/?on=2026-03-02").content.decode()
    assert "10000" in page and "371424" in page


def test_api_push_alerts_tasks_visit_report(
    county_user: Any, grid_user: Any, families: Any, population: Any
) -> None:
    c = _client(county_user)
    data = feed_csv("UNEMPLOYMENT", ["id_number", "registered_on"], [[IDS["zhang"], "2026-02-01"]])
    resp = c.post("/api/monitoring/feeds/UNEMPLOYMENT", {"file": SimpleUploadedFile("u.csv", data)})
    assert resp.status_code == 201, resp.content
    assert resp.json()["alerts_created"] == 1
    assert [a["rule"] for a in c.get("/api/monitoring/alerts").json()] == ["W_UNEMP"]
    g = _client(grid_user)
    tasks = g.get("/api/monitoring/tasks").json()
    assert len(tasks) == 1 and tasks[0]["alert"]["person_id_number"].startswith("3714")
    resp = g.post(f"/api/monitoring/tasks/{tasks[0]['id']}/visit", {
        "visited_on": str(VisitTask.objects.get().created_on), "visitors": ["刘"], "findings": "已再就业", "outcome": "no_need",
    }, content_type="application/json")  # fmt: skip
    assert resp.status_code == 201, resp.content
    resp = g.post("/api/monitoring/reports", {"channel": "survey", "content": "摸排发现", "id_number": IDS["zhang"]},
                  content_type="application/json")  # fmt: skip
    assert resp.status_code == 201 and resp.json()["task_id"]
    assert Alert.objects.count() == 2
    resp = c.post("/api/monitoring/feeds/NOPE", {"file": SimpleUploadedFile("u.csv", data)})
    assert resp.status_code == 400 and "没有数据接入约定" in resp.json()["message"]
    assert c.get("/api/monitoring/kpis?start=2026-01-01&end=2026-12-31").json()[-1]["name"] == "合计"
