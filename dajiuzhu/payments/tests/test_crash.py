"""A county's roll survives a crash at any moment: a real process running a step is killed (SIGKILL, no
clean-up) at 20 random points during roll_prepare, roll_lock, roll_issue and return_import; the operator
runs the step again; the roll then ends exactly as a run without a crash ends, and at no moment is any
person paid (or due to be paid) twice for a month.

The database is a scratch copy of the suite's database engine (a SQLite file or a PostgreSQL database),
seeded once by crash_worker.py through the real services; every run starts from a snapshot of it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

WORKER = Path(__file__).with_name("crash_worker.py")
ROOT = Path(__file__).resolve().parents[3]
HOUSEHOLDS = 300
TARGETS = ("prepare", "lock", "issue", "return_import")
KILLS_PER_TARGET = 5
STEPS = ("prepare", "lock", "approve", "issue", "return_import", "reconcile", "close")
SEED = int(os.environ.get("DAJIUZHU_CRASH_SEED", "20261203"))

pytestmark = pytest.mark.django_db(transaction=False)


class Scratch:
    """Scratch databases of the suite's engine, each named; copy() makes a snapshot of a closed one."""

    def __init__(self, tmp: Path) -> None:
        db = settings.DATABASES["default"]
        self.vendor = "postgresql" if "postgresql" in db["ENGINE"] else "sqlite"
        self.tmp = tmp
        self.names: list[str] = []
        if self.vendor == "postgresql":
            self.base = (
                f"postgres://{db.get('USER') or 'postgres'}"
                f"{':' + db['PASSWORD'] if db.get('PASSWORD') else ''}"
                f"@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
            )
            self.prefix = f"crash_{os.getpid()}_"

    def url(self, name: str) -> str:
        if self.vendor == "postgresql":
            return f"{self.base}/{self.prefix}{name}"
        return f"sqlite:///{self.tmp / name}.sqlite3"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.base}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def _release(self, name: str) -> None:
        """A killed worker's server session may linger for a moment: end it, or CREATE/DROP refuse."""
        self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.prefix}{name}' AND pid <> pg_backend_pid()"
        )

    def create(self, name: str) -> None:
        self.names.append(name)
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.prefix}{name}"')
            self._admin(f'CREATE DATABASE "{self.prefix}{name}"')

    def copy(self, source: str, name: str) -> None:
        self.names.append(name)
        if self.vendor == "postgresql":
            self._release(source)
            self._admin(f'DROP DATABASE IF EXISTS "{self.prefix}{name}"')
            self._admin(f'CREATE DATABASE "{self.prefix}{name}" TEMPLATE "{self.prefix}{source}"')
            return
        for suffix in ("", "-wal", "-shm"):
            src = self.tmp / f"{source}.sqlite3{suffix}"
            if src.exists():
                shutil.copyfile(src, self.tmp / f"{name}.sqlite3{suffix}")

    def drop_all(self) -> None:
        if self.vendor != "postgresql":
            return
        for name in set(self.names):
            self._release(name)
            self._admin(f'DROP DATABASE IF EXISTS "{self.prefix}{name}"')


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    box = Scratch(tmp_path_factory.mktemp("crash"))
    try:
        yield box
    finally:
        box.drop_all()


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT))
    return env


def _run(url: str, *args: str, stdin: str | None = None, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, str(WORKER), *args],
        cwd=ROOT,
        env=_env(url),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"worker {args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _states(out: str) -> list[dict[str, Any]]:
    return [json.loads(line[len("state ") :]) for line in out.splitlines() if line.startswith("state ")]


def _done_seconds(out: str) -> float:
    return next(float(line.split()[1]) for line in out.splitlines() if line.startswith("done "))


def _steps(url: str, steps: list[str]) -> tuple[dict[str, Any], float]:
    """Run steps to completion in a fresh worker; the state after them and the seconds they took."""
    out = _run(url, *steps, stdin="go\n")
    return _states(out)[-1], _done_seconds(out)


def _kill_during(url: str, step: str, delay: float) -> bool:
    """Start `step` in a worker and SIGKILL it `delay` seconds after its first write began.
    True if the step had not finished when killed (the kill interrupted it)."""
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), step],
        cwd=ROOT,
        env=_env(url),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.stdin.write("go\n")
        proc.stdin.flush()
        for line in proc.stdout:
            if line.startswith("start"):
                break
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        return not any(line.startswith("done ") for line in proc.stdout.read().splitlines())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def snapshots(scratch: Scratch) -> dict[str, Any]:
    """A seeded county (November paid and closed); a snapshot before each of December's steps; the state
    and timing of a run without a crash."""
    scratch.create("seed")
    _run(scratch.url("seed"), "seed", str(HOUSEHOLDS))
    before = {"prepare": "seed"}
    seconds: dict[str, float] = {}
    current = "seed"
    for i, step in enumerate(STEPS[:-1]):
        nxt = f"after_{step}"
        scratch.copy(current, nxt)
        _state, seconds[step] = _steps(scratch.url(nxt), [step])
        before[STEPS[i + 1]] = nxt
        current = nxt
    scratch.copy(current, "final")
    final, seconds["close"] = _steps(scratch.url("final"), ["close"])
    return {"before": before, "seconds": seconds, "final": final}


def _without_prepare(state: dict[str, Any]) -> dict[str, Any]:
    return {**state, "audit": {k: v for k, v in state["audit"].items() if k != "prepare"}}


def test_a_run_without_a_crash_pays_every_line_once(snapshots: dict[str, Any]) -> None:
    final = snapshots["final"]
    assert final["roll"] == "closed"
    assert final["doubles"] == []
    assert final["lines"] > HOUSEHOLDS  # household and person programmes, arrears
    assert {"paid", "failed", "held"} <= set(final["by_status"])
    assert final["recovered"][0] > 0  # a recovery instalment was deducted


def test_killed_at_twenty_random_points_the_rerun_ends_as_a_clean_run(
    scratch: Scratch, snapshots: dict[str, Any]
) -> None:
    rng = random.Random(SEED)
    final = snapshots["final"]
    interrupted = 0
    report = []
    for target in TARGETS:
        seconds = snapshots["seconds"][target]
        rest = list(STEPS[STEPS.index(target) :])
        for k in range(KILLS_PER_TARGET):
            name = f"kill_{target}_{k}"
            scratch.copy(snapshots["before"][target], name)
            # four kills in five land inside the step's transaction, the fifth just after it committed
            delay = seconds * (rng.uniform(0, 0.9) if k < KILLS_PER_TARGET - 1 else rng.uniform(1.0, 1.5))
            running = _kill_during(scratch.url(name), target, delay)
            interrupted += running
            out = _run(scratch.url(name), *rest, stdin="go\n")
            after_kill, after_rerun = _states(out)
            report.append(f"{target} +{delay:.3f}s {'interrupted' if running else 'after commit'}")
            # at the moment of the crash: no one is due twice, and the roll is either before or after the step
            assert after_kill["doubles"] == [], (name, after_kill["doubles"])
            # the operator's rerun ends exactly where a run without a crash ends (a draft killed after it
            # was generated is generated again: 生成 is recorded twice, nothing else differs)
            assert after_rerun["audit"].pop("prepare") in (1, 2)
            assert after_rerun == _without_prepare(final), (name, delay, running)
    print("\n".join(report))  # shown with -s
    # the kills did interrupt running steps, not only finished ones (seed SEED; the figures above)
    assert interrupted >= len(TARGETS) * (KILLS_PER_TARGET - 1) // 2, report
