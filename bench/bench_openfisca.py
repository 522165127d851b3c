"""OpenFisca peer benchmark: the same 低保 / 低保边缘 / 特困 core in OpenFisca and in our Polars engine.

    .venv/bin/python bench/bench_openfisca.py 1000000

Builds the synthetic tables once (bench/engine_data.py), then

1. checks that the OpenFisca parameters (bench/openfisca_peer/parameters/) resolve to the same integer
   values as the engine's parameter table on the assessment date;
2. OpenFisca: builds the simulation (ids, memberships, one set_input per input column) and computes
   the mirrored outputs, timed separately;
3. our engine: `assess_polars` with every programme (the real workload), and with the rule set cut down
   to the steps OpenFisca mirrors (the like-for-like workload), best of --repeat runs each;
4. compares the results household by household and prints the agreement.
"""

from __future__ import annotations

import dajiuzhu  # noqa: F401  (before Polars loads: sets its allocator's configuration)

# isort: split
import argparse
import gc
import hashlib
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from bench_engine import PeakMemory, cpu_seconds, engine_version, gib
from engine_data import ON, REGION, default_table, generate
from openfisca_peer import DibaoSystem, build_simulation
from openfisca_peer.variables import FORMULAS, VEHICLE_KINDS, fen, permille, switch

from dajiuzhu.rules.engine import assess_polars
from dajiuzhu.rules.programmes import PARAMS, RULES

PROGRAMMES_PY = Path(__file__).resolve().parents[1] / "dajiuzhu" / "rules" / "programmes.py"
# sha256 of dajiuzhu/rules/programmes.py when the peer was last aligned with it (2026-12-03).
MIRRORED_SHA256 = "a57a73ef29af90740ea5928070c56b79be7b270d63e2a629caa013a9c1cbf114"

# Household outputs compared (all are household columns of assess_polars).
COMPARED = ["members", "countable", "threshold", "gap", "dibao_status", "edge_status", "n_tekun"]

# engine parameter → (OpenFisca parameter path, conversion); every parameter the mirrored rules read.
PARAMETERS: dict[str, tuple[str, str]] = {
    "dibao.taper_months": ("dibao.taper_months_max", "int"),
    "dibao.expenditure_type": ("dibao.expenditure_type_enabled", "bool"),
    "edge.multiple": ("edge.income_multiple", "permille"),
    "edge.asset_months": ("edge.asset_per_capita_max_months", "int"),
    "labour.base": ("labour.base", "fen"),
    "labour.coef_full": ("labour.coef.full", "permille"),
    "labour.coef_partial": ("labour.coef.partial", "permille"),
    "labour.age_min": ("labour.working_age_min", "int"),
    "labour.age_max_male": ("labour.working_age_max_male", "int"),
    "labour.age_max_female": ("labour.working_age_max_female", "int"),
    "deduct.employment_cost": ("deduct.employment_cost_ratio", "permille"),
    "deduct.employment_cost_method": ("deduct.employment_cost.method", "choice"),
    "deduct.employment_cost_fixed": ("deduct.employment_cost.fixed_per_earner", "fen"),
    "deduct.employment_cost_min_wage_share": ("deduct.employment_cost.minimum_wage_share", "permille"),
    "wage.minimum": ("wage.minimum_monthly", "fen"),
    "income.exclude_basic_pension": ("income.exclude_basic_pension", "bool"),
    "disposable.yearly": ("income.disposable_per_capita_prev_year", "fen"),
    "deduct.rigid_cap": ("deduct.rigid_cap_monthly", "fen"),
    "deduct.medical": ("deduct.rigid_medical", "bool"),
    "deduct.rehabilitation": ("deduct.rigid_rehabilitation", "bool"),
    "asset.financial_months": ("asset.financial_per_capita_max_months", "int"),
    "asset.vehicle_hard": ("asset.vehicle_hard_fail", "bool"),
    "asset.vehicle_value_max": ("asset.vehicle_value_max", "fen"),
    **{f"asset.vehicle_{kind}_exempt": (f"asset.vehicle.{kind}.exempt", "bool") for kind in VEHICLE_KINDS},
    **{
        f"asset.vehicle_{kind}_max": (f"asset.vehicle.{kind}.value_max", "fen")
        for kind in VEHICLE_KINDS
        if kind != "production"
    },
    "asset.urban_dwellings_max": ("asset.urban_dwellings_max", "int"),
    "tekun.age_elderly": ("tekun.age_elderly", "int"),
    "tekun.age_minor": ("tekun.age_minor_coverage", "int"),
    "tekun.financial_months": ("tekun.financial_per_capita_max_months", "int"),
    "child.age_max": ("orphan.age_max", "int"),
}
CHOICES = {spec.name: spec.choices for spec in PARAMS if spec.kind == "choice"}


def _convert(name: str, kind: str, value: Any) -> int:
    """An OpenFisca parameter value as the engine's integer (a choice: the index of its word)."""
    if kind == "choice":
        return CHOICES[name].index(value) if value in CHOICES.get(name, ()) else -1
    if kind == "bool":
        return int(switch(value))
    return {"fen": fen, "permille": permille, "int": int}[kind](value)


def check_parameters(system: Any, table: Any, period: str) -> list[str]:
    """Differences between the OpenFisca parameters and the engine's table (empty when they agree), and
    the parameters the mirrored rules read that are not checked here."""
    at = system.parameters(period)
    problems = []
    for residence in ("urban", "rural"):
        engine = table.values[table.key_of(REGION, residence)]
        pairs = [*PARAMETERS.items(), ("dibao.standard", (f"dibao.standard.{residence}", "fen"))]
        for name, (path, kind) in pairs:
            node = at
            for part in path.split("."):
                node = node[part]
            ours = _convert(name, kind, node)
            if name not in engine:
                problems.append(f"{name}: not an engine parameter any more")
            elif engine[name] != ours:
                problems.append(f"{name} ({residence}): engine {engine[name]}, OpenFisca {ours}")
    subset = mirrored_rules()
    if subset is not None:
        unchecked = sorted(set(subset.params_used()) - set(PARAMETERS) - {"dibao.standard"})
        problems += [f"{name}: read by the mirrored rules, not checked" for name in unchecked]
    return problems


def cut_down_rules() -> Any:
    """RULES cut down to the steps the peer implements (same objects, fewer of them), or None if the
    engine's rule set no longer splits that way."""
    names = {cls.__name__ for cls in FORMULAS}
    try:
        stages = []
        for stage in RULES.stages:
            if stage.kind == "broadcast":
                items = tuple(n for n in stage.items if n in names)
            else:
                items = tuple(item for item in stage.items if item.name in names)
            if items:
                stages.append(type(stage)(stage.kind, items))
        return type(RULES)(stages=stages)
    except (AttributeError, TypeError, ValueError):
        return None


def unmirrored_steps(subset: Any) -> list[str]:
    """Engine steps that the kept steps of `subset` read but the peer does not compute."""
    engine_steps = {n for stage in RULES.stages if stage.kind != "broadcast" for n in stage.names()}
    kept = {n for stage in subset.stages for n in stage.names()}
    read = {
        n
        for stage in subset.stages
        if stage.kind != "broadcast"
        for item in stage.items
        for n in item.expr.inputs()
    }
    return sorted((read & engine_steps) - kept)


def mirrored_rules() -> Any:
    """The cut-down rule set when it is complete (every step it reads is kept), else None."""
    subset = cut_down_rules()
    return None if subset is None or unmirrored_steps(subset) else subset


def timed_engine(rules: Any, data: Any, table: Any, repeat: int) -> tuple[list[float], list[PeakMemory], Any]:
    times, mems, result = [], [], None
    for _ in range(repeat):
        result = None
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            result = assess_polars(rules, data.households, data.persons, table)
            times.append(time.perf_counter() - t0)
        mems.append(mem)
    return times, mems, result


def main() -> None:
    parser = argparse.ArgumentParser(description="OpenFisca peer against the Polars engine")
    parser.add_argument("households", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="engine runs (best is reported)")
    parser.add_argument("--strings", choices=["string", "enum"], default="enum")
    args = parser.parse_args()
    period = f"{ON.year}-{ON.month:02d}"
    load_before = os.getloadavg()

    table = default_table()
    t0 = time.perf_counter()
    data = generate(args.households, seed=args.seed, table=table, strings=args.strings)
    t_gen = time.perf_counter() - t0
    n_h, n_p = data.households.height, data.persons.height

    digest = hashlib.sha256(PROGRAMMES_PY.read_bytes()).hexdigest()
    t0 = time.perf_counter()
    system = DibaoSystem()
    t_system = time.perf_counter() - t0
    problems = check_parameters(system, table, period)

    # ---- OpenFisca -------------------------------------------------------------------------------
    with PeakMemory() as of_mem:
        t0, c0 = time.perf_counter(), cpu_seconds()
        simulation = build_simulation(system, data.households, data.persons, period)
        t_build, c_build = time.perf_counter() - t0, cpu_seconds() - c0
        t0, c0 = time.perf_counter(), cpu_seconds()
        ours = {name: np.asarray(simulation.calculate(name, period)) for name in COMPARED}
        t_compute, c_compute = time.perf_counter() - t0, cpu_seconds() - c0
    ids = simulation.populations["household"].ids
    del simulation
    gc.collect()

    # ---- our engine ------------------------------------------------------------------------------
    full_times, full_mems, result = timed_engine(RULES, data, table, args.repeat)
    subset = mirrored_rules()
    sub_times: list[float] = []
    sub_mems: list[PeakMemory] = []
    if subset is None:
        cut = cut_down_rules()
        missing = ", ".join(unmirrored_steps(cut)) if cut is not None else "the stages changed"
        print(f"(RULES no longer cut down to the mirrored steps; the peer lacks: {missing})")
    else:
        try:
            sub_times, sub_mems, _r = timed_engine(subset, data, table, args.repeat)
        except pl.exceptions.PolarsError as exc:
            print(f"(the cut-down rule set did not run: {exc.__class__.__name__})")

    # ---- agreement -------------------------------------------------------------------------------
    engine = pl.DataFrame({"household_id": ids}).join(
        result, on="household_id", how="left", maintain_order="left"
    )
    rows = []
    for name in COMPARED:
        if name not in engine.columns:
            rows.append((name, None, None, []))
            continue
        theirs = engine[name].to_numpy()
        differ = np.flatnonzero(theirs != ours[name])
        rows.append((name, 1 - differ.size / n_h, differ.size, differ[:5].tolist()))

    # ---- report ----------------------------------------------------------------------------------
    of_total = t_build + t_compute
    best_full = min(full_times)
    print(f"households {n_h:,}, persons {n_p:,}; period {period}; generation {t_gen:.1f} s")
    print(f"OpenFisca-Core {_version('openfisca-core')}, numpy {np.__version__}, polars {pl.__version__}")
    state = (
        "unchanged" if digest == MIRRORED_SHA256 else f"CHANGED since the peer was written ({digest[:12]}…)"
    )
    print(f"engine at {engine_version()}; programmes.py {state}")
    print("parameters: " + ("OpenFisca and engine agree" if not problems else "; ".join(problems)))
    print()

    def cpu(mems: list[PeakMemory]) -> float:
        return min(m.cpu for m in mems)

    print(f"{'step':44} {'seconds':>9} {'CPU s':>8} {'peak RSS added':>16}")
    print(f"{'OpenFisca: load tax-benefit system':44} {t_system:9.2f}")
    print(f"{'OpenFisca: build simulation (set_input)':44} {t_build:9.2f} {c_build:8.2f}")
    print(f"{'OpenFisca: compute ' + str(len(COMPARED)) + ' outputs':44} {t_compute:9.2f} {c_compute:8.2f}")
    print(f"{'OpenFisca: build + compute':44} {of_total:9.2f} {of_mem.cpu:8.2f} {gib(of_mem.added):>16}")
    first = full_mems[0]
    print(
        f"{'engine, all programmes: first run':44} {full_times[0]:9.2f} {first.cpu:8.2f} {gib(first.added):>16}"
    )
    print(
        f"{'engine, all programmes: best of ' + str(len(full_times)):44} {best_full:9.2f} {cpu(full_mems):8.2f}"
    )
    if sub_times:
        first = sub_mems[0]
        label = "engine, mirrored steps only: first run"
        print(f"{label:44} {sub_times[0]:9.2f} {first.cpu:8.2f}")
        label = "engine, mirrored steps only: best of " + str(len(sub_times))
        print(f"{label:44} {min(sub_times):9.2f} {cpu(sub_mems):8.2f}")
    print()
    print(f"{'ratio OpenFisca build+compute / engine, all programmes':58} {of_total / best_full:6.2f}")
    if sub_times:
        best_sub = min(sub_times)
        print(f"{'ratio OpenFisca build+compute / engine, mirrored steps':58} {of_total / best_sub:6.2f}")
        print(f"{'ratio OpenFisca compute only / engine, mirrored steps':58} {t_compute / best_sub:6.2f}")
        print(
            f"{'ratio of CPU seconds, OpenFisca / engine, mirrored steps':58} {of_mem.cpu / cpu(sub_mems):6.2f}"
        )
    print()
    print(f"{'output':14} {'agreement':>10} {'differ':>10}  examples (household_id)")
    for name, share, differ, examples in rows:
        if share is None:
            print(f"{name:14} {'—':>10} {'—':>10}  not in the engine's output")
            continue
        shown = ", ".join(str(int(ids[i])) for i in examples)
        print(f"{name:14} {share:10.4%} {differ:10,}  {shown}")
    print()
    for name in ("dibao_status", "edge_status"):
        counts = np.bincount(ours[name].astype(np.int64), minlength=4)
        print(f"OpenFisca {name:13} " + ", ".join(f"{k}: {v:,}" for k, v in enumerate(counts) if v))
    load = os.getloadavg()
    print(f"load average before / after: {load_before[0]:.2f} / {load[0]:.2f} (other jobs on the machine)")
    tekun = ours["n_tekun"]
    print(f"OpenFisca 特困 persons     {int(tekun.sum()):,} in {int((tekun > 0).sum()):,} households")


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


if __name__ == "__main__":
    main()
