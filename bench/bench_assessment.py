"""Assessment from the database: the batch run (read → assess → write back) and the instant check.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_assessment.py 1000000 --keep
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_assessment.py 1000000 --reuse
    .venv/bin/python bench/bench_assessment.py 20000                     # SQLite temp file (the demo's size ×10)

PostgreSQL uses the database `dajiuzhu_bench_assess` on the same server (dropped and created unless
--reuse finds it already seeded with that many households; --keep leaves it for the next --reuse).
Prints the time of each phase of a live run, the end-to-end run through the task body, and the
server time of the instant check (service call and the whole page) over random households.
"""

from __future__ import annotations

import dajiuzhu  # noqa: F401  (before Polars loads: sets its allocator's configuration)

# isort: split
import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

from benchdb import BenchDB

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "dajiuzhu_bench_assess"
ON = dt.date(2026, 3, 15)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description="assessment benchmark")
    parser.add_argument("households", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--area", default="371424")
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()

    db = BenchDB(BENCH_DB, reuse=args.reuse, dummy_tasks=True)
    fresh, backend = db.fresh, db.label
    from django.core.management import call_command
    from django.test import Client

    from dajiuzhu.accounts.models import User
    from dajiuzhu.areas.models import Area
    from dajiuzhu.areas.services import areas_load
    from dajiuzhu.assessment import services
    from dajiuzhu.assessment.building import load_frames
    from dajiuzhu.assessment.models import AssessmentRun
    from dajiuzhu.parameters.selectors import parameter_tree
    from dajiuzhu.registry.models import Household
    from dajiuzhu.registry.seeding import seed_households

    try:
        call_command("migrate", verbosity=0)
        existing = Household.objects.filter(area__county_code=args.area).count()
        if fresh or existing < args.households:
            areas_load(city=args.area[:4])
            t = time.perf_counter()
            seed_households(
                households=args.households - existing, seed=1, area_code=args.area, as_of=ON.replace(day=1)
            )
            print(
                f"seeded             {args.households - existing:>10,} households in {time.perf_counter() - t:.1f} s"
            )
        area = Area.objects.get(code=args.area)
        user, _ = User.objects.get_or_create(
            username="bench_county", defaults={"role": "county_approver", "area": area}
        )
        households = Household.objects.filter(area__county_code=args.area, is_active=True).count()
        print(f"backend            {backend}")
        print(f"households         {households:>10,}")

        # Phases, timed one by one.
        tree = parameter_tree()
        t0 = time.perf_counter()
        frames = load_frames(on=ON, lookback_months=12, area_column="county_code", area_code=args.area)
        t1 = time.perf_counter()
        sets = services.parameter_sets(tree, on=ON, combos=frames.combos)
        out = services._assess(frames, sets)
        t2 = time.perf_counter()
        print(f"persons            {frames.persons.height:>10,}")
        print(f"read from database {t1 - t0:8.2f} s")
        print(f"assess (Polars)    {t2 - t1:8.2f} s")
        print(f"低保 eligible      {int(out['dibao_status'].is_in([1, 3]).sum()):>10,} households")

        # End to end, through the task body: read, assess, write every result row, summarise.
        run = AssessmentRun.objects.create(area=area, on=ON, created_by=user)
        t3 = time.perf_counter()
        run = services.run_execute(run_id=run.pk)
        t4 = time.perf_counter()
        print(f"live run end to end{t4 - t3:8.2f} s  (status {run.status}, {run.error or 'ok'})")

        # The instant check: service time and whole page, over random households.
        ids = list(
            Household.objects.filter(area__county_code=args.area).values_list("pk", flat=True)[:200_000]
        )
        rng = random.Random(7)
        sample = [rng.choice(ids) for _ in range(args.checks)]
        services.check_household(user=user, household_id=sample[0], on=ON)  # warm caches
        service_ms = []
        for hid in sample:
            s = time.perf_counter()
            services.check_household(user=user, household_id=hid, on=ON)
            service_ms.append((time.perf_counter() - s) * 1000)
        client = Client()
        client.force_login(user)
        page_ms = []
        for hid in sample[: min(100, len(sample))]:
            s = time.perf_counter()
            response = client.get(
                "/assessment/check/", {"household": hid, "on": ON.isoformat()}, HTTP_HX_REQUEST="true"
            )
            page_ms.append((time.perf_counter() - s) * 1000)
            assert response.status_code == 200
        print(
            f"instant check      p50 {statistics.median(service_ms):6.1f} ms  p99 {_pct(service_ms, 99):6.1f} ms"
            f"  (service, n={len(service_ms)})"
        )
        print(
            f"instant check page p50 {statistics.median(page_ms):6.1f} ms  p99 {_pct(page_ms, 99):6.1f} ms"
            f"  (whole response, n={len(page_ms)})"
        )
    finally:
        db.close(keep=args.keep or args.reuse)


if __name__ == "__main__":
    main()
