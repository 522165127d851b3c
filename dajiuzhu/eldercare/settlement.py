"""Monthly settlement of home-care providers (居家服务结算): every verified visit of the month (done, or an
exception a supervisor approved) × the hourly price of its kind, for the visit's minutes up to the
minutes ordered. Built in one pass with Polars and written with the one frame writer; each visit can be
on one statement only (a unique constraint), so it is never paid twice. Visits still waiting for a
supervisor block the approval; refused ones are listed with their reasons. The total is recomputed from
the lines, never stored. A statement is approved by another person than the one who prepared it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Count, Sum

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock, months
from dajiuzhu.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from dajiuzhu.core.frames import queryset_frame, write_frame
from dajiuzhu.core.money import parse_yuan, yuan_text_expr, yuan_to_fen
from dajiuzhu.eldercare.errors import StatementInvalid
from dajiuzhu.eldercare.homecare import catalogue, providers_visible
from dajiuzhu.eldercare.models import (
    CareOrder,
    OrderStatus,
    ProviderStatement,
    StatementLine,
    StatementStatus,
)
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.rules.parameters import ParameterError

PRICE = "eldercare.home_care.price.{kind}"
FEN = Decimal("0.01")


def _prices(county: str, month: dt.date) -> dict[str, int]:
    """The hourly price of each kind in fen, in force on the first of the month."""
    out = {}
    for kind in catalogue():
        try:
            out[kind] = yuan_to_fen(
                parse_yuan(parameter_tree().value(PRICE.format(kind=kind), on=month, region=county))
            )
        except ParameterError as exc:
            raise ValidationFailed.single("政策参数", str(exc)) from exc
    return out


def _statement(user: Any, statement_id: int, *, lock: bool = False) -> ProviderStatement:
    county = (getattr(user, "area_id", "") or "")[:6]
    qs = ProviderStatement.objects.filter(pk=statement_id, area_id=county)
    found = (qs.select_for_update(of=("self",)) if lock else qs).select_related("provider").first()
    if found is None:
        raise NotFound("结算单不存在或不在您的管辖范围内")
    return found


SCHEMA = {"id": pl.Int64, "kind": pl.Utf8, "planned_minutes": pl.Int64, "visit__minutes": pl.Int64}


@transaction.atomic
def statement_prepare(
    *, user: Any, provider_id: int, month: dt.date, ip: str | None = None
) -> ProviderStatement:
    """Build (or rebuild, while a draft) a provider's statement for a month from its verified visits."""
    user_require(user, Capability.ELDER_ADMIN)
    month = months.first_of(month)
    if month > months.first_of(clock.today()):
        raise StatementInvalid(errors=[FieldError("month", "结算月份：不能晚于本月")])
    provider = providers_visible(user).filter(pk=provider_id).first()
    if provider is None:
        raise NotFound("服务机构不存在或不在您的管辖范围内")
    statement, created = ProviderStatement.objects.select_for_update(of=("self",)).get_or_create(
        provider=provider, month=month,
        defaults={"area_id": provider.area_id, "prepared_by": user, "prepared_at": clock.now()},
    )  # fmt: skip
    if statement.status != StatementStatus.DRAFT:
        raise StatementInvalid(
            errors=[FieldError("month", f"{months.label(month)}的结算单已审核，不能重新生成")]
        )
    if not created:
        statement.lines.all().delete()
        statement.prepared_by, statement.prepared_at, statement.version = (
            user,
            clock.now(),
            statement.version + 1,
        )
        statement.save(update_fields=["prepared_by", "prepared_at", "version"])
    verified = CareOrder.objects.filter(
        provider=provider, month=month, status=OrderStatus.DONE, visit__check_out_at__isnull=False,
        statement_line__isnull=True,
    )  # fmt: skip
    frame = queryset_frame(verified, SCHEMA)
    prices = _prices(provider.area_id, month)
    price = pl.col("kind").replace_strict(prices, default=None, return_dtype=pl.Int64)
    minutes = pl.min_horizontal(pl.col("visit__minutes"), pl.col("planned_minutes"))
    lines = frame.select(
        pl.lit(statement.pk, dtype=pl.Int64).alias("statement_id"),
        pl.col("id").alias("order_id"),
        pl.col("kind"),
        minutes.alias("minutes"),
        price.alias("price_fen"),
    ).with_columns(
        # fen, half up: minutes × price ÷ 60
        ((pl.col("minutes") * pl.col("price_fen") * 2 + 60) // 120).alias("amount_fen"),
    )
    if lines.filter(pl.col("price_fen").is_null()).height:
        raise StatementInvalid(errors=[FieldError("kind", "服务类别：有工单的服务类别没有价格参数")])
    write_frame(
        StatementLine._meta.db_table,
        lines.select(
            "statement_id", "order_id", "kind", "minutes",
            yuan_text_expr(pl.col("price_fen")).alias("hour_price"),
            yuan_text_expr(pl.col("amount_fen")).alias("amount"),
        ),
    )  # fmt: skip
    audit_record(
        actor=user, action=AuditAction.CREATE if created else AuditAction.UPDATE, subject_type="provider_statement",
        subject_id=statement.pk, subject_label=f"{provider.name} {months.label(month)}", area_code=provider.area_id,
        after={"lines": lines.height, "amount_fen": int(lines["amount_fen"].sum() or 0)}, ip=ip,
    )  # fmt: skip
    return statement


@dataclass
class StatementView:
    statement: ProviderStatement
    lines: int
    minutes: int
    amount: Decimal
    by_kind: list[tuple[str, int, int, Decimal]]  # (kind label, visits, minutes, amount)
    pending: list[CareOrder]  # exceptions no supervisor has decided: they block approval
    refused: list[CareOrder]  # refused visits and no-shows, with their reasons


def statement_view(*, user: Any, statement_id: int) -> StatementView:
    user_require(user, Capability.ELDER_READ)
    statement = _statement(user, statement_id)
    labels = {k.code: k.label for k in catalogue().values()}
    rows = (
        statement.lines.values("kind")
        .annotate(n=Count("id"), m=Sum("minutes"), a=Sum("amount"))
        .order_by("kind")
    )
    by_kind = [
        (labels.get(r["kind"], r["kind"]), r["n"], r["m"] or 0, r["a"] or Decimal("0.00")) for r in rows
    ]
    month_orders = CareOrder.objects.filter(
        provider=statement.provider, month=statement.month
    ).select_related("person", "visit")
    return StatementView(
        statement=statement,
        lines=sum(r[1] for r in by_kind),
        minutes=sum(r[2] for r in by_kind),
        amount=sum((r[3] for r in by_kind), Decimal("0.00")),
        by_kind=by_kind,
        pending=list(month_orders.filter(status=OrderStatus.EXCEPTION)),
        refused=list(
            month_orders.filter(status__in=[OrderStatus.REFUSED, OrderStatus.CANCELLED], visit__isnull=False)
        ),
    )


@transaction.atomic
def statement_approve(
    *, user: Any, statement_id: int, version: Any = None, ip: str | None = None
) -> ProviderStatement:
    user_require(user, Capability.ELDER_ADMIN)
    statement = _statement(user, statement_id, lock=True)
    if version not in (None, "") and str(statement.version) != str(version):
        raise Conflict("结算单已被重新生成，请刷新后再审核")
    if statement.status != StatementStatus.DRAFT:
        raise StatementInvalid(errors=[FieldError("status", "结算单已审核")])
    if statement.prepared_by_id == user.pk:
        raise StatementInvalid(
            errors=[FieldError("approved_by", "审核人：不能审核自己生成的结算单，请由另一位工作人员审核")]
        )
    pending = CareOrder.objects.filter(
        provider=statement.provider, month=statement.month, status=OrderStatus.EXCEPTION
    ).count()
    if pending:
        raise StatementInvalid(
            errors=[FieldError("status", f"还有{pending}张异常工单未审核，审核后请重新生成结算单")]
        )
    statement.status, statement.approved_by, statement.approved_at = (
        StatementStatus.APPROVED,
        user,
        clock.now(),
    )
    statement.version += 1
    statement.save(update_fields=["status", "approved_by", "approved_at", "version"])
    total = Decimal(statement.lines.aggregate(a=Sum("amount"))["a"] or 0).quantize(FEN, ROUND_HALF_UP)
    audit_record(
        actor=user, action=AuditAction.TRANSITION, subject_type="provider_statement", subject_id=statement.pk,
        subject_label=f"审核 {statement.provider.name} {months.label(statement.month)}",
        area_code=statement.area_id, after={"amount": str(total)}, ip=ip,
    )  # fmt: skip
    return statement


def statements_visible(user: Any) -> Any:
    user_require(user, Capability.ELDER_READ)
    county = (getattr(user, "area_id", "") or "")[:6]
    return ProviderStatement.objects.filter(area_id=county).select_related("provider")
