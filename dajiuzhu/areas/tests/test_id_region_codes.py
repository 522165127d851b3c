"""ID-number address codes (policy-spec R10.4) against the vendored GB/T 2260 county table."""

import datetime as dt

import pytest

from dajiuzhu.areas.divisions import county_code_known
from dajiuzhu.core import idnumber
from dajiuzhu.core.idnumber import InvalidIdNumber

TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    "code,known",
    [
        ("371424", True),  # 临邑县, in force
        ("371421", True),  # 陵县, abolished in 2014 (R10.5): old cards keep it
        ("110103", True),  # 北京市崇文区, abolished in 2010
        ("371499", False),  # under 德州市 but never a county: "a known prefecture" is not enough
        ("371400", False),  # the prefecture itself is not a county-level code
        ("379999", False),
    ],
)
def test_a_region_code_must_be_a_real_county_level_code_current_or_abolished(code, known):
    number = idnumber.make(code, dt.date(1980, 1, 1), 11)
    if known:
        assert idnumber.parse(number, region_known=county_code_known, today=TODAY).region_code == code
    else:
        with pytest.raises(InvalidIdNumber, match=f"地址码{code}不是有效的县级行政区划代码"):
            idnumber.parse(number, region_known=county_code_known, today=TODAY)
