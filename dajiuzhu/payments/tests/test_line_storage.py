"""How lines are stored so that a million of them can be paid in one statement: no index reads the
status (so pending → paid is a HOT update on PostgreSQL), the derived live/problem flags follow it."""

from __future__ import annotations

import pytest
from django.db import connection

from dajiuzhu.payments import services
from dajiuzhu.payments.models import LineStatus, RollLine

pytestmark = pytest.mark.django_db


def test_no_index_or_constraint_of_a_line_names_its_status():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, RollLine._meta.db_table)
    indexed = {c for info in constraints.values() if info["index"] or info["unique"] for c in info["columns"]}
    assert "status" not in indexed and "paid_on" not in indexed
    assert {"resolved", "account_id"} <= indexed  # partial indexes whose predicates read the derived flags
    for item in [*RollLine._meta.indexes, *RollLine._meta.constraints]:
        assert "status" not in str(getattr(item, "condition", "")), item.name
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [RollLine._meta.db_table])
            definitions = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [RollLine._meta.db_table])
            options = cursor.fetchone()[0]
        assert definitions and not [d for d in definitions if "status" in d]
        assert "fillfactor=50" in (options or [])


def test_the_database_derives_live_and_problem_from_the_status(
    preparer, entitled, accounts, authority, today
):
    roll = services.roll_prepare(user=preparer, county_code="371424", month="2026-12")
    line = roll.lines.first()
    assert line is not None
    seen = {}
    for status in (LineStatus.PENDING, LineStatus.PAID, LineStatus.FAILED, LineStatus.HELD):
        RollLine.objects.filter(pk=line.pk).update(status=status)
        line.refresh_from_db()
        seen[str(status)] = (line.live, line.problem)
    assert seen == {
        "pending": (True, False),
        "paid": (True, False),
        "failed": (False, True),
        "held": (False, True),
    }
