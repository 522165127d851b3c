"""Ingest of batches delivered by the data-sharing platform: files (.csv/.xlsx/.jsonl) and API pushes.

Each row is checked against the source's contract. Bad rows are quarantined with a Chinese reason naming
the row and the field; the rest are stored in bulk (no per-row save). A record is identified by its
contract key, so replaying a file, or a row delivered twice, creates nothing new; a changed record is
updated in place. ID numbers absent from the registry are stored and reported (「库中无此人」), never
matched to someone by guessing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from dajiuzhu.accounts.roles import Capability
from dajiuzhu.accounts.selectors import user_require
from dajiuzhu.audit.models import AuditAction
from dajiuzhu.audit.services import audit_record
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.registry.models import Person

from .contracts import SourceContract, contract_get
from .errors import FileUnreadable
from .models import BatchChannel, BatchStatus, ExchangeBatch, ExchangeRecord, QuarantinedRow

log = logging.getLogger(__name__)

FILE_EXTENSIONS = (".csv", ".xlsx", ".jsonl")
CHUNK = 2000  # rows per INSERT / per key lookup
UNKNOWN_LISTED = 100  # unknown ID numbers kept by name in the batch summary (the count is always exact)


@dataclass(frozen=True)
class RawRow:
    number: int  # the row as the provider sees it: spreadsheet line, JSONL line, list position
    data: dict[str, Any] | None
    raw: Any
    problem: str = ""  # set when the row could not even be read (bad JSON line)


# ---- reading the delivery --------------------------------------------------------------------------


def _decode_csv(content: bytes) -> str:
    candidates = ["utf-8-sig"] if content.startswith(b"\xef\xbb\xbf") else ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileUnreadable("无法识别CSV文件的文字编码（应为UTF-8或GBK），请另存为“CSV UTF-8”后重新上传")


def _header_map(contract: SourceContract, header: list[Any]) -> dict[int, str]:
    """Column position → field name, by the field's name or its Chinese label (with or without the unit)."""
    names: dict[str, str] = {}
    for spec in contract.fields:
        names[spec.name.lower()] = spec.name
        names[spec.label] = spec.name
        names[spec.label.split("（")[0]] = spec.name
    mapping: dict[int, str] = {}
    for i, cell in enumerate(header):
        text = str(cell or "").strip().lstrip("\ufeff")
        found = names.get(text) or names.get(text.lower())
        if found and found not in mapping.values():
            mapping[i] = found
    missing = [s for s in contract.fields if s.required and s.name not in mapping.values()]
    if missing:
        wanted = "、".join(f"{s.label}（{s.name}）" for s in missing)
        raise FileUnreadable(f"文件第1行（表头）缺少必填列：{wanted}。表头应使用交换约定中的字段名或中文名")
    return mapping


def _table_rows(contract: SourceContract, table: Iterable[list[Any]]) -> Iterator[RawRow]:
    iterator = iter(table)
    header = next(iterator, None)
    if header is None:
        raise FileUnreadable("文件是空的，没有表头")
    mapping = _header_map(contract, list(header))
    for number, cells in enumerate(iterator, start=2):
        if not any(c not in (None, "") for c in cells):
            continue  # blank lines at the end of a sheet
        data = {name: (cells[i] if i < len(cells) else None) for i, name in mapping.items()}
        yield RawRow(number, data, data)


def _csv_table(content: bytes) -> Iterator[list[Any]]:
    text = _decode_csv(content)
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_table(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()
            return [list(r) for r in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except Exception as exc:  # a damaged upload gets a message, never a stack trace
        log.info("unreadable xlsx delivery: %r", exc)
        raise FileUnreadable("文件已损坏或不是有效的Excel工作簿（.xlsx）") from exc


def _jsonl_rows(content: bytes) -> Iterator[RawRow]:
    text = _decode_csv(content)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            yield RawRow(number, None, line[:1000], "不是有效的JSON对象")
            continue
        if not isinstance(data, dict):
            yield RawRow(number, None, line[:1000], "每行应为一个JSON对象（{...}）")
            continue
        yield RawRow(number, data, data)


def file_rows(contract: SourceContract, *, filename: str, content: bytes) -> Iterator[RawRow]:
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _table_rows(contract, _csv_table(content))
    if name.endswith(".xlsx"):
        return _table_rows(contract, _xlsx_table(content))
    if name.endswith(".jsonl"):
        return _jsonl_rows(content)
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


def _unknown_ids(id_numbers: list[str]) -> list[str]:
    known: set[str] = set()
    for part in _chunks(id_numbers, 5000):
        known.update(Person.objects.filter(id_number__in=part).values_list("id_number", flat=True))
    return sorted(set(id_numbers) - known)


def _ingest(
    *,
    actor: Any,
    contract: SourceContract,
    rows: Iterable[RawRow],
    channel: str,
    file_name: str,
    sha256: str,
    delivered_at: dt.datetime | None,
) -> ExchangeBatch:
    started = time.perf_counter()
    now = timezone.now()
    delivered = delivered_at or now
    if timezone.is_naive(delivered):
        delivered = timezone.make_aware(delivered)
    if delivered > now + dt.timedelta(minutes=5):
        raise ValidationFailed.single("交付时间（delivered_at）", "不能晚于当前时间")
    previous = (
        ExchangeBatch.objects.filter(source=contract.code, sha256=sha256, status=BatchStatus.DONE)
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

    good: dict[str, tuple[int, dict[str, Any], str, str]] = {}  # key → (row, values, hash, JSON text)
    quarantined: list[QuarantinedRow] = []
    total = 0
    id_field = contract.label_of("id_number")
    for row in rows:
        total += 1
        if row.data is None:
            quarantined.append(
                QuarantinedRow(
                    row_number=row.number,
                    raw=_json_safe(row.raw),
                    reasons=[f"第{row.number}行：{row.problem}"],
                )
            )
            continue
        values, errors = contract.clean_row(row.data, row=row.number)
        reasons = [str(e) for e in errors]
        if not errors:
            key = contract.record_key(values)
            text = json.dumps(values, sort_keys=True, ensure_ascii=False)
            digest = _payload_hash(text)
            seen = good.get(key)
            if seen is not None and seen[2] != digest:
                reasons.append(
                    f"第{row.number}行：与第{seen[0]}行的记录标识（{'、'.join(contract.key)}）相同但内容不同，请核对"
                )
            elif seen is None:
                good[key] = (row.number, values, digest, text)
        if reasons:
            quarantined.append(
                QuarantinedRow(row_number=row.number, raw=_json_safe(row.raw), reasons=reasons)
            )
    if total == 0:
        raise FileUnreadable("交付内容没有数据行")

    with transaction.atomic():
        batch = ExchangeBatch.objects.create(
            source=contract.code, channel=channel, file_name=file_name[:200], sha256=sha256, delivered_at=delivered,
            created_by=actor, area=actor.area, status=BatchStatus.DONE, rows_total=total,
            rows_quarantined=len(quarantined),
        )  # fmt: skip
        rows_good = list(good.items())
        if connection.vendor == "postgresql":
            inserted, updated, unknown = _store_postgres(contract, batch, rows_good, now)
        else:
            inserted, updated, unknown = _store_generic(contract, batch, rows_good, now)
        batch.rows_inserted, batch.rows_updated = inserted, updated
        batch.rows_unchanged = len(good) - inserted - updated
        batch.unknown_persons = len(unknown)
        for q in quarantined:
            q.batch = batch
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


def _db_row(
    contract: SourceContract, batch_id: int, key: str, good: tuple[int, dict[str, Any], str, str], stamp: Any
) -> tuple[Any, ...]:
    _row, values, digest, text = good
    return (
        contract.code, key, values["id_number"], text, digest, values.get(contract.effective_field), batch_id, stamp,
    )  # fmt: skip


GoodRows = list[tuple[str, tuple[int, dict[str, Any], str, str]]]


def _store_generic(
    contract: SourceContract, batch: ExchangeBatch, rows: GoodRows, now: Any
) -> tuple[int, int, list[str]]:
    """SQLite and others: look up existing keys, then executemany an upsert of the new and changed rows."""
    existing = _existing_hashes(contract.code, [k for k, _v in rows])
    to_write = [(k, v) for k, v in rows if existing.get(k) != v[2]]
    inserted = sum(1 for k, _v in to_write if k not in existing)
    table = ExchangeRecord._meta.db_table
    cols = ", ".join(_COLUMNS)
    upsert = ", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATED)
    sql = (
        f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "  # noqa: S608
        f"ON CONFLICT (source, record_key) DO UPDATE SET {upsert}"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for part in _chunks(to_write, 5000):
            cursor.executemany(sql, [_db_row(contract, batch.pk, k, g, stamp) for k, g in part])
    unknown = _unknown_ids(sorted({v[1]["id_number"] for _k, v in rows}))
    return inserted, len(to_write) - inserted, unknown


def _store_postgres(
    contract: SourceContract, batch: ExchangeBatch, rows: GoodRows, now: Any
) -> tuple[int, int, list[str]]:
    """PostgreSQL: COPY every good row into a temporary table, upsert only the new or changed ones in one
    statement (RETURNING whether each was an insert), and find the unknown ID numbers with one join."""
    table = ExchangeRecord._meta.db_table
    person_table = Person._meta.db_table
    cols = ", ".join(_COLUMNS)
    upsert = ", ".join(f"{c} = EXCLUDED.{c}" for c in _UPDATED)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS verification_record_in (source varchar(30), record_key varchar(40), "
            "id_number varchar(18), payload jsonb, payload_hash varchar(40), effective_date date, batch_id bigint, "
            "updated_at timestamptz) ON COMMIT DELETE ROWS"
        )
        cursor.execute("TRUNCATE verification_record_in")
        with cursor.cursor.copy(f"COPY verification_record_in ({cols}) FROM STDIN") as copy:
            for key, g in rows:
                copy.write_row(_db_row(contract, batch.pk, key, g, now))
        cursor.execute(
            f"INSERT INTO {table} AS r ({cols}) SELECT {cols} FROM verification_record_in "  # noqa: S608
            f"ON CONFLICT (source, record_key) DO UPDATE SET {upsert} "
            "WHERE r.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash RETURNING (xmax = 0)"
        )
        flags = [f for (f,) in cursor.fetchall()]
        cursor.execute(
            f"SELECT DISTINCT i.id_number FROM verification_record_in i "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT 1 FROM {person_table} p WHERE p.id_number = i.id_number) ORDER BY 1"
        )
        unknown = [n for (n,) in cursor.fetchall()]
        cursor.execute("TRUNCATE verification_record_in")
    inserted = sum(1 for f in flags if f)
    return inserted, len(flags) - inserted, unknown


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
    rows = file_rows(contract, filename=filename, content=content)
    return _ingest(
        actor=actor, contract=contract, rows=rows, channel=BatchChannel.FILE, file_name=filename,
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
    raw_rows = (
        RawRow(i, r, r) if isinstance(r, dict) else RawRow(i, None, r, "应为JSON对象（{...}）")
        for i, r in enumerate(rows, start=1)
    )
    digest = hashlib.sha256(
        json.dumps(_json_safe(rows), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    return _ingest(
        actor=actor, contract=contract, rows=raw_rows, channel=BatchChannel.API, file_name=label or "接口推送",
        sha256=digest, delivered_at=delivered_at,
    )  # fmt: skip
