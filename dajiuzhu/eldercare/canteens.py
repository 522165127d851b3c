"""Canteens (助老食堂): the meal recorded at the till — the elder found by ID card or ticked on the
canteen's list —, the subsidy worked out by rules.care (MEAL_RULES) for that elder on that day, one
subsidised meal a day per elder (a unique constraint), and the monthly settlement per canteen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import area_in_user_scope, user_require, user_scope_q
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock, idnumber, months
from dajiuzhu.core.errors import FieldError, NotFound, ValidationFailed
from dajiuzhu.core.money import fen_to_yuan
from dajiuzhu.eldercare import inputs
from dajiuzhu.eldercare.errors import MealInvalid
from dajiuzhu.eldercare.models import Canteen, Meal, MealMethod
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.registry import selectors as registry_selectors
from dajiuzhu.rules import care
from dajiuzhu.rules.engine import assess_one
from dajiuzhu.rules.parameters import ParameterError
from dajiuzhu.rules.params import resolve_set


def canteens_visible(user: Any) -> Any:
    user_require(user, Capability.ELDER_READ)
    return Canteen.objects.filter(user_scope_q(user), is_active=True).select_related("area")


def canteen_get(*, user: Any, canteen_id: int) -> Canteen:
    found = canteens_visible(user).filter(pk=canteen_id).first()
    if found is None:
        raise NotFound("食堂不存在或不在您的管辖范围内")
    return found


@transaction.atomic
def canteen_add(*, user: Any, data: dict[str, Any], ip: str | None = None) -> Canteen:
    user_require(user, Capability.ELDER_ADMIN)
    errors: list[FieldError] = []
    name = inputs.text(data.get("name"), "name", "食堂名称", errors, required=True, limit=100)
    operator = inputs.text(data.get("operator"), "operator", "运营方", errors, limit=100)
    area = area_in_user_scope(user, str(data.get("area_code") or ""))
    if area is None:
        errors.append(FieldError("area_code", "所在区划：请填写您管辖范围内的乡镇或村（社区）代码"))
    elif Canteen.objects.filter(area=area, name=name).exists():
        errors.append(FieldError("name", "食堂名称：该区划已有同名食堂"))
    if errors:
        raise MealInvalid(errors=errors)
    canteen = Canteen.objects.create(name=name, operator=operator, area=area)
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="canteen", subject_id=canteen.pk, subject_label=name,
        area_code=canteen.area_id, ip=ip,
    )  # fmt: skip
    return canteen


def subsidy_of(*, user: Any, person: Any, day: dt.date) -> dict[str, int]:
    """meal_subsidy and meal_self_pay (fen) for this elder on this day, by the rules' single path."""
    from dajiuzhu.benefits.selectors import beneficiary_household_ids, beneficiary_ids

    month = months.first_of(day)
    region = person.household.area_id
    try:
        params = resolve_set(parameter_tree(), care.MEAL_PARAMS, on=day, region=region, residence="rural")
    except ParameterError as exc:
        raise ValidationFailed.single("政策参数", str(exc)) from exc
    tekun = (
        beneficiary_ids(user=user, programme="tekun", month=month).filter(beneficiary_id=person.pk).exists()
    )
    dibao = (
        beneficiary_household_ids(user=user, programme="dibao", month=month)
        .filter(household_id=person.household_id)
        .exists()
        or beneficiary_ids(user=user, programme="dibao_single", month=month)
        .filter(beneficiary_id=person.pk)
        .exists()
    )
    row = {"age": idnumber.age_on(person.birth_date, day), "tekun_current": tekun, "in_dibao": dibao}
    out = assess_one(care.MEAL_RULES, {}, [row], params).persons[0]
    return {"price": params["meal.price"], "subsidy": out["meal_subsidy"], "self_pay": out["meal_self_pay"]}


@transaction.atomic
def meal_record(*, user: Any, canteen_id: int, data: dict[str, Any], ip: str | None = None) -> Meal:
    """Record today's meal of an elder at the canteen: found by ID number (the card reader types it) or
    picked from the list; refused when the elder is under the age, already had a subsidised meal today,
    or lives outside the user's area (the same answer as an unknown number)."""
    user_require(user, Capability.ELDER_ORDER)
    canteen = canteen_get(user=user, canteen_id=canteen_id)
    method = str(data.get("method") or MealMethod.ID_CARD)
    if method not in MealMethod.values:
        raise MealInvalid(errors=[FieldError("method", "核验方式：请选择身份证或名单勾选")])
    if method == MealMethod.ID_CARD:
        _household, person = registry_selectors.household_by_id_number(
            user=user, id_number=str(data.get("id_number") or ""), ip=ip
        )
    else:
        try:
            person = registry_selectors.person_get_for_user(
                user=user, person_id=int(str(data.get("person_id"))), ip=ip
            )
        except ValueError:
            raise MealInvalid(errors=[FieldError("person_id", "用餐老人：请在名单中选择")]) from None
    day = clock.today()
    amounts = subsidy_of(user=user, person=person, day=day)
    if amounts["subsidy"] <= 0:
        raise MealInvalid(
            errors=[FieldError("id_number", f"用餐老人：{person.name}不在助餐补贴范围内（年龄未达到规定）")]
        )
    meal = Meal(
        canteen=canteen, person=person, area_id=person.household.area_id,  # type: ignore[union-attr]  # looked up through its household
        day=day, method=method,
        price=fen_to_yuan(amounts["price"]), subsidy=fen_to_yuan(amounts["subsidy"]),
        self_pay=fen_to_yuan(amounts["self_pay"]), recorded_by=user, recorded_at=clock.now(),
    )  # fmt: skip
    try:
        with transaction.atomic():
            meal.save()
    except IntegrityError:
        raise MealInvalid(
            errors=[FieldError("id_number", f"用餐老人：{person.name}今天已享受过一次助餐补贴")]
        ) from None
    audit_record(
        actor=user, action=AuditAction.CREATE, subject_type="meal", subject_id=meal.pk,
        subject_label=f"{person.name} {canteen.name}", area_code=canteen.area_id, ip=ip,
    )  # fmt: skip
    return meal


@dataclass
class CanteenMonth:
    canteen: Canteen
    month: dt.date
    meals: int
    elders: int
    subsidy: Decimal
    self_pay: Decimal
    by_day: list[tuple[dt.date, int, Decimal]]


def canteen_month(*, user: Any, canteen_id: int, month: dt.date) -> CanteenMonth:
    """The month's settlement of a canteen: meals, elders, subsidy owed (recomputed from the meals)."""
    canteen = canteen_get(user=user, canteen_id=canteen_id)
    month = months.first_of(month)
    meals = Meal.objects.filter(canteen=canteen, day__gte=month, day__lte=months.last_day(month))
    totals = meals.aggregate(
        n=Count("id"), e=Count("person_id", distinct=True), s=Sum("subsidy"), p=Sum("self_pay")
    )
    by_day = [
        (r["day"], r["n"], Decimal(r["s"] or 0).quantize(Decimal("0.01")))
        for r in meals.values("day").annotate(n=Count("id"), s=Sum("subsidy")).order_by("day")
    ]
    return CanteenMonth(
        canteen=canteen, month=month, meals=totals["n"] or 0, elders=totals["e"] or 0,
        subsidy=Decimal(totals["s"] or 0).quantize(Decimal("0.01")),
        self_pay=Decimal(totals["p"] or 0).quantize(Decimal("0.01")), by_day=by_day,
    )  # fmt: skip
