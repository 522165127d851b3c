"""The 12349 desk, the order list and the carer's phone page, through the pages."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from dajiuzhu.eldercare import homecare
from dajiuzhu.eldercare.models import CareOrder, OrderStatus, Visit

from .test_homecare import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(settings):
    settings.DAJIUZHU_TODAY = TODAY.isoformat()


def test_the_desk_finds_the_caller_and_places_an_order(county_user, elder, provider) -> None:
    client = Client()
    client.force_login(county_user)
    found = client.get(reverse("eldercare:desk"), {"q": elder.phone})
    assert found.status_code == 302 and found["Location"] == reverse("eldercare:desk_elder", args=[elder.pk])
    page = client.get(found["Location"]).content.decode()
    assert "600" in page and "剩余" in page  # 10 free hours
    unknown = client.get(reverse("eldercare:desk"), {"q": "13000000000"}).content.decode()
    assert "没有登记该电话号码的老人" in unknown
    url = reverse("eldercare:desk_elder", args=[elder.pk])
    refused = client.post(
        url,
        {
            "kind": "cleaning",
            "planned_on": TODAY.isoformat(),
            "planned_minutes": "60",
            "provider": provider.pk,
        },
    )
    assert refused.status_code == 400 and "请至少选择一项" in refused.content.decode()
    done = client.post(
        url,
        {
            "kind": "cleaning",
            "items": ["laundry"],
            "planned_on": TODAY.isoformat(),
            "planned_minutes": "60",
            "provider": provider.pk,
            "source": "hotline",
        },
    )
    assert done.status_code == 302
    assert CareOrder.objects.get().planned_minutes == 60


def test_the_carer_checks_in_and_out_on_the_phone_page(county_user, elder, provider, carer) -> None:
    order = homecare.order_place(
        user=county_user,
        data={
            "person_id": elder.pk,
            "kind": "cleaning",
            "items": ["laundry"],
            "planned_on": TODAY.isoformat(),
            "planned_minutes": "30",
            "provider": provider.pk,
        },
    )
    office = Client()
    office.force_login(county_user)
    assigned = office.post(
        reverse("eldercare:order_assign", args=[order.pk]), {"carer": carer.pk, "version": order.version}
    )
    assert assigned.status_code == 302
    phone = Client()
    phone.force_login(carer.user)
    assert phone.get(reverse("web:home"))["Location"] == reverse("eldercare:carer_today")
    today = phone.get(reverse("eldercare:carer_today")).content.decode()
    assert elder.name in today and "到达签到" in today and "data-locate" in today
    assert phone.get(reverse("registry:household_list")).status_code == 403  # a carer sees nothing else
    phone.post(reverse("eldercare:carer_check_in", args=[order.pk]), {"lat": "37.19", "lng": "116.86"})
    Visit.objects.filter(order=order).update(check_in_at=dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC))
    out = phone.post(
        reverse("eldercare:carer_check_out", args=[order.pk]),
        {"lat": "37.19", "lng": "116.86", "items_done": ["laundry"]},
    )
    assert out.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DONE
    listing = office.get(reverse("eldercare:orders")).content.decode()
    assert "已完成" in listing and "记录回访" in listing


def test_the_carer_api_checks_in_and_out(county_user, elder, provider, carer) -> None:
    from dajiuzhu.accounts.services import api_token_create

    _t, office_key = api_token_create(user=county_user, name="desk")
    office = Client(headers={"Authorization": f"Bearer {office_key}"})
    body = {
        "id_number": elder.id_number,
        "kind": "cleaning",
        "items": ["laundry"],
        "planned_on": TODAY.isoformat(),
        "planned_minutes": 30,
        "provider": provider.pk,
    }
    created = office.post("/api/eldercare/orders", body, content_type="application/json")
    assert created.status_code == 201, created.content
    order_id = created.json()["id"]
    homecare.order_assign(user=county_user, order_id=order_id, carer_id=carer.pk)
    _t2, carer_key = api_token_create(user=carer.user, name="phone")
    phone = Client(headers={"Authorization": f"Bearer {carer_key}"})
    assert [o["id"] for o in phone.get("/api/eldercare/carer/orders").json()] == [order_id]
    assert (
        phone.post(
            f"/api/eldercare/carer/orders/{order_id}/check-in",
            {"lat": 37.19, "lng": 116.86},
            content_type="application/json",
        ).status_code
        == 200
    )
    Visit.objects.filter(order_id=order_id).update(check_in_at=dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC))
    early = phone.post(
        f"/api/eldercare/carer/orders/{order_id}/check-out",
        {"items_done": []},
        content_type="application/json",
    )
    assert early.status_code == 400 and early.json()["errors"][0]["field"] == "items_done"
    out = phone.post(
        f"/api/eldercare/carer/orders/{order_id}/check-out",
        {"lat": 37.19, "lng": 116.86, "items_done": ["laundry"]},
        content_type="application/json",
    )
    assert out.status_code == 200 and out.json()["status"] == "done"
    assert office.get("/api/eldercare/carer/orders").status_code == 403  # the office is not a carer
