"""Fixtures of the intake tests: 赵老汉 (71, alone, 300 yuan a month) in village A, the 低保 item as
policy/catalogue.yaml has it, a 医保 item decided by the department, and one user per level."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dajiuzhu.registry.services import household_create, household_record_add

ELDER_ID = "371424195501010013"
# A Monday in March 2026 (the elder's incomes cover the 12 months before March).
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def elder(worker_a: Any, areas: dict[str, Any]) -> Any:
    household = household_create(
        actor=worker_a,
        area=areas["grid_a"],
        data={"address": "东关村5组1号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[{"id_number": ELDER_ID, "name": "赵老汉", "relation": "head", "labour_capacity": "none"}],
    )
    household_record_add(actor=worker_a, household_id=household.pk, kind="income", data={
        "income_type": "transfer", "amount": "3600.00", "period_start": "2025-03-01", "period_end": "2026-02-28",
        "person": household.head_id,
    })  # fmt: skip
    return household


@pytest.fixture
def departments(db: Any) -> dict[str, Any]:
    from dajiuzhu.accounts.models import Department

    return {
        "minzheng": Department.objects.get_or_create(code="minzheng", defaults={"name": "民政"})[0],
        "yibao": Department.objects.get_or_create(code="yibao", defaults={"name": "医保"})[0],
    }


@pytest.fixture
def dibao(departments: dict[str, Any]) -> Any:
    from dajiuzhu.intake.models import AssistanceItem

    return AssistanceItem.objects.create(
        code="dibao", name="最低生活保障", department=departments["minzheng"], programme="dibao",
        accept_level="township", decide_level="county", publish_after=True,
        materials=[{"name": "居民身份证", "platform": True}, {"name": "家庭经济状况核对授权书", "platform": False},
                   {"name": "低保申请书", "platform": False}],
    )  # fmt: skip


@pytest.fixture
def medical(departments: dict[str, Any]) -> Any:
    from dajiuzhu.intake.models import AssistanceItem

    return AssistanceItem.objects.create(
        code="medical", name="医疗救助", department=departments["yibao"], programme="medical",
        accept_level="township", decide_level="department", needs_investigation=False, needs_check=False,
        needs_opinion=False, public_notice=False, decision_days=10,
        materials=[{"name": "医疗费用票据", "platform": False}],
    )  # fmt: skip


ALL_MATERIALS = {"dibao": ["家庭经济状况核对授权书", "低保申请书"], "medical": ["医疗费用票据"]}


@pytest.fixture
def county_user(make_user: Any) -> Any:
    return make_user("county_approver", "county")


@pytest.fixture
def dept_user(make_user: Any) -> Any:
    return make_user("department_window", "county")


@pytest.fixture
def grid_user(make_user: Any) -> Any:
    return make_user("grid_worker", "grid_a")
