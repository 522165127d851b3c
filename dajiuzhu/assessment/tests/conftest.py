"""Fixtures of the assessment tests: a man of 71 living alone on 300 yuan a month (he is 特困)."""

import pytest

from dajiuzhu.registry.services import household_create, household_record_add

ELDER_ID = "371424195501010013"


@pytest.fixture
def elder(worker_a, areas):
    """Village A: 赵老汉, 71, no labour capacity, 3,600 yuan of transfers over the 12 months before
    March 2026 (300 a month), nobody to support him."""
    household = household_create(
        actor=worker_a,
        area=areas["village_a"],
        data={"address": "东关村5组1号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[{"id_number": ELDER_ID, "name": "赵老汉", "relation": "head", "labour_capacity": "none"}],
    )
    household_record_add(actor=worker_a, household_id=household.pk, kind="income", data={
        "income_type": "transfer", "amount": "3600.00", "period_start": "2025-03-01", "period_end": "2026-02-28",
        "person": household.head_id,
    })  # fmt: skip
    return household
