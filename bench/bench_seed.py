"""Seeding benchmark: households/s and persons/s for `seed_households` into a throwaway database.

    .venv/bin/python bench/bench_seed.py 100000                      # SQLite temp file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_seed.py 1000000

With PostgreSQL the database `dajiuzhu_bench` on the same server is dropped and created (the URL's own
database name is ignored); with SQLite a temporary file is used. Migrations run first.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "dajiuzhu_bench"


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description="seeding benchmark")
    parser.add_argument("households", nargs="?", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--area", default="371424")
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    tmpdir = None
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        bench_url = urlunsplit((parts.scheme, parts.netloc, f"/{BENCH_DB}", parts.query, ""))
        _pg_admin(url, f"DROP DATABASE IF EXISTS {BENCH_DB}")
        _pg_admin(url, f"CREATE DATABASE {BENCH_DB}")
        backend = f"PostgreSQL ({parts.hostname}:{parts.port or 5432}/{BENCH_DB})"
    else:
        tmpdir = tempfile.TemporaryDirectory(prefix="dajiuzhu-bench-")
        bench_url = f"sqlite:///{tmpdir.name}/bench.sqlite3"
        backend = "SQLite (temp file)"
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

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
        connection.close()
        if tmpdir is not None:
            tmpdir.cleanup()
        elif not args.keep:
            _pg_admin(url, f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
