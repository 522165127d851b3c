"""The layered tree, its cache, and the rows of the list and history pages."""

from __future__ import annotations

import datetime as dt

import pytest

from dajiuzhu.core.errors import NotFound, PermissionDenied
from dajiuzhu.parameters.selectors import parameter_history, parameter_list, parameter_tree
from dajiuzhu.parameters.services import parameter_change_create, parameter_change_withdraw
from dajiuzhu.parameters.tests.conftest import RURAL
from dajiuzhu.rules.parameters import ParameterTree

pytestmark = pytest.mark.django_db

REF = "临民发〔2026〕8号"


def test_tree_without_changes_equals_the_yaml(today):
    yaml_tree = ParameterTree.load()
    tree = parameter_tree()
    assert sorted(tree.parameters) == sorted(yaml_tree.parameters)
    assert tree.at(on=today, region="371424") == yaml_tree.at(on=today, region="371424")


def test_tree_is_cached_until_a_change_is_added_or_withdrawn(
    county_approver, later, django_assert_num_queries
):
    # given a built tree
    first = parameter_tree()
    # when nothing changed, one query and the same object
    with django_assert_num_queries(1):
        assert parameter_tree() is first
    # when a change is added, a new tree with the value
    change = parameter_change_create(
        actor=county_approver, name=RURAL, start=later, value="820", reference=REF
    )
    second = parameter_tree()
    assert second is not first
    assert second.value(RURAL, on=later, region="371424") == "820.00"
    # and the YAML tree the cache started from is untouched
    assert first.value(RURAL, on=later, region="371424") == "780.00"
    # when it is withdrawn, rebuilt again
    parameter_change_withdraw(actor=county_approver, change_id=change.pk, reason="录错")
    assert parameter_tree().value(RURAL, on=later, region="371424") == "780.00"


def test_list_rows_for_a_village_worker(worker_a, county_approver, later):
    # given the county set its own rural standard
    change = parameter_change_create(
        actor=county_approver, name=RURAL, start=later, value="820", reference=REF
    )

    # when a village worker of that county lists the 低保 standards on that date
    rows = parameter_list(user=worker_a, on=later, q="dibao.standard.")

    # then
    assert [(r.name, r.value, r.jurisdiction, r.from_ui, r.unverified) for r in rows] == [
        ("dibao.standard.rural", "820.00", "371424", True, False),
        ("dibao.standard.urban", "960.00", "3714", False, True),
    ]
    rural = rows[0]
    assert (rural.label, rural.unit, rural.kind) == ("农村低保标准", "元/人·月", "money")
    assert (rural.jurisdiction_name, rural.start, rural.reference, rural.change_id) == (
        "临邑县",
        later,
        REF,
        change.pk,
    )


def test_list_search_by_label_and_values_not_yet_in_force(worker_a):
    # when searching by the Chinese label on a date before the city's values start
    rows = parameter_list(user=worker_a, on=dt.date(2024, 12, 31), q="农村低保标准")
    # then the row is there without a value
    assert [(r.name, r.value, r.jurisdiction, r.start) for r in rows] == [
        ("dibao.standard.rural", None, "", None),
    ]


def test_list_needs_a_logged_in_user():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        parameter_list(user=AnonymousUser(), on=dt.date(2026, 1, 1))


def test_history_shows_the_chain_with_withdrawn_and_replaced_values(
    county_approver, city_admin, later, today
):
    # given the city replaced its 2025-01-01 value, the county set one and withdrew another
    city = parameter_change_create(
        actor=city_admin, name=RURAL, start=dt.date(2025, 1, 1), value="790", reference="德民发", note="更正"
    )
    kept = parameter_change_create(actor=county_approver, name=RURAL, start=later, value="820", reference=REF)
    gone = parameter_change_create(
        actor=county_approver, name=RURAL, start=later + dt.timedelta(days=1), value="900", reference=REF
    )
    parameter_change_withdraw(actor=county_approver, change_id=gone.pk, reason="录错")

    # when the county approver reads the history
    history = parameter_history(user=county_approver, name=RURAL)

    # then most specific jurisdiction first, newest first; the withdrawn and replaced ones are marked
    assert [
        (e.jurisdiction, e.start, e.value, e.from_ui, e.withdrawn, e.replaced, e.in_force, e.can_withdraw)
        for e in history.entries
    ] == [
        ("371424", later + dt.timedelta(days=1), "900.00", True, True, False, False, False),
        ("371424", later, "820.00", True, False, False, False, True),
        ("3714", dt.date(2025, 1, 1), "790.00", True, False, False, True, False),
        ("3714", dt.date(2025, 1, 1), "780.00", False, False, True, False, False),
    ]
    assert [e.change_id for e in history.entries] == [gone.pk, kept.pk, city.pk, None]
    assert history.entries[0].withdraw_reason == "录错"
    assert history.entries[3].unverified is True
    assert (history.jurisdiction, history.jurisdiction_name, history.can_edit) == ("371424", "临邑县", True)
    assert (history.current.value, history.current.jurisdiction, history.current.from_ui) == (
        "790.00",
        "3714",
        True,
    )


def test_history_for_a_reader_without_the_capability(worker_a):
    history = parameter_history(user=worker_a, name=RURAL)
    assert history.can_edit is False
    assert history.jurisdiction is None
    assert [(e.jurisdiction, e.value, e.can_withdraw) for e in history.entries] == [("3714", "780.00", False)]


def test_history_of_an_unknown_parameter(worker_a):
    with pytest.raises(NotFound) as err:
        parameter_history(user=worker_a, name="nope")
    assert err.value.message == "参数“nope”不存在"
