"""Small input checks every service shares: free text, numbers, dates and uploaded photos, each failure a
Chinese message naming the field.

Text, numbers and dates have one definition each here, used by every channel:

- services: `clean_text` (and `check_text`) refuse NUL and other control characters;
- the API: the annotated types `Line`, `Text`, `Int`, `Page`, `Year`, `Date` and `DateTime` in every app's
  schemas and operation parameters, and `check_payload`, which config.api's parser runs on every JSON
  body, query string and form before anything else reads it (so a NUL byte, a ``\\u0000`` escape or an
  integer beyond bigint never reaches PostgreSQL, whatever the field);
- forms: `TextValidator` (the validator of `TextField` / `LineField`);
- uploads: `check_cell` on every cell the upload readers hand on.

Control characters: NUL and every other C0/C1 control character (and DEL) are refused; tab, line feed and
carriage return only where multi-line text is allowed. Numbers: within PostgreSQL's bigint (or the
narrower range the field gives). Dates: years 1900–2100; times of day with a UTC offset of at most 14 hours
(the widest any time zone uses).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.deconstruct import deconstructible
from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from dajiuzhu.core.errors import ValidationFailed

# ---- control characters -------------------------------------------------------------------------------

# C0 controls but tab, line feed and carriage return; DEL; C1 controls; the Unicode non-characters
# U+FFFE/U+FFFF; lone surrogates (a JSON "\\ud800" escape, which UTF-8 and PostgreSQL cannot store).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\t\n\r]")

CONTROL_MESSAGE = "含有不可见的控制字符（如空字符NUL），请删除后重新输入"
LINE_MESSAGE = "应为单行文字，不能含换行符或制表符"


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """The Chinese reason `value` cannot be stored as text, or None when it can."""
    if _CONTROL.search(value):
        return CONTROL_MESSAGE
    if not multiline and _LINE_BREAKS.search(value):
        return LINE_MESSAGE
    return None


def check_text(value: str, field: str, *, multiline: bool = True, row: int | None = None) -> str:
    problem = text_problem(value, multiline=multiline)
    if problem:
        raise ValidationFailed.single(field, problem, row=row)
    return value


PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}
PHOTO_MAX_BYTES = 10 * 1024 * 1024


def clean_text(
    value: str | None, field: str, *, required: bool = False, limit: int, multiline: bool = True
) -> str:
    text = (value or "").strip()
    check_text(text, field, multiline=multiline)
    if required and not text:
        raise ValidationFailed.single(field, "不能为空")
    if len(text) > limit:
        raise ValidationFailed.single(field, f"不能超过{limit}个字")
    return text


_MOBILE = r"1[3-9]\d{9}"
_FIXED = r"0\d{2,3}-?\d{7,8}"  # with its area code: 0534-2345678
# A person's phone in the registry: a mobile number or a fixed line with its area code.
PHONE_RE = re.compile(rf"^({_MOBILE}|{_FIXED})$")
# A phone number someone leaves with a report: also with +86 before a mobile number, or a local number
# of 7 or 8 digits (a village landline, given without the area code). Spaces are dropped.
CALLER_PHONE_RE = re.compile(rf"^((\+?86-?)?{_MOBILE}|{_FIXED}|\d{{7,8}})$")


def clean_phone(value: str | None, field: str) -> str:
    """The phone number without spaces, or "" when none was given."""
    text = clean_text(value, field, limit=20).replace(" ", "")
    if text and not CALLER_PHONE_RE.match(text):
        raise ValidationFailed.single(
            field, f"“{text}”不是有效的电话号码（手机号如13800000000，固定电话如0534-2345678），或留空"
        )
    return text


def check_photos(photos: list[Any]) -> None:
    """Pictures only (JPG, PNG, WEBP, HEIC), at most 10 MB each; the field is 照片N."""
    for i, photo in enumerate(photos, start=1):
        if (getattr(photo, "content_type", "") or "") not in PHOTO_TYPES:
            raise ValidationFailed.single(f"照片{i}", "只接受 JPG、PNG、WEBP、HEIC 图片")
        if getattr(photo, "size", 0) > PHOTO_MAX_BYTES:
            raise ValidationFailed.single(f"照片{i}", "单张照片不能超过10MB")


# ---- numbers and dates -------------------------------------------------------------------------------

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
YEAR_MIN, YEAR_MAX = 1900, 2100
MAX_UTC_OFFSET = dt.timedelta(hours=14)


def int_problem(value: int, *, low: int = BIGINT_MIN, high: int = BIGINT_MAX) -> str | None:
    if value < low:
        return f"不能小于{low}"
    if value > high:
        return f"不能大于{high}"
    return None


def date_problem(value: dt.date) -> str | None:
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        return f"日期超出范围：年份应在{YEAR_MIN}到{YEAR_MAX}之间"
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        offset = value.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            return "时区偏移超出范围（应在-14:00到+14:00之间），如 2026-03-01T09:30:00+08:00"
    return None


def check_int(value: int, field: str, *, low: int = BIGINT_MIN, high: int = BIGINT_MAX) -> int:
    problem = int_problem(value, low=low, high=high)
    if problem:
        raise ValidationFailed.single(field, problem)
    return value


def check_date(value: dt.date, field: str) -> dt.date:
    problem = date_problem(value)
    if problem:
        raise ValidationFailed.single(field, problem)
    return value


# ---- any decoded JSON, query string or form --------------------------------------------------------


def check_payload(data: Any, where: str = "") -> None:
    """Refuses, naming the field, the first value no column can store: text with control characters
    (tab and line breaks are left to the field), a key with any, an integer beyond bigint, NaN or
    infinity. Raises ValidationFailed."""
    if isinstance(data, str):
        problem = text_problem(data)
        if problem:
            raise ValidationFailed.single(where or "body", problem)
    elif isinstance(data, bool) or data is None:
        return
    elif isinstance(data, int):
        problem = int_problem(data)
        if problem:
            raise ValidationFailed.single(where or "body", f"数值超出范围（{problem}）")
    elif isinstance(data, float):
        if not math.isfinite(data):
            raise ValidationFailed.single(where or "body", "应为有限的数字")
    elif isinstance(data, dict):
        for key, value in data.items():
            name = str(key)
            if text_problem(name, multiline=False):
                raise ValidationFailed.single(where or "body", f"字段名{CONTROL_MESSAGE}")
            check_payload(value, f"{where}.{name}" if where else name)
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            check_payload(value, f"{where}.{i}" if where else str(i))


# ---- pydantic types of the API schemas and operation parameters ------------------------------------
# Their errors carry the Chinese message; config.api shows it as the field's message.


def _pydantic_text(multiline: bool) -> Any:
    def validate(value: str) -> str:
        problem = text_problem(value, multiline=multiline)
        if problem:
            raise PydanticCustomError("djz_text", problem)
        return value

    return AfterValidator(validate)


def _pydantic_date(value: dt.date) -> dt.date:
    problem = date_problem(value)
    if problem:
        raise PydanticCustomError("djz_date", problem)
    return value


def _no_float(value: Any) -> Any:
    # "3.0" and 3.0 are taken as 3 by pydantic; keep that, but never a float beyond int's reach.
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("djz_range", "应为有限的数字")
    return value


Line = Annotated[str, _pydantic_text(multiline=False)]
"""Single-line text: names, numbers, codes, labels."""
Text = Annotated[str, _pydantic_text(multiline=True)]
"""Text that may run to several lines: notes, reasons, findings."""
# Ranges as schema constraints: the OpenAPI documents them and pydantic refuses what lies outside.
Int = Annotated[int, BeforeValidator(_no_float), Field(ge=BIGINT_MIN, le=BIGINT_MAX)]
"""Any integer a bigint column holds (IDs, versions, amounts in fen)."""
SmallInt = Annotated[int, BeforeValidator(_no_float), Field(ge=INT_MIN, le=INT_MAX)]
"""An integer of an integer column (counts, sizes, limits and offsets of lists)."""
Page = Annotated[int, Field(ge=1, le=100_000)]
"""A page number of a list."""
Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]
Date = Annotated[dt.date, AfterValidator(_pydantic_date)]
DateTime = Annotated[dt.datetime, AfterValidator(_pydantic_date)]


# ---- Django forms ------------------------------------------------------------------------------------


@deconstructible
class TextValidator:
    """The form-field validator: refuses control characters (and line breaks unless `multiline`)."""

    def __init__(self, *, multiline: bool = True) -> None:
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        if isinstance(value, str):
            problem = text_problem(value, multiline=self.multiline)
            if problem:
                raise DjangoValidationError(problem, code="control_character")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and other.multiline == self.multiline


# ---- uploads -----------------------------------------------------------------------------------------


# The same characters as a regular expression for Polars (Rust regex) over uploaded columns.
CONTROL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


def visible_controls(data: Any) -> Any:
    """`data` (decoded JSON) with every control character written out as a visible escape (NUL becomes
    the six characters \\u0000), keys included: what is kept of a refused upload row, so that its raw text
    survives in a JSON column that cannot store the characters themselves."""
    if isinstance(data, str):
        return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", data)
    if isinstance(data, dict):
        return {visible_controls(str(k)): visible_controls(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [visible_controls(v) for v in data]
    return data


def cell_problem(value: Any) -> str | None:
    """The reason a cell of an uploaded sheet cannot be stored, or None (a cell may hold line breaks)."""
    if isinstance(value, str):
        return text_problem(value)
    return None
