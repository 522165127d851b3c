"""A parameter whose value is one of a few words (age.start_rule, issue 13 point 1) set on the page."""

from __future__ import annotations

import pytest

from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.parameters.models import ParameterChange
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.parameters.services import parameter_change_create

REF = "临民发〔2026〕3号"


def test_a_county_moves_age_tied_payments_to_the_birthday_month_from_a_date(county_approver, later):
    # when the county approver sets age.start_rule = birthday_month from a later date
    change = parameter_change_create(
        actor=county_approver, name="age.start_rule", start=later, value=" birthday_month ", reference=REF
    )
    # then it is stored as the word and the tree has it for the county from that date
    assert change.value == "birthday_month"
    assert parameter_tree().value("age.start_rule", on=later, region="371424") == "birthday_month"


def test_a_word_outside_the_choices_is_refused_naming_the_value_field(county_approver, later):
    before = ParameterChange.objects.count()
    with pytest.raises(ValidationFailed) as err:
        parameter_change_create(
            actor=county_approver, name="age.start_rule", start=later, value="1", reference=REF
        )
    assert err.value.message == "取值：“1”无效，应为next_month、birthday_month之一"
    assert ParameterChange.objects.count() == before
