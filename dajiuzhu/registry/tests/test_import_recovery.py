"""The record of each Excel upload (HouseholdImport): done together with its rows, refused when the same
file was imported already, and recovered when its process was killed (the kill itself:
test_import_kill.py)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import Workbook

from dajiuzhu.core import clock, idnumber, leases
from dajiuzhu.registry.importing import (
    IMPORT_INTERRUPTED,
    ImportFileInvalid,
    households_import,
    imports_recover,
)
from dajiuzhu.registry.models import Household, HouseholdImport, ImportStatus, Person

HEADER = ["户编号", "所属区划代码", "住址", "城乡类别", "户口性质", "姓名", "身份证号码", "与户主关系"]


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def family(n: int) -> bytes:
    rows = []
    for h in range(n):
        head = idnumber.make("371424", dt.date(1960, 1, 1) + dt.timedelta(days=h), 10)
        spouse = idnumber.make("371424", dt.date(1962, 1, 1) + dt.timedelta(days=h), 20)
        rows.append([str(h), "371424100201", f"{h}号", "农村", "农业户口", f"户主{h}", head, "户主"])
        rows.append([str(h), "371424100201", "", "", "", f"配偶{h}", spouse, "配偶"])
    return xlsx(rows)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_an_import_is_recorded_done_with_its_counts(township_user):
    result = households_import(actor=township_user, content=family(3), filename="三户.xlsx")
    assert result.ok
    job = HouseholdImport.objects.get()
    assert (job.status, job.households, job.persons, job.rows, job.filename) == (
        ImportStatus.DONE, 3, 6, 6, "三户.xlsx",
    )  # fmt: skip
    assert job.created_by == township_user and job.area_code == "371424100" and len(job.sha256) == 64


def test_the_same_file_is_not_imported_twice(township_user):
    content = family(2)
    households_import(actor=township_user, content=content, filename="a.xlsx")
    # the clerk never saw the answer (the process died after the commit) and uploads it again
    with pytest.raises(ImportFileInvalid, match="导入成功（2户4人），不会重复导入"):
        households_import(actor=township_user, content=content, filename="a-again.xlsx")
    assert (Household.objects.count(), Person.objects.count()) == (2, 4)
    # and the database would refuse a second DONE for the same file in the same area
    job = HouseholdImport.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdImport.objects.create(created_by=township_user, area_code=job.area_code, sha256=job.sha256,
                                       filename="x", status=ImportStatus.DONE)  # fmt: skip


def test_a_file_with_errors_is_recorded_rejected_and_can_be_fixed(township_user):
    bad = xlsx([["1", "371424100201", "1号", "农村", "农业户口", "张三", "12345", "户主"]])
    result = households_import(actor=township_user, content=bad, filename="bad.xlsx")
    assert not result.ok
    job = HouseholdImport.objects.get()
    assert (job.status, job.error_count) == (ImportStatus.REJECTED, result.error_count)
    assert households_import(actor=township_user, content=family(1), filename="bad.xlsx").ok


def test_an_import_whose_process_was_killed_is_failed_and_can_be_uploaded_again(township_user, client):
    host = leases.holder().rpartition(":")[0]
    killed = HouseholdImport.objects.create(
        created_by=township_user, area_code="371424100", filename="家庭.xlsx", sha256="0" * 64,
        worker=f"{host}:{dead_pid()}", heartbeat_at=clock.now(),
    )  # fmt: skip
    alive = HouseholdImport.objects.create(
        created_by=township_user, area_code="371424100", filename="另一个.xlsx", sha256="1" * 64,
        worker=leases.holder(), heartbeat_at=clock.now(),
    )  # fmt: skip
    # the import page shows the user's uploads; the one whose process is gone as interrupted
    client.force_login(township_user)
    page = client.get(reverse("registry:import")).content.decode()
    assert "我最近的导入" in page and "中断，未导入" in page and IMPORT_INTERRUPTED in page
    killed.refresh_from_db()
    alive.refresh_from_db()
    assert (killed.status, killed.error) == (ImportStatus.FAILED, IMPORT_INTERRUPTED)
    assert alive.status == ImportStatus.RUNNING  # this process is alive: left alone
    assert imports_recover() == []


def test_a_worker_start_recovers_imports(township_user, monkeypatch):
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    host = leases.holder().rpartition(":")[0]
    killed = HouseholdImport.objects.create(
        created_by=township_user, area_code="371424100", filename="家庭.xlsx", sha256="0" * 64,
        worker=f"{host}:{dead_pid()}", heartbeat_at=clock.now(),
    )  # fmt: skip
    monkeypatch.setattr(db_worker.Command, "handle", lambda self, *a, **k: None)  # not the loop itself
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    killed.refresh_from_db()
    assert killed.status == ImportStatus.FAILED
