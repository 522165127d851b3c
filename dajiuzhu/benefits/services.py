"""Writes of entitlements: started by an approval, altered by a review or change decision. Each is called
inside the deciding service's transaction (intake.services), which records the application's event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from dajiuzhu.benefits.models import Entitlement, EntitlementAmount, EntitlementStatus
from dajiuzhu.core import clock, months


def entitlement_start(
    *, application: Any, amount: Decimal, start_month: dt.date, review_months: int, decided_by: Any
) -> Entitlement:
    """A new entitlement from `start_month` (the month after the decision) with its first amount row."""
    ent = Entitlement.objects.create(
        household_id=application.household_id, beneficiary_id=application.applicant_id,
        item_id=application.item_id, application=application, area_id=application.area_id,
        monthly_amount=amount, start_month=start_month, review_months=review_months,
        next_review_on=months.add(start_month, review_months),
    )  # fmt: skip
    EntitlementAmount.objects.create(
        entitlement=ent, from_month=start_month, amount=amount, application=application,
        decided_by=decided_by, decided_at=clock.now(), reason="批准",
    )  # fmt: skip
    return ent


def entitlement_apply(
    *, entitlement_id: int, action: str, amount: Decimal | None, start_month: dt.date, review_months: int,
    taper_months: int | None = None, reason: str, application: Any, decided_by: Any,
) -> Entitlement:  # fmt: skip
    """A review or change decision, effective from `start_month`: ``stop`` ends payment before that month,
    ``taper`` keeps the amount for `taper_months` months (渐退, R1.15), anything else keeps the entitlement
    running, with a new amount row when the amount changes."""
    ent = Entitlement.objects.select_for_update().get(pk=entitlement_id)
    if action == "stop":
        ent.status = EntitlementStatus.STOPPED
        ent.end_month = start_month
        ent.stop_reason = reason
        ent.next_review_on = None
    elif action == "taper":
        ent.status = EntitlementStatus.TAPERING
        ent.end_month = months.add(start_month, int(taper_months or 0))
        ent.next_review_on = None
    else:
        if amount is not None and amount != ent.monthly_amount:
            EntitlementAmount.objects.create(
                entitlement=ent, from_month=start_month, amount=amount, application=application,
                decided_by=decided_by, decided_at=clock.now(),
                reason={"increase": "增发", "reduce": "减发"}.get(action, "复核调整"),
            )  # fmt: skip
            ent.monthly_amount = amount
        ent.review_months = review_months
        ent.next_review_on = months.add(start_month, review_months)
    ent.version += 1
    ent.save()
    return ent
