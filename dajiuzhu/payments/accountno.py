"""Payees' bank account numbers (银行账号): cleaned and checked against the agent bank's format.

A payment roll goes to the bank as a file; a wrong account number comes back a month later as a failed
line and a family without its money. So a number is checked when it is entered: spaces, hyphens and
full-width digits (NFKC) are accepted and removed, anything else that is not a digit is refused, the
length must be one the bank's format allows (``account.lengths`` in ``policy/payments/banks/*.yaml``),
and when the format says ``luhn: true`` (bank cards; some passbook accounts carry no check digit) the
last digit must pass the Luhn check.

Every refusal is an :class:`AccountInvalid` (a ``ValidationFailed``) whose ``reason`` — also its
``code`` in the API payload — is one of the stable codes below.

>>> account_clean("6222 0202 0011 2345 674", bank=AccountRule(lengths=(19,), luhn=True))
'6222020200112345674'
>>> luhn_ok("79927398713")
True
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from dajiuzhu.core.errors import FieldError, ValidationFailed

if TYPE_CHECKING:
    from .bankfiles import BankFormat

ACCOUNT_EMPTY = "account_empty"
ACCOUNT_NOT_DIGITS = "account_not_digits"
ACCOUNT_LENGTH = "account_length"
ACCOUNT_LUHN = "account_luhn"

_DIGITS = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]+")  # spaces (any), ASCII and typographic hyphens/dashes


@dataclass(frozen=True)
class AccountRule:
    """What a bank accepts as an account number: the allowed lengths and whether a Luhn digit ends it."""

    lengths: tuple[int, ...]
    luhn: bool

    def lengths_text(self) -> str:
        """The allowed lengths in a sentence: "19", "16或19", "16、18或19"."""
        items = [str(n) for n in sorted(self.lengths)]
        if len(items) == 1:
            return items[0]
        return "、".join(items[:-1]) + "或" + items[-1]


class AccountInvalid(ValidationFailed):
    """A refused account number; ``reason`` (and ``code``) is one of the ACCOUNT_* codes."""

    code = "account_invalid"
    default_message = "银行账号有误"

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        reason: str = "account_invalid",
    ) -> None:
        super().__init__(message, errors=errors)
        self.reason = reason
        self.code = reason


def message_for(reason: str, field: str, rule: AccountRule, actual_length: int = 0) -> str:
    """The Chinese message of a refusal (shared with the vectorised checks of bankfiles.render)."""
    if reason == ACCOUNT_EMPTY:
        return f"{field}不能为空"
    if reason == ACCOUNT_NOT_DIGITS:
        return f"{field}只能包含数字"
    if reason == ACCOUNT_LENGTH:
        return f"{field}应为{rule.lengths_text()}位（实际{actual_length}位）"
    if reason == ACCOUNT_LUHN:
        return f"{field}校验位不正确，请核对卡号"
    raise ValueError(f"unknown account reason {reason!r}")


def _refuse(reason: str, field: str, rule: AccountRule, actual_length: int = 0) -> AccountInvalid:
    err = FieldError(field=field, message=message_for(reason, field, rule, actual_length))
    return AccountInvalid(str(err), errors=[err], reason=reason)


def luhn_ok(digits: str) -> bool:
    """True when a string of ASCII digits passes the Luhn (mod 10) check; False for anything else."""
    if not digits or not _DIGITS.fullmatch(digits):
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_digit(partial: str) -> str:
    """The check digit that makes ``partial + digit`` pass the Luhn check (for test data and the demo)."""
    for d in "0123456789":
        if luhn_ok(partial + d):
            return d
    raise ValueError("not a string of digits")  # pragma: no cover - every digit string has one


def luhn_ok_many(values: pl.Series) -> pl.Series:
    """The Luhn check on a whole column at once (numpy on the digits, no loop over rows).

    Rows that are null or not all ASCII digits give False; the caller reports them separately.
    """
    n = len(values)
    digits_only = values.str.contains(r"^[0-9]+$").fill_null(False)
    ok = digits_only.to_numpy().astype(bool, copy=True)
    if not ok.any():
        return pl.Series(values.name, np.zeros(n, dtype=bool))
    candidates = values.filter(digits_only)
    width = int(candidates.str.len_bytes().max() or 0)  # type: ignore[arg-type]
    # Left zero-padding leaves the Luhn sum unchanged (a 0 doubled is still 0).
    joined = candidates.str.pad_start(width, "0").str.join("").item()
    matrix = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, width).astype(np.int16) - 48
    doubled = (
        matrix[:, np.arange(width - 2, -1, -2)] * 2
    )  # every second digit from the right, check digit excluded
    doubled -= 9 * (doubled > 9)
    total = matrix[:, np.arange(width - 1, -1, -2)].sum(axis=1) + doubled.sum(axis=1)
    ok[ok] = total % 10 == 0
    return pl.Series(values.name, ok)


def _rule_of(bank: BankFormat | AccountRule | str) -> AccountRule:
    if isinstance(bank, AccountRule):
        return bank
    if isinstance(bank, str):
        from .bankfiles import get_format

        return get_format(bank).account
    return bank.account


def normalise(raw: str) -> str:
    """NFKC (full-width digits become ASCII), then spaces and hyphens removed."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))


def account_clean(raw: str, *, bank: BankFormat | AccountRule | str, field: str = "银行账号") -> str:
    """The account number as the bank wants it (ASCII digits only), or AccountInvalid.

    ``bank`` is a loaded BankFormat, its code (looked up in policy/payments/banks) or an AccountRule.
    """
    rule = _rule_of(bank)
    text = normalise(raw)
    if not text:
        raise _refuse(ACCOUNT_EMPTY, field, rule)
    if not _DIGITS.fullmatch(text):
        raise _refuse(ACCOUNT_NOT_DIGITS, field, rule)
    if len(text) not in rule.lengths:
        raise _refuse(ACCOUNT_LENGTH, field, rule, len(text))
    if rule.luhn and not luhn_ok(text):
        raise _refuse(ACCOUNT_LUHN, field, rule)
    return text
