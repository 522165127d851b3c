"""Typed amounts: what a clerk may type, and a clear message (never a crash) for what no column holds."""

from decimal import Decimal

import pytest

from dajiuzhu.core.money import AMOUNT_LIMIT, InvalidAmount, parse_yuan


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.5", Decimal("1234.50")),
        ("１２３", Decimal("123.00")),
        ("80元", Decimal("80.00")),
        (7, Decimal("7.00")),
    ],
)
def test_amounts_as_clerks_type_them(raw, expected):
    assert parse_yuan(raw) == expected


@pytest.mark.parametrize("raw", ["1e30", "9" * 40, "-1e12", str(AMOUNT_LIMIT)])
def test_an_amount_beyond_every_money_column_is_refused_with_a_message(raw):
    with pytest.raises(InvalidAmount, match="过大"):
        parse_yuan(raw)


@pytest.mark.parametrize("raw", ["abc", "NaN", "Infinity", "1.234", ""])
def test_other_bad_amounts_are_refused(raw):
    with pytest.raises(InvalidAmount):
        parse_yuan(raw)


def test_the_largest_amount_a_column_holds_is_accepted():
    assert parse_yuan("9999999999.99") == Decimal("9999999999.99")
