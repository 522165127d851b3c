"""The parameters API: list, history, create and withdraw, with the project's error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dajiuzhu.accounts.services import api_token_create
from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.parameters.models import ParameterChange
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.parameters.tests.conftest import RURAL

pytestmark = pytest.mark.django_db

BASE = "/api/parameters"
REF = "临民发〔2026〕8号"


def api_client(user: Any) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_round_trip_create_read_withdraw(county_approver, later):
    client = api_client(county_approver)

    # when the county sets a value
    created = client.post(
        f"{BASE}/{RURAL}/changes",
        {"start": later.isoformat(), "value": 820, "reference": REF},
        content_type="application/json",
    )

    # then
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["jurisdiction"], body["start"], body["value"]) == (
        RURAL,
        "371424",
        later.isoformat(),
        "820.00",
    )
    assert body["created_by"] == county_approver.username
    assert body["withdrawn_at"] is None

    # and the list for that date shows it as a local change
    listed = client.get(f"{BASE}/", {"q": "dibao.standard.rural", "on": later.isoformat()})
    assert listed.status_code == 200
    [row] = listed.json()
    assert (row["value"], row["jurisdiction"], row["from_ui"], row["unverified"], row["change_id"]) == (
        "820.00",
        "371424",
        True,
        False,
        body["id"],
    )

    # and the history has it, withdrawable
    history = client.get(f"{BASE}/{RURAL}").json()
    assert history["jurisdiction"] == "371424"
    assert history["can_edit"] is True
    assert [(e["jurisdiction"], e["value"], e["from_ui"], e["can_withdraw"]) for e in history["entries"]] == [
        ("371424", "820.00", True, True),
        ("3714", "780.00", False, False),
    ]

    # when it is withdrawn
    withdrawn = client.post(
        f"{BASE}/changes/{body['id']}/withdraw", {"reason": "录错"}, content_type="application/json"
    )

    # then
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn_by"] == county_approver.username
    assert withdrawn.json()["withdraw_reason"] == "录错"
    assert parameter_tree().value(RURAL, on=later, region="371424") == "780.00"
    assert AuditEvent.objects.filter(subject_type="parameter_change", subject_id=str(body["id"])).count() == 2


def test_village_assistant_gets_403_and_nothing_changes(worker_a, later):
    # when
    response = api_client(worker_a).post(
        f"{BASE}/{RURAL}/changes",
        {"start": later.isoformat(), "value": "820", "reference": REF},
        content_type="application/json",
    )
    # then
    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "message": "您没有执行此操作的权限", "errors": []}
    assert ParameterChange.objects.count() == 0


def test_validation_errors_use_the_error_shape(county_approver, later):
    response = api_client(county_approver).post(
        f"{BASE}/{RURAL}/changes",
        {"start": later.isoformat(), "value": "abc"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "validation_failed",
        "message": "输入有误，请检查标出的字段",
        "errors": [
            {"field": "取值", "message": "“abc”不是数字（应为金额（元），最多两位小数，例如 800.00）"},
            {"field": "依据", "message": "不能为空，请填写政策文件名称或文号（例如 德民发〔2025〕12号）"},
        ],
    }
    assert ParameterChange.objects.count() == 0


def test_unknown_parameter_history_is_404(worker_a):
    response = api_client(worker_a).get(f"{BASE}/no.such")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "参数“no.such”不存在", "errors": []}


def test_list_with_bad_date(worker_a):
    response = api_client(worker_a).get(f"{BASE}/", {"on": "yesterday"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "on", "message": "“yesterday”不是有效日期，请写成 2025-01-31"}
    ]


def test_list_needs_authentication(client):
    response = client.get(f"{BASE}/")
    assert response.status_code == 401
