"""Seeding benchmark: households/s and persons/s for `seed_households` into a throwaway database.

    .venv/bin/python bench/bench_seed.py 100000                      # SQLite temp file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_seed.py 1000000

With PostgreSQL the database `dajiuzhu_bench` on the same server is dropped and created (the URL's own
database name is ignored); with SQLite a temporary file is used. Migrations run first.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchdb import BenchDB

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "dajiuzhu_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description="seeding benchmark")
    parser.add_argument("households", nargs="?", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--area", default="371424")
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args()

    db = BenchDB(BENCH_DB)
    backend = db.label
    from django.core.management import call_command

    from dajiuzhu.areas.services import areas_load
    from dajiuzhu.registry.seeding import seed_households

    try:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        t1 = time.perf_counter()
        loaded = areas_load(city=args.area[:4])
        t2 = time.perf_counter()
        stats = seed_households(
            households=args.households, seed=args.seed, area_code=args.area, batch=args.batch
        )
        t3 = time.perf_counter()
        seconds = t3 - t2
        rows = stats.households + stats.persons * 2 + stats.incomes + stats.assets + stats.expenditures
        print(f"backend            {backend}")
        print(f"migrate            {t1 - t0:8.1f} s")
        print(f"areas_load         {t2 - t1:8.1f} s  ({loaded.created} areas)")
        print(f"households         {stats.households:>10,}")
        print(f"persons            {stats.persons:>10,}")
        print(f"incomes/assets/exp {stats.incomes:,} / {stats.assets:,} / {stats.expenditures:,}")
        print(f"all rows           {rows:>10,}")
        print(f"seed time          {seconds:8.1f} s")
        print(f"households/s       {stats.households / seconds:10,.0f}")
        print(f"persons/s          {stats.persons / seconds:10,.0f}")
        print(f"rows/s             {rows / seconds:10,.0f}")
    finally:
        db.close(keep=args.keep)


if __name__ == "__main__":
    main()
