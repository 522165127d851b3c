"""Database helpers every app may use."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Sum

from dajiuzhu.core.money import FEN


def analyze(*models: Any) -> None:
    """Fresh PostgreSQL planner statistics for the tables of `models`, just loaded in bulk: without them
    the next big reads plan nested loops over millions of rows, and autovacuum may be minutes away.
    Nothing on SQLite."""
    if connection.vendor != "postgresql" or not models:
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models))


class MoneySum(Sum):
    """Sum of a money (yuan) column as a Decimal to the fen on every database. SQLite adds decimals as
    REAL and hands back an unscaled Decimal (8860, 0.3000000000004), which pages would show as such;
    PostgreSQL's numeric sum is exact already and passes unchanged."""

    def get_db_converters(self, connection: Any) -> list[Any]:
        return [*super().get_db_converters(connection), _to_fen]


def _to_fen(value: Any, expression: Any, connection: Any) -> Any:
    return value if value is None else Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
