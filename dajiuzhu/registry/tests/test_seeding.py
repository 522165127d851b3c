"""Synthetic data: determinism, valid and unique ID numbers, consistent households."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from dajiuzhu.areas.models import Area, AreaLevel
from dajiuzhu.areas.selectors import region_code_known
from dajiuzhu.areas.services import areas_load
from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core import idnumber
from dajiuzhu.registry.models import Asset, Household, Income, Membership, Person
from dajiuzhu.registry.seeding import seed_households

pytestmark = pytest.mark.django_db(transaction=False)

AS_OF = dt.date(2026, 1, 1)


@pytest.fixture
def linyi():
    areas_load(city="3714")
    return Area.objects.get(code="371424")


def _people():
    return list(
        Person.objects.order_by("id").values_list("id_number", "name", "sex", "birth_date", "relation")
    )


def test_same_seed_gives_same_rows(linyi, django_db_blocker):
    # given: one run, then the same run again after removing everything it wrote
    seed_households(households=200, seed=7, as_of=AS_OF)
    first = _people()
    first_numbers = list(Household.objects.order_by("id").values_list("number", "address", "member_count"))
    Membership.objects.all().delete()
    Income.objects.all().delete()
    Asset.objects.all().delete()
    Household.objects.update(head=None)
    Person.objects.all().delete()
    Household.objects.all().delete()

    # when
    seed_households(households=200, seed=7, as_of=AS_OF)

    # then: same people (ids shift, content does not)
    assert _people() == first
    assert (
        list(Household.objects.order_by("id").values_list("number", "address", "member_count"))
        == first_numbers
    )


def test_rows_are_valid_and_consistent(linyi):
    # when
    stats = seed_households(households=200, seed=1, as_of=AS_OF)

    # then
    assert Household.objects.count() == 200
    assert stats.persons == Person.objects.count() == Membership.objects.count()
    people = Person.objects.values_list("id_number", "sex", "birth_date")
    for number, sex, birth in people:
        info = idnumber.parse(number, region_known=region_code_known, today=dt.date(2026, 1, 2))
        assert info.sex == sex
        assert info.birth_date == birth
        assert info.region_code == "371424"
    heads = Person.objects.filter(relation="head")
    assert heads.count() == 200
    assert set(Household.objects.values_list("head_id", flat=True)) == set(heads.values_list("id", flat=True))
    for h in Household.objects.all():
        assert h.member_count == h.members.count()
        assert h.number.startswith(h.area.village_code) and len(h.number) == 17
        assert h.area.level == AreaLevel.GRID and h.area.county_code == "371424"
    assert not Income.objects.filter(amount__lt=0).exists()
    assert Income.objects.exists() and Asset.objects.exists()
    spouses = Person.objects.filter(relation="spouse").select_related("household__head")
    for s in spouses:
        assert s.name[0] != s.household.head.name[0]
        assert s.sex != s.household.head.sex
    event = AuditEvent.objects.get(action="import", subject_type="seed")
    assert "200户" in event.note


def test_two_seeds_do_not_collide(linyi):
    seed_households(households=200, seed=1, as_of=AS_OF)
    seed_households(households=200, seed=2, as_of=AS_OF)
    seed_households(households=100, seed=1, as_of=AS_OF)  # even the same seed again
    assert Household.objects.count() == 500
    assert Person.objects.values("id_number").distinct().count() == Person.objects.count()
    assert Household.objects.values("number").distinct().count() == 500


def test_distribution_is_plausible(linyi):
    seed_households(households=2000, seed=3, as_of=AS_OF)
    persons = Person.objects.count()
    assert 2.2 < persons / 2000 < 3.4
    disabled = Person.objects.exclude(disability_type="").count() / persons
    assert 0.03 < disabled < 0.10
    illness = Person.objects.filter(serious_illness=True).count() / persons
    assert 0.015 < illness < 0.05
    incomes = pl.DataFrame(list(Income.objects.values("household_id", "amount")), orient="row")
    per_hh = incomes.group_by("household_id").agg(pl.col("amount").cast(pl.Float64).sum())
    sizes = pl.DataFrame(list(Household.objects.values("id", "member_count")), orient="row")
    joined = sizes.join(per_hh, left_on="id", right_on="household_id", how="left").fill_null(0)
    poor = joined.filter(pl.col("amount") / 12 / pl.col("member_count") < 700).height / 2000
    assert 0.01 < poor < 0.15
