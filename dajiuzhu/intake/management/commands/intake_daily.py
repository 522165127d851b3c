"""`dajiuzhu intake_daily`: the daily jobs of intake in this process (逾期督办, 定期复核, 死亡变化复核).
Run it from cron once a day; running it twice on the same day opens nothing new."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dajiuzhu.core.commands import date_option
from dajiuzhu.core.errors import DomainError
from dajiuzhu.intake.dynamic import daily_jobs


class Command(BaseCommand):
    help = "每日任务：逾期督办、生成到期定期复核、家庭成员死亡后的变化复核"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期运行 YYYY-MM-DD，默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        on = date_option(options.get("date"))
        try:
            counts = daily_jobs(today=on)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{on:%Y-%m-%d} 每日任务完成：逾期督办 {counts.escalated} 件，新生成定期复核 {counts.reviews} 件，"
            f"死亡变化复核 {counts.rechecks} 件"
        )
