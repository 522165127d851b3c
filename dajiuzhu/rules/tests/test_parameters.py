import datetime as dt

import pytest

from dajiuzhu.rules.parameters import ParameterError, ParameterTree, region_chain

D = dt.date


def tree():
    return ParameterTree.from_mapping(
        {
            "CN": {"edge.income_multiple": [{"from": "2021-07-01", "value": 1.5}]},
            "3714": {
                "dibao.standard.rural": [
                    {"from": "2024-01-01", "value": "700.00"},
                    {"from": "2025-01-01", "value": "780.00", "unverified": True},
                ]
            },
            "371424": {"dibao.standard.rural": [{"from": "2025-07-01", "value": "800.00"}]},
        }
    )


def test_region_chain_goes_up_to_national():
    assert region_chain("371424100201") == ["371424100201", "371424100", "371424", "3714", "37", "CN"]


def test_most_specific_jurisdiction_wins_from_its_start_date():
    t = tree()
    assert t.value("dibao.standard.rural", on=D(2025, 6, 30), region="371424") == "780.00"
    assert t.value("dibao.standard.rural", on=D(2025, 7, 1), region="371424") == "800.00"
    assert t.value("dibao.standard.rural", on=D(2025, 7, 1), region="371425") == "780.00"


def test_value_carries_its_provenance():
    v = tree().get("dibao.standard.rural", on=D(2025, 3, 1), region="371425")
    assert (v.jurisdiction, v.start, v.unverified) == ("3714", D(2025, 1, 1), True)


def test_missing_value_names_parameter_region_and_date():
    with pytest.raises(
        ParameterError, match=r"参数 dibao.standard.rural 在 2023-12-31 对区划 371424 没有生效的取值"
    ):
        tree().get("dibao.standard.rural", on=D(2023, 12, 31), region="371424")
    with pytest.raises(ParameterError, match="未定义参数 nope"):
        tree().get("nope", on=D(2025, 1, 1))


def test_bad_file_content_is_refused_with_chinese_message():
    with pytest.raises(ParameterError, match="起始日期“2025-13-01”不是有效日期"):
        ParameterTree.from_mapping({"CN": {"x": [{"from": "2025-13-01", "value": 1}]}})
    with pytest.raises(ParameterError, match="同一起始日期有多个取值"):
        ParameterTree.from_mapping(
            {"CN": {"x": [{"from": "2025-01-01", "value": 1}, {"from": "2025-01-01", "value": 2}]}}
        )


def test_shipped_policy_files_load_and_mark_example_values():
    t = ParameterTree.load()
    urban = t.get("dibao.standard.urban", on=D(2026, 1, 1), region="371424")
    assert urban.unverified and "示例值" in urban.reference
    assert t.value("edge.income_multiple", on=D(2026, 1, 1), region="371424") == 1.5
    # sanity check of policy-spec §9: rural ≤ urban
    from decimal import Decimal

    assert Decimal(t.value("dibao.standard.rural", on=D(2026, 1, 1), region="3714")) <= Decimal(urban.value)
