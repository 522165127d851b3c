"""`dajiuzhu intake_demo`: load the catalogue and put a few applications at each stage of the workflow
in the demo village, so every workbench of the demo has something to do. Idempotent."""

from __future__ import annotations

from typing import Any

from dajiuzhu.accounts.models import User
from dajiuzhu.core import clock
from dajiuzhu.demo.guard import DemoCommand
from dajiuzhu.intake import services
from dajiuzhu.intake.models import Application, AssistanceItem
from dajiuzhu.registry.models import Household

# (item, how far it goes): submitted → township queue; checking → county; notice → the village board;
# decision → county; approved → an entitlement from next month; medical → the 医保 window's queue.
PLAN = [
    ("dibao", "submitted"),
    ("dibao", "submitted"),
    ("tekun", "accepted"),
    ("dibao", "checking"),
    ("edge", "opinion"),
    ("dibao", "notice"),
    ("dibao", "approved"),
    ("medical", "submitted"),
    ("temporary_urgent", "submitted"),
    # Filed by the village with the authorisation still to bring: in the village's own queue.
    ("rigid", "materials"),
]


class Command(DemoCommand):
    help = "演示数据：载入救助事项目录，并在演示村生成处于各环节的申请"

    def handle(self, *args: Any, **options: Any) -> None:
        added = services.catalogue_load()
        if added:
            self.stdout.write(f"已载入救助事项 {added} 项")
        users = {u.username: u for u in User.objects.filter(username__in=["village", "township", "county"])}
        if len(users) < 3:
            self.stdout.write("未找到演示账号，请先运行 demo_setup")
            return
        village = users["village"]
        assert village.area is not None
        if Application.objects.filter(filed_by__in=users.values()).exists():
            return
        today = clock.today()
        used: set[int] = set()
        made = 0
        for code, stage in PLAN:
            item = AssistanceItem.objects.filter(code=code).first()
            household = (
                self._village_household(village.area.code, used)
                if stage == "materials"
                else self._household(village.area.township_code, code, used)
            )
            if item is None or household is None or household.head is None:
                continue
            used.add(household.pk)
            materials = {code: [m["name"] for m in item.materials if not m.get("platform")]}
            if stage == "materials":
                materials[code] = materials[code][1:]
            # The village declares for its own households; the township window files for the others.
            filer = village if household.area.village_code == village.area.code else users["township"]
            receipt = services.applications_file(
                user=filer, id_number=household.head.id_number, items=[code], materials=materials,
                reason="演示：家庭收入低于当地低保标准", today=today,
            )  # fmt: skip
            app = receipt.applications.get()
            self._advance(app.pk, stage, users, today)
            made += 1
        self.stdout.write(f"已生成演示申请 {made} 件（乡镇、县级、部门待办中可见）")

    def _village_household(self, village_code: str, used: set[int]) -> Household | None:
        qs = Household.objects.filter(area__village_code=village_code, is_active=True, head__isnull=False)
        return qs.exclude(pk__in=used).select_related("head", "area").order_by("number").first()

    def _household(self, township_code: str, code: str, used: set[int]) -> Household | None:
        """A household of the township the latest assessment run finds eligible for the item, if any."""
        from dajiuzhu.assessment.models import HouseholdResult

        eligible: dict[str, dict[str, Any]] = {
            "dibao": {"dibao_status__in": [1, 3]},
            "edge": {"edge_status": 1},
            "tekun": {"n_tekun__gt": 0},
        }
        qs = Household.objects.filter(area__township_code=township_code, is_active=True, head__isnull=False)
        qs = qs.exclude(pk__in=used).select_related("head", "area").order_by("number")
        if code in eligible:
            ids = HouseholdResult.objects.filter(township_code=township_code, **eligible[code]).values(
                "household_id"
            )
            found = qs.filter(pk__in=ids).first()
            if found is not None:
                return found
        return qs.first()

    def _advance(self, pk: int, stage: str, users: dict[str, User], today: Any) -> None:
        order = ["submitted", "accepted", "checking", "opinion", "notice", "approved"]
        town, county = users["township"], users["county"]
        target = order.index(stage) if stage in order else 0
        app = Application.objects.get(pk=pk)
        if target >= 1 and app.status == "submitted":
            app = services.application_accept(user=town, application_id=pk, today=today)
        if target >= 2 and app.status == "accepted":
            app = services.application_investigate(
                user=town, application_id=pk, visited_on=today, investigators=["演示调查员甲", "演示调查员乙"],
                present_members="户主", findings="演示：家中无劳动力，收入来源少", today=today,
            )  # fmt: skip
        if target >= 3 and app.status == "checking":
            app = services.application_check(user=county, application_id=pk, today=today)
        if target >= 4 and app.status == "opinion":
            amount = (app.check_result.get("programme") or {}).get("amount") or "500.00"
            app = services.application_opinion(user=town, application_id=pk, approve=True, reason="演示：符合条件",
                                               amount=amount, today=today)  # fmt: skip
        if target >= 5 and app.status == "notice":
            # The demo closes the notice as if its period had run (the day after it ends, holidays included).
            import datetime as dt

            ends_on = (
                app.notices.filter(kind="publicity", closed=False)
                .order_by("-round")
                .values_list("ends_on", flat=True)
                .first()
            )
            later = (ends_on or today) + dt.timedelta(days=1)
            app = services.notice_close(user=town, application_id=pk, today=later)
            if services.county_visit_needed(app):
                app = services.application_county_visit(
                    user=county, application_id=pk, visited_on=today, investigators=["县局甲", "县局乙"],
                    present_members="户主", findings="演示：情况属实", today=later,
                )  # fmt: skip
            services.application_decide(user=county, application_id=pk, approve=True, reason="演示：经审核符合条件",
                                        amount=app.proposed_amount or "500.00", today=later)  # fmt: skip
