"""Canteens: the subsidy by age and status from the rules, one subsidised meal a day, the month's settlement."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from dajiuzhu.core.errors import NotFound
from dajiuzhu.eldercare import canteens
from dajiuzhu.eldercare.errors import MealInvalid
from dajiuzhu.eldercare.models import Meal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(settings):
    settings.DAJIUZHU_TODAY = "2026-12-02"


@pytest.fixture
def canteen(county_user):
    return canteens.canteen_add(
        user=county_user, data={"name": "东关村助老食堂", "operator": "村委会", "area_code": "371424100201"}
    )


def test_an_elder_over_75_eats_free_and_only_once_a_day(county_user, canteen, household_b) -> None:
    elder = household_b.head  # born 1945: 81
    meal = canteens.meal_record(user=county_user, canteen_id=canteen.pk, data={"id_number": elder.id_number})
    assert (meal.price, meal.subsidy, meal.self_pay) == (Decimal("10.00"), Decimal("10.00"), Decimal("0.00"))
    other = canteens.canteen_add(
        user=county_user, data={"name": "西关村助老食堂", "area_code": "371424100202"}
    )
    with pytest.raises(MealInvalid) as twice:
        canteens.meal_record(user=county_user, canteen_id=other.pk, data={"id_number": elder.id_number})
    assert "今天已享受过一次助餐补贴" in twice.value.errors[0].message
    assert Meal.objects.count() == 1


def test_a_younger_person_gets_no_subsidy(county_user, canteen, household_a) -> None:
    with pytest.raises(MealInvalid) as err:
        canteens.meal_record(
            user=county_user, canteen_id=canteen.pk, data={"id_number": household_a.head.id_number}
        )
    assert "不在助餐补贴范围内" in err.value.errors[0].message


def test_the_month_is_recomputed_from_the_meals(county_user, canteen, household_b, settings) -> None:
    canteens.meal_record(
        user=county_user, canteen_id=canteen.pk, data={"id_number": household_b.head.id_number}
    )
    settings.DAJIUZHU_TODAY = "2026-12-03"
    canteens.meal_record(
        user=county_user, canteen_id=canteen.pk, data={"id_number": household_b.head.id_number}
    )
    month = canteens.canteen_month(user=county_user, canteen_id=canteen.pk, month=dt.date(2026, 12, 1))
    assert (month.meals, month.elders, month.subsidy) == (2, 1, Decimal("20.00"))
    assert [d.day for d, _n, _s in month.by_day] == [2, 3]


def test_another_county_cannot_use_the_canteen(county_user, canteen, household_b, make_user) -> None:
    other = make_user("county_approver", "county2")
    with pytest.raises(NotFound):
        canteens.meal_record(
            user=other, canteen_id=canteen.pk, data={"id_number": household_b.head.id_number}
        )


def test_the_till_page_records_a_meal(county_user, canteen, household_b) -> None:
    client = Client()
    client.force_login(county_user)
    url = reverse("eldercare:canteen", args=[canteen.pk])
    done = client.post(url, {"method": "id_card", "id_number": household_b.head.id_number})
    assert done.status_code == 302
    again = client.post(url, {"method": "id_card", "id_number": household_b.head.id_number})
    assert again.status_code == 400 and "今天已享受过一次助餐补贴" in again.content.decode()
    page = client.get(url).content.decode()
    assert household_b.head.name in page and "应结算补贴 <strong>10.00</strong>" in page
