"""Fixtures of the monitoring tests: three households (a 低保 household in grid A of 临邑县, a plain
registry household in village B, a 低保 household in 齐河县), the catalogue items the visits file, and
a feed helper that turns rows into a CSV delivery."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from dajiuzhu.core import idnumber
from dajiuzhu.registry.services import household_create

DAY = dt.date(2026, 3, 2)  # a Monday


def make_id(region: str, birth: dt.date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + idnumber.check_char(body)


IDS = {
    "zhang": make_id("371424", dt.date(1970, 5, 1), 11),  # head, 临邑 grid A, 低保
    "zhang_son": make_id("371424", dt.date(2008, 9, 1), 13),
    "li": make_id("371424", dt.date(1985, 2, 3), 21),  # head, 临邑 village B, no category
    "wang": make_id("371425", dt.date(1960, 7, 7), 31),  # head, 齐河, 低保
    "stranger": make_id("371424", dt.date(1990, 1, 1), 99),  # nobody in the registry
}


@pytest.fixture
def grid_user(make_user: Any) -> Any:
    return make_user("grid_worker", "grid_a")


@pytest.fixture
def county_user(make_user: Any) -> Any:
    return make_user("county_approver", "county")


@pytest.fixture
def county2_user(make_user: Any) -> Any:
    return make_user("county_approver", "county2")


@pytest.fixture
def departments(db: Any) -> dict[str, Any]:
    from dajiuzhu.accounts.models import Department

    return {
        code: Department.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in (("minzheng", "民政"), ("yibao", "医保"), ("canlian", "残联"))
    }


@pytest.fixture
def items(departments: dict[str, Any]) -> dict[str, Any]:
    from dajiuzhu.intake.models import AssistanceItem

    medical = AssistanceItem.objects.create(
        code="medical", name="医疗救助", department=departments["yibao"], programme="", accept_level="township",
        decide_level="department", needs_investigation=False, needs_check=False, needs_opinion=False,
        public_notice=False, materials=[{"name": "医疗费用票据", "platform": False}],
    )  # fmt: skip
    dibao = AssistanceItem.objects.create(
        code="dibao", name="最低生活保障", department=departments["minzheng"], programme="",
        accept_level="township", decide_level="county",
        materials=[{"name": "低保申请书", "platform": False}],
    )  # fmt: skip
    return {"medical": medical, "dibao": dibao}


@pytest.fixture
def families(areas: dict[str, Any], make_user: Any) -> dict[str, Any]:
    village = make_user("village_assistant", "village_a", username="va")
    village_b = make_user("village_assistant", "village_b", username="vb")
    village_c = make_user("village_assistant", "village_c", username="vc")
    zhang = household_create(
        actor=village, area=areas["grid_a"],
        data={"address": "东关村1组1号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[
            {"id_number": IDS["zhang"], "name": "张大山", "relation": "head", "employment": "farming"},
            {"id_number": IDS["zhang_son"], "name": "张小山", "relation": "child", "school_stage": "junior"},
        ],
    )  # fmt: skip
    li = household_create(
        actor=village_b, area=areas["village_b"],
        data={"address": "西关村2组2号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[{"id_number": IDS["li"], "name": "李四", "relation": "head", "employment": "employed"}],
    )  # fmt: skip
    wang = household_create(
        actor=village_c, area=areas["village_c"],
        data={"address": "城南社区3号", "residence_type": "urban", "hukou_type": "resident"},
        members=[{"id_number": IDS["wang"], "name": "王五", "relation": "head"}],
    )  # fmt: skip
    return {"zhang": zhang, "li": li, "wang": wang}


@pytest.fixture
def entitlements(families: dict[str, Any], items: dict[str, Any], county_user: Any) -> dict[str, Any]:
    """低保 for 张 and 王, as a county decision would have left it (set up directly: the workflow that
    grants it is intake's and tested there)."""
    from dajiuzhu.benefits.models import Entitlement
    from dajiuzhu.benefits.services import entitlement_start
    from dajiuzhu.intake.models import Application, Kind, Status

    out = {}
    for key in ("zhang", "wang"):
        household = families[key]
        app = Application.objects.create(
            number=f"SQ-{key}", kind=Kind.NEW, item=items["dibao"], household=household,
            applicant=household.head, area=household.area, department=items["dibao"].department,
            status=Status.APPROVED, filed_by=county_user,
        )  # fmt: skip
        ent = entitlement_start(
            application=app,
            amount=Decimal("500.00"),
            start_month=dt.date(2025, 1, 1),
            review_months=12,
            decided_by=None,
        )
        Entitlement.objects.filter(pk=ent.pk).update(next_review_on=dt.date(2027, 1, 1))
        ent.refresh_from_db()
        out[key] = ent
    return out


@pytest.fixture
def population(entitlements: dict[str, Any]) -> Any:
    from dajiuzhu.monitoring.services import population_refresh

    return population_refresh(today=DAY - dt.timedelta(days=30))


# Values of the contract's required columns (policy/sources/<CODE>.yaml) a test does not look at: added
# to a delivery whose header lacks them.
FILLERS: dict[str, dict[str, str]] = {
    "MEDICAL_SETTLEMENT": {"total_yuan": "50000.00"},
    "DEATH_FUNERAL": {"record_id": "D1", "kind": "火化"},
    "UNEMPLOYMENT": {"record_id": "U1", "status": "失业"},
    "DISABILITY_CARD": {"record_id": "C0"},
    "STUDENT_AID": {"record_id": "S1", "school": "县第一中学", "aid_kind": "国家助学金"},
    "VEHICLE": {"vehicle_kind": "小型汽车", "status": "正常"},
    "RELAPSE_LIST": {"record_id": "R1", "category": "边缘易致贫户", "risk_removed": "否"},
}


def feed_csv(source: str, header: list[str], rows: list[list[Any]]) -> bytes:
    """A CSV delivery of `source`: the given columns plus the contract's other required columns."""
    extra = {k: v for k, v in FILLERS.get(source, {}).items() if k not in header}
    return csv_bytes([*header, *extra], [[*r, *extra.values()] for r in rows])


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def city_feed_user(make_user: Any) -> Any:
    """The data-sharing platform's account: city-wide, so its deliveries reach both counties (a county's
    own upload reaches its own households only)."""
    return make_user("sysadmin", "city", username="city_feeds")


@pytest.fixture
def ingest(city_feed_user: Any) -> Any:
    from dajiuzhu.monitoring.feeds import feed_ingest

    def run(
        source: str, header: list[str], rows: list[list[Any]], name: str = "feed.csv", on: dt.date = DAY
    ) -> Any:
        return feed_ingest(
            user=city_feed_user, source=source, data=feed_csv(source, header, rows), file_name=name, on=on
        )

    return run
