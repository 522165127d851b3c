"""Home care (六助): an order within the elder's free hours, assignment, check-in/out located only at the two
ends, exceptions decided by a supervisor, the follow-up call; nothing beyond the hours, one visit an order."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError

from dajiuzhu.core.errors import NotFound, PermissionDenied
from dajiuzhu.eldercare import homecare
from dajiuzhu.eldercare.errors import OrderInvalid, VisitInvalid
from dajiuzhu.eldercare.models import CareOrder, HomeLocation, OrderStatus, Visit

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 2)
HOME = {"lat": "37.190000", "lng": "116.860000"}
NEAR = {"lat": "37.190500", "lng": "116.860300"}  # about 60 m away
FAR = {"lat": "37.210000", "lng": "116.860000"}  # about 2.2 km away


@pytest.fixture(autouse=True)
def _today(settings):
    settings.DAJIUZHU_TODAY = TODAY.isoformat()


def order(user, elder, provider, **extra):
    data = {
        "id_number": elder.id_number, "kind": "cleaning", "items": ["house_cleaning", "laundry"],
        "planned_on": TODAY.isoformat(), "planned_minutes": "120", "provider": provider.pk, "source": "hotline",
        "caller_phone": "13900001111",
    }  # fmt: skip
    data.update(extra)
    return homecare.order_place(user=user, data=data)


def test_orders_take_minutes_from_the_months_free_hours(county_user, elder, provider) -> None:
    first = order(county_user, elder, provider)
    assert first.month == dt.date(2026, 12, 1) and first.status == OrderStatus.PLACED
    hours = homecare.hours_of(elder, TODAY, user=county_user)
    assert (hours.entitled_minutes, hours.booked_minutes, hours.left_minutes) == (600, 120, 480)
    order(county_user, elder, provider, planned_minutes="240")
    order(county_user, elder, provider, planned_minutes="240")
    with pytest.raises(OrderInvalid) as err:
        order(county_user, elder, provider, planned_minutes="15")
    assert "剩余0分钟" in err.value.errors[0].message
    assert CareOrder.objects.count() == 3


def test_a_bad_order_names_every_field(county_user, elder, provider) -> None:
    with pytest.raises(OrderInvalid) as err:
        order(
            county_user,
            elder,
            provider,
            kind="cleaning",
            items=["bathing"],
            planned_on="2026-11-01",
            planned_minutes="5",
        )
    fields = {e.field for e in err.value.errors}
    assert {"items", "planned_on", "planned_minutes"} <= fields
    with pytest.raises(OrderInvalid) as unknown:
        order(county_user, elder, provider, kind="flying")
    assert unknown.value.errors[0].field == "kind"
    assert not CareOrder.objects.exists()


def test_a_provider_out_of_contract_or_area_is_refused(county_user, elder, provider) -> None:
    with pytest.raises(OrderInvalid) as err:
        order(county_user, elder, provider, planned_on="2027-01-05")
    assert any("合同" in e.message for e in err.value.errors)
    provider.service_areas = ["371424101"]  # another township
    provider.save()
    with pytest.raises(OrderInvalid) as area:
        order(county_user, elder, provider)
    assert any("服务区域" in e.message for e in area.value.errors)


def test_a_clean_visit_is_done_and_an_odd_one_needs_a_reason_and_a_decision(
    county_user, elder, provider, carer
) -> None:
    HomeLocation.objects.create(
        person=elder,
        lat=Decimal(HOME["lat"]),
        lng=Decimal(HOME["lng"]),
        set_by=county_user,
        set_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )
    good = order(county_user, elder, provider, planned_minutes="30")
    homecare.order_assign(user=county_user, order_id=good.pk, carer_id=carer.pk)
    assert [o.pk for o in homecare.carer_orders(user=carer.user)] == [good.pk]
    homecare.check_in(user=carer.user, order_id=good.pk, data=NEAR)
    with pytest.raises(VisitInvalid):
        homecare.check_in(user=carer.user, order_id=good.pk, data=NEAR)
    visit = Visit.objects.get(order=good)
    Visit.objects.filter(pk=visit.pk).update(check_in_at=visit.check_in_at - dt.timedelta(minutes=35))
    homecare.check_out(user=carer.user, order_id=good.pk, data={**NEAR, "items_done": ["house_cleaning"]})
    good.refresh_from_db()
    assert good.status == OrderStatus.DONE and good.visit.minutes >= 35 and good.visit.exceptions == []

    odd = order(county_user, elder, provider, planned_minutes="120")
    homecare.order_assign(user=county_user, order_id=odd.pk, carer_id=carer.pk)
    homecare.check_in(user=carer.user, order_id=odd.pk, data=FAR)
    with pytest.raises(VisitInvalid) as err:
        homecare.check_out(user=carer.user, order_id=odd.pk, data={**FAR, "items_done": ["laundry"]})
    assert err.value.errors[0].field == "exception_reason"
    assert "位置" in err.value.errors[0].message and "时长" in err.value.errors[0].message
    homecare.check_out(
        user=carer.user,
        order_id=odd.pk,
        data={**FAR, "items_done": ["laundry"], "exception_reason": "老人在女儿家"},
    )
    odd.refresh_from_db()
    assert odd.status == OrderStatus.EXCEPTION and set(odd.visit.exceptions) == {"wrong_place", "too_short"}
    with pytest.raises(VisitInvalid):
        homecare.decide(
            user=county_user, order_id=odd.pk, decision="refused", note=""
        )  # a refusal needs its reason
    homecare.decide(user=county_user, order_id=odd.pk, decision="refused", note="时长不足且不在住址")
    odd.refresh_from_db()
    assert odd.status == OrderStatus.REFUSED
    assert (
        homecare.hours_of(elder, TODAY, user=county_user).booked_minutes == 30
    )  # the refused visit's minutes back


def test_a_missing_location_never_blocks_the_carer(county_user, elder, provider, carer) -> None:
    o = order(county_user, elder, provider, planned_minutes="30")
    homecare.order_assign(user=county_user, order_id=o.pk, carer_id=carer.pk)
    homecare.check_in(user=carer.user, order_id=o.pk, data={})
    Visit.objects.filter(order=o).update(check_in_at=dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC))
    homecare.check_out(
        user=carer.user, order_id=o.pk, data={"items_done": ["laundry"], "exception_reason": "手机定位失败"}
    )
    o.refresh_from_db()
    assert o.status == OrderStatus.EXCEPTION and o.visit.exceptions == ["no_location"]
    homecare.decide(user=county_user, order_id=o.pk, decision="approved", note="回访确认已服务")
    o.refresh_from_db()
    assert o.status == OrderStatus.DONE


def test_a_no_show_is_reported_with_a_reason_and_gives_the_minutes_back(
    county_user, elder, provider, carer
) -> None:
    o = order(county_user, elder, provider, planned_minutes="60")
    homecare.order_assign(user=county_user, order_id=o.pk, carer_id=carer.pk)
    homecare.report_no_show(user=carer.user, order_id=o.pk, reason="老人住院")
    homecare.decide(user=county_user, order_id=o.pk, decision="approved", note="")
    o.refresh_from_db()
    assert o.status == OrderStatus.CANCELLED
    assert homecare.hours_of(elder, TODAY, user=county_user).booked_minutes == 0


def test_only_the_assigned_carer_checks_in_and_one_visit_an_order(
    county_user, elder, provider, carer, make_user
) -> None:
    o = order(county_user, elder, provider, planned_minutes="30")
    homecare.order_assign(user=county_user, order_id=o.pk, carer_id=carer.pk)
    other = homecare.carer_add(
        user=county_user, provider_id=provider.pk, data={"name": "周护理", "phone": "13700000002"}
    )
    other.user = make_user("carer", "county", username="carer2")
    other.save()
    with pytest.raises(NotFound):
        homecare.check_in(user=other.user, order_id=o.pk, data=NEAR)
    with pytest.raises(PermissionDenied):
        homecare.carer_orders(user=county_user)
    homecare.check_in(user=carer.user, order_id=o.pk, data=NEAR)
    with pytest.raises(IntegrityError):
        Visit.objects.create(order=o, carer=carer, check_in_at=dt.datetime(2026, 12, 2, tzinfo=dt.UTC))


def test_the_follow_up_call_records_confirmation_and_rating(county_user, elder, provider, carer) -> None:
    o = order(county_user, elder, provider, planned_minutes="30")
    homecare.order_assign(user=county_user, order_id=o.pk, carer_id=carer.pk)
    with pytest.raises(VisitInvalid):
        homecare.follow_up(user=county_user, order_id=o.pk, data={"confirmed": "yes"})
    homecare.check_in(user=carer.user, order_id=o.pk, data=NEAR)
    Visit.objects.filter(order=o).update(check_in_at=dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC))
    homecare.check_out(user=carer.user, order_id=o.pk, data={**NEAR, "items_done": ["laundry"]})
    with pytest.raises(VisitInvalid) as err:
        homecare.follow_up(user=county_user, order_id=o.pk, data={"confirmed": "no"})
    assert err.value.errors[0].field == "complaint"
    homecare.follow_up(user=county_user, order_id=o.pk, data={"confirmed": "yes", "rating": "5"})
    assert Visit.objects.get(order=o).rating == 5


def test_another_county_sees_no_order(county_user, elder, provider, make_user) -> None:
    o = order(county_user, elder, provider)
    other = make_user("county_approver", "county2")
    assert not homecare.orders_visible(other).exists()
    with pytest.raises(NotFound):
        homecare.order_assign(user=other, order_id=o.pk, carer_id=1)
    with pytest.raises(NotFound):
        order(other, elder, provider)
