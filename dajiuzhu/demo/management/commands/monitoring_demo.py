"""`dajiuzhu monitoring_demo`: give the demo's monitoring something to show — the low-income population
refreshed, one 医保 settlement delivery for the demo village (a few large self-pay bills → alerts →
visit tasks for the grid) and one 12349 hotline report. Idempotent: a second run delivers the same file,
which is refused by its hash, and files no second report."""

from __future__ import annotations

from typing import Any

import polars as pl

from dajiuzhu.accounts.models import User
from dajiuzhu.core import clock
from dajiuzhu.demo.guard import DemoCommand
from dajiuzhu.monitoring import services
from dajiuzhu.monitoring.feeds import feed_ingest
from dajiuzhu.monitoring.models import DiscoveryReport
from dajiuzhu.registry.models import Person

# Demo bills in yuan: above the example threshold of the demo county (policy/parameters/*-monitoring.yaml), and
# one small one that raises nothing.
BILLS = ["36800.00", "21500.50", "12890.00", "860.00"]


class Command(DemoCommand):
    help = "演示数据：刷新低收入人口、接入一批医保结算数据、登记一条12349热线反映"

    def handle(self, *args: Any, **options: Any) -> None:
        village = User.objects.filter(username="village").select_related("area").first()
        county = User.objects.filter(username="county").first()
        if village is None or village.area is None or county is None:
            self.stdout.write("未找到演示账号，请先运行 demo_setup")
            return
        today = clock.today()
        services.population_refresh(today=today)
        # One member of each of the first households of the village (their heads).
        people = list(
            Person.objects.filter(
                household__area__village_code=village.area.code, is_deceased=False, relation="head"
            )
            .order_by("household__number", "id")
            .values_list("id_number", flat=True)[: len(BILLS)]
        )
        frame = pl.DataFrame(
            {
                "id_number": people,
                "record_id": [f"YB{today:%Y%m}{i:05d}" for i in range(len(people))],
                "settled_on": [today.replace(day=1).isoformat()] * len(people),
                "total_yuan": [str(round(float(b) * 1.6, 2)) for b in BILLS[: len(people)]],
                "out_of_pocket_yuan": BILLS[: len(people)],
            }
        )
        result = feed_ingest(user=county, source="MEDICAL_SETTLEMENT", data=frame.write_csv().encode(),
                             file_name="医保结算-演示.csv", channel="upload", on=today)  # fmt: skip
        self.stdout.write(
            f"医保结算演示数据：{result.delivery.get_status_display()}。{result.delivery.message}"
        )
        if not DiscoveryReport.objects.exists() and people:
            services.discovery_report(
                user=village, channel="hotline", id_number=people[-1], reporter="匿名",
                content="12349热线：邻居反映该户老人近期摔伤卧床，子女在外务工，生活无人照料。", today=today,
            )  # fmt: skip
            self.stdout.write("已登记12349热线反映1条（网格员走访任务中可见）")
