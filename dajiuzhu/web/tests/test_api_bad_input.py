"""What the API fuzzing (scripts/fuzz_api.py) found, one test per kind of bad input: each is a 4xx in the
common error shape with a Chinese message naming the field, and nothing is saved. Runs on SQLite and on
PostgreSQL (where NUL bytes, \\u0000 in jsonb, integers beyond bigint and far time-zone offsets used to
be database errors, answered 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.core.inputs import CONTROL_MESSAGE
from dajiuzhu.registry.models import Asset, Expenditure, Income, OutsideSupporter
from dajiuzhu.verification.models import ExchangeBatch, ExchangeRecord, QuarantinedRow

pytestmark = pytest.mark.django_db


def api_client(user: Any) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


def post_json(client: Client, path: str, body: str | dict[str, Any]) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json")


def field_errors(response: Any) -> dict[str, str]:
    body = response.json()
    assert body["code"] == "validation_failed", body
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.fixture
def county_admin(make_user):
    return make_user("county_approver", "county")


def hukou_row(ids: dict[str, str], **overrides: Any) -> dict[str, Any]:
    row = {"id_number": ids["head"], "record_id": "HK001", "name": "张建国", "status": "正常",
           "registered_on": "2020-01-01"}  # fmt: skip
    row.update(overrides)
    return row


# ---- text ---------------------------------------------------------------------------------------------


def test_nul_in_an_income_note_is_refused_naming_the_field_and_nothing_is_saved(worker_a, household_a):
    body = {"income_type": "wage", "amount": "100", "period_start": "2026-01-01", "period_end": "2026-01-31",
            "note": "工资\x00"}  # fmt: skip

    response = post_json(api_client(worker_a), f"/api/registry/households/{household_a.pk}/incomes", body)

    assert response.status_code == 422
    assert field_errors(response) == {"payload.note": CONTROL_MESSAGE}
    assert not Income.objects.filter(household=household_a).exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("assets", {"asset_type": "deposit", "value": "10", "description": "存款\x01"}, "description"),
        (
            "expenditures",
            {
                "kind": "medical",
                "amount": "1",
                "period_start": "2026-01-01",
                "period_end": "2026-01-31",
                "source": "\x1b[31m",
            },
            "source",
        ),
        ("supporters", {"relation": "child", "name": "王\x7f"}, "name"),
    ],
)
def test_control_characters_in_asset_expenditure_and_supporter_text_are_refused(
    worker_a, household_a, path, body, field
):
    response = post_json(api_client(worker_a), f"/api/registry/households/{household_a.pk}/{path}", body)

    assert response.status_code == 422
    assert field_errors(response) == {f"payload.{field}": CONTROL_MESSAGE}
    assert not Asset.objects.filter(household=household_a).exists()
    assert not Expenditure.objects.filter(household=household_a).exists()
    assert not OutsideSupporter.objects.filter(household=household_a).exists()


def test_a_line_break_in_a_single_line_field_is_refused_but_a_note_may_have_several_lines(
    worker_a, household_a
):
    client = api_client(worker_a)
    path = f"/api/registry/households/{household_a.pk}/incomes"
    income = {
        "income_type": "wage",
        "amount": "100",
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
    }

    refused = post_json(client, path, {**income, "source": "declared\nx"})
    kept = post_json(client, path, {**income, "note": "第一行\n第二行\t完"})

    assert refused.status_code == 422
    assert field_errors(refused) == {"payload.source": "应为单行文字，不能含换行符或制表符"}
    assert kept.status_code == 201, kept.json()
    assert Income.objects.get(household=household_a).note == "第一行\n第二行\t完"


def test_a_unicode_nul_escape_in_json_is_refused_with_a_422_not_a_database_error(county_admin, ids):
    # the body as a client sends it: the six characters \u0000 inside a JSON string (jsonb refuses them)
    row = f'{{"id_number": "{ids["head"]}", "record_id": "HK1", "name": "\\u0000", "status": "正常"}}'
    body = '{"rows": [' + row + "]}"

    response = post_json(api_client(county_admin), "/api/verification/sources/HUKOU/batches", body)

    assert response.status_code == 422
    assert field_errors(response) == {"payload.rows.0.name": CONTROL_MESSAGE}
    assert not ExchangeBatch.objects.exists()


def test_a_nul_in_a_json_key_is_refused(county_admin, ids):
    body = {"rows": [{**hukou_row(ids), "x\x00": "1"}]}

    response = post_json(api_client(county_admin), "/api/verification/sources/HUKOU/batches", body)

    assert response.status_code == 422
    assert field_errors(response) == {"payload.rows.0": f"字段名{CONTROL_MESSAGE}"}
    assert not ExchangeBatch.objects.exists()


# ---- numbers ------------------------------------------------------------------------------------------


def test_an_integer_beyond_bigint_is_refused(worker_a, household_a):
    body = {"person": 2**63, "income_type": "wage", "amount": "1", "period_start": "2026-01-01",
            "period_end": "2026-01-31"}  # fmt: skip

    response = post_json(api_client(worker_a), f"/api/registry/households/{household_a.pk}/incomes", body)

    assert response.status_code == 422
    assert field_errors(response) == {"payload.person": f"数值超出范围（不能大于{2**63 - 1}）"}
    assert not Income.objects.exists()


def test_a_page_beyond_any_list_and_a_year_out_of_range_are_refused(worker_a, make_user):
    county = make_user("county_approver", "county")

    page = api_client(worker_a).get("/api/registry/households", {"page": str(2**70)})
    year = api_client(county).get("/api/payments/authorities", {"year": "0"})

    assert page.status_code == 422
    assert field_errors(page) == {"page": "不能大于100000"}
    assert year.status_code == 422
    assert field_errors(year) == {"year": "不能小于1900"}


# ---- dates --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delivered_at", "message"),
    [
        (
            "2026-01-01T00:00:00+23:59",
            "时区偏移超出范围（应在-14:00到+14:00之间），如 2026-03-01T09:30:00+08:00",
        ),
        ("0001-01-01T00:00:00+05:00", "日期超出范围：年份应在1900到2100之间"),
    ],
)
def test_a_datetime_with_a_far_offset_or_year_is_refused(county_admin, ids, delivered_at, message):
    body = {"rows": [hukou_row(ids)], "delivered_at": delivered_at}

    response = post_json(api_client(county_admin), "/api/verification/sources/HUKOU/batches", body)

    assert response.status_code == 422
    assert field_errors(response) == {"payload.delivered_at": message}
    assert not ExchangeBatch.objects.exists()


def test_a_registry_date_out_of_range_is_refused_naming_the_field(worker_a, household_a):
    body = {"income_type": "wage", "amount": "1", "period_start": "0001-01-01", "period_end": "9999-12-31"}

    response = post_json(api_client(worker_a), f"/api/registry/households/{household_a.pk}/incomes", body)

    assert response.status_code == 400
    assert {e["field"]: e["message"] for e in response.json()["errors"]} == {
        "起始日期": "日期超出范围：年份应在1900到2100之间",
        "截止日期": "日期超出范围：年份应在1900到2100之间",
    }
    assert not Income.objects.exists()


# ---- exchange batches: a quarantined row keeps its raw text ------------------------------------------


def test_a_pushed_null_row_is_quarantined_with_its_raw_text(county_admin, household_a, ids):
    body = {"rows": [None, hukou_row(ids)]}

    response = post_json(api_client(county_admin), "/api/verification/sources/HUKOU/batches", body)

    assert response.status_code == 201, response.json()
    [row] = QuarantinedRow.objects.all()
    assert (row.row_number, row.raw) == (1, "null")
    assert row.reasons == ["第1行：应为JSON对象（{...}）"]
    assert response.json()["quarantined"] == [{"row": 1, "reasons": row.reasons, "raw": "null"}]
    assert ExchangeRecord.objects.count() == 1


def test_an_uploaded_cell_with_a_nul_is_quarantined_keeping_its_raw_text_visibly(
    county_admin, household_a, ids
):
    content = (
        "id_number,record_id,name,status,registered_on\n"
        f"{ids['head']},HK1,张\x00建国,正常,2020-01-01\n"
        f"{ids['spouse']},HK2,李秀英,正常,2020-01-01\n"
    ).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api_client(county_admin).post(
        "/api/verification/sources/HUKOU/upload", {"file": SimpleUploadedFile("hukou.csv", content)}
    )

    assert response.status_code == 201, response.json()
    [row] = QuarantinedRow.objects.all()
    assert row.row_number == 2
    assert row.raw["name"] == "张\\u0000建国"
    assert row.reasons == [f"第2行 姓名（name）：{CONTROL_MESSAGE}"]
    assert list(ExchangeRecord.objects.values_list("id_number", flat=True)) == [ids["spouse"]]


def test_a_multipart_request_without_a_boundary_is_a_400(county_admin):
    response = api_client(county_admin).generic(
        "POST", "/api/verification/sources/HUKOU/upload", b"--x--", content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert "multipart" in response.json()["message"]
    assert not ExchangeBatch.objects.exists()


# ---- list filters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/monitoring/alerts", "status"),
        ("/api/monitoring/alerts", "rule"),
        ("/api/verification/batches", "source"),
        ("/api/payments/rolls", "county"),
    ],
)
def test_list_filters_with_control_characters_are_refused(make_user, path, param):
    county = make_user("county_approver", "county")

    response = api_client(county).get(path, {param: "*\x00\x03"})

    assert response.status_code == 422
    assert field_errors(response) == {param: CONTROL_MESSAGE}


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/monitoring/alerts", "status"),
        ("/api/verification/batches", "source"),
    ],
)
def test_list_filters_with_other_junk_find_nothing(make_user, path, param):
    county = make_user("county_approver", "county")

    response = api_client(county).get(path, {param: "'; DROP TABLE x; -- 𝔘" + "ü" * 300})

    assert response.status_code == 200
    assert response.json() == []


# ---- the same rule on the pages and in the Excel import ------------------------------------------------


def test_a_page_form_with_a_nul_is_refused_with_a_400_naming_the_field_and_nothing_saved(
    worker_a, household_a
):
    client = Client()
    client.force_login(worker_a)

    response = client.post(
        f"/registry/households/{household_a.pk}/income/new/",
        {
            "income_type": "wage",
            "amount": "100",
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "note": "工资\x00",
        },
    )

    assert response.status_code == 400
    assert f"note：{CONTROL_MESSAGE}" in response.content.decode()
    assert not Income.objects.exists()


def test_the_registry_cleaner_names_the_field_for_pages_api_and_import_alike():
    from dajiuzhu.core.errors import ErrorReport
    from dajiuzhu.registry.validation import clean_household, clean_income

    report = ErrorReport()
    clean_income({"income_type": "wage", "amount": "1", "period_start": "2026-01-01", "period_end": "2026-01-31",
                  "note": "说明\x01"}, report, row=3)  # fmt: skip
    clean_household({"area": "371424100201", "address": "东关村\n5组", "residence_type": "rural",
                     "hukou_type": "农业户口", "note": "两行\n备注"}, report, row=4)  # fmt: skip

    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (3, "说明", CONTROL_MESSAGE),
        (4, "住址", "应为单行文字，不能含换行符或制表符"),
    ]


def test_an_import_file_with_a_control_character_saves_nothing(make_user, ids):
    from dajiuzhu.registry.importing import households_import
    from dajiuzhu.registry.models import Household

    content = (
        "户编号,所属区划代码,住址,城乡类别,户口性质,姓名,身份证号码,与户主关系\n"
        f"1,371424100201,东关村\x015组,农村,农业户口,赵大勇,{ids['other']},户主\n"
    ).encode()

    result = households_import(
        actor=make_user("county_approver", "county"), content=content, filename="import.csv"
    )

    assert [(e.row, e.field, e.message) for e in result.errors] == [(2, "住址", CONTROL_MESSAGE)]
    assert not Household.objects.exists()


# ---- every operation, present and future -------------------------------------------------------------


def _leaves(annotation: Any, metadata: list[Any], where: str, out: list[tuple[str, Any, list[Any]]]) -> None:
    """Every scalar type an operation's parameters and bodies read, with the validators attached to it
    (dict keys left out: check_payload judges them)."""
    import typing

    from pydantic import BaseModel

    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        _leaves(base, [*metadata, *extra], where, out)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            _leaves(field.annotation, list(field.metadata), f"{where}.{name}", out)
    elif origin is dict:
        _leaves(typing.get_args(annotation)[1], metadata, f"{where}[]", out)
    elif origin is not None:
        for arg in typing.get_args(annotation):
            _leaves(arg, metadata, where, out)
    else:
        out.append((where, annotation, metadata))


def test_every_text_and_date_an_operation_reads_goes_through_core_inputs():
    """New endpoints included: a plain `str`, `dt.date` or `dt.datetime` in an input schema or parameter
    fails here; use core.inputs' Line/Text/Date/DateTime (ints are bounded by the parser, path IDs by
    Django's out-of-range lookups)."""
    import datetime as dt

    from config.api import api

    leaves: list[tuple[str, Any, list[Any]]] = []
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for model in operation.models:
                    _leaves(model, [], f"{'/'.join(operation.methods)} /api{prefix}{path}", leaves)

    def checked(metadata: list[Any]) -> bool:
        return any(
            getattr(getattr(m, "func", None), "__module__", "") == "dajiuzhu.core.inputs" for m in metadata
        )

    plain = [
        where for where, kind, meta in leaves if kind in (str, dt.date, dt.datetime) and not checked(meta)
    ]
    assert sum(1 for _w, kind, _m in leaves if kind in (dt.date, dt.datetime)) > 10
    assert sum(1 for _w, kind, _m in leaves if kind is str) > 200
    assert plain == []
