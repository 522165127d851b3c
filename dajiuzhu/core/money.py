"""Money: Decimal yuan in the database, integer fen in the engine, exact conversion both ways."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")


class InvalidAmount(ValueError):
    pass


def parse_yuan(raw: object) -> Decimal:
    """Parse user input ("1,234.5", 1234.5, "１２３") into yuan with two decimals."""
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw).strip().replace(",", "").replace("，", "").replace("元", "")
        text = text.translate(str.maketrans("０１２３４５６７８９．－", "0123456789.-"))
        if text == "":
            raise InvalidAmount("金额不能为空")
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise InvalidAmount(f"“{raw}”不是有效的金额") from exc
    if not value.is_finite():
        raise InvalidAmount(f"“{raw}”不是有效的金额")
    if value != value.quantize(FEN, rounding=ROUND_HALF_UP):
        raise InvalidAmount(f"金额“{raw}”最多保留两位小数（精确到分）")
    return value.quantize(FEN)


def yuan_to_fen(value: Decimal) -> int:
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)
