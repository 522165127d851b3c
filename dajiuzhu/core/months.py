"""Months: the one helper for calendar months (payment periods, "from next month", review cycles).

A month is represented by the date of its first day; ``period`` is its ``YYYYMM`` text (期数) as banks
and SMS notices print it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from dateutil.relativedelta import relativedelta

_PERIOD = re.compile(r"^\s*(\d{4})\s*[-/年.]?\s*(\d{1,2})\s*月?\s*$")


def first_of(day: dt.date) -> dt.date:
    """The month `day` falls in."""
    return day.replace(day=1)


def add(month: dt.date, months: int) -> dt.date:
    """The first of the month `months` after (or before, if negative) the month of `month`."""
    return first_of(month) + relativedelta(months=months)


def next_month(day: dt.date) -> dt.date:
    """The month after the one `day` falls in: where a decision's effect starts (下月起)."""
    return add(day, 1)


def same_day_later(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (30 Nov + 3 months → 28/29 Feb)."""
    return day + relativedelta(months=months)


def last_day(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def between(start: dt.date, end: dt.date) -> int:
    """Whole months from the month of `start` to the month of `end` (negative if `end` is earlier)."""
    return (end.year - start.year) * 12 + end.month - start.month


def span(start: dt.date, stop: dt.date) -> list[dt.date]:
    """The months from `start` up to but not including `stop`."""
    return [add(start, i) for i in range(max(between(start, stop), 0))]


def period(month: dt.date) -> str:
    """``YYYYMM`` (期数)."""
    return f"{month.year:04d}{month.month:02d}"


def parse(raw: str) -> dt.date:
    """ "202612", "2026-12", "2026年12月" → 2026-12-01; ValueError with a Chinese message otherwise."""
    match = _PERIOD.match(str(raw or ""))
    if not match:
        raise ValueError(f"“{raw}”不是有效的月份（例如 2026-12）")
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1900 <= year <= 2100):
        raise ValueError(f"“{raw}”不是有效的月份（例如 2026-12）")
    return dt.date(year, month, 1)


def label(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"
