"""Pages and API of verification: same services, masked ID numbers, one error shape."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.core import clock
from dajiuzhu.verification.models import Authorisation, ExchangeRecord, VerificationRequest

from .conftest import csv_bytes


def api(user):
    _token, key = api_token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_sources_page_lists_every_source_with_counts(client, county_admin, deliver, ids, household_a):
    deliver("TAX", [{"id_number": ids["head"], "record_id": "T1", "period": "2026-01-01", "income_yuan": "1",
                     "income_kind": "其他"}])  # fmt: skip
    client.force_login(county_admin)
    html = client.get(reverse("verification:index")).content.decode()
    assert "个人所得税纳税记录" in html and "水电燃气消费" in html and "上传交换文件" in html
    assert html.count("从未交付") == 18


def test_village_worker_cannot_open_verification(client, worker_a):
    client.force_login(worker_a)
    assert client.get(reverse("verification:index")).status_code == 403


def test_upload_page_shows_quarantine_and_unknown_ids_masked(client, county_admin, household_a, ids):
    client.force_login(county_admin)
    stranger = "11010519491231002X"
    content = csv_bytes(["id_number", "record_id", "bank", "as_of", "balance_yuan"], [
        [ids["head"], "A1", "农行", "2026-03-01", "10"], [stranger, "A2", "农行", "2026-03-01", "10"],
        [ids["spouse"], "A3", "农行", "2026-13-01", "10"],
    ])  # fmt: skip
    response = client.post(reverse("verification:upload"),
                           {"source": "BANK_DEPOSIT", "file": SimpleUploadedFile("bank.csv", content)}, follow=True)  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "第4行 余额日期（as_of）：“2026-13-01”不是有效日期" in html
    assert "库中无此人" in html and "1101**********002X" in html and stranger not in html


def test_upload_page_refuses_an_unknown_source_in_chinese(client, county_admin):
    client.force_login(county_admin)
    response = client.post(reverse("verification:upload"),
                           {"source": "LOTTERY", "file": SimpleUploadedFile("x.csv", b"id_number\n1\n")})  # fmt: skip
    assert response.status_code == 400
    assert "没有交换约定" in response.content.decode()


def test_authorisation_then_request_then_report_page(client, township_user, household_a, deliver, ids):
    deliver("BANK_DEPOSIT", [{"id_number": ids["head"], "record_id": "6222001", "bank": "农行",
                              "as_of": "2026-03-01", "balance_yuan": "12000.00"}])  # fmt: skip
    client.force_login(township_user)
    today = clock.today()
    # a request before any authorisation is refused on the page
    refused = client.post(
        reverse("verification:request_new"), {"id_number": ids["spouse"], "sources": ["BANK_DEPOSIT"]}
    )
    assert refused.status_code == 403 and "未签署有效的核对授权书" in refused.content.decode()
    saved = client.post(reverse("verification:authorisation_new"), {
        "id_number": ids["spouse"], "signed_on": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=30)).isoformat(),
    })  # fmt: skip
    assert saved.status_code == 200 and "已登记户" in saved.content.decode()
    assert Authorisation.objects.count() == 1
    response = client.post(reverse("verification:request_new"),
                           {"id_number": ids["spouse"], "sources": ["BANK_DEPOSIT"]}, follow=True)  # fmt: skip
    html = response.content.decode()
    assert "家庭经济状况核对报告" in html and "核对未发现不符合情形" in html
    assert "12000.00" in html and "张建国" in html
    assert ids["head"] not in html and ids["spouse"] not in html


def test_authorisation_form_names_the_bad_field(client, township_user, household_a, ids):
    client.force_login(township_user)
    response = client.post(reverse("verification:authorisation_new"),
                           {"id_number": ids["head"], "signed_on": "2026-02-30", "valid_until": "2027-01-01"})  # fmt: skip
    assert response.status_code == 400
    assert "签署日期：“2026-02-30”不是有效日期" in response.content.decode()
    assert Authorisation.objects.count() == 0


def test_api_push_then_list_and_get_batch(county_admin, household_a, ids):
    c = api(county_admin)
    rows = [{"id_number": ids["head"], "record_id": "P1", "period": "2026-02-01", "pension_kind": "城乡居民",
             "amount_yuan": "150"}, {"id_number": "123", "record_id": "P2"}]  # fmt: skip
    response = c.post(
        "/api/verification/sources/PENSION/batches", {"rows": rows}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["rows_inserted"], body["rows_quarantined"]) == (1, 1)
    assert body["quarantined"][0]["row"] == 2
    assert (
        body["quarantined"][0]["reasons"][0]
        == "第2行 身份证号码（id_number）：身份证号码应为18位（或15位旧号码），实际为3位"
    )
    assert [b["id"] for b in c.get("/api/verification/batches").json()] == [body["id"]]
    assert c.get(f"/api/verification/batches/{body['id']}").json()["rows_total"] == 2


def test_api_upload_file(county_admin, household_a, ids):
    content = csv_bytes(
        ["id_number", "record_id", "bank", "as_of", "balance_yuan"],
        [[ids["head"], "A1", "农行", "2026-03-01", "5"]],
    )
    response = api(county_admin).post("/api/verification/sources/BANK_DEPOSIT/upload",
                                      {"file": SimpleUploadedFile("b.csv", content)})  # fmt: skip
    assert response.status_code == 201 and response.json()["rows_inserted"] == 1
    assert ExchangeRecord.objects.count() == 1


def test_api_unknown_source_error_shape(county_admin):
    response = api(county_admin).post("/api/verification/sources/LOTTERY/batches", {"rows": [{"a": 1}]},
                                      content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown_source" and "没有交换约定" in body["message"] and body["errors"] == []


def test_api_authorise_request_and_get_report(township_user, household_a, deliver, ids, other_county_admin):
    deliver("BANK_DEPOSIT", [{"id_number": ids["head"], "record_id": "A1", "bank": "农行", "as_of": "2026-03-01",
                              "balance_yuan": "60000"}])  # fmt: skip
    c = api(township_user)
    refused = c.post(
        "/api/verification/requests", {"id_number": ids["head"]}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "authorisation_missing"
    today = clock.today()
    auth = c.post("/api/verification/authorisations", {
        "id_number": ids["head"], "signed_on": today.isoformat(), "valid_until": (today + dt.timedelta(days=90)).isoformat(),
    }, content_type="application/json")  # fmt: skip
    assert auth.status_code == 201 and len(auth.json()["signers_masked"]) == 3
    response = c.post("/api/verification/requests", {"id_number": ids["head"], "sources": ["BANK_DEPOSIT"]},
                      content_type="application/json")  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    # 60,000 yuan over 3 people = 20,000 each > 780 × 24 = 18,720 → ineligible
    assert body["conclusion"] == "INELIGIBLE"
    assert body["report"]["rules_fired"][0]["rule"] == "V_FIN_ASSET"
    assert ids["head"] not in response.content.decode()
    assert c.get(f"/api/verification/reports/{body['id']}").json()["conclusion"] == "INELIGIBLE"
    # another county's administrator gets the standard not-found answer
    other = api(other_county_admin).get(f"/api/verification/reports/{body['id']}")
    assert other.status_code == 404 and other.json()["code"] == "not_found"


def test_api_bad_id_number_and_missing_field(township_user, household_a):
    c = api(township_user)
    bad = c.post(
        "/api/verification/requests", {"id_number": "37142419800101001X"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "身份证号码"
    missing = c.post("/api/verification/authorisations", {"id_number": "x"}, content_type="application/json")
    assert missing.status_code == 422 and missing.json()["code"] == "validation_failed"
    assert {e["field"] for e in missing.json()["errors"]} == {"payload.signed_on", "payload.valid_until"}
    assert VerificationRequest.objects.count() == 0
