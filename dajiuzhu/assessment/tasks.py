"""Background tasks (django-tasks, database backend): one assessment run per task, idempotent."""

from __future__ import annotations

from django_tasks import TaskContext, task


@task(takes_context=True)
def assessment_run_task(context: TaskContext, run_id: int) -> None:
    from .services import run_execute

    run_execute(run_id=run_id, task_id=str(context.task_result.id))
