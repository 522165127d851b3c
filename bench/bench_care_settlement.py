"""Home-care provider settlement benchmark (issue 15: 1,000,000 visits settled ≤ 30 s on PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_care_settlement.py 1000000
    .venv/bin/python bench/bench_care_settlement.py 100000          # SQLite temp file

Seeds a county's registry (synthetic households), one provider, and N verified visits of one month
(orders DONE with their check-in/out rows, written with the frame writer), then times
eldercare.settlement.statement_prepare — read the month's verified visits, price them, write one line
each — and checks the total against a recount from the lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import polars as pl
from benchdb import BenchDB

COUNTY = "371424"
MONTH = dt.date(2026, 11, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("visits", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    db = BenchDB("dajiuzhu_bench_care_settlement")
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Sum

    call_command("migrate", verbosity=0)
    from dajiuzhu.accounts.models import User
    from dajiuzhu.areas.models import Area
    from dajiuzhu.areas.services import areas_load
    from dajiuzhu.core import clock
    from dajiuzhu.core.frames import write_frame
    from dajiuzhu.eldercare import settlement
    from dajiuzhu.eldercare.models import CareOrder, Provider, StatementLine, Visit
    from dajiuzhu.registry.models import Person
    from dajiuzhu.registry.seeding import seed_households

    t0 = time.perf_counter()
    areas_load(city=COUNTY[:4])
    seed_households(households=args.households, seed=7, area_code=COUNTY)
    county_area = Area.objects.get(code=COUNTY)
    user = User.objects.create(username="bench", role="county_approver", area=county_area)
    provider = Provider.objects.create(
        name="bench provider", area=county_area, contract_number="B-1", contract_from=dt.date(2026, 1, 1),
        contract_to=dt.date(2026, 12, 31),
    )  # fmt: skip
    people = pl.DataFrame(
        list(Person.objects.values_list("id", "household__area_id")),
        schema=["person_id", "area_id"],
        orient="row",
    )
    rng = np.random.default_rng(3)
    n = args.visits
    pick = rng.integers(0, people.height, n)
    kinds = np.array(["meal", "cleaning", "emergency", "mobility", "bathing", "medical"])
    planned = rng.choice([30, 60, 90, 120], n)
    actual = np.maximum(planned + rng.integers(-20, 20, n), 5)
    days = rng.integers(0, 30, n)
    now = clock.now()
    first_id = (CareOrder.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    ids = np.arange(first_id, first_id + n)
    orders = pl.DataFrame(
        {
            "id": ids,
            "person_id": people["person_id"].to_numpy()[pick],
            "area_id": people["area_id"].to_numpy()[pick],
            "provider_id": np.full(n, provider.pk),
            "items": np.full(n, '["house_cleaning"]'),
            "kind": kinds[rng.integers(0, 6, n)],
            "planned_on": [MONTH + dt.timedelta(days=int(d)) for d in days],
            "planned_minutes": planned,
            "source": np.full(n, "hotline"),
            "caller_phone": np.full(n, ""),
            "note": np.full(n, ""),
            "status": np.full(n, "done"),
            "created_by_id": np.full(n, user.pk),
            "version": np.full(n, 1),
        }
    ).with_columns(pl.lit(MONTH).alias("month"), pl.lit(now).alias("created_at"))
    starts = [
        dt.datetime.combine(MONTH + dt.timedelta(days=int(d)), dt.time(1, 0), tzinfo=dt.UTC) for d in days
    ]
    visits = pl.DataFrame(
        {
            "order_id": ids,
            "check_in_at": starts,
            "check_out_at": [s + dt.timedelta(minutes=int(m)) for s, m in zip(starts, actual, strict=True)],
            "minutes": actual,
            "items_done": np.full(n, '["house_cleaning"]'),
            "exceptions": np.full(n, "[]"),
            "exception_reason": np.full(n, ""),
            "decision": np.full(n, ""),
            "decision_note": np.full(n, ""),
            "complaint": np.full(n, ""),
        }
    )
    from dajiuzhu.eldercare.models import Carer

    carer = Carer.objects.create(provider=provider, name="bench carer", phone="13700000000")
    visits = visits.with_columns(pl.lit(carer.pk).alias("carer_id"))
    with transaction.atomic():
        write_frame(CareOrder._meta.db_table, orders)
        write_frame(Visit._meta.db_table, visits)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{db.label}: seeded {args.households:,} households and {n:,} verified visits in {time.perf_counter() - t0:.1f} s"
    )

    t1 = time.perf_counter()
    statement = settlement.statement_prepare(user=user, provider_id=provider.pk, month=MONTH)
    took = time.perf_counter() - t1
    lines = StatementLine.objects.filter(statement=statement)
    from decimal import Decimal

    total = Decimal(lines.aggregate(a=Sum("amount"))["a"] or 0).quantize(Decimal("0.01"))
    count = lines.count()
    print(f"settled {count:,} visits in {took:.2f} s (target ≤ 30 s for 1,000,000); total {total} 元")
    assert count == n, (count, n)
    db.close(keep=args.keep)


if __name__ == "__main__":
    main()
