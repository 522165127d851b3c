"""Reads for the workbench (home page): counts over the caller's area and the caller's recent changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from dajiuzhu.accounts.selectors import user_scope_q
from dajiuzhu.audit.models import AuditAction, AuditEvent
from dajiuzhu.core import clock
from dajiuzhu.registry.models import Household, Person

ELDERLY_AGE = 60  # display bucket on the workbench only; no benefit depends on it
CHANGE_ACTIONS = [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE, AuditAction.MOVE,
                  AuditAction.IMPORT]  # fmt: skip


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def workbench_persons(*, user: Any) -> QuerySet[Person]:
    """Living members of active households in the user's area subtree."""
    return Person.objects.filter(
        user_scope_q(user, prefix="household__area"), household__is_active=True, is_deceased=False
    )


def workbench_counts(*, user: Any) -> dict[str, int]:
    households = Household.objects.filter(user_scope_q(user), is_active=True)
    persons = workbench_persons(user=user)
    born_before = _years_ago(clock.today(), ELDERLY_AGE)
    return {
        "households": households.count(),
        "persons": persons.count(),
        "disabled": persons.exclude(disability_type="").count(),
        "elderly": persons.filter(birth_date__lte=born_before).count(),
    }


def workbench_recent_changes(*, user: Any, limit: int = 10) -> list[AuditEvent]:
    """The user's own latest writes, from the audit trail."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        AuditEvent.objects.filter(actor=user, action__in=CHANGE_ACTIONS).order_by("-at", "-id")[:limit]
    )
