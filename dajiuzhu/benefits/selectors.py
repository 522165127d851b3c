"""Reads of entitlements, always scoped to the caller's area (and, for a department window, to its
department's items)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from dajiuzhu.accounts.roles import Capability, Role
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.benefits.models import RUNNING, Entitlement, EntitlementAmount
from dajiuzhu.core import months
from dajiuzhu.core.errors import NotFound


def entitlements_visible(user: Any) -> QuerySet[Entitlement]:
    user_require(user, Capability.REGISTRY_READ)
    qs = Entitlement.objects.filter(user_scope_q(user))
    if getattr(user, "role", "") == Role.DEPARTMENT_WINDOW:
        department: int | None = getattr(user, "department_id", None)
        qs = qs.filter(item__department_id=department) if department else qs.none()
    return qs


def entitlement_get_for_user(*, user: Any, entitlement_id: int) -> Entitlement:
    ent = (
        entitlements_visible(user)
        .select_related("item__department", "area", "beneficiary", "household", "application")
        .filter(pk=entitlement_id)
        .first()
    )
    if ent is None:
        raise NotFound("待遇不存在或不在您的管辖范围内")
    return ent


def household_entitlements(*, user: Any, household_id: int) -> list[Entitlement]:
    return list(
        Entitlement.objects.filter(user_scope_q(user), household_id=household_id)
        .select_related("item", "beneficiary")
        .prefetch_related("amounts")
        .order_by("start_month", "id")
    )


def entitlement_of_application(application_id: int) -> Entitlement | None:
    """The entitlement an approval started (the caller loaded the application through its scope)."""
    return Entitlement.objects.filter(application_id=application_id).first()


def running_item_ids(*, household_id: int, item_codes: list[str]) -> set[int]:
    return set(
        Entitlement.objects.filter(
            household_id=household_id, item__code__in=item_codes, status__in=RUNNING
        ).values_list("item_id", flat=True)
    )


def amount_history(entitlement: Entitlement) -> list[EntitlementAmount]:
    return list(entitlement.amounts.select_related("application", "decided_by").order_by("from_month", "id"))


def amount_for_month(entitlement: Entitlement, month: dt.date) -> Decimal | None:
    """What the entitlement pays for `month`, or None outside its months (R11.5)."""
    month = months.first_of(month)
    if month < entitlement.start_month or (entitlement.end_month and month >= entitlement.end_month):
        return None
    amount: Decimal | None = None
    for row in sorted(entitlement.amounts.all(), key=lambda r: (r.from_month, r.id)):
        if row.from_month <= month:
            amount = row.amount
    return amount
