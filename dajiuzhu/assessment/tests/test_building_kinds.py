"""Registry records the engine reads by kind: vehicles by kind, excluded incomes, transfer spending."""

from __future__ import annotations

import datetime as dt

import pytest

from dajiuzhu.assessment import services
from dajiuzhu.assessment.building import load_frames
from dajiuzhu.registry.services import household_record_add

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 15)
PERIOD = {"period_start": "2025-03-01", "period_end": "2026-02-28"}


def _add(worker, household, record, **data):
    household_record_add(actor=worker, household_id=household.pk, kind=record, data={**data, **PERIOD}
                         if record != "asset" else data)  # fmt: skip


def test_vehicles_reach_the_engine_by_kind(worker_a, elder):
    # given a production vehicle, a disabled person's vehicle and a car marked exempt by the caseworker
    for kind, value, exempt in (("production", "40000", False), ("disability", "8000", False),
                                ("private", "90000", True)):  # fmt: skip
        _add(worker_a, elder, "asset", asset_type="vehicle", vehicle_kind=kind, value=value, exempt=exempt,
             recorded_on="2026-01-10")  # fmt: skip
    # when the engine inputs are built
    row = load_frames(on=ON, lookback_months=12, household_ids=[elder.pk]).households.row(0, named=True)
    # then each kind has its count and highest value, and the exempt car is left out
    assert (row["production_vehicles"], row["production_vehicle_value_fen"]) == (1, 4_000_000)
    assert (row["disability_vehicles"], row["disability_vehicle_value_fen"]) == (1, 800_000)
    assert (row["vehicles"], row["agricultural_vehicles"]) == (0, 0)


def test_excluded_incomes_are_read_as_excluded_and_local_items_follow_the_dated_list(worker_a, elder):
    # given 1,200 yuan of 优待抚恤金, 1,440 of 残疾人两项补贴 and 600 of 价格临时补贴 over the 12 months, and
    # 1,200 of maintenance paid to a daughter's household
    head = elder.head_id
    _add(worker_a, elder, "income", income_type="special_care", amount="1200.00", person=head)
    _add(worker_a, elder, "income", income_type="disability_allowances", amount="1440.00", person=head)
    _add(worker_a, elder, "income", income_type="price_subsidy", amount="600.00", person=head)
    _add(worker_a, elder, "expenditure", kind="transfer_out", amount="1200.00", person=head)
    # when the check runs for 临邑县 (Shandong lists only 残疾人两项补贴 as a local exclusion)
    outcome = services.check_household(user=worker_a, household_id=elder.pk, on=ON)
    person = outcome.result.persons[0]
    # then 优待抚恤金 and the listed allowance are excluded, the unlisted subsidy is counted as other income,
    # and the maintenance paid is deducted from transfers
    assert person["excluded_special_care_fen"] == 10_000
    assert person["excluded_local_fen"] == 12_000
    assert person["income_other_fen"] == 5_000
    assert person["transfer_spending_fen"] == 10_000
    assert person["net_transfer"] == 30_000 - 10_000
    assert person["excluded_income"] == 22_000
    assert person["countable_income"] == 20_000 + 5_000
