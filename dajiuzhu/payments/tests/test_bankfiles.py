"""Bank files: rendering the batch (报盘), reading the result (回盘) and matching it (no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
import time
from pathlib import Path

import polars as pl
import pytest
import yaml

from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.payments import bankfiles
from dajiuzhu.payments.bankfiles import (
    BankFormat,
    load_formats,
    match_return,
    parse_return,
    render,
    render_return,
)

CREATED = dt.date(2026, 12, 5)
BATCH = {"county": "371424", "period": "202612", "seq": 3, "created": CREATED}
RARE = "𬌗"  # CJK Extension E: in GB18030, not in GBK


def _complete(partial: str) -> str:
    for d in "0123456789":
        total = 0
        for i, ch in enumerate(reversed(partial + d)):
            v = int(ch) * (2 if i % 2 else 1)
            total += v - 9 if v > 9 else v
        if total % 10 == 0:
            return partial + d
    raise AssertionError


def card(i: int) -> str:
    return _complete(f"621462{i:012d}")


NAMES = ["张三", "欧阳娜娜", "李四", "王小明", "赵钱孙李周吴郑王"]
AMOUNTS = [123450, 50000, 1, 99999, 30000]


def make_lines(n: int = 5) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "reference": [f"PR202612371424-{i:06d}" for i in range(1, n + 1)],
            "account_number": [card(i) for i in range(1, n + 1)],
            "holder_name": [NAMES[(i - 1) % 5] for i in range(1, n + 1)],
            "amount_fen": [AMOUNTS[(i - 1) % 5] for i in range(1, n + 1)],
            "period": ["202612"] * n,
            "programme_name": ["最低生活保障金"] * n,
            "id_number": ["371424199001011234" if i % 2 else None for i in range(1, n + 1)],
        },
        schema_overrides={"amount_fen": pl.Int64},
    )


@pytest.fixture(scope="module")
def formats() -> dict[str, BankFormat]:
    return load_formats()


def bank_results(fmt: BankFormat, lines: pl.DataFrame, failed: dict[int, str] | None = None) -> pl.DataFrame:
    """What the bank did: every line paid except ``failed`` (index → failure code)."""
    failed = failed or {}
    return lines.select("reference", "account_number", "holder_name", "amount_fen").with_columns(
        pl.Series("paid", [i not in failed for i in range(lines.height)]),
        pl.Series("reason_code", [failed.get(i) for i in range(lines.height)], dtype=pl.String),
    )


def expected_of(lines: pl.DataFrame) -> pl.DataFrame:
    return lines.select("reference", "account_number", "amount_fen")


def text_return(fmt: BankFormat, lines: pl.DataFrame, failed: dict[int, str] | None = None) -> list[str]:
    """The bank's result file as text lines (without line endings), to be edited by a test."""
    raw = render_return(fmt, bank_results(fmt, lines, failed))
    return raw.decode(fmt.returns.encoding).split("\r\n")[:-1]


def encode(fmt: BankFormat, text_lines: list[str]) -> bytes:
    return ("\r\n".join(text_lines) + "\r\n").encode(fmt.returns.encoding)


def messages(errors) -> list[str]:
    return [e.message for e in errors]


# --------------------------------------------------------------------------------------------------
# The shipped formats


def test_shipped_formats_are_examples_marked_unverified(formats) -> None:
    assert set(formats) == {"sdrcu", "psbc", "xlsx-template"}
    assert {f.layout for f in formats.values()} == {"fixed", "delimited", "xlsx"}
    assert all(f.unverified for f in formats.values())
    for code in formats:
        text = (bankfiles.DEFAULT_DIR / f"{code}.yaml").read_text(encoding="utf-8")
        assert "NOT A REAL BANK SPECIFICATION" in text
    assert formats["sdrcu"].encoding == "gbk" and formats["psbc"].encoding == "utf-8"


@pytest.mark.parametrize("code", ["sdrcu", "psbc", "xlsx-template"])
def test_round_trip(formats, code: str) -> None:
    fmt = formats[code]
    lines = make_lines(5)
    first_failure, last_failure = fmt.returns.failure_codes[0][0], fmt.returns.failure_codes[-1][0]
    rendered = render(fmt, lines, **BATCH)
    assert (rendered.count, rendered.total_fen) == (5, sum(AMOUNTS))
    assert rendered.filename == fmt.filename_for(**BATCH)
    content = render_return(fmt, bank_results(fmt, lines, {1: first_failure, 4: last_failure}))
    parsed = parse_return(fmt, content)
    assert parsed.errors == []
    assert parsed.line_count == 5
    assert parsed.rows.columns == list(bankfiles.ROW_SCHEMA)
    assert parsed.rows["reference"].to_list() == lines["reference"].to_list()
    assert parsed.rows["amount_fen"].to_list() == AMOUNTS
    assert parsed.rows["holder_name"].to_list() == NAMES
    assert parsed.rows["account_number"].to_list() == lines["account_number"].to_list()
    match = match_return(expected_of(lines), parsed)
    assert match.errors == []
    assert match.missing.height == 0
    assert match.results["paid"].to_list() == [True, False, True, True, False]
    assert match.results["reason_code"].to_list()[1] == first_failure
    table = fmt.returns.failure_reasons
    assert match.results["reason"].to_list()[1] == (
        table[first_failure] or f"银行返回失败（代码{first_failure}）"
    )
    assert match.results["reason"].to_list()[0] == ""


def test_filenames(formats) -> None:
    assert render(formats["sdrcu"], make_lines(1), **BATCH).filename == "DF371424202612003.txt"
    assert render(formats["psbc"], make_lines(1), **BATCH).filename == "PSBC_371424_202612_03.txt"
    assert render(formats["xlsx-template"], make_lines(1), **BATCH).filename == "代发371424202612第3批.xlsx"


# --------------------------------------------------------------------------------------------------
# Rendering


def _offsets(fmt: BankFormat) -> dict[str, tuple[int, int]]:
    out, at = {}, 0
    for col in fmt.columns:
        assert col.width is not None
        out[col.name] = (at, at + col.width)
        at += col.width
    return out


def test_fixed_width_counts_bytes_in_gbk(formats) -> None:
    fmt = formats["sdrcu"]
    content = render(fmt, make_lines(5), **BATCH).content
    lines = content.split(b"\r\n")
    assert lines[-1] == b""  # the file ends with a line ending
    body = lines[1:-1]
    width = sum(c.width or 0 for c in fmt.columns)
    assert width == 1 + 8 + 24 + 19 + 20 + 12 + 18 + 40
    assert [len(x) for x in body] == [width] * 5
    at = _offsets(fmt)
    a, b = at["户名"]
    assert body[1][a:b] == "欧阳娜娜".encode("gbk") + b" " * 12
    assert body[4][a:b] == "赵钱孙李周吴郑王".encode("gbk") + b" " * 4
    a, b = at["金额"]
    assert body[0][a:b] == b"000000123450"
    a, b = at["序号"]
    assert [x[a:b] for x in body] == [f"{i:08d}".encode() for i in range(1, 6)]
    a, b = at["身份证号码"]
    assert body[1][a:b] == b" " * 18  # a missing ID number is blank, not "None"
    assert body[0].decode("gbk").startswith("D00000001PR202612371424-000001   " + card(1))


def test_header_and_trailer_carry_count_and_total(formats) -> None:
    sdrcu = render(formats["sdrcu"], make_lines(5), **BATCH).content.split(b"\r\n")
    assert sdrcu[0] == b"H371424202612003" + b"20261205" + b"00000005" + b"000000000303450"
    psbc = render(formats["psbc"], make_lines(5), **BATCH).content.decode("utf-8").split("\r\n")
    assert psbc[-2] == "TOTAL|5|3034.50|2026-12-05|"
    assert (
        psbc[0] == f"1|PR202612371424-000001|{card(1)}|张三|1234.50|371424199001011234|最低生活保障金|202612|"
    )
    assert psbc[2].split("|")[4] == "0.01"


@pytest.mark.parametrize("code", ["sdrcu", "psbc", "xlsx-template"])
def test_rendering_is_byte_identical(formats, code: str, monkeypatch) -> None:
    fmt = formats[code]
    lines = make_lines(40)
    first = render(fmt, lines, **BATCH)
    shuffled = lines.sample(fraction=1.0, shuffle=True, seed=3)
    assert shuffled["reference"].to_list() != lines["reference"].to_list()
    real = time.time  # noqa: TID251 - proves openpyxl does not embed the machine clock
    monkeypatch.setattr(time, "time", lambda: real() + 3 * 86400)  # another day on the clock
    again = render(fmt, shuffled, **BATCH)
    assert again.content == first.content
    assert again.sha256 == first.sha256
    other_day = render(fmt, lines, **{**BATCH, "created": dt.date(2026, 12, 6)})
    assert other_day.sha256 != first.sha256


def test_xlsx_holds_text_cells_and_fixed_properties(formats) -> None:
    from openpyxl import load_workbook

    rendered = render(formats["xlsx-template"], make_lines(3), **BATCH)
    wb = load_workbook(io.BytesIO(rendered.content))
    ws = wb["代发明细"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("序号", "流水号", "收款账号", "收款人", "金额（元）", "身份证号码", "用途")
    assert rows[1][:5] == ("1", "PR202612371424-000001", card(1), "张三", "1234.50")
    assert wb.properties.created == dt.datetime(2026, 12, 5)
    assert wb.properties.modified == dt.datetime(2026, 12, 5)


def _render_errors(fmt: BankFormat, lines: pl.DataFrame):
    with pytest.raises(ValidationFailed) as exc:
        render(fmt, lines, **BATCH)
    return exc.value.errors


def test_a_character_outside_gbk_is_refused_naming_the_line(formats) -> None:
    lines = make_lines(3).with_columns(
        pl.when(pl.col("reference").str.ends_with("2"))
        .then(pl.lit(f"王{RARE}"))
        .otherwise("holder_name")
        .alias("holder_name")
    )
    errors = _render_errors(formats["sdrcu"], lines)
    assert len(errors) == 1
    assert (errors[0].row, errors[0].field) == (2, "户名")
    assert "PR202612371424-000002" in errors[0].message
    assert f"“{RARE}”无法用GBK编码" in errors[0].message
    # The same name goes through a GB18030 format, where the character takes 4 bytes.
    gb18030 = dataclasses.replace(formats["sdrcu"], encoding="gb18030")
    content = render(gb18030, lines, **BATCH).content
    a, b = _offsets(gb18030)["户名"]
    assert content.split(b"\r\n")[2][a:b] == f"王{RARE}".encode("gb18030") + b" " * 14
    assert len(f"王{RARE}".encode("gb18030")) == 6


def test_a_name_too_wide_is_refused_not_cut(formats) -> None:
    long_name = "欧阳" + "某" * 9  # 11 characters, 22 bytes in GBK: 2 more than the column
    lines = make_lines(2).with_columns(pl.Series("holder_name", ["张三", long_name]))
    errors = _render_errors(formats["sdrcu"], lines)
    assert len(errors) == 1
    assert (errors[0].row, errors[0].field) == (2, "户名")
    assert "PR202612371424-000002" in errors[0].message
    assert "占22字节，超过本列宽度20字节" in errors[0].message
    # The delimited format has no width: the same name is fine there.
    assert render(formats["psbc"], lines, **BATCH).count == 2
    # Ten characters are exactly 20 bytes and fit.
    fits = lines.with_columns(pl.Series("holder_name", ["张三", "某" * 10]))
    assert render(formats["sdrcu"], fits, **BATCH).count == 2


def test_every_bad_line_is_reported_at_once(formats) -> None:
    lines = make_lines(6)
    bad_luhn = card(2)[:-1] + str((int(card(2)[-1]) + 1) % 10)
    lines = lines.with_columns(
        pl.Series(
            "account_number",
            [lines["account_number"][0], bad_luhn, "6214620000", *lines["account_number"][3:]],
        ),
        pl.Series("amount_fen", [0, 100, 100, 100, -5, 100], dtype=pl.Int64),
        pl.Series("reference", [*lines["reference"][:5], lines["reference"][3]]),
        pl.Series("holder_name", ["张三", "李四", " ", "王五", "赵六", "钱七"]),
    )
    errors = _render_errors(formats["sdrcu"], lines)
    found = {(e.row, e.field, e.message.split("：", 1)[-1]) for e in errors}
    assert (1, "金额", "发放金额应大于0（实际0分）") in found
    assert (2, "银行账号", "银行账号校验位不正确，请核对卡号") in found
    assert (3, "银行账号", "银行账号应为16或19位（实际10位）") in found
    assert (3, "户名", "户名不能为空") in found
    assert sum(e.field == "流水号" and "重复" in e.message for e in errors) == 2
    assert any(e.field == "金额" and "实际-5分" in e.message for e in errors)
    assert [e.row for e in errors] == sorted(e.row for e in errors)


def test_a_delimiter_inside_a_value_is_refused(formats) -> None:
    lines = make_lines(2).with_columns(pl.Series("holder_name", ["张|三", "李四"]))
    errors = _render_errors(formats["psbc"], lines)
    assert [(e.row, e.field) for e in errors] == [(1, "户名")]
    assert "分隔符“|”" in errors[0].message


def test_empty_batch_and_bad_input(formats) -> None:
    with pytest.raises(ValidationFailed):
        render(formats["psbc"], make_lines(0), **BATCH)
    with pytest.raises(ValueError, match="amount_fen"):
        render(formats["psbc"], make_lines(2).drop("amount_fen"), **BATCH)
    with pytest.raises(ValueError, match="发放月份"):
        render(formats["psbc"], make_lines(2), **{**BATCH, "period": "2026-12"})


# --------------------------------------------------------------------------------------------------
# Reading the bank's result


def test_a_gbk_format_refuses_a_utf8_file(formats) -> None:
    fmt = formats["sdrcu"]
    gbk_lines = render_return(fmt, bank_results(fmt, make_lines(3))).decode("gbk")
    parsed = parse_return(fmt, gbk_lines.encode("utf-8"))
    assert parsed.rows.height == 0
    assert len(parsed.errors) == 1
    assert parsed.errors[0].message.startswith("文件编码不是GBK")
    assert "UTF-8" in parsed.errors[0].message


def test_a_utf8_format_refuses_a_gbk_file(formats) -> None:
    fmt = formats["psbc"]
    text = render_return(fmt, bank_results(fmt, make_lines(3))).decode("utf-8")
    parsed = parse_return(fmt, text.encode("gbk"))
    assert [e.message[:13] for e in parsed.errors] == ["文件编码不是UTF-8：内"]
    assert parsed.rows.height == 0


def test_binary_garbage_is_one_error(formats) -> None:
    garbage = random.Random(1).randbytes(4000)
    for code in ("sdrcu", "psbc", "xlsx-template"):
        parsed = parse_return(formats[code], garbage)
        assert len(parsed.errors) == 1, code
        assert parsed.errors[0].field == "文件"
        assert parsed.rows.height == 0
    assert parse_return(formats["sdrcu"], garbage).errors[0].message.startswith("文件编码不是GBK")
    assert "Excel" in parse_return(formats["xlsx-template"], garbage).errors[0].message
    assert messages(parse_return(formats["psbc"], b"\r\n  \r\n").errors) == ["回盘文件没有内容"]


def test_one_undecodable_line_is_reported_and_the_rest_read(formats) -> None:
    fmt = formats["sdrcu"]
    raw = render_return(fmt, bank_results(fmt, make_lines(5))).split(b"\r\n")
    raw[2] = raw[2][:50] + b"\xff\xfe" + raw[2][52:]
    parsed = parse_return(fmt, b"\r\n".join(raw))
    assert [(e.row, e.field) for e in parsed.errors] == [(3, "行格式")]
    assert "无法按GBK解码" in parsed.errors[0].message
    assert parsed.rows["line_no"].to_list() == [1, 2, 4, 5]


def test_chinese_punctuation_and_full_width_amounts_are_accepted(formats) -> None:
    fmt = formats["psbc"]
    lines = make_lines(3)
    text = text_return(fmt, lines)
    written = ["1，234．50", "５００", "０.０１"]
    for i, amount in enumerate(written, start=1):
        cells = text[i].split("|")
        cells[3] = amount
        text[i] = "|".join(cells)
    text[-1] = text[-1].replace("1734.51", "1，734．51")
    parsed = parse_return(fmt, encode(fmt, text))
    assert parsed.errors == []
    assert parsed.rows["amount_fen"].to_list() == [123450, 50000, 1]
    # "１２３４.５" and grouped thousands in yuan
    for written_amount, fen in [
        ("１２３４.５", 123450),
        ("1,234.50", 123450),
        ("¥12.30", 1230),
        ("12.3元", 1230),
    ]:
        cells = text[1].split("|")
        cells[3] = written_amount
        edited = [text[0], "|".join(cells), *text[2:]]
        rows = parse_return(fmt, encode(fmt, edited)).rows
        assert rows.filter(pl.col("line_no") == 2)["amount_fen"].item() == fen, written_amount


@pytest.mark.parametrize("bad", ["12.345", "12.3.4", "1,23.00", "abc", "-12.00", ""])
def test_a_bad_yuan_amount_is_refused(formats, bad: str) -> None:
    fmt = formats["psbc"]
    lines = make_lines(3)
    text = text_return(fmt, lines)
    cells = text[2].split("|")
    cells[3] = bad
    text[2] = "|".join(cells)
    parsed = parse_return(fmt, encode(fmt, text))
    assert [(e.row, e.field) for e in parsed.errors] == [(3, "金额")]
    assert f"金额“{bad}”不是有效的金额（元，最多两位小数）" == parsed.errors[0].message
    assert parsed.rows["line_no"].to_list() == [2, 4]


def test_a_fen_amount_with_a_decimal_point_is_refused(formats) -> None:
    fmt = formats["sdrcu"]
    raw = render_return(fmt, bank_results(fmt, make_lines(2))).split(b"\r\n")
    a = 1 + 8 + 24 + 19 + 20
    raw[0] = raw[0][:a] + b"   1234.50  " + raw[0][a + 12 :]
    parsed = parse_return(fmt, b"\r\n".join(raw))
    assert [(e.row, e.field, e.message) for e in parsed.errors] == [
        (1, "金额", "金额“1234.50”不是有效的金额（分，整数）")
    ]


def test_unknown_status_code(formats) -> None:
    fmt = formats["psbc"]
    text = text_return(fmt, make_lines(3))
    cells = text[3].split("|")
    cells[4] = "99"
    text[3] = "|".join(cells)
    parsed = parse_return(fmt, encode(fmt, text))
    assert [(e.row, e.field) for e in parsed.errors] == [(4, "状态")]
    assert "“99”不在本格式的代码表中" in parsed.errors[0].message
    # A format may take any other code as a failure with the bank's own text instead.
    lenient = dataclasses.replace(fmt, returns=dataclasses.replace(fmt.returns, unknown_status="failure"))
    cells[5] = "系统繁忙"
    text[3] = "|".join(cells)
    text[-1] = "|3|1734.51|1|0.01|"  # the bank counts the line as failed
    parsed = parse_return(lenient, encode(fmt, text))
    assert parsed.errors == []
    row = parsed.rows.filter(pl.col("line_no") == 4).row(0, named=True)
    assert (row["paid"], row["reason_code"], row["reason"]) == (False, "99", "系统繁忙")


def test_the_bank_text_is_used_where_the_table_says_so(formats) -> None:
    fmt = formats["xlsx-template"]
    results = bank_results(fmt, make_lines(3), {2: "失败"}).with_columns(
        pl.Series("reason", [None, None, "账户冻结"], dtype=pl.String)
    )
    parsed = parse_return(fmt, render_return(fmt, results))
    assert parsed.errors == []
    assert parsed.rows["reason"].to_list() == ["", "", "账户冻结"]
    assert parsed.rows["paid"].to_list() == [True, True, False]


def test_wrong_number_of_columns(formats) -> None:
    fmt = formats["psbc"]
    text = text_return(fmt, make_lines(3))
    text[1] = text[1].replace("|张三|", "|")
    parsed = parse_return(fmt, encode(fmt, text))
    assert [(e.row, e.field, e.message) for e in parsed.errors] == [
        (2, "行格式", "本行应有6列（分隔符“|”），实际5列")
    ]
    text[2] = text[2].rstrip("|")
    parsed = parse_return(fmt, encode(fmt, text))
    assert [(e.row, e.message) for e in parsed.errors] == [
        (2, "本行应有6列（分隔符“|”），实际5列"),
        (3, "行末缺少分隔符“|”"),
    ]


def test_fixed_lines_of_the_wrong_length_or_cut_characters(formats) -> None:
    fmt = formats["sdrcu"]
    raw = render_return(fmt, bank_results(fmt, make_lines(4))).split(b"\r\n")
    raw[0] = raw[0] + b" "
    # Line 2: the name shifted one byte to the left, so a column boundary falls inside a character.
    name_at = 1 + 8 + 24 + 19
    raw[1] = raw[1][: name_at - 1] + raw[1][name_at : name_at + 20] + b" " + raw[1][name_at + 20 :]
    assert len(raw[1]) == 128
    parsed = parse_return(fmt, b"\r\n".join(raw))
    assert [(e.row, e.field) for e in parsed.errors] == [(1, "行格式"), (2, "行格式")]
    assert parsed.errors[0].message == "本行长度为129字节，应为128字节"
    assert "截断" in parsed.errors[1].message
    assert parsed.rows["line_no"].to_list() == [3, 4]


def test_trailer_count_and_total_are_checked(formats) -> None:
    fmt = formats["psbc"]
    text = text_return(fmt, make_lines(5), {1: "01"})
    assert text[-1] == "|5|3034.50|1|500.00|"
    wrong = [*text[:-1], "|6|3034.50|1|500.00|"]
    parsed = parse_return(fmt, encode(fmt, wrong))
    assert [(e.row, e.field, e.message) for e in parsed.errors] == [
        (7, "总笔数", "表尾总笔数为6笔，明细实际5笔")
    ]
    wrong = [*text[:-1], "|5|3034.51|2|500.00|"]
    parsed = parse_return(fmt, encode(fmt, wrong))
    assert [(e.row, e.field) for e in parsed.errors] == [(7, "总金额"), (7, "失败笔数")]
    assert parsed.errors[0].message == "表尾总金额为3034.51元，明细合计3034.50元"
    # The fixed format's trailer counts the paid lines.
    sdrcu = formats["sdrcu"]
    raw = render_return(sdrcu, bank_results(sdrcu, make_lines(5), {0: "1001"})).split(b"\r\n")
    trailer = raw[5].decode("gbk")
    assert trailer == " " + "       5" + "         303450" + "       4" + "         180000"
    raw[5] = ("T" + "       5" + "         303450" + "       5" + "         180000").encode()
    parsed = parse_return(sdrcu, b"\r\n".join(raw))
    assert [(e.row, e.field, e.message) for e in parsed.errors] == [
        (6, "成功笔数", "表尾成功笔数为5笔，明细实际4笔")
    ]
    # No trailer at all.
    parsed = parse_return(fmt, encode(fmt, [text[0]]))
    assert parsed.errors[0].field == "文件"


# --------------------------------------------------------------------------------------------------
# Matching against what was sent


def _parse_lines(fmt: BankFormat, results: pl.DataFrame):
    parsed = parse_return(fmt, render_return(fmt, results))
    assert parsed.errors == []
    return parsed


def test_a_reference_not_in_the_batch(formats) -> None:
    fmt = formats["psbc"]
    lines = make_lines(4)
    results = bank_results(fmt, lines)
    stranger = results.head(1).with_columns(pl.lit("PR202612371424-999999").alias("reference"))
    parsed = _parse_lines(fmt, pl.concat([results, stranger]))
    match = match_return(expected_of(lines), parsed)
    assert [(e.row, e.field, e.message) for e in match.errors] == [
        (6, "流水号", "流水号PR202612371424-999999不在本批报盘中")
    ]
    assert str(match.errors[0]) == "第6行 流水号：流水号PR202612371424-999999不在本批报盘中"
    assert match.results.height == 4


def test_a_reference_returned_twice(formats) -> None:
    fmt = formats["sdrcu"]
    lines = make_lines(4)
    results = bank_results(fmt, lines)
    parsed = _parse_lines(
        fmt,
        pl.concat(
            [results, results.slice(1, 1).with_columns(paid=pl.lit(False), reason_code=pl.lit("1001"))]
        ),
    )
    match = match_return(expected_of(lines), parsed)
    assert [(e.row, e.field, e.message) for e in match.errors] == [
        (5, "流水号", "流水号PR202612371424-000002在回盘中重复出现（第2行已有）")
    ]
    assert "PR202612371424-000002" not in match.results["reference"].to_list()
    assert match.results.height == 3


def test_an_amount_different_from_what_was_sent(formats) -> None:
    fmt = formats["psbc"]
    lines = make_lines(3)
    results = bank_results(fmt, lines).with_columns(
        pl.when(pl.col("reference").str.ends_with("3"))
        .then(pl.col("amount_fen") + 100)
        .otherwise("amount_fen")
        .alias("amount_fen")
    )
    match = match_return(expected_of(lines), _parse_lines(fmt, results))
    assert [(e.row, e.field, e.message) for e in match.errors] == [
        (4, "金额", "流水号PR202612371424-000003的回盘金额1.01元与报盘金额0.01元不一致")
    ]
    assert match.results["reference"].to_list() == ["PR202612371424-000001", "PR202612371424-000002"]


def test_an_account_different_from_what_was_sent(formats) -> None:
    fmt = formats["sdrcu"]
    lines = make_lines(3)
    other = card(77)
    results = bank_results(fmt, lines).with_columns(
        pl.when(pl.col("reference").str.ends_with("1"))
        .then(pl.lit(other))
        .otherwise("account_number")
        .alias("account_number")
    )
    match = match_return(expected_of(lines), _parse_lines(fmt, results))
    assert len(match.errors) == 1
    e = match.errors[0]
    assert (e.row, e.field) == (1, "银行账号")
    assert (
        e.message
        == f"流水号PR202612371424-000001的回盘账号{'*' * 15}{other[-4:]}与报盘账号{'*' * 15}{card(1)[-4:]}不一致"
    )
    assert card(1) not in e.message  # masked, as everywhere
    assert match.results.height == 2


def test_sent_lines_missing_from_the_return(formats) -> None:
    fmt = formats["psbc"]
    lines = make_lines(5)
    parsed = _parse_lines(
        fmt,
        bank_results(fmt, lines).filter(
            ~pl.col("reference").is_in(["PR202612371424-000002", "PR202612371424-000005"])
        ),
    )
    match = match_return(expected_of(lines), parsed)
    assert [(e.row, e.message) for e in match.errors] == [
        (None, "流水号PR202612371424-000002（报盘金额500.00元）在回盘中没有结果"),
        (None, "流水号PR202612371424-000005（报盘金额300.00元）在回盘中没有结果"),
    ]
    assert match.missing["reference"].to_list() == ["PR202612371424-000002", "PR202612371424-000005"]
    partial = match_return(expected_of(lines), parsed, require_complete=False)
    assert partial.errors == []
    assert partial.missing.height == 2
    assert partial.results.height == 3


def test_errors_come_in_line_order_and_are_capped(formats, monkeypatch) -> None:
    fmt = formats["psbc"]
    lines = make_lines(30)
    results = bank_results(fmt, lines).with_columns(pl.col("amount_fen") + 1)
    parsed = _parse_lines(fmt, results)
    monkeypatch.setattr(bankfiles, "MAX_ERRORS", 10)
    match = match_return(expected_of(lines), parsed)
    assert len(match.errors) == 11
    assert [e.row for e in match.errors[:10]] == list(range(2, 12))
    assert match.errors[-1].message == "另有20处错误未列出（共30处）"


# --------------------------------------------------------------------------------------------------
# Format files


def _write(tmp_path: Path, data: dict, name: str = "sdrcu") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def sdrcu_data() -> dict:
    return yaml.safe_load((bankfiles.DEFAULT_DIR / "sdrcu.yaml").read_text(encoding="utf-8"))


def _load_error(tmp_path: Path, data: dict, name: str = "sdrcu") -> str:
    path = _write(tmp_path, data, name)
    with pytest.raises(ValueError) as exc:
        load_formats(tmp_path)
    message = str(exc.value)
    assert message.startswith(f"{path}: ")
    return message[len(f"{path}: ") :]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["columns"][2].update(width=0), "columns[2].width 应为正整数"),
        (lambda d: d["columns"][2].update(width="24"), "columns[2].width 应为正整数"),
        (lambda d: d["columns"][4].pop("width"), "columns[4].width 为必填项"),
        (lambda d: d["columns"][5].pop("format"), "columns[5].format 为必填项"),
        (lambda d: d["columns"][5].update(format="jiao"), "columns[5].format 应为 yuan、fen 之一"),
        (lambda d: d["columns"][3].update(source="account"), "columns[3].source 应为 reference、"),
        (lambda d: d["columns"][0].update(source="seq"), "columns[0] 应有且只有 source"),
        (lambda d: d["columns"][1].update(colour="red"), "columns[1].colour 是未知的键"),
        (lambda d: d.update(colour="red"), "colour 是未知的键"),
        (lambda d: d.pop("return"), "return 为必填项"),
        (lambda d: d.update(layout="csv"), "layout 应为 fixed、delimited、xlsx 之一"),
        (lambda d: d.update(encoding="big5"), "encoding 应为 gbk、gb18030、utf-8 之一"),
        (lambda d: d.update(delimiter="|"), "delimiter 不适用于 layout: fixed"),
        (lambda d: d.update(code="other"), "code “other”应与文件名“sdrcu”一致"),
        (lambda d: d.update(unverified="yes"), "unverified 应为 true 或 false"),
        (lambda d: d["account"].update(lengths=[]), "account.lengths 应为非空列表"),
        (lambda d: d["account"].update(lengths=[19, -1]), "account.lengths[1] 应为正整数"),
        (lambda d: d.update(filename="DF{county}{month}.txt"), "filename 只能使用占位符"),
        (lambda d: d.update(filename="../{county}.txt"), "filename 生成的文件名只能含有"),
        (lambda d: d["columns"].pop(3), "columns 缺少 source: account_number 的列"),
        (lambda d: d["header"][0].update(literal="HH"), "header[0].literal 占2字节，超过本列宽度1字节"),
        (lambda d: d["header"][1].update(source="holder_name"), "header[1].source 应为 county、"),
        (
            lambda d: d["return"]["columns"][6].update(field="state"),
            "return.columns[6].field 应为 reference、",
        ),
        (lambda d: d["return"]["columns"].pop(2), "return.columns 缺少 field: reference 的列"),
        (
            lambda d: d["return"]["columns"][3].update(field="reference"),
            "return.columns[3] field: reference 与 return.columns[2] 重复",
        ),
        (
            lambda d: d["return"]["failure_codes"].update({1008: "其他"}),
            "return.failure_codes.1008 应为字符串",
        ),
        (
            lambda d: d["return"]["failure_codes"].update({"0000": "其他"}),
            "return.failure_codes.0000 同时出现在 success_codes 中",
        ),
        (lambda d: d["return"].update(success_codes=[0]), "return.success_codes[0] 应为字符串"),
        (
            lambda d: d["return"].update(unknown_status="ignore"),
            "return.unknown_status 应为 error、failure 之一",
        ),
        (lambda d: d["return"]["trailer"][1].update(field="sum"), "return.trailer[1].field 应为 count、"),
        (lambda d: d["return"].pop("encoding"), "return.encoding 为必填项"),
        (
            lambda d: (
                d["columns"][4].update(literal=f"王{RARE}", source=None) or d["columns"][4].pop("source")
            ),
            f"columns[4].literal 含有GBK无法编码的字符“{RARE}”",
        ),
    ],
)
def test_format_errors_name_the_file_and_the_key_path(
    tmp_path: Path, sdrcu_data: dict, edit, expected: str
) -> None:
    edit(sdrcu_data)
    assert _load_error(tmp_path, sdrcu_data).startswith(expected)


def test_delimited_and_xlsx_keys_are_checked(tmp_path: Path) -> None:
    psbc = yaml.safe_load((bankfiles.DEFAULT_DIR / "psbc.yaml").read_text(encoding="utf-8"))
    psbc["columns"][0]["width"] = 4
    assert _load_error(tmp_path, psbc, "psbc").startswith("columns[0].width 只用于定长格式（layout: fixed）")
    psbc["columns"][0].pop("width")
    psbc.pop("delimiter")
    assert _load_error(tmp_path, psbc, "psbc").startswith("delimiter 为必填项")
    psbc["delimiter"] = "ab"
    assert _load_error(tmp_path, psbc, "psbc").startswith("delimiter 应为1至3个标点或制表符")
    (tmp_path / "psbc.yaml").unlink()
    xlsx = yaml.safe_load((bankfiles.DEFAULT_DIR / "xlsx-template.yaml").read_text(encoding="utf-8"))
    xlsx["line_ending"] = "crlf"
    assert _load_error(tmp_path, xlsx, "xlsx-template").startswith("line_ending 不适用于 layout: xlsx")
    xlsx.pop("line_ending")
    xlsx["sheet"] = "a/b"
    assert _load_error(tmp_path, xlsx, "xlsx-template").startswith("sheet 工作表名称最多31个字符")


def test_not_yaml_and_not_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("code: [unclosed", encoding="utf-8")
    with pytest.raises(ValueError, match=r"x\.yaml: 不是有效的UTF-8 YAML文件"):
        load_formats(tmp_path)
    (tmp_path / "x.yaml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"x\.yaml: 文件内容 应为键值对"):
        load_formats(tmp_path)


def test_messages_show_the_path_from_the_repository_root() -> None:
    assert bankfiles._shown(bankfiles.DEFAULT_DIR / "x.yaml") == "policy/payments/banks/x.yaml"
    assert formats_path_of("sdrcu") == "policy/payments/banks/sdrcu.yaml"


def formats_path_of(code: str) -> str:
    return load_formats()[code].path


def test_the_folder_can_be_set_by_the_environment(tmp_path: Path, sdrcu_data: dict, monkeypatch) -> None:
    sdrcu_data["name"] = "本县农商银行格式"
    _write(tmp_path, sdrcu_data)
    monkeypatch.setenv(bankfiles.ENV_DIR, str(tmp_path))
    loaded = load_formats()
    assert list(loaded) == ["sdrcu"]
    assert loaded["sdrcu"].name == "本县农商银行格式"
    assert bankfiles.get_format("sdrcu").name == "本县农商银行格式"
    with pytest.raises(ValueError, match="未知的银行文件格式“psbc”"):
        bankfiles.get_format("psbc")
