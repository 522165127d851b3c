"""Pages of institutions and beds: the county's list with occupancy by care type, one institution's floors
and beds with who lies in each, admission, transfer, leaving, the waiting list, and the 特困 people who
have lost all self-care and live in no institution.

Thin: a refused step shows the service's Chinese messages by its field and changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.core import clock, months
from dajiuzhu.core.errors import DomainError
from dajiuzhu.core.net import client_ip
from dajiuzhu.eldercare import institutions, selectors
from dajiuzhu.eldercare.inputs import form_errors as _errors
from dajiuzhu.eldercare.models import (
    AbilityLevel,
    BedState,
    CareZone,
    InstitutionKind,
    LeaveReason,
    OperationMode,
    ResidentKind,
)


def _can_admin(request: HttpRequest) -> bool:
    return bool(request.user.can(Capability.ELDER_ADMIN))  # type: ignore[union-attr]


@login_required
def institution_list(request: HttpRequest) -> HttpResponse:
    error: DomainError | None = None
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            inst = institutions.institution_save(user=request.user, data=values, ip=client_ip(request))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, f"已新增养老机构：{inst.name}")
            return redirect("eldercare:institution", inst.pk)
    rows = list(selectors.institutions_visible(request.user))
    occ = selectors.occupancy([i.pk for i in rows])
    return render(
        request,
        "eldercare/institution_list.html",
        {
            "rows": [(i, list(occ[i.pk].values())) for i in rows],
            "totals": selectors.occupancy_total(occ),
            "can_admin": _can_admin(request),
            "kinds": InstitutionKind.choices,
            "modes": OperationMode.choices,
            "values": values,
            "error": error,
            "errors": _errors(error),
        },
        status=400 if error else 200,
    )


def _detail(request: HttpRequest, institution_id: int, *, error: DomainError | None = None, form: str = "",
            values: dict[str, Any] | None = None) -> HttpResponse:  # fmt: skip
    inst = selectors.institution_get(user=request.user, institution_id=institution_id)
    zones = selectors.institution_beds(inst)
    free_beds = [
        (z, [r.bed for r in rows if r.stay is None and r.bed.state == BedState.IN_SERVICE])
        for z, rows in zones
    ]
    return render(
        request,
        "eldercare/institution_detail.html",
        {
            "inst": inst,
            "occupancy": list(selectors.occupancy([inst.pk])[inst.pk].values()),
            "zones": zones,
            "free_beds": free_beds,
            "residents": list(selectors.residents(inst)),
            "waiting": selectors.waiting_list(inst),
            "can_admin": _can_admin(request),
            "care_zones": CareZone.choices,
            "kinds": ResidentKind.choices,
            "leave_reasons": [(c, label) for c, label in LeaveReason.choices if c != LeaveReason.TRANSFER],
            "bed_states": BedState.choices,
            "level_labels": dict(AbilityLevel.choices),
            "today": clock.today(),
            "form": form,
            "values": values or {},
            "error": error,
            "errors": _errors(error),
        },
        status=400 if error else 200,
    )


@login_required
@require_GET
def institution_view(request: HttpRequest, institution_id: int) -> HttpResponse:
    return _detail(request, institution_id)


def _step(request: HttpRequest, institution_id: int, form: str, action: Any, done: str) -> HttpResponse:
    values = request.POST.dict()
    try:
        action(values)
    except DomainError as exc:
        return _detail(request, institution_id, error=exc, form=form, values=values)
    messages.success(request, done)
    return redirect("eldercare:institution", institution_id)


@login_required
@require_POST
def zone_add(request: HttpRequest, institution_id: int) -> HttpResponse:
    def act(v: dict[str, Any]) -> None:
        institutions.zone_add(
            user=request.user, institution_id=institution_id, name=v.get("name", ""),
            care_zone=v.get("care_zone", ""), beds=v.get("beds", ""), ip=client_ip(request),
        )  # fmt: skip

    return _step(request, institution_id, "zone", act, "已添加楼层/区域和床位")


@login_required
@require_POST
def admit(request: HttpRequest, institution_id: int) -> HttpResponse:
    return _step(
        request, institution_id, "admit",
        lambda v: institutions.admit(user=request.user, institution_id=institution_id, data=v, ip=client_ip(request)),
        "已办理入住",
    )  # fmt: skip


@login_required
@require_POST
def waiting_add(request: HttpRequest, institution_id: int) -> HttpResponse:
    return _step(
        request, institution_id, "waiting",
        lambda v: institutions.waiting_add(user=request.user, institution_id=institution_id, data=v, ip=client_ip(request)),
        "已加入轮候",
    )  # fmt: skip


@login_required
@require_POST
def stay_transfer(request: HttpRequest, institution_id: int, stay_id: int) -> HttpResponse:
    return _step(
        request, institution_id, f"transfer-{stay_id}",
        lambda v: institutions.transfer(user=request.user, stay_id=stay_id, data=v, ip=client_ip(request)),
        "已转床",
    )  # fmt: skip


@login_required
@require_POST
def stay_leave(request: HttpRequest, institution_id: int, stay_id: int) -> HttpResponse:
    return _step(
        request, institution_id, f"leave-{stay_id}",
        lambda v: institutions.leave(user=request.user, stay_id=stay_id, data=v, ip=client_ip(request)),
        "已办理离开",
    )  # fmt: skip


@login_required
@require_POST
def bed_state(request: HttpRequest, institution_id: int, bed_id: int) -> HttpResponse:
    return _step(
        request, institution_id, f"bed-{bed_id}",
        lambda v: institutions.bed_set_state(user=request.user, bed_id=bed_id, state=v.get("state", ""), ip=client_ip(request)),
        "已更新床位状态",
    )  # fmt: skip


@login_required
@require_GET
def unplaced(request: HttpRequest) -> HttpResponse:
    month = months.first_of(clock.today())
    rows = selectors.unplaced_disabled_tekun(user=request.user, month=month)
    return render(request, "eldercare/unplaced.html", {"rows": rows, "month": month})
