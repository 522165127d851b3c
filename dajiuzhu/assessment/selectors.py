"""Reads about assessment runs, always scoped to the caller's area: the run list, one run, and what
changed since the previous run (by area, and household by household for the Excel export)."""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from django.db.models import QuerySet

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.areas.models import Area
from dajiuzhu.core.errors import NotFound, PermissionDenied
from dajiuzhu.core.frames import read_frame
from dajiuzhu.core.masking import mask_id_number
from dajiuzhu.rules.explain import yuan
from dajiuzhu.rules.programmes import ELIGIBLE, STATUS_LABELS, TAPER

from .building import fen_sql
from .models import AssessmentRun

CHANGE_LABELS = {"gained": "新符合低保", "lost": "不再符合低保", "amount": "低保金额变化"}


def _require_any(user: Any) -> None:
    if not (
        user.is_authenticated and (user.can(Capability.ASSESS_RUN) or user.can(Capability.ASSESS_WHATIF))
    ):
        raise PermissionDenied()


def runs_for_user(user: Any) -> QuerySet[AssessmentRun]:
    _require_any(user)
    return (
        AssessmentRun.objects.filter(user_scope_q(user)).select_related("area", "created_by").order_by("-pk")
    )


def run_get_for_user(*, user: Any, run_id: int) -> AssessmentRun:
    run = runs_for_user(user).filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    return run


def run_changes(run: AssessmentRun) -> pl.DataFrame:
    """Household by household: newly eligible for 低保, no longer eligible, or a different amount,
    compared with the previous completed run of the same area."""
    schema = {"household_id": pl.Int64, "township_code": pl.Utf8, "village_code": pl.Utf8,
              "status": pl.Int64, "amount_fen": pl.Int64}  # fmt: skip
    sql = (
        f"SELECT household_id, township_code, village_code, dibao_status, {fen_sql('dibao_amount')} "
        "FROM assessment_householdresult WHERE run_id = %s"
    )
    now = read_frame(sql, [run.pk], schema)
    before = now.clear() if run.previous_id is None else read_frame(sql, [run.previous_id], schema)
    yes = [ELIGIBLE, TAPER]
    joined = now.join(
        before.select(pl.all().name.suffix("_before")).rename({"household_id_before": "household_id"}),
        on="household_id", how="full", coalesce=True,
    ).with_columns(
        # a household that has left the registry since keeps the area it had
        pl.coalesce("township_code", "township_code_before").alias("township_code"),
        pl.coalesce("village_code", "village_code_before").alias("village_code"),
        pl.col("status").is_in(yes).fill_null(False).alias("now_yes"),
        pl.col("status_before").is_in(yes).fill_null(False).alias("before_yes"),
        pl.col("amount_fen").fill_null(0),
        pl.col("amount_fen_before").fill_null(0).alias("amount_before_fen"),
    )  # fmt: skip
    change = (
        pl.when(pl.col("now_yes") & ~pl.col("before_yes")).then(pl.lit("gained"))
        .when(~pl.col("now_yes") & pl.col("before_yes")).then(pl.lit("lost"))
        .when(pl.col("now_yes") & (pl.col("amount_fen") != pl.col("amount_before_fen"))).then(pl.lit("amount"))
        .otherwise(pl.lit(None))
    )  # fmt: skip
    return (
        joined.with_columns(change.alias("change"))
        .filter(pl.col("change").is_not_null())
        .with_columns((pl.col("amount_fen") - pl.col("amount_before_fen")).alias("diff_fen"))
    )


def changes_by_township(run: AssessmentRun, changes: pl.DataFrame) -> list[dict[str, Any]]:
    if changes.height == 0:
        return []
    grouped = (
        changes.group_by("township_code")
        .agg(
            (pl.col("change") == "gained").sum().alias("gained"),
            (pl.col("change") == "lost").sum().alias("lost"),
            (pl.col("change") == "amount").sum().alias("amount_changed"),
            pl.col("diff_fen").sum().alias("diff_fen"),
        )
        .sort("township_code")
        .to_dicts()
    )
    names = dict(
        Area.objects.filter(code__in=[g["township_code"] for g in grouped]).values_list("code", "name")
    )
    for g in grouped:
        g["name"] = names.get(g["township_code"], g["township_code"])
        g["diff"] = yuan(g["diff_fen"])
    return grouped


def changes_workbook(*, user: Any, run: AssessmentRun) -> bytes:
    """The household-by-household change list as .xlsx (ID numbers masked)."""
    user_require(user, Capability.ASSESS_RUN)
    from openpyxl import Workbook

    from dajiuzhu.registry.models import Household

    changes = run_changes(run)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("低保变化")
    ws.append(
        [f"{run.area.full_name or run.area.name} 全量研判 {run.on.isoformat()}（第{run.pk}次）与上次比较"]
    )
    ws.append(["户编号", "户主", "户主身份证号码", "乡镇（街道）", "村（社区）", "变化", "本次状态", "本次月金额（元）",
               "上次月金额（元）", "差额（元）"])  # fmt: skip
    ids = changes["household_id"].to_list()
    info: dict[int, tuple[str, str, str]] = {}
    for start in range(0, len(ids), 2000):
        for hid, number, name, id_number in Household.objects.filter(
            pk__in=ids[start : start + 2000]
        ).values_list("pk", "number", "head__name", "head__id_number"):
            info[hid] = (number, name or "", mask_id_number(id_number))
    area_names = dict(
        Area.objects.filter(code__in=set(changes["township_code"].to_list()) | set(changes["village_code"].to_list()))
        .values_list("code", "name")
    )  # fmt: skip
    for row in changes.sort("township_code", "village_code", "household_id").iter_rows(named=True):
        number, name, masked = info.get(row["household_id"], ("", "", ""))
        ws.append([
            number, name, masked, area_names.get(row["township_code"], row["township_code"]),
            area_names.get(row["village_code"], row["village_code"]), CHANGE_LABELS[row["change"]],
            STATUS_LABELS.get(row["status"], "（已注销）") if row["status"] is not None else "（已注销）",
            yuan(row["amount_fen"]), yuan(row["amount_before_fen"]), yuan(row["diff_fen"]),
        ])  # fmt: skip
    ws.append(
        [
            "说明：身份证号码已脱敏；自动研判结果仅供参考，须经入户调查和审核确认（最低生活保障审核确认办法第二十八条）"
        ]
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
