"""老年人能力评估 (GB/T 42195-2022): scoring an assessment into a level, with its explanation.

The instrument (domains, items, score ranges, level names, care-risk events) is data in
policy/eldercare/instruments/*.yaml, one file per edition; the level bands, the number of risk events that raise the
level and the care-zone mapping are dated parameters of the one tree (eldercare.ability.*,
eldercare.care_zone.*). Pure Python, no Django: the eldercare app, a notebook or a batch job call the
same `score`.

Rules (as read from public implementations of the standard; see the instrument file's note):
- each domain's score is the sum of its items, the total the sum of the domains (0–90, higher is better);
- the level follows the total's band: 能力完好 from intact_min, 轻度 from mild_min, 中度 from
  moderate_min, 重度 from severe_min, otherwise 完全失能;
- the level is raised by one (never above 完全失能) when the elder has a diagnosed dementia, another
  mental or behavioural disorder diagnosed by a psychiatrist, or at least risk_events_raise care-risk
  events in the last 30 days; one raise however many conditions hold;
- an elder in a coma (recorded by the assessor) takes the level of eldercare.ability.coma_level directly
  (完全失能 by default; one transcription of the standard says 重度失能, hence a parameter).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dajiuzhu.rules.parameters import ParameterError, ParameterTree

INSTRUMENT_DIR = Path(__file__).resolve().parents[2] / "policy" / "eldercare" / "instruments"
DEFAULT_VERSION = "GB/T 42195-2022"
COMPLETE = 4  # 完全失能, the highest level

# The zones of an institution by care need (自理 / 介助 / 介护), as the level maps onto them.
ZONE_SELF, ZONE_ASSISTED, ZONE_NURSING = "self_care", "assisted", "nursing"
ZONE_LABELS = {ZONE_SELF: "自理", ZONE_ASSISTED: "介助", ZONE_NURSING: "介护"}

BANDS = (
    (0, "eldercare.ability.intact_min"),
    (1, "eldercare.ability.mild_min"),
    (2, "eldercare.ability.moderate_min"),
    (3, "eldercare.ability.severe_min"),
)
RISK_EVENTS_RAISE = "eldercare.ability.risk_events_raise"
COMA_LEVEL = "eldercare.ability.coma_level"
ASSISTED_MIN_LEVEL = "eldercare.care_zone.assisted_min_level"
NURSING_MIN_LEVEL = "eldercare.care_zone.nursing_min_level"
REASSESS_MONTHS = "eldercare.ability.reassess_months"


class AbilityError(ValueError):
    """Bad answers: `errors` lists (field, Chinese message), every problem at once."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("；".join(f"{f}：{m}" for f, m in errors))
        self.errors = errors


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    max: int
    domain: str


@dataclass(frozen=True)
class Domain:
    code: str
    label: str
    items: tuple[Item, ...]

    @property
    def max(self) -> int:
        return sum(i.max for i in self.items)


@dataclass(frozen=True)
class Instrument:
    version: str
    title: str
    reference: str
    unverified: bool
    domains: tuple[Domain, ...]
    levels: dict[int, str]
    risk_events: dict[str, str]

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for d in self.domains for i in d.items)

    @property
    def max(self) -> int:
        return sum(d.max for d in self.domains)

    def level_label(self, level: int) -> str:
        return self.levels.get(level, str(level))


def _instrument_from(data: dict[str, Any]) -> Instrument:
    domains = []
    for d in data["domains"]:
        items = tuple(
            Item(str(i["code"]), str(i["label"]), int(i["max"]), str(d["code"])) for i in d["items"]
        )
        domains.append(Domain(str(d["code"]), str(d["label"]), items))
    return Instrument(
        version=str(data["version"]),
        title=str(data.get("title", "")),
        reference=str(data.get("reference", "")),
        unverified=bool(data.get("unverified", False)),
        domains=tuple(domains),
        levels={int(x["code"]): str(x["label"]) for x in data["levels"]},
        risk_events={str(x["code"]): str(x["label"]) for x in data.get("risk_events", [])},
    )


@cache
def instruments(directory: Path = INSTRUMENT_DIR) -> dict[str, Instrument]:
    """Every edition on disk, by version."""
    out = {}
    for path in sorted(directory.glob("*.yaml")):
        instrument = _instrument_from(yaml.safe_load(path.read_text(encoding="utf-8")))
        out[instrument.version] = instrument
    return out


def instrument(version: str = DEFAULT_VERSION) -> Instrument:
    try:
        return instruments()[version]
    except KeyError:
        raise AbilityError([("instrument", f"评估量表版本“{version}”不存在")]) from None


@dataclass(frozen=True)
class Condition:
    """The facts besides the item scores that the level rules read."""

    dementia: bool = False  # diagnosed dementia (F00–F03)
    mental_disorder: bool = False  # another mental or behavioural disorder diagnosed by a psychiatrist
    coma: bool = False  # in a coma at the assessment
    risk_events: dict[str, int] = field(default_factory=dict)  # care-risk events of the last 30 days


@dataclass(frozen=True)
class Step:
    """One line of the explanation: what was found and by which rule."""

    text: str
    reference: str


@dataclass(frozen=True)
class AbilityResult:
    version: str
    domain_scores: dict[str, int]
    total: int
    base_level: int  # from the total's band
    level: int  # after the coma and raise-one-level rules
    raised_by: tuple[str, ...]  # the conditions that raised the level, in words
    care_zone: str
    steps: tuple[Step, ...]


def clean_scores(inst: Instrument, raw: dict[str, Any]) -> dict[str, int]:
    """Every item answered with a whole number within its range, and nothing else. Raises AbilityError
    naming each bad item (by its label) at once."""
    errors: list[tuple[str, str]] = []
    scores: dict[str, int] = {}
    known = {i.code for i in inst.items}
    for code in raw:
        if code not in known:
            errors.append((str(code), f"评估项目“{code}”不在{inst.version}量表中"))
    for item in inst.items:
        value = raw.get(item.code)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append((item.code, f"{item.label}：未评分（0—{item.max}分）"))
            continue
        if isinstance(value, bool):
            errors.append((item.code, f"{item.label}：分值应为0—{item.max}的整数"))
            continue
        try:
            number = int(str(value).strip())
        except ValueError:
            errors.append((item.code, f"{item.label}：“{value}”不是整数（0—{item.max}分）"))
            continue
        if not 0 <= number <= item.max:
            errors.append((item.code, f"{item.label}：{number}分超出范围（0—{item.max}分）"))
            continue
        scores[item.code] = number
    if errors:
        raise AbilityError(errors)
    return scores


def _int_param(tree: ParameterTree, name: str, on: dt.date, region: str) -> int:
    value = tree.value(name, on=on, region=region)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"参数 {name} 在 {on.isoformat()} 的取值“{value}”应为整数")
    return value


def care_zone(level: int, *, tree: ParameterTree, on: dt.date, region: str) -> str:
    if level >= _int_param(tree, NURSING_MIN_LEVEL, on, region):
        return ZONE_NURSING
    if level >= _int_param(tree, ASSISTED_MIN_LEVEL, on, region):
        return ZONE_ASSISTED
    return ZONE_SELF


def score(
    inst: Instrument,
    raw_scores: dict[str, Any],
    condition: Condition,
    *,
    tree: ParameterTree,
    on: dt.date,
    region: str,
) -> AbilityResult:
    """The level of one assessment on `on` in `region`, explained step by step."""
    scores = clean_scores(inst, raw_scores)
    bad_events = [code for code in condition.risk_events if code not in inst.risk_events]
    negative = [code for code, n in condition.risk_events.items() if n < 0]
    if bad_events or negative:
        raise AbilityError(
            [("risk_events", f"照护风险事件“{code}”不存在") for code in bad_events]
            + [("risk_events", f"照护风险事件“{inst.risk_events[c]}”的次数不能为负") for c in negative]
        )
    ref = inst.reference + ("（量表结构未核对标准原文）" if inst.unverified else "")
    domain_scores = {d.code: sum(scores[i.code] for i in d.items) for d in inst.domains}
    total = sum(domain_scores.values())
    steps = [Step(f"{d.label}{domain_scores[d.code]}分（满分{d.max}分）", ref) for d in inst.domains]
    steps.append(Step(f"总分{total}分（满分{inst.max}分，分值越高能力越好）", ref))

    base_level = COMPLETE
    for level, name in BANDS:
        minimum = _int_param(tree, name, on, region)
        if total >= minimum:
            base_level = level
            band = tree.get(name, on=on, region=region)
            steps.append(
                Step(f"总分不低于{minimum}分：{inst.level_label(level)}", f"参数 {name}；{band.reference}")
            )
            break
    else:
        minimum = _int_param(tree, BANDS[-1][1], on, region)
        steps.append(Step(f"总分低于{minimum}分：{inst.level_label(COMPLETE)}", f"参数 {BANDS[-1][1]}"))

    level = base_level
    raised: list[str] = []
    if condition.coma:
        level = max(base_level, min(_int_param(tree, COMA_LEVEL, on, region), COMPLETE))
        steps.append(Step(f"昏迷：直接评定为{inst.level_label(level)}", f"{ref}；参数 {COMA_LEVEL}"))
    else:
        events = sum(condition.risk_events.values())
        threshold = _int_param(tree, RISK_EVENTS_RAISE, on, region)
        if condition.dementia:
            raised.append("确诊痴呆")
        if condition.mental_disorder:
            raised.append("经精神科医师确诊的其他精神和行为障碍")
        if events >= threshold:
            raised.append(f"近30天发生照护风险事件{events}次（达到{threshold}次）")
        if raised:
            level = min(base_level + 1, COMPLETE)
            steps.append(
                Step(
                    f"{'、'.join(raised)}：能力等级提高一级为{inst.level_label(level)}"
                    + ("（已为最高等级）" if base_level == COMPLETE else ""),
                    f"{ref}；参数 {RISK_EVENTS_RAISE}",
                )
            )
    zone = care_zone(level, tree=tree, on=on, region=region)
    steps.append(
        Step(
            f"{inst.level_label(level)}：入住机构时对应{ZONE_LABELS[zone]}区",
            f"参数 {ASSISTED_MIN_LEVEL}、{NURSING_MIN_LEVEL}（地方规定，示例值）",
        )
    )
    return AbilityResult(
        version=inst.version,
        domain_scores=domain_scores,
        total=total,
        base_level=base_level,
        level=level,
        raised_by=tuple(raised),
        care_zone=zone,
        steps=tuple(steps),
    )
