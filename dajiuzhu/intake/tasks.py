"""Background tasks (django-tasks, database backend) of intake: the daily jobs, idempotent, so a cron that
enqueues the task twice or a worker that retries it does no harm."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def intake_daily_task(day: str | None = None) -> dict[str, int]:
    """逾期督办, 定期复核 and 死亡变化复核 for `day` (YYYY-MM-DD, default today); returns the counts."""
    from .dynamic import daily_jobs

    today = dt.date.fromisoformat(day) if day else None
    return daily_jobs(today=today).as_dict()
