"""`manage.py monitoring_feed SOURCE FILE`: take one delivery from a file (a scheduled pull or a
department's drop folder), as the system. Prints the delivery's result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dajiuzhu.core.errors import DomainError
from dajiuzhu.monitoring.feeds import feed_ingest


class Command(BaseCommand):
    help = "接入一个部门数据文件：比对、预警、生成走访任务"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="数据源代码，如 MEDICAL_SETTLEMENT")
        parser.add_argument("file", help="csv、jsonl 或 parquet 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            result = feed_ingest(user=None, source=options["source"], data=path, channel="schedule")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"批次#{result.delivery.pk}：{result.delivery.get_status_display()}。{result.delivery.message}"
        )
