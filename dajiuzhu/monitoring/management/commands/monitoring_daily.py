"""`manage.py monitoring_daily`: refresh the monitored population's category history and escalate
overdue visit tasks to the township. Run it from cron once a day; a second run the same day adds nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dajiuzhu.core.commands import date_option
from dajiuzhu.core.errors import DomainError
from dajiuzhu.monitoring.services import daily_jobs


class Command(BaseCommand):
    help = "每日任务：更新监测对象类别、走访任务逾期督办"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期运行 YYYY-MM-DD，默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        on = date_option(options.get("date"))
        try:
            counts = daily_jobs(today=on)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{on:%Y-%m-%d} 监测每日任务完成：逾期督办 {counts.escalated} 件，监测类别新增 {counts.opened} 条、"
            f"结束 {counts.closed} 条"
        )
