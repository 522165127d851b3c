"""Warning thresholds are dated parameters of the one parameter tree (the 政策参数 page's changes apply
the next delivery), in integer units (fen, ‰, 1/0 switches), with a Chinese error naming a bad one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.monitoring.models import Alert
from dajiuzhu.monitoring.policy import county_values, rules_table
from dajiuzhu.parameters.models import ParameterChange
from dajiuzhu.rules.parameters import ParameterError

from .conftest import DAY, IDS

MED = ["id_number", "settled_on", "out_of_pocket_yuan", "record_id"]


def _county_sets(user: Any, name: str, value: str, county: str = "371424") -> None:
    ParameterChange.objects.create(
        name=name, jurisdiction=county, start=dt.date(2026, 1, 1), value=value, reference="临邑县测试通知",
        created_by=user,
    )  # fmt: skip


def _li_earned_8000(families: Any, worker_b: Any) -> None:
    from dajiuzhu.registry.services import household_record_add

    li = families["li"]
    household_record_add(actor=worker_b, household_id=li.pk, kind="income", data={
        "income_type": "wage", "amount": "8000.00", "period_start": "2025-03-01", "period_end": "2026-02-28",
        "person": li.head_id,
    })  # fmt: skip


def test_a_county_that_lowers_the_medical_line_on_the_parameter_page_warns_from_the_new_line(
    families: Any, ingest: Any, county_user: Any
) -> None:
    # given 临邑县 lowers its line from 10,000 to 6,000 元 on the 政策参数 page
    _county_sets(county_user, "warn.med_oop_min", "6000.00")
    # when 张 (临邑) pays 7,000 元 in 2026
    ingest("MEDICAL_SETTLEMENT", MED, [[IDS["zhang"], "2026-01-10", "7000.00", "A1"]])
    # then he is warned, against the new line
    alert = Alert.objects.get()
    assert (alert.rule, alert.household_id, alert.signal["threshold_fen"]) == (
        "W_MED",
        families["zhang"].pk,
        600000,
    )


def test_a_ratio_of_exactly_500_permille_of_the_household_income_warns(
    families: Any, ingest: Any, worker_b: Any
) -> None:
    # given 李 earned 8,000 元 in the last 12 months; 4,000 is exactly 500 ‰ of it
    _li_earned_8000(families, worker_b)
    ingest("MEDICAL_SETTLEMENT", MED, [[IDS["li"], "2026-02-20", "4000.00", "C1"]])
    alert = Alert.objects.get()
    assert (alert.signal["ratio_permille"], alert.signal["self_pay_fen"]) == (500, 400000)


def test_one_fen_below_the_permille_line_does_not_warn(families: Any, ingest: Any, worker_b: Any) -> None:
    _li_earned_8000(families, worker_b)
    ingest("MEDICAL_SETTLEMENT", MED, [[IDS["li"], "2026-02-20", "3999.99", "C1"]])
    assert not Alert.objects.exists()


def test_a_county_that_switches_a_rule_off_gets_no_alerts_from_it(
    families: Any, ingest: Any, county_user: Any
) -> None:
    # given 临邑县 switches W_MED off (0) on the 政策参数 page
    _county_sets(county_user, "warn.W_MED.enabled", "0")
    ingest("MEDICAL_SETTLEMENT", MED, [[IDS["zhang"], "2026-01-10", "20000.00", "A1"]])
    assert not Alert.objects.exists()
    # and the rules page shows it as switched off, from the county
    [med] = [r for r in rules_table("371424", DAY) if r["code"] == "W_MED"]
    switch = next(p for p in med["params"] if p["name"] == "warn.W_MED.enabled")
    assert (switch["value"], switch["jurisdiction"]) == ("停用", "371424")


def test_a_permille_with_a_fraction_typed_on_the_parameter_page_is_refused_naming_the_field(
    db: Any, county_user: Any, settings: Any
) -> None:
    settings.DAJIUZHU_TODAY = "2026-03-02"
    from dajiuzhu.parameters.services import parameter_change_create

    with pytest.raises(ValidationFailed) as err:
        parameter_change_create(actor=county_user, name="warn.med_oop_ratio_permille", start="2026-03-02",
                                value="0.5", reference="临邑县测试通知")  # fmt: skip
    assert [(e.field, e.message) for e in err.value.errors] == [("取值", "“0.5”应为整数")]
    assert not ParameterChange.objects.exists()


def test_a_switch_other_than_1_or_0_is_an_error_naming_the_parameter(db: Any, county_user: Any) -> None:
    _county_sets(county_user, "warn.W_MED.enabled", "2")
    with pytest.raises(ParameterError) as err:
        county_values("371424", DAY)
    assert str(err.value) == "参数 warn.W_MED.enabled 的取值“2”应为 1（启用）或 0（停用）"


def test_every_threshold_of_the_rules_is_an_integer_read_from_the_one_tree(db: Any) -> None:
    values = county_values("371424", DAY)
    numbers = {k: v for k, v in values.items() if k not in ("county_code", "school_stages")}
    assert all(isinstance(v, int) for v in numbers.values()), numbers
    assert (values["med_oop_min_fen"], values["med_oop_ratio_permille"], values["visit_days"]) == (
        1000000,
        500,
        5,
    )
