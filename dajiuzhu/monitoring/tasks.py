"""Background tasks (django-tasks) of monitoring: the daily job (category history, 逾期督办) and a feed
delivery picked up from a file (scheduled pulls). Both idempotent: a retried or doubled run adds nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django_tasks import task


@task()
def monitoring_daily_task(day: str | None = None) -> dict[str, int]:
    from .services import daily_jobs

    today = dt.date.fromisoformat(day) if day else None
    return daily_jobs(today=today).as_dict()


@task()
def monitoring_feed_task(source: str, path: str) -> dict[str, int | str]:
    """A scheduled delivery dropped on disk: the same path as an upload, attributed to the system."""
    from .feeds import feed_ingest

    d = feed_ingest(user=None, source=source, data=Path(path), channel="schedule").delivery
    return {"delivery": d.pk, "status": d.status, "alerts": d.alerts_created}
