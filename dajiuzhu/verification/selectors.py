"""Verification reads, scoped to the caller's area; and the frozen summary other apps may use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, QuerySet

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.core import clock
from dajiuzhu.core.errors import NotFound, PermissionDenied
from dajiuzhu.registry.models import Household, Person
from dajiuzhu.registry.selectors import household_by_id_number

from .contracts import SourceContract, contracts
from .models import (
    Authorisation,
    BatchStatus,
    ExchangeBatch,
    ExchangeRecord,
    QuarantinedRow,
    RequestStatus,
    VerificationRequest,
)


def _require_any(user: Any, *capabilities: str) -> None:
    if not getattr(user, "is_authenticated", False) or not any(user.can(c) for c in capabilities):
        raise PermissionDenied()


@dataclass(frozen=True)
class SourceRow:
    contract: SourceContract
    last_delivery: dt.datetime | None
    fresh: bool
    batches: int
    records: int


def sources_overview(*, user: Any) -> list[SourceRow]:
    """Every contracted source with its last delivery and counts (aggregates only: no personal data)."""
    _require_any(user, Capability.VERIFY_REQUEST, Capability.VERIFY_ADMIN)
    batches = {
        r["source"]: r
        for r in ExchangeBatch.objects.filter(status=BatchStatus.DONE)
        .values("source")
        .annotate(n=Count("id"), last=Max("delivered_at"))
    }
    records = dict(ExchangeRecord.objects.values("source").annotate(n=Count("id")).values_list("source", "n"))
    now = clock.now()
    out = []
    for code, c in contracts().items():
        b: dict[str, Any] = dict(batches.get(code) or {})
        last = b.get("last")
        out.append(
            SourceRow(
                contract=c,
                last_delivery=last,
                fresh=bool(last and last >= now - dt.timedelta(days=c.validity_days)),
                batches=int(b.get("n") or 0),
                records=int(records.get(code) or 0),
            )
        )
    return out


def batches_for_user(user: Any, *, source: str = "") -> QuerySet[ExchangeBatch]:
    user_require(user, Capability.VERIFY_ADMIN)
    qs = ExchangeBatch.objects.filter(user_scope_q(user)).select_related("created_by")
    if source:
        qs = qs.filter(source=source.strip().upper())
    return qs.order_by("-delivered_at", "-id")


def batch_get_for_user(*, user: Any, batch_id: int) -> ExchangeBatch:
    batch = batches_for_user(user).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound()
    return batch


def batch_quarantine(batch: ExchangeBatch, *, limit: int = 500) -> list[QuarantinedRow]:
    return list(QuarantinedRow.objects.filter(batch=batch).order_by("row_number")[:limit])


def household_for_id_number(*, user: Any, id_number: str, ip: str | None = None) -> Household:
    """The household of the person with this ID number, if it lies in the user's area. Unknown and out of
    scope answer the same (NotFound), so a number outside one's area reveals nothing."""
    return household_by_id_number(user=user, id_number=id_number, ip=ip)[0]


def household_members_current(household: Household) -> list[Person]:
    return list(Person.objects.filter(household=household, is_deceased=False).order_by("id"))


def authorisations_for_household(household: Household) -> list[Authorisation]:
    return list(Authorisation.objects.filter(household=household).order_by("-signed_on", "-id"))


def requests_for_user(user: Any) -> QuerySet[VerificationRequest]:
    _require_any(user, Capability.VERIFY_REQUEST, Capability.VERIFY_ADMIN)
    return (
        VerificationRequest.objects.filter(user_scope_q(user, prefix="household__area"))
        .select_related("household", "requested_by")
        .order_by("-created_at", "-id")
    )


def report_get_for_user(*, user: Any, request_id: int) -> VerificationRequest:
    """A stored report, only inside the user's area (another county's → NotFound)."""
    found = requests_for_user(user).filter(pk=request_id, status=RequestStatus.DONE).first()
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class ReportSummary:
    """What the workflow and the engine need from the latest report; plain data, no ORM."""

    request_id: int
    household_id: int
    created_at: dt.datetime
    conclusion: str
    income_monthly_fen: int
    income_per_capita_fen: int
    financial_assets_fen: int
    property_count: int
    dwelling_count: int
    vehicle_count: int
    business_count: int
    flags: tuple[str, ...]
    error_sources: tuple[str, ...]
    rules_fired: tuple[str, ...]


def latest_report_for_household(household_id: int) -> ReportSummary | None:
    """The most recent completed report of a household, or None. Not scoped: callers are services that have
    already loaded the household for their user."""
    found = (
        VerificationRequest.objects.filter(household_id=household_id, status=RequestStatus.DONE)
        .order_by("-created_at", "-id")
        .first()
    )
    if found is None or not found.report:
        return None
    s = found.report["summary"]
    return ReportSummary(
        request_id=found.pk,
        household_id=household_id,
        created_at=found.created_at,
        conclusion=found.conclusion,
        income_monthly_fen=int(s["income_monthly_fen"]),
        income_per_capita_fen=int(s["income_per_capita_fen"]),
        financial_assets_fen=int(s["financial_assets_fen"]),
        property_count=int(s["property_count"]),
        dwelling_count=int(s["dwelling_count"]),
        vehicle_count=int(s["vehicle_count"]),
        business_count=int(s["business_count"]),
        flags=tuple(sorted({f["flag"] for f in s["flags"]})),
        error_sources=tuple(s["errors"]),
        rules_fired=tuple(r["rule"] for r in found.report["rules_fired"]),
    )


def report_masked(req: VerificationRequest) -> dict[str, Any]:
    """The stored report with every ID number masked, for the API and the pages alike."""
    from dajiuzhu.core.masking import mask_id_number

    report = dict(req.report or {})
    id_fields = {
        s["code"]: {name for name, _label in s.get("fields", []) if "id_number" in name}
        for s in report.get("sources", [])
    }
    members = []
    for m in report.get("members", []):
        results = []
        for r in m["results"]:
            hide = id_fields.get(r["source"], {"id_number"})
            values = [{k: (mask_id_number(v) if k in hide else v) for k, v in p.items()} for p in r["values"]]
            results.append({**r, "values": values})
        members.append({**m, "id_number": mask_id_number(m["id_number"]), "results": results})
    report["members"] = members
    return {
        "id": req.pk, "household_id": req.household_id, "created_at": req.created_at,
        "conclusion": req.conclusion, "report": report,
    }  # fmt: skip
