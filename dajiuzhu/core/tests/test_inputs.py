import datetime as dt

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.core.inputs import (
    CONTROL_MESSAGE,
    LINE_MESSAGE,
    Date,
    DateTime,
    Int,
    Line,
    Page,
    SmallInt,
    Text,
    TextValidator,
    Year,
    check_date,
    check_int,
    check_payload,
    check_text,
    clean_phone,
    clean_text,
    date_problem,
    text_problem,
    visible_controls,
)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("13800000000", "13800000000"),
        (" 138 0000 0000 ", "13800000000"),
        ("+8613800000000", "+8613800000000"),
        ("0534-2345678", "0534-2345678"),
        ("053423456789", "053423456789"),
        ("2345678", "2345678"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_numbers_people_give_are_kept_without_spaces(given, kept):
    assert clean_phone(given, "联系电话") == kept


@pytest.mark.parametrize(
    "given", ["1", "123456", "12345678901", "1380000000a", "电话号码", "0534--2345678", "2" * 16]
)
def test_anything_else_is_refused_naming_the_field(given):
    with pytest.raises(ValidationFailed) as err:
        clean_phone(given, "联系电话")
    assert err.value.errors[0].field == "联系电话"
    assert "不是有效的电话号码" in err.value.errors[0].message or "不能超过" in err.value.errors[0].message


# ---- control characters, numbers and dates (core.inputs is the one place that judges them) -----------


@pytest.mark.parametrize("bad", ["\x00", "a\x00b", "\x01", "\x08", "\x0b", "\x0c", "\x1b[0m", "\x1f", "\x7f", "\x85", "\x9f",
                                 "\ufffe", "\uffff", "\ud800"])  # fmt: skip
def test_nul_and_other_control_characters_are_refused_everywhere(bad):
    assert text_problem(f"备注{bad}") == CONTROL_MESSAGE
    assert text_problem(f"备注{bad}", multiline=False) == CONTROL_MESSAGE


@pytest.mark.parametrize(
    "kept", ["", "正常的文字", "tab\there", "两行\n文字", "windows\r\n换行", "emoji 😀 𝔘", "ü é"]
)
def test_ordinary_text_tabs_and_line_breaks_are_kept_where_multi_line_text_is_allowed(kept):
    assert text_problem(kept) is None


@pytest.mark.parametrize("bad", ["a\tb", "a\nb", "a\rb"])
def test_single_line_text_refuses_tabs_and_line_breaks(bad):
    assert text_problem(bad, multiline=False) == LINE_MESSAGE


def test_check_text_and_clean_text_name_the_field():
    with pytest.raises(ValidationFailed) as err:
        check_text("x\x00", "处理意见")
    assert (err.value.errors[0].field, err.value.errors[0].message) == ("处理意见", CONTROL_MESSAGE)
    with pytest.raises(ValidationFailed) as err:
        clean_text("  原因\x00 ", "撤回原因", limit=200)
    assert err.value.errors[0].field == "撤回原因"
    with pytest.raises(ValidationFailed):
        clean_text("两\n行", "姓名", limit=50, multiline=False)
    assert clean_text(" 两\n行 ", "说明", limit=50) == "两\n行"


def test_check_payload_walks_keys_lists_and_values_naming_the_path():
    check_payload({"a": ["ok", 1, 2.5, None, True, {"b": "多行\n文字"}], "n": 2**63 - 1})
    cases = [
        ({"rows": [{"name": "x\x00"}]}, "rows.0.name", CONTROL_MESSAGE),
        ({"rows": [{"k\x00": 1}]}, "rows.0", f"字段名{CONTROL_MESSAGE}"),
        ({"person": 2**63}, "person", f"数值超出范围（不能大于{2**63 - 1}）"),
        ({"person": -(2**63) - 1}, "person", f"数值超出范围（不能小于{-(2**63)}）"),
        ({"amount": float("nan")}, "amount", "应为有限的数字"),
        ({"amount": float("inf")}, "amount", "应为有限的数字"),
        ("\x00", "body", CONTROL_MESSAGE),
    ]
    for data, field, message in cases:
        with pytest.raises(ValidationFailed) as err:
            check_payload(data)
        assert (err.value.errors[0].field, err.value.errors[0].message) == (field, message), data


def test_integers_are_range_checked():
    assert check_int(2**63 - 1, "ID") == 2**63 - 1
    with pytest.raises(ValidationFailed) as err:
        check_int(2**63, "ID")
    assert err.value.errors[0].message == f"不能大于{2**63 - 1}"
    with pytest.raises(ValidationFailed):
        check_int(0, "人数", low=1, high=30)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (dt.date(1900, 1, 1), None),
        (dt.date(2100, 12, 31), None),
        (dt.date(1899, 12, 31), "日期超出范围：年份应在1900到2100之间"),
        (dt.date(2101, 1, 1), "日期超出范围：年份应在1900到2100之间"),
        (dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))), None),
        (dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-14))), None),
        (dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14, minutes=1))), "时区偏移超出范围"),
        (
            dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-23, minutes=-59))),
            "时区偏移超出范围",
        ),
        (dt.datetime(2026, 1, 1), None),
    ],
)
def test_dates_and_datetimes_are_range_checked(value, problem):
    found = date_problem(value)
    assert (found is None) if problem is None else (found is not None and found.startswith(problem))
    if problem is not None:
        with pytest.raises(ValidationFailed):
            check_date(value, "登记日期")


def _refusal(annotation, value):
    with pytest.raises(PydanticValidationError) as err:
        TypeAdapter(annotation).validate_python(value)
    return err.value.errors()[0]


def test_the_api_types_refuse_what_no_column_can_store_with_the_chinese_message():
    assert TypeAdapter(Line).validate_python("姓名") == "姓名"
    assert TypeAdapter(Text).validate_python("两\n行") == "两\n行"
    assert _refusal(Line, "两\n行")["msg"] == LINE_MESSAGE
    assert _refusal(Text, "x\x00")["msg"] == CONTROL_MESSAGE
    assert _refusal(Text, "x\x00")["type"] == "djz_text"
    assert TypeAdapter(Int).validate_python(2**63 - 1) == 2**63 - 1
    assert _refusal(Int, 2**63)["type"] == "less_than_equal"
    assert _refusal(SmallInt, 2**31)["type"] == "less_than_equal"
    assert _refusal(Page, 0)["type"] == "greater_than_equal"
    assert _refusal(Year, 0)["ctx"]["ge"] == 1900
    assert TypeAdapter(Date).validate_python("2026-03-01") == dt.date(2026, 3, 1)
    assert _refusal(Date, "0001-01-01")["type"] == "djz_date"
    assert _refusal(DateTime, "2026-01-01T00:00:00+23:59")["msg"].startswith("时区偏移超出范围")
    assert TypeAdapter(DateTime).validate_python("2026-01-01T00:00:00+08:00").utcoffset() == dt.timedelta(
        hours=8
    )


def test_the_form_validator_refuses_control_characters_and_single_line_breaks():
    TextValidator()("两\n行")
    with pytest.raises(DjangoValidationError) as err:
        TextValidator()("x\x00")
    assert err.value.messages == [CONTROL_MESSAGE]
    with pytest.raises(DjangoValidationError):
        TextValidator(multiline=False)("两\n行")


def test_a_refused_row_keeps_its_raw_text_with_control_characters_written_out():
    assert visible_controls({"name\x00": ["张\x00三", 1, None, "正常\n"]}) == {
        "name\\u0000": ["张\\u0000三", 1, None, "正常\n"]
    }
