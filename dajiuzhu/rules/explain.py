"""Turn one household's rule results into per-programme answers with a Chinese explanation.

Every answer lists the rules applied, in order, each with its inputs, its threshold parameters, its
outcome and its legal reference, so a caseworker (or the applicant) can follow the decision.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dajiuzhu.rules.engine import SingleResult
from dajiuzhu.rules.expr import Step
from dajiuzhu.rules.inputs import HOUSEHOLD_LABELS, PERSON_LABELS
from dajiuzhu.rules.programmes import (
    ELIGIBLE,
    NOT_ELIGIBLE,
    PARAMS,
    PROGRAMMES,
    RULES,
    STATUS_LABELS,
    SUPPORTER_ABLE,
    SUPPORTER_REASONS,
    Programme,
)
from dajiuzhu.rules.supporters import SUPPORTER_LABELS, SUPPORTER_RULES

# Rule results that are money (fen) and those that are statuses; everything else is shown as is.
MONEY_RULES = {
    "countable", "threshold", "gap", "tiered", "base_amount", "addon", "dibao_amount", "total_income",
    "total_tekun_income", "total_rigid", "total_spending", "disposable_line", "ta_amount", "tekun_basic",
    "tekun_care", "tekun_amount", "single_dibao_amount", "orphan_amount", "unsupported_amount",
    "living_allowance", "care_allowance", "longevity_allowance", "disabled_elderly_subsidy", "med_deductible",
    "med_amount", "countable_income", "employment_cost", "imputed_income", "rigid_deduction", "rigid_spending",
    "tekun_income", "person_monthly", "monthly_total", "tekun_total", "single_dibao_total", "child_total",
    "disab_total", "elderly_total", "med_total", "person_total",
    "net_transfer", "basic_pension_counted", "excluded_income", "own_income", "own_rigid", "capped_rigid",
    "spending_countable", "assessed_income", "single_income",
}  # fmt: skip
PERMILLE_RULES = {"ta_multiple", "med_ratio", "per_capita_permille"}
STATUS_RULES = {p.status for p in PROGRAMMES if p.status} | {"edge_status", "rigid_status"}
ADL_WORDS = {0: "全自理", 1: "半护理", 2: "全护理"}
VALUE_WORDS = {
    "residence": {"urban": "城市", "rural": "农村"},
    "sex": {"M": "男", "F": "女"},
    "labour_capacity": {"full": "有劳动能力", "partial": "部分丧失劳动能力", "none": "无劳动能力"},
    "disability_type": {"": "无", "visual": "视力", "hearing": "听力", "speech": "言语", "physical": "肢体",
                        "intellectual": "智力", "mental": "精神", "multiple": "多重"},
    "ta_type": {"": "无", "emergency": "急难型", "expenditure": "支出型"},
    "supporter_reason": {str(code): text for code, text in SUPPORTER_REASONS.items()},
    "incapacity": {"": "无", "no_civil_capacity": "无民事行为能力", "missing": "被宣告失踪", "in_prison": "在监狱服刑"},
}  # fmt: skip
PARAM_KINDS = {spec.name: spec.kind for spec in PARAMS}
PARAM_CHOICES = {spec.name: spec.choices for spec in PARAMS if spec.kind == "choice"}


def _rule_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for stage in [*RULES.stages, *SUPPORTER_RULES.stages]:
        if stage.kind != "broadcast":
            for item in stage.items:
                labels[item.name] = item.label
    return labels


RULE_LABELS = _rule_labels()


def yuan(fen: int) -> str:
    """12345 → '123.45' (exact, no float)."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def show(name: str, value: Any, *, param_kind: str = "") -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "—"
    if param_kind == "fen" or name in MONEY_RULES or name.endswith("_fen"):
        return f"{yuan(int(value))}元"
    if param_kind == "permille" or name in PERMILLE_RULES:
        return f"{int(value) / 1000:g}倍"
    if name in STATUS_RULES:
        return STATUS_LABELS.get(int(value), str(value))
    if name in VALUE_WORDS:
        return VALUE_WORDS[name].get(str(value), str(value))
    if name == "adl_level":
        return ADL_WORDS.get(int(value), str(value))
    return str(value)


@dataclass(frozen=True)
class RuleLine:
    name: str
    label: str
    formula: str
    inputs: list[tuple[str, str]]  # (label, shown value); parameters are marked 【参数】
    outcome: str
    reference: str
    passed: bool | None  # True/False for tests, None for amounts


@dataclass
class ProgrammeResult:
    code: str
    label: str
    status: int
    amount_fen: int
    period: str
    reference: str
    person_id: Any = None
    person_name: str = ""
    lines: list[RuleLine] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, str(self.status))

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)

    def as_dict(self) -> dict[str, Any]:
        return {
            "programme": self.code, "label": self.label, "status": self.status, "status_label": self.status_label,
            "amount": self.amount_yuan, "period": self.period, "reference": self.reference,
            "person_id": self.person_id, "person_name": self.person_name,
            "rules": [
                {"rule": ln.name, "label": ln.label, "formula": ln.formula,
                 "inputs": [{"name": k, "value": v} for k, v in ln.inputs], "outcome": ln.outcome,
                 "reference": ln.reference}
                for ln in self.lines
            ],
        }  # fmt: skip


def _line(step: Step, param_labels: Mapping[str, str]) -> RuleLine:
    inputs: list[tuple[str, str]] = []
    for key, value in step.inputs.items():
        if key.startswith("param:"):
            pname = key[6:]
            inputs.append(
                (
                    f"【参数】{param_labels.get(pname, pname)}",
                    PARAM_CHOICES[pname][value]
                    if pname in PARAM_CHOICES
                    and isinstance(value, int)
                    and 0 <= value < len(PARAM_CHOICES[pname])
                    else show(pname, value, param_kind=PARAM_KINDS.get(pname, "")),
                )
            )
        else:
            label = (
                RULE_LABELS.get(key)
                or PERSON_LABELS.get(key)
                or HOUSEHOLD_LABELS.get(key)
                or SUPPORTER_LABELS.get(key)
                or key
            )
            inputs.append((label, show(key, value)))
    passed = step.value if isinstance(step.value, bool) else None
    return RuleLine(name=step.name, label=step.label, formula=step.formula, inputs=inputs,
                    outcome=show(step.name, step.value), reference=step.reference, passed=passed)  # fmt: skip


def _applies(steps: Sequence[Step], name: str) -> bool:
    value = next((s.value for s in steps if s.name == name), None)
    return bool(value)


def _pick(steps: Sequence[Step], names: Sequence[str], param_labels: Mapping[str, str]) -> list[RuleLine]:
    by_name = {s.name: s for s in steps}
    return [_line(by_name[n], param_labels) for n in names if n in by_name]


SUPPORTER_PROGRAMMES = {"tekun"}  # whose explanation lists every statutory supporter (S2 art. 8)
# Exceptions that a programme's explanation lists only for the persons they apply to (a 70-year-old's 特困
# answer need not say that he is not an 18-year-old still at school).
SHOWN_WHEN_TRUE = {"tekun_school_continues"}


def supporter_lines(
    result: SingleResult,
    names: Sequence[str],
    supporters: SingleResult | None,
    supporter_names: Sequence[str],
    param_labels: Mapping[str, str],
    *,
    applicant: int | None,
) -> list[RuleLine]:
    """One line per statutory supporter of the applicant (member index `applicant`; None = every
    member): the other co-resident members, then those living elsewhere, each with the reason they can
    or cannot support. The applicant is never their own supporter."""
    out: list[RuleLine] = []
    counted = sum(1 for row in result.persons if row.get("counted", True))
    for i, (row, steps, name) in enumerate(zip(result.persons, result.person_steps, names, strict=True)):
        # A member is listed as a supporter of the others: never of the applicant themselves, and not at
        # all when they are the only member (nobody else in the household for them to support).
        if i == applicant or not row.get("counted", True) or counted < 2:
            continue
        step = next((s for s in steps if s.name == "supporter_reason"), None)
        if step is not None:
            line = _line(step, param_labels)
            out.append(dataclasses.replace(line, label=f"{name}（共同生活成员）作为法定义务人",
                                           passed=step.value != SUPPORTER_ABLE))  # fmt: skip
    if supporters is not None:
        for steps, name in zip(supporters.person_steps, supporter_names, strict=True):
            step = next((s for s in steps if s.name == "supporter_reason"), None)
            if step is not None:
                line = _line(step, param_labels)
                out.append(
                    dataclasses.replace(
                        line, label=f"{name}作为法定义务人", passed=step.value != SUPPORTER_ABLE
                    )
                )
    return out


def explain(
    result: SingleResult,
    *,
    names: Sequence[str] | None = None,
    param_labels: Mapping[str, str] | None = None,
    programmes: Sequence[Programme] = PROGRAMMES,
    supporters: SingleResult | None = None,
    supporter_names: Sequence[str] = (),
) -> list[ProgrammeResult]:
    """One ProgrammeResult per household programme, and per person for person programmes (only those
    persons who qualify; when nobody does, one 不符合 entry that explains each member's outcome). 特困's
    answers also list every statutory supporter with the reason they can or cannot support (`supporters`:
    the supporters elsewhere, judged by rules.supporters)."""
    labels = param_labels or {}
    names = names or [str(p.get("person_id", i + 1)) for i, p in enumerate(result.persons)]
    out: list[ProgrammeResult] = []
    for prog in programmes:
        if prog.level == "household":
            status = int(result.household[prog.status])
            amount = int(result.household[prog.amount]) if prog.amount else 0
            # The members' own steps a household programme lists (deductions, excluded incomes) come first,
            # for each member where they apply (a non-zero amount or a yes), named after the member.
            lines = [
                dataclasses.replace(ln, label=f"{name}：{ln.label}")
                for steps, name in zip(result.person_steps, names, strict=True)
                for ln in _pick(steps, prog.steps, labels)
                if _applies(steps, ln.name)
            ]
            lines += _pick(result.household_steps, prog.steps, labels)
            out.append(ProgrammeResult(prog.code, prog.label, status, amount, prog.period, prog.reference,
                                       lines=lines))  # fmt: skip
            continue
        hits: list[ProgrammeResult] = []
        misses: list[RuleLine] = []
        all_steps = [*result.household_steps]
        for index, (row, steps, name) in enumerate(
            zip(result.persons, result.person_steps, names, strict=True)
        ):
            amount = int(row[prog.amount]) if prog.amount else 0
            status = int(row[prog.status]) if prog.status else (ELIGIBLE if amount > 0 else NOT_ELIGIBLE)
            lines = [
                ln
                for ln in _pick([*steps, *all_steps], prog.steps, labels)
                if ln.name not in SHOWN_WHEN_TRUE or _applies(steps, ln.name)
            ]
            if prog.code in SUPPORTER_PROGRAMMES and status != NOT_ELIGIBLE:
                lines += supporter_lines(result, names, supporters, supporter_names, labels, applicant=index)
            if status != NOT_ELIGIBLE:
                hits.append(ProgrammeResult(prog.code, prog.label, status, amount, prog.period, prog.reference,
                                            person_id=row.get("person_id"), person_name=name, lines=lines))  # fmt: skip
            else:
                misses.extend(
                    RuleLine(
                        ln.name,
                        f"{name}：{ln.label}",
                        ln.formula,
                        ln.inputs,
                        ln.outcome,
                        ln.reference,
                        ln.passed,
                    )
                    for ln in lines
                )
        if hits:
            out.extend(hits)
        else:
            if prog.code in SUPPORTER_PROGRAMMES:
                misses += supporter_lines(result, names, supporters, supporter_names, labels, applicant=None)
            out.append(ProgrammeResult(prog.code, prog.label, NOT_ELIGIBLE, 0, prog.period, prog.reference,
                                       lines=misses))  # fmt: skip
    return out


def summary_text(results: Sequence[ProgrammeResult]) -> str:
    """A plain-text rendering (the `dajiuzhu check --format text` output)."""
    lines: list[str] = []
    for r in results:
        who = f"（{r.person_name}）" if r.person_name else ""
        amount = f"，{r.amount_yuan}元/{r.period}" if r.amount_fen else ""
        lines.append(f"■ {r.label}{who}：{r.status_label}{amount}    依据：{r.reference}")
        for ln in r.lines:
            mark = "✓" if ln.passed is True else "✗" if ln.passed is False else "="
            inputs = "；".join(f"{k}={v}" for k, v in ln.inputs)
            lines.append(f"    {mark} {ln.label}：{ln.outcome}" + (f"（{inputs}）" if inputs else ""))
            if ln.reference:
                lines.append(f"        依据：{ln.reference}")
    return "\n".join(lines)
