"""Ingest of a data-sharing delivery into the verification exchange store (rows per second).

    .venv/bin/python bench/bench_verification.py 100000                 # SQLite temp file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_verif .venv/bin/python bench/bench_verification.py 100000

With DATABASE_URL the given database is used as it is (create it first, e.g. `createdb -h 127.0.0.1 -U postgres
bench_verif`); it is migrated, and earlier verification rows are deleted. Builds a BANK_DEPOSIT CSV of N rows
(1% with a bad check digit, so the quarantine path is exercised), ingests it through the same service as the
upload page, then replays it (identical file) and delivers an overlapping month (every row a new balance).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _csv(n: int, month: int) -> bytes:
    from dajiuzhu.core import idnumber

    lines = ["id_number,record_id,bank,as_of,balance_yuan"]
    start = dt.date(1950, 1, 1)
    for i in range(n):
        number = idnumber.make("371424", start + dt.timedelta(days=i // 1000), i % 1000)
        if i % 100 == 99:
            number = number[:17] + ("1" if number[-1] != "1" else "2")
        lines.append(
            f"{number},62220{i:010d},农业银行,2026-{month:02d}-01,{(i * 37 + month) % 100000}.{i % 100:02d}"
        )
    return ("\n".join(lines) + "\n").encode()


def _register(n: int, area: object) -> None:
    """The delivery's persons in the registry of the uploader's county (an upload stores records of its own
    area's registered persons only): one household per 1,000, created once, bulk."""
    from dajiuzhu.core import idnumber
    from dajiuzhu.registry.models import Household, Person

    start = dt.date(1950, 1, 1)
    groups = (n + 999) // 1000
    Household.objects.bulk_create(
        [Household(number=f"BENCHV{g:06d}", area=area, address="核对基准", residence_type="rural",
                   hukou_type="agricultural") for g in range(groups)],
        ignore_conflicts=True, batch_size=1000,
    )  # fmt: skip
    households = dict(Household.objects.filter(number__startswith="BENCHV").values_list("number", "id"))
    people = []
    for i in range(n):
        birth = start + dt.timedelta(days=i // 1000)
        people.append(Person(
            id_number=idnumber.make("371424", birth, i % 1000), name="核对基准", sex="M" if i % 2 else "F",
            birth_date=birth, household_id=households[f"BENCHV{i // 1000:06d}"],
        ))  # fmt: skip
    Person.objects.bulk_create(people, ignore_conflicts=True, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser(description="verification ingest benchmark")
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    tmpdir = None
    if not url:
        tmpdir = tempfile.TemporaryDirectory(prefix="dajiuzhu-bench-verif-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir.name}/bench.sqlite3"
        backend = "SQLite (temp file)"
    else:
        backend = "PostgreSQL" if url.startswith(("postgres://", "postgresql://")) else url.split(":")[0]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A benchmark is not a deployment: a throwaway key (the settings refuse to start without one).
    os.environ.setdefault("DAJIUZHU_SECRET_KEY", "bench-only-" + os.urandom(32).hex())
    os.environ.setdefault("DAJIUZHU_TASK_BACKEND", "django_tasks.backends.dummy.DummyBackend")

    import django

    django.setup()
    from django.core.management import call_command

    from dajiuzhu.accounts.models import User
    from dajiuzhu.areas.models import Area
    from dajiuzhu.verification.ingest import batch_ingest_file
    from dajiuzhu.verification.models import ExchangeBatch, ExchangeRecord, QuarantinedRow

    try:
        call_command("migrate", verbosity=0)
        QuarantinedRow.objects.all().delete()
        ExchangeRecord.objects.all().delete()
        ExchangeBatch.objects.all().delete()
        area, _ = Area.objects.get_or_create(
            code="371424", defaults={"name": "临邑县", "level": 3, "county_code": "371424", "city_code": "3714",
                                     "province_code": "37", "full_name": "山东省德州市临邑县"},
        )  # fmt: skip
        user, _ = User.objects.get_or_create(
            username="bench_verif", defaults={"role": "county_approver", "area": area}
        )
        t = time.perf_counter()
        _register(args.rows, area)
        print(f"{backend}: registered the delivery's persons in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        first = _csv(args.rows, 3)
        second = _csv(args.rows, 4)
        print(
            f"{backend}: built two CSV files of {args.rows:,} rows ({len(first) / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s"
        )

        for label, content, name in (("first delivery", first, "m3.csv"), ("replay (same file)", first, "m3-again.csv"),
                                     ("next month (all rows updated)", second, "m4.csv")):  # fmt: skip
            t = time.perf_counter()
            batch = batch_ingest_file(actor=user, source="BANK_DEPOSIT", filename=name, content=content)
            seconds = time.perf_counter() - t
            print(
                f"  {label:32s} {seconds:7.2f} s  {args.rows / seconds:>10,.0f} rows/s  "
                f"inserted {batch.rows_inserted:,} updated {batch.rows_updated:,} unchanged {batch.rows_unchanged:,} "
                f"quarantined {batch.rows_quarantined:,} unknown {batch.unknown_persons:,}"
            )
        print(
            f"  records stored: {ExchangeRecord.objects.count():,}; quarantined rows: {QuarantinedRow.objects.count():,}"
        )
    finally:
        if tmpdir is not None:
            tmpdir.cleanup()


if __name__ == "__main__":
    main()
