"""`dajiuzhu seed --households N --seed S [--area CODE]`: fill the registry with synthetic households."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError

from dajiuzhu.areas.models import Area
from dajiuzhu.areas.services import areas_load
from dajiuzhu.demo.guard import DemoCommand
from dajiuzhu.registry.seeding import seed_households


class Command(DemoCommand):
    help = "生成模拟家庭数据（可重复：相同参数生成相同数据）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--households", type=int, required=True, help="户数")
        parser.add_argument("--seed", type=int, default=1, help="随机种子")
        parser.add_argument("--area", default="371424", help="区划代码（县或以下），默认 371424 临邑县")
        parser.add_argument("--batch", type=int, default=20000, help="每批户数")

    def handle(self, *args: Any, households: int, seed: int, area: str, batch: int, **options: Any) -> None:
        started = time.perf_counter()
        if not Area.objects.filter(code=area).exists():
            if len(area) < 4 or not area.startswith("37"):
                raise CommandError(f"区划代码“{area}”不存在，且不在内置的山东区划数据中")
            loaded = areas_load(city=area[:4])
            self.stdout.write(f"已导入行政区划 {loaded.created} 条")
        try:
            stats = seed_households(households=households, seed=seed, area_code=area, batch=batch)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"模拟数据已生成：{stats.households} 户，{stats.persons} 人，收入 {stats.incomes} 条，"
            f"财产 {stats.assets} 条，支出 {stats.expenditures} 条，新建网格 {stats.grids_created} 个；"
            f"用时 {elapsed:.1f} 秒（{stats.households / max(elapsed, 1e-9):,.0f} 户/秒）"
        )
