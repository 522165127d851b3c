"""The one SQL↔Polars reader and writer: a SELECT into a typed frame, a frame into a table. On
PostgreSQL both stream through COPY (far faster than rows); SQLite, the embedded default, uses plain
cursors. Callers pass only fixed SQL with %s placeholders; values are always bound."""

from __future__ import annotations

import io
from typing import Any

import polars as pl
from django.db import connection


def read_frame(sql: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """Run a SELECT and return a Polars frame with the given column names and types."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3 cursor: COPY streams text, far faster than fetching rows
            query = raw.mogrify(sql, params) if params else sql
            buffer = io.BytesIO()
            with raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for chunk in copy:
                    buffer.write(chunk)
        if buffer.tell() == 0:
            return pl.DataFrame(schema=schema)
        buffer.seek(0)
        csv_schema = {k: (pl.Utf8 if v in (pl.Boolean, pl.Date) else v) for k, v in schema.items()}
        frame = pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema_overrides=csv_schema)
        casts = []
        for name, dtype in schema.items():
            if dtype == pl.Utf8:
                casts.append(pl.col(name).fill_null("").alias(name))
            elif dtype == pl.Boolean:
                casts.append(pl.col(name).eq("t").alias(name))
            elif dtype == pl.Date:
                casts.append(pl.col(name).str.to_date("%Y-%m-%d").alias(name))
        return frame.with_columns(casts) if casts else frame
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Every row decides a column's type: a column NULL in the first 100 rows (an end month nobody has
    # yet) must not be typed Null and then refuse the first date after them.
    frame = pl.DataFrame(rows, schema=list(schema), orient="row", infer_schema_length=None)
    casts = []
    for name, dtype in schema.items():
        if dtype == pl.Date:
            casts.append(pl.col(name).cast(pl.Utf8).str.slice(0, 10).str.to_date("%Y-%m-%d").alias(name))
        elif dtype == pl.Utf8:
            casts.append(pl.col(name).cast(pl.Utf8).fill_null("").alias(name))
        elif dtype == pl.Boolean:
            casts.append(pl.col(name).cast(pl.Int64).cast(pl.Boolean).alias(name))
        else:
            casts.append(pl.col(name).cast(dtype).alias(name))
    return frame.with_columns(casts)


def write_frame(table: str, frame: pl.DataFrame, *, chunk: int = 200_000) -> None:
    """Insert every row of `frame` into `table` (columns named as in the frame) inside the caller's
    transaction. Dates as dates, Decimals as text with two decimals, None as NULL."""
    if frame.height == 0:
        return
    quoted = ", ".join(connection.ops.quote_name(c) for c in frame.columns)
    name = connection.ops.quote_name(table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(
                f"COPY {name} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            ) as copy:
                for offset in range(0, frame.height, chunk):
                    buffer = io.BytesIO()
                    frame.slice(offset, chunk).write_csv(buffer, include_header=False, null_value="\\N")
                    copy.write(buffer.getvalue())
        return
    placeholders = ", ".join(["%s"] * len(frame.columns))
    with connection.cursor() as cursor:
        for offset in range(0, frame.height, chunk):
            cursor.executemany(
                f"INSERT INTO {name} ({quoted}) VALUES ({placeholders})",  # noqa: S608 (quoted names only)
                frame.slice(offset, chunk).rows(),
            )


def queryset_frame(queryset: Any, schema: dict[str, Any]) -> pl.DataFrame:
    """A `.values_list(*schema)` queryset read as a frame: the ORM writes the SQL (so no app spells
    another's table names), read_frame streams it."""
    sql, params = queryset.values_list(*schema).query.sql_with_params()
    return read_frame(sql, list(params), schema)
