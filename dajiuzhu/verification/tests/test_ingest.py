"""Ingest of deliveries: bad rows quarantined with reasons, good rows stored once, unknown IDs reported."""

import io
import json

import pytest

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core import idnumber
from dajiuzhu.core.errors import PermissionDenied
from dajiuzhu.verification.errors import FileUnreadable, UnknownSource
from dajiuzhu.verification.ingest import batch_ingest_file, batch_ingest_rows, outside_area_reason
from dajiuzhu.verification.models import BatchStatus, ExchangeBatch, ExchangeRecord, QuarantinedRow

from .conftest import csv_bytes

HEADER = ["id_number", "record_id", "bank", "as_of", "balance_yuan"]
STRANGER = idnumber.make("371424", __import__("datetime").date(1990, 5, 5), 11)  # valid, not in the registry


def _bad_check(number: str) -> str:
    return number[:17] + ("1" if number[-1] != "1" else "2")


def _rows(ids):
    return [
        [ids["head"], "A001", "农业银行", "2026-03-01", "12000.00"],
        [_bad_check(ids["spouse"]), "A002", "农业银行", "2026-03-01", "500.00"],  # bad check digit
        [ids["spouse"], "A003", "", "2026-03-01", "abc"],  # bank missing, bad amount
        [STRANGER, "A004", "工商银行", "2026-03-01", "300.00"],
    ]


def test_csv_delivery_quarantines_bad_rows_and_stores_the_rest(county_admin, household_a, ids):
    # given a UTF-8 CSV with two good rows (one for a stranger) and two bad ones
    content = csv_bytes(HEADER, _rows(ids))
    # when the county administrator uploads it
    batch = batch_ingest_file(actor=county_admin, source="BANK_DEPOSIT", filename="bank.csv", content=content)
    # then the registered person's row is stored, the bad rows quarantined with Chinese reasons naming row
    # and field, and the stranger's row too (not within the uploader's area), raw text kept
    assert (batch.rows_total, batch.rows_inserted, batch.rows_quarantined) == (4, 1, 3)
    stored = {r.id_number: r.payload["balance_yuan"] for r in ExchangeRecord.objects.all()}
    assert stored == {ids["head"]: "12000.00"}
    q = list(QuarantinedRow.objects.filter(batch=batch).values_list("row_number", "reasons", "raw"))
    assert q[0][0] == 3 and q[0][1][0].startswith("第3行 身份证号码（id_number）：校验码错误")
    assert q[1][:2] == (
        4,
        ["第4行 开户行（bank）：不能为空", "第4行 余额（元）（balance_yuan）：“abc”不是有效的金额"],
    )
    assert q[2][0] == 5 and q[2][1] == [outside_area_reason(5, "身份证号码")]
    assert q[2][2] == {"id_number": STRANGER, "record_id": "A004", "bank": "工商银行", "as_of": "2026-03-01",
                       "balance_yuan": "300.00"}  # fmt: skip
    # and the stranger is reported as not in the area's registry, never matched to anyone
    assert batch.unknown_persons == 1
    assert batch.summary["unknown_ids"] == [STRANGER]
    assert (
        AuditEvent.objects.filter(
            action="import", subject_type="verification_batch", subject_id=str(batch.pk)
        ).count()
        == 1
    )


def test_gbk_csv_with_chinese_headers_is_read(county_admin, household_a, ids):
    header = ["身份证号码", "账号", "开户行", "余额日期", "余额（元）"]
    content = csv_bytes(header, [[ids["head"], "B1", "农村商业银行", "2026-03-01", "88.00"]], encoding="gbk")
    batch = batch_ingest_file(actor=county_admin, source="BANK_DEPOSIT", filename="存款.csv", content=content)
    assert (batch.rows_inserted, batch.rows_quarantined) == (1, 0)
    assert ExchangeRecord.objects.get().payload["bank"] == "农村商业银行"


def test_xlsx_delivery(county_admin, household_a, ids):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id_number", "record_id", "vehicle_kind", "value_yuan", "status", "registered_on"])
    ws.append([ids["head"], "鲁N12345", "小型汽车", 45000, "正常", "2024-06-01"])
    ws.append([ids["spouse"], "鲁N00001", "飞机", 1, "正常", "2024-06-01"])
    buf = io.BytesIO()
    wb.save(buf)
    batch = batch_ingest_file(
        actor=county_admin, source="VEHICLE", filename="车辆.xlsx", content=buf.getvalue()
    )
    assert (batch.rows_inserted, batch.rows_quarantined) == (1, 1)
    record = ExchangeRecord.objects.get()
    assert record.payload["value_yuan"] == "45000.00" and str(record.effective_date) == "2024-06-01"
    reasons = QuarantinedRow.objects.get().reasons
    assert reasons == [
        "第3行 车辆类型（vehicle_kind）：“飞机”不是有效选项，可选：小型汽车、货车、摩托车、三轮汽车、低速货车、其他"
    ]


def test_jsonl_delivery_quarantines_a_broken_line(county_admin, household_a, ids):
    lines = [
        json.dumps({"id_number": ids["head"], "record_id": "D1", "died_on": "2026-01-02", "kind": "火化"}),
        "{not json",
        json.dumps({"id_number": ids["spouse"], "record_id": "D2", "died_on": "2026-01-02"}),
    ]
    batch = batch_ingest_file(actor=county_admin, source="DEATH_FUNERAL", filename="death.jsonl",
                              content="\n".join(lines).encode())  # fmt: skip
    assert (batch.rows_total, batch.rows_inserted, batch.rows_quarantined) == (3, 1, 2)
    reasons = dict(QuarantinedRow.objects.values_list("row_number", "reasons"))
    assert reasons == {2: ["第2行：不是有效的JSON对象"], 3: ["第3行 信息类型（kind）：不能为空"]}


def test_replaying_the_same_file_creates_nothing_new(county_admin, household_a, ids):
    content = csv_bytes(HEADER, _rows(ids))
    first = batch_ingest_file(actor=county_admin, source="BANK_DEPOSIT", filename="bank.csv", content=content)
    # when the same file is delivered again
    again = batch_ingest_file(
        actor=county_admin, source="BANK_DEPOSIT", filename="bank(1).csv", content=content
    )
    # then it is logged as a replay of the first, and no record or quarantined row is added
    assert again.status == BatchStatus.REPLAY and again.replay_of_id == first.pk
    assert again.rows_inserted == 0
    assert ExchangeRecord.objects.count() == 1
    assert QuarantinedRow.objects.count() == 3


def test_overlapping_delivery_updates_changed_records_and_skips_the_same(county_admin, household_a, ids):
    first = [
        [ids["head"], "A001", "农业银行", "2026-03-01", "12000.00"],
        [ids["child"], "A006", "邮储银行", "2026-03-01", "10.00"],
    ]
    batch_ingest_file(
        actor=county_admin, source="BANK_DEPOSIT", filename="m1.csv", content=csv_bytes(HEADER, first)
    )
    # given a later file with the head's account at a new balance, the child's first account unchanged, one
    # new row, and a stranger's row (refused again: not within the area)
    rows = [
        [ids["head"], "A001", "农业银行", "2026-04-01", "9000.00"],
        [STRANGER, "A004", "工商银行", "2026-03-01", "300.00"],
        [ids["child"], "A005", "邮储银行", "2026-04-01", "50.00"],
        [ids["child"], "A006", "邮储银行", "2026-03-01", "10.00"],
    ]
    batch = batch_ingest_file(
        actor=county_admin, source="BANK_DEPOSIT", filename="m2.csv", content=csv_bytes(HEADER, rows)
    )
    assert (batch.rows_inserted, batch.rows_updated, batch.rows_unchanged, batch.rows_quarantined) == (
        1,
        1,
        1,
        1,
    )
    assert ExchangeRecord.objects.count() == 3
    head = ExchangeRecord.objects.get(id_number=ids["head"])
    assert head.payload["balance_yuan"] == "9000.00" and head.batch_id == batch.pk


def test_a_file_for_an_unknown_source_is_refused_and_nothing_stored(county_admin):
    with pytest.raises(UnknownSource) as exc:
        batch_ingest_file(actor=county_admin, source="LOTTERY", filename="x.csv", content=b"id_number\n1\n")
    assert "没有交换约定" in exc.value.message
    assert ExchangeBatch.objects.count() == 0 and ExchangeRecord.objects.count() == 0


def test_a_file_without_a_required_column_is_refused(county_admin, ids):
    content = csv_bytes(["id_number", "record_id"], [[ids["head"], "X"]])
    with pytest.raises(FileUnreadable) as exc:
        batch_ingest_file(actor=county_admin, source="BANK_DEPOSIT", filename="x.csv", content=content)
    assert exc.value.message == (
        "文件第1行（表头）缺少必填列：开户行（bank）、余额日期（as_of）、余额（元）（balance_yuan）。"
        "表头应使用交换约定中的字段名或中文名"
    )
    assert ExchangeBatch.objects.count() == 0


def test_an_unsupported_file_type_is_refused(county_admin):
    with pytest.raises(FileUnreadable, match="不支持的文件类型"):
        batch_ingest_file(actor=county_admin, source="TAX", filename="x.pdf", content=b"%PDF")
    assert ExchangeBatch.objects.count() == 0


def test_township_reviewer_may_not_deliver(township_user, ids):
    with pytest.raises(PermissionDenied):
        batch_ingest_rows(actor=township_user, source="TAX", rows=[{"id_number": ids["head"]}])
    assert ExchangeBatch.objects.count() == 0


def test_api_push_rows_with_one_duplicate_key_in_conflict(county_admin, household_a, ids):
    rows = [
        {"id_number": ids["head"], "record_id": "T1", "period": "2026-01-01", "income_yuan": "3000", "income_kind": "工资薪金"},
        {"id_number": ids["head"], "record_id": "T1", "period": "2026-01-01", "income_yuan": "3100", "income_kind": "工资薪金"},
        "not an object",
    ]  # fmt: skip
    batch = batch_ingest_rows(actor=county_admin, source="tax", rows=rows)
    assert (batch.rows_inserted, batch.rows_quarantined) == (1, 2)
    reasons = dict(QuarantinedRow.objects.values_list("row_number", "reasons"))
    assert reasons == {
        2: ["第2行：与第1行的记录标识（id_number、record_id）相同但内容不同，请核对"],
        3: ["第3行：应为JSON对象（{...}）"],
    }
