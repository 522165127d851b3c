import datetime as dt

import pytest

from dajiuzhu.core import idnumber
from dajiuzhu.core.idnumber import InvalidIdNumber

TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    "number,birth,sex",
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "F"),
        ("371402198001010012", dt.date(1980, 1, 1), "M"),
        ("371421196503150023", dt.date(1965, 3, 15), "F"),
        ("371482200802290036", dt.date(2008, 2, 29), "M"),
        ("11010519491231002x", dt.date(1949, 12, 31), "F"),
    ],
)
def test_valid_vectors(number, birth, sex):
    info = idnumber.parse(number, today=TODAY)
    assert info.birth_date == birth
    assert info.sex == sex
    assert info.number == number.upper()


def test_bad_check_digit_names_expected_char():
    with pytest.raises(InvalidIdNumber, match="校验码错误（应为2）"):
        idnumber.parse("371402198001010013", today=TODAY)


def test_impossible_date():
    with pytest.raises(InvalidIdNumber, match="出生日期20100229不是真实的日期"):
        idnumber.parse("371482201002290032", today=TODAY)


def test_a_person_born_in_the_future_is_refused_with_its_own_message():
    with pytest.raises(InvalidIdNumber) as err:
        idnumber.parse(idnumber.make("371402", dt.date(2030, 1, 1), 11), today=dt.date(2026, 1, 1))
    assert str(err.value) == "出生日期2030-01-01晚于今天（2026-01-01），请核对号码"


def test_a_person_born_today_is_accepted():
    assert idnumber.parse(idnumber.make("371402", dt.date(2026, 1, 1), 11), today=dt.date(2026, 1, 1))


def test_a_person_born_before_1900_is_refused_with_its_own_message():
    with pytest.raises(InvalidIdNumber) as err:
        idnumber.parse(idnumber.make("371402", dt.date(1899, 12, 31), 11), today=dt.date(2026, 1, 1))
    assert str(err.value) == "出生日期1899-12-31早于1900年1月1日，请核对号码"
    assert idnumber.parse(idnumber.make("371402", dt.date(1900, 1, 1), 11), today=dt.date(2026, 1, 1))


def test_15_to_18_conversion():
    info = idnumber.parse("371402800101001", today=TODAY)
    assert info.number == "371402198001010012"
    assert info.converted_from_15
    assert info.sex == "M"


@pytest.mark.parametrize(
    "raw,msg",
    [
        ("", "不能为空"),
        ("12345", "应为18位"),
        ("37140219800101001A", "前17位"),
        ("991402198001010012", "省级代码99不存在"),
    ],
)
def test_malformed(raw, msg):
    with pytest.raises(InvalidIdNumber, match=msg):
        idnumber.parse(raw, today=TODAY)


def test_unknown_region_when_table_given():
    with pytest.raises(InvalidIdNumber) as err:
        idnumber.parse("371402198001010012", region_known=lambda code: False, today=TODAY)
    assert str(err.value) == "地址码371402不是有效的县级行政区划代码（现行或已撤销的代码均可）"


def test_age_on_birthday_boundary():
    assert idnumber.age_on(dt.date(1966, 11, 23), dt.date(2026, 11, 22)) == 59
    assert idnumber.age_on(dt.date(1966, 11, 23), dt.date(2026, 11, 23)) == 60


def test_make_round_trips():
    number = idnumber.make("371424", dt.date(1990, 5, 6), 123)
    assert idnumber.parse(number, today=TODAY).sex == "M"
