"""The engine counts what the latest verification report found, when the registry does not show it."""

from __future__ import annotations

import datetime as dt

import pytest

from dajiuzhu.assessment import services
from dajiuzhu.assessment.building import load_frames
from dajiuzhu.core import clock
from dajiuzhu.verification.models import Conclusion, RequestStatus, VerificationRequest

pytestmark = pytest.mark.django_db

SUMMARY = {"financial_assets_fen": 8_000_000, "vehicle_count": 1, "dwelling_count": 2, "business_count": 0}


def _report(household, summary):
    return VerificationRequest.objects.create(
        household=household, sources=["BANK_DEPOSIT", "VEHICLE"], status=RequestStatus.DONE,
        conclusion=Conclusion.NEEDS_HOME_VISIT, report={"summary": summary},
    )  # fmt: skip


def test_report_assets_enter_the_engine_inputs(worker_a, elder):
    on = clock.today().replace(day=1) + dt.timedelta(days=40)
    # given the registry shows no assets
    before = load_frames(on=on, lookback_months=12, household_ids=[elder.pk]).households.row(0, named=True)
    assert (before["financial_assets_fen"], before["vehicles"], before["dwellings"]) == (0, 0, 0)
    # when the agencies' data show 80,000 yuan in the bank, a car and two dwellings
    _report(elder, SUMMARY)
    after = load_frames(on=on, lookback_months=12, household_ids=[elder.pk]).households.row(0, named=True)
    # then the engine sees them (the larger of registry and report)
    assert (after["financial_assets_fen"], after["vehicles"], after["dwellings"], after["has_business"]) == (
        8_000_000, 1, 2, False)  # fmt: skip


def test_only_the_latest_report_counts_and_the_check_explains_it(worker_a, elder):
    on = clock.today().replace(day=1) + dt.timedelta(days=40)
    _report(elder, SUMMARY)
    _report(elder, {**SUMMARY, "vehicle_count": 0, "financial_assets_fen": 100})
    row = load_frames(on=on, lookback_months=12, household_ids=[elder.pk]).households.row(0, named=True)
    assert (row["financial_assets_fen"], row["vehicles"]) == (100, 0)
    outcome = services.check_household(user=worker_a, household_id=elder.pk, on=on)
    assert outcome.result.household["financial_assets_fen"] == 100
