"""Feed deliveries, end to end and vectorised: read the file with Polars, quarantine malformed rows with
Chinese reasons, match ID numbers against the registry in one read, evaluate the warning rules with the
thresholds of each household's county, drop causes already alerted, write alerts and visit tasks in
bulk (COPY on PostgreSQL), and keep the delivery's record (hash, counts, quarantined and unknown rows).

No Python loop runs over rows. Replaying a file is refused by its hash; a cause reported again by a
different file finds its alert by (rule, household, cause key) and raises nothing new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.assessment.building import Window
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.core.frames import read_frame
from dajiuzhu.core.inputs import CONTROL_PATTERN
from dajiuzhu.core.workdays import add_working_days
from dajiuzhu.monitoring import rules as rule_exprs
from dajiuzhu.monitoring.models import (
    Alert,
    AlertStatus,
    DeliveryStatus,
    FeedDelivery,
    FeedIssue,
    IssueKind,
    TaskStatus,
    VisitTask,
)
from dajiuzhu.monitoring.policy import feed_contract, load_policy, thresholds_frame
from dajiuzhu.verification.contracts import SourceContract
from dajiuzhu.verification.validate import RAW, REASONS, ROW, header_map
from dajiuzhu.verification.validate import validate as validate_rows

TEMP_TABLE_MAX = 1_000_000  # distinct IDs: below this PostgreSQL joins them in SQL; above, read the registry
CHUNK = 5000
EARNING_SQL = "('employed', 'flexible', 'farming')"


@dataclass
class Result:
    delivery: FeedDelivery
    quarantine: pl.DataFrame
    unknown: pl.DataFrame


# ---- reading and validating ------------------------------------------------------------------------------


def file_hash(data: bytes | Path) -> str:
    digest = hashlib.sha256()
    if isinstance(data, Path):
        with data.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
    else:
        digest.update(data)
    return digest.hexdigest()


def read_raw(data: bytes | Path, file_name: str) -> pl.DataFrame:
    """Every column as text (validation decides what a value means), plus the record number `row`."""
    name = (file_name or (data.name if isinstance(data, Path) else "")).lower()
    source: Any = data if isinstance(data, Path) else io.BytesIO(data)
    try:
        if name.endswith(".parquet"):
            frame = pl.read_parquet(source)
            frame = frame.with_columns(pl.all().cast(pl.Utf8))
        elif name.endswith((".jsonl", ".ndjson", ".json")):
            frame = pl.read_ndjson(source, infer_schema_length=1000)
            frame = frame.with_columns(pl.all().cast(pl.Utf8))
        elif name.endswith((".csv", ".txt")) or not name:
            frame = pl.read_csv(source, infer_schema=False, truncate_ragged_lines=True)
        else:
            raise ValidationFailed.single("文件", "只接受 csv、jsonl 或 parquet 文件")
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise ValidationFailed.single(
            "文件", f"无法读取文件（应为UTF-8编码的csv、jsonl或parquet）：{str(exc)[:200]}"
        ) from exc
    frame = frame.rename({c: c.strip() for c in frame.columns})
    return frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))


def validate(raw: pl.DataFrame, contract: SourceContract, on: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid rows with typed columns, quarantined rows with their reasons), by the shared validator of
    verification. Columns are matched by field name or Chinese label. A file without a required column
    is refused whole: that is a broken contract, not a bad row."""
    mapping, missing = header_map(contract, [c for c in raw.columns if c != ROW])
    if missing:
        absent = "、".join(f"{s.label}（{s.name}）" for s in missing)
        raise ValidationFailed.single("文件", f"缺少约定的列：{absent}")
    frame = raw.select(ROW, *[pl.col(col).alias(name) for col, name in mapping.items()])
    ok, refused = validate_rows(contract, frame, on=on)
    quarantine = refused.select(
        ROW,
        pl.col(RAW)
        .str.json_path_match(f"$.{contract.match}")
        .fill_null("")
        .str.slice(0, 40)
        .alias("id_number"),
        pl.col(REASONS).list.join("；").str.slice(0, 500).alias("reasons"),
        RAW,
    )
    return ok, quarantine


# ---- the registry side -----------------------------------------------------------------------------------


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _temp_table(name: str, values: pl.Series) -> None:
    """Load values into a one-column session temp table (PostgreSQL) for a join in SQL."""
    kind = "varchar(18)" if name == "mon_ids" else "bigint"
    column = "id_number" if name == "mon_ids" else "id"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMP TABLE {name} ({column} {kind})")
        with cursor.cursor.copy(f"COPY {name} ({column}) FROM STDIN") as copy:
            if values.len():
                copy.write(("\n".join(values.to_list()) + "\n").encode())
        cursor.execute(f"ANALYZE {name}")


def _temp_ids(ids: pl.Series) -> None:
    _temp_table("mon_ids", ids)


PERSON_COLUMNS: dict[str, tuple[str, Any]] = {
    # frame name: (SQL expression on registry_person p, Polars type)
    "relation": ("p.relation", pl.Utf8),
    "employment": ("p.employment", pl.Utf8),
    "reg_disability_type": ("p.disability_type", pl.Utf8),
    "reg_disability_grade": ("COALESCE(p.disability_grade, 0)", pl.Int64),
}
SOURCE_PERSON_COLUMNS = {
    "DISABILITY_CARD": ["reg_disability_type", "reg_disability_grade"],
    "UNEMPLOYMENT": ["relation", "employment"],
}


def read_registry(ids: pl.Series, source: str, on: dt.date) -> pl.DataFrame:
    """id_number → person, household, area, county, categories (and what the source's rules need)."""
    extra = SOURCE_PERSON_COLUMNS.get(source, [])
    extra_sql = "".join(f", {PERSON_COLUMNS[n][0]}" for n in extra)
    schema: dict[str, Any] = {
        "id_number": pl.Utf8, "person_id": pl.Int64, "household_id": pl.Int64,
        **{n: PERSON_COLUMNS[n][1] for n in extra},
    }  # fmt: skip
    use_temp = _pg() and ids.len() <= TEMP_TABLE_MAX
    if use_temp:
        _temp_ids(ids)
        with connection.cursor() as cursor:
            # A delivery's IDs are a small share of the registry: look each one up in the unique index
            # (the planner otherwise prefers a scan of the whole person table).
            cursor.execute("SET enable_hashjoin = off; SET enable_mergejoin = off")
        try:
            frame = read_frame(
                f"SELECT p.id_number, p.id, p.household_id{extra_sql}, h.area_id FROM mon_ids t "  # noqa: S608
                "JOIN registry_person p ON p.id_number = t.id_number "
                "LEFT JOIN registry_household h ON h.id = p.household_id",
                [],
                {**schema, "area_id": pl.Utf8},
            )
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET enable_hashjoin; RESET enable_mergejoin")
        _temp_table("mon_hh", frame["household_id"].drop_nulls().unique().cast(pl.Utf8))
        hh_filter = "WHERE h.id IN (SELECT id FROM mon_hh)"
    else:
        persons = read_frame(
            f"SELECT p.id_number, p.id, p.household_id{extra_sql} FROM registry_person p",  # noqa: S608
            [],
            schema,
        )
        hh_filter = ""
        households = read_frame(
            "SELECT h.id, h.area_id FROM registry_household h",
            [],
            {"household_id": pl.Int64, "area_id": pl.Utf8},
        )
        frame = persons.join(households, on="household_id", how="left")
    frame = frame.with_columns(pl.col("area_id").replace("", None)).join(_areas(), on="area_id", how="left")
    frame = frame.join(_masks(), on="household_id", how="left").with_columns(
        pl.col("category_mask").fill_null(0)
    )
    if source == "MEDICAL_SETTLEMENT":
        frame = frame.join(_household_income(on, hh_filter), on="household_id", how="left").with_columns(
            pl.col("income_year_fen").fill_null(0)
        )
    if source == "UNEMPLOYMENT":
        earners = read_frame(
            f"SELECT p.household_id, COUNT(*) FROM registry_person p WHERE p.employment IN {EARNING_SQL} "  # noqa: S608
            "AND NOT p.is_deceased GROUP BY p.household_id",
            [],
            {"household_id": pl.Int64, "earners": pl.Int64},
        )
        frame = frame.join(earners, on="household_id", how="left").with_columns(
            pl.col("earners").fill_null(0)
        )
    if use_temp:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS mon_ids; DROP TABLE IF EXISTS mon_hh")
    return frame


def _areas() -> pl.DataFrame:
    return read_frame(
        "SELECT code, county_code, township_code, village_code FROM areas_area",
        [],
        {"area_id": pl.Utf8, "county_code": pl.Utf8, "township_code": pl.Utf8, "village_code": pl.Utf8},
    )


def _masks() -> pl.DataFrame:
    return read_frame(
        "SELECT household_id, SUM(DISTINCT bit) FROM monitoring_householdcategory WHERE end_date IS NULL "
        "GROUP BY household_id",
        [],
        {"household_id": pl.Int64, "category_mask": pl.Int64},
    )


def _household_income(on: dt.date, hh_filter: str) -> pl.DataFrame:
    """Each household's income of the 12 whole months before `on`'s month, prorated by days, in fen
    (the assessment's look-back window)."""
    window = Window(on, 12)
    start, on = window.start, window.end
    where = hh_filter.replace("WHERE h.id IN", "AND r.household_id IN")
    rows = read_frame(
        "SELECT r.household_id, CAST(ROUND(r.amount * 100) AS BIGINT), CAST(r.period_start AS TEXT), "  # noqa: S608
        f"CAST(r.period_end AS TEXT) FROM registry_income r WHERE r.period_start <= %s AND r.period_end >= %s {where}",
        [on.isoformat(), start.isoformat()],
        {"household_id": pl.Int64, "amount_fen": pl.Int64, "start": pl.Date, "end": pl.Date},
    )
    overlap = (
        pl.min_horizontal("end", pl.lit(on)) - pl.max_horizontal("start", pl.lit(start))
    ).dt.total_days() + 1
    length = (pl.col("end") - pl.col("start")).dt.total_days() + 1
    return rows.group_by("household_id").agg(
        (pl.col("amount_fen") * pl.max_horizontal(overlap, 0) // pl.max_horizontal(length, 1))
        .sum()
        .alias("income_year_fen")
    )


def read_area_households() -> pl.DataFrame:
    """Low-income households in long form (household_id, code) for every level of their area: a
    disaster reported for a county, township, village or grid joins on equality."""
    masks = _masks().filter(pl.col("category_mask") > 0)
    households = read_frame(
        "SELECT h.id, h.area_id FROM registry_household h WHERE h.is_active AND h.id IN "
        "(SELECT household_id FROM monitoring_householdcategory WHERE end_date IS NULL)",
        [],
        {"household_id": pl.Int64, "area_id": pl.Utf8},
    )
    frame = households.join(masks, on="household_id").join(_areas(), on="area_id", how="left")
    levels = [
        frame.select("household_id", "area_id", "county_code", "category_mask", pl.col(c).alias("code"))
        for c in ("county_code", "township_code", "village_code", "area_id")
    ]
    return pl.concat(levels).filter(pl.col("code") != "").unique(["household_id", "code"])


# ---- writing ---------------------------------------------------------------------------------------------


def _copy(table: str, frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="\\N")
    buffer.seek(0)
    cols = ", ".join(frame.columns)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)


def _reserve_ids(table: str, n: int) -> int:
    """First of n consecutive ids for `table` (PostgreSQL): the table lock keeps other writers out."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
        first = int(cursor.fetchone()[0])
        if n > 1:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [first + n - 1])
    return first


def write_issues(delivery: FeedDelivery, quarantine: pl.DataFrame, unknown: pl.DataFrame) -> None:
    frames = []
    if quarantine.height:
        frames.append(quarantine.select(
            pl.lit(IssueKind.QUARANTINE.value).alias("kind"), pl.col("row").alias("row_number"), "id_number",
            "reasons", pl.col("raw").fill_null(""),
        ))  # fmt: skip
    if unknown.height:
        frames.append(unknown.select(
            pl.lit(IssueKind.UNKNOWN.value).alias("kind"), pl.col("row").alias("row_number"), "id_number",
            pl.col("reasons"), pl.lit("").alias("raw"),
        ))  # fmt: skip
    if not frames:
        return
    issues = pl.concat(frames).with_columns(
        # Delivered text may hold control characters no text column stores (NUL): shown as U+FFFD.
        *[pl.col(c).str.replace_all(CONTROL_PATTERN, "\ufffd") for c in ("id_number", "reasons", "raw")],
        pl.lit(delivery.pk).alias("delivery_id"),
    )
    if _pg():
        _copy("monitoring_feedissue", issues)
        return
    for start in range(0, issues.height, CHUNK):
        FeedIssue.objects.bulk_create(
            [FeedIssue(**r) for r in issues.slice(start, CHUNK).iter_rows(named=True)]
        )


def write_alerts(frame: pl.DataFrame, *, on: dt.date, delivery_id: int | None) -> int:
    """Alerts and their visit tasks, in bulk. `frame`: household_id, person_id, area_id, rule, cause_key,
    signal, suggested_item, triage_days, visit_days."""
    if frame.height == 0:
        return 0
    now = clock.now()
    dues = {
        d: add_working_days(on, d)
        for d in set(frame["triage_days"].to_list()) | set(frame["visit_days"].to_list())
    }
    due_frame = pl.DataFrame(
        {"days": list(dues), "due": list(dues.values())}, schema={"days": pl.Int64, "due": pl.Date}
    )
    frame = frame.join(
        due_frame.rename({"days": "triage_days", "due": "triage_due"}), on="triage_days", how="left"
    )
    frame = frame.join(
        due_frame.rename({"days": "visit_days", "due": "visit_due"}), on="visit_days", how="left"
    )
    alert_cols = dict(
        household_id=pl.col("household_id"), person_id=pl.col("person_id"), area_id=pl.col("area_id"),
        rule=pl.col("rule"), cause_key=pl.col("cause_key"), signal=pl.col("signal"),
        suggested_item=pl.col("suggested_item"), delivery_id=pl.lit(delivery_id, dtype=pl.Int64),
        status=pl.lit(AlertStatus.OPEN.value), raised_on=pl.lit(on), created_at=pl.lit(now.isoformat()),
        version=pl.lit(1),
    )  # fmt: skip
    if _pg():
        first = _reserve_ids("monitoring_alert", frame.height)
        frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + first).alias("alert_id"))
        _copy("monitoring_alert", frame.select(pl.col("alert_id").alias("id"), **alert_cols))
        tasks = frame.select(
            pl.col("alert_id"), pl.col("area_id"), pl.lit(TaskStatus.PENDING.value).alias("status"),
            pl.lit(on).alias("created_on"), "triage_due", "visit_due", pl.lit(False).alias("escalated"),
            pl.lit(1).alias("version"),
        )  # fmt: skip
        _copy("monitoring_visittask", tasks)
        return frame.height
    rows = frame.select(**{k: v for k, v in alert_cols.items() if k != "created_at"}, triage_due=pl.col("triage_due"),
                        visit_due=pl.col("visit_due"))  # fmt: skip
    created = 0
    for start in range(0, rows.height, CHUNK):
        chunk = rows.slice(start, CHUNK).to_dicts()
        alerts = Alert.objects.bulk_create([
            Alert(**{k: v for k, v in r.items() if k not in ("triage_due", "visit_due", "signal")},
                  signal=json.loads(r["signal"]), created_at=now)
            for r in chunk
        ])  # fmt: skip
        VisitTask.objects.bulk_create([
            VisitTask(alert_id=a.pk, area_id=r["area_id"], status=TaskStatus.PENDING, created_on=on,
                      triage_due=r["triage_due"], visit_due=r["visit_due"])
            for a, r in zip(alerts, chunk, strict=True)
        ])  # fmt: skip
        created += len(alerts)
    return created


def existing_keys(rules: list[str]) -> pl.DataFrame:
    return read_frame(
        f"SELECT rule, household_id, cause_key FROM monitoring_alert WHERE rule IN ({', '.join(['%s'] * len(rules))})",  # noqa: S608
        rules,
        {"rule": pl.Utf8, "household_id": pl.Int64, "cause_key": pl.Utf8},
    )


def prepare_alerts(candidates: pl.DataFrame, context: pl.DataFrame, on: dt.date) -> tuple[pl.DataFrame, int]:
    """Drop causes already alerted (this delivery's repeats and earlier alerts) and attach area, SLA and
    suggested item. Returns (alerts to write, number skipped as duplicates)."""
    if candidates.height == 0:
        return candidates, 0
    unique = candidates.unique(["rule", "household_id", "cause_key"], keep="first", maintain_order=True)
    fresh = unique.join(
        existing_keys(unique["rule"].unique().to_list()), on=["rule", "household_id", "cause_key"], how="anti"
    )
    skipped = candidates.height - fresh.height
    policy = load_policy()
    suggestions = pl.DataFrame(
        {"rule": list(policy.rules), "suggested_item": [r.suggested_item for r in policy.rules.values()]}
    )
    hh = context.select("household_id", "area_id", "county_code").unique("household_id")
    fresh = fresh.join(hh, on="household_id", how="left").join(suggestions, on="rule", how="left")
    sla = thresholds_frame(fresh["county_code"].drop_nulls().unique().to_list(), on).select(
        "county_code", "triage_days", "visit_days"
    )
    return fresh.join(sla, on="county_code", how="left"), skipped


# ---- the whole delivery ------------------------------------------------------------------------------------


def feed_ingest(
    *,
    user: Any,
    source: str,
    data: bytes | Path,
    file_name: str = "",
    channel: str = "upload",
    on: dt.date | None = None,
    ip: str | None = None,
) -> Result:
    """Take one delivery of a source. A source without a contract, a file that cannot be read or that
    lacks a contracted column is refused with a message; bad rows are quarantined and the rest processed."""
    if user is not None:
        user_require(user, Capability.MONITOR_ADMIN)
    contract = feed_contract(source)
    on = on or clock.today()
    name = file_name or (data.name if isinstance(data, Path) else "")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(label: str) -> None:
        timings[label] = round(time.perf_counter() - t0 - sum(timings.values()), 3)

    digest = file_hash(data)
    # A replay is the same file from the same area (another area's identical file reaches other households).
    earlier = FeedDelivery.objects.filter(
        source=contract.code, file_hash=digest, status=DeliveryStatus.DONE,
        **({"received_by__isnull": True} if user is None else {"received_by__area_id": user.area_id}),
    ).first()  # fmt: skip
    if earlier is not None:
        delivery = FeedDelivery.objects.create(
            source=contract.code, file_name=name[:200], file_hash=digest, channel=channel, on=on,
            status=DeliveryStatus.DUPLICATE, received_by=user,
            message=f"该文件已于{timezone.localtime(earlier.received_at):%Y-%m-%d %H:%M}处理"
            f"（批次#{earlier.pk}），本次未重复处理",
        )  # fmt: skip
        empty = pl.DataFrame()
        return Result(delivery, empty, empty)
    raw = read_raw(data, name)
    lap("read")
    ok, quarantine = validate(raw, contract, on)
    lap("validate")
    # A user's delivery reaches households of their own area only (a scheduled system feed: everyone).
    scope = None if user is None else (user.area.code if user.area_id else "\x00")
    if contract.match == "area_code":
        matched, unknown, context = _match_areas(ok, scope)
    else:
        matched, unknown, context = _match_ids(ok, contract.code, on, scope)
    lap("match")
    alerts = pl.DataFrame()
    skipped = 0
    if contract.code in rule_exprs.SOURCE_RULES and matched.height:
        thresholds = thresholds_frame(matched["county_code"].drop_nulls().unique().to_list(), on)
        candidates = rule_exprs.evaluate(contract.code, matched.lazy(), thresholds.lazy()).collect()
        alerts, skipped = prepare_alerts(candidates, context, on)
    lap("rules")
    with transaction.atomic():
        delivery = FeedDelivery.objects.create(
            source=contract.code, file_name=name[:200], file_hash=digest, channel=channel, on=on, received_by=user,
            rows_total=raw.height, rows_valid=ok.height, rows_quarantined=quarantine.height, rows_unknown=unknown.height,
            rows_matched=matched.select("row").n_unique() if matched.height else 0,
        )  # fmt: skip
        write_issues(delivery, quarantine, unknown)
        created = write_alerts(alerts, on=on, delivery_id=delivery.pk) if alerts.height else 0
        if contract.code == "RELAPSE_LIST":
            from dajiuzhu.monitoring.services import relapse_list_apply

            relapse_list_apply(
                households=matched["household_id"].unique().to_list(), on=on, full_list=contract.full_list
            )
        lap("write")
        delivery.alerts_created = created
        delivery.duplicates_skipped = skipped
        delivery.seconds = round(time.perf_counter() - t0, 3)
        delivery.timings = timings
        delivery.message = (
            f"共{raw.height}行：有效{ok.height}行，格式错误隔离{quarantine.height}行，身份证号码不在数据库中"
            f"{unknown.height}行；新预警{created}条，重复事由未再预警{skipped}条"
        )
        delivery.save()
        audit_record(
            actor=user, action=AuditAction.IMPORT, subject_type="feed_delivery", subject_id=delivery.pk,
            subject_label=f"{contract.name} {name}"[:200],
            after={"rows": raw.height, "alerts": created, "quarantined": quarantine.height, "unknown": unknown.height},
            ip=ip,
        )  # fmt: skip
    return Result(delivery, quarantine, unknown)


# One reason for a person not registered, in no household or outside the uploader's area: a delivery must
# not tell a county whether someone is registered elsewhere.
UNKNOWN_PERSON = "身份证号码不在本辖区困难群众数据库的在册家庭中"


def _match_ids(
    ok: pl.DataFrame, source: str, on: dt.date, scope: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(rows matched to a person with a household in `scope` (an area code; None: all), unknown rows with
    the reason, the registry rows)."""
    ids = ok["id_number"].unique()
    registry = read_registry(ids, source, on)
    # One left join: a row without a person is unknown (no second pass over the delivery).
    joined = ok.join(registry, on="id_number", how="left")
    found = pl.col("person_id").is_not_null()
    placed = found & pl.col("household_id").is_not_null() & pl.col("area_id").is_not_null()
    if scope is not None:
        placed = placed & pl.col("area_id").str.starts_with(scope)
    matched = joined.filter(placed)
    unknown = joined.filter(~placed).select("row", "id_number", pl.lit(UNKNOWN_PERSON).alias("reasons"))
    return matched, unknown, matched


def _match_areas(
    ok: pl.DataFrame, scope: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    known = _areas().select(pl.col("area_id").alias("area_code"))
    households = read_area_households()
    if scope is not None:
        known = known.filter(pl.col("area_code").str.starts_with(scope))
        households = households.filter(pl.col("area_id").str.starts_with(scope))
    reason = "区划代码不存在" if scope is None else "区划代码不存在或不在您的管辖范围内"
    unknown = ok.join(known, on="area_code", how="anti").select(
        "row", pl.col("area_code").alias("id_number"), pl.lit(reason).alias("reasons")
    )
    matched = ok.join(households.rename({"code": "area_code"}), on="area_code", how="inner")
    return matched, unknown, households
