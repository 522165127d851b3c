"""Money: Decimal yuan in the database, integer fen in the engine, exact conversion both ways."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

FEN = Decimal("0.01")


class InvalidAmount(ValueError):
    pass


# The largest amount a money column holds: DecimalField(max_digits=12, decimal_places=2).
AMOUNT_LIMIT = 10**10


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
    if abs(value) >= AMOUNT_LIMIT:  # beyond any amount the database holds (and quantize's precision)
        raise InvalidAmount(f"金额“{raw}”过大，应小于 {AMOUNT_LIMIT:,} 元")
    if value != value.quantize(FEN, rounding=ROUND_HALF_UP):
        raise InvalidAmount(f"金额“{raw}”最多保留两位小数（精确到分）")
    return value.quantize(FEN)


def yuan_to_fen(value: Decimal) -> int:
    return int((value * 100).to_integral_value(rounding=ROUND_HALF_UP))


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


# ---- the same conversions on Polars columns (batch work: rolls, bank files, results written back) -----


def yuan_text_expr(fen: Any) -> Any:
    """A Polars expression of non-negative integer fen → "1234.50" (the database's decimal text)."""
    import polars as pl

    return pl.concat_str([(fen // 100).cast(pl.Utf8), pl.lit("."), (fen % 100).cast(pl.Utf8).str.zfill(2)])


def fen_from_yuan_text(text: Any) -> Any:
    """A Polars Series of decimal text as the databases print it ("123.4", "123.45", "123") → integer fen."""
    import polars as pl

    parts = text.str.split_exact(".", 1)
    whole = parts.struct.field("field_0").cast(pl.Int64)
    frac = parts.struct.field("field_1").fill_null("").str.pad_end(2, "0").str.slice(0, 2).cast(pl.Int64)
    return whole * 100 + frac
