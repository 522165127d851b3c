"""Monthly elderly-care entitlements of a county: every elder's inputs read from the registry, the latest
capability assessment, benefits and institutional stays in one query, run through rules.care with Polars,
written in one go (core.frames). One elder's entitlement is explained step by step by the same rules.

An elder is a registry person aged 60 or more on the first of the month (eldercare.elder_age)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.benefits.selectors import beneficiary_household_ids, beneficiary_ids
from dajiuzhu.core import clock, months
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.core.frames import queryset_frame, write_frame
from dajiuzhu.eldercare.models import AbilityAssessment, CareEntitlement, Stay
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.registry import selectors as registry_selectors
from dajiuzhu.registry.models import Person
from dajiuzhu.rules import care
from dajiuzhu.rules.engine import assess_one, assess_polars
from dajiuzhu.rules.expr import Step
from dajiuzhu.rules.parameters import ParameterError
from dajiuzhu.rules.params import build_table, resolve_set

ELDER_AGE = "eldercare.elder_age"
RESIDENCE = "rural"  # the care parameters do not differ between urban and rural
OUTPUTS = ("care_status", "care_hours", "care_gov_share")


def _elder_age(region: str, month: dt.date) -> int:
    try:
        return int(parameter_tree().value(ELDER_AGE, on=month, region=region))
    except ParameterError as exc:
        raise ValidationFailed.single("政策参数", str(exc)) from exc


def _inputs(user: Any, month: dt.date, people: Any) -> Any:
    """The people annotated with rules.care's inputs as of `month`."""
    last = months.last_day(month)
    level = Subquery(
        AbilityAssessment.objects.filter(person_id=OuterRef("pk"), assessed_on__lte=last)
        .order_by("-assessed_on", "-id")
        .values("level")[:1],
        output_field=IntegerField(),
    )
    staying = Stay.objects.filter(person_id=OuterRef("pk"), started_on__lte=last).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=month)
    )
    tekun = beneficiary_ids(user=user, programme="tekun", month=month)
    dibao_households = beneficiary_household_ids(user=user, programme="dibao", month=month)
    dibao_single = beneficiary_ids(user=user, programme="dibao_single", month=month)
    return people.annotate(
        ability_level=Coalesce(level, Value(-1)),
        tekun_current=Q(pk__in=tekun),
        in_dibao=Q(household_id__in=dibao_households) | Q(pk__in=dibao_single),
        in_institution=Exists(staying),
    )


SCHEMA = {
    "id": pl.Int64, "household_id": pl.Int64, "household__area_id": pl.Utf8, "ability_level": pl.Int64,
    "tekun_current": pl.Boolean, "in_dibao": pl.Boolean, "in_institution": pl.Boolean,
}  # fmt: skip


@dataclass
class ComputeResult:
    month: dt.date
    elders: int
    with_hours: int
    hours: int


@transaction.atomic
def compute_month(*, user: Any, month: dt.date, ip: str | None = None) -> ComputeResult:
    """Compute (or recompute) every elder's entitlement of the user's county for a month."""
    user_require(user, Capability.ELDER_ADMIN)
    month = months.first_of(month)
    county = (getattr(user, "area_id", "") or "")[:6]
    if len(county) < 6:
        raise ValidationFailed.single("区划", "请以县级用户计算本县的养老服务待遇")
    age = _elder_age(county, month)
    cutoff = month.replace(year=month.year - age)  # the first of a month: never 29 February
    people = Person.objects.filter(
        user_scope_q(user, prefix="household__area"), birth_date__lte=cutoff, is_deceased=False,
        household__isnull=False,
    )  # fmt: skip
    frame = queryset_frame(_inputs(user, month, people), SCHEMA)
    try:
        table = build_table(parameter_tree(), care.CARE_PARAMS, on=month, combos=[(county, RESIDENCE)])
    except ParameterError as exc:
        raise ValidationFailed.single("政策参数", str(exc)) from exc
    persons = frame.rename({"id": "person_id", "household__area_id": "area_id"}).with_columns(
        pl.lit(0, dtype=pl.Int32).alias("param_key")
    )
    households = (
        persons.select("household_id")
        .unique()
        .sort("household_id")
        .with_columns(pl.lit(0, dtype=pl.Int32).alias("param_key"))
    )
    persons = persons.sort(["household_id", "person_id"])
    _hh, result = assess_polars(care.CARE_RULES, households, persons, table, person_outputs=True)
    rows = (
        result.select(["person_id", *OUTPUTS])
        .join(persons.select(["person_id", "area_id", "ability_level", "in_institution"]), on="person_id")
        .select(
            pl.col("person_id"),
            pl.col("area_id"),
            pl.lit(month).alias("month"),
            pl.col("care_status").alias("status"),
            pl.col("ability_level"),
            pl.col("in_institution"),
            pl.col("care_hours").alias("hours"),
            pl.col("care_gov_share").alias("gov_share"),
            pl.lit(clock.now()).alias("computed_at"),
        )
    )
    CareEntitlement.objects.filter(user_scope_q(user), month=month).delete()
    write_frame(CareEntitlement._meta.db_table, rows)
    hours = int(rows["hours"].sum() or 0)
    with_hours = int((rows["hours"] > 0).sum())
    audit_record(
        actor=user, action=AuditAction.RUN, subject_type="care_entitlements", subject_id=months.period(month),
        subject_label=f"养老服务待遇 {months.label(month)}", area_code=county,
        after={"elders": rows.height, "with_hours": with_hours, "hours": hours}, ip=ip,
    )  # fmt: skip
    return ComputeResult(month, rows.height, with_hours, hours)


@dataclass
class Explained:
    month: dt.date
    inputs: dict[str, Any]
    result: dict[str, Any]
    steps: list[Step]
    stored: CareEntitlement | None


def explain(*, user: Any, person_id: int, month: dt.date, ip: str | None = None) -> Explained:
    """One elder's entitlement for a month, worked out step by step by the same rules as the batch."""
    user_require(user, Capability.ELDER_READ)
    month = months.first_of(month)
    person = registry_selectors.person_get_for_user(user=user, person_id=person_id, ip=ip)
    region = person.household.area_id  # type: ignore[union-attr]
    row = queryset_frame(_inputs(user, month, Person.objects.filter(pk=person.pk)), SCHEMA).to_dicts()[0]
    inputs = {k: row[k] for k in care.PERSON_INPUTS}
    try:
        params = resolve_set(parameter_tree(), care.CARE_PARAMS, on=month, region=region, residence=RESIDENCE)
    except ParameterError as exc:
        raise ValidationFailed.single("政策参数", str(exc)) from exc
    single = assess_one(care.CARE_RULES, {}, [inputs], params)
    stored = CareEntitlement.objects.filter(person=person, month=month).first()
    return Explained(month, inputs, single.persons[0], single.person_steps[0], stored)


def today_month() -> dt.date:
    return months.first_of(clock.today())
