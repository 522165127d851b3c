"""Run a RuleSet: on one household with every step recorded, or on whole tables with Polars.

Both paths walk the same stages of the same rule objects (rules.programmes); tests assert that they
agree exactly. The Spark path (rules.spark) walks them too.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dajiuzhu.rules.expr import (
    POLARS_CONSTANT_PARAMS,
    POLARS_PARAM_SETS,
    Agg,
    Col,
    Expr,
    Lit,
    Named,
    Param,
    RuleSet,
    Step,
    Where,
    _input_values,
    constant_value,
    param_column,
)
from dajiuzhu.rules.params import ParamTable


@dataclass
class SingleResult:
    household: dict[str, Any]
    persons: list[dict[str, Any]]
    household_steps: list[Step] = field(default_factory=list)
    person_steps: list[list[Step]] = field(default_factory=list)


def assess_one(
    rules: RuleSet,
    household: Mapping[str, Any],
    persons: Sequence[Mapping[str, Any]],
    params: Mapping[str, int],
) -> SingleResult:
    """Evaluate every stage for one household, keeping each step's inputs and outcome."""
    hrow: dict[str, Any] = dict(household)
    prows: list[dict[str, Any]] = [dict(p) for p in persons]
    result = SingleResult(household=hrow, persons=prows, person_steps=[[] for _ in prows])
    for stage in rules.stages:
        if stage.kind == "person":
            for row, steps in zip(prows, result.person_steps, strict=True):
                for named in stage.items:
                    row[named.name] = _evaluate_step(named, row, params, steps)
        elif stage.kind == "aggregate":
            for agg in stage.items:
                hrow[agg.name] = _aggregate(agg, prows, params)
                result.household_steps.append(
                    Step(name=agg.name, label=agg.label, reference=agg.reference,
                         formula=f"{_AGG_WORDS[agg.kind]}（{agg.expr.text()}）", inputs={}, value=hrow[agg.name])
                )  # fmt: skip
        elif stage.kind == "household":
            for named in stage.items:
                hrow[named.name] = _evaluate_step(named, hrow, params, result.household_steps)
        else:  # broadcast
            for row in prows:
                for name in stage.items:
                    row[name] = hrow[name]
    return result


_AGG_WORDS = {"sum": "合计", "count": "计数", "any": "任一", "all": "全部", "max": "最大", "min": "最小"}


def _aggregate(agg: Agg, rows: list[dict[str, Any]], params: Mapping[str, int]) -> Any:
    value = agg.evaluate_members(rows, params)
    if agg.kind in {"any", "all"}:
        return bool(value)
    return int(value)


_FORMULAS: dict[Named, str] = {}  # keyed by the rule object itself (identity hash)


def _formula(named: Named) -> str:
    """The readable formula of a rule; rules are immutable module-level objects, so it is built once."""
    text = _FORMULAS.get(named)
    if text is None:
        text = _FORMULAS[named] = named.expr.text()
    return text


def _evaluate_step(named: Named, row: dict[str, Any], params: Mapping[str, int], steps: list[Step]) -> Any:
    value = named.expr.evaluate(row, params)
    steps.append(
        Step(name=named.name, label=named.label, reference=named.reference, formula=_formula(named),
             inputs=_input_values(named.expr, row, params), value=value)
    )  # fmt: skip
    return value


# ---- Polars ----------------------------------------------------------------------------------------


def param_columns_polars(table: ParamTable, names: Sequence[str], *, keys_checked: bool = False) -> list[Any]:
    """One column per parameter, gathered from the small parameter table by each row's param_key.

    With `keys_checked` (every param_key is known to index the table) a parameter that takes at most
    four distinct values is instead selected by key (the common case: urban and rural standards of one
    county), a few comparisons instead of a bounds-checked gather per row."""
    import polars as pl

    exprs = []
    key = pl.col("param_key")
    for name in names:
        column = table.column(name)
        by_value: dict[int, list[int]] = {}
        for k, v in enumerate(column):
            by_value.setdefault(v, []).append(k)
        if not keys_checked or len(by_value) > 4:
            values = pl.Series(column, dtype=pl.Int64)
            exprs.append(pl.lit(values).gather(key).alias(param_column(name)))
            continue
        *others, last = by_value
        expr = pl.lit(last, dtype=pl.Int64)
        for value in others:
            keys = by_value[value]
            test = key.is_in(keys) if len(keys) > 4 else pl.any_horizontal([key == k for k in keys])
            expr = pl.when(test).then(pl.lit(value, dtype=pl.Int64)).otherwise(expr)
        exprs.append(expr.alias(param_column(name)))
    return exprs


def _keys_in_table(table: ParamTable, *frames: Any) -> bool:
    """Whether every param_key of these DataFrames indexes the parameter table."""
    n = len(table.values)
    for frame in frames:
        keys = frame.get_column("param_key")
        if keys.len() and (keys.null_count() or keys.min() < 0 or keys.max() >= n):
            return False
    return True


def _plan_polars(rules: RuleSet, hh: Any, pp: Any) -> tuple[Any, Any, list[str]]:
    """The lazy plan of every stage, moving values between the levels by group-by and join; household
    and person frames as they leave the last stage. For inputs the segmented path cannot take."""

    person_cols: list[str] = []
    for stage in rules.stages:
        if stage.kind == "person":
            # One projection per dependency layer: independent rules are computed together.
            for layer in stage.layers():
                pp = pp.with_columns([named.definition_polars() for named in layer])
            person_cols += stage.names()
        elif stage.kind == "aggregate":
            agg = pp.group_by("household_id").agg([a.to_polars() for a in stage.items])
            hh = hh.join(agg, on="household_id", how="left").with_columns(_empty_household_fill(stage))
        elif stage.kind == "household":
            for layer in stage.layers():
                hh = hh.with_columns([named.definition_polars() for named in layer])
        else:
            pp = pp.join(hh.select("household_id", *stage.items), on="household_id", how="left")
            person_cols += list(stage.items)
    return hh, pp, person_cols


def _empty_household_fill(stage: Any) -> list[Any]:
    """A household without members: any → False, all → True (as on the single path), else 0."""
    import polars as pl

    return [pl.col(a.name).fill_null({"any": False, "all": True}.get(a.kind, 0)) for a in stage.items]


# ---- Polars, segmented: persons sorted by household ---------------------------------------------
#
# Persons usually arrive sorted by household (the generator, the registry export). Then the members of
# a household are one contiguous run of rows, and the two moves between levels need neither hashing
# nor joins: an aggregate is a difference of cumulative sums taken at the run ends, and a broadcast is a
# gather by each person's household row. At 10 M households the group-bys and joins were most of the
# time; the rules themselves are cheap elementwise work that the streaming engine does in chunks.
# Between levels the plan is collected: the household frame once before the broadcast (it is gathered
# from), the persons once per aggregate (the cumulative sums need whole columns), each time only the
# columns later stages or the outputs read.

_SEGMENT_KINDS = {"sum", "count", "any", "all"}


@dataclass
class _Segments:
    ends: Any  # numpy intp: last row of each run of equal household_id among the persons (id order)
    run_of_household: Any  # run of each household row, null for a household without members
    household_of_person: Any  # household row of each person, null for one whose household is absent
    longest: int  # members of the largest run


def _positions(haystack: Any, needles: Any) -> Any:
    """Row of each needle in `haystack` (sorted, unique), null where it is absent."""
    import polars as pl

    if haystack.len() == 0:
        return pl.Series(values=[None] * needles.len(), dtype=pl.UInt32)
    pos = haystack.search_sorted(needles)
    found = haystack.gather(pos.clip(upper_bound=haystack.len() - 1)) == needles
    return pl.select(pl.when(found).then(pos)).to_series()


def _segmentable(rules: RuleSet, households: Any, persons: Any) -> bool:
    """Whether the segmented path applies: DataFrames (not lazy), persons sorted by household_id,
    household ids strictly increasing, and no max/min aggregate."""
    import polars as pl

    if not (isinstance(households, pl.DataFrame) and isinstance(persons, pl.DataFrame)):
        return False
    if any(a.kind not in _SEGMENT_KINDS for s in rules.stages if s.kind == "aggregate" for a in s.items):
        return False
    hid, pid = households["household_id"], persons["household_id"]
    if hid.dtype != pid.dtype or hid.null_count() or pid.null_count() or not pid.is_sorted():
        return False
    return not (hid.len() > 1 and not (hid.slice(1) > hid.slice(0, hid.len() - 1)).all())


def _segments_of(households: Any, persons: Any) -> _Segments:
    """Where each household's members are (the inputs are segmentable). In numpy on the sorted ids: a
    fifth of the time of Polars' rle and rle_id, which each slice paid."""
    import numpy as np
    import polars as pl

    hid, pid = households["household_id"], persons["household_id"]
    ids = pid.to_numpy()
    change = ids[1:] != ids[:-1]
    ends = np.append(np.flatnonzero(change), len(ids) - 1) if len(ids) else np.empty(0, dtype=np.intp)
    run_id = np.zeros(len(ids), dtype=np.uint32)
    np.cumsum(change, dtype=np.uint32, out=run_id[1:])
    values = pl.Series(ids[ends]) if len(ids) else pid.clear()
    longest = int(np.diff(ends, prepend=-1).max()) if len(ends) else 0
    run_of_person = pl.Series(run_id)
    if values.len() == hid.len() and np.array_equal(values.to_numpy(), hid.to_numpy()):
        # every household has members, and every person a household: runs are rows
        return _Segments(ends, None, run_of_person, longest)
    household_of_run = _positions(hid, values)
    return _Segments(ends, _positions(values, hid), household_of_run.gather(run_of_person), longest)


def _reads(stages: Sequence[Any]) -> set[str]:
    """Every column the given stages read (inputs, earlier results, parameter columns; param_key, which a
    part of a rule computed per parameter set is picked by)."""
    names: set[str] = {"param_key"}
    for stage in stages:
        if stage.kind == "broadcast":
            names.update(stage.items)
            continue
        for item in stage.items:
            for name in item.expr.inputs():
                names.add(param_column(name[6:]) if name.startswith("param:") else name)
    return names


def _is_int(node: Any, value: int) -> bool:
    return isinstance(node, Lit) and type(node.value) is int and node.value == value


def _aggregate_input(agg: Agg) -> tuple[Any, bool]:
    """The per-person value an aggregate adds up, and whether it is a 0/1 flag: an Int64 for sums, a
    Boolean for the others (all counts the members that are false). Nulls count as nothing, as the
    group-by ignores them."""
    import polars as pl

    node = agg.expr
    if agg.kind == "sum" and isinstance(node, Where) and _is_int(node.then, 1) and _is_int(node.otherwise, 0):
        return node.cond.to_polars().fill_null(False), True  # a sum of 1 where a condition holds: a count
    if agg.kind == "count" and isinstance(agg.expr, Lit):
        # Summed: all or none. A column, not a literal, so that its cumulative sum counts the rows.
        return pl.repeat(1 if agg.expr.value else 0, pl.len(), dtype=pl.Int64), False
    e = agg.expr.to_polars()
    if agg.kind == "sum":
        return e.cast(pl.Int64).fill_null(0), False
    flag = e.cast(pl.Boolean)
    return (~flag if agg.kind == "all" else flag).fill_null(False), True


def _segment_aggregates(
    pp: Any, keep: Sequence[str], inputs: Sequence[tuple[Agg, Any, bool]], seg: _Segments, opts: Any
) -> tuple[Any, Any]:
    """The person columns in `keep` (collected) and one row per run with every aggregate, as a
    difference of cumulative sums at the run ends (exact in wrapping Int64 arithmetic). Flags are packed
    several to an Int64, each in a field wide enough for the largest run, so that they share one
    cumulative sum. The per-person values are computed in the collected plan; the cumulative sums are
    numpy's (a third of the time of Polars' cum_sum on one long column, measured 35 against 93 ms for
    26 M values), and only the run ends are kept of them."""
    import numpy as np
    import polars as pl

    sums: list[tuple[Agg, Any]] = []
    flags: list[tuple[Agg, Any]] = []
    for agg, value, is_flag in inputs:
        (flags if is_flag else sums).append((agg, value))
    bits = max(seg.longest.bit_length(), 1)
    per_word = 63 // bits
    words = [flags[i : i + per_word] for i in range(0, len(flags), per_word)]
    running = [value.alias(f"__sum_{j}") for j, (_a, value) in enumerate(sums)]
    for w, word in enumerate(words):
        # Each flag as 0 or its field's unit (a select between two literals: cheaper than a cast and a
        # multiplication), the fields of one word added up.
        units = [
            pl.when(value).then(pl.lit(1 << (bits * i), dtype=pl.Int64)).otherwise(pl.lit(0, dtype=pl.Int64))
            for i, (_a, value) in enumerate(word)
        ]
        running.append(pl.sum_horizontal(units).alias(f"__word_{w}"))
    # In-memory engine: its frame comes back as one chunk per column, which numpy reads without a copy.
    frame = pp.select(*keep, *running).collect(optimizations=opts, engine="in-memory")
    ends = seg.ends
    n_runs = len(ends)
    buffer = _buffer("persons", frame.height)
    # The cumulative sums at the run ends, a row per column, in a per-thread buffer; Polars reads the
    # rows without a copy and computes the differences and the flag fields into its own memory (its
    # allocator keeps it; numpy's fresh arrays were mapped and faulted in for every column and slice).
    totals = _buffer("runs", n_runs * len(running)).reshape(len(running), n_runs)
    with np.errstate(over="ignore"):  # wrapping sums: their differences are exact
        for j, r in enumerate(running):
            np.cumsum(frame.get_column(r.meta.output_name()).to_numpy(), out=buffer)
            # mode="clip": the ends are in range, and numpy buffers `out` (a copy of the whole
            # cumulative sum) in its default mode "raise".
            np.take(buffer, ends, out=totals[j], mode="clip")
    # The differences first, once a column (the eager select does not share a subexpression between
    # the fields of one word), then the fields.
    names = [r.meta.output_name() for r in running]
    at_ends = pl.DataFrame({name: totals[j] for j, name in enumerate(names)})
    per_run = at_ends.select(
        [pl.col(n) - pl.col(n).shift(1, fill_value=0) for n in names]
    )  # wraps as numpy's
    columns: dict[str, Any] = {}
    for j, (agg, _v) in enumerate(sums):
        columns[agg.name] = pl.col(f"__sum_{j}")
    for w, word in enumerate(words):
        for i, (agg, _v) in enumerate(word):
            field = pl.col(f"__word_{w}") & pl.lit(((1 << bits) - 1) << (bits * i), dtype=pl.Int64)
            if agg.kind == "any":
                columns[agg.name] = field != 0
            elif agg.kind == "all":
                columns[agg.name] = field == 0
            else:
                columns[agg.name] = field // (1 << (bits * i))
    runs = per_run.select([columns[a.name].alias(a.name) for a, _v, _f in inputs])
    return frame.select(keep), runs


_BUFFERS = threading.local()


def _buffer(kind: str, n: int) -> Any:
    """A per-thread Int64 buffer of n values, reused from slice to slice (a fresh array for every
    column was mapped and faulted in page by page each time)."""
    import numpy as np

    buffer = getattr(_BUFFERS, kind, None)
    if buffer is None or len(buffer) < n:
        buffer = np.empty(max(n, 1), dtype=np.int64)
        setattr(_BUFFERS, kind, buffer)
    return buffer[:n]


def _run_segmented(
    rules: RuleSet, hh: Any, pp: Any, seg: _Segments, outputs: list[str], opts: Any, plan: _Compiled
) -> tuple[Any, Any, list[str]]:
    """Every stage on the segmented path; lazy household and person frames as they leave the last."""
    import polars as pl

    person_cols: list[str] = []
    for k, stage in enumerate(rules.stages):
        later = plan.later[k] | set(outputs)
        if stage.kind == "person":
            for step in plan.steps[k]:
                pp = _apply_step(pp, step, opts, plan)
            person_cols += stage.names()
        elif stage.kind == "aggregate":
            keep = [c for c in pp.collect_schema() if c in later]
            frame, per_run = _segment_aggregates(pp, keep, plan.aggregates[k], seg, opts)
            if seg.run_of_household is not None:
                per_run = per_run.select(pl.all().gather(seg.run_of_household)).with_columns(
                    _empty_household_fill(stage)
                )
            pp = frame.lazy()
            hh = pl.concat([hh, per_run.lazy()], how="horizontal")
        elif stage.kind == "household":
            for step in plan.steps[k]:
                hh = _apply_step(hh, step, opts, plan)
        else:
            keep = [c for c in hh.collect_schema() if c in later or c in stage.items]
            households = hh.select(keep).collect(optimizations=opts, engine="in-memory")  # one chunk
            # Gathered eagerly and put beside the persons: at 3 M households about 40 % less CPU for
            # the next person stage than gathering from literals inside the streaming plan.
            wanted = [c for c in stage.items if c in later]  # the household-only run skips the rest
            # One row gather for all columns (the index is converted and checked once: 40 % less
            # time than a gather per column).
            values = households.select(wanted)[seg.household_of_person]
            pp = pl.concat([pp, values.lazy()], how="horizontal")
            hh = households.lazy()
            person_cols += wanted
    return hh, pp, person_cols


# ---- Sparse branches -------------------------------------------------------------------------------
#
# Polars computes both branches of a when/then/otherwise on every row. Several rules compute an amount
# only for the few rows that qualify (`where(status == 符合, <a chain of arithmetic>, 0)`: the
# single-person 低保 for 0.4 % of persons, the unsupported-child allowance for 0.06 %, medical
# assistance for 15 %). On the segmented path such a rule's condition is computed first, its branch on
# the qualifying rows only, and the result is put in place over the literal of the other branch; when
# more than half the rows qualify it is computed as written. Same values, same dtype as the plain
# expression: the parity tests compare this path with the single-household path and with Spark.

_SPARSE_MIN_OPS = 4  # a branch this costly (arithmetic, comparison and logic nodes) is worth the detour
_SPARSE_MAX_SHARE = 0.5


def _op_count(node: Any) -> int:
    """Operations a node computes per row (a named rule read as a column counts none)."""
    if isinstance(node, Named | Col | Lit | Param):
        return 0
    return 1 + sum(_op_count(child) for child in vars(node).values() if isinstance(child, Expr))


def _sparse_candidate(named: Named) -> bool:
    e = named.expr
    return isinstance(e, Where) and isinstance(e.otherwise, Lit) and _op_count(e.then) >= _SPARSE_MIN_OPS


@dataclass
class _Sparse:
    name: str
    cond: Any
    then: Any
    otherwise: Any
    dense: Any


@dataclass
class _Step:
    """Rules computed together: dense expressions (one projection), or sparse rules with the columns
    the rest of the run still reads after them."""

    dense: list[Any]
    sparse: list[_Sparse] = field(default_factory=list)
    keep: set[str] = field(default_factory=set)


def _apply_step(frame: Any, step: _Step, opts: Any, plan: _Compiled) -> Any:
    if step.dense:
        return frame.with_columns(step.dense)
    if all(r.name in plan.dense_names for r in step.sparse):  # seen not to be sparse in an earlier slice
        return frame.with_columns([r.dense for r in step.sparse])
    return _sparse_step(frame, step, opts, plan)


def _sparse_step(frame: Any, step: _Step, opts: Any, plan: _Compiled) -> Any:
    """Collect `frame` (only the columns still read), then each sparse rule on its qualifying rows."""
    import polars as pl

    masks = [r.cond.fill_null(False).alias(f"__mask_{i}") for i, r in enumerate(step.sparse)]
    keep = [c for c in frame.collect_schema() if c in step.keep]
    data = frame.select(*keep, *masks).collect(optimizations=opts, engine="in-memory")
    lazy = data.lazy()
    dtypes = lazy.select([r.dense for r in step.sparse]).collect_schema()
    columns = []
    for i, r in enumerate(step.sparse):
        mask = data.get_column(f"__mask_{i}")
        if mask.sum() > _SPARSE_MAX_SHARE * data.height:
            plan.dense_names.add(r.name)  # later slices compute it as written, without the detour
            columns.append(lazy.select(r.dense).collect(optimizations=opts, engine="in-memory").to_series())
            continue
        dtype = dtypes[r.name]
        values = lazy.filter(pl.col(f"__mask_{i}")).select(r.then.cast(dtype)).collect(engine="in-memory")
        base = pl.select(pl.repeat(r.otherwise, data.height, dtype=dtype)).to_series()
        columns.append(base.scatter(mask.arg_true(), values.to_series()).alias(r.name))
    return data.select(keep).hstack(columns).lazy()


@dataclass
class _Compiled:
    """The Polars expressions of every person and household stage, in steps (dependency layers, with
    sparse rules apart), and per stage the columns later stages read: built once per run and shared
    by its slices."""

    steps: dict[int, list[_Step]]
    later: list[set[str]]
    aggregates: dict[int, list[tuple[Agg, Any, bool]]]  # (aggregate, per-person value, packed flag)
    dense_names: set[str] = field(default_factory=set)  # sparse candidates that were not sparse


def _substitute(node: Any, inline: Mapping[str, Expr]) -> Any:
    """The expression with every named rule in `inline` replaced by its definition."""
    if isinstance(node, Named):
        return _substitute(inline[node.name], inline) if node.name in inline else node
    if not isinstance(node, Expr) or isinstance(node, Col | Lit | Param):
        return node
    changes = {
        f.name: _substitute(getattr(node, f.name), inline)
        for f in dataclasses.fields(node)  # type: ignore[arg-type]
        if isinstance(getattr(node, f.name), Expr)
    }
    return dataclasses.replace(node, **changes)  # type: ignore[type-var]


def _inline_helpers(stage: Any, needed: set[str]) -> Any:
    """The stage with each rule that only one later rule of the stage reads (and nothing after the stage
    or in the outputs) written into that rule: a helper of a sparse branch is then computed on the
    qualifying rows only (特困's basic and care standards into its amount, for 0.03 % of persons)."""
    readers: dict[str, int] = {}
    for item in stage.items:
        for name in set(item.expr.inputs()):
            readers[name] = readers.get(name, 0) + 1
    inline = {n.name: n.expr for n in stage.items if readers.get(n.name) == 1 and n.name not in needed}
    if not inline:
        return stage
    items = tuple(
        dataclasses.replace(n, expr=_substitute(n.expr, inline)) for n in stage.items if n.name not in inline
    )
    return type(stage)(stage.kind, items)


def _live(stage: Any, needed: set[str]) -> Any:
    """The stage without the rules that nothing needed reads (person_monthly when only household
    results are asked for)."""
    live = {n.name for n in stage.items if n.name in needed}
    for named in reversed(stage.items):  # a rule reads only rules before it
        if named.name in live:
            live.update(named.expr.inputs())
    return type(stage)(stage.kind, tuple(n for n in stage.items if n.name in live))


def _stage_steps(stage: Any, keep_always: set[str], sparse: bool) -> list[_Step]:
    """A stage's dependency layers as steps. A sparse rule is put off until just before the first layer
    that reads it (to the end of the stage if no rule of the stage does), so that sparse rules of
    different layers share one step (one collect, one pass over the kept columns)."""
    layers = stage.layers()
    # (a rule whose condition the run's parameters fix is not worth the detour: it compiles to one branch)
    apart = {
        n.name
        for layer in layers
        for n in layer
        if sparse and _sparse_candidate(n) and constant_value(n.expr.cond) is None  # type: ignore[attr-defined]
    }
    due = dict.fromkeys(apart, len(layers))
    for j, layer in enumerate(layers):
        for named in layer:
            for name in named.expr.inputs():
                if name in due:
                    due[name] = min(due[name], j)
    order: list[tuple[str, list[Named]]] = []  # ("sparse" | "dense", rules), in run order
    for d in range(len(layers) + 1):
        group = [n for layer in layers for n in layer if n.name in apart and due[n.name] == d]
        if group:
            order.append(("sparse", group))
        dense = [n for n in layers[d] if n.name not in apart] if d < len(layers) else []
        if dense:
            order.append(("dense", dense))
    steps: list[_Step] = []
    for i, (kind, group) in enumerate(order):
        if kind == "dense":
            steps.append(_Step([n.definition_polars() for n in group]))
            continue
        after = [n for _k, g in order[i:] for n in g]  # this group and everything computed after it
        keep = (
            keep_always
            | _reads([type(stage)(stage.kind, tuple(after))])
            | {"household_id", "person_id", "param_key"}
        )
        rules = [
            _Sparse(
                n.name,
                n.expr.cond.to_polars(),  # type: ignore[attr-defined]
                n.expr.then.to_polars(),  # type: ignore[attr-defined]
                n.expr.otherwise.value,  # type: ignore[attr-defined]
                n.definition_polars(),
            )
            for n in group
        ]
        steps.append(_Step([], rules, keep))
    return steps


def _compile(rules: RuleSet, outputs: Sequence[str], *, sparse: bool) -> _Compiled:
    """`sparse` only where the frames are collected between steps (the segmented path)."""
    later = [_reads(rules.stages[k + 1 :]) for k in range(len(rules.stages))]
    steps: dict[int, list[_Step]] = {}
    for k, stage in enumerate(rules.stages):
        if stage.kind not in {"person", "household"}:
            continue
        needed = later[k] | set(outputs)
        if sparse:
            stage = _inline_helpers(_live(stage, needed), needed)
        steps[k] = _stage_steps(stage, needed, sparse)
    aggregates = {
        k: [(agg, *_aggregate_input(agg)) for agg in stage.items]
        for k, stage in enumerate(rules.stages)
        if stage.kind == "aggregate"
    }
    return _Compiled(steps, later, aggregates)


# Households per slice on the segmented path. Each slice runs every stage on its own (its persons are
# one contiguous block), two at a time: columns of a few megabytes instead of hundreds, so the
# allocator reuses memory instead of mapping fresh pages for every intermediate column, and both cores
# stay busy through the single-threaded steps (cumulative sums, gathers). At 10 M households slices of
# 250,000 took 6.5 CPU s against 8.5 for the whole frame at once (bench/README.md).
SLICE_HOUSEHOLDS = 250_000


def _slices(households: Any, persons: Any, size: int) -> list[tuple[Any, Any]]:
    """(households, persons) blocks of about `size` households; a person goes with the block whose id
    range holds its household_id, so persons without a household stay where the whole run puts them."""
    n = households.height
    if n <= size * 3 // 2:
        return [(households, persons)]
    starts = list(range(0, n, size))
    if n - starts[-1] < size // 2:  # no small tail slice
        starts.pop()
    ids = households["household_id"].gather(starts[1:])
    cuts = [0, *persons["household_id"].search_sorted(ids, side="left").to_list(), persons.height]
    bounds = [*starts, n]
    return [
        (
            households.slice(bounds[i], bounds[i + 1] - bounds[i]),
            persons.slice(cuts[i], cuts[i + 1] - cuts[i]),
        )
        for i in range(len(starts))
    ]


def assess_polars(
    rules: RuleSet,
    households: Any,
    persons: Any,
    table: ParamTable,
    *,
    person_outputs: bool = False,
    slice_households: int = SLICE_HOUSEHOLDS,
) -> Any:
    """Vectorised run over whole tables (Polars DataFrames or LazyFrames).

    Returns a DataFrame of household_id and every household-level result; with person_outputs=True a
    pair (households, persons) where the second has person_id and every person-level result.
    DataFrames whose persons are sorted by household_id (and households by a unique id) take the
    segmented path, in slices of `slice_households` run two at a time; anything else the
    group-by/join plan. Every path gives the same values.
    """
    import polars as pl

    used = rules.params_used()
    constants = {
        n: table.values[0][n] for n in used if table.values and len({v[n] for v in table.values}) == 1
    }
    varying = [n for n in used if n not in constants]
    keep = ["household_id", *rules.household_names()]
    person_keep = ["person_id", "household_id", *rules.person_names()] if person_outputs else []
    # Merging the per-layer projections (cluster_with_columns) makes the streaming plan slightly slower
    # here: without it 3-7% less wall and CPU time at 1M and 3M households (interleaved A/B, same results).
    opts = pl.QueryOptFlags(cluster_with_columns=False)
    token = POLARS_CONSTANT_PARAMS.set(constants)
    sets_token = None
    try:
        # Only parameters that differ between sets become columns, gathered by param_key (no join).
        segmented = _segmentable(rules, households, persons)
        checked = segmented and _keys_in_table(table, households, persons)
        sets_token = POLARS_PARAM_SETS.set((table.values, checked))
        params = param_columns_polars(table, varying, keys_checked=checked) if varying else []
        if not segmented:
            hh = households.lazy() if isinstance(households, pl.DataFrame) else households
            pp = persons.lazy() if isinstance(persons, pl.DataFrame) else persons
            if params:
                pp, hh = pp.with_columns(params), hh.with_columns(params)
            hh, pp, person_cols = _plan_polars(rules, hh, pp)
            return _finish(hh, pp, keep, person_cols, person_outputs, opts)
        plan = _compile(rules, keep + person_keep, sparse=True)
    finally:
        POLARS_CONSTANT_PARAMS.reset(token)
        if sets_token is not None:
            POLARS_PARAM_SETS.reset(sets_token)

    def run(block: tuple[Any, Any]) -> Any:
        h, p = block
        s = _segments_of(h, p)  # a slice of sorted, unique households and sorted persons stays so
        hh, pp = h.lazy(), p.lazy()
        if params:
            pp, hh = pp.with_columns(params), hh.with_columns(params)
        hh, pp, person_cols = _run_segmented(rules, hh, pp, s, keep + person_keep, opts, plan)
        return _finish(hh, pp, keep, person_cols, person_outputs, opts)

    blocks = _slices(households, persons, max(slice_households, 1))
    if len(blocks) == 1:
        return run(blocks[0])
    from concurrent.futures import ThreadPoolExecutor

    # One slice more than Polars has threads: while a slice is in Python (building its plan, between
    # collects) the others keep the cores busy. Polars and numpy release the GIL.
    with ThreadPoolExecutor(max_workers=min(pl.thread_pool_size() + 1, 16)) as pool:
        parts = list(pool.map(run, blocks))
    if not person_outputs:
        return pl.concat(parts)
    return pl.concat([h for h, _p in parts]), pl.concat([p for _h, p in parts])


def _finish(
    hh: Any, pp: Any, keep: list[str], person_cols: list[str], person_outputs: bool, opts: Any
) -> Any:
    import polars as pl

    if not person_outputs:
        return hh.select(keep).collect(optimizations=opts)
    frames = pl.collect_all(
        [hh.select(keep), pp.select(["person_id", "household_id", *person_cols])], optimizations=opts
    )
    return frames[0], frames[1]
