"""Background tasks (django-tasks, database backend): one assessment run per task, idempotent."""

from __future__ import annotations

from django_tasks import task


@task()
def assessment_run_task(run_id: int) -> None:
    from .services import run_execute

    run_execute(run_id=run_id)
