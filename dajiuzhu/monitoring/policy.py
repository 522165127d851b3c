"""Monitoring policy as data: the feed contracts are verification's source contracts
(policy/sources/<CODE>.yaml with `used_by: [..., monitoring]`, read through dajiuzhu.verification.contracts),
rule definitions (policy/monitoring/rules.yaml) and the dated per-jurisdiction thresholds and time limits
(`warn.*`, `monitor.sla.*` in policy/parameters/*-monitoring.yaml), read through the one parameter tree
(dajiuzhu.parameters: the YAML plus the 政策参数 page's changes; county → city → province → national).
Amounts are fen, ratios permille, switches 1/0: no float reaches a rule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from dajiuzhu.core.errors import ValidationFailed
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.rules.parameters import ParameterError
from dajiuzhu.verification.contracts import SourceContract, contracts

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy" / "monitoring"


@dataclass(frozen=True)
class RuleDef:
    code: str
    label: str
    sources: tuple[str, ...]
    population: str
    suggested_item: str
    outcome: str
    reference: str


@dataclass
class MonitoringPolicy:
    feeds: dict[str, SourceContract]
    rules: dict[str, RuleDef]
    files: list[str] = field(default_factory=list)

    def rules_for(self, source: str) -> list[RuleDef]:
        return [r for r in self.rules.values() if source in r.sources]


def _yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ParameterError(f"监测配置文件{path.name}无法读取：{exc}") from exc
    if not isinstance(doc, dict):
        raise ParameterError(f"监测配置文件{path.name}格式错误")
    return doc


@lru_cache(maxsize=4)
def load_policy(directory: Path = POLICY_DIR) -> MonitoringPolicy:
    rules_doc = _yaml(directory / "rules.yaml")
    feeds = contracts("monitoring")
    rules = {
        code: RuleDef(
            code=code,
            label=str(spec["label"]),
            sources=tuple(spec.get("sources") or ()),
            population=str(spec.get("population", "registry")),
            suggested_item=str(spec.get("suggested_item", "")),
            outcome=str(spec.get("outcome", "assist")),
            reference=str(spec.get("reference", "")),
        )
        for code, spec in (rules_doc.get("rules") or {}).items()
    }
    return MonitoringPolicy(feeds=feeds, rules=rules)


def feed_contract(source: str) -> SourceContract:
    """The contract of a source; a source without one is refused (the clear message names the source)."""
    code = (source or "").strip().upper()
    contract = load_policy().feeds.get(code)
    if contract is None:
        known = "、".join(sorted(load_policy().feeds))
        raise ValidationFailed.single(
            "数据源", f"数据源“{source}”没有数据接入约定，拒绝接收。已约定的数据源：{known}"
        )
    return contract


def rule_label(code: str) -> str:
    rule = load_policy().rules.get(code)
    return rule.label if rule else code


# ---- thresholds per county, as a frame the rules join on ---------------------------------------------------

FEN = ("warn.med_oop_min", "warn.vehicle_value_min", "warn.capital_min")
THRESHOLD_COLUMNS: dict[str, pl.DataType] = {
    "med_oop_min_fen": pl.Int64(),
    "med_oop_ratio_permille": pl.Int64(),
    "disab_grade_max": pl.Int64(),
    "disab_mental_grade_max": pl.Int64(),
    "vehicle_value_min_fen": pl.Int64(),
    "capital_min_fen": pl.Int64(),
    "disaster_severity_min": pl.Int64(),
    "triage_days": pl.Int64(),
    "visit_days": pl.Int64(),
}


def _fen(value: Any) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


def _whole(value: Any, name: str) -> int:
    number = Decimal(str(value).strip())
    if number != number.to_integral_value():
        raise ParameterError(f"参数 {name} 的取值“{value}”应为整数")
    return int(number)


def _switch(value: Any, name: str) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise ParameterError(f"参数 {name} 的取值“{value}”应为 1（启用）或 0（停用）")


def _words(value: Any) -> list[str]:
    """A list parameter: the YAML list, or the text a county typed on the 政策参数 page ("senior、college")."""
    if isinstance(value, list | tuple):
        return [str(s).strip() for s in value if str(s).strip()]
    return [w for w in str(value).replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if w]


def county_values(county: str, on: dt.date) -> dict[str, Any]:
    """Every threshold and time limit in force for one county on a date, from the one parameter tree.
    A missing or mistyped value is a ParameterError naming the parameter, the county and the date."""
    tree = parameter_tree()

    def v(name: str) -> Any:
        return tree.value(name, on=on, region=county)

    def whole(name: str) -> int:
        return _whole(v(name), name)

    values: dict[str, Any] = {
        "county_code": county,
        "med_oop_min_fen": _fen(v("warn.med_oop_min")),
        "med_oop_ratio_permille": whole("warn.med_oop_ratio_permille"),
        "disab_grade_max": whole("warn.disab_grade_max"),
        "disab_mental_grade_max": whole("warn.disab_mental_grade_max"),
        "vehicle_value_min_fen": _fen(v("warn.vehicle_value_min")),
        "capital_min_fen": _fen(v("warn.capital_min")),
        "disaster_severity_min": whole("warn.disaster_severity_min"),
        "triage_days": whole("monitor.sla.triage_days"),
        "visit_days": whole("monitor.sla.visit_days"),
        "school_stages": _words(v("warn.school_stages")),
    }
    for code in load_policy().rules:
        name = f"warn.{code}.enabled"
        if name in tree.parameters:
            values[f"on_{code}"] = _switch(v(name), name)
        else:
            values[f"on_{code}"] = code == "ACTIVE_DISCOVERY"  # reports are never switched off
    return values


def thresholds_frame(counties: list[str], on: dt.date) -> pl.DataFrame:
    """One row per county: the columns the rule expressions compare against."""
    rows = [county_values(c, on) for c in sorted(set(counties)) if c]
    rule_cols = {f"on_{code}": pl.Boolean() for code in load_policy().rules}
    schema = {"county_code": pl.Utf8(), **THRESHOLD_COLUMNS, "school_stages": pl.List(pl.Utf8), **rule_cols}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def rules_table(county: str, on: dt.date) -> list[dict[str, Any]]:
    """The read-only rules page: each rule with the values in force for the county and where they come from."""
    policy = load_policy()
    tree = parameter_tree()
    names = {
        "W_MED": ["warn.med_oop_min", "warn.med_oop_ratio_permille"],
        "W_DISAB": ["warn.disab_grade_max", "warn.disab_mental_grade_max"],
        "W_SCHOOL": ["warn.school_stages"],
        "W_ASSET": ["warn.vehicle_value_min", "warn.capital_min"],
        "W_EVENT": ["warn.disaster_severity_min"],
        "SLA": ["monitor.sla.triage_days", "monitor.sla.visit_days"],
    }
    out = []
    for code, rule in [*policy.rules.items(), ("SLA", None)]:
        params = []
        for name in [f"warn.{code}.enabled", *names.get(code, [])]:
            try:
                pv = tree.get(name, on=on, region=county)
            except ParameterError:
                continue
            param = tree.parameters[name]
            value = "、".join(map(str, pv.value)) if isinstance(pv.value, list) else pv.value
            if name.endswith(".enabled"):
                value = "启用" if _switch(value, name) else "停用"
            params.append({
                "name": name, "label": param.label, "unit": param.unit, "value": value,
                "jurisdiction": pv.jurisdiction, "start": pv.start, "unverified": pv.unverified,
                "reference": pv.reference,
            })  # fmt: skip
        out.append({
            "code": code, "label": rule.label if rule else "研判和走访时限",
            "sources": [policy.feeds[s].name for s in rule.sources if s in policy.feeds] if rule else [],
            "population": rule.population if rule else "", "reference": rule.reference if rule else "R8.7",
            "params": params,
        })  # fmt: skip
    return out
