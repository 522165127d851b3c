"""Ingest of batches delivered by the data-sharing platform: files (.csv/.xlsx/.jsonl) and API pushes.

Each row is checked against the source's contract. Bad rows are quarantined with a Chinese reason naming
the row and the field; the rest are stored in bulk (no per-row save). A record is identified by its
contract key, so replaying a file, or a row delivered twice, creates nothing new; a changed record is
updated in place.

Records are accepted only for persons within the uploader's area: members of a household registered in
it, or statutory supporters recorded for such a household. Any other row — a person registered in another
county, in no household, or not registered at all — is quarantined with one and the same reason (so the
batch tells nobody whether a person exists elsewhere) and never stored where another county's report could
read it. A platform account whose area is the city or the province covers everyone under it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require, user_scope_q
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core import clock
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.core.inputs import visible_controls
from dajiuzhu.registry.models import OutsideSupporter, Person

from .contracts import SourceContract, contract_get
from .errors import FileUnreadable
from .models import BatchChannel, BatchStatus, ExchangeBatch, ExchangeRecord, QuarantinedRow
from .validate import RAW, REASONS, ROW, header_map, validate

log = logging.getLogger(__name__)

FILE_EXTENSIONS = (".csv", ".xlsx", ".jsonl")
CHUNK = 2000  # rows per INSERT / per key lookup
UNKNOWN_LISTED = 100  # unknown ID numbers kept by name in the batch summary (the count is always exact)


@dataclass
class Delivery:
    """A delivery read into columns: `frame` has `row` and one text column per contract field delivered;
    `unreadable` lists the rows that could not even be read (row number, raw content, problem)."""

    frame: pl.DataFrame
    unreadable: list[tuple[int, Any, str]]
    total: int


# ---- reading the delivery --------------------------------------------------------------------------


def _decode_csv(content: bytes) -> str:
    candidates = ["utf-8-sig"] if content.startswith(b"\xef\xbb\xbf") else ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileUnreadable("无法识别CSV文件的文字编码（应为UTF-8或GBK），请另存为“CSV UTF-8”后重新上传")


def _cell_text(value: Any) -> str | None:
    """A delivered value as the text the validator reads (spreadsheets turn codes into floats)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text; whole floats (1.0) without their decimal part, as a spreadsheet means them."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype.is_float():
            exprs.append(
                pl.when(col == col.round(0)).then(col.cast(pl.Int64, strict=False).cast(pl.Utf8))
                .otherwise(col.cast(pl.Utf8)).alias(name)
            )  # fmt: skip
        elif dtype != pl.Utf8:
            exprs.append(col.cast(pl.Utf8).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def _table(contract: SourceContract, table: pl.DataFrame) -> Delivery:
    """A sheet read without a header: the first row is the header, data rows are numbered as the provider
    sees them (the header is row 1); blank rows are skipped but keep their number."""
    if table.height == 0:
        raise FileUnreadable("文件是空的，没有表头")
    header = [str(v) if v is not None else "" for v in table.row(0)]
    positions = {f"column_{i}": h for i, h in enumerate(header)}
    mapping, missing = header_map(contract, header)
    if missing:
        wanted = "、".join(f"{s.label}（{s.name}）" for s in missing)
        raise FileUnreadable(f"文件第1行（表头）缺少必填列：{wanted}。表头应使用交换约定中的字段名或中文名")
    chosen = {col: mapping[h] for col, h in positions.items() if h in mapping}
    # The first column carrying a field wins (as the header map does).
    seen: set[str] = set()
    select = []
    for col, name in chosen.items():
        if name not in seen:
            seen.add(name)
            select.append(pl.col(col).alias(name))
    body = table.slice(1).with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))
    blank = pl.all_horizontal(
        [pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in table.columns]
    )
    body = body.filter(~blank)
    return Delivery(body.select(ROW, *select), [], body.height)


def _csv_frame(content: bytes) -> pl.DataFrame:
    text = _decode_csv(content)
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    try:
        return pl.read_csv(
            text.encode(), has_header=False, infer_schema=False, separator=delimiter,
            truncate_ragged_lines=True, raise_if_empty=False,
        )  # fmt: skip
    except pl.exceptions.PolarsError as exc:
        log.info("unreadable csv delivery: %r", exc)
        raise FileUnreadable("CSV文件格式有误，无法按行列读取，请检查引号和分隔符") from exc


def _xlsx_frame(content: bytes) -> pl.DataFrame:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except Exception as exc:  # a damaged upload gets a message, never a stack trace
        log.info("unreadable xlsx delivery: %r", exc)
        raise FileUnreadable("文件已损坏或不是有效的Excel工作簿（.xlsx）") from exc
    width = max((len(r) for r in rows), default=0)
    columns = {f"column_{i}": [_cell_text(r[i]) if i < len(r) else None for r in rows] for i in range(width)}
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.Utf8))


def _objects(contract: SourceContract, numbered: list[tuple[int, dict[str, Any]]], problems: list[tuple[int, Any, str]],
             total: int) -> Delivery:  # fmt: skip
    """JSON objects (API push, JSONL lines that need a second look) → columns by field name."""
    names = [f.name for f in contract.fields]
    columns: dict[str, list[Any]] = {ROW: [n for n, _d in numbered]}
    for name in names:
        columns[name] = [_cell_text(d.get(name)) for _n, d in numbered]
    frame = pl.DataFrame(columns, schema={ROW: pl.Int64, **dict.fromkeys(names, pl.Utf8)})
    return Delivery(frame, problems, total)


def _jsonl(contract: SourceContract, content: bytes) -> Delivery:
    text = _decode_csv(content)
    lines = text.splitlines()
    numbers = [i for i, line in enumerate(lines, start=1) if line.strip()]
    try:  # the usual case: every line an object, read in one go
        frame = pl.read_ndjson(io.BytesIO("\n".join(lines[i - 1] for i in numbers).encode()),
                               infer_schema_length=None)  # fmt: skip
        names = [f.name for f in contract.fields if f.name in frame.columns]
        frame = _as_text(frame.select(names)).with_columns(pl.Series(ROW, numbers, dtype=pl.Int64))
        return Delivery(frame.select(ROW, *names), [], len(numbers))
    except (pl.exceptions.PolarsError, ValueError):
        pass
    numbered: list[tuple[int, dict[str, Any]]] = []
    problems: list[tuple[int, Any, str]] = []
    for number in numbers:
        line = lines[number - 1]
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            problems.append((number, line[:1000], "不是有效的JSON对象"))
            continue
        if not isinstance(data, dict):
            problems.append((number, line[:1000], "每行应为一个JSON对象（{...}）"))
            continue
        numbered.append((number, data))
    return _objects(contract, numbered, problems, len(numbers))


def file_delivery(contract: SourceContract, *, filename: str, content: bytes) -> Delivery:
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _table(contract, _csv_frame(content))
    if name.endswith(".xlsx"):
        return _table(contract, _xlsx_frame(content))
    if name.endswith(".jsonl"):
        return _jsonl(contract, content)
    raise FileUnreadable(f"不支持的文件类型“{filename}”，请上传 {'、'.join(FILE_EXTENSIONS)} 文件")


# ---- storing it ------------------------------------------------------------------------------------


def _payload_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _json_safe(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {str(k): _json_safe(v) for k, v in raw.items()}
    if isinstance(raw, list | tuple):
        return [_json_safe(v) for v in raw]
    if isinstance(raw, dt.date | dt.datetime):
        return raw.isoformat()
    if raw is None or isinstance(raw, str | int | float | bool):
        return raw
    return str(raw)


def _raw_kept(raw: Any) -> Any:
    """What a quarantined row keeps of what was delivered: always its raw text (a pushed `null` is the
    text "null"), control characters written out visibly (PostgreSQL's jsonb refuses \\u0000)."""
    return "null" if raw is None else visible_controls(_json_safe(raw))


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _existing_hashes(source: str, keys: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in _chunks(keys, 5000):
        found.update(
            ExchangeRecord.objects.filter(source=source, record_key__in=part).values_list(
                "record_key", "payload_hash"
            )
        )
    return found


def outside_area_reason(row: int, id_label: str) -> str:
    """The one reason for a row whose person is not within the uploader's area, whatever the cause."""
    return f"第{row}行 {id_label}（id_number）：本辖区困难群众数据库中无此人，未入库（只接收本辖区在册家庭成员及其义务人的记录）"


def _ids_in_area(actor: Any, id_numbers: list[str]) -> set[str]:
    """The ID numbers of persons within the actor's area: members of its households, and statutory
    supporters recorded for them. Nothing else may be stored by this actor."""
    found: set[str] = set()
    for part in _chunks(id_numbers, 5000):
        found.update(
            Person.objects.filter(user_scope_q(actor, prefix="household__area"), id_number__in=part)
            .values_list("id_number", flat=True)
        )  # fmt: skip
        found.update(
            OutsideSupporter.objects.filter(user_scope_q(actor, prefix="household__area"), id_number__in=part)
            .values_list("id_number", flat=True)
        )  # fmt: skip
    return found


def _outside_rows(
    actor: Any, delivery: Delivery, ok: pl.DataFrame, id_label: str
) -> tuple[pl.DataFrame, list[QuarantinedRow], list[str]]:
    """(rows within the actor's area, quarantined rows for the others with their raw text, the other
    ID numbers)."""
    ids = ok["id_number"].drop_nulls().unique().sort().to_list()
    allowed = _ids_in_area(actor, ids)
    inside = pl.col("id_number").is_in(sorted(allowed)).fill_null(False)
    outside = ok.filter(~inside).select(ROW, "id_number")
    if outside.height == 0:
        return ok, [], []
    text_columns = [c for c in delivery.frame.columns if c != ROW]
    raw = (
        delivery.frame.join(outside.select(ROW), on=ROW, how="semi")
        .select(ROW, pl.struct(text_columns).struct.json_encode().alias(RAW))
    )  # fmt: skip
    quarantined = [
        QuarantinedRow(row_number=n, raw=json.loads(text), reasons=[outside_area_reason(n, id_label)])
        for n, text in raw.iter_rows()
    ]
    return ok.filter(inside), quarantined, sorted(set(outside["id_number"].to_list()))


def _ingest(
    *,
    actor: Any,
    contract: SourceContract,
    read: Callable[[], Delivery],
    channel: str,
    file_name: str,
    sha256: str,
    delivered_at: dt.datetime | None,
) -> ExchangeBatch:
    started = time.perf_counter()
    now = clock.now()
    delivered = delivered_at or now
    if timezone.is_naive(delivered):
        delivered = timezone.make_aware(delivered)
    if delivered > now + dt.timedelta(minutes=5):
        raise ValidationFailed.single("交付时间（delivered_at）", "不能晚于当前时间")
    # A replay is the same delivery from the same area: another area's identical file stores other rows.
    previous = (
        ExchangeBatch.objects.filter(
            source=contract.code, sha256=sha256, status=BatchStatus.DONE, area=actor.area
        )
        .order_by("id")
        .first()
    )
    if previous is not None:
        # The same delivery again: logged, nothing stored twice.
        with transaction.atomic():
            batch = ExchangeBatch.objects.create(
                source=contract.code, channel=channel, file_name=file_name[:200], sha256=sha256,
                delivered_at=delivered, created_by=actor, area=actor.area, status=BatchStatus.REPLAY,
                replay_of=previous, rows_total=previous.rows_total, rows_unchanged=previous.rows_total,
                summary={"message": f"与第{previous.pk}批内容完全相同，未重复入库"},
            )  # fmt: skip
            _audit(actor, batch)
        return batch

    delivery = read()
    if delivery.total == 0:
        raise FileUnreadable("交付内容没有数据行")
    ok, refused = validate(contract, delivery.frame, on=clock.today())
    id_field = contract.label_of("id_number")
    ok, outside, unknown = _outside_rows(actor, delivery, ok, id_field)
    rows, conflicts = _good_rows(contract, ok)
    quarantined = outside + [
        QuarantinedRow(row_number=n, raw=_json_safe(raw), reasons=[f"第{n}行：{problem}"])
        for n, raw, problem in delivery.unreadable
    ]
    # Only the refused rows are turned into objects (reasons are Python lists in the JSON column).
    for n, raw_text, reasons in refused.select(ROW, RAW, REASONS).iter_rows():
        quarantined.append(
            QuarantinedRow(row_number=n, raw=json.loads(raw_text), reasons=[f"第{n}行 {r}" for r in reasons])
        )
    for n, raw_text, first in conflicts.iter_rows():
        quarantined.append(QuarantinedRow(row_number=n, raw=json.loads(raw_text), reasons=[
            f"第{n}行：与第{first}行的记录标识（{'、'.join(contract.key)}）相同但内容不同，请核对"
        ]))  # fmt: skip
    quarantined.sort(key=lambda q: q.row_number)
    total = delivery.total

    with transaction.atomic():
        batch = ExchangeBatch.objects.create(
            source=contract.code, channel=channel, file_name=file_name[:200], sha256=sha256, delivered_at=delivered,
            created_by=actor, area=actor.area, status=BatchStatus.DONE, rows_total=total,
            rows_quarantined=len(quarantined),
        )  # fmt: skip
        if connection.vendor == "postgresql":
            inserted, updated = _store_postgres(contract, batch, rows, now)
        else:
            inserted, updated = _store_generic(contract, batch, rows, now)
        batch.rows_inserted, batch.rows_updated = inserted, updated
        batch.rows_unchanged = rows.height - inserted - updated
        batch.unknown_persons = len(unknown)
        for q in quarantined:
            q.batch = batch
            q.raw = _raw_kept(q.raw)
            q.reasons = visible_controls(q.reasons)
        QuarantinedRow.objects.bulk_create(quarantined, batch_size=CHUNK)
        batch.summary = {
            "unknown_ids": unknown[:UNKNOWN_LISTED],
            "unknown_more": max(0, len(unknown) - UNKNOWN_LISTED),
            "id_field": id_field,
            "seconds": round(time.perf_counter() - started, 3),
        }
        batch.save(
            update_fields=["rows_inserted", "rows_updated", "rows_unchanged", "unknown_persons", "summary"]
        )
        _audit(actor, batch)
    return batch


_COLUMNS = (
    "source",
    "record_key",
    "id_number",
    "payload",
    "payload_hash",
    "effective_date",
    "batch_id",
    "updated_at",
)
_UPDATED = ("id_number", "payload", "payload_hash", "effective_date", "batch_id", "updated_at")


def _good_rows(contract: SourceContract, ok: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows to store: record_key, id_number, payload, payload_hash, effective_date, one per key;
    rows in conflict: row, raw, first row — a key delivered again with other content).

    The payload is the typed fields as JSON (sorted keys, dates and amounts as text); a key delivered
    twice with the same content is stored once."""
    names = sorted(contract.field_names)
    payload = pl.struct([
        (pl.col(n).dt.strftime("%Y-%m-%d") if ok.schema[n] == pl.Date else pl.col(n)).alias(n) for n in names
    ]).struct.json_encode()  # fmt: skip
    key_text = pl.concat_str([pl.col(k).cast(pl.Utf8).fill_null("") for k in contract.key], separator="\x1f")
    frame = ok.select(ROW, *contract.field_names, payload.alias("payload"), key_text.alias("_key"))
    # Hashing is the one step per row (sha256 has no Polars expression): plain comprehensions over columns.
    keys = [hashlib.sha256(t.encode()).hexdigest()[:40] for t in frame["_key"]]
    digests = [_payload_hash(t) for t in frame["payload"]]
    effective = contract.effective_field
    frame = frame.with_columns(
        pl.Series("record_key", keys, dtype=pl.Utf8),
        pl.Series("payload_hash", digests, dtype=pl.Utf8),
        pl.col(effective).cast(pl.Date, strict=False).alias("effective_date") if ok.schema[effective] == pl.Date
        else pl.lit(None, dtype=pl.Date).alias("effective_date"),
    )  # fmt: skip
    first = frame.group_by("record_key", maintain_order=True).agg(
        pl.col(ROW).first().alias("first_row"), pl.col("payload_hash").first().alias("first_hash")
    )
    frame = frame.join(first, on="record_key", how="left")
    conflicts = frame.filter(pl.col("payload_hash") != pl.col("first_hash")).select(
        ROW, pl.struct(list(contract.field_names)).struct.json_encode().alias(RAW), "first_row"
    )
    stored = frame.filter(pl.col(ROW) == pl.col("first_row")).select(
        "record_key", "id_number", "payload", "payload_hash", "effective_date"
    )
    return stored, conflicts


_CSV_COLUMNS = ("source", "record_key", "id_number", "payload", "payload_hash", "effective_date", "batch_id",
                "updated_at")  # fmt: skip


def _store_generic(
    contract: SourceContract, batch: ExchangeBatch, rows: pl.DataFrame, now: Any
) -> tuple[int, int]:
    """SQLite and others: look up existing keys, then executemany an upsert of the new and changed rows."""
    existing = _existing_hashes(contract.code, rows["record_key"].to_list())
    known = pl.DataFrame(
        {"record_key": list(existing), "old_hash": list(existing.values())},
        schema={"record_key": pl.Utf8, "old_hash": pl.Utf8},
    )
    changed = rows.join(known, on="record_key", how="left").filter(
        pl.col("old_hash").is_null() | (pl.col("old_hash") != pl.col("payload_hash"))
    )
    inserted = changed.filter(pl.col("old_hash").is_null()).height
    table = ExchangeRecord._meta.db_table
    cols = ", ".join(_COLUMNS)
    upsert = ", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATED)
    sql = (
        f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "  # noqa: S608
        f"ON CONFLICT (source, record_key) DO UPDATE SET {upsert}"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    params = changed.select(
        pl.lit(contract.code).alias("source"), "record_key", "id_number", "payload", "payload_hash",
        pl.col("effective_date").dt.strftime("%Y-%m-%d"), pl.lit(batch.pk).alias("batch_id"),
        pl.lit(stamp).alias("updated_at"),
    )  # fmt: skip
    with connection.cursor() as cursor:
        for start in range(0, params.height, 5000):
            cursor.executemany(sql, params.slice(start, 5000).rows())
    return inserted, changed.height - inserted


def _store_postgres(
    contract: SourceContract, batch: ExchangeBatch, rows: pl.DataFrame, now: Any
) -> tuple[int, int]:
    """PostgreSQL: COPY every good row into a temporary table and upsert only the new or changed ones in
    one statement (RETURNING whether each was an insert)."""
    table = ExchangeRecord._meta.db_table
    cols = ", ".join(_COLUMNS)
    upsert = ", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATED)
    buffer = io.BytesIO()
    rows.select(
        pl.lit(contract.code).alias("source"), "record_key", "id_number", "payload", "payload_hash",
        "effective_date", pl.lit(batch.pk).alias("batch_id"), pl.lit(now.isoformat()).alias("updated_at"),
    ).write_csv(buffer, include_header=False, null_value="\\N")  # fmt: skip
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS verification_record_in (source varchar(30), record_key varchar(40), "
            "id_number varchar(18), payload jsonb, payload_hash varchar(40), effective_date date, batch_id bigint, "
            "updated_at timestamptz) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE verification_record_in")
        with cursor.cursor.copy(
            f"COPY verification_record_in ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        ) as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        cursor.execute(
            f"INSERT INTO {table} AS r ({cols}) SELECT {cols} FROM verification_record_in "  # noqa: S608
            f"ON CONFLICT (source, record_key) DO UPDATE SET {upsert} "
            "WHERE r.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash RETURNING (xmax = 0)"
        )
        flags = [f for (f,) in cursor.fetchall()]
        cursor.execute("TRUNCATE verification_record_in")
    inserted = sum(1 for f in flags if f)
    return inserted, len(flags) - inserted


def _audit(actor: Any, batch: ExchangeBatch) -> None:
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        subject_type="verification_batch",
        subject_id=batch.pk,
        subject_label=f"{batch.source} {batch.file_name}",
        area_code=batch.area_id,
        after={
            "source": batch.source, "status": batch.status, "rows_total": batch.rows_total,
            "inserted": batch.rows_inserted, "updated": batch.rows_updated, "quarantined": batch.rows_quarantined,
            "unknown_persons": batch.unknown_persons,
        },
    )  # fmt: skip


def batch_ingest_file(
    *, actor: Any, source: str, filename: str, content: bytes, delivered_at: dt.datetime | None = None
) -> ExchangeBatch:
    """Ingest a delivered file for `source`. Unknown source / unreadable file → refused, nothing stored."""
    user_require(actor, Capability.VERIFY_ADMIN)
    contract = contract_get(source)
    if len(content) > settings.DAJIUZHU_IMPORT_MAX_BYTES * 10:
        raise FileUnreadable("文件过大，请拆分后分批交换")
    if not (filename or "").lower().endswith(FILE_EXTENSIONS):
        raise FileUnreadable(f"不支持的文件类型“{filename}”，请上传 {'、'.join(FILE_EXTENSIONS)} 文件")
    return _ingest(
        actor=actor, contract=contract, read=lambda: file_delivery(contract, filename=filename, content=content),
        channel=BatchChannel.FILE, file_name=filename,
        sha256=hashlib.sha256(content).hexdigest(), delivered_at=delivered_at,
    )  # fmt: skip


def batch_ingest_rows(
    *, actor: Any, source: str, rows: list[Any], label: str = "", delivered_at: dt.datetime | None = None
) -> ExchangeBatch:
    """Ingest rows pushed to the API (a JSON list of objects), row numbers counted from 1."""
    user_require(actor, Capability.VERIFY_ADMIN)
    contract = contract_get(source)
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed.single("rows", "应为非空的对象列表")

    def read() -> Delivery:
        numbered = [(i, r) for i, r in enumerate(rows, start=1) if isinstance(r, dict)]
        problems = [
            (i, r, "应为JSON对象（{...}）") for i, r in enumerate(rows, start=1) if not isinstance(r, dict)
        ]
        return _objects(contract, numbered, problems, len(rows))

    digest = hashlib.sha256(
        json.dumps(_json_safe(rows), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return _ingest(
        actor=actor, contract=contract, read=read, channel=BatchChannel.API, file_name=label or "接口推送",
        sha256=digest, delivered_at=delivered_at,
    )  # fmt: skip
