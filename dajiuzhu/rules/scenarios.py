"""Scenario tests as data: policy/scenarios/*.yaml, each scenario named as a sentence.

A file has `defaults` (date, region, residence, parameters) merged under every scenario's `case`, and
a list of `scenarios`, each with `name`, `case` (the schema of rules.case) and `expect`: rule names
(household level) or `成员N.rule` / `members[i].rule` (person level) mapped to the expected value —
a status word (符合/不符合/需人工核实/渐退期), an amount in yuan as a string ("1234.56"), a bool or an int.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dajiuzhu.rules.explain import MONEY_RULES, yuan
from dajiuzhu.rules.programmes import STATUS_LABELS

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "policy" / "scenarios"
STATUS_WORDS = {label: code for code, label in STATUS_LABELS.items()}
_MEMBER = re.compile(r"^(?:members\[(\d+)\]|成员(\d+))\.(\w+)$")
_SUPPORTER = re.compile(r"^(?:supporters\[(\d+)\]|义务人(\d+))\.(\w+)$")


@dataclass(frozen=True)
class Scenario:
    file: str
    name: str
    case: dict[str, Any]
    expect: dict[str, Any]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load(directory: Path = SCENARIO_DIR) -> list[Scenario]:
    out: list[Scenario] = []
    for path in sorted(directory.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        defaults = doc.get("defaults") or {}
        for item in doc.get("scenarios") or []:
            out.append(Scenario(file=path.name, name=item["name"], case=_merge(defaults, item["case"]),
                                expect=dict(item["expect"])))  # fmt: skip
    return out


def locate(key: str) -> tuple[int | None, str]:
    """'members[1].tekun_status' / '成员2.tekun_status' → (1, 'tekun_status'); 'dibao_status' → (None, ...)."""
    m = _MEMBER.match(key)
    if not m:
        return None, key
    index = int(m.group(1)) if m.group(1) is not None else int(m.group(2)) - 1
    return index, m.group(3)


def locate_supporter(key: str) -> tuple[int, str] | None:
    """'supporters[0].supporter_reason' / '义务人1.supporter_reason' → (0, 'supporter_reason'): a result of
    rules.supporters for a statutory supporter living elsewhere; None for any other key."""
    m = _SUPPORTER.match(key)
    if not m:
        return None
    index = int(m.group(1)) if m.group(1) is not None else int(m.group(2)) - 1
    return index, m.group(3)


def normalise(name: str, expected: Any) -> Any:
    """The expected value in engine units (status code, fen, bool, int)."""
    if isinstance(expected, str) and expected in STATUS_WORDS:
        return STATUS_WORDS[expected]
    if name in MONEY_RULES or name.endswith("_fen"):
        text = str(expected)
        whole, _, frac = text.partition(".")
        sign = -1 if whole.startswith("-") else 1
        return sign * (abs(int(whole)) * 100 + int((frac + "00")[:2]))
    return expected


def show_actual(name: str, value: Any) -> str:
    if name in MONEY_RULES:
        return yuan(int(value))
    if isinstance(value, int) and not isinstance(value, bool) and name.endswith("_status"):
        return STATUS_LABELS.get(value, str(value))
    return repr(value)
