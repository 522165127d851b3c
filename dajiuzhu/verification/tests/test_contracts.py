"""Source contracts: loaded from policy/sources, validated, and refused when a source has none."""

from pathlib import Path

import pytest

from dajiuzhu.core import idnumber
from dajiuzhu.verification.contracts import SOURCE_ORDER, contract_get, contracts, contracts_load
from dajiuzhu.verification.errors import ContractInvalid, UnknownSource


def test_every_source_of_the_brief_has_a_contract():
    # when the shipped contracts are loaded
    loaded = contracts()
    # then there is one per source, in the documented order, each with a provider and an id_number key
    assert tuple(loaded) == SOURCE_ORDER
    assert len(loaded) == 19
    for c in loaded.values():
        assert c.provider and c.name and c.validity_days > 0
        assert "id_number" in c.key and c.fields[0].name == "id_number"


def test_a_contract_describes_fields_key_and_meaning():
    c = contract_get("real_estate")
    assert c.name == "不动产登记"
    assert c.key == ("id_number", "record_id")
    assert [f.type for f in c.fields] == ["id_number", "string", "string", "enum", "decimal", "date"]
    assert c.label_of("area_m2") == "建筑面积（平方米）"
    assert c.effect["kind"] == "property"


GOOD = "37142419800101001" + idnumber.check_char("37142419800101001")
BAD = "37142419800101001" + ("1" if GOOD[-1] != "1" else "2")


def test_a_row_is_typed_or_refused_naming_the_field_and_row():
    import datetime as dt

    import polars as pl

    from dajiuzhu.verification.validate import validate

    c = contract_get("BANK_DEPOSIT")
    names = ["id_number", "record_id", "bank", "as_of", "balance_yuan"]
    raw = pl.DataFrame(
        {"row": [7, 9], **dict(zip(names, zip(
            (GOOD, "6222", "农行", "2026/03/01", "1,234.5"), (BAD, "", "农行", "2026-02-30", "x"), strict=True
        ), strict=True))},
        schema={"row": pl.Int64, **dict.fromkeys(names, pl.Utf8)},
    )  # fmt: skip
    ok, refused = validate(c, raw, on=dt.date(2026, 3, 2))
    assert ok.select("row", *names).rows(named=True) == [
        {"row": 7, "id_number": GOOD, "record_id": "6222", "bank": "农行", "as_of": dt.date(2026, 3, 1),
         "balance_yuan": "1234.50"},
    ]  # fmt: skip
    assert refused["row"].to_list() == [9]
    assert refused["reasons"].to_list()[0] == [
        f"身份证号码（id_number）：校验码错误（应为{GOOD[-1]}），请核对号码是否抄错",
        "账号（record_id）：不能为空",
        "余额日期（as_of）：“2026-02-30”不是有效日期（应为 YYYY-MM-DD）",
        "余额（元）（balance_yuan）：“x”不是有效的金额",
    ]


def test_an_unknown_source_is_refused_with_a_clear_message():
    with pytest.raises(UnknownSource) as exc:
        contract_get("LOTTERY")
    assert "数据源“LOTTERY”没有交换约定" in exc.value.message
    assert exc.value.code == "unknown_source"


def test_a_broken_contract_stops_the_load_naming_the_file(tmp_path: Path):
    (tmp_path / "FOO.yaml").write_text(
        "code: FOO\nname: 测试\nprovider: 某局\nvalidity_days: 30\nkey: [record_id]\neffective_field: d\n"
        "fields:\n  - {name: id_number, label: 身份证号码, type: id_number, required: true}\n"
        "  - {name: record_id, label: 号, type: string, required: true}\n"
        "  - {name: d, label: 日期, type: date, required: true}\n"
        "hit: {effect: {kind: flag, flag: x}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractInvalid) as exc:
        contracts_load(tmp_path)
    assert exc.value.message == "数据源约定 FOO.yaml 有误：key 必须包含 id_number，且只能引用已声明的字段"


def test_an_unknown_field_type_is_refused(tmp_path: Path):
    (tmp_path / "BAR.yaml").write_text(
        "code: BAR\nname: 测试\nprovider: 某局\nvalidity_days: 30\nkey: [id_number]\neffective_field: id_number\n"
        "fields:\n  - {name: id_number, label: 身份证号码, type: id_number, required: true}\n"
        "  - {name: x, label: 甲, type: money, required: true}\n"
        "hit: {effect: {kind: flag, flag: x}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ContractInvalid, match="字段 x 的类型 money 不受支持"):
        contracts_load(tmp_path)
