"""Bank files of the monthly payment roll: the batch sent to the agent bank (报盘) and its result (回盘).

Every county pays through its agent bank (惠民惠农「一卡通」, 社会保障卡), and every bank has its own
file layout, so a layout is DATA: one YAML file per bank format under ``policy/payments/banks/``
(``policy/payments/README.md`` explains every key). This module has no Django models and no database:

- :func:`load_formats` reads and strictly validates the YAML into :class:`BankFormat` objects;
- :func:`render` turns the lines of a batch (a Polars DataFrame) into the bytes of the bank's file —
  deterministic (sorted by reference, dates passed in, never the clock), fixed-width fields padded by
  BYTES in the file's encoding (a Chinese character is 2 bytes in GBK), every bad line reported at once;
- :func:`parse_return` reads the bank's result file into a DataFrame and a list of row errors — it never
  raises on bad content;
- :func:`match_return` holds the result against what was sent (joins and anti-joins);
- :func:`render_return` is the bank's side, for tests and the demo.

Rendering and parsing are Polars expressions and numpy on the file's bytes, with no Python loop over
lines, except for the .xlsx layout: openpyxl reads and writes a workbook cell by cell (xlsx is for
small counties and banks that insist on Excel; Excel itself stops at 1,048,576 rows).
"""

from __future__ import annotations

import codecs
import contextvars
import datetime as dt
import functools
import hashlib
import io
import os
import re
import string
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from dajiuzhu.core.errors import FieldError, ValidationFailed

from .accountno import (
    ACCOUNT_EMPTY,
    ACCOUNT_LUHN,
    ACCOUNT_NOT_DIGITS,
    AccountRule,
    luhn_ok_many,
    message_for,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / "policy" / "payments" / "banks"
ENV_DIR = "DAJIUZHU_BANK_FORMATS_DIR"

ENCODINGS = {"gbk": "GBK", "gb18030": "GB18030", "utf-8": "UTF-8"}
LAYOUTS = ("fixed", "delimited", "xlsx")
LINE_ENDINGS = {"crlf": "\r\n", "lf": "\n"}
AMOUNT_FORMATS = ("yuan", "fen")
ALIGNS = ("left", "right")
UNKNOWN_STATUS = ("error", "failure")

# What a line of the outgoing file can show, with the Chinese name used in messages.
LINE_SOURCES = {
    "reference": "流水号",
    "account_number": "银行账号",
    "holder_name": "户名",
    "amount": "金额",
    "period": "发放月份",
    "programme_name": "救助项目",
    "id_number": "身份证号码",
    "seq": "序号",
    "county": "区划代码",
    "batch_seq": "批次号",
    "created": "制表日期",
}
REQUIRED_LINE_SOURCES = ("reference", "account_number", "holder_name", "amount")
# What a header or trailer line of the outgoing file can show.
SUMMARY_SOURCES = {
    "county": "区划代码",
    "period": "发放月份",
    "batch_seq": "批次号",
    "created": "制表日期",
    "count": "总笔数",
    "total": "总金额",
}
NUMERIC_SOURCES = frozenset({"amount", "seq", "batch_seq", "count", "total"})
# What a column of the bank's result file means.
RETURN_FIELDS = {
    "reference": "流水号",
    "account_number": "银行账号",
    "holder_name": "户名",
    "amount": "金额",
    "status": "处理结果",
    "reason": "失败原因",
    "ignore": "（不读取）",
}
REQUIRED_RETURN_FIELDS = ("reference", "amount", "status")
RETURN_SUMMARY_FIELDS = {
    "count": "总笔数",
    "total": "总金额",
    "paid_count": "成功笔数",
    "paid_total": "成功金额",
    "failed_count": "失败笔数",
    "failed_total": "失败金额",
    "ignore": "（不读取）",
}
AMOUNT_FIELDS = frozenset({"amount", "total", "paid_total", "failed_total"})
FILENAME_FIELDS = ("county", "period", "seq", "created", "code")

# Input columns of render(): a line of the payment roll.
LINE_TEXT_COLUMNS = ("reference", "account_number", "holder_name", "period", "programme_name", "id_number")
LINE_REQUIRED = ("reference", "account_number", "holder_name", "amount_fen", "period", "programme_name")
ROW_SCHEMA = pl.Schema(
    {
        "line_no": pl.Int64,
        "reference": pl.String,
        "account_number": pl.String,
        "holder_name": pl.String,
        "amount_fen": pl.Int64,
        "paid": pl.Boolean,
        "reason_code": pl.String,
        "reason": pl.String,
    }
)
RESULT_SCHEMA = pl.Schema(
    {
        "reference": pl.String,
        "paid": pl.Boolean,
        "reason_code": pl.String,
        "reason": pl.String,
    }
)
LINE_FIELD = "行格式"  # the field of errors about a whole line (encoding, length, number of columns)
MAX_ERRORS = 1000  # a list longer than this ends with one line saying how many more there are
_SEP = "\x1f"  # fields of a fixed-width line are cut apart at this byte before decoding
_CONTROL = r"[\x00-\x1f\x7f]"
_PERIOD = re.compile(r"\d{4}(0[1-9]|1[0-2])")
_COUNTY = re.compile(r"\d{6}(\d{6})?")
_CODE = re.compile(r"[a-z0-9][a-z0-9_\-]*")
_DATE_PATTERN = re.compile(r"(?:%[Ymd]|[^%])+")
_FILENAME_OK = re.compile(r"[\w.\-]+")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_ERROR_HANDLER = "dajiuzhu.bankfiles.record"
_BAD_POSITIONS: contextvars.ContextVar[list[int]] = contextvars.ContextVar("bankfiles_bad_positions")


# --------------------------------------------------------------------------------------------------
# The format


@dataclass(frozen=True)
class Column:
    """One column of the outgoing file, its header or its trailer: a source field or a literal."""

    name: str
    source: str | None = None  # one of LINE_SOURCES / SUMMARY_SOURCES; None for a literal
    literal: str | None = None
    width: int | None = None  # fixed layout: BYTES in the file's encoding
    align: str = "left"
    pad: str = " "
    format: str | None = None  # amount/total: yuan | fen; created: a date pattern (%Y %m %d)


@dataclass(frozen=True)
class ReturnColumn:
    """One column of the bank's result file (or of its header/trailer) and what it means."""

    name: str
    field: str  # one of RETURN_FIELDS / RETURN_SUMMARY_FIELDS
    width: int | None = None
    format: str | None = None  # amount fields: yuan | fen


@dataclass(frozen=True)
class ReturnFormat:
    layout: str
    encoding: str
    columns: tuple[ReturnColumn, ...]
    success_codes: tuple[str, ...]
    failure_codes: tuple[tuple[str, str | None], ...]  # code → Chinese reason (None: the bank's own text)
    unknown_status: str = "error"  # error: an unknown code is a row error; failure: a failed payment
    delimiter: str | None = None
    trailing_delimiter: bool = False
    column_names: bool = False  # the first line (row) holds column names and is skipped
    header: tuple[ReturnColumn, ...] = ()
    trailer: tuple[ReturnColumn, ...] = ()
    sheet: str | None = None

    @property
    def failure_reasons(self) -> dict[str, str | None]:
        return dict(self.failure_codes)

    def column(self, field_name: str) -> ReturnColumn | None:
        for col in self.columns:
            if col.field == field_name:
                return col
        return None


@dataclass(frozen=True)
class BankFormat:
    code: str
    name: str
    bank: str
    unverified: bool
    layout: str
    encoding: str
    filename: str
    account: AccountRule
    columns: tuple[Column, ...]
    returns: ReturnFormat
    line_ending: str = "crlf"
    final_newline: bool = True
    delimiter: str | None = None
    trailing_delimiter: bool = False
    column_names: bool = False
    header: tuple[Column, ...] = ()
    trailer: tuple[Column, ...] = ()
    sheet: str = "Sheet1"
    notes: str = ""
    path: str = ""  # the YAML file it came from (as shown in messages)

    @property
    def eol(self) -> str:
        return LINE_ENDINGS[self.line_ending]

    def filename_for(self, *, county: str, period: str, seq: int, created: dt.date) -> str:
        return self.filename.format(
            county=county, period=period, seq=seq, created=created.strftime("%Y%m%d"), code=self.code
        )


# --------------------------------------------------------------------------------------------------
# Loading and validating the YAML


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


class _Reader:
    """Strict reading of one YAML file: every failure names the file and the key path."""

    def __init__(self, where: str) -> None:
        self.where = where

    def error(self, key: str, message: str) -> ValueError:
        return ValueError(f"{self.where}: {key} {message}" if key else f"{self.where}: {message}")

    @staticmethod
    def join(prefix: str, key: str | int) -> str:
        if isinstance(key, int):
            return f"{prefix}[{key}]"
        return f"{prefix}.{key}" if prefix else key

    def mapping(
        self, data: Any, key: str, required: Sequence[str], optional: Sequence[str]
    ) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.error(key or "文件内容", "应为键值对（映射）")
        allowed = (*required, *optional)
        for k in data:
            if k not in allowed:
                raise self.error(self.join(key, str(k)), f"是未知的键（此处可用：{'、'.join(allowed)}）")
        for k in required:
            if k not in data:
                raise self.error(self.join(key, k), "为必填项")
        return data

    def text(self, value: Any, key: str, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.error(key, '应为字符串（数字形式的代码请加引号，如 "0000"）')
        if not allow_empty and not value.strip():
            raise self.error(key, "不能为空")
        return value

    def flag(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.error(key, "应为 true 或 false")
        return value

    def positive(self, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self.error(key, "应为正整数")
        return value

    def choice(self, value: Any, key: str, choices: Iterable[str]) -> str:
        options = tuple(choices)
        if not isinstance(value, str) or value not in options:
            raise self.error(key, f"应为 {'、'.join(options)} 之一（实际：{value!r}）")
        return value

    def items(self, value: Any, key: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            raise self.error(key, "应为非空列表")
        return value

    def encodable(self, value: str, key: str, encoding: str) -> None:
        try:
            value.encode(encoding)
        except UnicodeEncodeError as exc:
            raise self.error(key, f"含有{ENCODINGS[encoding]}无法编码的字符“{value[exc.start]}”") from exc
        if re.search(_CONTROL, value):
            raise self.error(key, "不能含有换行符或控制字符")


_LAYOUT_KEYS = {
    "fixed": ("line_ending", "final_newline", "header", "trailer"),
    "delimited": ("line_ending", "final_newline", "delimiter", "trailing_delimiter", "column_names", "header",
                  "trailer"),
    "xlsx": ("sheet", "column_names", "header", "trailer"),
}  # fmt: skip
_RETURN_LAYOUT_KEYS = {
    "fixed": ("header", "trailer"),
    "delimited": ("delimiter", "trailing_delimiter", "column_names", "header", "trailer"),
    "xlsx": ("sheet", "column_names", "header", "trailer"),
}


def _delimiter(r: _Reader, value: Any, key: str) -> str:
    text = r.text(value, key, allow_empty=True)
    if not text or len(text) > 3 or any(ch.isalnum() or ch in "\r\n\x1f\"' " for ch in text):
        raise r.error(key, '应为1至3个标点或制表符（如 "|"、","、"\\t"），不能是字母、数字、空格或换行')
    if not all(ch == "\t" or 0x21 <= ord(ch) <= 0x7E for ch in text):
        raise r.error(key, "只能使用ASCII标点或制表符")
    return text


def _layout_keys(
    r: _Reader, data: dict[str, Any], key: str, layout: str, table: dict[str, tuple[str, ...]]
) -> None:
    allowed = set(table[layout])
    for k in ("line_ending", "final_newline", "delimiter", "trailing_delimiter", "column_names", "sheet"):
        if k in data and k not in allowed:
            raise r.error(r.join(key, k), f"不适用于 layout: {layout}")
    if layout == "delimited" and "delimiter" not in data:
        raise r.error(r.join(key, "delimiter"), "为必填项（layout: delimited）")


def _sheet(r: _Reader, value: Any, key: str) -> str:
    text = r.text(value, key)
    if len(text) > 31 or _SHEET_BAD.search(text):
        raise r.error(key, "工作表名称最多31个字符，且不能含有 [ ] : * ? / \\")
    return text


def _column(
    r: _Reader,
    raw: Any,
    key: str,
    *,
    sources: Mapping[str, str],
    layout: str,
    encoding: str,
    delimiter: str | None,
) -> Column:
    fixed = layout == "fixed"
    optional = ("source", "literal", "format", *(("width", "align", "pad") if fixed else ()))
    extra = ("width", "align", "pad")
    if isinstance(raw, dict) and not fixed:
        for k in extra:
            if k in raw:
                raise r.error(r.join(key, k), f"只用于定长格式（layout: fixed），不适用于 layout: {layout}")
    data = r.mapping(raw, key, ("name",), optional)
    name = r.text(data["name"], r.join(key, "name"))
    r.encodable(name, r.join(key, "name"), encoding)
    if ("source" in data) == ("literal" in data):
        raise r.error(key, "应有且只有 source（取哪个字段）或 literal（固定文字）之一")
    source: str | None = None
    literal: str | None = None
    if "source" in data:
        source = r.choice(data["source"], r.join(key, "source"), sources)
    else:
        literal = r.text(data["literal"], r.join(key, "literal"), allow_empty=True)
        r.encodable(literal, r.join(key, "literal"), encoding)
        if delimiter and delimiter in literal:
            raise r.error(r.join(key, "literal"), f"不能含有分隔符“{delimiter}”")
    fmt: str | None = None
    if source in ("amount", "total"):
        if "format" not in data:
            raise r.error(r.join(key, "format"), "为必填项（金额列：yuan 元、两位小数，或 fen 分、整数）")
        fmt = r.choice(data["format"], r.join(key, "format"), AMOUNT_FORMATS)
    elif source == "created":
        fmt = r.text(data.get("format", "%Y%m%d"), r.join(key, "format"))
        if not _DATE_PATTERN.fullmatch(fmt):
            raise r.error(
                r.join(key, "format"), '日期格式只能使用 %Y、%m、%d 和分隔符（如 "%Y%m%d"、"%Y-%m-%d"）'
            )
        r.encodable(fmt, r.join(key, "format"), encoding)
    elif "format" in data:
        raise r.error(r.join(key, "format"), "只用于金额列（amount、total）和日期列（created）")
    width: int | None = None
    align = "right" if source in NUMERIC_SOURCES else "left"
    pad = " "
    if fixed:
        if "width" not in data:
            raise r.error(r.join(key, "width"), "为必填项（定长格式每列都要写宽度，单位为字节）")
        width = r.positive(data["width"], r.join(key, "width"))
        if "align" in data:
            align = r.choice(data["align"], r.join(key, "align"), ALIGNS)
        if "pad" in data:
            pad = r.text(data["pad"], r.join(key, "pad"), allow_empty=True)
            if len(pad) != 1 or not 0x20 <= ord(pad) <= 0x7E:
                raise r.error(r.join(key, "pad"), '应为一个ASCII字符（如 " " 或 "0"）')
        if literal is not None and len(literal.encode(encoding)) > width:
            raise r.error(
                r.join(key, "literal"), f"占{len(literal.encode(encoding))}字节，超过本列宽度{width}字节"
            )
    return Column(name=name, source=source, literal=literal, width=width, align=align, pad=pad, format=fmt)


def _columns(
    r: _Reader,
    raw: Any,
    key: str,
    *,
    sources: Mapping[str, str],
    layout: str,
    encoding: str,
    delimiter: str | None,
) -> tuple[Column, ...]:
    items = r.items(raw, key)
    return tuple(
        _column(
            r, item, r.join(key, i), sources=sources, layout=layout, encoding=encoding, delimiter=delimiter
        )
        for i, item in enumerate(items)
    )


def _return_columns(
    r: _Reader, raw: Any, key: str, *, fields: Mapping[str, str], layout: str
) -> tuple[ReturnColumn, ...]:
    out = []
    for i, item in enumerate(r.items(raw, key)):
        where = r.join(key, i)
        if isinstance(item, dict) and layout != "fixed" and "width" in item:
            raise r.error(
                r.join(where, "width"), f"只用于定长格式（layout: fixed），不适用于 layout: {layout}"
            )
        data = r.mapping(
            item, where, ("name", "field"), ("format", *(("width",) if layout == "fixed" else ()))
        )
        name = r.text(data["name"], r.join(where, "name"))
        field_name = r.choice(data["field"], r.join(where, "field"), fields)
        fmt: str | None = None
        if field_name in AMOUNT_FIELDS:
            if "format" not in data:
                raise r.error(r.join(where, "format"), "为必填项（金额列：yuan 元，或 fen 分）")
            fmt = r.choice(data["format"], r.join(where, "format"), AMOUNT_FORMATS)
        elif "format" in data:
            raise r.error(r.join(where, "format"), "只用于金额列")
        width = None
        if layout == "fixed":
            if "width" not in data:
                raise r.error(r.join(where, "width"), "为必填项（定长格式每列都要写宽度，单位为字节）")
            width = r.positive(data["width"], r.join(where, "width"))
        out.append(ReturnColumn(name=name, field=field_name, width=width, format=fmt))
    seen: dict[str, int] = {}
    for i, col in enumerate(out):
        if col.field != "ignore" and col.field in seen:
            raise r.error(r.join(key, i), f"field: {col.field} 与 {key}[{seen[col.field]}] 重复")
        seen.setdefault(col.field, i)
    return tuple(out)


def _parse_return(r: _Reader, raw: Any) -> ReturnFormat:
    key = "return"
    optional = ("encoding", "delimiter", "trailing_delimiter", "column_names", "header", "trailer", "sheet",
                "unknown_status")  # fmt: skip
    data = r.mapping(raw, key, ("layout", "columns", "success_codes", "failure_codes"), optional)
    layout = r.choice(data["layout"], "return.layout", LAYOUTS)
    _layout_keys(r, data, key, layout, _RETURN_LAYOUT_KEYS)
    if layout != "xlsx" and "encoding" not in data:
        raise r.error("return.encoding", "为必填项（gbk、gb18030 或 utf-8）")
    encoding = r.choice(data.get("encoding", "utf-8"), "return.encoding", ENCODINGS)
    delimiter = _delimiter(r, data["delimiter"], "return.delimiter") if "delimiter" in data else None
    columns = _return_columns(r, data["columns"], "return.columns", fields=RETURN_FIELDS, layout=layout)
    fields = [c.field for c in columns]
    for need in REQUIRED_RETURN_FIELDS:
        if need not in fields:
            raise r.error("return.columns", f"缺少 field: {need} 的列（{RETURN_FIELDS[need]}，回盘必须有）")
    header: tuple[ReturnColumn, ...] = ()
    trailer: tuple[ReturnColumn, ...] = ()
    if "header" in data:
        header = _return_columns(
            r, data["header"], "return.header", fields=RETURN_SUMMARY_FIELDS, layout=layout
        )
    if "trailer" in data:
        trailer = _return_columns(
            r, data["trailer"], "return.trailer", fields=RETURN_SUMMARY_FIELDS, layout=layout
        )
    codes = r.items(data["success_codes"], "return.success_codes")
    success = tuple(r.text(c, f"return.success_codes[{i}]") for i, c in enumerate(codes))
    failures_raw = data["failure_codes"]
    if not isinstance(failures_raw, dict):
        raise r.error("return.failure_codes", "应为“代码: 中文原因”的键值对")
    failures: list[tuple[str, str | None]] = []
    for code, reason in failures_raw.items():
        where = f"return.failure_codes.{code}"
        r.text(code, where)
        if code in success:
            raise r.error(where, "同时出现在 success_codes 中")
        failures.append((code, None if reason is None else r.text(reason, where)))
    unknown = r.choice(data.get("unknown_status", "error"), "return.unknown_status", UNKNOWN_STATUS)
    return ReturnFormat(
        layout=layout,
        encoding=encoding,
        columns=columns,
        success_codes=success,
        failure_codes=tuple(failures),
        unknown_status=unknown,
        delimiter=delimiter,
        trailing_delimiter=r.flag(data.get("trailing_delimiter", False), "return.trailing_delimiter"),
        column_names=r.flag(data.get("column_names", False), "return.column_names"),
        header=header,
        trailer=trailer,
        sheet=_sheet(r, data["sheet"], "return.sheet") if "sheet" in data else None,
    )


def _filename(r: _Reader, value: Any) -> str:
    pattern = r.text(value, "filename")
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError as exc:
        raise r.error("filename", f"不是有效的文件名模板（{exc}）") from exc
    for name in names:
        if name not in FILENAME_FIELDS:
            raise r.error(
                "filename",
                f"只能使用占位符 {'、'.join('{' + f + '}' for f in FILENAME_FIELDS)}（实际：{{{name}}}）",
            )
    try:
        sample = pattern.format(county="371424", period="202612", seq=1, created="20261201", code="x")
    except (ValueError, IndexError, KeyError) as exc:
        raise r.error("filename", f"不是有效的文件名模板（{exc}）") from exc
    if not _FILENAME_OK.fullmatch(sample) or sample.startswith("."):
        raise r.error("filename", "生成的文件名只能含有字母、数字、汉字、点、下划线和连字符")
    return pattern


def parse_format(path: Path) -> BankFormat:
    """One bank format from its YAML file, validated; ValueError naming the file and the key path."""
    r = _Reader(_shown(path))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise r.error("", f"不是有效的UTF-8 YAML文件（{exc}）") from exc
    required = ("code", "name", "bank", "unverified", "layout", "filename", "account", "columns", "return")
    optional = ("encoding", "notes", "line_ending", "final_newline", "delimiter", "trailing_delimiter",
                "column_names", "header", "trailer", "sheet")  # fmt: skip
    data = r.mapping(raw, "", required, optional)
    code = r.text(data["code"], "code")
    if not _CODE.fullmatch(code):
        raise r.error("code", "只能使用小写字母、数字、下划线和连字符")
    if code != path.stem:
        raise r.error("code", f"“{code}”应与文件名“{path.stem}”一致")
    layout = r.choice(data["layout"], "layout", LAYOUTS)
    _layout_keys(r, data, "", layout, _LAYOUT_KEYS)
    if layout != "xlsx" and "encoding" not in data:
        raise r.error("encoding", "为必填项（gbk、gb18030 或 utf-8）")
    encoding = r.choice(data.get("encoding", "utf-8"), "encoding", ENCODINGS)
    if layout != "xlsx" and "line_ending" not in data:
        raise r.error("line_ending", "为必填项（crlf 或 lf）")
    line_ending = r.choice(data.get("line_ending", "crlf"), "line_ending", LINE_ENDINGS)
    delimiter = _delimiter(r, data["delimiter"], "delimiter") if "delimiter" in data else None
    account = r.mapping(data["account"], "account", ("lengths", "luhn"), ())
    lengths = tuple(
        r.positive(n, f"account.lengths[{i}]")
        for i, n in enumerate(r.items(account["lengths"], "account.lengths"))
    )
    rule = AccountRule(lengths=tuple(sorted(set(lengths))), luhn=r.flag(account["luhn"], "account.luhn"))
    read = functools.partial(_columns, r, layout=layout, encoding=encoding, delimiter=delimiter)
    columns = read(data["columns"], "columns", sources=LINE_SOURCES)
    present = {c.source for c in columns}
    for need in REQUIRED_LINE_SOURCES:
        if need not in present:
            raise r.error("columns", f"缺少 source: {need} 的列（{LINE_SOURCES[need]}，报盘必须有）")
    column_names = r.flag(data.get("column_names", False), "column_names")
    for i, col in enumerate(columns):
        if column_names and delimiter and delimiter in col.name:
            raise r.error(
                f"columns[{i}].name", f"不能含有分隔符“{delimiter}”（column_names: true 时列名写入文件）"
            )
    header: tuple[Column, ...] = ()
    trailer: tuple[Column, ...] = ()
    if "header" in data:
        header = read(data["header"], "header", sources=SUMMARY_SOURCES)
    if "trailer" in data:
        trailer = read(data["trailer"], "trailer", sources=SUMMARY_SOURCES)
    return BankFormat(
        code=code,
        name=r.text(data["name"], "name"),
        bank=r.text(data["bank"], "bank"),
        unverified=r.flag(data["unverified"], "unverified"),
        layout=layout,
        encoding=encoding,
        filename=_filename(r, data["filename"]),
        account=rule,
        columns=columns,
        returns=_parse_return(r, data["return"]),
        line_ending=line_ending,
        final_newline=r.flag(data.get("final_newline", True), "final_newline"),
        delimiter=delimiter,
        trailing_delimiter=r.flag(data.get("trailing_delimiter", False), "trailing_delimiter"),
        column_names=column_names,
        header=header,
        trailer=trailer,
        sheet=_sheet(r, data["sheet"], "sheet") if "sheet" in data else "Sheet1",
        notes=r.text(data.get("notes", ""), "notes", allow_empty=True),
        path=r.where,
    )


def formats_dir(directory: Path | None = None) -> Path:
    if directory is not None:
        return Path(directory)
    env = os.environ.get(ENV_DIR)
    return Path(env) if env else DEFAULT_DIR


def load_formats(directory: Path | None = None) -> dict[str, BankFormat]:
    """Every bank format in the folder (default policy/payments/banks, or $DAJIUZHU_BANK_FORMATS_DIR),
    by code; a broken file stops the load with a ValueError naming the file and the key path."""
    folder = formats_dir(directory)
    if not folder.is_dir():
        raise ValueError(f"{_shown(folder)}: 银行文件格式目录不存在")
    return {fmt.code: fmt for fmt in (parse_format(p) for p in sorted(folder.glob("*.yaml")))}


@functools.lru_cache(maxsize=8)
def _cached(folder: str) -> dict[str, BankFormat]:
    return load_formats(Path(folder))


def get_format(code: str, directory: Path | None = None) -> BankFormat:
    """One format by its code (cached per folder); ValueError listing the known codes."""
    formats = _cached(str(formats_dir(directory).resolve()))
    if code not in formats:
        raise ValueError(f"未知的银行文件格式“{code}”（可用：{'、'.join(formats) or '无'}）")
    return formats[code]


# --------------------------------------------------------------------------------------------------
# Encoding helpers: exact byte lengths, unencodable characters and undecodable bytes, column at a time


def _record_bad(exc: UnicodeError) -> tuple[str, int]:
    bad = _BAD_POSITIONS.get()
    if isinstance(exc, UnicodeEncodeError):
        bad.extend(range(exc.start, exc.end))
        return "?" * (exc.end - exc.start), exc.end
    if isinstance(exc, UnicodeDecodeError):
        bad.append(exc.start)
        return "\ufffd", exc.end
    raise exc


codecs.register_error(_ERROR_HANDLER, _record_bad)


def _encode_recording(text: str, encoding: str) -> tuple[bytes, list[int]]:
    """``text`` encoded, every character the codec refuses replaced by "?" and its index recorded."""
    bad: list[int] = []
    token = _BAD_POSITIONS.set(bad)
    try:
        return text.encode(encoding, errors=_ERROR_HANDLER), bad
    finally:
        _BAD_POSITIONS.reset(token)


def _decode(data: bytes, encoding: str) -> tuple[str | None, list[int]]:
    """``data`` decoded, or None and the byte offsets where it stops being valid ``encoding``."""
    try:
        return data.decode(encoding), []
    except UnicodeDecodeError:
        pass
    bad: list[int] = []
    token = _BAD_POSITIONS.set(bad)
    try:
        data.decode(encoding, errors=_ERROR_HANDLER)
    finally:
        _BAD_POSITIONS.reset(token)
    return None, bad


def _byte_lengths(values: pl.Series, encoding: str) -> tuple[np.ndarray, dict[int, str]]:
    """Each value's length in BYTES in ``encoding`` and, by row, the first character it cannot encode.

    ASCII values are their own length. The distinct other values are joined with newlines and encoded
    in one call, and their lengths come from the positions of the newlines in the result (no loop over
    rows); a refused character is recorded by the codec's error handler.
    """
    lengths = values.str.len_bytes().fill_null(0).to_numpy().astype(np.int64, copy=True)
    if encoding == "utf-8":
        return lengths, {}
    wide_mask = (values.str.len_bytes() != values.str.len_chars()).fill_null(False)
    rows = np.flatnonzero(wide_mask.to_numpy())
    if not len(rows):
        return lengths, {}
    wide = values.filter(wide_mask)
    distinct = wide.unique(maintain_order=True)
    text = distinct.str.replace_all(_CONTROL, " ")  # one character for one: the offsets stay
    joined = text.str.join("\n").item()
    encoded, bad = _encode_recording(joined, encoding)
    arr = np.frombuffer(encoded, dtype=np.uint8)
    bounds = np.concatenate(([-1], np.flatnonzero(arr == 0x0A), [len(arr)]))
    sizes = pl.Series("n", np.diff(bounds) - 1, dtype=pl.Int64)
    lengths[rows] = wide.replace_strict(distinct, sizes, return_dtype=pl.Int64).to_numpy()
    unencodable: dict[int, str] = {}  # row → the first character the codec refused
    if bad:
        ends = np.cumsum(text.str.len_chars().to_numpy().astype(np.int64) + 1)
        refused: dict[str, str] = {}
        for pos in bad:
            value = distinct[int(np.searchsorted(ends, pos, side="right"))]
            refused.setdefault(value, joined[pos])
        hit = np.flatnonzero(values.is_in(list(refused)).fill_null(False).to_numpy())
        for row in hit:
            unencodable[int(row)] = refused[values[int(row)]]
    return lengths, unencodable


def _yuan(fen: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [(fen // 100).cast(pl.String), pl.lit("."), (fen % 100).cast(pl.String).str.zfill(2)]
    )


def _masked(expr: pl.Expr) -> pl.Expr:
    """core.masking.mask_account as an expression: all but the last four digits starred."""
    stars = pl.lit("*" * 64).str.slice(0, (expr.str.len_chars().cast(pl.Int64) - 4).clip(0, 64))
    return pl.concat_str([stars, expr.str.slice(-4)])


def _yuan_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _amount_text(fen: int, fmt: str | None) -> str:
    return _yuan_text(fen) if fmt == "yuan" else str(fen)


def _error_frame(
    frame: pl.DataFrame, mask: pl.Expr | pl.Series, field_name: str, message: pl.Expr, order: int
) -> pl.DataFrame:
    """Rows of ``frame`` (which has a ``_row`` column) where ``mask`` holds, as (row, field, message)."""
    return frame.filter(mask).select(
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit(field_name, dtype=pl.String).alias("field"),
        message.cast(pl.String).alias("message"),
        pl.lit(order, dtype=pl.Int64).alias("order"),
    )


_ERROR_SCHEMA = {"row": pl.Int64, "field": pl.String, "message": pl.String, "order": pl.Int64}


def _field_errors(
    frames: Sequence[pl.DataFrame], *, leading: Sequence[FieldError] = (), tail: Sequence[pl.DataFrame] = ()
) -> list[FieldError]:
    """FieldErrors: ``leading`` (file-level), then ``frames`` in row order, then ``tail`` as given — at most
    MAX_ERRORS of them, then one saying how many more there are. Only the shown rows become objects."""
    parts = [f for f in frames if f.height]
    table = pl.concat(parts) if parts else pl.DataFrame(schema=_ERROR_SCHEMA)
    ordered = table.sort(["row", "order"], nulls_last=False, maintain_order=True)
    tails = [f for f in tail if f.height]
    if tails:
        ordered = pl.concat([ordered, *tails])
    total = len(leading) + ordered.height
    out = list(leading[:MAX_ERRORS])
    room = MAX_ERRORS - len(out)
    if room > 0 and ordered.height:
        out.extend(FieldError(field=f, message=m, row=r) for r, f, m, _ in ordered.head(room).iter_rows())
    if total > len(out):
        out.append(FieldError(field="文件", message=f"另有{total - len(out)}处错误未列出（共{total}处）"))
    return out


# --------------------------------------------------------------------------------------------------
# Rendering the outgoing file


@dataclass(frozen=True)
class RenderedFile:
    filename: str
    content: bytes
    sha256: str
    count: int
    total_fen: int


@dataclass(frozen=True)
class _Cell:
    """A column as rendered: its header name, value expression and fixed-width geometry."""

    name: str
    expr: pl.Expr
    width: int | None
    align: str
    pad: str
    checked: bool = True  # False for literals (validated when the format was loaded)


def _fit(
    frame: pl.DataFrame, cell: _Cell, order: int, *, layout: str, encoding: str, delimiter: str | None
) -> tuple[pl.Series, list[pl.DataFrame]]:
    """One column's values, padded to its width in bytes when fixed, and the rows that do not fit."""
    # Selected beside a column so that a literal is broadcast to every row.
    values = frame.select(cell.expr.cast(pl.String).fill_null("").alias("_v"), pl.col("_row")).to_series(0)
    errors: list[pl.DataFrame] = []
    enc = ENCODINGS[encoding]
    work = frame.select("_row", "reference").with_columns(values)
    if cell.checked:
        ctrl = values.str.contains(_CONTROL)
        if ctrl.any():
            errors.append(
                _error_frame(
                    work, ctrl, cell.name, pl.format("流水号{}：含有换行符或控制字符", "reference"), order
                )
            )
        if layout == "delimited" and delimiter:
            has_delim = values.str.contains(delimiter, literal=True)
            if has_delim.any():
                message = pl.format(
                    f"流水号{{}}：“{{}}”含有分隔符“{delimiter}”，会打乱文件的列", "reference", "_v"
                )
                errors.append(_error_frame(work, has_delim, cell.name, message, order))
    if cell.checked or layout == "fixed":
        lengths, unencodable = _byte_lengths(values, encoding)
    else:
        lengths, unencodable = np.zeros(0, dtype=np.int64), {}
    if unencodable:
        bad = pl.DataFrame(
            {"_i": list(unencodable), "_ch": list(unencodable.values())},
            schema={"_i": pl.Int64, "_ch": pl.String},
        )
        rows = work.with_row_index("_i").with_columns(pl.col("_i").cast(pl.Int64)).join(bad, on="_i")
        hint = "（生僻字请与银行确认写法，或改用GB18030编码的格式）" if encoding == "gbk" else ""
        message = pl.format(f"流水号{{}}：“{{}}”中的“{{}}”无法用{enc}编码{hint}", "reference", "_v", "_ch")
        errors.append(_error_frame(rows, pl.lit(True), cell.name, message, order))
    if layout != "fixed" or cell.width is None:
        return values, errors
    width = cell.width
    too_long = pl.Series("_n", lengths) > width
    if too_long.any():
        note = {"gbk": "，GBK编码下一个汉字占2字节", "gb18030": "，GB18030编码下一个汉字占2或4字节"}.get(
            encoding, ""
        )
        message = pl.format(
            f"流水号{{}}：“{{}}”占{{}}字节，超过本列宽度{width}字节{note}", "reference", "_v", "_n"
        )
        errors.append(
            _error_frame(work.with_columns(pl.Series("_n", lengths)), too_long, cell.name, message, order)
        )
    padding = pl.lit(cell.pad * width).str.slice(0, pl.col("_k"))
    parts = [padding, pl.col("_v")] if cell.align == "right" else [pl.col("_v"), padding]
    padded = (
        pl.DataFrame({"_v": values, "_k": np.clip(width - lengths, 0, None)})
        .select(pl.concat_str(parts).alias(cell.name))
        .to_series()
    )
    return padded, errors


def _summary_line(
    cols: Sequence[Column] | Sequence[ReturnColumn],
    values: Mapping[str, str],
    *,
    layout: str,
    encoding: str,
    where: str,
) -> tuple[list[str], list[FieldError]]:
    """A header or trailer line (one line: plain Python), as its cells, padded when fixed."""
    cells: list[str] = []
    errors: list[FieldError] = []
    for col in cols:
        if isinstance(col, Column):
            text = (col.literal if col.source is None else values[_value_key(col)]) or ""
            align, pad = col.align, col.pad
        else:
            text = values.get(col.field, "")
            align = "right" if col.field.endswith(("count", "total")) else "left"
            pad = " "
        if col.width is not None and layout == "fixed":
            size = len(text.encode(encoding, errors="replace"))
            if size > col.width:
                errors.append(
                    FieldError(
                        field=col.name, message=f"{where}“{text}”占{size}字节，超过本列宽度{col.width}字节"
                    )
                )
                size = col.width
            fill = pad * (col.width - size)
            text = fill + text if align == "right" else text + fill
        cells.append(text)
    return cells, errors


def _join_line(cells: Sequence[str], *, delimiter: str | None, trailing: bool) -> str:
    sep = delimiter or ""
    return sep.join(cells) + (sep if trailing and delimiter else "")


def _check_batch(county: str, period: str, seq: int, created: dt.date) -> dt.date:
    if not isinstance(county, str) or not _COUNTY.fullmatch(county):
        raise ValueError(f"区划代码应为6位（或12位）数字：{county!r}")
    if not isinstance(period, str) or not _PERIOD.fullmatch(period):
        raise ValueError(f"发放月份应为YYYYMM：{period!r}")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValueError(f"批次号应为正整数：{seq!r}")
    if not isinstance(created, dt.date):
        raise ValueError(f"制表日期应为日期：{created!r}")
    return created.date() if isinstance(created, dt.datetime) else created


def _prepare(
    lines: pl.DataFrame, required: Sequence[str], text_columns: Sequence[str], optional: Sequence[str] = ()
) -> pl.DataFrame:
    if not isinstance(lines, pl.DataFrame):
        raise ValueError("明细应为 polars.DataFrame")
    missing = [c for c in required if c not in lines.columns]
    if missing:
        raise ValueError(f"明细缺少列：{'、'.join(missing)}")
    exprs = []
    for name in text_columns:
        if name not in lines.columns:
            if name in optional:
                exprs.append(pl.lit("", dtype=pl.String).alias(name))
                continue
        dtype = lines.schema[name]
        if not (dtype == pl.String or dtype == pl.Null or isinstance(dtype, (pl.Categorical, pl.Enum))):
            raise ValueError(f"列 {name} 应为字符串（实际 {dtype}）")
        exprs.append(pl.col(name).cast(pl.String).fill_null(""))  # a missing text is an empty one
    for name in ("amount_fen",):
        if name in lines.columns:
            dtype = lines.schema[name]
            if not (dtype.is_integer() or dtype == pl.Null):
                raise ValueError(f"列 {name} 应为整数（分）（实际 {dtype}）")
            exprs.append(pl.col(name).cast(pl.Int64))
    if "paid" in lines.columns:
        exprs.append(pl.col("paid").cast(pl.Boolean))
    for name in ("reason_code", "reason"):
        if name in lines.columns and name not in text_columns:
            exprs.append(pl.col(name).cast(pl.String))
    return lines.select(exprs)


_Check = tuple[pl.Expr, str, pl.Expr, int]  # (mask, field, message, order)


def _run_checks(frame: pl.DataFrame, checks: Sequence[_Check]) -> list[pl.DataFrame]:
    """Every mask in one pass over ``frame``; messages are built only on the rows that fail."""
    masks = frame.select([mask.fill_null(True).alias(f"_m{i}") for i, (mask, _, _, _) in enumerate(checks)])
    hits = masks.select(pl.all().any()).row(0)
    return [
        _error_frame(frame, masks[f"_m{i}"], field_name, message, order)
        for i, ((_, field_name, message, order), hit) in enumerate(zip(checks, hits, strict=True))
        if hit
    ]


def _account_checks(rule: AccountRule, label: str, order: int) -> list[_Check]:
    acc = pl.col("account_number")
    empty = acc == ""
    digits = acc.str.contains(r"^[0-9]+$")
    size = acc.str.len_chars()
    length_ok = size.is_in(list(rule.lengths))
    pre = pl.format("流水号{}：", "reference")
    checks: list[_Check] = [
        (empty, label, pl.concat_str([pre, pl.lit(message_for(ACCOUNT_EMPTY, label, rule))]), order),
        (
            ~empty & ~digits,
            label,
            pl.concat_str([pre, pl.lit(message_for(ACCOUNT_NOT_DIGITS, label, rule))]),
            order,
        ),
        (
            digits & ~length_ok,
            label,
            pl.format(f"流水号{{}}：{label}应为{rule.lengths_text()}位（实际{{}}位）", "reference", size),
            order,
        ),
    ]
    if rule.luhn:
        checks.append(
            (
                digits & length_ok & ~pl.col("_luhn"),
                label,
                pl.concat_str([pre, pl.lit(message_for(ACCOUNT_LUHN, label, rule))]),
                order,
            )
        )
    return checks


def _line_checks(fmt: BankFormat, frame: pl.DataFrame) -> list[pl.DataFrame]:
    ref = pl.col("reference")
    pre = pl.format("流水号{}：", "reference")
    amount = pl.col("amount_fen")
    period = pl.col("period")
    checks: list[_Check] = [
        (ref == "", "流水号", pl.lit("流水号不能为空"), 0),
        ((ref != "") & ref.is_duplicated(), "流水号", pl.format("流水号{}在本批中重复", "reference"), 1),
        *_account_checks(fmt.account, "银行账号", 2),
        (pl.col("holder_name") == "", "户名", pl.concat_str([pre, pl.lit("户名不能为空")]), 3),
        (
            amount.is_null() | (amount <= 0),
            "金额",
            pl.format(
                "流水号{}：发放金额应大于0（实际{}分）", "reference", amount.cast(pl.String).fill_null("空")
            ),
            4,
        ),
        (
            ~period.str.contains(r"^\d{4}(0[1-9]|1[0-2])$"),
            "发放月份",
            pl.format("流水号{}：发放月份“{}”应为YYYYMM（如202612）", "reference", period),
            5,
        ),
    ]
    if fmt.account.luhn:
        frame = frame.with_columns(_luhn=luhn_ok_many(frame["account_number"]))
    return _run_checks(frame, checks)


def _line_expr(col: Column, batch: Mapping[str, str]) -> pl.Expr:
    if col.source is None:
        return pl.lit(col.literal, dtype=pl.String)
    if col.source == "amount":
        fen = pl.col("amount_fen")
        return _yuan(fen) if col.format == "yuan" else fen.cast(pl.String)
    if col.source == "seq":
        return pl.col("_row").cast(pl.String)
    if col.source == "created":
        return pl.lit(batch[_value_key(col)], dtype=pl.String)
    if col.source in ("county", "batch_seq"):
        return pl.lit(batch[col.source], dtype=pl.String)
    return pl.col(col.source)


def _value_key(col: Column) -> str:
    """Where a column finds its batch-level value: the source, with the format for dates and totals."""
    return f"{col.source}:{col.format}" if col.source in ("created", "total") else str(col.source)


def _created_values(created: dt.date, columns: Iterable[Column]) -> dict[str, str]:
    return {_value_key(c): created.strftime(c.format or "%Y%m%d") for c in columns if c.source == "created"}


def _summary_values(
    county: str, period: str, seq: int, created: dt.date, count: int, total: int, cols: Sequence[Column]
) -> dict[str, str]:
    out = {"county": county, "period": period, "batch_seq": str(seq), "count": str(count)}
    out.update(_created_values(created, cols))
    out.update({_value_key(c): _amount_text(total, c.format) for c in cols if c.source == "total"})
    return out


def _body(
    frame: pl.DataFrame,
    cells: Sequence[_Cell],
    *,
    layout: str,
    encoding: str,
    delimiter: str | None,
    order0: int = 10,
) -> tuple[list[pl.Series], list[pl.DataFrame]]:
    values: list[pl.Series] = []
    errors: list[pl.DataFrame] = []
    for j, cell in enumerate(cells):
        series, errs = _fit(frame, cell, order0 + j, layout=layout, encoding=encoding, delimiter=delimiter)
        values.append(series.alias(f"c{j}"))
        errors += errs
    return values, errors


def _text_file(
    head: Sequence[str],
    body: Sequence[pl.Series],
    tail: Sequence[str],
    *,
    eol: str,
    delimiter: str | None,
    trailing: bool,
    final_newline: bool,
    encoding: str,
) -> bytes:
    sep = delimiter or ""
    line = pl.concat_str([pl.col(s.name) for s in body], separator=sep)
    if trailing and delimiter:
        line = pl.concat_str([line, pl.lit(delimiter)])
    text = pl.DataFrame(body).select(line.str.join(eol)).item()
    before = "".join(h + eol for h in head).encode(encoding)
    after = "".join(eol + t for t in tail) + (eol if final_newline else "")
    return b"".join([before, text.encode(encoding), after.encode(encoding)])


def _xlsx_bytes(rows: Iterable[Sequence[Any]], *, sheet: str, created: dt.date) -> bytes:
    """A workbook whose bytes depend on its content only: properties and zip entry times from ``created``."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    stamp = dt.datetime.combine(created, dt.time())
    wb = Workbook(write_only=True)
    wb.properties.creator = "dajiuzhu"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    ws = wb.create_sheet(title=sheet)
    for row in rows:
        ws.append(list(row))
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()  # not wb.save(), which stamps the current time
    # zipfile stamps every entry with the current local time; write the entries again with fixed ones.
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(
                info.filename, date_time=(created.year, created.month, created.day, 0, 0, 0)
            )
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename), compresslevel=6)
    return out.getvalue()


def render(
    fmt: BankFormat, lines: pl.DataFrame, *, county: str, period: str, seq: int, created: dt.date
) -> RenderedFile:
    """The bank file of one batch (报盘). Lines are sorted by reference and numbered from 1 (``seq``).

    ``lines`` has reference, account_number, holder_name, amount_fen (Int64, > 0), period (YYYYMM),
    programme_name and optionally id_number. Any bad line — a bad account number, a name too wide for its
    column in bytes, a character the encoding lacks, a duplicate reference … — raises ValidationFailed
    with one FieldError per fault (row = the line's seq, field = the Chinese column name); nothing is cut.
    """
    created = _check_batch(county, period, seq, created)
    frame = _prepare(lines, LINE_REQUIRED, LINE_TEXT_COLUMNS, optional=("id_number",))
    if frame.height == 0:
        raise ValidationFailed.single("明细", "本批没有任何发放明细，不能生成报盘文件")
    frame = (
        frame.with_columns(pl.col("holder_name").str.strip_chars())
        .sort("reference", maintain_order=True)
        .with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"))
    )
    errors = _line_checks(fmt, frame)
    batch = {"county": county, "batch_seq": str(seq), **_created_values(created, fmt.columns)}
    cells = [
        _Cell(c.name, _line_expr(c, batch), c.width, c.align, c.pad, checked=c.source is not None)
        for c in fmt.columns
    ]
    values, errs = _body(frame, cells, layout=fmt.layout, encoding=fmt.encoding, delimiter=fmt.delimiter)
    errors += errs
    count = frame.height
    total = int(frame["amount_fen"].fill_null(0).sum())
    summary = _summary_values(county, period, seq, created, count, total, [*fmt.header, *fmt.trailer])
    line = functools.partial(_summary_line, values=summary, layout=fmt.layout, encoding=fmt.encoding)
    head_cells, head_errors = line(fmt.header, where="表头")
    tail_cells, tail_errors = line(fmt.trailer, where="表尾")
    found = _field_errors(errors, leading=[*head_errors, *tail_errors])
    if found:
        raise ValidationFailed(f"报盘明细有{len(found)}处错误，未生成文件", errors=found)
    names = [c.name for c in fmt.columns]
    if fmt.layout == "xlsx":
        rows: list[Sequence[Any]] = []
        if fmt.column_names:
            rows.append(names)
        if fmt.header:
            rows.append(head_cells)
        body_rows: Iterable[Sequence[Any]] = pl.DataFrame(values).iter_rows()
        content = _xlsx_bytes(
            _chain(rows, body_rows, [tail_cells] if fmt.trailer else []), sheet=fmt.sheet, created=created
        )
    else:
        head: list[str] = []
        if fmt.column_names:
            head.append(_join_line(names, delimiter=fmt.delimiter, trailing=fmt.trailing_delimiter))
        if fmt.header:
            head.append(_join_line(head_cells, delimiter=fmt.delimiter, trailing=fmt.trailing_delimiter))
        tail = (
            [_join_line(tail_cells, delimiter=fmt.delimiter, trailing=fmt.trailing_delimiter)]
            if fmt.trailer
            else []
        )
        content = _text_file(
            head, values, tail, eol=fmt.eol, delimiter=fmt.delimiter, trailing=fmt.trailing_delimiter,
            final_newline=fmt.final_newline, encoding=fmt.encoding,
        )  # fmt: skip
    return RenderedFile(
        filename=fmt.filename_for(county=county, period=period, seq=seq, created=created),
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        count=count,
        total_fen=total,
    )


def _chain(*parts: Iterable[Sequence[Any]]) -> Iterable[Sequence[Any]]:
    for part in parts:
        yield from part


# --------------------------------------------------------------------------------------------------
# Parsing the bank's result file


@dataclass
class ParsedReturn:
    """The lines of a result file that could be read (``rows``) and what was wrong with the rest."""

    rows: pl.DataFrame
    errors: list[FieldError]
    line_count: int = 0  # detail lines in the file, readable or not

    @property
    def ok(self) -> bool:
        return not self.errors


class _Refused(Exception):
    """The whole file is unreadable: one file-level error."""


@dataclass
class _Grid:
    body: pl.DataFrame  # _row (the file's line number) and c0..c{k-1}, stripped strings
    line_count: int
    errors: list[pl.DataFrame] = field(default_factory=list)
    file_errors: list[FieldError] = field(default_factory=list)
    header: tuple[int, list[str]] | None = None
    trailer: tuple[int, list[str]] | None = None


_FULLWIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_FULLWIDTH_NFKC = [unicodedata.normalize("NFKC", ch) for ch in _FULLWIDTH]
_YUAN = r"^(?:(\d{1,3}(?:,\d{3})+)|(\d{1,13}))(?:\.(\d{1,2}))?$"
_FEN = r"^(?:(\d{1,3}(?:,\d{3})+)|(\d{1,15}))$"


def _normalise_number(expr: pl.Expr) -> pl.Expr:
    """Full-width digits and punctuation to ASCII (their NFKC forms), then "¥" and "元" and spaces off."""
    text = expr.str.replace_many(_FULLWIDTH, _FULLWIDTH_NFKC).str.strip_chars()
    return text.str.strip_prefix("¥").str.strip_suffix("元").str.strip_chars()


def _amount_fen(expr: pl.Expr, fmt: str | None) -> pl.Expr:
    """Fen from the text of an amount (null when it is not one): "1，234．50" → 123450 in yuan."""
    text = _normalise_number(expr)
    digits = text.str.replace_all(",", "", literal=True)
    if fmt != "yuan":
        return pl.when(text.str.contains(_FEN)).then(digits.cast(pl.Int64, strict=False))
    parts = digits.str.split_exact(".", 1)  # checked by the pattern: digits, one point, 1–2 decimals
    whole = parts.struct.field("field_0").cast(pl.Int64, strict=False)
    frac = parts.struct.field("field_1").fill_null("").str.pad_end(2, "0").cast(pl.Int64, strict=False)
    return pl.when(text.str.contains(_YUAN)).then(whole * 100 + frac)


def _number_value(text: str, fmt: str | None) -> int | None:
    """The same as _amount_fen for one value (header/trailer); counts use the fen (integer) rule."""
    value = pl.DataFrame({"v": [text]}).select(_amount_fen(pl.col("v"), fmt)).item()
    return None if value is None else int(value)


def _line_bounds(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per line: first byte, end of content (before CR/LF), start of the next line."""
    newlines = np.flatnonzero(arr == 0x0A)
    starts = np.concatenate(([0], newlines + 1)).astype(np.int64)
    nexts = np.concatenate((newlines + 1, [len(arr)])).astype(np.int64)
    if len(starts) and starts[-1] == len(arr):  # the file ends with a newline
        starts, nexts = starts[:-1], nexts[:-1]
    ends = nexts.copy()
    has_lf = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == 0x0A)
    ends -= has_lf
    has_cr = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == 0x0D)
    ends -= has_cr
    return starts, ends, nexts


def _line_of(starts: np.ndarray, positions: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.searchsorted(starts, np.asarray(positions, dtype=np.int64), side="right") - 1


def _decode_or_refuse(data: bytes, encoding: str) -> tuple[str | None, list[int]]:
    """The decoded text, or the undecodable byte offsets; _Refused when the file is binary or plainly in
    another encoding."""
    label = ENCODINGS[encoding]
    if b"\x00" in data:
        raise _Refused(f"文件编码不是{label}：含有二进制内容（不是文本文件），请确认上传的是银行回盘文件")
    text, bad = _decode(data, encoding)
    if encoding != "utf-8" and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise _Refused(
                f"文件编码不是{label}：内容是UTF-8编码，请让银行按约定的{label}编码导出，或核对所选格式"
            )
    if encoding == "utf-8" and bad:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            raise _Refused(
                "文件编码不是UTF-8：内容看起来是GBK/GB18030编码，请让银行按约定的UTF-8编码导出，或核对所选格式"
            )
    return text, bad


def _text_grid(spec: ReturnFormat, content: bytes) -> _Grid:
    encoding, label = spec.encoding, ENCODINGS[spec.encoding]
    data = content[3:] if encoding == "utf-8" and content.startswith(codecs.BOM_UTF8) else content
    if not data.strip():
        raise _Refused("回盘文件没有内容")
    decoded, bad_bytes = _decode_or_refuse(data, encoding)
    arr = np.frombuffer(data, dtype=np.uint8)
    starts, ends, nexts = _line_bounds(arr)
    n_lines = len(starts)
    # Lines of nothing but spaces (or control characters) are skipped.
    nonblank = np.logical_or.reduceat(arr > 0x20, starts) if n_lines else np.zeros(0, dtype=bool)
    nonblank &= ends > starts
    undecodable = np.zeros(n_lines, dtype=bool)
    if bad_bytes:
        undecodable[_line_of(starts, bad_bytes)] = True
        if undecodable[nonblank].sum() * 2 >= max(int(nonblank.sum()), 1):
            raise _Refused(
                f"文件编码不是{label}，无法读取（{int(undecodable.sum())}行无法按{label}解码），请核对银行回盘文件和所选格式"
            )
    low = np.flatnonzero(arr < 0x20)  # few besides the line endings
    kind = arr[low]
    after = arr[np.minimum(low + 1, len(arr) - 1)]
    ending = (kind == 0x0A) | ((kind == 0x0D) & ((low + 1 == len(arr)) | (after == 0x0A)))
    if spec.delimiter == "\t":
        ending |= kind == 0x09
    positions = low[~ending]
    has_control = np.zeros(n_lines, dtype=bool)
    if len(positions):
        has_control[_line_of(starts, positions)] = True
    order = np.flatnonzero(nonblank)
    line_no = np.arange(1, n_lines + 1, dtype=np.int64)
    grid = _Grid(body=pl.DataFrame(), line_count=0)

    def summary_cells(i: int, cols: Sequence[ReturnColumn], what: str) -> tuple[int, list[str]] | None:
        raw = data[starts[i] : ends[i]]
        no = int(line_no[i])
        if undecodable[i] or has_control[i]:
            grid.file_errors.append(
                FieldError(field=what, message=f"{what}无法按{label}读取或含有控制字符", row=no)
            )
            return None
        if spec.layout == "fixed":
            need = sum(c.width or 0 for c in cols)
            if len(raw) < need or raw[need:].strip(b" "):
                grid.file_errors.append(
                    FieldError(field=what, message=f"{what}长度为{len(raw)}字节，应为{need}字节", row=no)
                )
                return None
            cells, at = [], 0
            for c in cols:
                piece = raw[at : at + (c.width or 0)]
                at += c.width or 0
                try:
                    cells.append(piece.decode(encoding).strip())
                except UnicodeDecodeError:
                    grid.file_errors.append(
                        FieldError(field=c.name, message=f"{what}的{c.name}被截断在汉字中间", row=no)
                    )
                    return None
            return no, cells
        split = _split_one(raw.decode(encoding), spec)
        if split is None or len(split) != len(cols):
            grid.file_errors.append(
                FieldError(
                    field=what,
                    message=f"{what}应有{len(cols)}列（分隔符“{spec.delimiter}”），实际{0 if split is None else len(split)}列",
                    row=no,
                )
            )
            return None
        return no, [c.strip() for c in split]

    need = int(spec.column_names) + int(bool(spec.header)) + int(bool(spec.trailer))
    if len(order) < need:
        raise _Refused(
            f"回盘文件只有{len(order)}行，缺少{'表头' if spec.header else ''}{'表尾' if spec.trailer else ''}或列名行"
        )
    order = order[int(spec.column_names) :]
    if spec.header:
        grid.header = summary_cells(int(order[0]), spec.header, "表头")
        order = order[1:]
    if spec.trailer:
        grid.trailer = summary_cells(int(order[-1]), spec.trailer, "表尾")
        order = order[:-1]
    grid.line_count = len(order)
    body_ok = np.zeros(n_lines, dtype=bool)
    body_ok[order] = True
    flagged = pl.DataFrame(
        {"_row": line_no, "_dec": undecodable & body_ok, "_ctl": has_control & body_ok & ~undecodable}
    )
    grid.errors.append(_error_frame(flagged, pl.col("_dec"), LINE_FIELD, pl.lit(f"本行无法按{label}解码"), 0))
    grid.errors.append(
        _error_frame(flagged, pl.col("_ctl"), LINE_FIELD, pl.lit("本行含有制表符或其他控制字符"), 0)
    )
    body_ok &= ~undecodable & ~has_control
    if spec.layout == "fixed":
        grid.body = _fixed_body(spec, arr, starts, ends, line_no, body_ok, grid)
    else:
        grid.body = _delimited_body(spec, arr, data, decoded, starts, nexts, line_no, body_ok, grid)
    return grid


def _split_one(text: str, spec: ReturnFormat) -> list[str] | None:
    delim = spec.delimiter or ""
    if spec.trailing_delimiter:
        if not text.endswith(delim):
            return None
        text = text[: -len(delim)]
    return text.split(delim)


def _gather_lines(
    arr: np.ndarray, data: bytes, starts: np.ndarray, nexts: np.ndarray, keep: np.ndarray
) -> bytes:
    """The bytes of the kept lines, in order, each with its line ending."""
    if keep.all():
        return data
    mask = np.repeat(keep, nexts - starts)
    return arr[mask].tobytes()


def _delimited_body(
    spec: ReturnFormat,
    arr: np.ndarray,
    data: bytes,
    decoded: str | None,
    starts: np.ndarray,
    nexts: np.ndarray,
    line_no: np.ndarray,
    keep: np.ndarray,
    grid: _Grid,
) -> pl.DataFrame:
    k = len(spec.columns)
    names = [f"c{i}" for i in range(k)]
    if not keep.any():
        return pl.DataFrame(schema={"_row": pl.Int64, **dict.fromkeys(names, pl.String)})
    rows = line_no[keep]
    if decoded is not None:  # the whole file decoded: its lines are the byte lines, one for one
        lines = pl.Series("_line", [decoded]).str.split("\n")[0].gather(np.flatnonzero(keep))
    else:
        text = _gather_lines(arr, data, starts, nexts, keep).decode(spec.encoding, errors="replace")
        lines = pl.Series("_line", [text]).str.split("\n")[0].head(len(rows))
    lines = lines.str.strip_suffix("\r")
    frame = pl.DataFrame({"_row": rows, "_line": lines})
    delim = spec.delimiter or ""
    if spec.trailing_delimiter:
        ends_ok = pl.col("_line").str.ends_with(delim)
        grid.errors.append(_error_frame(frame, ~ends_ok, LINE_FIELD, pl.lit(f"行末缺少分隔符“{delim}”"), 1))
        frame = frame.filter(ends_ok).with_columns(pl.col("_line").str.strip_suffix(delim))
    frame = frame.with_columns(pl.col("_line").str.split(delim).alias("_parts"))
    frame = frame.with_columns(pl.col("_parts").list.len().alias("_n"))
    wrong = pl.col("_n") != k
    grid.errors.append(
        _error_frame(
            frame, wrong, LINE_FIELD, pl.format(f"本行应有{k}列（分隔符“{delim}”），实际{{}}列", "_n"), 1
        )
    )
    frame = frame.filter(~wrong)
    return frame.select(
        "_row", *[pl.col("_parts").list.get(i).str.strip_chars().alias(names[i]) for i in range(k)]
    )


def _fixed_body(
    spec: ReturnFormat,
    arr: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    line_no: np.ndarray,
    keep: np.ndarray,
    grid: _Grid,
) -> pl.DataFrame:
    widths = [c.width or 0 for c in spec.columns]
    k, width = len(widths), sum(widths)
    names = [f"c{i}" for i in range(k)]
    lengths = ends - starts
    wrong = keep & (lengths != width)
    flagged = pl.DataFrame({"_row": line_no, "_wrong": wrong, "_len": lengths})
    grid.errors.append(
        _error_frame(
            flagged,
            pl.col("_wrong"),
            LINE_FIELD,
            pl.format(f"本行长度为{{}}字节，应为{width}字节", "_len"),
            1,
        )
    )
    keep = keep & ~wrong
    rows = line_no[keep]
    line_starts = starts[keep]
    stride = width + k  # the fields, a separator after each but the last, and a newline
    while True:  # each pass drops the lines it cannot decode; the lines left decode (each on its own)
        if not len(rows):
            return pl.DataFrame(schema={"_row": pl.Int64, **dict.fromkeys(names, pl.String)})
        block = _fixed_block(arr, line_starts, width)
        out = np.empty((len(rows), stride), dtype=np.uint8)
        src = dst = 0
        for w in widths:
            out[:, dst : dst + w] = block[:, src : src + w]
            src += w
            dst += w
            out[:, dst] = ord(_SEP)
            dst += 1
        out[:, stride - 1] = 0x0A
        text, bad = _decode(out.tobytes(), spec.encoding)
        if text is not None:
            break
        # A field boundary cuts a multi-byte character in two: the widths do not fit these lines.
        cut = np.zeros(len(rows), dtype=bool)
        cut[np.asarray(bad, dtype=np.int64) // stride] = True
        flagged = pl.DataFrame({"_row": rows, "_cut": cut})
        grid.errors.append(
            _error_frame(
                flagged,
                pl.col("_cut"),
                LINE_FIELD,
                pl.lit(f"列宽与本行内容不符：有汉字被列边界截断（{ENCODINGS[spec.encoding]}）"),
                1,
            )
        )
        rows, line_starts = rows[~cut], line_starts[~cut]
    # Every line has the same k fields and no quotes: Polars' CSV reader cuts them apart in parallel.
    parts = pl.read_csv(
        io.BytesIO(text.encode("utf-8")),
        has_header=False,
        separator=_SEP,
        quote_char=None,
        schema=dict.fromkeys(names, pl.String),
    )
    return pl.DataFrame({"_row": rows}).hstack(parts.select(pl.all().fill_null("").str.strip_chars()))


def _fixed_block(arr: np.ndarray, line_starts: np.ndarray, width: int) -> np.ndarray:
    """The kept lines as a (lines × width) array of bytes: a view when they sit at a regular stride."""
    n = len(line_starts)
    if n > 1:
        step = int(line_starts[1] - line_starts[0])
        if (
            step >= width
            and np.all(np.diff(line_starts) == step)
            and line_starts[0] + step * (n - 1) + width <= len(arr)
        ):
            first = int(line_starts[0])
            stop = min(first + step * n, len(arr))
            usable = arr[first:stop]
            if len(usable) < step * n:
                usable = np.concatenate((usable, np.zeros(step * n - len(usable), dtype=np.uint8)))
            return usable.reshape(n, step)[:, :width]
    out = np.empty((n, width), dtype=np.uint8)
    offsets = np.arange(width, dtype=np.int64)
    chunk = max(1, 4_000_000 // max(width, 1))
    for i in range(0, n, chunk):
        out[i : i + chunk] = arr[line_starts[i : i + chunk, None] + offsets]
    return out


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_grid(spec: ReturnFormat, content: bytes) -> _Grid:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        raise _Refused("文件不是有效的Excel（.xlsx）文件，无法读取") from exc
    try:
        ws = wb[spec.sheet] if spec.sheet and spec.sheet in wb.sheetnames else wb.worksheets[0]
        table: list[tuple[int, list[str]]] = []
        for no, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                table.append((no, cells))
    finally:
        wb.close()
    grid = _Grid(body=pl.DataFrame(), line_count=0)
    need = int(spec.column_names) + int(bool(spec.header)) + int(bool(spec.trailer))
    if len(table) < need:
        raise _Refused(f"回盘文件只有{len(table)}行，缺少表头、表尾或列名行")
    table = table[int(spec.column_names) :]

    def summary(
        entry: tuple[int, list[str]], cols: Sequence[ReturnColumn], what: str
    ) -> tuple[int, list[str]] | None:
        no, cells = entry
        if len(cells) > len(cols):
            grid.file_errors.append(
                FieldError(field=what, message=f"{what}应有{len(cols)}列，实际{len(cells)}列", row=no)
            )
            return None
        return no, cells + [""] * (len(cols) - len(cells))

    if spec.header:
        grid.header = summary(table[0], spec.header, "表头")
        table = table[1:]
    if spec.trailer:
        grid.trailer = summary(table[-1], spec.trailer, "表尾")
        table = table[:-1]
    k = len(spec.columns)
    grid.line_count = len(table)
    rows = [no for no, _ in table]
    counts = [len(cells) for _, cells in table]
    columns = {f"c{i}": [cells[i] if i < len(cells) else "" for _, cells in table] for i in range(k)}
    frame = pl.DataFrame(
        {"_row": rows, "_n": counts, **columns},
        schema={"_row": pl.Int64, "_n": pl.Int64, **dict.fromkeys(columns, pl.String)},
    )
    wrong = pl.col("_n") > k
    grid.errors.append(
        _error_frame(frame, wrong, LINE_FIELD, pl.format(f"本行应有{k}列，实际{{}}列", "_n"), 1)
    )
    grid.body = frame.filter(~wrong).drop("_n")
    return grid


def _empty_rows() -> pl.DataFrame:
    return pl.DataFrame(schema=ROW_SCHEMA)


def parse_return(fmt: BankFormat, content: bytes) -> ParsedReturn:
    """The bank's result file (回盘) read by the format's ``return`` section. Never raises on bad content:
    unreadable lines, wrong column counts, bad amounts, unknown status codes and a header/trailer whose
    count or total disagrees with the lines are reported in ``errors`` (row = the file's line number);
    ``rows`` holds the lines that were read without fault."""
    spec = fmt.returns
    try:
        grid = _xlsx_grid(spec, content) if spec.layout == "xlsx" else _text_grid(spec, content)
    except _Refused as exc:
        return ParsedReturn(rows=_empty_rows(), errors=[FieldError(field="文件", message=str(exc))])
    return _interpret(spec, grid)


def _interpret(spec: ReturnFormat, grid: _Grid) -> ParsedReturn:
    where = {c.field: f"c{i}" for i, c in enumerate(spec.columns) if c.field != "ignore"}
    label = {c.field: c.name for c in spec.columns}
    amount_col = spec.column("amount")
    amount_fmt = amount_col.format if amount_col else "fen"

    def pick(name: str) -> pl.Expr:
        return pl.col(where[name]).fill_null("") if name in where else pl.lit("", dtype=pl.String)

    frame = grid.body.select(
        pl.col("_row"),
        pick("reference").alias("reference"),
        pick("account_number").alias("account_number"),
        pick("holder_name").alias("holder_name"),
        pick("amount").alias("_amount_text"),
        pick("status").alias("reason_code"),
        pick("reason").alias("_bank_reason"),
    ).with_columns(_amount_fen(pl.col("_amount_text"), amount_fmt).alias("amount_fen"))
    codes = pl.DataFrame(
        {
            "reason_code": [c for c, _ in spec.failure_codes],
            "_table_reason": [r for _, r in spec.failure_codes],
            "_known_failure": [True] * len(spec.failure_codes),
        },
        schema={"reason_code": pl.String, "_table_reason": pl.String, "_known_failure": pl.Boolean},
    )
    frame = frame.join(codes, on="reason_code", how="left").sort("_row")
    code = pl.col("reason_code")
    paid = code.is_in(list(spec.success_codes))
    known = paid | pl.col("_known_failure").fill_null(False)
    unit = "元，最多两位小数" if amount_fmt == "yuan" else "分，整数"
    errors = list(grid.errors)
    errors.append(_error_frame(frame, pl.col("reference") == "", label["reference"], pl.lit("流水号为空"), 2))
    errors.append(
        _error_frame(
            frame,
            pl.col("amount_fen").is_null(),
            label["amount"],
            pl.format(f"金额“{{}}”不是有效的金额（{unit}）", "_amount_text"),
            3,
        )
    )
    errors.append(_error_frame(frame, code == "", label["status"], pl.lit("处理结果代码为空"), 4))
    if spec.unknown_status == "error":
        shown = "、".join(spec.success_codes)
        errors.append(
            _error_frame(
                frame,
                (code != "") & ~known,
                label["status"],
                pl.format(
                    f"处理结果代码“{{}}”不在本格式的代码表中（成功代码：{shown}；失败代码见格式文件 failure_codes）",
                    "reason_code",
                ),
                4,
            )
        )
        unknown_bad = ~known
    else:
        unknown_bad = pl.lit(False)
    bad = (pl.col("reference") == "") | pl.col("amount_fen").is_null() | (code == "") | unknown_bad
    bank_text = pl.col("_bank_reason")
    reason = (
        pl.when(paid)
        .then(pl.lit(""))
        .when(pl.col("_table_reason").is_not_null())
        .then(pl.col("_table_reason"))
        .when(bank_text != "")
        .then(bank_text)
        .otherwise(pl.format("银行返回失败（代码{}）", "reason_code"))
    )
    frame = frame.with_columns(paid.alias("paid"), reason.alias("reason"), bad.alias("_bad"))
    good = frame.filter(~pl.col("_bad"))
    rows = good.select(pl.col("_row").alias("line_no"), *[c for c in ROW_SCHEMA if c != "line_no"])
    rows = rows.cast(ROW_SCHEMA)
    file_errors = list(grid.file_errors)
    all_read = not frame["_bad"].any() and not any(e.height for e in grid.errors)
    for section, cols, what in ((grid.header, spec.header, "表头"), (grid.trailer, spec.trailer, "表尾")):
        if section is not None:
            file_errors += _check_summary(section, cols, what, grid.line_count, good, all_read)
    leading = [e for e in file_errors if e.row is None]
    errors += _field_frame([e for e in file_errors if e.row is not None], order=9)
    return ParsedReturn(rows=rows, errors=_field_errors(errors, leading=leading), line_count=grid.line_count)


def _check_summary(
    section: tuple[int, list[str]],
    cols: Sequence[ReturnColumn],
    what: str,
    line_count: int,
    good: pl.DataFrame,
    all_read: bool,
) -> list[FieldError]:
    """A header/trailer's counts and totals against the lines. Totals and paid/failed figures are checked
    only when every line was read (otherwise the line errors already say what is wrong)."""
    no, cells = section
    paid = good.filter(pl.col("paid"))
    failed = good.filter(~pl.col("paid"))
    actual = {
        "count": line_count,
        "total": int(good["amount_fen"].sum() or 0),
        "paid_count": paid.height,
        "paid_total": int(paid["amount_fen"].sum() or 0),
        "failed_count": failed.height,
        "failed_total": int(failed["amount_fen"].sum() or 0),
    }
    out = []
    for col, text in zip(cols, cells, strict=True):
        if col.field == "ignore":
            continue
        is_amount = col.field in AMOUNT_FIELDS
        value = _number_value(text, col.format if is_amount else "fen")
        if value is None:
            kind = "金额" if is_amount else "笔数"
            out.append(
                FieldError(field=col.name, message=f"{what}{col.name}“{text}”不是有效的{kind}", row=no)
            )
            continue
        if col.field != "count" and not all_read:
            continue
        expected = actual[col.field]
        if value != expected:
            if is_amount:
                message = f"{what}{col.name}为{_yuan_text(value)}元，明细合计{_yuan_text(expected)}元"
            else:
                message = f"{what}{col.name}为{value}笔，明细实际{expected}笔"
            out.append(FieldError(field=col.name, message=message, row=no))
    return out


# --------------------------------------------------------------------------------------------------
# Matching the result against what was sent


@dataclass
class ReturnMatch:
    """Per sent line that came back cleanly: paid or not, and why not. ``errors`` lists every line that
    could not be matched (not in the batch, returned twice, a different amount or account) and, with
    ``require_complete``, every sent line with no result; ``missing`` holds the latter as a frame."""

    results: pl.DataFrame
    errors: list[FieldError]
    missing: pl.DataFrame

    @property
    def ok(self) -> bool:
        return not self.errors


def match_return(
    expected: pl.DataFrame, parsed: ParsedReturn, *, require_complete: bool = True
) -> ReturnMatch:
    """Hold a parsed result file against the sent lines (reference, account_number, amount_fen).

    Lines of the result that are not in the batch, that repeat a reference, or whose amount or account
    number differs from what was sent are errors and give no result (the payment's outcome is not
    trusted); a result with an empty account number is not compared on it. A duplicate reference in
    ``expected`` is the caller's bug: ValueError.
    """
    exp = _prepare(expected, ("reference", "account_number", "amount_fen"), ("reference", "account_number"))
    if exp["reference"].is_duplicated().any():
        raise ValueError("报盘明细（expected）中有重复的流水号")
    rows = parsed.rows.with_columns(
        pl.col("line_no").min().over("reference").alias("_first"),
        pl.len().over("reference").alias("_times"),
    )
    sent = exp.select(
        "reference",
        pl.col("account_number").alias("_sent_account"),
        pl.col("amount_fen").alias("_sent_amount"),
        pl.lit(True).alias("_sent"),
    )
    joined = rows.join(sent, on="reference", how="left").sort("line_no").rename({"line_no": "_row"})
    in_roll = pl.col("_sent").fill_null(False)
    repeated = pl.col("_times") > 1
    amount_diff = in_roll & (pl.col("amount_fen") != pl.col("_sent_amount"))
    account_diff = (
        in_roll & (pl.col("account_number") != "") & (pl.col("account_number") != pl.col("_sent_account"))
    )
    frames = [
        _error_frame(joined, ~in_roll, "流水号", pl.format("流水号{}不在本批报盘中", "reference"), 1),
        _error_frame(
            joined,
            repeated & (pl.col("_row") != pl.col("_first")),
            "流水号",
            pl.format("流水号{}在回盘中重复出现（第{}行已有）", "reference", "_first"),
            2,
        ),
        _error_frame(
            joined,
            amount_diff,
            "金额",
            pl.format(
                "流水号{}的回盘金额{}元与报盘金额{}元不一致",
                "reference",
                _yuan(pl.col("amount_fen")),
                _yuan(pl.col("_sent_amount")),
            ),
            3,
        ),
    ]
    frames.append(
        _error_frame(
            joined,
            account_diff,
            "银行账号",
            pl.format(
                "流水号{}的回盘账号{}与报盘账号{}不一致",
                "reference",
                _masked(pl.col("account_number")),
                _masked(pl.col("_sent_account")),
            ),
            4,
        )
    )
    clean = in_roll & ~repeated & ~amount_diff & ~account_diff
    results = joined.filter(clean).select(list(RESULT_SCHEMA)).sort("reference").cast(RESULT_SCHEMA)
    missing = exp.join(rows.select("reference").unique(), on="reference", how="anti").sort("reference")
    tail = []
    if require_complete:
        tail.append(
            missing.select(
                pl.lit(None, dtype=pl.Int64).alias("row"),
                pl.lit("流水号", dtype=pl.String).alias("field"),
                pl.format(
                    "流水号{}（报盘金额{}元）在回盘中没有结果", "reference", _yuan(pl.col("amount_fen"))
                ).alias("message"),
                pl.lit(9, dtype=pl.Int64).alias("order"),
            )
        )
    errors = _field_errors(frames, tail=tail)
    return ReturnMatch(results=results, errors=errors, missing=missing)


# --------------------------------------------------------------------------------------------------
# The bank's side: a result file, for tests and the demo


def render_return(
    fmt: BankFormat,
    results: pl.DataFrame,
    *,
    created: dt.date = dt.date(2000, 1, 1),
    line_ending: str = "crlf",
) -> bytes:
    """A result file as the bank would send it (回盘), from reference, account_number, holder_name,
    amount_fen, paid and reason_code (optionally reason: the bank's own text). Paid lines get the first
    success code. Used to simulate the bank in tests, benchmarks and the demo."""
    spec = fmt.returns
    frame = _prepare(
        results,
        ("reference", "account_number", "holder_name", "amount_fen", "paid", "reason_code"),
        (
            "reference",
            "account_number",
            "holder_name",
            "reason_code",
            *(("reason",) if "reason" in results.columns else ()),
        ),
    )
    if "reason" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("reason"))
    table = pl.DataFrame(
        {"reason_code": [c for c, _ in spec.failure_codes], "_table": [r for _, r in spec.failure_codes]},
        schema={"reason_code": pl.String, "_table": pl.String},
    )
    frame = (
        frame.with_row_index("_i")
        .join(table, on="reason_code", how="left")
        .sort("_i")
        .with_columns(
            pl.when(pl.col("paid"))
            .then(pl.lit(spec.success_codes[0]))
            .otherwise(pl.col("reason_code"))
            .alias("_status"),
            pl.when(pl.col("paid"))
            .then(pl.lit(""))
            .when(pl.col("reason").fill_null("") != "")
            .then(pl.col("reason"))
            .otherwise(pl.col("_table").fill_null(""))
            .alias("_reason"),
            (pl.col("_i") + 1).alias("_row"),
        )
    )
    source = {
        "reference": pl.col("reference"),
        "account_number": pl.col("account_number"),
        "holder_name": pl.col("holder_name"),
        "status": pl.col("_status"),
        "reason": pl.col("_reason"),
        "ignore": pl.lit("", dtype=pl.String),
    }
    cells = []
    for c in spec.columns:
        if c.field == "amount":
            expr = _yuan(pl.col("amount_fen")) if c.format == "yuan" else pl.col("amount_fen").cast(pl.String)
        else:
            expr = source[c.field]
        align = "right" if c.field == "amount" else "left"
        cells.append(_Cell(c.name, expr, c.width, align, " "))
    values, errors = _body(frame, cells, layout=spec.layout, encoding=spec.encoding, delimiter=spec.delimiter)
    paid = frame.filter(pl.col("paid"))
    failed = frame.filter(~pl.col("paid"))
    figures = {
        "count": frame.height,
        "total": int(frame["amount_fen"].sum() or 0),
        "paid_count": paid.height,
        "paid_total": int(paid["amount_fen"].sum() or 0),
        "failed_count": failed.height,
        "failed_total": int(failed["amount_fen"].sum() or 0),
    }

    def summary(cols: Sequence[ReturnColumn], what: str) -> list[str]:
        shown = {
            c.field: _amount_text(figures[c.field], c.format)
            if c.field in AMOUNT_FIELDS
            else str(figures[c.field])
            for c in cols
            if c.field != "ignore"
        }
        cells_, errs = _summary_line(cols, shown, layout=spec.layout, encoding=spec.encoding, where=what)
        errors.extend(_field_frame(errs))
        return cells_

    head_cells = summary(spec.header, "表头") if spec.header else []
    tail_cells = summary(spec.trailer, "表尾") if spec.trailer else []
    found = _field_errors(errors)
    if found:
        raise ValidationFailed(f"回盘文件生成失败：{len(found)}处错误", errors=found)
    names = [c.name for c in spec.columns]
    if spec.layout == "xlsx":
        rows: list[Sequence[Any]] = [names] if spec.column_names else []
        if spec.header:
            rows.append(head_cells)
        return _xlsx_bytes(
            _chain(rows, pl.DataFrame(values).iter_rows(), [tail_cells] if spec.trailer else []),
            sheet=spec.sheet or "Sheet1",
            created=created,
        )
    join = functools.partial(_join_line, delimiter=spec.delimiter, trailing=spec.trailing_delimiter)
    head = ([join(names)] if spec.column_names else []) + ([join(head_cells)] if spec.header else [])
    tail = [join(tail_cells)] if spec.trailer else []
    return _text_file(
        head, values, tail, eol=LINE_ENDINGS[line_ending], delimiter=spec.delimiter,
        trailing=spec.trailing_delimiter, final_newline=True, encoding=spec.encoding,
    )  # fmt: skip


def _field_frame(errors: Sequence[FieldError], order: int = 0) -> list[pl.DataFrame]:
    """A few FieldErrors (header/trailer) as an error frame, to be sorted in with the rows."""
    if not errors:
        return []
    columns = {
        "row": [e.row for e in errors],
        "field": [e.field for e in errors],
        "message": [e.message for e in errors],
        "order": [order] * len(errors),
    }
    return [pl.DataFrame(columns, schema=_ERROR_SCHEMA)]
