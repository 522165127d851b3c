"""The report's conclusions apply the engine's own rules (income_test, financial_ok, vehicle_flag,
housing_flag, business_flag) and read every other threshold as a dated parameter of the one tree."""

import datetime as dt

import pytest

from dajiuzhu.core import clock
from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.parameters.models import ParameterChange
from dajiuzhu.verification.services import verification_request

from .test_requests import _authorise, _months_ago


def _county_sets(user, name: str, value: str) -> None:
    ParameterChange.objects.create(
        name=name, jurisdiction="371424", start=dt.date(2021, 7, 1), value=value, reference="临邑县测试通知",
        created_by=user,
    )  # fmt: skip


def _monthly_wage(deliver, ids, yuan: str) -> None:
    deliver("TAX", [
        {"id_number": ids["head"], "record_id": f"T{i}", "period": _months_ago(i), "income_yuan": yuan,
         "income_kind": "工资薪金"} for i in range(12)
    ])  # fmt: skip


def test_income_one_fen_below_the_standard_times_three_members_is_eligible_as_the_engine_reads_it(
    township_user, household_a, deliver, ids
):
    # given the rural standard of 780 元 and 3 members: the engine's line is 2,340.00 元 a month (strict <)
    _monthly_wage(deliver, ids, "2339.99")
    _authorise(township_user, household_a)
    req = verification_request(user=township_user, household_id=household_a.pk, sources=["TAX"])
    # then per capita rounds to 780.00, but the household total is below the line: no income rule fires
    assert req.report["summary"]["income_per_capita_fen"] == 78000
    assert (req.conclusion, req.report["rules_fired"]) == ("ELIGIBLE", [])


def test_income_exactly_at_the_line_is_ineligible_naming_the_engine_rule_and_its_reference(
    township_user, household_a, deliver, ids
):
    _monthly_wage(deliver, ids, "2340.00")
    _authorise(township_user, household_a)
    req = verification_request(user=township_user, household_id=household_a.pk, sources=["TAX"])
    [fired] = req.report["rules_fired"]
    assert (req.conclusion, fired["rule"], fired["engine_rule"]) == ("INELIGIBLE", "V_INCOME", "income_test")
    assert "第九条" in fired["reference"]
    assert fired["detail"] == "家庭月收入 2340.00 元（人均 780.00 元） ≥ 标准 780.00 元 × 3 人"
    assert req.report["parameters"]["dibao.standard.rural"]["value"] == "780.00"


def test_financial_assets_above_the_engine_cap_are_ineligible(township_user, household_a, deliver, ids):
    # given 780 元 × 3 members × 24 months (Shandong's example) = 56,160 元; the household holds 56,160.01
    deliver("BANK_DEPOSIT", [{"id_number": ids["head"], "record_id": "A1", "bank": "农行", "as_of": "2026-03-01",
                              "balance_yuan": "56160.01"}])  # fmt: skip
    _authorise(township_user, household_a)
    req = verification_request(user=township_user, household_id=household_a.pk, sources=["BANK_DEPOSIT"])
    [fired] = req.report["rules_fired"]
    assert (fired["rule"], fired["engine_rule"], req.conclusion) == (
        "V_FIN_ASSET",
        "financial_ok",
        "INELIGIBLE",
    )
    assert req.report["parameters"]["asset.financial_per_capita_max_months"]["value"] == "24"


def _two_dwellings(deliver, ids) -> None:
    deliver("REAL_ESTATE", [
        {"id_number": ids["head"], "record_id": f"R{i}", "usage": "住宅", "area_m2": "90", "registered_on": "2020-01-01"}
        for i in (1, 2)
    ])  # fmt: skip


def test_two_rural_dwellings_need_a_visit_until_the_county_allows_two_on_the_parameter_page(
    township_user, county_admin, household_a, deliver, ids
):
    _two_dwellings(deliver, ids)
    _authorise(township_user, household_a)
    first = verification_request(user=township_user, household_id=household_a.pk, sources=["REAL_ESTATE"])
    assert [r["detail"] for r in first.report["rules_fired"]] == ["2 套 > 1 套"]
    assert first.report["parameters"]["verify.rural_dwellings_max"]["unverified"] is True
    # when 临邑县 sets verify.rural_dwellings_max = 2
    _county_sets(county_admin, "verify.rural_dwellings_max", "2")
    second = verification_request(user=township_user, household_id=household_a.pk, sources=["REAL_ESTATE"])
    # then two dwellings are within the county's rule
    assert (second.conclusion, second.report["rules_fired"]) == ("ELIGIBLE", [])
    assert second.report["parameters"]["verify.rural_dwellings_max"]["value"] == "2"


def test_the_utilities_line_is_the_county_s_parameter(township_user, county_admin, household_a, deliver, ids):
    # given 临邑县 lowers the line to 300 元 a month; the head's bills come to 3,600 元 in 12 months
    _county_sets(county_admin, "verify.utilities_monthly_visit", "300.00")
    today = clock.today()
    deliver("UTILITIES", [{"id_number": ids["head"], "record_id": "E1", "utility": "电",
                           "period": today.replace(day=1).isoformat(), "amount_yuan": "3600.00"}])  # fmt: skip
    _authorise(township_user, household_a)
    req = verification_request(user=township_user, household_id=household_a.pk, sources=["UTILITIES"])
    [fired] = req.report["rules_fired"]
    assert (fired["rule"], fired["detail"]) == ("V_UTILITIES", "月均 300.00 元 ≥ 300.00 元")


def test_a_dwelling_limit_with_a_fraction_is_refused_on_the_parameter_page_naming_the_field(
    county_admin, settings
):
    from dajiuzhu.parameters.services import parameter_change_create

    settings.DAJIUZHU_TODAY = "2026-03-02"
    with pytest.raises(ValidationFailed) as err:
        parameter_change_create(actor=county_admin, name="verify.rural_dwellings_max", start="2026-03-02",
                                value="1.5", reference="临邑县测试通知")  # fmt: skip
    assert [(e.field, e.message) for e in err.value.errors] == [("取值", "“1.5”应为整数")]
    assert not ParameterChange.objects.exists()


def test_income_found_is_summed_over_the_engine_s_income_period(
    township_user, county_admin, household_a, deliver, ids
):
    # given 1,000 元 a month in the last 6 months and 5,000 元 a month in the 6 before
    deliver("TAX", [
        {"id_number": ids["head"], "record_id": f"T{i}", "period": _months_ago(i),
         "income_yuan": "1000" if i < 6 else "5000", "income_kind": "工资薪金"} for i in range(12)
    ])  # fmt: skip
    _authorise(township_user, household_a)
    # then over Shandong's 12-month period the household has 3,000 元 a month: above 780 × 3
    first = verification_request(user=township_user, household_id=household_a.pk, sources=["TAX"])
    assert (first.report["summary"]["income_monthly_fen"], first.conclusion) == (300_000, "INELIGIBLE")
    assert first.report["parameters"]["income.lookback_months"]["value"] == "12"
    # when 临邑县 counts income over 6 months, as the engine then does
    _county_sets(county_admin, "income.lookback_months", "6")
    second = verification_request(user=township_user, household_id=household_a.pk, sources=["TAX"])
    # then only the last 6 months count: 1,000 元 a month, below the line
    assert (second.report["summary"]["income_monthly_fen"], second.conclusion) == (100_000, "ELIGIBLE")
