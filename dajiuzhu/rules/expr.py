"""A small expression language for policy rules, compiled to several engines.

A rule is written once as an immutable expression tree (columns, parameters, literals, arithmetic,
comparisons, boolean logic, `where`, aggregation over household members). The same tree is

* evaluated on one household's plain dicts (`evaluate`), recording every step for the explanation,
* compiled to a Polars expression (`to_polars`) for the whole registry, vectorised,
* compiled to a PySpark Column (`to_spark`) for national-scale runs.

Money is integer fen everywhere in the engine. Division is integer: `//` floors, `half_up(a, d)`
rounds an amount half up to the fen (policy-spec C1), and rules compare `income < standard × members`
rather than dividing, so no rounding ever enters a decision.

>>> e = (col("income") < param("standard") * col("n")).named("low", "收入低于标准")
>>> e.evaluate({"income": 100, "n": 2}, {"standard": 60})
True
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

Row = Mapping[str, Any]
Params = Mapping[str, Any]

_BIN_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "&": lambda a, b: bool(a) and bool(b),
    "|": lambda a, b: bool(a) or bool(b),
}
_CN_OPS = {
    "<": "<",
    "<=": "≤",
    ">": ">",
    ">=": "≥",
    "==": "=",
    "!=": "≠",
    "&": "且",
    "|": "或",
    "//": "÷",
    "*": "×",
    "+": "+",
    "-": "−",
}


def _wrap(value: Any) -> Expr:
    return value if isinstance(value, Expr) else Lit(value)


class Expr:
    """Base of every node. Operators build new nodes; nothing is mutated."""

    # -- building ----------------------------------------------------------------------------
    def __add__(self, other: Any) -> Expr:
        return Bin("+", self, _wrap(other))

    def __radd__(self, other: Any) -> Expr:
        return Bin("+", _wrap(other), self)

    def __sub__(self, other: Any) -> Expr:
        return Bin("-", self, _wrap(other))

    def __rsub__(self, other: Any) -> Expr:
        return Bin("-", _wrap(other), self)

    def __mul__(self, other: Any) -> Expr:
        return Bin("*", self, _wrap(other))

    def __rmul__(self, other: Any) -> Expr:
        return Bin("*", _wrap(other), self)

    def __floordiv__(self, other: Any) -> Expr:
        return Bin("//", self, _wrap(other))

    def __lt__(self, other: Any) -> Expr:  # type: ignore[override]
        return Bin("<", self, _wrap(other))

    def __le__(self, other: Any) -> Expr:  # type: ignore[override]
        return Bin("<=", self, _wrap(other))

    def __gt__(self, other: Any) -> Expr:  # type: ignore[override]
        return Bin(">", self, _wrap(other))

    def __ge__(self, other: Any) -> Expr:  # type: ignore[override]
        return Bin(">=", self, _wrap(other))

    def eq(self, other: Any) -> Expr:
        return Bin("==", self, _wrap(other))

    def ne(self, other: Any) -> Expr:
        return Bin("!=", self, _wrap(other))

    def __and__(self, other: Any) -> Expr:
        return Bin("&", self, _wrap(other))

    def __or__(self, other: Any) -> Expr:
        return Bin("|", self, _wrap(other))

    def __invert__(self) -> Expr:
        return Not(self)

    def isin(self, values: Sequence[Any]) -> Expr:
        return IsIn(self, tuple(values))

    def named(self, name: str, label: str, reference: str = "") -> Named:
        return Named(name=name, label=label, reference=reference, expr=self)

    # -- engines -----------------------------------------------------------------------------
    def evaluate(self, row: Row, params: Params, trace: list[Step] | None = None) -> Any:
        raise NotImplementedError

    def to_polars(self) -> Any:
        raise NotImplementedError

    def to_spark(self) -> Any:
        raise NotImplementedError

    def text(self) -> str:
        """A readable formula for explanations (Chinese labels where the nodes carry them)."""
        raise NotImplementedError

    def inputs(self) -> list[str]:
        """Names of the columns, parameters and named sub-results this expression reads."""
        return []


@dataclass(frozen=True, eq=False)
class Col(Expr):
    name: str

    def evaluate(self, row: Row, params: Params, trace: list[Step] | None = None) -> Any:
        return row[self.name]

    def to_polars(self) -> Any:
        import polars as pl

        return pl.col(self.name)

    def to_spark(self) -> Any:
        from pyspark.sql import functions as F

        return F.col(self.name)

    def text(self) -> str:
        return COLUMN_LABELS.get(self.name, self.name)

    def inputs(self) -> list[str]:
        return [self.name]


PARAM_PREFIX = "p__"

# While a Polars plan is built: parameters whose value is the same in every parameter set of the run
# (most of them: only a few differ between counties or urban and rural). They compile to literals.
POLARS_CONSTANT_PARAMS: ContextVar[dict[str, int]] = ContextVar("POLARS_CONSTANT_PARAMS", default={})  # noqa: B039

# While a Polars plan is built: every parameter set of the run (by param_key) and whether every row's
# param_key is known to index them. A part of a rule made of parameters and literals alone (the add-on of
# an elderly member, half_up(standard × share, 1000)) is computed once per set and picked by key.
POLARS_PARAM_SETS: ContextVar[tuple[list[dict[str, int]], bool] | None] = ContextVar(
    "POLARS_PARAM_SETS", default=None
)

# Chinese labels of input columns for readable formulas; filled by rules.inputs.
COLUMN_LABELS: dict[str, str] = {}


def param_column(name: str) -> str:
    """Column that carries a parameter in vectorised runs (joined per region and urban/rural)."""
    return PARAM_PREFIX + name.replace(".", "__")


@dataclass(frozen=True, eq=False)
class Param(Expr):
    name: str

    def evaluate(self, row: Row, params: Params, trace: list[Step] | None = None) -> Any:
        return params[self.name]

    def to_polars(self) -> Any:
        import polars as pl

        constants = POLARS_CONSTANT_PARAMS.get()
        if self.name in constants:  # the same in every parameter set: a literal, no column at all
            return pl.lit(constants[self.name], dtype=pl.Int64)
        return pl.col(param_column(self.name))

    def to_spark(self) -> Any:
        from pyspark.sql import functions as F

        return F.col(param_column(self.name))

    def text(self) -> str:
        return f"参数[{self.name}]"

    def inputs(self) -> list[str]:
        return [f"param:{self.name}"]


@dataclass(frozen=True, eq=False)
class Lit(Expr):
    value: Any

    def evaluate(self, row: Row, params: Params, trace: list[Step] | None = None) -> Any:
        return self.value

    def to_polars(self) -> Any:
        import polars as pl

        return pl.lit(self.value)

    def to_spark(self) -> Any:
        from pyspark.sql import functions as F

        if isinstance(self.value, int) and not isinstance(self.value, bool):
            return F.lit(self.value).cast("long")  # Spark types small ints as 32-bit: keep money in int64
        return F.lit(self.value)

    def text(self) -> str:
        if isinstance(self.value, bool):
            return "是" if self.value else "否"
        return str(self.value)


@dataclass(frozen=True, eq=False)
class Bin(Expr):
    op: str
    left: Expr
    right: Expr

    def evaluate(self, row: Row, params: Params, trace: list[Step] | None = None) -> Any:
        a = self.left.evaluate(row, params, trace)
        b = self.right.evaluate(row, params, trace)
        return _BIN_OPS[self.op](a, b)

    def to_polars(self) -> Any:
        folded = _per_parameter_set(self)
        if folded is not None:
            return folded
        if self.op in {"&", "|"}:
            # A side fixed by the run's parameters (a switch that is off everywhere): the other side alone,
            # or the constant, so a disabled route costs nothing per row. Same values as written.
            for fixed, other in ((self.left, self.right), (self.right, self.left)):
                value = constant_value(fixed)
                if value is not None:
                    if bool(value) == (self.op == "|"):
                        return _polars_literal(bool(value))
                    return other.to_polars().cast(_polars_bool())
        a, b = self.left.to_polars(), self.right.to_polars()
        return _BIN_OPS[self.op](a, b) if self.op not in {"&", "|"} else (a & b if self.op == "&" else a | b)

    def to_spark(self) -> Any:
        from pyspark.sql import functions as F

        a, b = self.left.to_spark(), self.right.to_spark()
        if self.op == "//":
            # Python floors; Spark's `div` truncates toward zero (exact in int64, unlike `/` which is a
            # double). Step down by one when the remainder is non-zero and its sign differs from b's.
            q = F.call_function("div", a, b)
            r = a % b
            return F.when((r != 0) & ((r < 0) != (b < 0)), q - 1).otherwise(q)
        if self.op == "&":
            return a.cast("boolean") & b.cast("boolean")
        if self.op == "|":
            return a.cast("boolean") | b.cast("boolean")
        return _BIN_OPS[self.op](a, b)

    def text(self) -> str:
        return f"({self.left.text()} {_CN_OPS[self.op]} {self.right.text()})"

    def inputs(self) -> list[str]:
        return _merge(self.left.inputs(), self.right.inputs())


@dataclass(frozen=True, eq=False)
class Not(Expr):
    inner: Expr

    def evaluate(self, row: Row, params: Params, trace: list[Step] | None = None) -> Any:
        return not self.inner.evaluate(row, params, trace)

    def to_polars(self) -> Any:
        folded = _per_parameter_set(self)
        if folded is not None:
            return folded
        return ~self.inner.to_polars()

    def to_spark(self) -> Any:
        return ~self.inner.to_spark().cast("boolean")

    def text(self) -> str:
        return f"非{self.inner.text()}"

    def inputs(self) -> list[str]:
        return self.inner.inputs()


@dataclass(frozen=True, eq=False)
class IsIn(Expr):
    inner: Expr
    values: tuple[Any, ...]

    def evaluate(self, row: Row, params: Params, trace: list[Step] | None = None) -> Any:
        return self.inner.evaluate(row, params, trace) in self.values

    def to_polars(self) -> Any:
        import polars as pl

        inner = self.inner.to_polars()
        if 0 < len(self.values) <= 4:
            # A few equalities are cheaper than a hashed lookup (on a String column 1.5 against 12 ns a
            # row, on an Enum 0.2 against 0.4) and mean the same, nulls included (null stays null).
            out = inner == pl.lit(self.values[0])
            for value in self.values[1:]:
                out = out | (inner == pl.lit(value))
            return out
        return inner.is_in(pl.lit(list(self.values)))

    def to_spark(self) -> Any:
        from pyspark.sql import functions as F

        if not self.values:
            return F.lit(False)
        return self.inner.to_spark().isin([Lit(v).to_spark() for v in self.values])

    def text(self) -> str:
        return f"{self.inner.text()}∈{{{'、'.join(map(str, self.values))}}}"

    def inputs(self) -> list[str]:
        return self.inner.inputs()


@dataclass(frozen=True, eq=False)
class Where(Expr):
    cond: Expr
    then: Expr
    otherwise: Expr

    def evaluate(self, row: Row, params: Params, trace: list[Step] | None = None) -> Any:
        if self.cond.evaluate(row, params, trace):
            return self.then.evaluate(row, params, trace)
        return self.otherwise.evaluate(row, params, trace)

    def to_polars(self) -> Any:
        import polars as pl

        folded = _per_parameter_set(self)
        if folded is not None:
            return folded
        decided = constant_value(self.cond)
        if decided is not None:  # the condition is fixed by the run's parameters: only that branch
            branch = self.then if decided else self.otherwise
            return _polars_literal(branch.value) if isinstance(branch, Lit) else branch.to_polars()
        return (
            pl.when(self.cond.to_polars()).then(self.then.to_polars()).otherwise(self.otherwise.to_polars())
        )

    def to_spark(self) -> Any:
        from pyspark.sql import functions as F

        return F.when(self.cond.to_spark().cast("boolean"), self.then.to_spark()).otherwise(
            self.otherwise.to_spark()
        )

    def text(self) -> str:
        return f"若{self.cond.text()}则{self.then.text()}否则{self.otherwise.text()}"

    def inputs(self) -> list[str]:
        return _merge(self.cond.inputs(), self.then.inputs(), self.otherwise.inputs())


def constant_value(node: Expr) -> Any:
    """The value of an expression of literals and parameters that are the same in every parameter set of
    the Polars run being built (POLARS_CONSTANT_PARAMS), or None when it depends on a row."""
    constants = POLARS_CONSTANT_PARAMS.get()
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Param):
        return constants.get(node.name)
    if isinstance(node, Not):
        inner = constant_value(node.inner)
        return None if inner is None else not inner
    if isinstance(node, Bin) and node.op in {"==", "!=", "<", "<=", ">", ">=", "&", "|"}:
        a, b = constant_value(node.left), constant_value(node.right)
        if node.op == "&" and (
            a is False or b is False or (a is not None and not a) or (b is not None and not b)
        ):
            return False
        if node.op == "|" and ((a is not None and bool(a)) or (b is not None and bool(b))):
            return True
        if a is None or b is None:
            return None
        return _BIN_OPS[node.op](a, b)
    return None


def _params_only(node: Expr) -> bool:
    """Whether an expression reads parameters and literals only (no column, no named result)."""
    if isinstance(node, Lit | Param):
        return True
    if isinstance(node, Col | Named):
        return False
    return all(_params_only(child) for child in vars(node).values() if isinstance(child, Expr))


def _per_parameter_set(node: Expr) -> Any:
    """For a compound expression of parameters and literals, while a Polars plan is built: its value in
    each parameter set, as one literal when they agree, else picked by param_key; None otherwise."""
    context = POLARS_PARAM_SETS.get()
    if context is None or not _params_only(node):
        return None
    sets, keys_checked = context
    try:
        values = [node.evaluate({}, params) for params in sets]
    except (ArithmeticError, KeyError):
        return None  # e.g. a division by a zero parameter: leave it to Polars, as written
    if not values or any(type(v) not in (int, bool) for v in values):
        return None
    if len(set(values)) == 1:
        return _polars_literal(values[0])
    import polars as pl

    dtype = pl.Boolean if all(isinstance(v, bool) for v in values) else pl.Int64
    key = pl.col("param_key")
    by_value: dict[Any, list[int]] = {}
    for k, v in enumerate(values):
        by_value.setdefault(v, []).append(k)
    if not keys_checked or len(by_value) > 4:
        return pl.lit(pl.Series(values, dtype=dtype)).gather(key)
    *others, last = by_value
    out = pl.lit(last, dtype=dtype)
    for value in others:
        keys = by_value[value]
        test = key.is_in(keys) if len(keys) > 4 else pl.any_horizontal([key == k for k in keys])
        out = pl.when(test).then(pl.lit(value, dtype=dtype)).otherwise(out)
    return out


def _polars_literal(value: Any) -> Any:
    """A literal as the engine's column types: integers Int64 (money), booleans Boolean."""
    import polars as pl

    if isinstance(value, bool):
        return pl.lit(value, dtype=pl.Boolean)
    if isinstance(value, int):
        return pl.lit(value, dtype=pl.Int64)
    return pl.lit(value)


def _polars_bool() -> Any:
    import polars as pl

    return pl.Boolean


def where(cond: Expr, then: Any, otherwise: Any) -> Expr:
    return Where(cond, _wrap(then), _wrap(otherwise))


@dataclass(frozen=True, eq=False)
class Extreme(Expr):
    """Elementwise max/min of two expressions."""

    kind: str  # "max" | "min"
    left: Expr
    right: Expr

    def evaluate(self, row: Row, params: Params, trace: list[Step] | None = None) -> Any:
        fn = max if self.kind == "max" else min
        return fn(self.left.evaluate(row, params, trace), self.right.evaluate(row, params, trace))

    def to_polars(self) -> Any:
        import polars as pl

        folded = _per_parameter_set(self)
        if folded is not None:
            return folded
        fn = pl.max_horizontal if self.kind == "max" else pl.min_horizontal
        return fn(self.left.to_polars(), self.right.to_polars())

    def to_spark(self) -> Any:
        from pyspark.sql import functions as F

        fn = F.greatest if self.kind == "max" else F.least
        return fn(self.left.to_spark(), self.right.to_spark())

    def text(self) -> str:
        word = "较大值" if self.kind == "max" else "较小值"
        return f"{self.left.text()}与{self.right.text()}的{word}"

    def inputs(self) -> list[str]:
        return _merge(self.left.inputs(), self.right.inputs())


@dataclass(frozen=True, eq=False)
class HalfUp(Expr):
    """`amount ÷ divisor` rounded half up to a whole unit (policy-spec C1: money to the fen,
    `money.rounding = ROUND_HALF_UP`), for amount ≥ 0 and divisor > 0: floor((2·amount + divisor) ÷
    (2·divisor)), integer arithmetic on every engine (Spark through the same exact floor division)."""

    amount: Expr
    divisor: Expr

    def _exact(self) -> Expr:
        return Bin(
            "//", Bin("+", Bin("*", self.amount, Lit(2)), self.divisor), Bin("*", self.divisor, Lit(2))
        )

    def evaluate(self, row: Row, params: Params, trace: list[Step] | None = None) -> Any:
        a = self.amount.evaluate(row, params, trace)
        d = self.divisor.evaluate(row, params, trace)
        return (2 * a + d) // (2 * d)

    def to_polars(self) -> Any:
        folded = _per_parameter_set(self)
        if folded is not None:
            return folded
        return self._exact().to_polars()

    def to_spark(self) -> Any:
        return self._exact().to_spark()

    def text(self) -> str:
        return f"({self.amount.text()} ÷ {self.divisor.text()}，四舍五入到分)"

    def inputs(self) -> list[str]:
        return _merge(self.amount.inputs(), self.divisor.inputs())


def half_up(amount: Any, divisor: Any) -> Expr:
    """amount ÷ divisor rounded half up (C1); e.g. a permille share of an amount: half_up(x * r, 1000)."""
    return HalfUp(_wrap(amount), _wrap(divisor))


def greatest(a: Any, b: Any) -> Expr:
    return Extreme("max", _wrap(a), _wrap(b))


def least(a: Any, b: Any) -> Expr:
    return Extreme("min", _wrap(a), _wrap(b))


@dataclass(frozen=True, eq=False)
class Named(Expr):
    """A named intermediate result: a column in vectorised runs, a step in the explanation."""

    name: str
    label: str
    reference: str
    expr: Expr

    def evaluate(self, row: Row, params: Params, trace: list[Step] | None = None) -> Any:
        if self.name in row:  # already computed in an earlier stage
            return row[self.name]
        value = self.expr.evaluate(row, params, trace)
        if trace is not None:
            trace.append(
                Step(
                    name=self.name,
                    label=self.label,
                    reference=self.reference,
                    formula=self.expr.text(),
                    inputs=_input_values(self.expr, row, params),
                    value=value,
                )
            )
        return value

    def to_polars(self) -> Any:
        import polars as pl

        return pl.col(self.name)

    def to_spark(self) -> Any:
        from pyspark.sql import functions as F

        return F.col(self.name)

    def definition_polars(self) -> Any:
        return self.expr.to_polars().alias(self.name)

    def definition_spark(self) -> Any:
        return self.expr.to_spark().alias(self.name)

    def text(self) -> str:
        return self.label or self.name

    def inputs(self) -> list[str]:
        return [self.name]


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    reference: str
    formula: str
    inputs: dict[str, Any]
    value: Any


def _input_values(expr: Expr, row: Row, params: Params) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in expr.inputs():
        if key.startswith("param:"):
            out[key] = params.get(key[6:])
        elif key in row:
            out[key] = row[key]
    return out


def _merge(*lists: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for items in lists:
        for item in items:
            seen.setdefault(item, None)
    return list(seen)


def col(name: str) -> Col:
    return Col(name)


def param(name: str) -> Param:
    return Param(name)


def lit(value: Any) -> Lit:
    return Lit(value)


@dataclass(frozen=True, eq=False)
class Agg:
    """An aggregation of a person-level expression over the members of a household."""

    kind: str  # sum | any | all | count | max | min
    expr: Expr
    name: str
    label: str
    reference: str = ""

    def evaluate_members(self, members: Sequence[Row], params: Params) -> Any:
        values = [self.expr.evaluate(m, params) for m in members]
        if self.kind == "sum":
            return sum(int(v) for v in values)
        if self.kind == "count":
            return sum(1 for v in values if v)
        if self.kind == "any":
            return any(values)
        if self.kind == "all":
            return all(values)
        if self.kind == "max":
            return max(values) if values else 0
        if self.kind == "min":
            return min(values) if values else 0
        raise ValueError(self.kind)

    def to_polars(self) -> Any:
        import polars as pl

        if self.kind == "count" and isinstance(self.expr, Lit):
            # A literal is the same for every member: all of them count, or none.
            return (pl.len() if self.expr.value else pl.lit(0)).cast(pl.Int64).alias(self.name)
        e = self.expr.to_polars()
        agg = {
            "sum": lambda: e.cast(pl.Int64).sum(),
            # count = members whose value is truthy (a non-zero number counts once, like the single path)
            "count": lambda: e.cast(pl.Boolean).cast(pl.Int64).sum(),
            "any": lambda: e.cast(pl.Boolean).any(),
            "all": lambda: e.cast(pl.Boolean).all(),
            "max": lambda: e.max(),
            "min": lambda: e.min(),
        }[self.kind]()
        return agg.alias(self.name)

    def to_spark(self) -> Any:
        from pyspark.sql import functions as F

        # Same meaning as evaluate_members: count = members whose value is truthy (a true literal counts
        # every member), sums and extremes are int64, any/all are booleans.
        e = self.expr.to_spark()
        agg = {
            "sum": lambda: F.sum(e.cast("long")),
            "count": lambda: F.count_if(e.cast("boolean")),
            "any": lambda: F.bool_or(e.cast("boolean")),
            "all": lambda: F.bool_and(e.cast("boolean")),
            "max": lambda: F.max(e).cast("long"),
            "min": lambda: F.min(e).cast("long"),
        }[self.kind]()
        return agg.cast("boolean" if self.kind in {"any", "all"} else "long").alias(self.name)

    @property
    def ref(self) -> Named:
        """Use the aggregate inside household-level expressions."""
        return Named(name=self.name, label=self.label, reference=self.reference, expr=Col(self.name))


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline. `person` and `household` add named columns at that level,
    `aggregate` summarises persons into their household, `broadcast` copies household columns onto
    every member so later person rules can read them."""

    kind: str  # person | aggregate | household | broadcast
    items: tuple[Any, ...]

    def names(self) -> list[str]:
        if self.kind == "broadcast":
            return list(self.items)
        return [item.name for item in self.items]

    def layers(self) -> list[list[Named]]:
        """The rules of a person or household stage in dependency layers: a rule sits one layer after
        the last rule of this stage it reads. Rules of one layer are independent, so an engine may
        compute them in one projection (in parallel)."""
        level: dict[str, int] = {}
        layers: list[list[Named]] = []
        for named in self.items:
            depth = max((level[n] + 1 for n in named.expr.inputs() if n in level), default=0)
            level[named.name] = depth
            while len(layers) <= depth:
                layers.append([])
            layers[depth].append(named)
        return layers


def person_stage(*items: Named) -> Stage:
    return Stage("person", items)


def aggregate_stage(*items: Agg) -> Stage:
    return Stage("aggregate", items)


def household_stage(*items: Named) -> Stage:
    return Stage("household", items)


def broadcast_stage(*names: str) -> Stage:
    return Stage("broadcast", names)


@dataclass
class RuleSet:
    """An ordered pipeline of stages; every engine runs the stages in this order."""

    stages: list[Stage] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Refuse a pipeline that reads a rule before it is computed, or at the wrong level."""
        all_names = {n for s in self.stages if s.kind != "broadcast" for n in s.names()}
        person_ready: set[str] = set()
        household_ready: set[str] = set()
        for stage in self.stages:
            if stage.kind == "broadcast":
                missing = [n for n in stage.items if n not in household_ready]
                if missing:
                    raise ValueError(f"broadcast of {missing} before they are computed")
                person_ready.update(stage.items)
                continue
            ready = household_ready if stage.kind == "household" else person_ready
            for item in stage.items:
                if item.name in person_ready | household_ready:
                    raise ValueError(f"rule name {item.name} defined twice")
                wanted = [n for n in item.expr.inputs() if n in all_names and n not in ready]
                if wanted:
                    raise ValueError(f"{item.name} reads {wanted} before they are computed at its level")
                (household_ready if stage.kind in {"aggregate", "household"} else person_ready).add(item.name)

    def person_names(self) -> list[str]:
        return [n for s in self.stages if s.kind in {"person", "broadcast"} for n in s.names()]

    def household_names(self) -> list[str]:
        return [n for s in self.stages if s.kind in {"aggregate", "household"} for n in s.names()]

    def params_used(self) -> list[str]:
        """Every parameter any rule reads, in a stable order."""
        used: dict[str, None] = {}

        def walk(node: Any) -> None:
            if isinstance(node, Param):
                used.setdefault(node.name, None)
                return
            for child in vars(node).values():
                if isinstance(child, Expr):
                    walk(child)

        for stage in self.stages:
            if stage.kind == "broadcast":
                continue
            for item in stage.items:
                walk(item.expr)
        return list(used)
