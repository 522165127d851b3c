"""`dajiuzhu load_areas [--province 37] [--city 3714]`: load the vendored division table into Area."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dajiuzhu.areas.services import areas_load


class Command(BaseCommand):
    help = "导入内置的行政区划（省、市、县、乡镇、村），已存在的代码跳过"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--province", default="37", help="省级代码，默认37（山东）")
        parser.add_argument("--city", default=None, help="只导入一个地级市，例如 3714（德州）")

    def handle(self, *args: Any, province: str, city: str | None, **options: Any) -> None:
        started = time.perf_counter()
        try:
            stats = areas_load(province=province, city=city)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"行政区划：读取 {stats.read} 条，新增 {stats.created} 条，"
            f"跳过已有 {stats.read - stats.created} 条，用时 {elapsed:.1f} 秒"
        )
