"""`dajiuzhu db_worker`: django-tasks-db's worker, which first recovers the jobs that a killed worker (or
web process) left RUNNING: every receiver of core.leases.worker_starting fails its orphaned jobs with
a reason in Chinese, so that they can be retried (assessment runs, Excel imports).

This command takes precedence over django_tasks_db's because dajiuzhu.core is listed before it in
INSTALLED_APPS (config/settings.py)."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as WorkerCommand

from dajiuzhu.core.leases import worker_starting

log = logging.getLogger("dajiuzhu.worker")


class Command(WorkerCommand):
    help = "运行后台任务进程（启动时先回收被中断的研判和导入）"

    def handle(self, *args: Any, **options: Any) -> None:
        for receiver, recovered in worker_starting.send_robust(sender=self.__class__):
            if isinstance(recovered, Exception):
                log.error("recovery %s failed: %r", receiver, recovered)
            elif recovered:
                log.warning("recovered at worker start (%s): %s", getattr(receiver, "__qualname__", receiver),
                            recovered)  # fmt: skip
                if options.get("verbosity", 1):
                    self.stdout.write(f"已回收中断的任务：{recovered}")
        super().handle(*args, **options)
