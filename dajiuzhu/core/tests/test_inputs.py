import pytest

from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.core.inputs import clean_phone


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
