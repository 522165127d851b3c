"""Database helpers every app may use."""

from __future__ import annotations

from typing import Any

from django.db import connection


def analyze(*models: Any) -> None:
    """Fresh PostgreSQL planner statistics for the tables of `models`, just loaded in bulk: without them
    the next big reads plan nested loops over millions of rows, and autovacuum may be minutes away.
    Nothing on SQLite."""
    if connection.vendor != "postgresql" or not models:
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models))
