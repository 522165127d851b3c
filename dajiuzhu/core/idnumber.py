"""Resident ID numbers per GB 11643-1999: validation, 15→18 conversion, derived sex and birth date.

Region codes (policy-spec R10.4): a real county-level code of GB/T 2260, current or abolished (an ID
keeps the code in force when it was issued). The table is vendored in areas/data and read by
`dajiuzhu.areas.divisions.county_code_known`; this module takes the check as an argument so that it
stays free of Django and of any app. "Today" is the caller's (`core.clock.today()` on the Django side,
the assessment date in a case file), never the machine's date behind the platform's clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = dt.date(1900, 1, 1)

_RE18 = re.compile(r"^\d{17}[\dX]$")
_RE15 = re.compile(r"^\d{15}$")

# Province-level codes of GB/T 2260 (the first two digits of every valid ID number).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82",
    }
)  # fmt: skip


class InvalidIdNumber(ValueError):
    """The message is Chinese and says what is wrong; the field name is added by the caller."""


@dataclass(frozen=True)
class IdInfo:
    number: str
    region_code: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    converted_from_15: bool = False

    def age_on(self, on: dt.date) -> int:
        return age_on(self.birth_date, on)


def age_on(birth: dt.date, on: dt.date) -> int:
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def convert_15_to_18(number15: str) -> str:
    if not _RE15.match(number15):
        raise InvalidIdNumber("15位身份证号码只能包含数字")
    body = number15[:6] + "19" + number15[6:]
    return body + check_char(body)


def normalize(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def parse(
    raw: str,
    *,
    today: dt.date,
    region_known: Callable[[str], bool] | None = None,
) -> IdInfo:
    """Validate and decode an ID number, converting a 15-digit one. Raises InvalidIdNumber."""
    number = normalize(raw)
    converted = False
    if not number:
        raise InvalidIdNumber("身份证号码不能为空")
    if len(number) == 15:
        number = convert_15_to_18(number)
        converted = True
    if len(number) != 18:
        raise InvalidIdNumber(f"身份证号码应为18位（或15位旧号码），实际为{len(number)}位")
    if not _RE18.match(number):
        raise InvalidIdNumber("身份证号码前17位必须是数字，最后一位是数字或X")
    region = number[:6]
    if region[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber(f"地址码{region}的省级代码{region[:2]}不存在")
    if region_known is not None and not region_known(region):
        raise InvalidIdNumber(region_message(region))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber(f"出生日期{number[6:14]}不是真实的日期") from exc
    if birth < EARLIEST_BIRTH:
        raise InvalidIdNumber(before_1900_message(birth))
    if birth > today:
        raise InvalidIdNumber(future_message(birth, today))
    expected = check_char(number[:17])
    if number[17] != expected:
        raise InvalidIdNumber(f"校验码错误（应为{expected}），请核对号码是否抄错")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdInfo(number=number, region_code=region, birth_date=birth, sex=sex, converted_from_15=converted)


def region_message(region: str) -> str:
    return f"地址码{region}不是有效的县级行政区划代码（现行或已撤销的代码均可）"


def before_1900_message(birth: dt.date) -> str:
    return f"出生日期{birth.isoformat()}早于1900年1月1日，请核对号码"


def future_message(birth: dt.date, today: dt.date) -> str:
    return f"出生日期{birth.isoformat()}晚于今天（{today.isoformat()}），请核对号码"


def make(region_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid 18-digit number (synthetic data, tests). sequence is 0..999; its parity is the sex."""
    body = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
    return body + check_char(body)
