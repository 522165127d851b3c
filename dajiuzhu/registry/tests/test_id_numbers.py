"""ID numbers entered in the registry (policy-spec R10.4): a real county-level address code, a birth date
between 1 January 1900 and the platform's today (settings.DAJIUZHU_TODAY), each refusal naming the field
and the row, nothing saved."""

import datetime as dt

import pytest

from dajiuzhu.audit.models import AuditEvent
from dajiuzhu.core import idnumber
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.registry.models import Household, Person
from dajiuzhu.registry.services import household_create

DATA = {"address": "东关村5组1号", "residence_type": "rural", "hukou_type": "agricultural"}


def _refused(worker: object, area: object, number: str) -> list[tuple[str, int | None, str]]:
    before = (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed) as err:
        household_create(actor=worker, area=area, data=DATA,
                         members=[{"id_number": "371424198001010010", "name": "孙甲", "relation": "head"},
                                  {"id_number": number, "name": "孙丙", "relation": "spouse"}])  # fmt: skip
    assert (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count()) == before
    return [(e.field, e.row, e.message) for e in err.value.errors]


def test_a_made_up_county_code_under_dezhou_is_refused(worker_a, areas):
    number = idnumber.make("371499", dt.date(1970, 5, 1), 11)
    assert _refused(worker_a, areas["village_a"], number) == [
        ("身份证号码", 2, "地址码371499不是有效的县级行政区划代码（现行或已撤销的代码均可）")
    ]


def test_the_abolished_code_of_ling_county_is_accepted(worker_a, areas):
    household = household_create(actor=worker_a, area=areas["village_a"], data=DATA,
                                 members=[{"id_number": "371421196503150023", "name": "孙乙", "relation": "head"}])  # fmt: skip
    assert household.head.birth_date == dt.date(1965, 3, 15)


def test_a_person_born_after_the_platform_today_is_refused_with_the_future_message(worker_a, areas, settings):
    settings.DAJIUZHU_TODAY = "2026-03-02"
    number = idnumber.make("371424", dt.date(2026, 3, 3), 11)
    assert _refused(worker_a, areas["village_a"], number) == [
        ("身份证号码", 2, "出生日期2026-03-03晚于今天（2026-03-02），请核对号码")
    ]


def test_a_person_born_before_1900_is_refused_with_its_own_message(worker_a, areas):
    number = idnumber.make("371424", dt.date(1899, 12, 31), 11)
    assert _refused(worker_a, areas["village_a"], number) == [
        ("身份证号码", 2, "出生日期1899-12-31早于1900年1月1日，请核对号码")
    ]
