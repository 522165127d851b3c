"""What the kill tests share (assessment/tests/test_kill.py, registry/tests/test_import_kill.py): a
scratch database copied from the suite's test database (a SQLite file or a PostgreSQL database), a
long-lived helper process answering JSON commands (each app's kill helper, built on `serve`), and the
processes that are killed (`dajiuzhu db_worker`, an importer). Nothing here imports an app."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
MANAGE = ROOT / "manage.py"


class Scratch:
    """Scratch databases of the suite's engine, named with our own prefix (never another test's)."""

    def __init__(self, tmp: Path, tag: str) -> None:
        from django.conf import settings

        db = settings.DATABASES["default"]
        self.vendor = "postgresql" if "postgresql" in db["ENGINE"] else "sqlite"
        self.tmp = tmp
        self.source = str(db["NAME"])  # the test database (pytest-django's), migrated
        self.names: list[str] = []
        self.prefix = f"kill_{tag}_{os.getpid()}_"
        if self.vendor == "postgresql":
            self.base = (
                f"postgres://{db.get('USER') or 'postgres'}"
                f"{':' + db['PASSWORD'] if db.get('PASSWORD') else ''}"
                f"@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
            )

    def url(self, name: str) -> str:
        if self.vendor == "postgresql":
            return f"{self.base}/{self.prefix}{name}"
        return f"sqlite:///{self.tmp / name}.sqlite3"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.base}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def _release(self, name: str) -> None:
        """A killed process's server session may linger for a moment: end it, or DROP refuses."""
        self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )

    def copy_test_database(self, name: str) -> str:
        """A copy of the suite's test database (migrated, and empty outside a test's transaction): far
        quicker than migrating a new one. Returns its URL."""
        from django.db import connection

        self.names.append(name)
        if self.vendor == "postgresql":
            connection.close()  # CREATE DATABASE … TEMPLATE needs the template to have no other session
            self._admin(f'DROP DATABASE IF EXISTS "{self.prefix}{name}"')
            self._admin(f'CREATE DATABASE "{self.prefix}{name}" TEMPLATE "{self.source}"')
        else:
            import sqlite3

            src, dst = sqlite3.connect(self.source), sqlite3.connect(str(self.tmp / f"{name}.sqlite3"))
            try:
                src.backup(dst)  # the last committed state: the migrated schema
            finally:
                src.close()
                dst.close()
        return self.url(name)

    def drop_all(self) -> None:
        if self.vendor != "postgresql":
            return
        for name in set(self.names):
            self._release(f"{self.prefix}{name}")
            self._admin(f'DROP DATABASE IF EXISTS "{self.prefix}{name}"')


def env(url: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    out.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT),
               DAJIUZHU_LOG_LEVEL="ERROR")  # fmt: skip
    if not out.get("DAJIUZHU_SECRET_KEY") and out.get("DAJIUZHU_DEBUG", "").lower() not in (
        "1",
        "true",
        "yes",
    ):
        out["DAJIUZHU_SECRET_KEY"] = secrets.token_urlsafe(50)  # a throwaway for the scratch processes
    return out


# ---- the helper process ---------------------------------------------------------------------------------


def say(payload: Any) -> None:
    sys.stdout.write((payload if isinstance(payload, str) else json.dumps(payload, default=str)) + "\n")
    sys.stdout.flush()


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def serve(commands: dict[str, Callable[..., dict[str, Any]]]) -> int:
    """In the helper process: answer {"cmd": NAME, ...} lines with {"ok": …, ...} lines."""
    from django.db import connection

    say("ready")
    for line in sys.stdin:
        request = json.loads(line)
        name = request.pop("cmd")
        try:
            say({"ok": True, **commands[name](**request)})
        except Exception as exc:  # reported to the test, which fails with it
            say({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        connection.close()  # hold no lock or snapshot between commands
    return 0


class Helper:
    """The test's side of `serve`: one JSON command a line, one JSON answer a line."""

    def __init__(self, script: Path, url: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(script), "serve"], cwd=ROOT, env=env(url), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def __call__(self, cmd: str, **kwargs: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **kwargs}) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        assert answer.pop("ok"), (cmd, kwargs, answer)
        return answer

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# ---- the processes that are killed ----------------------------------------------------------------------

WORKER_ARGS = [
    "db_worker",
    "--skip-checks",
    "--batch",
    "--no-startup-delay",
    "--no-reload",
    "--interval",
    "0",
]


def worker(url: str) -> subprocess.Popen[str]:
    """`dajiuzhu db_worker --batch`: recovers what a killed worker left, runs every queued task, exits."""
    return subprocess.Popen(
        [sys.executable, str(MANAGE), *WORKER_ARGS, "-v", "0"], cwd=ROOT, env=env(url),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def worker_run(url: str, timeout: float = 300) -> None:
    proc = worker(url)
    _out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err


def sigkill(proc: subprocess.Popen[str]) -> bool:
    """SIGKILL (no clean-up of any kind); True if it was still running."""
    running = proc.poll() is None
    if running:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return running


def wait_for(predicate: Callable[[], bool], timeout: float = 120, step: float = 0.01) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False
