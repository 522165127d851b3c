"""From the dated parameter tree to the integer values the engines compute with.

Engine parameters are typed: `fen` (yuan in the YAML, integer fen here), `permille` (a ratio such as
1.5, as 1500), or `int`. One parameter *set* is resolved per (region, urban|rural); each household and
person carries the `param_key` of its set, so the vectorised engines gather parameter values by key
instead of joining.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from dajiuzhu.rules.parameters import ParameterError, ParameterTree


@dataclass(frozen=True)
class EngineParam:
    name: str  # the engine's name, e.g. "dibao.standard"
    source: str  # the tree's name; "{residence}" is replaced by urban|rural
    kind: str  # fen | permille | int | bool | choice
    choices: tuple[str, ...] = ()  # kind "choice": the words allowed; the engine gets the word's index


_UNIT_WORDS = {"fen": "金额（元，最多两位小数）", "permille": "数字（比例或倍数，如 0.1、1.5）",
               "int": "整数", "bool": "1 或 0（是/否）"}  # fmt: skip


def _convert(value: Any, kind: str, where: str, *, choices: tuple[str, ...] = (), exact: bool = False) -> int:
    """The engine integer of a parameter value. With `exact` (a value as written, not one computed from a
    relative change) a value of the wrong unit is refused: a fraction of a fen, a fractional age or count,
    a switch other than 1/0, a word outside the choices."""
    if kind == "choice":
        if isinstance(value, str) and value.strip() in choices:
            return choices.index(value.strip())
        raise ParameterError(f"{where}：取值“{value}”无效，应为{'、'.join(choices)}之一")
    if isinstance(value, bool) and kind == "bool":
        return int(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ParameterError(f"{where}：取值“{value}”不是数字（应为{_UNIT_WORDS.get(kind, kind)}）") from exc
    if not number.is_finite():
        raise ParameterError(f"{where}：取值“{value}”不是数字（应为{_UNIT_WORDS.get(kind, kind)}）")
    if exact:
        if kind == "fen" and number != number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
            raise ParameterError(f"{where}：取值“{value}”应为{_UNIT_WORDS['fen']}")
        if kind in {"int", "bool"} and number != number.to_integral_value():
            raise ParameterError(f"{where}：取值“{value}”应为{_UNIT_WORDS[kind]}")
        if kind == "bool" and number not in (0, 1):
            raise ParameterError(f"{where}：取值“{value}”应为{_UNIT_WORDS['bool']}")
    if kind == "fen":
        return int((number * 100).to_integral_value(rounding=ROUND_HALF_UP))
    if kind == "permille":
        return int((number * 1000).to_integral_value(rounding=ROUND_HALF_UP))
    if kind in {"int", "bool"}:
        return int(number)
    raise ParameterError(f"{where}：未知参数类型 {kind}")


def convert_value(spec: EngineParam, raw: Any, where: str) -> int:
    """One value as written (a case file's override, the YAML): its engine integer, or a ParameterError
    in Chinese naming `where` when its unit is wrong."""
    return _convert(raw, spec.kind, where, choices=spec.choices, exact=True)


def is_relative(raw: Any) -> bool:
    return isinstance(raw, str) and raw.strip().endswith("%")


def relative_percent(raw: str, where: str) -> Decimal:
    """ "+5%" → 5, "-2.5%" → -2.5; a change below −100 % is refused."""
    try:
        pct = Decimal(raw.strip()[:-1])
    except InvalidOperation as exc:
        raise ParameterError(f"{where}：调整幅度“{raw}”不是有效的百分比（例如 +5%）") from exc
    if not pct.is_finite() or pct < -100:
        raise ParameterError(f"{where}：调整幅度“{raw}”无效")
    return pct


def resolve_set(
    tree: ParameterTree,
    specs: list[EngineParam],
    *,
    on: dt.date,
    region: str,
    residence: str,
    overrides: dict[str, Any] | None = None,
) -> dict[str, int]:
    """All engine parameters for one region and urban/rural on a date. Overrides use engine names
    or tree names and take precedence (what-if runs, case files). An override may be a change relative
    to the value in force for that region, "+5%" or "-2.5%", so one what-if raises every county's own
    standard."""
    overrides = overrides or {}
    out: dict[str, int] = {}
    for spec in specs:
        source = spec.source.format(residence=residence)
        where = f"参数 {source}"
        if spec.name in overrides:
            raw = overrides[spec.name]
        elif source in overrides:
            raw = overrides[source]
        else:
            raw = tree.value(source, on=on, region=region)
        if is_relative(raw) and spec.kind != "choice":
            raw = Decimal(str(tree.value(source, on=on, region=region))) * (
                1 + relative_percent(raw, where) / 100
            )
            out[spec.name] = _convert(raw, spec.kind, where)
        else:
            out[spec.name] = _convert(raw, spec.kind, where, choices=spec.choices)
    return out


@dataclass
class ParamTable:
    """Parameter sets indexed by param_key (0..n-1), with the (region, residence) each came from."""

    keys: list[tuple[str, str]]
    values: list[dict[str, int]]

    def key_of(self, region: str, residence: str) -> int:
        return self.keys.index((region, residence))

    def column(self, name: str) -> list[int]:
        return [v[name] for v in self.values]


def build_table(
    tree: ParameterTree,
    specs: list[EngineParam],
    *,
    on: dt.date,
    combos: list[tuple[str, str]],
    overrides: dict[str, Any] | None = None,
) -> ParamTable:
    combos = sorted(set(combos))
    return ParamTable(
        keys=combos,
        values=[
            resolve_set(tree, specs, on=on, region=region, residence=residence, overrides=overrides)
            for region, residence in combos
        ],
    )
