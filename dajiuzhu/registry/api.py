"""The registry API: a thin router over registry.selectors (reads, scoped) and registry.services (writes).

Every object is loaded through the `*_get_for_user` selectors first, so an out-of-scope ID answers
404 and leaves a "denied" audit row, whatever the method. ID and phone numbers leave masked; the
full value only comes from the audited reveal endpoint.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.responses import codes_4xx

from dajiuzhu.accounts.api import api_user, auth
from dajiuzhu.core.errors import NotFound
from dajiuzhu.core.inputs import Line, Page
from dajiuzhu.core.masking import mask_id_number, mask_phone
from dajiuzhu.core.net import client_ip
from dajiuzhu.registry import selectors, services
from dajiuzhu.registry.choices import Relation, ResidenceType, SupporterRelation, SupporterStatus
from dajiuzhu.registry.models import Asset, Expenditure, Household, Income, OutsideSupporter, Person
from dajiuzhu.registry.schemas import (
    AssetIn,
    ErrorOut,
    ExpenditureIn,
    HouseholdCreateIn,
    HouseholdDetailOut,
    HouseholdOut,
    HouseholdPage,
    HouseholdPatchIn,
    IncomeIn,
    MoveIn,
    PersonIn,
    PersonOut,
    PersonPatchIn,
    RecordOut,
    RevealIn,
    RevealOut,
    SupporterIn,
    SupporterOut,
)

router = Router(auth=auth, tags=["registry"])

ERRORS: dict[Any, Any] = {codes_4xx: ErrorOut}

# URL spelling (singular or plural) → the service's record kind and its model.
RECORD_KINDS: dict[str, tuple[str, type[Income] | type[Asset] | type[Expenditure]]] = {
    "income": ("income", Income),
    "incomes": ("income", Income),
    "asset": ("asset", Asset),
    "assets": ("asset", Asset),
    "expenditure": ("expenditure", Expenditure),
    "expenditures": ("expenditure", Expenditure),
}


# ---- serialisation (masking happens here and nowhere else in the API) ---------------------------


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _person_out(p: Person) -> dict[str, Any]:
    return {
        "id": p.pk,
        "household_id": p.household_id,
        "name": p.name,
        "id_number": mask_id_number(p.id_number),
        "phone": mask_phone(p.phone),
        "sex": p.sex,
        "birth_date": p.birth_date,
        "relation": p.relation,
        "relation_label": _label(Relation, p.relation),
        "disability_type": p.disability_type,
        "disability_grade": p.disability_grade,
        "labour_capacity": p.labour_capacity,
        "employment": p.employment,
        "school_stage": p.school_stage,
        "serious_illness": p.serious_illness,
        "illness_note": p.illness_note,
        "adl_eating": p.adl_eating,
        "adl_dressing": p.adl_dressing,
        "adl_transfer": p.adl_transfer,
        "adl_toileting": p.adl_toileting,
        "adl_walking": p.adl_walking,
        "adl_bathing": p.adl_bathing,
        "is_deceased": p.is_deceased,
        "version": p.version,
    }


def _supporter_out(s: OutsideSupporter) -> dict[str, Any]:
    return {
        "id": s.pk,
        "household_id": s.household_id,
        "name": s.name,
        "relation": s.relation,
        "relation_label": _label(SupporterRelation, s.relation),
        "id_number": mask_id_number(s.id_number),
        "birth_date": s.birth_date,
        "is_tekun": s.is_tekun,
        "dibao_recipient": s.dibao_recipient,
        "status": s.status,
        "status_label": _label(SupporterStatus, s.status),
        "monthly_income": str(s.monthly_income),
        "financial_assets": str(s.financial_assets),
        "household_size": s.household_size,
        "disability_type": s.disability_type,
        "disability_grade": s.disability_grade,
        "property_note": s.property_note,
        "source": s.source,
        "recorded_on": s.recorded_on,
    }


def _household_out(h: Household) -> dict[str, Any]:
    return {
        "id": h.pk,
        "number": h.number,
        "area_code": h.area_id,
        "area_name": h.area.full_name or h.area.name,
        "address": h.address,
        "residence_type": h.residence_type,
        "hukou_type": h.hukou_type,
        "note": h.note,
        "member_count": h.member_count,
        "head_id": h.head_id,
        "version": h.version,
    }


def _household_detail_out(h: Household) -> dict[str, Any]:
    detail = selectors.household_detail(h)
    return {
        **_household_out(h),
        "members": [_person_out(p) for p in detail["members"]],
        "incomes": [
            {
                "id": r.pk,
                "person_id": r.person_id,
                "income_type": r.income_type,
                "amount": str(r.amount),
                "period_start": r.period_start,
                "period_end": r.period_end,
                "source": r.source,
                "note": r.note,
            }
            for r in detail["incomes"]
        ],
        "assets": [
            {
                "id": r.pk,
                "person_id": r.person_id,
                "asset_type": r.asset_type,
                "vehicle_kind": r.vehicle_kind,
                "description": r.description,
                "value": str(r.value),
                "quantity": None if r.quantity is None else str(r.quantity),
                "exempt": r.exempt,
                "source": r.source,
                "recorded_on": r.recorded_on,
            }
            for r in detail["assets"]
        ],
        "expenditures": [
            {
                "id": r.pk,
                "person_id": r.person_id,
                "kind": r.kind,
                "amount": str(r.amount),
                "period_start": r.period_start,
                "period_end": r.period_end,
                "source": r.source,
                "note": r.note,
            }
            for r in detail["expenditures"]
        ],
        "outside_supporters": [_supporter_out(s) for s in detail["outside_supporters"]],
    }


def _dump(payload: Schema, *exclude: str) -> dict[str, Any]:
    """The fields the client actually sent, as the raw dict the services clean."""
    return payload.model_dump(exclude_unset=True, exclude=set(exclude))


def _reload_household(request: HttpRequest, household_id: int) -> Household:
    return selectors.household_get_for_user(
        user=api_user(request), household_id=household_id, ip=client_ip(request)
    )


# ---- households ---------------------------------------------------------------------------------


@router.get(
    "/households", response={200: HouseholdPage, **ERRORS}, summary="查询家庭（分页，身份证号已脱敏）"
)
def household_list(
    request: HttpRequest,
    q: Line = Query("", description="姓名、身份证号码（或后几位）、户编号"),
    area: Line = Query("", description="区划代码，含其下级"),
    residence_type: Line = Query("", description="urban 或 rural"),
    page: Page = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    if residence_type and residence_type not in ResidenceType.values:
        residence_type = next(
            (v for v, lbl in ResidenceType.choices if str(lbl) == residence_type), residence_type
        )
    qs = selectors.household_search(
        user=api_user(request), q=q, area_code=area, residence_type=residence_type
    )
    total = qs.count()
    start = (page - 1) * page_size
    items = [
        {
            "id": h.pk,
            "number": h.number,
            "area_code": h.area_id,
            "area_name": h.area.full_name or h.area.name,
            "address": h.address,
            "residence_type": h.residence_type,
            "residence_type_label": _label(ResidenceType, h.residence_type),
            "hukou_type": h.hukou_type,
            "member_count": h.member_count,
            "head_name": h.head.name if h.head else None,
            "head_id_number": mask_id_number(h.head.id_number) if h.head else None,
            "version": h.version,
        }
        for h in qs[start : start + page_size]
    ]
    return {"total": total, "page": page, "page_size": page_size, "items": items}


@router.get(
    "/households/{household_id}",
    response={200: HouseholdDetailOut, **ERRORS},
    summary="家庭详情（成员、收入、财产、支出）",
)
def household_get(request: HttpRequest, household_id: int) -> dict[str, Any]:
    return _household_detail_out(_reload_household(request, household_id))


@router.post("/households", response={201: HouseholdDetailOut, **ERRORS}, summary="登记家庭及其成员")
def household_create(request: HttpRequest, payload: HouseholdCreateIn) -> Status[dict[str, Any]]:
    data = _dump(payload, "area", "members")
    members = [m.model_dump(exclude_unset=True) for m in payload.members]
    household = services.household_create(
        actor=api_user(request), area=payload.area, data=data, members=members, ip=client_ip(request)
    )
    return Status(201, _household_detail_out(_reload_household(request, household.pk)))


@router.patch(
    "/households/{household_id}",
    response={200: HouseholdOut, **ERRORS},
    summary="修改家庭信息（需带 version）",
)
def household_update(request: HttpRequest, household_id: int, payload: HouseholdPatchIn) -> dict[str, Any]:
    _reload_household(request, household_id)
    household = services.household_update(
        actor=api_user(request),
        household_id=household_id,
        data=_dump(payload, "area", "version"),
        version=payload.version,
        area=payload.area or None,
    )
    return _household_out(_reload_household(request, household.pk))


@router.post("/households/{household_id}/members", response={201: PersonOut, **ERRORS}, summary="增加成员")
def person_add(request: HttpRequest, household_id: int, payload: PersonIn) -> Status[dict[str, Any]]:
    _reload_household(request, household_id)
    person = services.person_add(
        actor=api_user(request), household_id=household_id, data=_dump(payload), ip=client_ip(request)
    )
    return Status(201, _person_out(person))


def _record_add(
    request: HttpRequest, household_id: int, kind: str, payload: Schema
) -> Status[dict[str, Any]]:
    _reload_household(request, household_id)
    obj = services.household_record_add(
        actor=api_user(request), household_id=household_id, kind=kind, data=_dump(payload)
    )
    return Status(201, {"id": obj.pk, "kind": kind, "household_id": household_id})


@router.post("/households/{household_id}/incomes", response={201: RecordOut, **ERRORS}, summary="登记收入")
def income_add(request: HttpRequest, household_id: int, payload: IncomeIn) -> Status[dict[str, Any]]:
    return _record_add(request, household_id, "income", payload)


@router.post("/households/{household_id}/assets", response={201: RecordOut, **ERRORS}, summary="登记财产")
def asset_add(request: HttpRequest, household_id: int, payload: AssetIn) -> Status[dict[str, Any]]:
    return _record_add(request, household_id, "asset", payload)


@router.post(
    "/households/{household_id}/expenditures", response={201: RecordOut, **ERRORS}, summary="登记刚性支出"
)
def expenditure_add(
    request: HttpRequest, household_id: int, payload: ExpenditureIn
) -> Status[dict[str, Any]]:
    return _record_add(request, household_id, "expenditure", payload)


@router.delete(
    "/records/{kind}/{record_id}",
    response={204: None, **ERRORS},
    summary="删除收入/财产/支出记录（kind: income、asset、expenditure）",
)
def record_delete(request: HttpRequest, kind: Line, record_id: int) -> HttpResponse:
    if kind not in RECORD_KINDS:
        raise NotFound()
    service_kind, model = RECORD_KINDS[kind]
    household_id = model.objects.filter(pk=record_id).values_list("household_id", flat=True).first()
    if household_id is None:
        raise NotFound()
    _reload_household(request, household_id)
    services.household_record_delete(actor=api_user(request), kind=service_kind, record_id=record_id)
    return HttpResponse(status=204)


# ---- statutory supporters living elsewhere (户外法定义务人) ---------------------------------------


@router.get(
    "/households/{household_id}/supporters",
    response={200: list[SupporterOut], **ERRORS},
    summary="户外法定义务人（身份证号已脱敏）",
)
def supporter_list(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    household = _reload_household(request, household_id)
    return [_supporter_out(s) for s in household.outside_supporters.order_by("id")]


@router.post(
    "/households/{household_id}/supporters",
    response={201: SupporterOut, **ERRORS},
    summary="登记户外法定义务人（共同生活的成员按成员信息认定，无需登记）",
)
def supporter_add(request: HttpRequest, household_id: int, payload: SupporterIn) -> Status[dict[str, Any]]:
    _reload_household(request, household_id)
    supporter = services.outside_supporter_add(
        actor=api_user(request), household_id=household_id, data=_dump(payload)
    )
    return Status(201, _supporter_out(supporter))


@router.delete("/supporters/{supporter_id}", response={204: None, **ERRORS}, summary="删除户外法定义务人")
def supporter_delete(request: HttpRequest, supporter_id: int) -> HttpResponse:
    household_id = (
        OutsideSupporter.objects.filter(pk=supporter_id).values_list("household_id", flat=True).first()
    )
    if household_id is None:
        raise NotFound()
    _reload_household(request, household_id)
    services.outside_supporter_delete(actor=api_user(request), supporter_id=supporter_id)
    return HttpResponse(status=204)


# ---- persons ------------------------------------------------------------------------------------


def _load_person(request: HttpRequest, person_id: int) -> Person:
    return selectors.person_get_for_user(user=api_user(request), person_id=person_id, ip=client_ip(request))


@router.patch(
    "/persons/{person_id}", response={200: PersonOut, **ERRORS}, summary="修改成员信息（需带 version）"
)
def person_update(request: HttpRequest, person_id: int, payload: PersonPatchIn) -> dict[str, Any]:
    _load_person(request, person_id)
    person = services.person_update(
        actor=api_user(request),
        person_id=person_id,
        data=_dump(payload, "version"),
        version=payload.version,
        ip=client_ip(request),
    )
    return _person_out(person)


@router.post("/persons/{person_id}/move", response={200: PersonOut, **ERRORS}, summary="成员迁移到另一个家庭")
def person_move(request: HttpRequest, person_id: int, payload: MoveIn) -> dict[str, Any]:
    _load_person(request, person_id)
    _reload_household(request, payload.to_household_id)
    person = services.person_move(
        actor=api_user(request),
        person_id=person_id,
        to_household_id=payload.to_household_id,
        relation=payload.relation,
        reason=payload.reason,
    )
    return _person_out(person)


@router.post(
    "/persons/{person_id}/reveal",
    response={200: RevealOut, **ERRORS},
    summary="查看完整身份证号码或电话（留痕）",
)
def person_reveal(request: HttpRequest, person_id: int, payload: RevealIn) -> dict[str, Any]:
    _load_person(request, person_id)
    value = services.person_reveal(
        actor=api_user(request), person_id=person_id, field=payload.field, ip=client_ip(request)
    )
    return {"value": value}
