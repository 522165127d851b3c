"""Carer check-in/check-out API under load (issue 15: p99 ≤ 100 ms with 50 concurrent phones on PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_care_checkin.py
    … bench_care_checkin.py --phones 50 --visits 10 --workers 3

Seeds a county, one provider with N carers (each a login with an API token) and their visits of today,
serves the application with gunicorn (DEBUG off) on 127.0.0.1, and lets N threads — one per phone, each
on its own keep-alive connection — check in and out of every visit, all phones at once, each waiting a
random 0–2×--think seconds between two requests (a bounded load: with the default 1 s, 50 phones send
about 50 requests a second; --think 0 sends back to back, a stress test).
Prints the number of requests, errors, and the latency percentiles of check-in and check-out.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchdb import BenchDB

ROOT = Path(__file__).resolve().parent.parent
COUNTY = "371424"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument("--visits", type=int, default=10, help="visits per phone")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a phone waits between two requests (0: back to back, a stress test, not the target's model)",
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    db = BenchDB("dajiuzhu_bench_care_checkin")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from dajiuzhu.accounts.models import User
    from dajiuzhu.accounts.services import api_token_create
    from dajiuzhu.areas.models import Area
    from dajiuzhu.areas.services import areas_load
    from dajiuzhu.core import clock
    from dajiuzhu.eldercare.models import CareOrder, Carer, OrderStatus, Provider
    from dajiuzhu.registry.models import Person
    from dajiuzhu.registry.seeding import seed_households

    areas_load(city=COUNTY[:4])
    seed_households(households=2000, seed=11, area_code=COUNTY)
    county = Area.objects.get(code=COUNTY)
    office = User.objects.create(username="bench-office", role="county_approver", area=county)
    today = clock.today()
    provider = Provider.objects.create(
        name="bench", area=county, contract_number="B", contract_from=today.replace(month=1, day=1),
        contract_to=today.replace(month=12, day=31),
    )  # fmt: skip
    people = list(Person.objects.select_related("household").order_by("pk")[: args.phones * args.visits])
    phones = []
    for i in range(args.phones):
        user = User.objects.create(username=f"carer{i}", role="carer", area=county)
        carer = Carer.objects.create(provider=provider, name=f"护理员{i}", phone=f"1370000{i:04d}", user=user)
        _token, key = api_token_create(user=user, name="phone")
        orders = [
            CareOrder.objects.create(
                person=p,
                area_id=p.household.area_id,
                provider=provider,
                carer=carer,
                items=["laundry"],
                kind="cleaning",
                planned_on=today,
                planned_minutes=60,
                month=today.replace(day=1),
                source="hotline",
                status=OrderStatus.ASSIGNED,
                created_by=office,
                created_at=clock.now(),
            )
            for p in people[i * args.visits : (i + 1) * args.visits]
        ]
        phones.append((key, [o.pk for o in orders]))
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.close()

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "DAJIUZHU_DEBUG": "false",
        "DAJIUZHU_ALLOWED_HOSTS": "127.0.0.1",
        "DAJIUZHU_API_USER_RATE": "100000/min",
        "DAJIUZHU_API_ANON_RATE": "100000/min",
        "DAJIUZHU_TODAY": today.isoformat(),
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--preload", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/accounts/login/")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.3)
        times: dict[str, list[float]] = {"check-in": [], "check-out": []}
        errors: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(len(phones))

        def phone(key: str, orders: list[int]) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            conn.request(
                "GET", "/api/eldercare/carer/orders", headers=headers
            )  # warm this worker and connection
            conn.getresponse().read()
            barrier.wait()
            pause = random.Random(key)
            for order in orders:
                for step, body in (
                    ("check-in", {"lat": 37.19, "lng": 116.86}),
                    (
                        "check-out",
                        {"lat": 37.19, "lng": 116.86, "items_done": ["laundry"], "exception_reason": "压测"},
                    ),
                ):
                    if args.think > 0:
                        time.sleep(pause.uniform(0, 2 * args.think))
                    started = time.perf_counter()
                    conn.request(
                        "POST",
                        f"/api/eldercare/carer/orders/{order}/{step}",
                        body=json.dumps(body),
                        headers=headers,
                    )
                    response = conn.getresponse()
                    payload = response.read()
                    took = time.perf_counter() - started
                    with lock:
                        times[step].append(took)
                        if response.status != 200:
                            errors.append(f"{step} {order}: {response.status} {payload[:120]!r}")

        threads = [threading.Thread(target=phone, args=p) for p in phones]
        wall = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - wall
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in times.values())
    print(
        f"{db.label}; gunicorn {args.workers} workers; {args.phones} phones × {args.visits} visits, think {args.think} s"
    )
    print(f"{total} requests in {wall:.1f} s ({total / wall:.0f}/s), {len(errors)} errors")
    for step, values in times.items():
        print(f"  {step:9s} p50 {statistics.median(values) * 1000:6.1f} ms  p95 {percentile(values, 0.95):6.1f} ms  "
              f"p99 {percentile(values, 0.99):6.1f} ms  max {max(values) * 1000:6.1f} ms")  # fmt: skip
    both = times["check-in"] + times["check-out"]
    print(f"  all       p99 {percentile(both, 0.99):6.1f} ms (target ≤ 100 ms)")
    for line in errors[:5]:
        print("  error:", line)
    db.close(keep=args.keep)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
