"""The active-discovery report form (page and API), by ID number or by household number, answers "not
registered", "outside your area" and "in no household" identically, and audits each miss."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.monitoring.models import Alert, DiscoveryReport
from dajiuzhu.registry.selectors import LOOKUP_MISS_ID, LOOKUP_MISS_NUMBER
from dajiuzhu.registry.tests.oracle import (
    CASES,
    OTHER_COUNTY_HOUSEHOLD,
    assert_one_answer,
    denied_rows,
    make_cases,
)

pytestmark = pytest.mark.django_db

UNKNOWN_NUMBER = "37142410020199999"


@pytest.fixture
def cases(make_user, areas):
    return make_cases(make_user, areas)


def _page(client, field, value):
    return client.post(
        reverse("monitoring:report"), {"channel": "hotline", "content": "来电反映生活困难", field: value}
    )


def _api(client, field, value):
    return client.post("/api/monitoring/reports", {"channel": "hotline", "content": "来电反映生活困难", field: value},
                       content_type="application/json")  # fmt: skip


def _client(client, user, lookup):
    if lookup is _api:
        _token, key = api_token_create(user=user, name="test")
        return Client(headers={"Authorization": f"Bearer {key}"})
    client.force_login(user)
    return client


@pytest.mark.parametrize("lookup", [_page, _api], ids=["page", "api"])
def test_report_by_id_number_gives_one_answer_for_every_miss(client, worker_a, household_a, cases, lookup):
    client = _client(client, worker_a, lookup)
    responses = {case: lookup(client, "id_number", cases[case]) for case in CASES}
    body = assert_one_answer(responses, {c: cases[c] for c in CASES})
    assert LOOKUP_MISS_ID in body
    for case in CASES:
        assert denied_rows(cases[case]) == 1, case
    assert DiscoveryReport.objects.count() == 0 and Alert.objects.count() == 0


@pytest.mark.parametrize("lookup", [_page, _api], ids=["page", "api"])
def test_report_by_household_number_gives_one_answer(client, worker_a, household_a, cases, lookup):
    client = _client(client, worker_a, lookup)
    foreign = cases[OTHER_COUNTY_HOUSEHOLD].number
    responses = {"unknown": lookup(client, "household_number", UNKNOWN_NUMBER),
                 "foreign": lookup(client, "household_number", foreign)}  # fmt: skip
    body = assert_one_answer(responses, {"unknown": UNKNOWN_NUMBER, "foreign": foreign})
    assert LOOKUP_MISS_NUMBER in body
    assert denied_rows(UNKNOWN_NUMBER, masked=False) == 1 and denied_rows(foreign, masked=False) == 1
    assert DiscoveryReport.objects.count() == 0
    # the worker's own household is accepted
    ok = lookup(client, "household_number", household_a.number)
    assert ok.status_code in (201, 302) and DiscoveryReport.objects.count() == 1
