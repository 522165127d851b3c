"""Exchange data stays in the uploader's area: a county's delivery stores records of its own registered
persons (and their recorded supporters) only; a row for another county's person is quarantined with the
same reason as a row for someone registered nowhere, and never reaches the other county's reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.core import clock
from dajiuzhu.registry.services import outside_supporter_add
from dajiuzhu.registry.tests.oracle import (
    NO_HOUSEHOLD,
    NOT_REGISTERED,
    OTHER_COUNTY_HOUSEHOLD,
    OUT_OF_AREA,
    make_cases,
)
from dajiuzhu.verification.ingest import batch_ingest_rows, outside_area_reason
from dajiuzhu.verification.models import ExchangeRecord, QuarantinedRow
from dajiuzhu.verification.services import authorisation_record, verification_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(make_user, areas):
    return make_cases(make_user, areas)


def _row(number: str, record: str, balance: str) -> dict:
    return {"id_number": number, "record_id": record, "bank": "农业银行", "as_of": "2026-03-01",
            "balance_yuan": balance}  # fmt: skip


def _report(user, household):
    today = clock.today()
    authorisation_record(user=user, household_id=household.pk, signed_on=today,
                         valid_until=today + dt.timedelta(days=365))  # fmt: skip
    return verification_request(user=user, household_id=household.pk, sources=["BANK_DEPOSIT"]).report


def test_a_county_a_upload_with_a_county_b_person_does_not_reach_county_b_s_report(
    county_admin, household_a, cases, ids, make_user
):
    # given county A's administrator pushes bank deposits for its own head and for county B's person
    rows = [_row(ids["head"], "A1", "100.00"), _row(OUT_OF_AREA, "B1", "990000.00")]
    batch = batch_ingest_rows(actor=county_admin, source="BANK_DEPOSIT", rows=rows)
    # then only county A's record is stored; county B's row is quarantined with its raw content
    assert (batch.rows_inserted, batch.rows_quarantined) == (1, 1)
    assert list(ExchangeRecord.objects.values_list("id_number", flat=True)) == [ids["head"]]
    q = QuarantinedRow.objects.get(batch=batch)
    assert q.row_number == 2 and q.raw["id_number"] == OUT_OF_AREA and q.raw["balance_yuan"] == "990000.00"
    assert q.reasons == [outside_area_reason(2, "身份证号码")]
    # and county B's report on its household finds nothing of it: the source was not delivered for county B
    # (A's delivery does not make it look fresh there, which would read as "nothing found")
    qihe = make_user("township_reviewer", "township2", username="qihe_town")
    report = _report(qihe, cases[OTHER_COUNTY_HOUSEHOLD])
    result = report["members"][0]["results"][0]
    assert result["result"] == "error" and result["values"] == []
    assert "990000" not in str(report)


def test_county_b_s_own_delivery_reaches_its_report(other_county_admin, cases, make_user):
    batch_ingest_rows(
        actor=other_county_admin, source="BANK_DEPOSIT", rows=[_row(OUT_OF_AREA, "B1", "50.00")]
    )
    qihe = make_user("township_reviewer", "township2", username="qihe_town")
    result = _report(qihe, cases[OTHER_COUNTY_HOUSEHOLD])["members"][0]["results"][0]
    assert result["result"] == "hit" and result["values"][0]["balance_yuan"] == "50.00"


def test_the_row_message_is_the_same_for_another_county_s_person_and_an_unknown_one(county_admin, cases):
    rows = [
        _row(OUT_OF_AREA, "B1", "1.00"),
        _row(NOT_REGISTERED, "C1", "1.00"),
        _row(NO_HOUSEHOLD, "D1", "1.00"),
    ]
    batch = batch_ingest_rows(actor=county_admin, source="BANK_DEPOSIT", rows=rows)
    reasons = dict(QuarantinedRow.objects.filter(batch=batch).values_list("row_number", "reasons"))
    # the same words, only the row number differs
    assert {n: [r.replace(f"第{n}行", "第N行") for r in rs] for n, rs in reasons.items()} == {
        1: [outside_area_reason(0, "身份证号码").replace("第0行", "第N行")],
        2: [outside_area_reason(0, "身份证号码").replace("第0行", "第N行")],
        3: [outside_area_reason(0, "身份证号码").replace("第0行", "第N行")],
    }
    assert batch.unknown_persons == 3 and ExchangeRecord.objects.count() == 0


def test_the_api_shows_the_same_row_message_to_the_uploader(county_admin, cases):
    _token, key = api_token_create(user=county_admin, name="test")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    bodies = {}
    for case, number in (("elsewhere", OUT_OF_AREA), ("nowhere", NOT_REGISTERED)):
        response = client.post("/api/verification/sources/BANK_DEPOSIT/batches",
                               {"rows": [_row(number, "X1", "1.00")]}, content_type="application/json")  # fmt: skip
        assert response.status_code == 201, response.content
        data = response.json()
        bodies[case] = (data["rows_inserted"], data["rows_quarantined"], data["unknown_persons"])
        batch_id = data["id"]
        detail = client.get(f"/api/verification/batches/{batch_id}").json()
        bodies[case] += (str(detail.get("quarantined")).replace(number, "<id>"),)
    assert bodies["elsewhere"] == bodies["nowhere"]


def test_a_recorded_supporter_of_an_own_household_is_within_the_area(county_admin, worker_a, household_a):
    # a statutory supporter living elsewhere, recorded for a household of county A, may be delivered by A
    supporter = outside_supporter_add(actor=worker_a, household_id=household_a.pk, data={
        "relation": "child", "id_number": NOT_REGISTERED, "name": "张大儿",
    })  # fmt: skip
    batch = batch_ingest_rows(
        actor=county_admin, source="BANK_DEPOSIT", rows=[_row(supporter.id_number, "S1", "5")]
    )
    assert (batch.rows_inserted, batch.rows_quarantined) == (1, 0)


def test_a_province_wide_platform_account_covers_every_county(make_user, household_a, cases, ids):
    platform = make_user("sysadmin", "province", username="platform")
    rows = [
        _row(ids["head"], "A1", "1.00"),
        _row(OUT_OF_AREA, "B1", "2.00"),
        _row(NOT_REGISTERED, "C1", "3.00"),
    ]
    batch = batch_ingest_rows(actor=platform, source="BANK_DEPOSIT", rows=rows)
    assert (batch.rows_inserted, batch.rows_quarantined) == (2, 1)
    assert sorted(ExchangeRecord.objects.values_list("id_number", flat=True)) == sorted(
        [ids["head"], OUT_OF_AREA]
    )
