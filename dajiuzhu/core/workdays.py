"""Chinese working days (个工作日, policy-spec C2): weekends, public holidays and the 调休 make-up days.

The official schedule comes from the `chinesecalendar` package for the years it covers. The State
Council publishes next year's schedule late in the year, usually before a package release: a bureau can
add it at once in `policy/calendar.yaml` (holidays and make-up working days by date), which takes
precedence. For a year with neither, weekends and the fixed-date statutory holidays are the days off and
the answer is marked provisional, so a deadline shown from it can say so.

Calendar-day periods ("7天", "N日") follow 民法典 arts. 201 and 203: the day the period starts is not
counted, it ends at the end of the N-th calendar day after, and a last day that is a statutory holiday
or rest day moves to the next working day (a 调休 make-up Saturday is a working day).

>>> add_working_days(dt.date(2025, 9, 30), 1)   # 1–8 October 2025 are the National Day holiday
datetime.date(2025, 10, 9)
>>> period_end(dt.date(2026, 9, 28), 7)   # 5 October 2026 falls in the National Day holiday
datetime.date(2026, 10, 8)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import yaml

# Statutory holidays on fixed solar dates (全国年节及纪念日放假办法, 2024 revision: 元旦 1 January, 劳动节
# 1–2 May, 国庆节 1–3 October). In a year without a published schedule they are still known; the lunar
# holidays and the 调休 swaps are not.
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))
CALENDAR_FILE = Path(__file__).resolve().parents[2] / "policy" / "calendar.yaml"
MAX_SPAN_DAYS = 3660  # a deadline further than ten years away is a mistake, not a date


@dataclass(frozen=True)
class Overrides:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    years: frozenset[int]  # years whose full schedule the file gives


@lru_cache(maxsize=1)
def overrides(path: Path = CALENDAR_FILE) -> Overrides:
    if not path.exists():
        return Overrides(frozenset(), frozenset(), frozenset())
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}

    def dates(key: str) -> frozenset[dt.date]:
        out = set()
        for raw in doc.get(key) or []:
            try:
                out.add(raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw)))
            except ValueError as exc:
                raise ValueError(f"{path.name}：{key} 中的“{raw}”不是有效日期（应为 YYYY-MM-DD）") from exc
        return frozenset(out)

    return Overrides(
        dates("holidays"), dates("workdays"), frozenset(int(y) for y in doc.get("complete_years") or [])
    )


def is_official(day: dt.date) -> bool:
    """Whether the date's year has an official schedule (the package or the local file)."""
    if day.year in overrides().years:
        return True
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    local = overrides()
    if day in local.holidays:
        return False
    if day in local.workdays:
        return True
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (start itself is not counted; 0 → start)."""
    if days < 0:
        raise ValueError("工作日数不能为负数")
    day, left = start, days
    while left:
        day += dt.timedelta(days=1)
        if (day - start).days > MAX_SPAN_DAYS:
            raise ValueError(f"{days}个工作日超出合理范围")
        if is_working_day(day):
            left -= 1
    return day


def period_end(start: dt.date, days: int) -> dt.date:
    """Last day of a period of `days` calendar days that starts on `start` (民法典 arts. 201, 203).

    `start` (the day a notice goes up, a decision is served…) is not counted; the period runs to the
    end of the `days`-th day after it, and if that day is not a working day, to the end of the next
    working day. 0 days → `start`."""
    if days < 0:
        raise ValueError("天数不能为负数")
    if days > MAX_SPAN_DAYS:
        raise ValueError(f"{days}天超出合理范围")
    if days == 0:
        return start
    day = start + dt.timedelta(days=days)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start)."""
    if (end - start).days > MAX_SPAN_DAYS:
        raise ValueError("日期跨度超出合理范围")
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    provisional: bool  # some day counted lies in a year without an official schedule yet

    @property
    def note(self) -> str:
        return (
            "（含尚未公布放假安排的年份，按周末和法定固定节日计算，公布后请核对）" if self.provisional else ""
        )


def deadline(start: dt.date, days: int) -> Deadline:
    due = add_working_days(start, days)
    return Deadline(due=due, provisional=not (is_official(start) and is_official(due)))
