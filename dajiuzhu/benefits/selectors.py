"""Reads of entitlements, always scoped to the caller's area (and, for a department window, to its
department's items)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

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


# ---- whole-county frames for the monthly roll (payments) ------------------------------------------------


def payable_frames(*, county_code: str, first_month: dt.date, last_month: dt.date) -> tuple[Any, Any]:
    """Entitlements of a county that pay for any month in [first_month, last_month], and their amount
    rows, as Polars frames (entitlement_id, item_id, household_id, beneficiary_id, area_id, start_month,
    end_month) and (entitlement_id, from_month, amount_fen, row_id). Months are first days."""
    import polars as pl
    from django.db.models import BigIntegerField, F, Q
    from django.db.models.functions import Cast, Round

    from dajiuzhu.core.frames import queryset_frame

    ents = Entitlement.objects.filter(
        Q(end_month__isnull=True) | Q(end_month__gt=first_month),
        area__county_code=county_code,
        start_month__lte=last_month,
    )
    frame = queryset_frame(
        ents,
        {"id": pl.Int64, "item_id": pl.Int64, "household_id": pl.Int64, "beneficiary_id": pl.Int64,
         "area_id": pl.Utf8, "start_month": pl.Date, "end_month": pl.Date},
    ).rename({"id": "entitlement_id"})  # fmt: skip
    rows = EntitlementAmount.objects.filter(
        entitlement__in=ents.values("pk"), from_month__lte=last_month
    ).annotate(amount_fen=Cast(Round(F("amount") * 100), BigIntegerField()))
    amounts = queryset_frame(
        rows, {"entitlement_id": pl.Int64, "from_month": pl.Date, "amount_fen": pl.Int64, "id": pl.Int64}
    )
    return frame, amounts


def beneficiary_ids(*, user: Any, programme: str, month: dt.date) -> QuerySet[Any]:
    """The people in the user's area with a running entitlement of a programme (intake item's programme,
    e.g. "tekun") payable in `month`: ids only, for other apps to filter their own rows with."""
    return (
        Entitlement.objects.filter(
            user_scope_q(user), item__programme=programme, status__in=RUNNING, start_month__lte=month
        )
        .filter(Q(end_month__isnull=True) | Q(end_month__gt=month))
        .values("beneficiary_id")
    )


def beneficiary_household_ids(*, user: Any, programme: str, month: dt.date) -> QuerySet[Any]:
    """The households in the user's area with a running entitlement of a programme in `month` (ids only)."""
    return (
        Entitlement.objects.filter(
            user_scope_q(user), item__programme=programme, status__in=RUNNING, start_month__lte=month
        )
        .filter(Q(end_month__isnull=True) | Q(end_month__gt=month))
        .values("household_id")
    )
