"""Account numbers: cleaning, allowed lengths and the Luhn check (no database)."""

from __future__ import annotations

import random

import polars as pl
import pytest

from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.payments import accountno
from dajiuzhu.payments.accountno import (
    ACCOUNT_EMPTY,
    ACCOUNT_LENGTH,
    ACCOUNT_LUHN,
    ACCOUNT_NOT_DIGITS,
    AccountInvalid,
    AccountRule,
    account_clean,
    luhn_digit,
    luhn_ok,
    luhn_ok_many,
)
from dajiuzhu.payments.bankfiles import load_formats


def _luhn_sum(digits: str) -> int:
    """The Luhn sum written out independently of the module under test."""
    total = 0
    for position, ch in enumerate(reversed(digits)):
        d = int(ch)
        if position % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total


def _complete(partial: str) -> str:
    for d in "0123456789":
        if _luhn_sum(partial + d) % 10 == 0:
            return partial + d
    raise AssertionError("no check digit")


CARD = _complete("622202020011234567")  # 19 digits, valid
CARD16 = _complete("621462000000123")  # 16 digits, valid
PASSBOOK = "6222020200112345670" if not luhn_ok("6222020200112345670") else "6222020200112345671"


@pytest.fixture(scope="module")
def formats():
    return load_formats()


def test_luhn_known_numbers() -> None:
    assert luhn_ok("79927398713") is True
    assert luhn_ok("79927398710") is False
    assert len(CARD) == 19 and luhn_ok(CARD)
    assert luhn_digit(CARD[:-1]) == CARD[-1]


def test_luhn_catches_every_single_digit_error() -> None:
    for i in range(len(CARD)):
        for d in "0123456789":
            if d != CARD[i]:
                assert not luhn_ok(CARD[:i] + d + CARD[i + 1 :]), (i, d)


def test_luhn_refuses_what_is_not_digits() -> None:
    assert luhn_ok("") is False
    assert luhn_ok("7992739871３") is False  # a full-width digit is not cleaned here
    assert luhn_ok("7992 7398 713") is False


def test_luhn_many_agrees_with_one_at_a_time() -> None:
    rng = random.Random(7)
    values: list[str | None] = []
    for _ in range(2000):
        n = rng.choice([1, 2, 12, 16, 18, 19])
        values.append("".join(rng.choice("0123456789") for _ in range(n)))
    values += [_complete(v) for v in values[:500] if v]
    values += [None, "", "12a4", "８８"]
    got = luhn_ok_many(pl.Series("a", values, dtype=pl.String)).to_list()
    assert got == [bool(v) and v.isascii() and v.isdigit() and _luhn_sum(v) % 10 == 0 for v in values]
    assert sum(got) >= 500


def test_clean_strips_spaces_hyphens_and_full_width_digits(formats) -> None:
    spaced = " ".join(CARD[i : i + 4] for i in range(0, 19, 4))
    assert account_clean(spaced, bank=formats["sdrcu"]) == CARD
    assert account_clean(CARD[:6] + "-" + CARD[6:], bank=formats["sdrcu"]) == CARD
    full = CARD.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert account_clean(full, bank=formats["sdrcu"]) == CARD
    assert account_clean("　" + CARD + "\t", bank="sdrcu") == CARD  # ideographic space, tab; code looked up


def _refusal(raw: str, bank, **kw) -> AccountInvalid:
    with pytest.raises(AccountInvalid) as exc:
        account_clean(raw, bank=bank, **kw)
    assert isinstance(exc.value, ValidationFailed)
    assert len(exc.value.errors) == 1
    return exc.value


def test_non_digits_are_refused(formats) -> None:
    exc = _refusal(CARD[:5] + "O" + CARD[6:], formats["sdrcu"])
    assert exc.reason == ACCOUNT_NOT_DIGITS == "account_not_digits"
    assert exc.code == ACCOUNT_NOT_DIGITS
    assert exc.errors[0].field == "银行账号"
    assert exc.errors[0].message == "银行账号只能包含数字"
    assert exc.as_dict()["code"] == "account_not_digits"


def test_wrong_length_names_the_allowed_lengths(formats) -> None:
    exc = _refusal(CARD[:18], formats["sdrcu"])
    assert exc.reason == ACCOUNT_LENGTH
    assert exc.errors[0].message == "银行账号应为16或19位（实际18位）"
    exc = _refusal(CARD + "0", formats["psbc"])
    assert exc.errors[0].message == "银行账号应为18或19位（实际20位）"
    exc = _refusal("1234567890123", formats["xlsx-template"])
    assert exc.errors[0].message == "银行账号应为16、17、18或19位（实际13位）"


def test_luhn_only_where_the_format_asks_for_it(formats) -> None:
    assert not luhn_ok(PASSBOOK)
    exc = _refusal(PASSBOOK, formats["sdrcu"])
    assert exc.reason == ACCOUNT_LUHN
    assert exc.errors[0].message == "银行账号校验位不正确，请核对卡号"
    # 邮储 passbook accounts carry no check digit: the same number is accepted there.
    assert account_clean(PASSBOOK, bank=formats["psbc"]) == PASSBOOK
    assert account_clean(CARD16, bank=formats["sdrcu"]) == CARD16


def test_empty_and_field_name(formats) -> None:
    exc = _refusal("  - ", formats["sdrcu"])
    assert exc.reason == ACCOUNT_EMPTY
    assert exc.errors[0].message == "银行账号不能为空"
    exc = _refusal("12", AccountRule(lengths=(19,), luhn=True), field="代理人账号")
    assert exc.errors[0].field == "代理人账号"
    assert exc.errors[0].message == "代理人账号应为19位（实际2位）"


def test_unknown_bank_code_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="未知的银行文件格式"):
        account_clean(CARD, bank="no-such-bank")


def test_codes_are_distinct() -> None:
    codes = [
        accountno.ACCOUNT_EMPTY,
        accountno.ACCOUNT_NOT_DIGITS,
        accountno.ACCOUNT_LENGTH,
        accountno.ACCOUNT_LUHN,
    ]
    assert len(set(codes)) == 4
