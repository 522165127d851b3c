"""`dajiuzhu demo_setup`: a ready-to-try demo (Dezhou areas, departments, 2,000 households, one user per
role). Idempotent: every step only adds what is missing; the login table is printed every time."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count

from dajiuzhu.accounts.models import Department, User
from dajiuzhu.accounts.roles import Role
from dajiuzhu.accounts.services import departments_ensure_defaults, user_create
from dajiuzhu.areas.models import Area
from dajiuzhu.areas.services import areas_load
from dajiuzhu.core import idnumber
from dajiuzhu.demo.guard import DemoCommand
from dajiuzhu.registry.models import Household, OutsideSupporter
from dajiuzhu.registry.seeding import seed_households
from dajiuzhu.registry.services import outside_supporter_add

DEMO_PASSWORD = "demo12345!"
DEMO_COUNTY = "371424"
DEMO_CITY = "3714"
DEMO_HOUSEHOLDS = 2000
DEMO_SEED = 42


class Command(DemoCommand):
    help = "准备演示环境：德州区划、部门、2000户模拟数据、每个角色一个演示账号"

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        loaded = areas_load(city=DEMO_CITY)
        if loaded.created:
            self.stdout.write(f"已导入德州市行政区划 {loaded.created} 条")
        departments_ensure_defaults()
        if not Household.objects.filter(area__county_code=DEMO_COUNTY).exists():
            stats = seed_households(households=DEMO_HOUSEHOLDS, seed=DEMO_SEED, area_code=DEMO_COUNTY)
            self.stdout.write(f"已生成临邑县模拟数据 {stats.households} 户、{stats.persons} 人")

        village = self._demo_village()
        first = Household.objects.filter(area__village_code=village.code).order_by("number").first()
        assert first is not None
        plan = [
            ("village", Role.VILLAGE_ASSISTANT, village, None),
            ("grid", Role.GRID_WORKER, first.area, None),
            ("township", Role.TOWNSHIP_REVIEWER, Area.objects.get(code=village.township_code), None),
            ("county", Role.COUNTY_APPROVER, Area.objects.get(code=DEMO_COUNTY), None),
            # A second county approver: payment rolls are approved by someone who did not prepare them.
            ("finance", Role.COUNTY_APPROVER, Area.objects.get(code=DEMO_COUNTY), None),
            ("yibao", Role.DEPARTMENT_WINDOW, Area.objects.get(code=DEMO_COUNTY), "yibao"),
            ("analyst", Role.CITY_ANALYST, Area.objects.get(code=DEMO_CITY), None),
            ("auditor", Role.AUDITOR, Area.objects.get(code=DEMO_CITY), None),
            ("admin", Role.SYSADMIN, Area.objects.get(code="37"), None),
        ]
        rows = []
        for username, role, area, department_code in plan:
            user = User.objects.filter(username=username).select_related("area").first()
            if user is None:
                department = Department.objects.get(code=department_code) if department_code else None
                user = user_create(
                    actor=None,
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                    area=area,
                    full_name=f"演示{Role(role).label}",
                    department=department,
                    is_superuser=role == Role.SYSADMIN,
                )
            rows.append(
                (
                    username,
                    str(Role(user.role).label),
                    user.area.full_name if user.area else "",
                    DEMO_PASSWORD,
                )
            )
        self._supporters(village, User.objects.get(username="village"))
        self._print_table(rows)

    def _supporters(self, village: Area, worker: User) -> None:
        """Two households of the demo village with statutory supporters living elsewhere (特困 condition 3):
        a son in the city who earns enough to support, and a son in prison with no property."""
        if OutsideSupporter.objects.filter(household__area__village_code=village.code).exists():
            return
        households = list(Household.objects.filter(area__village_code=village.code).order_by("number")[:2])
        sons = [
            {
                "name": "演示儿子甲",
                "birth": "19850312",
                "monthly_income": "6500",
                "financial_assets": "50000",
            },
            {"name": "演示儿子乙", "birth": "19800707", "status": "in_prison"},
        ]
        for seq, (household, son) in enumerate(zip(households, sons, strict=False), start=1):
            body = f"{DEMO_COUNTY}{son.pop('birth')}{seq:02d}1"
            outside_supporter_add(actor=worker, household_id=household.pk, data={
                "relation": "child", "id_number": body + idnumber.check_char(body), **son,
            })  # fmt: skip
        self.stdout.write(f"已登记演示户外法定义务人 {len(households)} 名")

    def _demo_village(self) -> Area:
        """The village of the demo county with the most households (stable across runs)."""
        best = (
            Household.objects.filter(area__county_code=DEMO_COUNTY)
            .values("area__village_code")
            .annotate(n=Count("id"))
            .order_by("-n", "area__village_code")
            .first()
        )
        assert best is not None
        return Area.objects.get(code=best["area__village_code"])

    def _print_table(self, rows: list[tuple[str, str, str, str]]) -> None:
        header = ("用户名", "角色", "所属区域", "密码")
        self.stdout.write("演示账号：")
        self.stdout.write(" | ".join(header))
        for row in rows:
            self.stdout.write(" | ".join(row))
