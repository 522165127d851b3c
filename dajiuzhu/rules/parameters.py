"""Policy parameters as dated data: one YAML file per jurisdiction, read as a tree at any date.

A value is looked up from the most specific jurisdiction that defines it (county → city → province →
national), taking the latest value whose start date is on or before the date asked. Pure Python: no
Django, so the same tree serves a worker, a notebook or a Spark job.

>>> tree = ParameterTree.from_mapping({"CN": {"edge.income_multiple": [{"from": "2021-07-01", "value": 1.5}]}})
>>> tree.get("edge.income_multiple", on=dt.date(2025, 1, 1), region="371424").value
1.5
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

NATIONAL = "CN"
POLICY_DIR = Path(__file__).resolve().parents[2] / "policy" / "parameters"


class ParameterError(ValueError):
    """Raised with a Chinese message that names the parameter, the region and the date."""


@dataclass(frozen=True)
class ParameterValue:
    name: str
    value: Any
    start: dt.date
    jurisdiction: str
    reference: str = ""
    unverified: bool = False


@dataclass
class Parameter:
    name: str
    label: str = ""
    unit: str = ""
    choices: tuple[str, ...] = ()  # a parameter whose value is one of these words (e.g. age.start_rule)
    # jurisdiction code → values sorted by start date
    values: dict[str, list[ParameterValue]] = field(default_factory=dict)


def region_chain(region: str) -> list[str]:
    """371424100201 → ['371424100201', '371424100', '371424', '3714', '37', 'CN']"""
    region = (region or "").strip()
    chain: list[str] = []
    for length in (12, 9, 6, 4, 2):
        if len(region) >= length:
            chain.append(region[:length])
    chain.append(NATIONAL)
    return chain


def _as_date(raw: Any, where: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as exc:
        raise ParameterError(f"{where}：起始日期“{raw}”不是有效日期（应为 YYYY-MM-DD）") from exc


class ParameterTree:
    def __init__(self) -> None:
        self.parameters: dict[str, Parameter] = {}

    @classmethod
    def from_mapping(cls, data: dict[str, dict[str, Any]]) -> ParameterTree:
        """data: {jurisdiction: {name: [ {from, value, reference?, unverified?}, ... ] | {label, unit, values}}}"""
        tree = cls()
        for jurisdiction, params in data.items():
            for name, spec in params.items():
                tree.add(str(jurisdiction), name, spec)
        return tree

    @classmethod
    def load(cls, directory: Path = POLICY_DIR) -> ParameterTree:
        tree = cls()
        files = sorted(directory.glob("*.yaml"))
        if not files:
            raise ParameterError(f"参数目录{directory}中没有参数文件")
        for path in files:
            try:
                doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise ParameterError(f"参数文件{path.name}格式错误：{exc}") from exc
            if not isinstance(doc, dict) or "jurisdiction" not in doc:
                raise ParameterError(f"参数文件{path.name}缺少 jurisdiction（辖区代码）")
            for name, spec in (doc.get("parameters") or {}).items():
                tree.add(str(doc["jurisdiction"]), name, spec, source=path.name)
        return tree

    def add(self, jurisdiction: str, name: str, spec: Any, *, source: str = "") -> None:
        where = f"{source + ' ' if source else ''}参数 {name}（辖区 {jurisdiction}）"
        if isinstance(spec, list):
            spec = {"values": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("values"), list) or not spec["values"]:
            raise ParameterError(f"{where}：必须有 values 列表")
        param = self.parameters.setdefault(name, Parameter(name=name))
        param.label = param.label or str(spec.get("label", ""))
        param.unit = param.unit or str(spec.get("unit", ""))
        if spec.get("choices"):
            param.choices = param.choices or tuple(str(c) for c in spec["choices"])
        values = []
        for entry in spec["values"]:
            if not isinstance(entry, dict) or "from" not in entry or "value" not in entry:
                raise ParameterError(f"{where}：每个取值都要有 from 和 value")
            values.append(
                ParameterValue(
                    name=name,
                    value=entry["value"],
                    start=_as_date(entry["from"], where),
                    jurisdiction=jurisdiction,
                    reference=str(entry.get("reference", spec.get("reference", ""))),
                    unverified=bool(entry.get("unverified", spec.get("unverified", False))),
                )
            )
        if param.choices and any(str(v.value) not in param.choices for v in values):
            raise ParameterError(f"{where}：取值应为{'、'.join(param.choices)}之一")
        values.sort(key=lambda v: v.start)
        if len({v.start for v in values}) != len(values):
            raise ParameterError(f"{where}：同一起始日期有多个取值")
        param.values[jurisdiction] = values

    def get(self, name: str, *, on: dt.date, region: str = NATIONAL) -> ParameterValue:
        param = self.parameters.get(name)
        if param is None:
            raise ParameterError(f"未定义参数 {name}")
        for jurisdiction in region_chain(region):
            candidates = [v for v in param.values.get(jurisdiction, []) if v.start <= on]
            if candidates:
                return candidates[-1]
        raise ParameterError(f"参数 {name} 在 {on.isoformat()} 对区划 {region} 没有生效的取值")

    def value(self, name: str, *, on: dt.date, region: str = NATIONAL) -> Any:
        return self.get(name, on=on, region=region).value

    def at(self, *, on: dt.date, region: str) -> dict[str, ParameterValue]:
        """Every parameter in force for a region on a date (those with no value yet are left out)."""
        out = {}
        for name in sorted(self.parameters):
            try:
                out[name] = self.get(name, on=on, region=region)
            except ParameterError:
                continue
        return out
