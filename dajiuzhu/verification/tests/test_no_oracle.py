"""Authorisations and verification requests (pages and API) find the household by ID number: "not
registered", "outside your area" and "in no household" answer identically, and each miss is audited."""

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


def _auth_page(client, number):
    return client.post(reverse("verification:authorisation_new"),
                       {"id_number": number, "signed_on": "2026-03-01", "valid_until": "2027-02-28"})  # fmt: skip


def _request_page(client, number):
    return client.post(reverse("verification:request_new"), {"id_number": number})


def _auth_api(client, number):
    return client.post("/api/verification/authorisations",
                       {"id_number": number, "signed_on": "2026-03-01", "valid_until": "2027-02-28"},
                       content_type="application/json")  # fmt: skip


def _request_api(client, number):
    return client.post("/api/verification/requests", {"id_number": number}, content_type="application/json")


LOOKUPS = [_auth_page, _request_page, _auth_api, _request_api]


@pytest.mark.parametrize("lookup", LOOKUPS, ids=["authorisation-page", "request-page", "authorisation-api",
                                                 "request-api"])  # fmt: skip
def test_verification_lookups_give_one_answer_for_every_miss(
    client, township_user, household_a, cases, lookup
):
    if lookup in (_auth_api, _request_api):
        _token, key = api_token_create(user=township_user, name="test")
        client = Client(headers={"Authorization": f"Bearer {key}"})
    else:
        client.force_login(township_user)
    responses = {case: lookup(client, cases[case]) for case in CASES}
    body = assert_one_answer(responses, {c: cases[c] for c in CASES})
    assert LOOKUP_MISS_ID in body
    for case in CASES:
        assert denied_rows(cases[case]) == 1, case
