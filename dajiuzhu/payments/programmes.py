"""Which programmes pay cash, to whom, from which fund, and which are published: read from the rules'
programme list and the dated parameters (payments.payee.*, payments.fund.*, payments.public_list.*),
never written here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.payments.generation import Programme
from dajiuzhu.rules.parameters import ParameterError
from dajiuzhu.rules.programmes import PROGRAMMES

PAYEE_RULES = ("household_head", "beneficiary", "guardian")


def parameter(name: str, *, on: dt.date, region: str) -> Any:
    from dajiuzhu.parameters.selectors import parameter_tree

    try:
        return parameter_tree().value(name, on=on, region=region)
    except ParameterError as exc:
        raise ValidationFailed.single("政策参数", str(exc)) from exc


def _cash() -> list[Any]:
    # Programmes with an amount paid monthly, per decision (次) or yearly (医疗救助 reimbursed in cash).
    return [p for p in PROGRAMMES if p.amount]


def cash_programmes(*, on: dt.date, region: str) -> dict[str, Programme]:
    out: dict[str, Programme] = {}
    for p in _cash():
        payee = str(parameter(f"payments.payee.{p.code}", on=on, region=region))
        if payee not in PAYEE_RULES:
            raise ValidationFailed.single(
                "政策参数", f"payments.payee.{p.code} 的值“{payee}”无效（应为 {' / '.join(PAYEE_RULES)}）"
            )
        out[p.code] = Programme(
            code=p.code,
            label=p.label,
            household=p.level == "household",
            payee=payee,
            monthly=p.period == "月",
        )
    return out


def labels() -> dict[str, str]:
    return {p.code: p.label for p in PROGRAMMES}


def household_programmes() -> set[str]:
    return {p.code for p in PROGRAMMES if p.level == "household"}


def fund_of(programme: str, *, on: dt.date, region: str) -> str:
    return str(parameter(f"payments.fund.{programme}", on=on, region=region))


def public_programmes(*, on: dt.date, region: str) -> list[str]:
    return [
        p.code for p in _cash() if int(parameter(f"payments.public_list.{p.code}", on=on, region=region)) == 1
    ]
