"""Run a RuleSet on Spark DataFrames, for national-scale batches.

`assess_spark` walks the stages exactly as `engine.assess_polars` does, compiling each rule with
`Named.definition_spark` / `Agg.to_spark`, so the three engines share one set of rule objects; the tests
(rules/tests/test_spark.py) assert that Spark gives the same values as the single-household and Polars
paths. Items of a stage that do not read each other are added in one projection (same result, a much
smaller Spark plan). One deliberate difference from assess_polars: an `all` aggregate of a household
without persons is true, as `all([])` on the single path (assess_polars fills false).
pyspark is imported lazily: nothing else in dajiuzhu.rules needs it.

>>> spark = spark_session()  # doctest: +SKIP
>>> hh, pp = to_spark_frames(spark, households, persons)  # doctest: +SKIP
>>> assess_spark(RULES, hh, pp, TABLE).show()  # doctest: +SKIP
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dajiuzhu.rules.expr import Agg, RuleSet, param_column
from dajiuzhu.rules.inputs import HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from dajiuzhu.rules.params import ParamTable

# Quiet local runs: only errors from Spark's own logging (no startup banner, no hostname warnings).
_LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
# pyspark starts Spark as a shell: the first class to log sets the shell's level from its own logger
# and announces it on stderr unless that logger is configured (to the root's level).
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
logger.submit.name = org.apache.spark.deploy.SparkSubmit
logger.submit.level = error
logger.context.name = org.apache.spark.SparkContext
logger.context.level = error
"""

# For short-lived JVMs (tests, small batches): the client compiler only and a simple collector make
# start-up and query planning markedly faster; long national runs should leave them off.
SHORT_LIVED_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def spark_session(
    app_name: str = "dajiuzhu-rules",
    *,
    cores: int = 2,
    shuffle_partitions: int = 4,
    short_lived: bool = False,
) -> Any:
    """A local-mode SparkSession for tests and single-machine batches: `local[cores]`, few shuffle
    partitions, no web UI, no progress bar, error-level logging, ANSI SQL (integer overflow and
    division by zero raise instead of silently giving NULL). `short_lived` tunes the JVM for quick
    start-up (see SHORT_LIVED_JAVA_OPTIONS). Java options only take effect when this starts the JVM;
    an already running session is reused as it is."""
    import logging

    from pyspark.sql import SparkSession

    logging.getLogger("py4j").setLevel(logging.WARNING)  # no INFO lines per connection, even at exit

    # The driver JVM is launched by spark-submit with this environment; a loopback host name otherwise
    # makes Spark warn on every start.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    log_config = Path(tempfile.gettempdir()) / "dajiuzhu-spark-log4j2.properties"
    if not log_config.exists() or log_config.read_text() != _LOG4J2:
        log_config.write_text(_LOG4J2)
    java_options = f"-Dlog4j2.configurationFile=file:{log_config}"
    if short_lived:
        java_options += " " + SHORT_LIVED_JAVA_OPTIONS
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.default.parallelism", str(cores))
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", java_options)
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


# ---- inputs -----------------------------------------------------------------------------------------


def spark_schema(columns: Mapping[str, type]) -> Any:
    """StructType for an input table of rules.inputs (int → LongType, str → StringType, bool → BooleanType).
    Inputs carry no missing values, so every field is non-nullable and a None is refused on load."""
    from pyspark.sql import types as T

    types = {int: T.LongType(), str: T.StringType(), bool: T.BooleanType()}
    return T.StructType([T.StructField(name, types[kind], nullable=False) for name, kind in columns.items()])


def _rows(data: Any, columns: Mapping[str, type]) -> list[tuple[Any, ...]]:
    import polars as pl

    if isinstance(data, pl.LazyFrame):
        data = data.collect()
    if isinstance(data, pl.DataFrame):
        return list(data.select(list(columns)).iter_rows())
    rows: Iterable[Mapping[str, Any]] = data
    out = []
    for row in rows:
        values = []
        for name, kind in columns.items():
            value = row[name]
            # bool is an int subclass: keep the declared type exact so Spark's schema check is meaningful.
            values.append(value if kind is not int or not isinstance(value, bool) else int(value))
        out.append(tuple(values))
    return out


def to_spark_frame(spark: Any, data: Any, columns: Mapping[str, type]) -> Any:
    """One input table (a list of row dicts or a Polars DataFrame) as a Spark DataFrame with the
    explicit schema of `columns`; extra keys are ignored, missing ones raise."""
    return spark.createDataFrame(_rows(data, columns), schema=spark_schema(columns))


def to_spark_frames(spark: Any, households: Any, persons: Any) -> tuple[Any, Any]:
    """Households and persons (row dicts or Polars DataFrames) as Spark DataFrames of the engine schema."""
    return (
        to_spark_frame(spark, households, HOUSEHOLD_COLUMNS),
        to_spark_frame(spark, persons, PERSON_COLUMNS),
    )


# ---- the run ----------------------------------------------------------------------------------------


def param_columns_spark(table: ParamTable, names: Sequence[str]) -> dict[str, Any]:
    """One int64 column per parameter, picked from a literal array by each row's param_key (no join;
    a key outside the table raises under ANSI mode, as the Polars gather does)."""
    from pyspark.sql import functions as F

    index = (F.col("param_key") + 1).cast("int")  # element_at is 1-based
    return {
        param_column(name): F.element_at(F.array(*[F.lit(v).cast("long") for v in table.column(name)]), index)
        for name in names
    }


def _empty_value(agg: Agg) -> Any:
    """An aggregate's value for a household without persons, as Agg.evaluate_members gives it."""
    if agg.kind == "all":
        return True  # all([]) on the single path
    if agg.kind == "any":
        return False
    return 0


def assess_spark(
    rules: RuleSet, households: Any, persons: Any, table: ParamTable, *, person_outputs: bool = False
) -> Any:
    """Vectorised run over Spark DataFrames of the rules.inputs schema (see `to_spark_frames`).

    Returns a DataFrame of household_id and every household-level result; with person_outputs=True a
    pair (households, persons) where the second has person_id, household_id and every person-level
    result. Integer results are LongType, yes/no results BooleanType. Nothing runs until an action.
    """
    from pyspark.sql import functions as F

    used = rules.params_used()
    hh = households.withColumns(param_columns_spark(table, used))
    pp = persons.withColumns(param_columns_spark(table, used))
    person_cols: list[str] = []
    for stage in rules.stages:
        if stage.kind == "person":
            for layer in stage.layers():
                pp = pp.withColumns({named.name: named.definition_spark() for named in layer})
            person_cols += stage.names()
        elif stage.kind == "aggregate":
            agg = pp.groupBy("household_id").agg(*[a.to_spark() for a in stage.items])
            hh = hh.join(agg, on="household_id", how="left").withColumns(
                {a.name: F.coalesce(F.col(a.name), F.lit(_empty_value(a))) for a in stage.items}
            )
        elif stage.kind == "household":
            for layer in stage.layers():
                hh = hh.withColumns({named.name: named.definition_spark() for named in layer})
        else:  # broadcast
            pp = pp.join(hh.select("household_id", *stage.items), on="household_id", how="left")
            person_cols += list(stage.items)
    hh_out = _typed(hh.select("household_id", *rules.household_names()))
    if not person_outputs:
        return hh_out
    return hh_out, _typed(pp.select("person_id", "household_id", *person_cols))


def _typed(frame: Any) -> Any:
    """Every integral result as LongType (a rule of literals alone could otherwise come out narrower)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    narrow = {
        f.name: F.col(f.name).cast("long")
        for f in frame.schema.fields
        if isinstance(f.dataType, T.IntegralType) and not isinstance(f.dataType, T.LongType)
    }
    return frame.withColumns(narrow) if narrow else frame


def collect_by_key(frame: Any, key: str) -> dict[Any, dict[str, Any]]:
    """A (small) Spark result as {key value: row dict}, for tests and explanations."""
    return {row[key]: row.asDict() for row in frame.collect()}
