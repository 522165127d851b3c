"""Shared fixtures of the elderly-care tests: a county user, an assessed elder, a provider and a carer
with a login."""

import pytest

from dajiuzhu.eldercare import homecare, services
from dajiuzhu.rules import ability


@pytest.fixture
def county_user(make_user):
    return make_user("county_approver", "county")


@pytest.fixture
def elder(county_user, household_b):
    scores = {i.code: i.max for i in ability.instrument().items}
    for code in (
        "eating",
        "grooming",
        "bathing",
        "upper_dressing",
        "lower_dressing",
        "urination",
        "defecation",
        "toileting",
    ):
        scores[code] = 0  # 58 points: 中度失能 → "other" elder: 10 free hours a month
    data = {"reason": "initial", "assessed_on": "2026-11-20", "organisation": "中心", "scores": scores}
    services.assessment_record(
        user=county_user, person_id=household_b.head.pk, data={**data, "assessor_1": "甲", "assessor_2": "乙"}
    )
    return household_b.head


@pytest.fixture
def provider(county_user):
    return homecare.provider_save(
        user=county_user,
        data={
            "name": "颐养居家服务中心",
            "contract_number": "HT-2026-01",
            "contract_from": "2026-01-01",
            "contract_to": "2026-12-31",
        },
    )


@pytest.fixture
def carer(county_user, provider, make_user):
    carer = homecare.carer_add(
        user=county_user, provider_id=provider.pk, data={"name": "孙护理", "phone": "13700000001"}
    )
    carer.user = make_user("carer", "county", username="carer1")
    carer.save()
    return carer
