"""`dajiuzhu eldercare_demo`: a county welfare centre and a rural home with beds by care type, assessed
elders of the demo village, residents and a waiting list. Idempotent."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dajiuzhu.accounts.models import User
from dajiuzhu.demo import eldercare as demo
from dajiuzhu.demo.guard import DemoCommand


class Command(DemoCommand):
    help = "演示数据：养老机构和床位、老年人能力评估、入住和轮候"

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        county = User.objects.filter(username="county").select_related("area").first()
        village = User.objects.filter(username="village").select_related("area").first()
        if county is None or village is None or village.area is None:
            self.stdout.write("未找到演示账号，请先运行 demo_setup")
            return
        from dajiuzhu.demo.management.commands.demo_setup import DEMO_PASSWORD

        for note in demo.run(county=county, village_code=village.area.code).notes:
            self.stdout.write(note)
        for note in demo.home_care(
            county=county, village_code=village.area.code, password=DEMO_PASSWORD
        ).notes:
            self.stdout.write(note)
