"""What a parameter's values look like, read from the YAML, and cleaning a value typed in the UI.

Kinds: money (unit in 元; at most two decimals, kept as text "800.00" like the YAML), integer (every
YAML value is a whole number: ages, months, 1/0 switches), number (ratios and multiples such as 1.5)
choice (one of the words the YAML lists under `choices`, e.g. age.start_rule) and text (anything else).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from dajiuzhu.core.inputs import date_problem
from dajiuzhu.rules.parameters import Parameter

MONEY, INTEGER, NUMBER, TEXT, CHOICE = "money", "integer", "number", "text", "choice"
KIND_HELP = {
    MONEY: "金额（元），最多两位小数，例如 800.00",
    INTEGER: "整数",
    NUMBER: "数字，例如 1.5 或 0.6",
    TEXT: "文本",
    CHOICE: "给定选项之一",
}
VALUE_MAX_LENGTH = 50


def _is_number(raw: Any) -> bool:
    if isinstance(raw, bool):
        return False
    try:
        Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return False
    return True


def parameter_kind(param: Parameter) -> str:
    if param.choices:
        return CHOICE
    if "元" in param.unit:
        return MONEY
    raw = [v.value for values in param.values.values() for v in values]
    if raw and all(isinstance(v, int) and not isinstance(v, bool) for v in raw):
        return INTEGER
    if raw and all(_is_number(v) for v in raw):
        return NUMBER
    return TEXT


def clean_value(raw: Any, kind: str, choices: tuple[str, ...] = ()) -> tuple[str | None, str]:
    """(stored text, "") or (None, Chinese message). A choice must be one of `choices`."""
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("，", "")
    if not text:
        return None, "不能为空"
    if len(text) > VALUE_MAX_LENGTH:
        return None, f"不能超过{VALUE_MAX_LENGTH}个字"
    if kind == CHOICE:
        if text not in choices:
            return None, f"“{text}”无效，应为{'、'.join(choices)}之一"
        return text, ""
    if kind == TEXT:
        return text, ""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None, f"“{text}”不是数字（应为{KIND_HELP[kind]}）"
    if not number.is_finite():
        return None, f"“{text}”不是数字（应为{KIND_HELP[kind]}）"
    if number < 0:
        return None, "不能为负数"
    if kind == MONEY:
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            return None, f"金额“{text}”最多保留两位小数（单位：元）"
        return str(number.quantize(Decimal("0.01"))), ""
    if kind == INTEGER:
        if number != number.to_integral_value():
            return None, f"“{text}”应为整数"
        return str(int(number)), ""
    # "0.650" and "0.65" are the same ratio; keep the plain form.
    normal = number.normalize()
    return (format(normal, "f") if normal != 0 else "0"), ""


def typed_value(text: str, kind: str) -> Any:
    """The stored text as the YAML would hold it: text for money, int, float, or the text itself."""
    if kind == INTEGER:
        return int(Decimal(text))
    if kind == NUMBER:
        return float(Decimal(text))
    return text


def parse_date(raw: Any) -> tuple[dt.date | None, str]:
    if isinstance(raw, dt.date):
        day = raw.date() if isinstance(raw, dt.datetime) else raw
        return (None, problem) if (problem := date_problem(day)) else (day, "")
    text = str(raw or "").strip()
    if not text:
        return None, "不能为空"
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None, f"“{text}”不是有效日期，请写成 2025-01-31"
    return (None, problem) if (problem := date_problem(day)) else (day, "")


def parameter_name_normalize(raw: Any) -> str:
    return str(raw or "").strip()
