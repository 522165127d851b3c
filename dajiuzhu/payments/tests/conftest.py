"""Fixtures of the payments tests: two families in 临邑县 with entitlements as decisions left them (the
workflow that grants them is intake's and tested there), payee accounts, budget authority, the county's
two approvers (four eyes) and a township reviewer; one family in 齐河县 for scoping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from dajiuzhu.core import idnumber
from dajiuzhu.registry.services import household_create

DEC = dt.date(2026, 12, 1)
NOV = dt.date(2026, 11, 1)


def make_id(region: str, birth: dt.date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + idnumber.check_char(body)


def luhn_complete(body: str) -> str:
    """A card number with a valid Luhn check digit appended."""
    from dajiuzhu.payments.accountno import luhn_digit

    return body + luhn_digit(body)


CARDS = {
    key: luhn_complete(f"621462{n:012d}") for n, key in enumerate(["zhang", "wang", "zhao", "qi", "new"], 1)
}


@pytest.fixture
def preparer(make_user: Any) -> Any:
    return make_user("county_approver", "county", username="preparer")


@pytest.fixture
def approver(make_user: Any) -> Any:
    return make_user("county_approver", "county", username="approver")


@pytest.fixture
def county2_user(make_user: Any) -> Any:
    return make_user("county_approver", "county2", username="qihe")


@pytest.fixture
def items(db: Any) -> dict[str, Any]:
    from dajiuzhu.accounts.models import Department
    from dajiuzhu.intake.models import AssistanceItem

    mz = Department.objects.get_or_create(code="minzheng", defaults={"name": "民政"})[0]
    out = {}
    for code, name, programme in (("dibao", "最低生活保障", "dibao"), ("tekun", "特困人员救助供养", "tekun"),
                                  ("orphan", "孤儿基本生活保障", "orphan"),
                                  ("temporary_urgent", "临时救助（急难型）", "temporary")):  # fmt: skip
        out[code] = AssistanceItem.objects.create(code=code, name=name, department=mz, programme=programme)
    return out


def grant(item: Any, household: Any, person: Any, amount: str, start: dt.date, *, user: Any = None) -> Any:
    """An entitlement as an approval would have started it."""
    from dajiuzhu.benefits.services import entitlement_start
    from dajiuzhu.intake.models import Application, Kind, Status

    app = Application.objects.create(
        number=f"SQ-{item.code}-{person.pk}", kind=Kind.NEW, item=item, household=household, applicant=person,
        area=household.area, department=item.department, status=Status.APPROVED, decision="approve",
        decided_amount=Decimal(amount),
    )  # fmt: skip
    return entitlement_start(application=app, amount=Decimal(amount), start_month=start, review_months=12,
                             decided_by=user)  # fmt: skip


@pytest.fixture
def families(
    areas: dict[str, Any], worker_a: Any, worker_b: Any, make_user: Any, items: dict[str, Any]
) -> dict[str, Any]:
    vc = make_user("village_assistant", "village_c", username="vc")
    zhang = household_create(
        actor=worker_a, area=areas["village_a"],
        data={"address": "东关村1号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[{"id_number": make_id("371424", dt.date(1970, 5, 1), 11), "name": "张建国", "relation": "head",
                  "phone": "13812345678"},
                 {"id_number": make_id("371424", dt.date(1972, 5, 1), 12), "name": "李秀英", "relation": "spouse"}],
    )  # fmt: skip
    wang = household_create(
        actor=worker_b, area=areas["village_b"],
        data={"address": "西关村2号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[{"id_number": make_id("371424", dt.date(1950, 1, 1), 21), "name": "王德福", "relation": "head",
                  "phone": "13900001111"}],
    )  # fmt: skip
    zhao = household_create(
        actor=worker_a, area=areas["village_a"],
        data={"address": "东关村3号", "residence_type": "rural", "hukou_type": "agricultural"},
        members=[{"id_number": make_id("371424", dt.date(2014, 3, 3), 31), "name": "赵小花", "relation": "head"}],
    )  # fmt: skip
    qi = household_create(
        actor=vc, area=areas["village_c"],
        data={"address": "城南1号", "residence_type": "urban", "hukou_type": "resident"},
        members=[{"id_number": make_id("371425", dt.date(1960, 7, 7), 41), "name": "齐大山", "relation": "head"}],
    )  # fmt: skip
    return {"zhang": zhang, "wang": wang, "zhao": zhao, "qi": qi}


@pytest.fixture
def entitled(families: dict[str, Any], items: dict[str, Any], preparer: Any) -> dict[str, Any]:
    f = families
    return {
        "zhang_dibao": grant(items["dibao"], f["zhang"], f["zhang"].head, "650.00", NOV),
        "wang_tekun": grant(items["tekun"], f["wang"], f["wang"].head, "1200.00", NOV),
        "zhao_orphan": grant(items["orphan"], f["zhao"], f["zhao"].head, "1500.00", NOV),
        "qi_dibao": grant(items["dibao"], f["qi"], f["qi"].head, "700.00", NOV),
    }


@pytest.fixture
def accounts(families: dict[str, Any], preparer: Any, county2_user: Any) -> dict[str, Any]:
    from dajiuzhu.payments.services import account_set

    f = families
    return {
        "zhang": account_set(user=preparer, person_id=f["zhang"].head_id, bank="sdrcu", account_number=CARDS["zhang"],
                             holder_name="张建国"),
        "wang": account_set(user=preparer, person_id=f["wang"].head_id, bank="sdrcu", account_number=CARDS["wang"],
                            holder_name="王德福"),
        "zhao": account_set(user=preparer, person_id=f["zhao"].head_id, bank="psbc", account_number=CARDS["zhao"],
                            holder_name="赵大军", holder_relation="guardian"),
        "qi": account_set(user=county2_user, person_id=f["qi"].head_id, bank="sdrcu", account_number=CARDS["qi"],
                          holder_name="齐大山"),
    }  # fmt: skip


@pytest.fixture
def authority(preparer: Any, county2_user: Any) -> Any:
    from dajiuzhu.payments.services import authority_create

    authority_create(user=county2_user, county_code="371425", fund="assistance", year=2026,
                     document_number="齐财社〔2026〕1号", amount="1000000")  # fmt: skip
    return authority_create(user=preparer, county_code="371424", fund="assistance", year=2026,
                            document_number="临财社〔2026〕1号", amount="1000000")  # fmt: skip


@pytest.fixture
def today(monkeypatch: Any) -> Any:
    from dajiuzhu.core import clock

    day = {"value": dt.date(2026, 12, 2)}
    monkeypatch.setattr(clock, "today", lambda: day["value"])
    return day
