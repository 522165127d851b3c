"""Loading the vendored divisions, grids, and reads over the tree."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from dajiuzhu.areas.models import Area, AreaLevel
from dajiuzhu.areas.selectors import area_ancestors, area_descendants
from dajiuzhu.areas.services import areas_load, grids_create

DEZHOU_COUNTIES = {
    "371402": "德城区", "371403": "陵城区", "371422": "宁津县", "371423": "庆云县", "371424": "临邑县",
    "371425": "齐河县", "371426": "平原县", "371427": "夏津县", "371428": "武城县", "371481": "乐陵市",
    "371482": "禹城市", "371471": "德州天衢新区",
}  # fmt: skip

pytestmark = pytest.mark.django_db


@pytest.fixture
def dezhou():
    areas_load(city="3714")
    return Area.objects.get(code="3714")


def test_load_dezhou_gives_the_counties_of_r10_5(dezhou):
    # when
    counties = dict(Area.objects.filter(level=AreaLevel.COUNTY).values_list("code", "name"))

    # then
    assert counties == DEZHOU_COUNTIES
    assert dezhou.parent_id == "37"
    assert not Area.objects.filter(city_code="3701").exists()  # Jinan was not loaded


def test_ancestor_columns_and_full_name_like_fixture(dezhou):
    village = Area.objects.filter(level=AreaLevel.VILLAGE, county_code="371424").order_by("code").first()
    township = village.parent
    assert (village.province_code, village.city_code, village.county_code) == ("37", "3714", "371424")
    assert village.township_code == township.code == village.code[:9]
    assert village.village_code == village.code
    assert township.village_code == ""
    assert village.full_name == f"山东省德州市临邑县{township.name}{village.name}"
    assert Area.objects.get(code="371424").county_code == "371424"
    assert Area.objects.get(code="37").province_code == "37"


def test_descendants_in_one_query(dezhou, django_assert_num_queries):
    county = Area.objects.get(code="371424")
    with django_assert_num_queries(1):
        rows = list(area_descendants(county))
    assert {a.county_code for a in rows} == {"371424"}
    assert len(rows) == 1 + Area.objects.filter(county_code="371424").exclude(code="371424").count()
    assert {a.level for a in rows} == {3, 4, 5}
    with django_assert_num_queries(1):
        children_only = list(area_descendants(county, include_self=False))
    assert len(children_only) == len(rows) - 1


def test_ancestors_in_one_query(dezhou, django_assert_num_queries):
    village = Area.objects.filter(level=AreaLevel.VILLAGE, county_code="371424").order_by("code").first()
    with django_assert_num_queries(1):
        chain = area_ancestors(village)
    assert [a.code for a in chain] == ["37", "3714", "371424", village.code[:9]]


def test_is_within(dezhou):
    village = Area.objects.filter(level=AreaLevel.VILLAGE, county_code="371424").order_by("code").first()
    county = Area.objects.get(code="371424")
    other_county = Area.objects.get(code="371425")
    assert village.is_within(county)
    assert village.is_within(dezhou)
    assert village.is_within(village)
    assert not village.is_within(other_county)
    assert not county.is_within(village)


def test_reload_is_idempotent(dezhou):
    # given
    before = Area.objects.count()

    # when
    stats = areas_load(city="3714")

    # then
    assert stats.created == 0
    assert stats.read == before
    assert Area.objects.count() == before


def test_grids_create_numbers_after_existing(dezhou):
    village = Area.objects.get(code="371424100202")
    first = grids_create(village=village, count=2)
    second = grids_create(village=village, count=1)
    assert [g.code for g in first + second] == ["371424100202001", "371424100202002", "371424100202003"]
    grid = Area.objects.get(code="371424100202003")
    assert grid.name == "第3网格"
    assert grid.level == AreaLevel.GRID
    assert grid.village_code == village.code and grid.county_code == "371424"
    assert grid.is_within(village)
    assert grid.full_name == village.full_name + "第3网格"


def test_grids_only_under_villages(dezhou):
    with pytest.raises(ValueError):
        grids_create(village=Area.objects.get(code="371424"), count=1)


def test_load_areas_command(capsys):
    call_command("load_areas", "--city", "3714")
    assert Area.objects.filter(code="371471").exists()
    assert "新增" in capsys.readouterr().out


def test_unknown_city_is_refused():
    with pytest.raises(ValueError):
        areas_load(city="3799")
    assert not Area.objects.exists()
