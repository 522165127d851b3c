"""The one place the benchmarks get their database: a PostgreSQL database of its own on the server that
DATABASE_URL names (the URL's database name is ignored), or a SQLite file in a temporary folder; then
Django is set up on it.

    db = BenchDB("dajiuzhu_bench", reuse=args.keep)   # before anything imports Django models
    ...
    db.close(keep=args.keep)                           # drops it (PostgreSQL) or removes the folder
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class BenchDB:
    def __init__(self, name: str, *, reuse: bool = False, dummy_tasks: bool = False) -> None:
        self.name = name
        self.given = os.environ.get("DATABASE_URL", "")
        self.postgres = self.given.startswith(("postgres://", "postgresql://"))
        self.tmpdir: tempfile.TemporaryDirectory[str] | None = None
        # False when an existing database was kept for reuse (the caller checks what it holds)
        self.fresh = True
        if self.postgres:
            parts = urlsplit(self.given)
            self.url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
            self.label = f"PostgreSQL ({parts.hostname}:{parts.port or 5432}/{name})"
            if reuse and self.exists():
                self.fresh = False
            else:
                self.recreate()
        else:
            self.tmpdir = tempfile.TemporaryDirectory(prefix=f"{name}-")
            self.url = f"sqlite:///{self.tmpdir.name}/bench.sqlite3"
            self.label = "SQLite (temp file)"
        os.environ["DATABASE_URL"] = self.url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        # A benchmark is not a deployment: a throwaway key (the settings refuse to start without one).
        os.environ.setdefault("DAJIUZHU_SECRET_KEY", "bench-only-" + os.urandom(32).hex())
        if dummy_tasks:
            os.environ.setdefault("DAJIUZHU_TASK_BACKEND", "django_tasks.backends.dummy.DummyBackend")
        import django

        django.setup()

    def _admin(self, sql: str, params: list[str] | None = None) -> bool:
        import psycopg

        parts = urlsplit(self.given)
        admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
        with psycopg.connect(admin, autocommit=True) as conn:
            return conn.execute(sql, params).fetchone() is not None if params else bool(conn.execute(sql))

    def exists(self) -> bool:
        return self._admin("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])

    def _drop(self) -> None:
        self._admin(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.name}' "
            "AND pid <> pg_backend_pid()"
        )
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')

    def recreate(self) -> None:
        """An empty database (PostgreSQL); the caller closes Django's connection first."""
        self._drop()
        self._admin(f'CREATE DATABASE "{self.name}"')
        self.fresh = True

    def close(self, *, keep: bool = False) -> None:
        from django.db import connection

        connection.close()
        if self.tmpdir is not None:
            self.tmpdir.cleanup()
        elif not keep:
            self._drop()
