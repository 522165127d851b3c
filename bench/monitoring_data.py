"""Synthetic registry and feeds for bench/bench_monitoring.py, generated vectorised with Polars and
written with COPY: N persons (GB 11643-valid ID numbers, unique by construction) in N/2.5 households
spread over 11 counties × 10 townships × 20 villages, 5% of households 低保 (category history), 5%
with a declared income; and MEDICAL_SETTLEMENT feeds with unknown and malformed rows mixed in."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
COUNTIES = [
    "371402",
    "371403",
    "371422",
    "371423",
    "371424",
    "371425",
    "371426",
    "371427",
    "371428",
    "371481",
    "371482",
]
TOWNSHIPS = 10
VILLAGES = 20
BIRTH_BASE = dt.date(1940, 1, 1)


def with_check(body: pl.Expr) -> pl.Expr:
    n = body.cast(pl.Int64)
    total = pl.sum_horizontal([((n // 10 ** (16 - i)) % 10) * w for i, w in enumerate(WEIGHTS)])
    return pl.concat_str([body, pl.lit("10X98765432").str.slice(total % 11, 1)])


def id_numbers(index: pl.Expr, regions: list[str]) -> pl.Expr:
    """Person index → a unique valid ID number: region by index mod len, then (birth day, sequence)."""
    r = len(regions)
    k = index // r
    region = pl.lit(pl.Series(regions)).get(index % r)
    day = ((k // 999) * 13) % 29000
    birth = (pl.lit(BIRTH_BASE) + pl.duration(days=day)).dt.strftime("%Y%m%d")
    seq = (k % 999 + 1).cast(pl.Utf8).str.zfill(3)
    return with_check(pl.concat_str([region, birth, seq]))


def village_codes() -> list[str]:
    return [f"{c}1{t:02d}2{v:02d}" for c in COUNTIES for t in range(TOWNSHIPS) for v in range(VILLAGES)]


def _copy(cursor, table: str, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="\\N")
    buffer.seek(0)
    with cursor.copy(
        f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    ) as copy:
        while chunk := buffer.read(1 << 22):
            copy.write(chunk)


def seed(conn, persons: int, *, chunk: int = 1_000_000) -> dict[str, int]:
    """Write the registry into an empty migrated database (psycopg connection)."""
    now = dt.datetime.now(dt.UTC).isoformat()
    households = persons * 2 // 5
    villages = village_codes()
    with conn.cursor() as cur:
        rows = [("37", "山东省", 1, "37", "", "", "", "", "山东省", True, None),
                ("3714", "德州市", 2, "37", "3714", "", "", "", "山东省德州市", True, "37")]  # fmt: skip
        for c in COUNTIES:
            rows.append((c, f"县{c}", 3, "37", "3714", c, "", "", f"县{c}", True, "3714"))
            for t in range(TOWNSHIPS):
                tc = f"{c}1{t:02d}"
                rows.append((tc, f"镇{tc}", 4, "37", "3714", c, tc, "", f"镇{tc}", True, c))
                for v in range(VILLAGES):
                    vc = f"{tc}2{v:02d}"
                    rows.append((vc, f"村{vc}", 5, "37", "3714", c, tc, vc, f"村{vc}", True, tc))
        cols = ["code", "name", "level", "province_code", "city_code", "county_code", "township_code",
                "village_code", "full_name", "is_active", "parent_id"]  # fmt: skip
        _copy(cur, "areas_area", pl.DataFrame(rows, schema=cols, orient="row"))
        vser = pl.Series(villages)
        for start in range(0, households, chunk):
            n = min(chunk, households - start)
            h = pl.DataFrame({"id": pl.int_range(start + 1, start + n + 1, eager=True)}).with_columns(
                pl.concat_str([pl.lit("H"), pl.col("id").cast(pl.Utf8).str.zfill(10)]).alias("number"),
                pl.lit("地址").alias("address"), pl.lit("rural").alias("residence_type"),
                pl.lit("agricultural").alias("hukou_type"), pl.lit(2).alias("member_count"), pl.lit("").alias("note"),
                pl.lit(True).alias("is_active"), pl.lit(1).alias("version"), pl.lit(now).alias("created_at"),
                pl.lit(now).alias("updated_at"), pl.lit(vser).get((pl.col("id") - 1) % len(villages)).alias("area_id"),
            )  # fmt: skip
            _copy(cur, "registry_household", h)
        for start in range(0, persons, chunk):
            n = min(chunk, persons - start)
            idx = pl.int_range(start, start + n, eager=True).alias("i")
            p = pl.DataFrame(idx).with_columns(
                (pl.col("i") + 1).alias("id"), id_numbers(pl.col("i"), COUNTIES).alias("id_number"),
                pl.lit("某").alias("name"), pl.lit("M").alias("sex"), pl.lit("1970-01-01").alias("birth_date"),
                pl.lit("").alias("phone"),
                pl.when(pl.col("i") * 2 % 5 < 2).then(pl.lit("head")).otherwise(pl.lit("child")).alias("relation"),
                pl.lit("").alias("disability_type"), pl.lit(None, dtype=pl.Int64).alias("disability_grade"),
                *[pl.lit(True).alias(c) for c in ("adl_eating", "adl_dressing", "adl_transfer", "adl_toileting",
                                                  "adl_walking", "adl_bathing")],
                pl.lit("full").alias("labour_capacity"), pl.lit("farming").alias("employment"),
                pl.lit("").alias("school_stage"), pl.lit(False).alias("serious_illness"), pl.lit("").alias("illness_note"),
                pl.lit(False).alias("is_deceased"), pl.lit(1).alias("version"), pl.lit(now).alias("created_at"),
                pl.lit(now).alias("updated_at"), (pl.col("i") * 2 // 5 + 1).alias("household_id"),
            ).drop("i")  # fmt: skip
            _copy(cur, "registry_person", p)
        every = 20  # 5%
        hid = pl.int_range(1, households + 1, every, eager=True).alias("household_id")
        cats = pl.DataFrame(hid).with_columns(
            pl.lit("dibao").alias("category"), pl.lit(1).alias("bit"), pl.lit("entitlement").alias("source"),
            pl.lit("2025-01-01").alias("start_date"), pl.lit("").alias("note"),
        )  # fmt: skip
        _copy(cur, "monitoring_householdcategory", cats)
        inc = pl.DataFrame(pl.int_range(3, households + 1, every, eager=True).alias("household_id")).with_columns(
            pl.lit("wage").alias("income_type"), pl.lit("12000.00").alias("amount"),
            pl.lit("2025-03-01").alias("period_start"), pl.lit("2026-02-28").alias("period_end"),
            pl.lit("declared").alias("source"), pl.lit("").alias("note"), pl.lit(now).alias("created_at"),
        )  # fmt: skip
        _copy(cur, "registry_income", inc)
        for table in (
            "registry_household",
            "registry_person",
            "registry_income",
            "monitoring_householdcategory",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    conn.commit()
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
    conn.commit()
    return {"persons": persons, "households": households, "villages": len(villages)}


def medical_feed(
    path: Path, records: int, persons: int, *, seed: int = 1, start_day: int = 0
) -> dict[str, int]:
    """A MEDICAL_SETTLEMENT CSV: random registry persons, 1% unknown people, 0.1% malformed rows."""
    import numpy as np

    rng = np.random.default_rng(seed)
    who = rng.integers(0, persons, records)
    unknown = rng.random(records) < 0.01
    bad = rng.random(records) < 0.001
    big = rng.random(records) < 0.005
    amount = np.where(big, rng.integers(10_000, 80_000, records), rng.integers(0, 3_000, records))
    frame = pl.DataFrame({"i": who, "unknown": unknown, "bad": bad, "amount": amount,
                          "day": rng.integers(start_day, start_day + 50, records)})  # fmt: skip
    frame = frame.with_columns(
        pl.when(pl.col("unknown")).then(id_numbers(pl.col("i"), ["110105"])).otherwise(id_numbers(pl.col("i"), COUNTIES))
        .alias("id_number"),
    ).with_columns(
        pl.when(pl.col("bad")).then(pl.concat_str([pl.col("id_number").str.slice(0, 17), pl.lit("Y")]))
        .otherwise(pl.col("id_number")).alias("id_number"),
        (pl.lit(dt.date(2026, 1, 1)) + pl.duration(days=pl.col("day"))).dt.strftime("%Y-%m-%d").alias("settled_on"),
        pl.concat_str([pl.col("amount").cast(pl.Utf8), pl.lit(".00")]).alias("out_of_pocket_yuan"),
        pl.concat_str([(pl.col("amount") * 3).cast(pl.Utf8), pl.lit(".00")]).alias("total_yuan"),
        pl.concat_str([pl.lit("S"), pl.int_range(pl.len()).cast(pl.Utf8)]).alias("record_id"),
    )  # fmt: skip
    frame.select("id_number", "settled_on", "out_of_pocket_yuan", "record_id", "total_yuan").write_csv(path)
    return {"records": records, "unknown": int(unknown.sum()), "malformed": int(bad.sum())}
