"""Assessment: the instant check of one household, batch runs over an area, and what-if simulations.

Every path builds its inputs with assessment.building and runs the rules of dajiuzhu.rules, so the
instant check, the batch and the what-if cannot disagree. Runs are background tasks (django-tasks)
scheduled on commit; a run stores the parameter values it used.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
from django.db import connection, transaction

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import area_in_user_scope, user_require
from dajiuzhu.areas.models import Area, AreaLevel
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock
from dajiuzhu.core.errors import FieldError, ValidationFailed
from dajiuzhu.core.money import yuan_text_expr
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.registry.models import Household
from dajiuzhu.registry.selectors import household_by_id_number, household_get_for_user
from dajiuzhu.rules.case import local_exclusions
from dajiuzhu.rules.engine import SingleResult, assess_one, assess_polars
from dajiuzhu.rules.explain import ProgrammeResult, explain
from dajiuzhu.rules.parameters import ParameterError, ParameterTree
from dajiuzhu.rules.params import ParamTable, is_relative, relative_percent, resolve_set
from dajiuzhu.rules.programmes import ELIGIBLE, PARAMS, RULES, TAPER
from dajiuzhu.rules.supporters import RELATIONS, assess_supporters_one, with_outside_supporters_polars

from .building import Frames, attach_param_keys, load_frames
from .models import AssessmentRun, HouseholdResult, RunKind, RunStatus

log = logging.getLogger(__name__)
LOOKBACK_PARAMETER = "income.lookback_months"
RESULT_COLUMNS = [
    "household_id", "township_code", "village_code", "members", "dibao_status", "dibao_amount", "edge_status",
    "rigid_status", "n_tekun", "tekun_total", "monthly_total",
]  # fmt: skip
MONEY_COLUMNS = {"dibao_amount", "tekun_total", "monthly_total"}
WRITE_CHUNK = 50_000


def _lookback(tree: ParameterTree, on: dt.date, region: str) -> int:
    try:
        return int(tree.value(LOOKBACK_PARAMETER, on=on, region=region))
    except ParameterError:
        return 12


def _local_excluded(tree: ParameterTree, on: dt.date) -> Callable[[str], frozenset[str]]:
    """County code → the local excluded-income items in force on `on` (income.excluded_local)."""

    def listed(region: str) -> frozenset[str]:
        return local_exclusions(tree, on=on, region=region)

    return listed


def _param_labels(tree: ParameterTree) -> dict[str, str]:
    from dajiuzhu.rules.case import param_labels

    return param_labels(tree)


# ---- parameters ----------------------------------------------------------------------------------


@dataclass
class ParameterSets:
    table: ParamTable
    keys: dict[tuple[str, str], int]
    snapshot: dict[str, Any]
    failed: dict[tuple[str, str], str] = field(default_factory=dict)


def parameter_sets(
    tree: ParameterTree,
    *,
    on: dt.date,
    combos: list[tuple[str, str]],
    overrides: dict[str, Any] | None = None,
) -> ParameterSets:
    """One parameter set per (county, urban/rural), with the version of every value used. A set that
    cannot be resolved (no standard in force for that county on that date) is reported, not fatal."""
    keys: dict[tuple[str, str], int] = {}
    values: list[dict[str, int]] = []
    snapshot: dict[str, Any] = {}
    failed: dict[tuple[str, str], str] = {}
    for region, residence in combos:
        try:
            resolved = resolve_set(
                tree, PARAMS, on=on, region=region, residence=residence, overrides=overrides
            )
        except ParameterError as exc:
            failed[(region, residence)] = str(exc)
            continue
        keys[(region, residence)] = len(values)
        values.append(resolved)
        used = {}
        for spec in PARAMS:
            source = spec.source.format(residence=residence)
            if overrides and (spec.name in overrides or source in overrides):
                used[source] = {
                    "value": str(overrides.get(spec.name, overrides.get(source))),
                    "what_if": True,
                }
                continue
            pv = tree.get(source, on=on, region=region)
            used[source] = {"value": str(pv.value), "from": pv.start.isoformat(), "jurisdiction": pv.jurisdiction,
                            "reference": pv.reference, "unverified": pv.unverified}  # fmt: skip
        snapshot[f"{region}/{residence}"] = used
    return ParameterSets(ParamTable(keys=list(keys), values=values), keys, snapshot, failed)


# ---- the instant check ---------------------------------------------------------------------------


@dataclass
class CheckOutcome:
    household: Household
    on: dt.date
    result: SingleResult
    programmes: list[ProgrammeResult]
    names: list[str]
    parameters: dict[str, Any]
    lookback_months: int

    @property
    def monthly_total_fen(self) -> int:
        return int(self.result.household["monthly_total"])

    def eligible(self) -> list[ProgrammeResult]:
        return [p for p in self.programmes if p.status != 0]


def check_household(
    *, user: Any, household_id: int | None = None, id_number: str = "", on: dt.date | None = None,
    ip: str | None = None,
) -> CheckOutcome:  # fmt: skip
    """即时核对: every programme's result for one household, with the explanation. Scoped to the user's
    area (out of scope → NotFound, audited) and recorded in the audit trail."""
    user_require(user, Capability.ASSESS_CHECK)
    on = on or clock.today()
    if id_number or household_id is None:
        household, _person = household_by_id_number(user=user, id_number=id_number, ip=ip)
    else:
        household = household_get_for_user(user=user, household_id=household_id, ip=ip)
    tree = parameter_tree()
    region = household.area.county_code
    lookback = _lookback(tree, on, region)
    frames = load_frames(on=on, lookback_months=lookback, household_ids=[household.pk],
                         local_excluded=_local_excluded(tree, on))  # fmt: skip
    if frames.problems.height:
        raise ValidationFailed.single("家庭成员", str(frames.problems["problem"][0]))
    sets = parameter_sets(tree, on=on, combos=frames.combos)
    if sets.failed:
        raise ValidationFailed.single("政策参数", next(iter(sets.failed.values())))
    hh, pp = attach_param_keys(frames, sets.keys)
    hrow = hh.drop("region", "number", "township_code", "village_code").to_dicts()[0]
    persons = pp.sort("person_id").to_dicts()
    names = [p.pop("name") for p in persons]
    params = sets.table.values[hrow["param_key"]]
    # The statutory supporters living elsewhere are judged in person first (特困 condition 3, S2 art. 8).
    supporter_rows = [{**r, "param_key": hrow["param_key"]} for r in frames.supporters.to_dicts()]
    supporter_names = [
        f"{r.pop('name')}（{RELATIONS.get(r.pop('relation'), '')}，户外）" for r in supporter_rows
    ]
    supporters = assess_supporters_one(hrow, supporter_rows, params)
    hrow["external_supporter_able"] = bool(supporters.household["external_supporter_able"])
    result = assess_one(RULES, hrow, persons, params)
    programmes = explain(result, names=names, param_labels=_param_labels(tree), supporters=supporters,
                         supporter_names=supporter_names)  # fmt: skip
    audit_record(
        actor=user, action=AuditAction.CHECK, subject_type="household", subject_id=household.pk,
        subject_label=household.number, area_code=household.area_id, ip=ip,
        after={"on": on.isoformat(), "eligible": [p.code for p in programmes if p.status != 0]},
    )  # fmt: skip
    return CheckOutcome(household=household, on=on, result=result, programmes=programmes, names=names,
                        parameters=sets.snapshot, lookback_months=lookback)  # fmt: skip


# ---- batch runs and what-if ------------------------------------------------------------------------


def _area_for(user: Any, area_code: str | None) -> Area:
    scope: Area | None = user.area
    if scope is None:
        raise ValidationFailed.single("范围", "您的账户没有所属区域")
    if not area_code:
        return scope
    area = area_in_user_scope(user, area_code)
    if area is None:
        raise ValidationFailed.single("范围", f"区划代码“{area_code}”不存在或不在您的管辖范围内")
    return area


def _validate_overrides(tree: ParameterTree, overrides: dict[str, Any]) -> dict[str, Any]:
    known = {spec.name for spec in PARAMS} | set(tree.parameters)
    errors = []
    clean: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in known:
            errors.append((f"parameters.{key}", f"未知参数“{key}”"))
            continue
        text = str(value).strip()
        if is_relative(text):
            try:
                relative_percent(text, f"参数“{key}”")
            except ParameterError as exc:
                errors.append((f"parameters.{key}", str(exc)))
                continue
            clean[key] = text
            continue
        try:
            number = float(text)
        except ValueError:
            errors.append((f"parameters.{key}", f"参数“{key}”的取值“{value}”不是数字"))
            continue
        if number < 0:
            errors.append((f"parameters.{key}", f"参数“{key}”的取值不能为负数"))
            continue
        clean[key] = text
    if errors:
        raise ValidationFailed(
            "；".join(message for _, message in errors), errors=[FieldError(f, m) for f, m in errors]
        )
    return clean


def whatif_overrides(*, name: str, value: str = "", percent: str = "") -> dict[str, str]:
    """The what-if form: one parameter and either a new value or a change in percent of the value in
    force (applied to each county's own value when the run covers several)."""
    name, value, percent = name.strip(), value.strip(), percent.strip()
    if not name:
        raise ValidationFailed.single("参数", "请选择要调整的参数")
    if value:
        return {name: value}
    if not percent:
        raise ValidationFailed.single("新取值", "请填写新取值或调整百分比")
    try:
        pct = Decimal(percent)
    except InvalidOperation as exc:
        raise ValidationFailed.single("调整百分比", f"“{percent}”不是数字") from exc
    return {name: f"{pct:+}%"}


def run_start(
    *, user: Any, on: dt.date, area_code: str | None = None, overrides: dict[str, Any] | None = None,
    ip: str | None = None, defer: bool = False,
) -> AssessmentRun:  # fmt: skip
    """Queue a run over the user's area (or an area inside it): live when there are no overrides,
    a what-if simulation when there are (live data and stored results are never touched by it).
    With defer=True nothing is queued: the caller runs `run_execute` itself (the `assess` command)."""
    kind = RunKind.WHATIF if overrides else RunKind.LIVE
    user_require(user, Capability.ASSESS_WHATIF if overrides else Capability.ASSESS_RUN)
    area = _area_for(user, area_code)
    if area.level > AreaLevel.COUNTY and kind == RunKind.LIVE:
        raise ValidationFailed.single("范围", "全量研判以县（区）或更大范围为单位")
    clean = _validate_overrides(parameter_tree(), overrides or {}) if overrides else {}
    with transaction.atomic():
        run = AssessmentRun.objects.create(kind=kind, area=area, on=on, created_by=user, overrides=clean)
        audit_record(actor=user, action=AuditAction.RUN, subject_type="assessment_run", subject_id=run.pk,
                     subject_label=f"{run.get_kind_display()} {area.name}", area_code=area.code, ip=ip,
                     after={"kind": kind, "area": area.code, "on": on.isoformat(), "overrides": clean})  # fmt: skip
        if not defer:
            _enqueue_on_commit(run.pk)
    return run


def _enqueue_on_commit(run_id: int) -> None:
    from .tasks import assessment_run_task

    def enqueue() -> None:
        result = assessment_run_task.enqueue(run_id)
        AssessmentRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)


def run_retry(*, user: Any, run_id: int, ip: str | None = None) -> AssessmentRun:
    """重新计算: queue a failed run again (the same run, its parameters and date). Its results are
    written afresh, in the transaction that marks it done, so a retry never adds to what was there."""
    from .selectors import run_get_for_user

    run = run_get_for_user(user=user, run_id=run_id)
    user_require(user, Capability.ASSESS_WHATIF if run.kind == RunKind.WHATIF else Capability.ASSESS_RUN)
    with transaction.atomic():
        updated = AssessmentRun.objects.filter(pk=run.pk, status=RunStatus.FAILED).update(
            status=RunStatus.QUEUED, error="", stage="", progress_done=0, started_at=None, finished_at=None,
            worker="", heartbeat_at=None, task_id="",
        )  # fmt: skip
        if not updated:
            raise ValidationFailed.single("状态", "只有计算失败的研判可以重新计算")
        audit_record(actor=user, action=AuditAction.RUN, subject_type="assessment_run", subject_id=run.pk,
                     subject_label=f"{run.get_kind_display()} {run.area.name}", area_code=run.area_id, ip=ip,
                     after={"retry": True, "attempts": run.attempts, "previous_error": run.error[:200]})  # fmt: skip
        _enqueue_on_commit(run.pk)
    run.refresh_from_db()
    return run


INTERRUPTED = (
    "后台计算进程意外中断（进程被终止或服务器重启），本次研判没有保存任何结果。"
    "请点击“重新计算”，或重新发起研判。"
)
NOT_QUEUED = "研判未能进入后台任务队列（提交时服务中断），没有进行计算。请点击“重新计算”。"


def runs_recover() -> list[int]:
    """Fail every run whose worker is gone (core.leases): RUNNING with its process dead or its heartbeat
    stale, or QUEUED for longer than the lease with no task to carry it. Such a run has no results (they
    are committed with its DONE) and can be retried. Returns the ids recovered.

    Called when a worker starts (`dajiuzhu db_worker`, through core.leases.worker_starting) and when the
    page of a RUNNING run is looked at (so a run whose worker was killed and not restarted shows as
    interrupted, with 重新计算)."""
    from dajiuzhu.core import leases

    now = clock.now()
    stale = now - dt.timedelta(seconds=leases.stale_seconds())
    recovered = []
    running = AssessmentRun.objects.filter(status=RunStatus.RUNNING).values_list(
        "pk", "worker", "heartbeat_at", "task_id"
    )
    for pk, worker, heartbeat_at, task_id in running:
        if not leases.holder_gone(worker, heartbeat_at, now=now):
            continue
        with transaction.atomic():
            # only if it is still the same lease (a heartbeat in between means it lives)
            n = AssessmentRun.objects.filter(
                pk=pk, status=RunStatus.RUNNING, worker=worker, heartbeat_at=heartbeat_at
            ).update(status=RunStatus.FAILED, finished_at=now, error=INTERRUPTED, stage="已中断")
            if n:
                HouseholdResult.objects.filter(run_id=pk).delete()  # none can be there; never leave any
                _task_failed(task_id, now)
                recovered.append(pk)
    orphans = AssessmentRun.objects.filter(status=RunStatus.QUEUED, task_id="", created_at__lt=stale)
    for pk in orphans.values_list("pk", flat=True):
        if AssessmentRun.objects.filter(pk=pk, status=RunStatus.QUEUED, task_id="").update(
            status=RunStatus.FAILED, finished_at=now, error=NOT_QUEUED
        ):
            recovered.append(pk)
    for pk in recovered:
        log.warning("assessment run %s recovered: its worker is gone", pk)
    return recovered


def _task_failed(task_id: str, now: dt.datetime) -> None:
    """The django-tasks-db result of a killed run stays RUNNING forever: mark it failed too."""
    import uuid

    from django_tasks_db.models import DBTaskResult

    try:
        uuid.UUID(task_id)
    except ValueError:
        return  # none recorded (or another backend's)

    DBTaskResult.objects.filter(pk=task_id, status="RUNNING").update(
        status="FAILED", finished_at=now, exception_class_path="dajiuzhu.core.leases.WorkerGone",
        traceback="worker process gone (killed or crashed); run marked failed by recovery",
    )  # fmt: skip


def _progress(run: AssessmentRun, stage: str, done: int | None = None) -> None:
    run.stage = stage
    fields = ["stage"]
    if done is not None:
        run.progress_done = done
        fields.append("progress_done")
    AssessmentRun.objects.filter(pk=run.pk).update(**{f: getattr(run, f) for f in fields})


class LeaseLost(Exception):
    """The run was taken from this process (declared gone and failed, or retried elsewhere)."""


def run_execute(*, run_id: int, task_id: str = "") -> AssessmentRun:
    """The body of the background task. Idempotent: a run that is done is left alone, and so is one
    that a live process is running. Crash-safe: the results and the DONE status are committed in one
    transaction, so a run killed at any point has either all its results or none (and is failed by
    `runs_recover`, then retryable)."""
    from dajiuzhu.core import leases

    me = leases.holder()
    with transaction.atomic():
        run = AssessmentRun.objects.select_for_update(of=("self",)).select_related("area").get(pk=run_id)
        if run.status == RunStatus.DONE:
            return run
        if run.status == RunStatus.RUNNING and not leases.holder_gone(run.worker, run.heartbeat_at):
            return run
        now = clock.now()
        run.status, run.started_at, run.finished_at, run.error = RunStatus.RUNNING, now, None, ""
        run.worker, run.heartbeat_at, run.attempts = me, now, run.attempts + 1
        run.task_id = task_id[:64] or run.task_id
        run.save(update_fields=["status", "started_at", "finished_at", "error", "worker", "heartbeat_at",
                                "attempts", "task_id"])  # fmt: skip
    started = time.perf_counter()

    def beat() -> None:
        AssessmentRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, worker=me).update(
            heartbeat_at=clock.now()
        )

    try:
        with leases.Heartbeat(beat):
            _execute(run, me, started)
    except LeaseLost:
        log.warning("assessment run %s was taken from this worker; nothing written", run.pk)
    except Exception as exc:  # the run is marked failed with a message; the worker keeps going
        log.exception("assessment run %s failed", run.pk)
        AssessmentRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, worker=me).update(
            status=RunStatus.FAILED, finished_at=clock.now(), error=f"计算失败：{exc}"
        )
    run.refresh_from_db()
    return run


def _execute(run: AssessmentRun, me: str, started: float) -> None:
    tree = parameter_tree()
    area = run.area
    column = area.level_column if area.level != AreaLevel.GRID else "code"
    _progress(run, "读取家庭数据")
    frames = load_frames(on=run.on, lookback_months=_lookback(tree, run.on, area.code),
                         area_column=column, area_code=area.code,
                         local_excluded=_local_excluded(tree, run.on))  # fmt: skip
    run.progress_total = frames.households.height + frames.problems.height
    AssessmentRun.objects.filter(pk=run.pk).update(progress_total=run.progress_total)
    _progress(run, "计算")
    problems = _problem_rows(frames)
    out = None
    if run.kind == RunKind.WHATIF:
        base = parameter_sets(tree, on=run.on, combos=frames.combos)
        scen = parameter_sets(tree, on=run.on, combos=frames.combos, overrides=run.overrides)
        problems += _failed_combo_rows(frames, {**base.failed, **scen.failed})
        base_out = _assess(frames, base)
        scen_out = _assess(frames, scen)
        run.summary = whatif_summary(base_out, scen_out, frames)
        run.parameters = scen.snapshot
        run.progress_done = frames.households.height
    else:
        sets = parameter_sets(tree, on=run.on, combos=frames.combos)
        problems += _failed_combo_rows(frames, sets.failed)
        out = _assess(frames, sets)
        run.parameters = sets.snapshot
        run.summary = run_summary(out)
        run.progress_done = run.progress_total
    run.problems = problems[:1000]
    run.problem_count = len(problems)
    with transaction.atomic():  # results and DONE together, or neither
        lease = AssessmentRun.objects.select_for_update().filter(pk=run.pk).values_list("status", "worker")
        if lease.first() != (RunStatus.RUNNING, me):
            raise LeaseLost(run.pk)
        if out is not None:
            _progress(run, "写入结果")
            _write_results(run, out)
            run.previous = (
                AssessmentRun.objects.filter(
                    kind=RunKind.LIVE, status=RunStatus.DONE, area=area, pk__lt=run.pk
                )
                .order_by("-pk")
                .first()
            )
        run.status, run.finished_at, run.seconds = RunStatus.DONE, clock.now(), time.perf_counter() - started
        run.stage = "完成"
        run.save(update_fields=["status", "finished_at", "seconds", "summary", "parameters", "problems",
                                "problem_count", "progress_total", "progress_done", "previous", "stage"])  # fmt: skip


def _problem_rows(frames: Frames) -> list[dict[str, Any]]:
    return [{"household_id": hid, "problem": text} for hid, text in frames.problems.iter_rows()]


def _failed_combo_rows(frames: Frames, failed: dict[tuple[str, str], str]) -> list[dict[str, Any]]:
    rows = []
    for (region, residence), message in failed.items():
        ids = frames.households.filter((pl.col("region") == region) & (pl.col("residence") == residence))
        for hid in ids["household_id"].to_list():
            rows.append({"household_id": hid, "problem": message})
    return rows


def _assess(frames: Frames, sets: ParameterSets) -> pl.DataFrame:
    hh, pp = attach_param_keys(frames, sets.keys)
    hh = with_outside_supporters_polars(hh, frames.supporters.drop("name", "relation"), sets.table)
    out = assess_polars(RULES, hh.drop("region", "number", "township_code", "village_code"), pp.drop("name"),
                        sets.table)  # fmt: skip
    return out.join(hh.select("household_id", "region", "township_code", "village_code"), on="household_id")


def run_summary(out: pl.DataFrame) -> dict[str, Any]:
    """Counts and money by programme, for the whole run and per township."""
    yes = pl.col("dibao_status").is_in([ELIGIBLE, TAPER])

    def agg(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select(
            pl.len().alias("households"),
            yes.sum().alias("dibao_households"),
            pl.col("members").filter(yes).sum().alias("dibao_persons"),
            pl.col("dibao_amount").sum().alias("dibao_amount_fen"),
            (pl.col("dibao_status") == 2).sum().alias("review_households"),
            (pl.col("edge_status") == ELIGIBLE).sum().alias("edge_households"),
            (pl.col("rigid_status") == ELIGIBLE).sum().alias("rigid_households"),
            pl.col("n_tekun").sum().alias("tekun_persons"),
            pl.col("tekun_total").sum().alias("tekun_amount_fen"),
            pl.col("monthly_total").sum().alias("monthly_total_fen"),
        )

    total = agg(out).to_dicts()[0]
    by_township = (
        out.group_by("township_code")
        .agg(
            pl.len().alias("households"),
            yes.sum().alias("dibao_households"),
            pl.col("dibao_amount").sum().alias("dibao_amount_fen"),
            (pl.col("edge_status") == ELIGIBLE).sum().alias("edge_households"),
            pl.col("n_tekun").sum().alias("tekun_persons"),
            pl.col("monthly_total").sum().alias("monthly_total_fen"),
        )
        .sort("township_code")
        .to_dicts()
    )
    return {"total": {k: int(v or 0) for k, v in total.items()}, "by_township": by_township}


def whatif_summary(base: pl.DataFrame, scen: pl.DataFrame, frames: Frames) -> dict[str, Any]:
    """Households gained and lost and the monthly cost difference, by county and overall."""
    yes = [ELIGIBLE, TAPER]
    joined = base.select(
        "household_id", "region", "members",
        pl.col("dibao_status").is_in(yes).alias("b_dibao"), pl.col("dibao_amount").alias("b_dibao_amount"),
        (pl.col("edge_status") == ELIGIBLE).alias("b_edge"), pl.col("n_tekun").alias("b_tekun"),
        pl.col("monthly_total").alias("b_total"),
    ).join(
        scen.select(
            "household_id",
            pl.col("dibao_status").is_in(yes).alias("s_dibao"), pl.col("dibao_amount").alias("s_dibao_amount"),
            (pl.col("edge_status") == ELIGIBLE).alias("s_edge"), pl.col("n_tekun").alias("s_tekun"),
            pl.col("monthly_total").alias("s_total"),
        ),
        on="household_id",
    )  # fmt: skip
    metrics = [
        pl.len().alias("households"),
        pl.col("b_dibao").sum().alias("dibao_before"),
        pl.col("s_dibao").sum().alias("dibao_after"),
        (pl.col("s_dibao") & ~pl.col("b_dibao")).sum().alias("dibao_gained"),
        (pl.col("b_dibao") & ~pl.col("s_dibao")).sum().alias("dibao_lost"),
        pl.col("members").filter(pl.col("s_dibao") & ~pl.col("b_dibao")).sum().alias("persons_gained"),
        pl.col("b_edge").sum().alias("edge_before"),
        pl.col("s_edge").sum().alias("edge_after"),
        pl.col("b_tekun").sum().alias("tekun_before"),
        pl.col("s_tekun").sum().alias("tekun_after"),
        pl.col("b_dibao_amount").sum().alias("dibao_cost_before_fen"),
        pl.col("s_dibao_amount").sum().alias("dibao_cost_after_fen"),
        pl.col("b_total").sum().alias("cost_before_fen"),
        pl.col("s_total").sum().alias("cost_after_fen"),
    ]
    total = {k: int(v or 0) for k, v in joined.select(metrics).to_dicts()[0].items()}
    by_county = [
        {k: (v if k == "region" else int(v or 0)) for k, v in row.items()}
        for row in joined.group_by("region").agg(metrics).sort("region").to_dicts()
    ]
    return {"total": total, "by_county": by_county}


def _write_results(run: AssessmentRun, out: pl.DataFrame) -> None:
    """Store one row per household, fast (COPY on PostgreSQL), in the caller's transaction (the one that
    marks the run done); rows a previous attempt of the run may have left are replaced."""
    frame = out.select(RESULT_COLUMNS).with_columns(
        [yuan_text_expr(pl.col(c)).alias(c) for c in MONEY_COLUMNS]
    )
    columns = ["run_id", *("household_id" if c == "household_id" else c for c in RESULT_COLUMNS)]
    table = HouseholdResult._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with transaction.atomic():
        HouseholdResult.objects.filter(run=run).delete()
        for offset in range(0, frame.height, WRITE_CHUNK):
            chunk = frame.slice(offset, WRITE_CHUNK).insert_column(0, pl.lit(run.pk).alias("run_id"))
            if connection.vendor == "postgresql":
                buffer = io.StringIO()
                chunk.write_csv(buffer, include_header=False)
                with connection.cursor() as cursor:
                    with cursor.cursor.copy(
                        f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN WITH (FORMAT csv)"
                    ) as copy:
                        copy.write(buffer.getvalue())
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})", chunk.rows()
                    )
            _progress(run, "写入结果", min(offset + WRITE_CHUNK, frame.height))
