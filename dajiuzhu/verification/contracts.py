"""Source contracts: what each data-sharing source delivers, read from policy/sources/<CODE>.yaml.

A contract names the provider, the fields with their types, the key that identifies a record (for
replays), how long a delivery stays valid, and what a hit means for the household. A source without
a contract file is refused: nothing is ever ingested or queried on guessed columns.

>>> contract = contract_get("BANK_DEPOSIT")
>>> contract.name, contract.effect["kind"]
('银行存款', 'financial_asset')
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from .errors import ContractInvalid, UnknownSource

SOURCES_DIR = Path(settings.BASE_DIR) / "policy" / "sources"
RULES_FILE = SOURCES_DIR / "rules.yaml"

FIELD_TYPES = ("id_number", "string", "date", "decimal_yuan", "decimal", "integer", "enum", "area_code")
MATCH_FIELDS = (
    "id_number",
    "area_code",
)  # how a record finds its subject: a person, or an administrative area
PURPOSES = ("verification", "monitoring")  # which apps take deliveries of a source
EFFECT_KINDS = ("income", "financial_asset", "property", "vehicle", "business", "flag", "expense", "spending")
# The order of the sources on pages and in reports (policy-spec R7.2, R8.3).
SOURCE_ORDER = (
    "HUKOU", "TAX", "SOCIAL_INSURANCE", "PENSION", "REAL_ESTATE", "MARKET_ENTITY", "HOUSING_FUND", "VEHICLE",
    "BANK_DEPOSIT", "SECURITIES", "COMMERCIAL_INSURANCE", "MARRIAGE", "DEATH_FUNERAL", "DISABILITY_CARD",
    "MEDICAL_SETTLEMENT", "UNEMPLOYMENT", "STUDENT_AID", "RELAPSE_LIST", "UTILITIES",
)  # fmt: skip
MAX_TEXT = 500


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str
    required: bool
    values: tuple[str, ...] = ()
    min: int | None = None  # integer / decimal_yuan / decimal: smallest value allowed
    max: int | None = None
    not_future: bool = False  # date: refuse a date after the processing day


@dataclass(frozen=True)
class SourceContract:
    code: str
    name: str
    provider: str
    reference: str
    validity_days: int
    key: tuple[str, ...]
    effective_field: str
    fields: tuple[FieldSpec, ...]
    meaning: str
    effect: dict[str, Any] = field(hash=False, compare=False)
    match: str = "id_number"  # the field that finds the subject (a person's ID number or an area code)
    used_by: tuple[str, ...] = ("verification",)
    full_list: bool = False  # each delivery is the whole current list (monitoring: RELAPSE_LIST)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def label_of(self, name: str) -> str:
        for f in self.fields:
            if f.name == name:
                return f.label
        return name

    def record_key(self, values: dict[str, Any]) -> str:
        """Stable identity of a record within its source: the key fields, hashed to a fixed width."""
        text = "\x1f".join(str(values.get(k) or "") for k in self.key)
        return hashlib.sha256(text.encode()).hexdigest()[:40]


def _refuse(where: str, message: str) -> ContractInvalid:
    return ContractInvalid(f"数据源约定 {where} 有误：{message}")


def _parse(path: Path) -> SourceContract:
    where = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise _refuse(where, f"不是有效的YAML（{exc}）") from exc
    if not isinstance(data, dict):
        raise _refuse(where, "内容应为键值对")
    for required in ("code", "name", "provider", "validity_days", "key", "fields", "hit", "effective_field"):
        if required not in data:
            raise _refuse(where, f"缺少 {required}")
    code = str(data["code"])
    if code != path.stem:
        raise _refuse(where, f"code {code} 与文件名不一致")
    specs: list[FieldSpec] = []
    for i, raw in enumerate(data["fields"], start=1):
        if not isinstance(raw, dict) or not raw.get("name") or not raw.get("label"):
            raise _refuse(where, f"第{i}个字段缺少 name 或 label")
        kind = raw.get("type")
        if kind not in FIELD_TYPES:
            raise _refuse(
                where, f"字段 {raw['name']} 的类型 {kind} 不受支持（可用：{'、'.join(FIELD_TYPES)}）"
            )
        values = tuple(str(v) for v in raw.get("values") or ())
        if kind == "enum" and not values:
            raise _refuse(where, f"枚举字段 {raw['name']} 缺少 values")
        bounds = [raw.get("min"), raw.get("max")]
        if any(b is not None and (not isinstance(b, int) or kind not in ("integer", "decimal_yuan", "decimal"))
               for b in bounds):  # fmt: skip
            raise _refuse(where, f"字段 {raw['name']} 的 min/max 应为整数，且只用于数值字段")
        spec = FieldSpec(
            str(raw["name"]), str(raw["label"]), kind, bool(raw.get("required")), values,
            min=bounds[0], max=bounds[1], not_future=bool(raw.get("not_future")) and kind == "date",
        )  # fmt: skip
        specs.append(spec)
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise _refuse(where, "字段名重复")
    match = str(data.get("match") or "id_number")
    if match not in MATCH_FIELDS:
        raise _refuse(where, f"match 应为 {'、'.join(MATCH_FIELDS)} 之一")
    id_fields = [s for s in specs if s.type == "id_number"]
    if match == "id_number" and (
        len(id_fields) != 1 or id_fields[0].name != "id_number" or not id_fields[0].required
    ):
        raise _refuse(where, "必须有且只有一个必填的 id_number 字段（身份证号码）")
    if match == "area_code" and not any(s.name == "area_code" and s.type == "area_code" and s.required
                                        for s in specs):  # fmt: skip
        raise _refuse(where, "match 为 area_code 时必须有必填的 area_code 字段（区划代码）")
    used_by = tuple(str(u) for u in data.get("used_by") or ("verification",))
    if not used_by or any(u not in PURPOSES for u in used_by):
        raise _refuse(where, f"used_by 应为 {'、'.join(PURPOSES)} 中的一项或多项")
    if "verification" in used_by and match != "id_number":
        raise _refuse(where, "核对（verification）只接收按身份证号码匹配的数据源")
    key = tuple(str(k) for k in data["key"])
    if match not in key or any(k not in names for k in key):
        raise _refuse(where, f"key 必须包含 {match}，且只能引用已声明的字段")
    if any(not s.required for s in specs if s.name in key):
        raise _refuse(where, "key 中的字段必须是必填字段")
    if data["effective_field"] not in names:
        raise _refuse(where, f"effective_field {data['effective_field']} 不是已声明的字段")
    hit = data["hit"] or {}
    effect = dict(hit.get("effect") or {})
    if "verification" in used_by and effect.get("kind") not in EFFECT_KINDS:
        raise _refuse(where, f"hit.effect.kind 应为 {'、'.join(EFFECT_KINDS)} 之一")
    for ref in ("field", "area_field", "value_field", "status_field", "dwelling_field"):
        if ref in effect and effect[ref] not in names:
            raise _refuse(where, f"hit.effect.{ref} 引用了未声明的字段 {effect[ref]}")
    validity = data["validity_days"]
    if not isinstance(validity, int) or validity <= 0:
        raise _refuse(where, "validity_days 应为正整数（天）")
    return SourceContract(
        code=code,
        name=str(data["name"]),
        provider=str(data["provider"]),
        reference=str(data.get("reference") or ""),
        validity_days=validity,
        key=key,
        effective_field=str(data["effective_field"]),
        fields=tuple(specs),
        meaning=str(hit.get("meaning") or ""),
        effect=effect,
        match=match,
        used_by=used_by,
        full_list=bool(data.get("full_list")),
    )


def contracts_load(directory: Path = SOURCES_DIR) -> dict[str, SourceContract]:
    """Every contract in the folder, validated; a broken file stops the load with its name and fault."""
    out = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == RULES_FILE.name:
            continue
        contract = _parse(path)
        out[contract.code] = contract
    order = {code: i for i, code in enumerate(SOURCE_ORDER)}
    return dict(sorted(out.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


@functools.cache
def contracts_all() -> dict[str, SourceContract]:
    """Every source contract, whichever app takes its deliveries."""
    return contracts_load()


@functools.cache
def contracts(purpose: str = "verification") -> dict[str, SourceContract]:
    """The contracts of the sources one app takes (verification by default: pages, reports, ingest)."""
    return {code: c for code, c in contracts_all().items() if purpose in c.used_by}


def contract_get(code: str) -> SourceContract:
    """The contract of a source, or UnknownSource: a feed from a source without a contract is refused."""
    found = contracts().get((code or "").strip().upper())
    if found is None:
        raise UnknownSource(
            f"数据源“{code}”没有交换约定（policy/sources/ 下无此文件），拒绝接收。"
            f"可用的数据源：{'、'.join(contracts())}"
        )
    return found


@functools.cache
def rules() -> dict[str, Any]:
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ContractInvalid("policy/sources/rules.yaml 内容应为键值对")
    return data
