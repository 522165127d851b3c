"""One vectorised row validator for every delivery of a source contract (verification ingest and the
monitoring feeds): a Polars frame of raw text columns in, typed good rows and quarantined rows out.

Each field is checked as a whole column by Polars expressions (no Python loop over rows). A refused
value gets one Chinese reason naming the field, e.g. 「余额（元）（balance_yuan）：“abc”不是有效的金额」;
the caller adds the row (「第4行 …」) where it shows reasons one by one. ID numbers follow GB 11643 exactly as
`core.idnumber.parse` does (15-digit numbers converted, province code, a real county-level address code
current or abolished, birth date from 1900 to today, check character),
with the same messages, in integer arithmetic over the column.

Typed columns of the good rows: id_number / string / enum / area_code / decimal → text (decimal
canonical without thousands separators), date → Date, integer → Int64, decimal_yuan → canonical text
"1234.50" plus `<name>_fen` (Int64, fen).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import polars as pl

from dajiuzhu.areas.divisions import known_county_codes
from dajiuzhu.core import clock
from dajiuzhu.core.idnumber import CHECK_CHARS, EARLIEST_BIRTH, PROVINCE_CODES, WEIGHTS
from dajiuzhu.core.inputs import CONTROL_MESSAGE, CONTROL_PATTERN

from .contracts import MAX_TEXT, FieldSpec, SourceContract

ROW = "row"
REASONS = "reasons"
RAW = "raw"
_FULLWIDTH = ("０", "１", "２", "３", "４", "５", "６", "７", "８", "９", "．", "－")
_ASCII = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ".", "-")


def header_map(contract: SourceContract, header: Iterable[object]) -> tuple[dict[str, str], list[FieldSpec]]:
    """Delivered column → field name, by the field's name or its Chinese label (with or without the unit),
    and the required fields no column delivers."""
    names: dict[str, str] = {}
    for spec in contract.fields:
        names[spec.name.lower()] = spec.name
        names[spec.label] = spec.name
        names[spec.label.split("（")[0]] = spec.name
    mapping: dict[str, str] = {}
    for cell in header:
        text = str(cell or "").strip().lstrip("\ufeff")
        found = names.get(text) or names.get(text.lower())
        if found and found not in mapping.values():
            mapping[str(cell)] = found
    missing = [s for s in contract.fields if s.required and s.name not in mapping.values()]
    return mapping, missing


def _lit(text: str) -> pl.Expr:
    return pl.lit(text, dtype=pl.Utf8)


def _msg(*parts: str | pl.Expr) -> pl.Expr:
    return pl.concat_str([_lit(p) if isinstance(p, str) else p for p in parts])


def _first(cases: list[tuple[pl.Expr, pl.Expr]]) -> pl.Expr:
    """The message of the first case that holds, else null."""
    expr: pl.Expr = pl.lit(None, dtype=pl.Utf8)
    for cond, message in reversed(cases):
        expr = pl.when(cond).then(message).otherwise(expr)
    return expr


def _check_char(first17: pl.Expr) -> pl.Expr:
    """GB 11643 check character of a 17-digit column, as text ("0"–"9" or "X")."""
    digits = first17.cast(pl.Int64, strict=False)
    total = pl.sum_horizontal([((digits // 10 ** (16 - i)) % 10) * w for i, w in enumerate(WEIGHTS)])
    return (total % 11).replace_strict(dict(enumerate(CHECK_CHARS)), return_dtype=pl.Utf8)


def _id_stages(name: str) -> list[list[pl.Expr]]:
    """Helper columns of an ID number field, computed in steps (each step reads the previous one's
    columns, which keeps the expressions small): the normalised number (15 digits converted), its
    length as delivered, and the expected check character."""
    s = pl.col(name).str.replace_all(" ", "", literal=True).str.to_uppercase()
    is15 = s.str.len_chars() == 15
    digits15 = s.str.contains(r"^\d{15}$")
    number = pl.col(f"__n_{name}")
    return [
        [s.alias(f"__n_{name}"), s.str.len_chars().alias(f"__len_{name}"), (is15 & ~digits15).alias(f"__bad15_{name}"),
         (is15 & digits15).alias(f"__is15_{name}")],
        [pl.when(pl.col(f"__is15_{name}")).then(pl.concat_str([number.str.slice(0, 6), _lit("19"), number.str.slice(6, 9)]))
         .otherwise(number).alias(f"__n_{name}")],
        [pl.when(pl.col(f"__is15_{name}")).then(pl.concat_str([number, _check_char(number)])).otherwise(number)
         .alias(f"__n_{name}")],
        [_check_char(number.str.slice(0, 17)).alias(f"__exp_{name}"),
         number.str.slice(6, 8).str.to_date("%Y%m%d", strict=False).alias(f"__birth_{name}")],
    ]  # fmt: skip


def _id_number(name: str, on: dt.date) -> tuple[pl.Expr, list[tuple[pl.Expr, pl.Expr]]]:
    """(the 18-digit number, (refused when, reason) in order) — the checks and messages of idnumber.parse."""
    number = pl.col(f"__n_{name}")
    length = pl.col(f"__len_{name}")
    shaped = number.str.contains(r"^\d{17}[\dX]$")
    province = number.str.slice(0, 2)
    birth_text = number.str.slice(6, 8)
    birth = pl.col(f"__birth_{name}")
    expected = pl.col(f"__exp_{name}")
    cases = [
        (pl.col(f"__bad15_{name}"), _lit("15位身份证号码只能包含数字")),
        ((length != 15) & (length != 18), _msg("身份证号码应为18位（或15位旧号码），实际为", length.cast(pl.Utf8), "位")),
        (~shaped, _lit("身份证号码前17位必须是数字，最后一位是数字或X")),
        (~province.is_in(sorted(PROVINCE_CODES)),
         _msg("地址码", number.str.slice(0, 6), "的省级代码", province, "不存在")),
        (~number.str.slice(0, 6).is_in(sorted(known_county_codes())),
         _msg("地址码", number.str.slice(0, 6), "不是有效的县级行政区划代码（现行或已撤销的代码均可）")),
        (birth.is_null() | ~birth_text.str.contains(r"^\d{8}$"), _msg("出生日期", birth_text, "不是真实的日期")),
        (birth < pl.lit(EARLIEST_BIRTH), _msg("出生日期", birth.dt.strftime("%Y-%m-%d"), "早于1900年1月1日，请核对号码")),
        (birth > pl.lit(on), _msg("出生日期", birth.dt.strftime("%Y-%m-%d"), f"晚于今天（{on.isoformat()}），请核对号码")),
        (number.str.slice(17, 1) != expected, _msg("校验码错误（应为", expected, "），请核对号码是否抄错")),
    ]  # fmt: skip
    return number, cases


def _date(s: pl.Expr) -> pl.Expr:
    """YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD (a time after it ignored) or YYYYMMDD."""
    iso = s.str.replace_all(r"[/.]", "-").str.slice(0, 10)
    dashed = pl.when(iso.str.contains(r"^\d{4}-\d{2}-\d{2}$")).then(iso.str.to_date("%Y-%m-%d", strict=False))
    compact = pl.when(s.str.contains(r"^\d{8}$")).then(s.str.to_date("%Y%m%d", strict=False))
    return pl.coalesce(dashed, compact)


def _number_text(s: pl.Expr, *, yuan: bool) -> pl.Expr:
    text = s.str.replace_all(",", "", literal=True)
    if yuan:
        text = text.str.replace_all("，", "", literal=True).str.replace_all("元", "", literal=True)
        text = text.str.replace_many(list(_FULLWIDTH), list(_ASCII))
    return text


_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)$"


def _bounds(spec: FieldSpec, value: pl.Expr, scale: int = 1) -> list[tuple[pl.Expr, pl.Expr]]:
    out: list[tuple[pl.Expr, pl.Expr]] = []
    if spec.min is not None and spec.max is not None:
        out.append((
            (value < spec.min * scale) | (value > spec.max * scale), _lit(f"应在{spec.min}至{spec.max}之间"),
        ))  # fmt: skip
    elif spec.min is not None:
        out.append((value < spec.min * scale, _lit("不能为负数" if spec.min == 0 else f"不能小于{spec.min}")))
    elif spec.max is not None:
        out.append((value > spec.max * scale, _lit(f"不能大于{spec.max}")))
    return out


def _field(spec: FieldSpec, on: dt.date) -> tuple[list[pl.Expr], pl.Expr, pl.Expr]:
    """(typed value columns, whether the value is refused, the reason — built only for refused rows)."""
    s = pl.col(spec.name)
    # A reason quotes the value: its control characters shown as U+FFFD (a reason is stored as text/JSON).
    quoted = _msg("“", s.str.replace_all(CONTROL_PATTERN, "\ufffd"), "”")
    cases: list[tuple[pl.Expr, pl.Expr]] = []
    if spec.required:
        cases.append((s.is_null(), _lit("不能为空")))
    present = s.is_not_null()
    values: list[pl.Expr]
    if spec.type == "id_number":
        number, checks = _id_number(spec.name, on)
        values = [number.alias(spec.name)]
        cases += [(present & cond, message) for cond, message in checks]
    elif spec.type == "string":
        values = [s.alias(spec.name)]
        cases.append((s.str.len_chars() > MAX_TEXT, _lit(f"不能超过{MAX_TEXT}个字")))
        cases.append((s.str.contains(CONTROL_PATTERN), _lit(CONTROL_MESSAGE)))
    elif spec.type == "date":
        value = _date(s)
        values = [value.alias(spec.name)]
        cases.append((present & value.is_null(), _msg(quoted, "不是有效日期（应为 YYYY-MM-DD）")))
        if spec.not_future:
            cases.append((value > pl.lit(on), _msg(quoted, f"晚于处理日期{on.isoformat()}")))
    elif spec.type == "decimal_yuan":
        text = _number_text(s, yuan=True)
        shaped = text.str.contains(_NUMBER)
        negative = text.str.starts_with("-")
        unsigned = text.str.strip_chars_start("+-")
        whole = unsigned.str.split_exact(".", 1).struct.field("field_0")
        frac = unsigned.str.split_exact(".", 1).struct.field("field_1").fill_null("").str.strip_chars_end("0")
        whole_n = pl.when(whole == "").then(pl.lit(0, pl.Int64)).otherwise(whole.cast(pl.Int64, strict=False))
        magnitude = whole_n * 100 + frac.str.pad_end(2, "0").str.slice(0, 2).cast(pl.Int64, strict=False)
        fen = pl.when(shaped & (frac.str.len_chars() <= 2)).then(
            pl.when(negative).then(-magnitude).otherwise(magnitude)
        )
        canonical = pl.concat_str([
            pl.when(negative).then(_lit("-")).otherwise(_lit("")), (fen.abs() // 100).cast(pl.Utf8), _lit("."),
            (fen.abs() % 100).cast(pl.Utf8).str.pad_start(2, "0"),
        ])  # fmt: skip
        values = [canonical.alias(spec.name), fen.alias(f"{spec.name}_fen")]
        cases += [
            (present & (~shaped | (shaped & magnitude.is_null())), _msg(quoted, "不是有效的金额")),
            (present & (frac.str.len_chars() > 2), _msg("金额", quoted, "最多保留两位小数（精确到分）")),
            *_bounds(spec, fen, 100),
        ]
    elif spec.type == "decimal":
        text = _number_text(s, yuan=False)
        shaped = text.str.contains(_NUMBER)
        values = [text.alias(spec.name)]
        cases += [
            (present & ~shaped, _msg(quoted, "不是有效的数字")),
            *_bounds(spec, text.cast(pl.Float64, strict=False)),
        ]
    elif spec.type == "integer":
        value = s.str.strip_prefix("+").cast(pl.Int64, strict=False)
        values = [value.alias(spec.name)]
        cases += [(present & (~s.str.contains(r"^-?\d+$") | value.is_null()), _msg(quoted, "不是整数")),
                  *_bounds(spec, value)]  # fmt: skip
    elif spec.type == "area_code":
        values = [s.alias(spec.name)]
        cases.append(
            (present & ~s.str.contains(r"^\d{2,15}$"), _msg(quoted, "不是有效的区划代码（应为2至15位数字）"))
        )
    else:  # enum
        values = [s.alias(spec.name)]
        cases.append((
            present & ~s.is_in(list(spec.values)), _msg(quoted, f"不是有效选项，可选：{'、'.join(spec.values)}")
        ))  # fmt: skip
    refused = pl.any_horizontal([cond.fill_null(False) for cond, _m in cases]) if cases else pl.lit(False)
    reason = _first(cases)
    return values, refused, pl.when(reason.is_not_null()).then(_msg(f"{spec.label}（{spec.name}）：", reason))


_IDX = "__i"
_FAST = "__fast"
_ID_SHAPED = r"^\d{17}[\dX]$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_PLAIN_YUAN = r"^(0|[1-9]\d{0,9})\.\d{2}$"  # canonical already: at most 10 digits, so exact as float


@functools.cache
def _weight_table(weights: tuple[int, ...]) -> pl.Series:
    """Weighted digit sum (GB 11643 weights) of every number of len(weights) digits, by the number."""
    n = pl.int_range(10 ** len(weights), dtype=pl.Int64, eager=True)
    k = len(weights)
    return (
        pl.select(pl.sum_horizontal([(n // 10 ** (k - 1 - i)) % 10 * w for i, w in enumerate(weights)]))
        .to_series()
        .rechunk()
    )


@functools.cache
def _region_table() -> pl.Series:
    """1 at every six-digit address code that is a real county-level code (current or abolished, R10.4)."""
    table = [0] * 10**6
    for code in known_county_codes():
        if code[:2] in PROVINCE_CODES:
            table[int(code)] = 1
    return pl.Series(table, dtype=pl.UInt8)


@functools.cache
def _birth_table(on: dt.date) -> tuple[int, pl.Series]:
    """(first YYYYMMDD, 1 where first + k is a real date from EARLIEST_BIRTH to `on`, by k)."""
    if on < EARLIEST_BIRTH:
        return 0, pl.Series([0], dtype=pl.UInt8)
    days = pl.date_range(EARLIEST_BIRTH, on, eager=True)
    ymd = (days.dt.year() * 10000 + days.dt.month().cast(pl.Int32) * 100 + days.dt.day().cast(pl.Int32)).cast(
        pl.Int64
    )
    first = int(ymd[0])
    table = pl.Series([0] * (int(ymd[-1]) - first + 1), dtype=pl.UInt8).scatter(ymd - first, 1)
    return first, table.rechunk()


def _fast_id_stages(name: str, on: dt.date) -> list[list[pl.Expr]]:
    """Helper columns, in steps, of the cheap check of an ID number already in its 18-character form:
    the checks of `_id_number` in integer arithmetic and table look-ups, ending in `__ok_<name>`.
    Anything else (15 digits, spaces, a lower-case x, any refusal) is left to the exact path."""
    s = pl.col(name)
    x, v, n17 = pl.col(f"__x_{name}"), pl.col(f"__v_{name}"), pl.col(f"__n17_{name}")
    safe, ymd = pl.col(f"__safe_{name}"), pl.col(f"__ymd_{name}")
    first, births = _birth_table(on)
    w = WEIGHTS
    total = (
        pl.lit(_weight_table(w[:5])).gather(safe // 10**12)
        + pl.lit(_weight_table(w[5:11])).gather((safe // 10**6) % 10**6)
        + pl.lit(_weight_table(w[11:])).gather(safe % 10**6)
    )
    last = pl.when(x).then(pl.lit(10, pl.Int64)).otherwise(v % 10)
    return [
        [s.str.ends_with("X").alias(f"__x_{name}"), s.str.strip_suffix("X").cast(pl.Int64, strict=False).alias(f"__v_{name}")],
        [pl.when(x).then(v).otherwise(v // 10).alias(f"__n17_{name}")],
        # 17 (+ X or 1) digits: the cast takes only a sign and digits, and the value has 17 digits
        [pl.when((s.str.len_bytes() == 18) & (n17 >= 10**16)).then(n17).alias(f"__safe_{name}")],
        [((safe // 1000) % 10**8 - first).alias(f"__ymd_{name}")],
        [(
            safe.is_not_null()
            & (pl.lit(_region_table()).gather(safe // 10**11) == 1)
            & (ymd >= 0) & (ymd < births.len())
            & (pl.lit(births).gather(ymd.clip(0, births.len() - 1)) == 1)
            & (((12 - total % 11) % 11) == last)  # CHECK_CHARS[k] as a number, X = 10
        ).fill_null(False).alias(f"__ok_{name}")],
    ]  # fmt: skip


def _fast(spec: FieldSpec, on: dt.date) -> tuple[list[pl.Expr], pl.Expr]:
    """(typed values, whether the value is certainly valid) by cheap checks of the common forms; the
    values are exact wherever the flag holds, and a row with any field not flagged goes the exact path."""
    s = pl.col(spec.name)
    absent = pl.lit(not spec.required) & s.is_null()
    if spec.type == "id_number":
        return [s.alias(spec.name)], absent | pl.col(f"__ok_{spec.name}")
    if spec.type == "date":
        value = s.str.to_date("%Y-%m-%d", strict=False)
        ok = s.str.contains(_ISO_DATE) & value.is_not_null()
        if spec.not_future:
            ok = ok & (value <= pl.lit(on))
        return [value.alias(spec.name)], absent | ok.fill_null(False)
    if spec.type == "decimal_yuan":
        fen = (s.cast(pl.Float64, strict=False) * 100).round(0).cast(pl.Int64, strict=False)
        bounds = [cond for cond, _m in _bounds(spec, fen, 100)]
        ok = (
            s.str.contains(_PLAIN_YUAN) & fen.is_not_null() & ~pl.any_horizontal(bounds)
            if bounds
            else (s.str.contains(_PLAIN_YUAN) & fen.is_not_null())
        )
        return [s.alias(spec.name), fen.alias(f"{spec.name}_fen")], absent | ok.fill_null(False)
    values, refused, _reason = _field(spec, on)  # the exact checks are cheap for the other types
    return values, ~refused


def _exact(
    contract: SourceContract, cleaned: pl.LazyFrame, on: dt.date, present: list[str]
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """GB 11643 and every other check exactly, with the reasons: (good rows with `_IDX`, quarantined rows)."""
    for spec in contract.fields:
        if spec.type == "id_number":
            for stage in _id_stages(spec.name):
                cleaned = cleaned.with_columns(stage)
    typed: list[pl.Expr] = []
    refused: list[pl.Expr] = []
    reasons: list[pl.Expr] = []
    for i, spec in enumerate(contract.fields):
        value, bad_value, reason = _field(spec, on)
        typed += value
        refused.append(bad_value)
        reasons.append(reason.alias(f"_reason{i}"))
    # Cheap checks on every row; the Chinese reasons are only built for the rows refused.
    checked = cleaned.with_columns(pl.any_horizontal(refused).alias("_refused"))
    good = checked.filter(~pl.col("_refused")).select(_IDX, ROW, *typed)
    bad = checked.filter(pl.col("_refused"))
    for reason in reasons:  # one field at a time: each field's expressions stay small for the optimiser
        bad = bad.with_columns(reason)
    names = [f"_reason{i}" for i in range(len(reasons))]
    bad = bad.with_columns(pl.concat_list(names).list.drop_nulls().alias(REASONS))
    quarantined = bad.select(
        ROW, REASONS, pl.struct(present).struct.json_encode().alias(RAW) if present else _lit("{}").alias(RAW)
    )
    return good, quarantined


def validate(
    contract: SourceContract, raw: pl.DataFrame, *, on: dt.date | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Check every row of `raw` (a `row` number column and text columns named by the contract's fields;
    absent optional fields count as empty) against the contract.

    Returns (good rows: `row` and the typed fields, quarantined rows: `row`, `reasons` (list of text, one
    per refused field, in field order), `raw` (the delivered values as JSON text)).

    Two paths with the same result: cheap checks of the common forms (18-character ID number, ISO date,
    "1234.50") pass most rows straight through; the rows they do not vouch for get the exact checks.
    """
    on = on or clock.today()
    present = [f.name for f in contract.fields if f.name in raw.columns]
    names = [f.name for f in contract.fields]
    cleaned = raw.lazy().select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(_IDX),
        pl.col(ROW).cast(pl.Int64),
        *[pl.col(n).cast(pl.Utf8).str.strip_chars().replace("", None) for n in present],
        *[pl.lit(None, dtype=pl.Utf8).alias(f.name) for f in contract.fields if f.name not in raw.columns],
    )
    for spec in contract.fields:
        if spec.type == "id_number":
            for stage in _fast_id_stages(spec.name, on):
                cleaned = cleaned.with_columns(stage)
    typed: list[pl.Expr] = []
    flags: list[pl.Expr] = []
    for spec in contract.fields:
        values, ok = _fast(spec, on)
        typed += values
        flags.append(ok)
    out = [e.meta.output_name() for e in typed]
    frame = (
        cleaned.with_columns(
            *[e.alias(f"__t_{n}") for e, n in zip(typed, out, strict=True)],
            pl.all_horizontal(flags).alias(_FAST),
        )
        .select(_IDX, ROW, *names, *[f"__t_{n}" for n in out], _FAST)
        .collect()
    )
    fast_ok = frame.filter(pl.col(_FAST)).select(_IDX, ROW, *[pl.col(f"__t_{n}").alias(n) for n in out])
    good = fast_ok.drop(_IDX)
    rest = frame.filter(~pl.col(_FAST)).select(_IDX, ROW, *names)
    if rest.height == 0:
        empty = pl.DataFrame(schema={ROW: pl.Int64, REASONS: pl.List(pl.Utf8), RAW: pl.Utf8})
        return good, empty
    slow_good, quarantined = _exact(contract, rest.lazy(), on, present)
    exact_ok, rejected = pl.collect_all([slow_good, quarantined])
    if exact_ok.height:
        good = fast_ok.merge_sorted(exact_ok.cast(fast_ok.schema), key=_IDX).drop(_IDX)
    return good, rejected
