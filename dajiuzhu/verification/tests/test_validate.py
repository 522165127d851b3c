"""The row validator's two paths (cheap checks of the common forms, exact checks of the rest) give one
result: good rows in delivery order with canonical values, refused rows with their reasons."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dajiuzhu.core import idnumber
from dajiuzhu.verification.contracts import contract_get
from dajiuzhu.verification.validate import validate

ON = dt.date(2026, 3, 2)


def _frame(rows: list[tuple[str | None, ...]]) -> pl.DataFrame:
    names = ["id_number", "record_id", "settled_on", "total_yuan", "out_of_pocket_yuan"]
    data = {"row": list(range(1, len(rows) + 1)), **{n: [r[i] for r in rows] for i, n in enumerate(names)}}
    return pl.DataFrame(data, schema={"row": pl.Int64, **dict.fromkeys(names, pl.Utf8)})


def test_common_and_uncommon_forms_give_the_same_canonical_values_in_delivery_order():
    raw = _frame([
        ("371402199001010017", "S1", "2026-01-05", "1234.50", "0.00"),  # common forms
        ("371402900101001", "S2", "2026/01/05", "0123.5", "1,234.5元"),  # 15-digit ID, other forms
        ("37140219900101005x", "S3", "20260105", "１２.３０", "7"),  # lower-case x, full-width digits
        ("37140219900101005X", "S4", "2026-03-02 10:00", "12", "+1.00"),
        (" 371402 199001010068", "S5", "2026.01.05", "9.99", "0"),
    ])  # fmt: skip
    ok, refused = validate(contract_get("MEDICAL_SETTLEMENT"), raw, on=ON)
    assert refused.height == 0
    assert ok["row"].to_list() == [1, 2, 3, 4, 5]
    assert ok["id_number"].to_list() == [
        "371402199001010017", "371402199001010017", "37140219900101005X", "37140219900101005X", "371402199001010068",
    ]  # fmt: skip
    assert ok["settled_on"].to_list() == [dt.date(2026, 1, 5)] * 3 + [ON, dt.date(2026, 1, 5)]
    assert ok["total_yuan"].to_list() == ["1234.50", "123.50", "12.30", "12.00", "9.99"]
    assert ok["total_yuan_fen"].to_list() == [123450, 12350, 1230, 1200, 999]
    assert ok["out_of_pocket_yuan"].to_list() == ["0.00", "1234.50", "7.00", "1.00", "0.00"]
    assert ok["out_of_pocket_yuan_fen"].to_list() == [0, 123450, 700, 100, 0]
    assert ok.schema["settled_on"] == pl.Date
    assert ok.schema["total_yuan_fen"] == pl.Int64


def test_refusals_near_the_cheap_checks_keep_their_exact_reasons():
    raw = _frame([
        ("371402199001010018", "S1", "2026-01-05", "1.00", "1.00"),  # wrong check character
        ("991402199001010017", "S2", "2026-03-03", "1.00", "1.00"),  # province, date after processing
        ("371402203001010011", "S3", "2026-02-30", "-1.00", "12.345"),  # birth in the future
        ("371402189912310012", "S4", "2026-01-05", "1.00", "1.00"),  # birth before 1900
        ("371402199002300018", "S5", "2026-01-05", "1.00", "1.00"),  # no such day
        ("371402199001010017", "S6", "2026-01-05", "1.00", "1.00"),  # good
    ])  # fmt: skip
    ok, refused = validate(contract_get("MEDICAL_SETTLEMENT"), raw, on=ON)
    assert ok["row"].to_list() == [6]
    reasons = dict(zip(refused["row"].to_list(), refused["reasons"].to_list(), strict=True))
    assert reasons[1] == ["身份证号码（id_number）：校验码错误（应为7），请核对号码是否抄错"]
    assert reasons[2] == [
        "身份证号码（id_number）：地址码991402的省级代码99不存在",
        "结算日期（settled_on）：“2026-03-03”晚于处理日期2026-03-02",
    ]
    assert reasons[3][0] == "身份证号码（id_number）：出生日期2030-01-01晚于今天（2026-03-02），请核对号码"
    assert reasons[3][1:] == [
        "结算日期（settled_on）：“2026-02-30”不是有效日期（应为 YYYY-MM-DD）",
        "医疗总费用（元）（total_yuan）：不能为负数",
        "个人自付（元）（out_of_pocket_yuan）：金额“12.345”最多保留两位小数（精确到分）",
    ]
    assert reasons[4] == ["身份证号码（id_number）：出生日期1899-12-31早于1900年1月1日，请核对号码"]
    assert reasons[5] == ["身份证号码（id_number）：出生日期19900230不是真实的日期"]


def test_an_id_number_with_a_made_up_county_under_a_known_prefecture_is_quarantined():
    # 371499 lies under 德州市 (3714) but was never a county; 371421 (陵县, abolished 2014) is still valid
    made_up = idnumber.make("371499", dt.date(1990, 1, 1), 11)
    old = idnumber.make("371421", dt.date(1960, 1, 1), 11)
    raw = _frame([
        (made_up, "S1", "2026-01-05", "1.00", "1.00"),
        (old, "S2", "2026-01-05", "1.00", "1.00"),
    ])  # fmt: skip
    ok, refused = validate(contract_get("MEDICAL_SETTLEMENT"), raw, on=ON)
    assert ok["row"].to_list() == [2]
    assert refused["reasons"].to_list() == [
        ["身份证号码（id_number）：地址码371499不是有效的县级行政区划代码（现行或已撤销的代码均可）"]
    ]
