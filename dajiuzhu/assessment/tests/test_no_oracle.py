"""The instant check (page, htmx fragment, API) answers "not registered", "outside your area" and "in no
household" identically, and audits each miss."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.registry.selectors import LOOKUP_MISS_ID
from dajiuzhu.registry.tests.oracle import CASES, assert_one_answer, denied_rows, make_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(make_user, areas):
    return make_cases(make_user, areas)


def _page(client, number):
    return client.post(reverse("assessment:check"), {"id_number": number, "on": "2026-03-15"})


def _fragment(client, number):
    return client.post(
        reverse("assessment:check"), {"id_number": number, "on": "2026-03-15"}, HTTP_HX_REQUEST="true"
    )


def _api(client, number):
    return client.post("/api/assessment/check", {"id_number": number, "on": "2026-03-15"},
                       content_type="application/json")  # fmt: skip


@pytest.mark.parametrize("lookup", [_page, _fragment, _api], ids=["page", "htmx", "api"])
def test_instant_check_gives_one_answer_for_every_miss(client, worker_a, elder, cases, lookup):
    if lookup is _api:
        _token, key = api_token_create(user=worker_a, name="test")
        client = Client(headers={"Authorization": f"Bearer {key}"})
    else:
        client.force_login(worker_a)
    responses = {case: lookup(client, cases[case]) for case in CASES}
    body = assert_one_answer(responses, {c: cases[c] for c in CASES})
    assert LOOKUP_MISS_ID in body
    for case in CASES:
        assert denied_rows(cases[case]) == 1, case
    # and the check does answer for a household of the worker's own village (the test can tell)
    found = lookup(client, "371424195501010013")
    assert found.status_code == 200 and LOOKUP_MISS_ID not in found.content.decode()
