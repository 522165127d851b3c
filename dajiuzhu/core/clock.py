""" "Today" and "now" for the whole platform: nothing else may ask the system clock (ruff's banned-API
rule TID251 enforces it). settings.DAJIUZHU_TODAY (an ISO date) pins the date, so that a test, a
training instance or a demo can walk through a 7-day public notice or a 3-month re-check without
waiting; unset (production), it is the local date in settings.TIME_ZONE. `now()` is always the real
instant (timestamps of what happened are never pinned)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def today() -> dt.date:
    pinned = getattr(settings, "DAJIUZHU_TODAY", None)
    if pinned:
        return dt.date.fromisoformat(str(pinned))
    return timezone.localdate()  # noqa: TID251 - the one place allowed


def now() -> dt.datetime:
    """The current instant, time-zone aware (UTC in the database)."""
    return timezone.now()  # noqa: TID251 - the one place allowed
