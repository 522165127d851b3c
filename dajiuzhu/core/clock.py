""" "Today" for the whole platform. settings.DAJIUZHU_TODAY (an ISO date) pins it, so that a test, a
training instance or a demo can walk through a 7-day public notice or a 3-month re-check without
waiting; unset (production), it is the local date."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def today() -> dt.date:
    pinned = getattr(settings, "DAJIUZHU_TODAY", None)
    if pinned:
        return dt.date.fromisoformat(str(pinned))
    return timezone.localdate()
