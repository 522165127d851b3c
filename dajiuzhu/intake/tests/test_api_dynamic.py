"""Dynamic management through the API: a township reduces an entitlement, the county confirms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dajiuzhu.benefits.models import Entitlement
from dajiuzhu.intake.models import Application, Kind, Status
from dajiuzhu.intake.tests.test_api import api, ok, patch_today, snapshot
from dajiuzhu.intake.tests.test_dynamic import _granted, _to_opinion

pytestmark = pytest.mark.django_db


def test_change_proposed_and_decided_through_the_api(monkeypatch, township_user, county_user, elder, dibao):
    # given an entitlement of 650.00 a month
    clock = patch_today(monkeypatch, dt.date(2026, 3, 2))
    ent = _granted(dibao, elder)
    listed = ok(api(township_user).get("/entitlements", review_due="true"))
    assert [(e["id"], e["monthly_amount"]) for e in listed] == [(ent.pk, "650.00")]
    # when the township proposes to reduce it
    body = ok(api(township_user).post(f"/entitlements/{ent.pk}/change",
                                      {"action": "reduce", "amount": "500", "reason": "子女务工收入增加"}))  # fmt: skip
    app = Application.objects.get(pk=body["id"])
    assert (app.kind, app.status) == (Kind.CHANGE, Status.ACCEPTED)
    app = _to_opinion(app, township_user, county_user, day=dt.date(2026, 3, 2))
    body = ok(api(township_user).post(f"/applications/{app.pk}/review-opinion", {
        "action": "reduce", "amount": "500.00", "reason": "收入增加，减发", "version": app.version,
    }))  # fmt: skip
    assert (body["status"], body["waiting_on"]) == ("decision", "county")
    clock.today = dt.date(2026, 3, 20)
    ok(api(county_user).post(f"/applications/{app.pk}/decide", {
        "approve": True, "amount": "500.00", "reason": "家庭收入增加，减发至500元", "version": body["version"],
    }))  # fmt: skip
    # then it pays 500.00 from April, and the history keeps both amounts
    ent.refresh_from_db()
    assert ent.monthly_amount == Decimal("500.00")
    rows = [(r.from_month, r.amount, r.application_id) for r in ent.amounts.order_by("from_month", "id")]
    assert rows[-1] == (dt.date(2026, 4, 1), Decimal("500.00"), app.pk)
    assert len(rows) == 2


def test_village_cannot_propose_a_change_through_the_api(monkeypatch, worker_a, elder, dibao):
    patch_today(monkeypatch, dt.date(2026, 3, 2))
    ent = _granted(dibao, elder)
    client = api(worker_a)
    before = snapshot(ent.application_id)
    response = client.post(f"/entitlements/{ent.pk}/change", {"action": "stop", "reason": "外出务工"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert snapshot(ent.application_id) == before
    assert Entitlement.objects.get(pk=ent.pk).monthly_amount == Decimal("650.00")
