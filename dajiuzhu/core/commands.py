"""What management commands share."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from dajiuzhu.core import clock


def date_option(raw: str | None, label: str = "日期") -> dt.date:
    """A command's --date: the date given (YYYY-MM-DD), or today (core.clock) when none is."""
    if not raw:
        return clock.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"{label}“{raw}”无效，应为 YYYY-MM-DD") from exc
