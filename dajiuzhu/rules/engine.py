"""Run a RuleSet: on one household with an explanation, or on whole tables with Polars.

Both paths read the same rule objects (rules.programmes); tests assert they agree exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dajiuzhu.rules.expr import Named, RuleSet, Step, param_column
from dajiuzhu.rules.params import ParamTable


@dataclass
class SingleResult:
    values: dict[str, Any]
    household_steps: list[Step]
    person_steps: list[list[Step]] = field(default_factory=list)


def assess_one(
    rules: RuleSet,
    household: Mapping[str, Any],
    persons: Sequence[Mapping[str, Any]],
    params: Mapping[str, int],
) -> SingleResult:
    """Evaluate every rule for one household, keeping each step's inputs and outcome."""
    rows: list[dict[str, Any]] = []
    person_steps: list[list[Step]] = []
    for person in persons:
        row = dict(person)
        steps: list[Step] = []
        for named in rules.person:
            row[named.name] = _evaluate_step(named, row, params, steps)
        rows.append(row)
        person_steps.append(steps)
    hrow = dict(household)
    steps = []
    for agg in rules.aggregates:
        hrow[agg.name] = agg.evaluate_members(rows, params)
        steps.append(
            Step(
                name=agg.name,
                label=agg.label,
                reference=agg.reference,
                formula=f"{agg.kind}({agg.expr.text()})",
                inputs={},
                value=hrow[agg.name],
            )
        )
    for named in rules.household:
        hrow[named.name] = _evaluate_step(named, hrow, params, steps)
    return SingleResult(values=hrow, household_steps=steps, person_steps=person_steps)


def _evaluate_step(named: Named, row: dict[str, Any], params: Mapping[str, int], steps: list[Step]) -> Any:
    from dajiuzhu.rules.expr import _input_values

    value = named.expr.evaluate(row, params)
    if isinstance(value, bool) or named.name.endswith(("_test", "_ok", "_flag")):
        value = bool(value)
    steps.append(
        Step(
            name=named.name,
            label=named.label,
            reference=named.reference,
            formula=named.expr.text(),
            inputs=_input_values(named.expr, row, params),
            value=value,
        )
    )
    return value


# ---- Polars ----------------------------------------------------------------------------------------


def _param_exprs(table: ParamTable, names: Sequence[str]) -> list[Any]:
    import polars as pl

    exprs = []
    for name in names:
        values = pl.Series(table.column(name), dtype=pl.Int64)
        exprs.append(pl.lit(values).gather(pl.col("param_key")).alias(param_column(name)))
    return exprs


def _params_used(nameds: Sequence[Any]) -> list[str]:
    used: dict[str, None] = {}

    def walk(expr: Any) -> None:
        for key in expr.inputs():
            if key.startswith("param:"):
                used.setdefault(key[6:], None)
        for child in vars(expr).values():
            if hasattr(child, "inputs") and child is not expr:
                walk(child)

    for n in nameds:
        walk(n.expr if isinstance(n, Named) else n.expr)
    return list(used)


def assess_polars(
    rules: RuleSet, households: Any, persons: Any, table: ParamTable, outputs: Sequence[str] | None = None
) -> Any:
    """Vectorised run over whole tables (Polars DataFrames or LazyFrames). Returns a DataFrame with
    household_id and the household-stage results (or only `outputs`)."""
    import polars as pl

    hh = households.lazy() if isinstance(households, pl.DataFrame) else households
    pp = persons.lazy() if isinstance(persons, pl.DataFrame) else persons

    person_params = _params_used(rules.person)
    pp = pp.with_columns(_param_exprs(table, person_params)) if person_params else pp
    for named in rules.person:
        pp = pp.with_columns(named.definition_polars())
    agg = pp.group_by("household_id").agg([a.to_polars() for a in rules.aggregates])

    hh = hh.join(agg, on="household_id", how="left")
    hh = hh.with_columns(
        [pl.col(a.name).fill_null(False if a.kind in {"any", "all"} else 0) for a in rules.aggregates]
    )
    household_params = _params_used(rules.household)
    hh = hh.with_columns(_param_exprs(table, household_params)) if household_params else hh
    for named in rules.household:
        hh = hh.with_columns(named.definition_polars())
    keep = (
        list(outputs)
        if outputs is not None
        else [*(a.name for a in rules.aggregates), *(n.name for n in rules.household)]
    )
    return hh.select(["household_id", *keep]).collect()
