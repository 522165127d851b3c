"""The one-window lookup and filing (page and API) answer "not registered", "outside your area" and "in no
household" identically, and audit each miss — also when filing through the API, whose transaction the
miss rolls back."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.intake.models import Application
from dajiuzhu.registry.selectors import LOOKUP_MISS_ID
from dajiuzhu.registry.tests.oracle import CASES, assert_one_answer, denied_rows, make_cases

from .conftest import ELDER_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(make_user, areas):
    return make_cases(make_user, areas)


def _lookup_page(client, number):
    return client.post(reverse("intake:start"), {"id_number": number, "action": "lookup"})


def _file_page(client, number):
    return client.post(reverse("intake:start"), {"id_number": number, "action": "file", "items": ["DIBAO"]})


def _file_api(client, number):
    return client.post("/api/intake/applications", {"id_number": number, "items": ["DIBAO"]},
                       content_type="application/json")  # fmt: skip


@pytest.mark.parametrize(
    "lookup", [_lookup_page, _file_page, _file_api], ids=["lookup", "file-page", "file-api"]
)
def test_one_window_gives_one_answer_for_every_miss(client, worker_a, elder, cases, lookup):
    if lookup is _file_api:
        _token, key = api_token_create(user=worker_a, name="test")
        client = Client(headers={"Authorization": f"Bearer {key}"})
    else:
        client.force_login(worker_a)
    responses = {case: lookup(client, cases[case]) for case in CASES}
    body = assert_one_answer(responses, {c: cases[c] for c in CASES})
    assert LOOKUP_MISS_ID in body
    for case in CASES:
        assert denied_rows(cases[case]) == 1, case
    assert Application.objects.count() == 0
    # the worker's own applicant is found (the answer differs, so the test can tell)
    found = _lookup_page(client, ELDER_ID) if lookup is not _file_api else None
    if found is not None:
        assert LOOKUP_MISS_ID not in found.content.decode() and "赵老汉" in found.content.decode()
