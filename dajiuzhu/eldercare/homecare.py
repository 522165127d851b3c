"""Home care (居家上门服务, 六助): providers and carers, orders placed at the 12349 desk (or by a grid worker,
for a family, from a plan), assignment, the carer's check-in and check-out, exceptions decided by a
supervisor, and the follow-up call (回访) with the elder or family.

Visit verification follows the six elements of electronic visit verification (service, elder, date,
place, carer, start and end) and what its users complain about: the location is taken once at each end,
never in between; a missing location or a phone that fails does not block the visit (it becomes an
exception with the carer's reason, decided by a person), so nobody goes unpaid because of an app.
An order's minutes come out of the elder's free hours of the month; the elder's row is locked while an
order is placed, so two operators cannot together book more than is left."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock, months
from dajiuzhu.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from dajiuzhu.core.inputs import clean_phone, clean_text
from dajiuzhu.eldercare import inputs
from dajiuzhu.eldercare.errors import OrderInvalid, VisitInvalid
from dajiuzhu.eldercare.inputs import person_from
from dajiuzhu.eldercare.models import (
    HOURS_COUNTED,
    CareEntitlement,
    CareOrder,
    Carer,
    Decision,
    HomeLocation,
    OrderSource,
    OrderStatus,
    Provider,
    Visit,
    VisitException,
)
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.registry import selectors as registry_selectors
from dajiuzhu.registry.models import Person
from dajiuzhu.rules.parameters import ParameterError

ITEMS_FILE = Path(settings.BASE_DIR) / "policy" / "eldercare" / "home-care-items.yaml"
GEOFENCE = "eldercare.visit.geofence_m"
MIN_SHARE = "eldercare.visit.min_duration_share"
MINUTES_MAX = "eldercare.visit.minutes_max"
MINUTES_MIN = 15
DAYS_AHEAD = 60


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    items: dict[str, str]


@cache
def catalogue() -> dict[str, Kind]:
    data = yaml.safe_load(ITEMS_FILE.read_text(encoding="utf-8"))
    return {
        k["code"]: Kind(k["code"], k["label"], {i["code"]: i["label"] for i in k["items"]})
        for k in data["kinds"]
    }


def item_label(code: str) -> str:
    for kind in catalogue().values():
        if code in kind.items:
            return kind.items[code]
    return code


def _param(name: str, on: dt.date, region: str, tree: Any = None) -> Any:
    try:
        return (tree or parameter_tree()).value(name, on=on, region=region)
    except ParameterError as exc:
        raise ValidationFailed.single("政策参数", str(exc)) from exc


def distance_m(lat1: Decimal, lng1: Decimal, lat2: Decimal, lng2: Decimal) -> float:
    """Great-circle distance in metres (haversine; ample for a 200 m fence)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def _coordinate(raw: Any, low: int, high: int) -> Decimal | None:
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or not low <= value <= high:
        return None
    return value.quantize(Decimal("0.000001"))


def _text(
    raw: Any, key: str, label: str, *, required: bool = False, limit: int, error: type = VisitInvalid
) -> str:
    """clean_text with this app's error code and the field's key."""
    try:
        return clean_text(None if raw is None else str(raw), label, required=required, limit=limit)
    except ValidationFailed as exc:
        raise error(errors=[FieldError(key, f"{e.field}：{e.message}") for e in exc.errors]) from None


def _location(data: dict[str, Any], prefix: str = "") -> tuple[Decimal | None, Decimal | None]:
    lat = _coordinate(data.get(f"{prefix}lat"), -90, 90)
    lng = _coordinate(data.get(f"{prefix}lng"), -180, 180)
    return (lat, lng) if lat is not None and lng is not None else (None, None)


# ---- providers and carers ----------------------------------------------------------------------------------


def _county(user: Any) -> str:
    county = (getattr(user, "area_id", "") or "")[:6]
    if len(county) < 6:
        raise ValidationFailed.single("区划", "服务机构由县级民政部门登记")
    return county


@transaction.atomic
def provider_save(*, user: Any, data: dict[str, Any], ip: str | None = None) -> Provider:
    user_require(user, Capability.ELDER_ADMIN)
    county = _county(user)
    errors: list[FieldError] = []

    def text(key: str, label: str, *, required: bool = False, limit: int = 100) -> str:
        return inputs.text(data.get(key), key, label, errors, required=required, limit=limit)

    name = text("name", "服务机构", required=True)
    contract = text("contract_number", "合同编号", required=True, limit=60)
    days = {}
    for key, label in (("contract_from", "合同起始日期"), ("contract_to", "合同截止日期")):
        raw = str(data.get(key) or "").strip()
        try:
            days[key] = dt.date.fromisoformat(raw)
        except ValueError:
            errors.append(FieldError(key, f"{label}：“{raw}”不是有效日期（应为 YYYY-MM-DD）"))
    if len(days) == 2 and days["contract_to"] < days["contract_from"]:
        errors.append(FieldError("contract_to", "合同截止日期：不能早于起始日期"))
    areas = [
        a
        for a in str(data.get("service_areas") or "").replace("，", ",").replace("、", ",").split(",")
        if a.strip()
    ]
    areas = [a.strip() for a in areas]
    for code in areas:
        if not (code.isdigit() and code.startswith(county) and len(code) in (9, 12)):
            errors.append(FieldError("service_areas", f"服务区域：“{code}”不是本县的乡镇或村（社区）代码"))
    try:
        phone = clean_phone(None if data.get("phone") is None else str(data.get("phone")), "联系电话")
    except ValidationFailed as exc:
        errors.extend(FieldError("phone", f"{e.field}：{e.message}") for e in exc.errors)
        phone = ""
    if Provider.objects.filter(area_id=county, name=name).exists():
        errors.append(FieldError("name", "服务机构：本县已登记同名机构"))
    if errors:
        raise OrderInvalid(errors=errors)
    provider = Provider.objects.create(
        name=name, area_id=county, contract_number=contract, contract_from=days["contract_from"],
        contract_to=days["contract_to"], service_areas=areas, phone=phone,
    )  # fmt: skip
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="care_provider", subject_id=provider.pk,
        subject_label=name, area_code=county, ip=ip,
    )  # fmt: skip
    return provider


def providers_visible(user: Any) -> Any:
    user_require(user, Capability.ELDER_READ)
    county = (getattr(user, "area_id", "") or "")[:6]
    return (
        Provider.objects.filter(area_id=county, is_active=True)
        if len(county) >= 6
        else Provider.objects.none()
    )


def _provider(user: Any, provider_id: Any) -> Provider:
    try:
        pk = int(str(provider_id))
    except ValueError:
        raise OrderInvalid(errors=[FieldError("provider", "服务机构：请选择")]) from None
    provider = providers_visible(user).filter(pk=pk).first()
    if provider is None:
        raise NotFound("服务机构不存在或不在您的管辖范围内")
    return provider


@transaction.atomic
def carer_add(*, user: Any, provider_id: int, data: dict[str, Any], ip: str | None = None) -> Carer:
    user_require(user, Capability.ELDER_ADMIN)
    provider = _provider(user, provider_id)
    errors: list[FieldError] = []
    name = inputs.text(data.get("name"), "name", "姓名", errors, required=True, limit=50)
    try:
        phone = clean_phone(None if data.get("phone") is None else str(data.get("phone")), "手机号")
    except ValidationFailed as exc:
        errors.extend(FieldError("phone", f"{e.field}：{e.message}") for e in exc.errors)
        phone = ""
    if not phone and not errors:
        errors.append(FieldError("phone", "手机号：请填写"))
    certificate = str(data.get("certificate") or "").strip()[:60]
    if errors:
        raise OrderInvalid(errors=errors)
    carer = Carer.objects.create(provider=provider, name=name, phone=phone, certificate=certificate)
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="carer", subject_id=carer.pk,
        subject_label=f"{provider.name} {name}", area_code=provider.area_id, ip=ip,
    )  # fmt: skip
    return carer


# ---- hours --------------------------------------------------------------------------------------------------


@dataclass
class Hours:
    month: dt.date
    entitled_minutes: int
    booked_minutes: int

    @property
    def left_minutes(self) -> int:
        return max(self.entitled_minutes - self.booked_minutes, 0)


def hours_of(person: Person, month: dt.date, *, user: Any) -> Hours:
    """The elder's free minutes of a month: the county's computed entitlement (or, before the county has
    computed the month, the same rules on this elder alone), less what orders of the month already book."""
    month = months.first_of(month)
    stored = CareEntitlement.objects.filter(person=person, month=month).first()
    if stored is not None:
        entitled = stored.hours * 60
    else:
        from dajiuzhu.eldercare.entitlements import explain

        entitled = int(explain(user=user, person_id=person.pk, month=month).result["care_hours"]) * 60
    booked = (
        CareOrder.objects.filter(person=person, month=month, status__in=HOURS_COUNTED).aggregate(
            n=Sum("planned_minutes")
        )["n"]
        or 0
    )
    return Hours(month, entitled, int(booked))


# ---- orders -------------------------------------------------------------------------------------------------


@transaction.atomic
def order_place(*, user: Any, data: dict[str, Any], ip: str | None = None) -> CareOrder:
    """An order for an elder of the user's area, within the elder's free hours left for the month."""
    user_require(user, Capability.ELDER_ORDER)
    person = person_from(user, data, "服务对象", OrderInvalid, ip)
    Person.objects.select_for_update(of=("self",)).filter(
        pk=person.pk
    ).first()  # one booking at a time per elder
    area = person.household.area_id  # type: ignore[union-attr]
    today = clock.today()
    errors: list[FieldError] = []
    kind_code = str(data.get("kind") or "").strip()
    kind = catalogue().get(kind_code)
    if kind is None:
        errors.append(
            FieldError("kind", f"服务类别：请选择{'、'.join(k.label for k in catalogue().values())}之一")
        )
    raw_items = data.get("items") or []
    items = [
        str(i).strip()
        for i in (raw_items if isinstance(raw_items, list | tuple) else [raw_items])
        if str(i).strip()
    ]
    if kind is not None:
        bad = [i for i in items if i not in kind.items]
        if bad:
            errors.append(FieldError("items", f"服务项目：{'、'.join(bad)}不属于{kind.label}"))
        if not items:
            errors.append(FieldError("items", "服务项目：请至少选择一项"))
    raw_day = str(data.get("planned_on") or "").strip()
    planned_on = None
    try:
        planned_on = dt.date.fromisoformat(raw_day)
    except ValueError:
        errors.append(FieldError("planned_on", f"服务日期：“{raw_day}”不是有效日期（应为 YYYY-MM-DD）"))
    if planned_on is not None and not today <= planned_on <= today + dt.timedelta(days=DAYS_AHEAD):
        errors.append(FieldError("planned_on", f"服务日期：应在今天至{DAYS_AHEAD}天内"))
        planned_on = None
    on = planned_on or today
    longest = int(_param(MINUTES_MAX, on, area))
    raw_minutes = str(data.get("planned_minutes") or "").strip()
    minutes = 0
    if not raw_minutes.isdigit() or not MINUTES_MIN <= int(raw_minutes) <= longest:
        errors.append(FieldError("planned_minutes", f"计划时长：应为{MINUTES_MIN}—{longest}分钟的整数"))
    else:
        minutes = int(raw_minutes)
    source = str(data.get("source") or OrderSource.HOTLINE).strip()
    if source not in OrderSource.values:
        errors.append(FieldError("source", "来源：请选择12349热线、网格员、老人或家属、服务计划之一"))
    try:
        caller = clean_phone(
            None if data.get("caller_phone") is None else str(data.get("caller_phone")), "来电号码"
        )
        note = clean_text(None if data.get("note") is None else str(data.get("note")), "需求说明", limit=300)
    except ValidationFailed as exc:
        errors.extend(FieldError("note", f"{e.field}：{e.message}") for e in exc.errors)
        caller, note = "", ""
    provider = None
    try:
        provider = _provider(user, data.get("provider"))
    except OrderInvalid as exc:
        errors.extend(exc.errors)
    except NotFound:
        errors.append(FieldError("provider", "服务机构：不存在或不在本县"))
    if provider is not None:
        if provider.service_areas and not any(area.startswith(code) for code in provider.service_areas):
            errors.append(
                FieldError("provider", f"服务机构：{provider.name}的服务区域不含该老人所在村（社区）")
            )
        if not provider.contract_from <= on <= provider.contract_to:
            errors.append(
                FieldError("provider", f"服务机构：{provider.name}的合同在{on.isoformat()}不在有效期内")
            )
    if person.is_deceased:
        errors.append(FieldError("id_number", "服务对象：该人员已故"))
    if errors:
        raise OrderInvalid(errors=errors)
    assert planned_on is not None and provider is not None and kind is not None
    hours = hours_of(person, planned_on, user=user)
    if minutes > hours.left_minutes:
        raise OrderInvalid(
            errors=[
                FieldError(
                    "planned_minutes",
                    f"计划时长：{months.label(hours.month)}免费服务时长剩余{hours.left_minutes}分钟"
                    f"（应享{hours.entitled_minutes // 60}小时，已预约{hours.booked_minutes}分钟），不足{minutes}分钟",
                )
            ]
        )
    order = CareOrder.objects.create(
        person=person, area_id=area, provider=provider, items=items, kind=kind.code, planned_on=planned_on,
        planned_minutes=minutes, month=months.first_of(planned_on), source=source, caller_phone=caller, note=note,
        created_by=user, created_at=clock.now(),
    )  # fmt: skip
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="care_order", subject_id=order.pk,
        subject_label=f"{person.name} {planned_on.isoformat()} {kind.label}", area_code=area,
        after={"minutes": minutes, "items": items, "provider": provider.name}, ip=ip,
    )  # fmt: skip
    return order


def orders_visible(user: Any) -> Any:
    user_require(user, Capability.ELDER_READ)
    return CareOrder.objects.filter(user_scope_q(user)).select_related("person", "provider", "carer")


def _order(user: Any, order_id: int, *, lock: bool = True) -> CareOrder:
    qs = CareOrder.objects.filter(user_scope_q(user), pk=order_id)
    found = (
        (qs.select_for_update(of=("self",)) if lock else qs)
        .select_related("person", "provider", "carer")
        .first()
    )
    if found is None:
        raise NotFound("服务工单不存在或不在您的管辖范围内")
    return found


def _changed(order: CareOrder, version: Any) -> None:
    if version not in (None, "") and str(order.version) != str(version):
        raise Conflict("该工单已被他人处理，请刷新后重试")


@transaction.atomic
def order_assign(
    *, user: Any, order_id: int, carer_id: Any, version: Any = None, ip: str | None = None
) -> CareOrder:
    user_require(user, Capability.ELDER_ADMIN)
    order = _order(user, order_id)
    _changed(order, version)
    if order.status not in (OrderStatus.PLACED, OrderStatus.ASSIGNED):
        raise OrderInvalid(
            errors=[FieldError("carer", f"护理员：工单{order.get_status_display()}，不能派单")]
        )
    try:
        carer = Carer.objects.get(pk=int(str(carer_id)), provider=order.provider, is_active=True)
    except (ValueError, Carer.DoesNotExist):
        raise OrderInvalid(
            errors=[FieldError("carer", f"护理员：请选择{order.provider.name}的护理员")]
        ) from None
    order.carer, order.status, order.version = carer, OrderStatus.ASSIGNED, order.version + 1
    order.save(update_fields=["carer", "status", "version"])
    audit_record(
        actor=user, action=AuditAction.TRANSITION, subject_type="care_order", subject_id=order.pk,
        subject_label=f"派单 {carer.name}", area_code=order.area_id, ip=ip,
    )  # fmt: skip
    return order


@transaction.atomic
def order_cancel(*, user: Any, order_id: int, reason: str, ip: str | None = None) -> CareOrder:
    user_require(user, Capability.ELDER_ORDER)
    order = _order(user, order_id)
    if order.status not in (OrderStatus.PLACED, OrderStatus.ASSIGNED):
        raise OrderInvalid(errors=[FieldError("reason", f"工单{order.get_status_display()}，不能取消")])
    text = _text(reason, "reason", "取消原因", required=True, limit=200, error=OrderInvalid)
    order.status, order.note = (
        OrderStatus.CANCELLED,
        "；".join(x for x in (order.note, f"取消：{text}") if x)[:300],
    )
    order.version += 1
    order.save(update_fields=["status", "note", "version"])
    audit_record(
        actor=user, action=AuditAction.TRANSITION, subject_type="care_order", subject_id=order.pk,
        subject_label="取消", area_code=order.area_id, note=text, ip=ip,
    )  # fmt: skip
    return order


# ---- the carer's visit ---------------------------------------------------------------------------------------


def _carer_of(user: Any) -> Carer:
    user_require(user, Capability.CARE_VISIT)
    carer = Carer.objects.filter(user=user, is_active=True).select_related("provider").first()
    if carer is None:
        raise NotFound("您的账号未关联护理员")
    return carer


def carer_orders(*, user: Any, day: dt.date | None = None) -> list[CareOrder]:
    """The carer's visits of the day and any earlier one still open (not checked out)."""
    carer = _carer_of(user)
    day = day or clock.today()
    return list(
        CareOrder.objects.filter(carer=carer)
        .filter(
            Q(planned_on=day)
            | Q(planned_on__lt=day, status__in=[OrderStatus.ASSIGNED, OrderStatus.IN_SERVICE])
        )
        .select_related("person__household", "visit")
        .order_by("planned_on", "id")
    )


def _own_order(user: Any, order_id: int) -> tuple[Carer, CareOrder]:
    carer = _carer_of(user)
    order = (
        CareOrder.objects.select_for_update(of=("self",))
        .filter(pk=order_id, carer=carer)
        .select_related("person")
        .first()
    )
    if order is None:
        raise NotFound("服务工单不存在或未派给您")
    return carer, order


@transaction.atomic
def check_in(*, user: Any, order_id: int, data: dict[str, Any], ip: str | None = None) -> Visit:
    carer, order = _own_order(user, order_id)
    today = clock.today()
    if order.status != OrderStatus.ASSIGNED or Visit.objects.filter(order=order).exists():
        raise VisitInvalid(
            errors=[FieldError("check_in", f"签到：工单{order.get_status_display()}，不能签到")]
        )
    if order.planned_on > today:
        raise VisitInvalid(
            errors=[FieldError("check_in", f"签到：工单的服务日期是{order.planned_on.isoformat()}，还未到")]
        )
    lat, lng = _location(data)
    visit = Visit.objects.create(
        order=order, carer=carer, check_in_at=clock.now(), check_in_lat=lat, check_in_lng=lng
    )
    order.status, order.version = OrderStatus.IN_SERVICE, order.version + 1
    order.save(update_fields=["status", "version"])
    audit_record(
        actor=user, action=AuditAction.TRANSITION, subject_type="care_order", subject_id=order.pk,
        subject_label="签到", area_code=order.area_id, ip=ip,
    )  # fmt: skip
    return visit


def _exceptions(order: CareOrder, visit: Visit) -> list[str]:
    area = order.area_id
    found: list[str] = []
    if None in (visit.check_in_lat, visit.check_out_lat):
        found.append(VisitException.NO_LOCATION)
    home = HomeLocation.objects.filter(person=order.person).first()
    tree = parameter_tree()
    if home is not None:
        fence = float(_param(GEOFENCE, order.planned_on, area, tree))
        for lat, lng in (
            (visit.check_in_lat, visit.check_in_lng),
            (visit.check_out_lat, visit.check_out_lng),
        ):
            if lat is not None and lng is not None and distance_m(lat, lng, home.lat, home.lng) > fence:
                found.append(VisitException.WRONG_PLACE)
                break
    share = Decimal(str(_param(MIN_SHARE, order.planned_on, area, tree)))
    if visit.minutes is not None and Decimal(visit.minutes) < share * order.planned_minutes:
        found.append(VisitException.TOO_SHORT)
    return found


@transaction.atomic
def check_out(*, user: Any, order_id: int, data: dict[str, Any], ip: str | None = None) -> Visit:
    """End the visit: items done, the location once more; anything unusual needs the carer's reason and
    goes to a supervisor instead of being refused."""
    _carer, order = _own_order(user, order_id)
    visit = Visit.objects.select_for_update(of=("self",)).filter(order=order).first()
    if visit is None or visit.check_in_at is None:
        raise VisitInvalid(errors=[FieldError("check_out", "签退：请先签到")])
    if visit.check_out_at is not None:
        raise VisitInvalid(errors=[FieldError("check_out", "签退：本次服务已签退")])
    raw = data.get("items_done") or []
    done = [str(i) for i in (raw if isinstance(raw, list | tuple) else [raw]) if str(i).strip()]
    bad = [i for i in done if i not in order.items]
    errors = []
    if bad:
        errors.append(FieldError("items_done", f"完成项目：{'、'.join(bad)}不在本工单中"))
    if not done:
        errors.append(FieldError("items_done", "完成项目：请勾选已完成的服务项目"))
    reason = str(data.get("exception_reason") or "").strip()[:300]
    if errors:
        raise VisitInvalid(errors=errors)
    now = clock.now()
    visit.check_out_at = now
    visit.check_out_lat, visit.check_out_lng = _location(data)
    visit.minutes = max(int((now - visit.check_in_at).total_seconds() // 60), 0)
    visit.items_done = done
    found = _exceptions(order, visit)
    if found and not reason:
        labels = "、".join(str(VisitException(f).label) for f in found)
        raise VisitInvalid(
            errors=[FieldError("exception_reason", f"异常说明：本次服务{labels}，请说明原因后再签退")]
        )
    visit.exceptions, visit.exception_reason = found, reason if found else ""
    visit.save()
    order.status = OrderStatus.EXCEPTION if found else OrderStatus.DONE
    order.version += 1
    order.save(update_fields=["status", "version"])
    audit_record(
        actor=user, action=AuditAction.TRANSITION, subject_type="care_order", subject_id=order.pk,
        subject_label="签退", area_code=order.area_id, after={"minutes": visit.minutes, "exceptions": found}, ip=ip,
    )  # fmt: skip
    return visit


@transaction.atomic
def report_no_show(*, user: Any, order_id: int, reason: str, ip: str | None = None) -> Visit:
    """The carer could not serve (nobody home, the elder in hospital …): an exception with a reason."""
    carer, order = _own_order(user, order_id)
    if order.status != OrderStatus.ASSIGNED:
        raise VisitInvalid(errors=[FieldError("reason", f"工单{order.get_status_display()}，不能报告未上门")])
    text = _text(reason, "reason", "未上门原因", required=True, limit=300)
    visit = Visit.objects.create(
        order=order, carer=carer, check_in_at=None, exceptions=[VisitException.NO_SHOW], exception_reason=text
    )
    order.status, order.version = OrderStatus.EXCEPTION, order.version + 1
    order.save(update_fields=["status", "version"])
    audit_record(
        actor=user, action=AuditAction.TRANSITION, subject_type="care_order", subject_id=order.pk,
        subject_label="未上门", area_code=order.area_id, note=text, ip=ip,
    )  # fmt: skip
    return visit


# ---- supervisor and follow-up --------------------------------------------------------------------------------


@transaction.atomic
def decide(*, user: Any, order_id: int, decision: str, note: str, ip: str | None = None) -> CareOrder:
    """A supervisor decides an exception: approved visits count (and are settled), refused ones do not and
    give the elder's minutes back."""
    user_require(user, Capability.ELDER_ADMIN)
    order = _order(user, order_id)
    visit = Visit.objects.select_for_update(of=("self",)).filter(order=order).first()
    if order.status != OrderStatus.EXCEPTION or visit is None:
        raise VisitInvalid(errors=[FieldError("decision", f"工单{order.get_status_display()}，无需审核")])
    if decision not in Decision.values:
        raise VisitInvalid(errors=[FieldError("decision", "审核结果：请选择通过或不通过")])
    text = _text(note, "note", "审核意见", required=decision == Decision.REFUSED, limit=300)
    no_show = VisitException.NO_SHOW in visit.exceptions
    visit.decision, visit.decision_note, visit.decided_by, visit.decided_at = (
        decision,
        text,
        user,
        clock.now(),
    )
    visit.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
    # An approved no-show pays nothing either: it is closed as cancelled, the minutes go back.
    if decision == Decision.APPROVED and not no_show:
        order.status = OrderStatus.DONE
    else:
        order.status = OrderStatus.REFUSED if decision == Decision.REFUSED else OrderStatus.CANCELLED
    order.version += 1
    order.save(update_fields=["status", "version"])
    if (
        decision == Decision.APPROVED
        and not no_show
        and visit.check_in_lat is not None
        and visit.check_in_lng is not None
    ):
        HomeLocation.objects.get_or_create(
            person=order.person,
            defaults={
                "lat": visit.check_in_lat,
                "lng": visit.check_in_lng,
                "set_by": user,
                "set_at": clock.now(),
            },
        )
    audit_record(
        actor=user, action=AuditAction.TRANSITION, subject_type="care_order", subject_id=order.pk,
        subject_label=f"异常审核：{Decision(decision).label}", area_code=order.area_id, note=text, ip=ip,
    )  # fmt: skip
    return order


@transaction.atomic
def follow_up(*, user: Any, order_id: int, data: dict[str, Any], ip: str | None = None) -> Visit:
    """回访: the elder or family confirms the visit (or not), may complain and rate it 1–5."""
    user_require(user, Capability.ELDER_ORDER)
    order = _order(user, order_id)
    visit = Visit.objects.select_for_update(of=("self",)).filter(order=order).first()
    if visit is None or visit.check_out_at is None:
        raise VisitInvalid(errors=[FieldError("confirmed", "回访：服务尚未完成")])
    confirmed = str(data.get("confirmed") or "").strip()
    if confirmed not in ("yes", "no"):
        raise VisitInvalid(errors=[FieldError("confirmed", "回访：请选择老人或家属是否确认已服务")])
    rating_raw = str(data.get("rating") or "").strip()
    rating = None
    if rating_raw:
        if not rating_raw.isdigit() or not 1 <= int(rating_raw) <= 5:
            raise VisitInvalid(errors=[FieldError("rating", "评价：应为1—5分")])
        rating = int(rating_raw)
    complaint = _text(data.get("complaint"), "complaint", "投诉或意见", limit=300)
    if confirmed == "no" and not complaint:
        raise VisitInvalid(
            errors=[FieldError("complaint", "投诉或意见：老人或家属未确认服务时，请记录其说法")]
        )
    visit.confirmed, visit.complaint, visit.rating = confirmed == "yes", complaint, rating
    visit.save(update_fields=["confirmed", "complaint", "rating"])
    audit_record(
        actor=user, action=AuditAction.UPDATE, subject_type="care_order", subject_id=order.pk,
        subject_label="回访", area_code=order.area_id, after={"confirmed": visit.confirmed, "rating": rating}, ip=ip,
    )  # fmt: skip
    return visit


@transaction.atomic
def home_location_set(
    *, user: Any, person_id: int, data: dict[str, Any], ip: str | None = None
) -> HomeLocation:
    user_require(user, Capability.ELDER_ADMIN)
    person = registry_selectors.person_get_for_user(user=user, person_id=person_id, ip=ip)
    lat, lng = _location(data)
    if lat is None or lng is None:
        raise VisitInvalid(
            errors=[FieldError("lat", "住址位置：请填写有效的纬度（-90—90）和经度（-180—180）")]
        )
    home, _created = HomeLocation.objects.update_or_create(
        person=person, defaults={"lat": lat, "lng": lng, "set_by": user, "set_at": clock.now()}
    )
    audit_record(
        actor=user, action=AuditAction.UPDATE, subject_type="home_location", subject_id=person.pk,
        subject_label=person.name, area_code=person.household.area_id if person.household else "", ip=ip,
    )  # fmt: skip
    return home
