"""Pages: data sources and deliveries, batch upload and its quarantine, authorisations, verification
requests and reports. Thin: read the request, call a service or selector, render. ID numbers are POSTed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.core import clock
from dajiuzhu.core.errors import NotFound, ValidationFailed
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.core.net import client_ip
from dajiuzhu.rules.explain import yuan

from . import ingest, selectors, services
from .contracts import contracts
from .errors import AuthorisationMissing
from .models import Conclusion
from .reporting import RESULT_LABELS


def _date(raw: str | None, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        raise ValidationFailed.single(field, f"“{raw or ''}”不是有效日期（应为 YYYY-MM-DD）") from None


def _lines(raw: str | None) -> list[str]:
    return [x.strip() for x in (raw or "").replace("，", "\n").replace(",", "\n").splitlines() if x.strip()]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    rows = selectors.sources_overview(user=user)
    context: dict[str, Any] = {
        "rows": rows,
        "can_admin": user.can(Capability.VERIFY_ADMIN),
        "can_request": user.can(Capability.VERIFY_REQUEST),
    }
    if context["can_admin"]:
        context["batches"] = list(selectors.batches_for_user(user)[:20])
    context["requests"] = list(selectors.requests_for_user(user)[:20])
    return render(request, "verification/index.html", context)


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    user_require(request.user, Capability.VERIFY_ADMIN)
    context: dict[str, Any] = {"sources": contracts().values(), "source": request.GET.get("source", "")}
    if request.method == "POST":
        context["source"] = request.POST.get("source", "")
        upload_file = request.FILES.get("file")
        try:
            if upload_file is None:
                raise ValidationFailed.single("交换文件", "请选择要上传的文件")
            delivered = None
            if request.POST.get("delivered_on"):
                day = _date(request.POST.get("delivered_on"), "交付日期")
                delivered = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
            batch = ingest.batch_ingest_file(
                actor=request.user, source=context["source"], filename=upload_file.name or "",
                content=upload_file.read(), delivered_at=delivered,
            )  # fmt: skip
        except ValidationFailed as exc:
            context["error"] = exc
            return render(request, "verification/upload.html", context, status=400)
        return redirect("verification:batch", batch_id=batch.pk)
    return render(request, "verification/upload.html", context)


@login_required
def batch_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(user=request.user, batch_id=batch_id)
    contract = contracts().get(batch.source)
    return render(request, "verification/batch.html", {
        "batch": batch, "contract": contract, "quarantined": selectors.batch_quarantine(batch),
        "unknown_ids": [mask_id_number(n) for n in batch.summary.get("unknown_ids", [])],
        "unknown_more": batch.summary.get("unknown_more", 0),
    })  # fmt: skip


@login_required
def authorisation_new(request: HttpRequest) -> HttpResponse:
    user_require(request.user, Capability.VERIFY_REQUEST)
    today = clock.today()
    context: dict[str, Any] = {
        "sources": contracts().values(), "signed_on": today.isoformat(),
        "valid_until": today.replace(year=today.year + 1).isoformat() if (today.month, today.day) != (2, 29)
        else (today + dt.timedelta(days=365)).isoformat(),
    }  # fmt: skip
    if request.method == "POST":
        data = request.POST
        context.update(
            {k: data.get(k, "") for k in ("signed_on", "valid_until", "signers", "supporters", "note")}
        )
        context["chosen"] = data.getlist("sources")
        try:
            household = selectors.household_for_id_number(
                user=request.user, id_number=data.get("id_number", ""), ip=client_ip(request)
            )
            auth = services.authorisation_record(
                user=request.user, household_id=household.pk,
                signed_on=_date(data.get("signed_on"), "签署日期"), valid_until=_date(data.get("valid_until"), "有效期至"),
                id_numbers=_lines(data.get("signers")), supporter_id_numbers=_lines(data.get("supporters")),
                sources=data.getlist("sources"), scan=request.FILES.get("scan"), note=data.get("note", ""),
                ip=client_ip(request),
            )  # fmt: skip
        except (ValidationFailed, NotFound) as exc:
            context["error"] = exc
            return render(request, "verification/authorisation_form.html", context, status=400)
        context.update(
            {
                "saved": auth,
                "household": household,
                "signers_masked": [mask_id_number(n) for n in auth.id_numbers],
            }
        )
    return render(request, "verification/authorisation_form.html", context)


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    user_require(request.user, Capability.VERIFY_REQUEST)
    context: dict[str, Any] = {"sources": contracts().values(), "chosen": []}
    if request.method == "POST":
        data = request.POST
        context["chosen"] = data.getlist("sources")
        context["supporters"] = data.get("supporters", "")
        try:
            household = selectors.household_for_id_number(
                user=request.user, id_number=data.get("id_number", ""), ip=client_ip(request)
            )
            req = services.verification_request(
                user=request.user, household_id=household.pk, sources=data.getlist("sources") or None,
                supporter_id_numbers=_lines(data.get("supporters")), ip=client_ip(request),
            )  # fmt: skip
        except (ValidationFailed, NotFound, AuthorisationMissing) as exc:
            context["error"] = exc
            context["refused"] = isinstance(exc, AuthorisationMissing)
            return render(request, "verification/request_form.html", context, status=exc.status)
        return redirect("verification:report", request_id=req.pk)
    return render(request, "verification/request_form.html", context)


def _value_lines(report: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    return {s["code"]: [tuple(f) for f in s.get("fields", [])] for s in report.get("sources", [])}


@login_required
def report_view(request: HttpRequest, request_id: int) -> HttpResponse:
    req = selectors.report_get_for_user(user=request.user, request_id=request_id)
    data = selectors.report_masked(req)
    report = data["report"]
    labels = _value_lines(report)
    members = []
    for m in report["members"]:
        results = []
        for r in m["results"]:
            fields = [(n, lbl) for n, lbl in labels.get(r["source"], []) if n != "id_number"]
            rows = [[(lbl, v.get(n)) for n, lbl in fields if v.get(n) not in (None, "")] for v in r["values"]]
            results.append({**r, "label": RESULT_LABELS[r["result"]], "rows": rows})
        members.append({**m, "results": results})
    s = report["summary"]
    money = {k: yuan(int(v)) for k, v in s.items() if k.endswith("_fen")}
    return render(request, "verification/report.html", {
        "req": req, "report": report, "members": members, "summary": s, "money": money,
        "conclusion_label": Conclusion(req.conclusion).label,
    })  # fmt: skip
