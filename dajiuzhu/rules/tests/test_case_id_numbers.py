"""A case file's ID numbers are judged as the registry judges them (policy-spec R10.4): a real county-level
address code (current or abolished), a birth date from 1900 up to the assessment date, each refusal with
its own Chinese message at the member's field path."""

import copy
import datetime as dt

import pytest

from dajiuzhu.core import idnumber
from dajiuzhu.rules.case import CaseError, run_case

from .support import TREE
from .test_case import GOOD


def _with_id(number: str) -> dict:
    case = copy.deepcopy(GOOD)
    member = case["members"][0]
    del member["age"]
    member["id_number"] = number
    return case


def _errors(number: str) -> dict[str, str]:
    with pytest.raises(CaseError) as err:
        run_case(_with_id(number), tree=TREE)
    return dict(err.value.errors)


def test_a_case_member_with_a_made_up_county_under_dezhou_is_refused_naming_the_field():
    number = idnumber.make("371499", dt.date(1970, 5, 1), 11)
    assert _errors(number)["members[0].id_number"] == (
        "第1名成员的身份证号码：地址码371499不是有效的县级行政区划代码（现行或已撤销的代码均可）"
    )


def test_a_case_member_with_the_abolished_code_of_ling_county_is_assessed():
    # 371421 陵县 became 陵城区 (371403) in 2014; the spec's own test vector keeps it valid (R10.7)
    outcome = run_case(_with_id("371421196503150023"), tree=TREE)
    assert any(p.code == "dibao" for p in outcome.programmes)


def test_a_case_member_born_after_the_assessment_date_gets_the_future_message():
    number = idnumber.make("371424", dt.date(2026, 3, 16), 11)  # the case is dated 2026-03-15
    assert _errors(number)["members[0].id_number"] == (
        "第1名成员的身份证号码：出生日期2026-03-16晚于今天（2026-03-15），请核对号码"
    )


def test_a_case_member_born_before_1900_gets_its_own_message():
    number = idnumber.make("371424", dt.date(1899, 12, 31), 11)
    assert _errors(number)["members[0].id_number"] == (
        "第1名成员的身份证号码：出生日期1899-12-31早于1900年1月1日，请核对号码"
    )


def test_a_supporter_with_a_made_up_county_code_is_refused_at_the_supporter_path():
    case = copy.deepcopy(GOOD)
    case["supporters"] = [{"relation": "子女", "id_number": idnumber.make("371499", dt.date(1990, 1, 1), 11)}]
    with pytest.raises(CaseError) as err:
        run_case(case, tree=TREE)
    message = dict(err.value.errors)["supporters[0].id_number"]
    assert message.endswith("的身份证号码：地址码371499不是有效的县级行政区划代码（现行或已撤销的代码均可）")
