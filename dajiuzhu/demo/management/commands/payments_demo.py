"""`dajiuzhu payments_demo`: last month's roll closed (with a few failed payments, two fixed since), this
month's roll in draft, last month's list published in the demo village. Idempotent."""

from __future__ import annotations

from typing import Any

from dajiuzhu.accounts.models import User
from dajiuzhu.demo import payments as demo
from dajiuzhu.demo.guard import DemoCommand


class Command(DemoCommand):
    help = "演示数据：存量待遇、收款账户、资金指标，上月发放名册（已关闭）和本月名册（草稿）"

    def handle(self, *args: Any, **options: Any) -> None:
        village = User.objects.filter(username="village").select_related("area").first()
        if village is None or village.area is None:
            self.stdout.write("未找到演示账号，请先运行 demo_setup")
            return
        result = demo.run(county_code=village.area.county_code, village_code=village.area.code)
        for note in result.notes:
            self.stdout.write(note)
        if result.rolls:
            self.stdout.write(
                f"资金发放演示：存量待遇 {result.entitlements} 项，收款账户 {result.accounts} 个，"
                f"上月银行退回 {result.failed} 笔；" + "；".join(result.rolls)
            )
