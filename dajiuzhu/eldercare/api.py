"""Elderly-care API: the same selectors and services as the pages (/api/eldercare/…)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.responses import codes_4xx

from dajiuzhu.accounts.api import api_user, auth
from dajiuzhu.core.inputs import Line, Text
from dajiuzhu.core.net import client_ip
from dajiuzhu.eldercare import homecare, institutions, selectors, services
from dajiuzhu.eldercare.models import AbilityAssessment
from dajiuzhu.registry.schemas import ErrorOut

router = Router(auth=auth, tags=["养老服务"])
ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}

Loose = Line | int | None


class AssessmentIn(Schema):
    reason: Text = Field(
        ..., description="评估原因：initial 首次、routine 常规、immediate 即时、review 复评、other 其他"
    )
    assessed_on: Line = Field(..., description="评估日期 YYYY-MM-DD")
    organisation: Line = Field(..., description="评估机构")
    assessor_1: Line = Field(..., description="评估员一")
    assessor_2: Line = Field(..., description="评估员二（须与评估员一不同）")
    scores: dict[str, Loose] = Field(
        ..., description="各项得分：项目代码 → 分值（26项，见 policy/eldercare/instruments/）"
    )
    dementia: bool = Field(False, description="确诊痴呆")
    mental_disorder: bool = Field(False, description="经精神科医师确诊的其他精神和行为障碍")
    coma: bool = Field(False, description="昏迷")
    risk_events: dict[str, Loose] = Field(
        {}, description="近30天照护风险事件：fall、choking、self_harm、wandering、other → 次数"
    )
    note: Text = ""
    instrument: Line = Field("GB/T 42195-2022", description="评估量表版本")


class StepOut(Schema):
    text: str
    reference: str


class AssessmentOut(Schema):
    id: int
    person_id: int
    instrument_version: str
    reason: str
    assessed_on: str
    organisation: str
    total: int
    base_level: int
    level: int
    level_label: str
    care_zone: str
    next_due_on: str
    explanation: list[StepOut]


class AssessmentDetailOut(AssessmentOut):
    scores: dict[str, int] | None = Field(None, description="各项得分（仅评估人员可见，查看记入审计日志）")
    dementia: bool | None = None
    mental_disorder: bool | None = None
    coma: bool | None = None


def _out(a: AbilityAssessment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "instrument_version": a.instrument_version,
        "reason": a.reason,
        "assessed_on": a.assessed_on.isoformat(),
        "organisation": a.organisation,
        "total": a.total,
        "base_level": a.base_level,
        "level": a.level,
        "level_label": a.get_level_display(),
        "care_zone": a.care_zone,
        "next_due_on": a.next_due_on.isoformat(),
        "explanation": a.explanation,
    }


@router.get(
    "/persons/{person_id}/assessments", response={200: list[AssessmentOut], **ERRORS},
    summary="老年人的能力评估记录（新的在前）",
)  # fmt: skip
def assessments_of_person(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    _person, rows = selectors.assessments_for_person(
        user=api_user(request), person_id=person_id, ip=client_ip(request)
    )
    return [_out(a) for a in rows]


@router.post(
    "/persons/{person_id}/assessments", response={201: AssessmentOut, **ERRORS},
    summary="录入一次能力评估（GB/T 42195-2022，两名评估员），自动评定能力等级和护理分区并说明依据",
)  # fmt: skip
def assessment_create(request: HttpRequest, person_id: int, payload: AssessmentIn) -> Status[dict[str, Any]]:
    assessment = services.assessment_record(
        user=api_user(request), person_id=person_id, data=payload.dict(), ip=client_ip(request)
    )
    return Status(201, _out(assessment))


@router.get(
    "/assessments/{assessment_id}", response={200: AssessmentDetailOut, **ERRORS},
    summary="一次能力评估的结果；评估人员另见各项得分和诊断（记入审计日志）",
)  # fmt: skip
def assessment_get(request: HttpRequest, assessment_id: int) -> dict[str, Any]:
    detail = selectors.assessment_detail(
        user=api_user(request), assessment_id=assessment_id, ip=client_ip(request)
    )
    out = _out(detail.assessment)
    if detail.items is not None:
        a = detail.assessment
        out.update(scores=a.scores, dementia=a.dementia, mental_disorder=a.mental_disorder, coma=a.coma)
    return out


# ---- institutions and beds ---------------------------------------------------------------------------


class OccupancyOut(Schema):
    care_zone: str
    label: str
    beds: int
    occupied: int
    reserved: int
    maintenance: int
    free: int
    rate: int = Field(..., description="入住率（%）")


class InstitutionOut(Schema):
    id: int
    name: str
    kind: str
    mode: str
    operator: str
    area_code: str
    licensed_carers: int
    version: int
    occupancy: list[OccupancyOut]


class InstitutionIn(Schema):
    name: Line
    kind: Line = Field(..., description="welfare_home、regional_centre、day_care、rural_home、private_home")
    mode: Line = Field(..., description="public 公办公营、public_private 公建民营、private 民办")
    operator: Line = ""
    area_code: Line = Field("", description="所在区划代码（默认为本人管辖区划）")
    address: Line = ""
    licence: Line = ""
    licensed_carers: Loose = 0
    phone: Line = ""


class ZoneIn(Schema):
    name: Line = Field(..., description="楼层/区域，如 1层")
    care_zone: Line = Field(..., description="self_care 自理、assisted 介助、nursing 介护")
    beds: Line = Field(..., description="床位号，如 101-120、201")


class BedOut(Schema):
    id: int
    number: str
    zone: str
    care_zone: str
    state: str
    occupant: str | None = Field(None, description="在住人员姓名")
    stay_id: int | None = None


class AdmitIn(Schema):
    id_number: Line = Field("", description="入住人员身份证号码")
    bed: Loose = Field(..., description="床位 id")
    kind: Line = Field(..., description="tekun 特困人员集中供养、social 社会老人")
    started_on: Line = Field(..., description="入住日期 YYYY-MM-DD")
    zone_reason: Line = Field("", description="床位护理类型与能力评估不符时的安排原因")
    note: Text = ""


class StayOut(Schema):
    id: int
    person_id: int
    institution_id: int
    bed_id: int
    kind: str
    started_on: str
    ended_on: str | None
    leave_reason: str


class TransferIn(Schema):
    bed: Loose
    on: Line
    institution_id: Loose = None
    zone_reason: Line = ""


class LeaveIn(Schema):
    reason: Line = Field(..., description="discharge 出院、death 去世")
    on: Line
    note: Text = ""


class WaitingIn(Schema):
    id_number: Line
    kind: Line
    applied_on: Line
    note: Text = ""


class UnplacedOut(Schema):
    person_id: int
    name: str
    household_id: int | None
    reason: str


def _occupancy(cells: Any) -> list[dict[str, Any]]:
    return [
        {
            "care_zone": c.care_zone, "label": c.label, "beds": c.beds, "occupied": c.occupied,
            "reserved": c.reserved, "maintenance": c.maintenance, "free": c.free, "rate": c.rate,
        }
        for c in cells
    ]  # fmt: skip


def _institution_out(inst: Any, occ: dict[int, Any]) -> dict[str, Any]:
    return {
        "id": inst.pk, "name": inst.name, "kind": inst.kind, "mode": inst.mode, "operator": inst.operator,
        "area_code": inst.area_id, "licensed_carers": inst.licensed_carers, "version": inst.version,
        "occupancy": _occupancy(occ[inst.pk].values()),
    }  # fmt: skip


def _stay_out(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk, "person_id": s.person_id, "institution_id": s.institution_id, "bed_id": s.bed_id,
        "kind": s.kind, "started_on": s.started_on.isoformat(),
        "ended_on": s.ended_on.isoformat() if s.ended_on else None, "leave_reason": s.leave_reason,
    }  # fmt: skip


@router.get(
    "/institutions",
    response={200: list[InstitutionOut], **ERRORS},
    summary="辖区养老机构及按护理类型的床位占用",
)
def institution_list(request: HttpRequest) -> list[dict[str, Any]]:
    rows = list(selectors.institutions_visible(api_user(request)))
    occ = selectors.occupancy([i.pk for i in rows])
    return [_institution_out(i, occ) for i in rows]


@router.post("/institutions", response={201: InstitutionOut, **ERRORS}, summary="新增养老机构")
def institution_create(request: HttpRequest, payload: InstitutionIn) -> Status[dict[str, Any]]:
    inst = institutions.institution_save(user=api_user(request), data=payload.dict(), ip=client_ip(request))
    return Status(201, _institution_out(inst, selectors.occupancy([inst.pk])))


@router.get(
    "/institutions/{institution_id}/beds",
    response={200: list[BedOut], **ERRORS},
    summary="机构的床位和在住人员",
)
def institution_beds(request: HttpRequest, institution_id: int) -> list[dict[str, Any]]:
    inst = selectors.institution_get(user=api_user(request), institution_id=institution_id)
    return [
        {
            "id": r.bed.pk, "number": r.bed.number, "zone": zone.name, "care_zone": zone.care_zone,
            "state": r.bed.state, "occupant": r.stay.person.name if r.stay else None,
            "stay_id": r.stay.pk if r.stay else None,
        }
        for zone, rows in selectors.institution_beds(inst)
        for r in rows
    ]  # fmt: skip


@router.post(
    "/institutions/{institution_id}/zones",
    response={201: list[BedOut], **ERRORS},
    summary="添加楼层/区域和床位",
)
def zone_create(request: HttpRequest, institution_id: int, payload: ZoneIn) -> Status[list[dict[str, Any]]]:
    user = api_user(request)
    zone = institutions.zone_add(
        user=user, institution_id=institution_id, ip=client_ip(request), **payload.dict()
    )
    beds = [
        {"id": b.pk, "number": b.number, "zone": zone.name, "care_zone": zone.care_zone, "state": b.state}
        for b in zone.beds.order_by("number")
    ]
    return Status(201, beds)


@router.post("/institutions/{institution_id}/stays", response={201: StayOut, **ERRORS}, summary="办理入住")
def stay_create(request: HttpRequest, institution_id: int, payload: AdmitIn) -> Status[dict[str, Any]]:
    stay = institutions.admit(
        user=api_user(request), institution_id=institution_id, data=payload.dict(), ip=client_ip(request)
    )
    return Status(201, _stay_out(stay))


@router.post(
    "/stays/{stay_id}/transfer",
    response={201: StayOut, **ERRORS},
    summary="转床/转院（结束原入住，开始新入住）",
)
def stay_transfer(request: HttpRequest, stay_id: int, payload: TransferIn) -> Status[dict[str, Any]]:
    stay = institutions.transfer(
        user=api_user(request), stay_id=stay_id, data=payload.dict(), ip=client_ip(request)
    )
    return Status(201, _stay_out(stay))


@router.post("/stays/{stay_id}/leave", response={200: StayOut, **ERRORS}, summary="办理离开（出院或去世）")
def stay_leave(request: HttpRequest, stay_id: int, payload: LeaveIn) -> dict[str, Any]:
    return _stay_out(
        institutions.leave(
            user=api_user(request), stay_id=stay_id, data=payload.dict(), ip=client_ip(request)
        )
    )


@router.post(
    "/institutions/{institution_id}/waiting", response={201: dict[str, int], **ERRORS}, summary="登记轮候"
)
def waiting_create(request: HttpRequest, institution_id: int, payload: WaitingIn) -> Status[dict[str, int]]:
    entry = institutions.waiting_add(
        user=api_user(request), institution_id=institution_id, data=payload.dict(), ip=client_ip(request)
    )
    return Status(201, {"id": entry.pk})


@router.get(
    "/unplaced-tekun",
    response={200: list[UnplacedOut], **ERRORS},
    summary="未集中供养的完全失能特困人员（本月）",
)
def unplaced_tekun(request: HttpRequest) -> list[dict[str, Any]]:
    from dajiuzhu.core import clock, months

    rows = selectors.unplaced_disabled_tekun(user=api_user(request), month=months.first_of(clock.today()))
    return [
        {
            "person_id": r.person.pk,
            "name": r.person.name,
            "household_id": r.person.household_id,
            "reason": r.reason,
        }
        for r in rows
    ]


# ---- home care: the desk's orders and the carer's phone -----------------------------------------------------


class OrderIn(Schema):
    id_number: Line = Field("", description="老人身份证号码（或 person_id）")
    person_id: Loose = None
    kind: Line = Field(
        ...,
        description="服务类别：meal 助餐、cleaning 助洁、emergency 助急、mobility 助行、bathing 助浴、medical 助医",
    )
    items: list[Line] = Field(..., description="服务项目代码（policy/eldercare/home-care-items.yaml）")
    planned_on: Line = Field(..., description="服务日期 YYYY-MM-DD")
    planned_minutes: Loose = Field(..., description="计划时长（分钟）")
    provider: Loose = Field(..., description="服务机构 id")
    source: Line = Field(
        "hotline", description="hotline 12349、grid 网格员、family 老人或家属、plan 服务计划"
    )
    caller_phone: Line = ""
    note: Text = ""


class OrderOut(Schema):
    id: int
    person_id: int
    provider_id: int
    carer_id: int | None
    kind: str
    items: list[str]
    planned_on: str
    planned_minutes: int
    status: str
    version: int


class LocationIn(Schema):
    lat: float | Line | None = Field(None, description="纬度（签到/签退时取一次；取不到可留空）")
    lng: float | Line | None = Field(None, description="经度")


class CheckOutIn(LocationIn):
    items_done: list[Line] = Field(..., description="完成的服务项目代码")
    exception_reason: Text = Field("", description="出现异常（位置不符、时长不足、无位置）时的说明")


class VisitOut(Schema):
    order_id: int
    status: str
    minutes: int | None
    exceptions: list[str]


def _order_out(o: Any) -> dict[str, Any]:
    return {
        "id": o.pk, "person_id": o.person_id, "provider_id": o.provider_id, "carer_id": o.carer_id, "kind": o.kind,
        "items": o.items, "planned_on": o.planned_on.isoformat(), "planned_minutes": o.planned_minutes,
        "status": o.status, "version": o.version,
    }  # fmt: skip


def _visit_out(v: Any) -> dict[str, Any]:
    return {
        "order_id": v.order_id,
        "status": v.order.status,
        "minutes": v.minutes,
        "exceptions": v.exceptions,
    }


@router.post(
    "/orders",
    response={201: OrderOut, **ERRORS},
    summary="居家上门服务下单（12349受理台、网格员；不超过本月免费时长）",
)
def order_create(request: HttpRequest, payload: OrderIn) -> Status[dict[str, Any]]:
    order = homecare.order_place(user=api_user(request), data=payload.dict(), ip=client_ip(request))
    return Status(201, _order_out(order))


@router.get(
    "/carer/orders", response={200: list[OrderOut], **ERRORS}, summary="护理员今日（及未完成的）上门服务"
)
def carer_orders(request: HttpRequest) -> list[dict[str, Any]]:
    return [_order_out(o) for o in homecare.carer_orders(user=api_user(request))]


@router.post(
    "/carer/orders/{order_id}/check-in", response={200: VisitOut, **ERRORS}, summary="到达签到（取一次位置）"
)
def carer_check_in(request: HttpRequest, order_id: int, payload: LocationIn) -> dict[str, Any]:
    return _visit_out(
        homecare.check_in(
            user=api_user(request), order_id=order_id, data=payload.dict(), ip=client_ip(request)
        )
    )


@router.post(
    "/carer/orders/{order_id}/check-out",
    response={200: VisitOut, **ERRORS},
    summary="服务完成签退（取一次位置，勾选完成项目）",
)
def carer_check_out(request: HttpRequest, order_id: int, payload: CheckOutIn) -> dict[str, Any]:
    return _visit_out(
        homecare.check_out(
            user=api_user(request), order_id=order_id, data=payload.dict(), ip=client_ip(request)
        )
    )
