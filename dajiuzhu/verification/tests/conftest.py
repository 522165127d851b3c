"""Fixtures of the verification tests: a county administrator who receives deliveries, a township reviewer
who requests checks, and household_a (张建国, 李秀英, 张小明 in 东关村; root conftest)."""

from __future__ import annotations

import datetime as dt

import pytest

from dajiuzhu.core import clock


@pytest.fixture
def county_admin(make_user):
    return make_user("county_approver", "county")


@pytest.fixture
def other_county_admin(make_user):
    return make_user("county_approver", "county2", username="qihe_admin")


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


@pytest.fixture
def deliver(county_admin):
    """Deliver rows for a source through the API-push service, optionally dated in the past."""
    from dajiuzhu.verification.ingest import batch_ingest_rows

    def run(source: str, rows: list[dict], days_ago: int = 0, label: str = ""):
        at = clock.now() - dt.timedelta(days=days_ago)
        return batch_ingest_rows(actor=county_admin, source=source, rows=rows, delivered_at=at, label=label)

    return run
