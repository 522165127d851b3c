"""Pages of elderly care: an elder's capability assessments (老年人能力评估) and the form to record one.

Thin: parse the request, call a selector or a service, render. A refused assessment shows every bad
field next to it, keeps what was typed and saves nothing; out of area is "not found"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.core import clock
from dajiuzhu.core.errors import DomainError
from dajiuzhu.core.net import client_ip
from dajiuzhu.eldercare import entitlements, exports, selectors, services
from dajiuzhu.eldercare.models import AbilityLevel, AssessmentReason
from dajiuzhu.rules import ability
from dajiuzhu.rules.care import STATUS_LABELS


def _domains(
    inst: ability.Instrument, values: dict[str, Any], errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """The form's rows: each domain with its items, their score choices, what was typed and its errors."""
    scores = values.get("scores") or {}
    return [
        {
            "label": d.label,
            "max": d.max,
            "items": [
                {
                    "code": i.code,
                    "label": i.label,
                    "choices": list(range(i.max, -1, -1)),
                    "value": str(scores.get(i.code, "")),
                    "errors": errors.get(f"scores.{i.code}", []),
                }
                for i in d.items
            ],
        }
        for d in inst.domains
    ]


def _form_data(request: HttpRequest, inst: ability.Instrument) -> dict[str, Any]:
    post = request.POST
    return {
        "reason": post.get("reason", ""),
        "assessed_on": post.get("assessed_on", ""),
        "organisation": post.get("organisation", ""),
        "assessor_1": post.get("assessor_1", ""),
        "assessor_2": post.get("assessor_2", ""),
        "note": post.get("note", ""),
        "dementia": post.get("dementia") == "1",
        "mental_disorder": post.get("mental_disorder") == "1",
        "coma": post.get("coma") == "1",
        "scores": {i.code: post.get(f"score_{i.code}", "") for i in inst.items},
        "risk_events": {code: post.get(f"event_{code}", "") for code in inst.risk_events},
    }


@login_required
@require_GET
def person_assessments(request: HttpRequest, person_id: int) -> HttpResponse:
    person, assessments = selectors.assessments_for_person(
        user=request.user, person_id=person_id, ip=client_ip(request)
    )
    care = entitlements.explain(
        user=request.user, person_id=person.pk, month=entitlements.today_month(), ip=client_ip(request)
    )
    return render(
        request,
        "eldercare/person_assessments.html",
        {
            "person": person,
            "care": care,
            "status_labels": STATUS_LABELS,
            "stays": selectors.stay_history(user=request.user, person_id=person.pk),
            "assessments": assessments,
            "can_assess": request.user.can(Capability.ELDER_ASSESS),  # type: ignore[union-attr]
            "today": clock.today(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, person_id: int) -> HttpResponse:
    person, _assessments = selectors.assessments_for_person(
        user=request.user, person_id=person_id, ip=client_ip(request)
    )
    inst = ability.instrument()
    values: dict[str, Any] = {"assessed_on": clock.today().isoformat(), "scores": {}, "risk_events": {}}
    errors: dict[str, list[str]] = {}
    error: DomainError | None = None
    if request.method == "POST":
        values = _form_data(request, inst)
        try:
            assessment = services.assessment_record(
                user=request.user, person_id=person.pk, data=values, ip=client_ip(request)
            )
        except DomainError as exc:
            error = exc
            for e in exc.errors:
                errors.setdefault(e.field, []).append(e.message)
        else:
            messages.success(request, f"已录入{person.name}的能力评估：{assessment.get_level_display()}")
            return redirect("eldercare:assessment_view", assessment.pk)
    else:
        # Checked here too so that a reader without the capability gets the refusal page, not a form.
        from dajiuzhu.accounts.selectors import user_require

        user_require(request.user, Capability.ELDER_ASSESS)
    return render(
        request,
        "eldercare/assessment_form.html",
        {
            "person": person,
            "instrument": inst,
            "reasons": AssessmentReason.choices,
            "domains": _domains(inst, values, errors),
            "events": [
                (
                    code,
                    label,
                    (values.get("risk_events") or {}).get(code, ""),
                    errors.get(f"risk_events.{code}", []),
                )
                for code, label in inst.risk_events.items()
            ],
            "values": values,
            "errors": errors,
            "error": error,
        },
        status=400 if error is not None else 200,
    )


@login_required
@require_GET
def assessment_view(request: HttpRequest, assessment_id: int) -> HttpResponse:
    detail = selectors.assessment_detail(
        user=request.user, assessment_id=assessment_id, ip=client_ip(request)
    )
    return render(request, "eldercare/assessment_detail.html", {"d": detail, "a": detail.assessment})


@login_required
@require_http_methods(["GET", "POST"])
def care_month(request: HttpRequest) -> HttpResponse:
    """The county's elderly-care entitlements of a month, by status and level; the county recomputes."""
    from dajiuzhu.core import months

    raw = (request.POST.get("month") or request.GET.get("month") or "").strip()
    error: DomainError | None = None
    try:
        month = months.parse(raw) if raw else entitlements.today_month()
    except ValueError:
        month, error = entitlements.today_month(), DomainError(f"月份“{raw}”无效（应为 YYYY-MM）")
    if request.method == "POST" and error is None:
        try:
            done = entitlements.compute_month(user=request.user, month=month, ip=client_ip(request))
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request,
                f"已计算{months.label(month)}养老服务待遇：老年人{done.elders}人，其中{done.with_hours}人有免费居家服务时长，共{done.hours}小时",
            )
            return redirect(f"{request.path}?month={months.period(month)}")
    rows = selectors.care_summary(user=request.user, month=month)
    levels = dict(AbilityLevel.choices)
    return render(
        request,
        "eldercare/care_month.html",
        {
            "month": month,
            "period": months.period(month),
            "rows": [(STATUS_LABELS.get(r.status, r.status), levels.get(r.level, "未评估"), r) for r in rows],
            "total_elders": sum(r.elders for r in rows),
            "total_hours": sum(r.hours for r in rows),
            "can_admin": request.user.can(Capability.ELDER_ADMIN),  # type: ignore[union-attr]
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Elderly care at a glance for the county or the city, with the table as Excel."""
    import json

    from dajiuzhu.core import months

    raw = (request.GET.get("month") or "").strip()
    try:
        month = months.parse(raw) if raw else entitlements.today_month()
    except ValueError:
        month = entitlements.today_month()
    board = selectors.care_dashboard(user=request.user, month=month)
    if request.GET.get("format") == "xlsx":
        from dajiuzhu.core.downloads import xlsx_response

        content = exports.dashboard_xlsx(user=request.user, board=board, ip=client_ip(request))
        return xlsx_response(content, f"养老服务统计-{months.period(month)}.xlsx")
    chart = {
        "labels": [r.name for r in board.rows],
        "entitled": [round(r.entitled_minutes / 60) for r in board.rows],
        "delivered": [round(r.delivered_minutes / 60) for r in board.rows],
    }
    return render(
        request,
        "eldercare/dashboard.html",
        {"b": board, "period": months.period(month), "chart": json.dumps(chart, ensure_ascii=False)},
    )


@login_required
@require_GET
def reassessments(request: HttpRequest) -> HttpResponse:
    rows = selectors.reassessment_due(user=request.user, today=clock.today())
    return render(request, "eldercare/reassessments.html", {"rows": rows})
