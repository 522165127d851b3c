"""幸福清单 benchmark: one household with five years of monthly payments (60 months × 3 programmes, a
failed month paid later as arrears, a held month, recovery deductions, one-offs, other departments' aid)
among a county of other households with their own monthly lines; times the selector
(payments.reports.household_benefits) and the full page (/payments/households/<id>/benefits/ through the
test client: middleware, login session, template) over N runs and prints p50/p95.

    .venv/bin/python bench/bench_happiness.py                                   # SQLite temp file
    .venv/bin/python bench/bench_happiness.py --others 5000 --runs 50
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_happiness.py

With PostgreSQL the database `dajiuzhu_bench_happiness` on the same server is dropped and created (the
URL's own database name is ignored) and dropped again afterwards unless --keep; with SQLite a temporary
file is used. Migrations run first. Target: ≤ 200 ms for the page.

Figures (2 vCPU, load average 3–4 from other sessions, 2026-12; 2,000 other households × 60 months =
120,000 other lines besides the household's 187; 10 queries for the selector, page 37.5 KiB):

    SQLite (temp file)        selector p50 29.0 ms  p95  43.1 ms · page p50 49.6 ms  p95  99.2 ms
    PostgreSQL 15, 127.0.0.1  selector p50 36.8 ms  p95  70.2 ms · page p50 55.6 ms  p95 134.1 ms

The seed ends with ANALYZE: on PostgreSQL without statistics (straight after a bulk load) the owed-months
lookup was planned as a scan of every paid line (selector ≈ 250 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchdb import BenchDB

from dajiuzhu.core import clock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "dajiuzhu_bench_happiness"
COUNTY = "371424"
FIRST = dt.date(2022, 1, 1)
MONTHS = 60


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(seconds, n=20, method="inclusive")
    return statistics.median(seconds) * 1000, cuts[18] * 1000


def _id(birth: str) -> str:
    from dajiuzhu.core import idnumber

    body = f"{COUNTY}{birth}901"
    return body + idnumber.check_char(body)


def seed(others: int) -> dict[str, Any]:
    """The county, its other households with a 低保 line a month, and the household under test."""
    from django.db import transaction

    from dajiuzhu.accounts.models import Department, User
    from dajiuzhu.areas.models import Area
    from dajiuzhu.areas.services import areas_load
    from dajiuzhu.core import months
    from dajiuzhu.intake.models import Application, AssistanceItem, Kind, Status
    from dajiuzhu.payments.models import (
        LineKind,
        LineStatus,
        Recovery,
        RecoveryEntry,
        RecoveryEntryKind,
        Roll,
        RollLine,
        RollStatus,
    )
    from dajiuzhu.registry.models import Household
    from dajiuzhu.registry.seeding import seed_households
    from dajiuzhu.registry.services import household_create

    areas_load(city=COUNTY[:4])
    county = Area.objects.get(code=COUNTY)
    village = Area.objects.filter(county_code=COUNTY, level=5).order_by("code").first()
    assert village is not None
    admin = User.objects.create(username="bench_county", role="county_approver", area=county)
    viewer = User.objects.create(username="bench_village", role="village_assistant", area=village)
    mz = Department.objects.get_or_create(code="minzheng", defaults={"name": "民政"})[0]
    jy = Department.objects.get_or_create(code="jiaoyu", defaults={"name": "教育"})[0]
    zj = Department.objects.get_or_create(code="zhujian", defaults={"name": "住建"})[0]
    item = {
        code: AssistanceItem.objects.create(code=code, name=name, department=dept, programme=programme)
        for code, name, dept, programme in (
            ("dibao", "最低生活保障", mz, "dibao"),
            ("tekun", "特困人员救助供养", mz, "tekun"),
            ("disability_living", "困难残疾人生活补贴", mz, "disability_living"),
            ("temporary", "临时救助", mz, "temporary"),
            ("edu", "家庭经济困难学生资助", jy, ""),
            ("housing", "农村危房改造", zj, ""),
        )
    }
    if others:
        seed_households(households=others, seed=1, area_code=COUNTY)
    household = household_create(
        actor=admin, area=village,
        data={"address": "测试村1号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[{"id_number": _id("19600101"), "name": "幸福清", "relation": "head"},
                 {"id_number": _id("19300101"), "name": "幸老汉", "relation": "parent"},
                 {"id_number": _id("19900101"), "name": "幸小残", "relation": "child"}],
    )  # fmt: skip
    members = {p.name: p for p in household.members.all()}
    town = village.township_code
    with transaction.atomic():
        rolls = Roll.objects.bulk_create(
            [
                Roll(county=county, month=months.add(FIRST, i), status=RollStatus.CLOSED, prepared_by=admin,
                     prepared_at=clock.now())
                for i in range(MONTHS)
            ]
        )  # fmt: skip
        lines: list[RollLine] = []

        def line(roll: Roll, kind: str, programme: str, person: Any, period: dt.date, amount: str,
                 status: str = LineStatus.PAID, deduction: str = "0", **extra: Any) -> None:  # fmt: skip
            gross = Decimal(amount)
            subject = household.pk if programme in ("dibao", "temporary") else person.pk
            lines.append(RollLine(
                roll=roll, reference=f"B{roll.month:%Y%m}{len(lines):08d}", kind=kind, programme=programme,
                item=item[programme], subject_id=subject, household=household, beneficiary=person, period=period,
                area=village, township_code=town, gross=gross, deduction=Decimal(deduction),
                amount=gross - Decimal(deduction), beneficiary_name=person.name, status=status, **extra,
            ))  # fmt: skip

        for i, roll in enumerate(rolls):
            month = roll.month
            head, elder, child = members["幸福清"], members["幸老汉"], members["幸小残"]
            # 低保: month 30 held (no account), paid as arrears the month after; recovery deducted months 12–23
            if i == 30:
                line(
                    roll,
                    LineKind.REGULAR,
                    "dibao",
                    head,
                    month,
                    "650",
                    LineStatus.HELD,
                    hold_reason="未登记收款账户",
                )
            else:
                line(
                    roll,
                    LineKind.REGULAR,
                    "dibao",
                    head,
                    month,
                    "650",
                    deduction="50" if 12 <= i < 24 else "0",
                )
            if i == 31:
                line(roll, LineKind.ARREARS, "dibao", head, months.add(month, -1), "650")
            # 特困: month 10 refused by the bank, paid as arrears in month 11; the last month refused and owed
            if i in (10, MONTHS - 1):
                line(roll, LineKind.REGULAR, "tekun", elder, month, "1200", LineStatus.FAILED, fail_code="3001",
                     fail_reason="账户已销户", resolved=i == 10)  # fmt: skip
            else:
                line(roll, LineKind.REGULAR, "tekun", elder, month, "1200")
            if i == 11:
                line(roll, LineKind.ARREARS, "tekun", elder, months.add(month, -1), "1200")
            line(roll, LineKind.REGULAR, "disability_living", child, month, "90")
        # one-offs: a 临时救助 every year
        for year in range(5):
            roll = rolls[year * 12 + 6]
            app = Application.objects.create(
                number=f"SQ-TMP-{year}", kind=Kind.NEW, item=item["temporary"], household=household,
                applicant=members["幸福清"], area=village, department=mz, status=Status.APPROVED, decision="approve",
                decided_amount=Decimal("800"), decided_at=clock.now(),
            )  # fmt: skip
            line(roll, LineKind.ONEOFF, "temporary", members["幸福清"], roll.month, "800", application=app)
        for n, (code, amount) in enumerate((("edu", "2000"), ("housing", "15000"), ("edu", None))):
            Application.objects.create(
                number=f"SQ-OTHER-{n}", kind=Kind.NEW, item=item[code], household=household,
                applicant=members["幸小残"], area=village, department=item[code].department, status=Status.APPROVED,
                decision="approve", decided_amount=Decimal(amount) if amount else None, decided_at=clock.now(),
            )  # fmt: skip
        own = len(lines)
        # the county's other households: 低保 every month
        heads = list(
            Household.objects.filter(area__county_code=COUNTY, head__isnull=False)
            .exclude(pk=household.pk)
            .values_list("pk", "head_id", "head__name", "area_id", "area__township_code")
        )
        background: list[RollLine] = []
        for roll in rolls:
            for pk, head_id, name, area_id, township in heads:
                background.append(RollLine(
                    roll=roll, reference=f"O{roll.month:%Y%m}{pk:09d}", kind=LineKind.REGULAR, programme="dibao",
                    item=item["dibao"], subject_id=pk, household_id=pk, beneficiary_id=head_id, period=roll.month,
                    area_id=area_id, township_code=township, gross=Decimal("500"), deduction=Decimal(0),
                    amount=Decimal("500"), beneficiary_name=name, status=LineStatus.PAID,
                ))  # fmt: skip
        RollLine.objects.bulk_create(lines, batch_size=5000)
        RollLine.objects.bulk_create(background, batch_size=5000)
        recovery = Recovery.objects.create(
            household=household, area=village, amount=Decimal("600"), basis="error", reason="收入变化未及时调整",
            instalment=Decimal("50"), decided_by=admin,
        )  # fmt: skip
        deducted = RollLine.objects.filter(household=household, deduction__gt=0).order_by("period")
        RecoveryEntry.objects.bulk_create(
            [RecoveryEntry(recovery=recovery, kind=RecoveryEntryKind.DEDUCTION, amount=x.deduction, line=x, on=x.period)
             for x in deducted]
        )  # fmt: skip
    from django.db import connection

    with connection.cursor() as cursor:
        # Statistics as autovacuum (PostgreSQL) or a periodic ANALYZE would have them after a bulk load;
        # without them PostgreSQL plans the owed-months lookup as a scan of every paid line.
        cursor.execute("ANALYZE")
    return {"household": household, "viewer": viewer, "own_lines": own, "other_lines": len(background)}


def main() -> None:
    parser = argparse.ArgumentParser(description="幸福清单 benchmark")
    parser.add_argument(
        "--others", type=int, default=2000, help="other households of the county (60 lines each)"
    )
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--keep", action="store_true", help="keep the PostgreSQL benchmark database afterwards"
    )
    args = parser.parse_args()

    db = BenchDB(BENCH_DB)
    backend = db.label
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from dajiuzhu.payments import reports

    try:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        t1 = time.perf_counter()
        seeded = seed(args.others)
        t2 = time.perf_counter()
        household, viewer = seeded["household"], seeded["viewer"]
        setup_test_environment()  # the test client's host is allowed
        client = Client()
        client.force_login(viewer)
        page_url = reverse("payments:household_benefits", args=[household.pk])

        happiness = reports.household_benefits(user=viewer, household_id=household.pk)
        with CaptureQueriesContext(connection) as queries:
            reports.household_benefits(user=viewer, household_id=household.pk)
        query_count = len(queries)  # now: every request's start clears the log
        response = client.get(page_url)
        assert response.status_code == 200, response.status_code
        selector_times, page_times = [], []
        for _ in range(3):  # warm-up: template loading, parameter tree
            client.get(page_url)
        for _ in range(args.runs):
            start = time.perf_counter()
            reports.household_benefits(user=viewer, household_id=household.pk)
            selector_times.append(time.perf_counter() - start)
        for _ in range(args.runs):
            start = time.perf_counter()
            client.get(page_url)
            page_times.append(time.perf_counter() - start)
        s50, s95 = _percentiles(selector_times)
        p50, p95 = _percentiles(page_times)
        payments = sum(len(cell) for y in happiness.years for row in y.rows for cell in row.cells)
        print(f"backend            {backend}")
        print(f"migrate            {t1 - t0:8.1f} s")
        print(f"seed               {t2 - t1:8.1f} s  (household lines {seeded['own_lines']:,}, "
              f"other lines {seeded['other_lines']:,})")  # fmt: skip
        print(f"清单               {len(happiness.years)} years, {payments} payment entries, "
              f"{len(happiness.owed)} owed, {len(happiness.others)} other-department, "
              f"total {happiness.totals.amount} yuan")  # fmt: skip
        print(f"queries (selector) {query_count:8d}")
        print(f"page size          {len(response.content) / 1024:8.1f} KiB")
        print(f"selector           p50 {s50:7.1f} ms   p95 {s95:7.1f} ms   ({args.runs} runs)")
        print(f"page               p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({args.runs} runs)")
    finally:
        db.close(keep=args.keep)


if __name__ == "__main__":
    main()
