"""Case files: validation messages name the field; `dajiuzhu check` prints results or clear errors."""

import json

import pytest

from dajiuzhu.rules.case import CaseError, run_case
from dajiuzhu.rules.cli_check import check_case, is_case_check

from .support import TREE

GOOD = {
    "date": "2026-03-15",
    "region": "371424",
    "residence": "农村",
    "parameters": {"dibao.standard.rural": "800.00"},
    "members": [
        {
            "name": "张三",
            "age": 50,
            "sex": "男",
            "labour_capacity": "无劳动能力",
            "income": {"transfer": "300"},
        }
    ],
}


def test_a_case_with_chinese_words_is_read_and_assessed():
    outcome = run_case(GOOD, tree=TREE)
    dibao = next(p for p in outcome.programmes if p.code == "dibao")
    assert dibao.status_label == "符合"
    assert dibao.amount_yuan == "500.00"
    assert any(line.name == "income_test" and line.passed is True for line in dibao.lines)


def test_every_bad_field_is_reported_with_its_path():
    bad = {
        "region": "37x",
        "residence": "乡下",
        "members": [
            {"age": 150, "sex": "M", "income": {"wage": "-5"}},
            {"sex": "F", "income": {"salary": "1"}},
            {"id_number": "371402198001010013"},
        ],
    }
    with pytest.raises(CaseError) as err:
        run_case(bad, tree=TREE)
    paths = dict(err.value.errors)
    assert "区划代码“37x”无效" in paths["region"]
    assert "城乡类别“乡下”无效" in paths["residence"]
    assert paths["members[0].age"] == "第1名成员的年龄应在0到130之间，收到150"
    assert paths["members[0].income.wage"] == "第1名成员的工资性收入不能为负数"
    assert "未知收入类型“salary”" in paths["members[1].income.salary"]
    assert "缺少年龄" in paths["members[1].age"]
    assert "校验码错误" in paths["members[2].id_number"]


def test_no_parameter_in_force_on_the_date_is_a_clear_error():
    case = dict(GOOD, date="2019-01-01", parameters={})
    with pytest.raises(CaseError) as err:
        run_case(case, tree=TREE)
    assert "dibao.standard.rural" in str(err.value) and "2019-01-01" in str(err.value)


def test_unknown_parameter_override_is_refused():
    with pytest.raises(CaseError) as err:
        run_case(dict(GOOD, parameters={"dibao.standrad.rural": 1}), tree=TREE)
    assert err.value.errors == [("parameters.dibao.standrad.rural", "未知参数“dibao.standrad.rural”")]


def test_cli_prints_json(tmp_path, capsys):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    assert is_case_check(["dajiuzhu", "check", str(path)])
    assert not is_case_check(["dajiuzhu", "check", "--deploy"])
    assert check_case([str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["programmes"][0]["programme"] == "dibao" and out["programmes"][0]["amount"] == "500.00"


def test_cli_reports_malformed_json_and_bad_fields(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    assert check_case([str(path)]) == 2
    assert "不是有效的 JSON/YAML" in capsys.readouterr().err
    path.write_text(
        json.dumps({"region": "371424", "residence": "rural", "members": [{"age": -1, "sex": "M"}]})
    )
    assert check_case([str(path), "--date", "2026-03-15"]) == 2
    assert "members[0].age：第1名成员的年龄应在0到130之间，收到-1" in capsys.readouterr().err


def test_the_shipped_example_runs(capsys):
    assert check_case(["policy/examples/elderly-couple-rural.json"]) == 0
    assert "最低生活保障（低保）：符合" in capsys.readouterr().out


def test_a_relative_override_changes_the_value_in_force_for_that_region():
    import datetime as dt
    from decimal import Decimal

    # given the shipped rural standard of 临邑县 on the case's date
    standard = Decimal(str(TREE.value("dibao.standard.rural", on=dt.date(2026, 3, 15), region="371424")))
    case = dict(GOOD, parameters={"dibao.standard.rural": "+10%"})
    outcome = run_case(case, tree=TREE)
    assert outcome.result.household["threshold"] == int((standard * Decimal("1.1") * 100).to_integral_value())
    with pytest.raises(CaseError) as err:
        run_case(dict(GOOD, parameters={"dibao.standard.rural": "+abc%"}), tree=TREE)
    assert "不是有效的百分比" in str(err.value)


def _member(**kw):
    return {"age": 50, "sex": "M", "labour_capacity": "none", **kw}


def test_an_excluded_income_type_that_does_not_exist_is_refused_by_path():
    # given a member with an excluded income of an unknown type
    case = dict(GOOD, members=[_member(excluded_income={"lottery": "100", "special_care": "50"})])
    # when / then
    with pytest.raises(CaseError) as err:
        run_case(case, tree=TREE)
    paths = dict(err.value.errors)
    assert list(paths) == ["members[0].excluded_income.lottery"]
    assert "不计入收入类型“lottery”不存在" in paths["members[0].excluded_income.lottery"]


def test_a_local_exclusion_not_listed_on_the_date_is_refused_not_dropped():
    # given a price subsidy, which income.excluded_local does not list for 371424
    case = dict(GOOD, members=[_member(excluded_income={"price_subsidy": "30"})])
    with pytest.raises(CaseError) as err:
        run_case(case, tree=TREE)
    message = dict(err.value.errors)["members[0].excluded_income.price_subsidy"]
    assert "不是当地规定的不计入收入项目" in message and "income.excluded_local" in message
    # and an unknown code in the list itself is a parameter error naming the parameter
    case = dict(GOOD, parameters={"income.excluded_local": "lottery"}, members=[_member()])
    with pytest.raises(CaseError) as err:
        run_case(case, tree=TREE)
    assert "income.excluded_local" in dict(err.value.errors)["parameters"]


def test_excluded_incomes_are_shown_in_the_explanation_with_their_legal_reference():
    case = dict(
        GOOD,
        members=[
            _member(income={"transfer": "300"}, excluded_income={"special_care": "500", "reward": "20"})
        ],
    )
    dibao = next(p for p in run_case(case, tree=TREE).programmes if p.code == "dibao")
    line = next(ln for ln in dibao.lines if ln.name == "excluded_income")
    assert line.outcome == "520.00元"
    assert "最低生活保障审核确认办法 第十三条第二款" in line.reference
    assert ("优待抚恤金（月）", "500.00元") in line.inputs
    assert dibao.amount_yuan == "500.00"


def test_transfer_spending_and_vehicle_kinds_are_read_and_bad_vehicles_refused_by_path():
    # given maintenance paid and two vehicles of different kinds
    case = dict(
        GOOD,
        household={
            "vehicles": [{"kind": "生产经营用车", "value": "20000"}, {"kind": "private", "value": "5000"}]
        },
        members=[_member(income={"transfer": "600"}, transfer_spending="100")],
    )
    outcome = run_case(case, tree=TREE)
    assert outcome.result.persons[0]["net_transfer"] == 50000
    hh = outcome.result.household
    assert (hh["production_vehicles"], hh["production_vehicle_value_fen"], hh["vehicles"]) == (
        1,
        2_000_000,
        1,
    )
    dibao = next(p for p in outcome.programmes if p.code == "dibao")
    assert any(ln.name == "private_vehicle_flag" and ln.passed is True for ln in dibao.lines)
    # and a vehicle of an unknown kind, an unknown field and a value beside the list are refused by path
    bad = dict(
        GOOD,
        household={
            "vehicles": [{"kind": "yacht", "value": "1"}, {"kind": "private", "colour": "red"}],
            "vehicle_value": "1",
        },
        members=[_member()],
    )
    with pytest.raises(CaseError) as err:
        run_case(bad, tree=TREE)
    paths = dict(err.value.errors)
    assert "第1辆车的类型“yacht”无效" in paths["household.vehicles[0].kind"]
    assert paths["household.vehicles[1].colour"] == "未知字段“colour”"
    assert "household.vehicle_value" in paths


def test_a_wrong_employment_cost_method_is_a_parameter_error_naming_it():
    case = dict(GOOD, parameters={"deduct.employment_cost.method": "percent"})
    with pytest.raises(CaseError) as err:
        run_case(case, tree=TREE)
    # the error names the field path (parameters.<name>) and the allowed words
    assert (
        "deduct.employment_cost.method" in dict(err.value.errors)["parameters.deduct.employment_cost.method"]
    )
