"""The verification report (核对报告, policy-spec R7.4): per member × source hit / none / error with the
values found, a summary in fen, and a conclusion from documented rules.

The income and asset conclusions are the engine's own rules (dajiuzhu.rules.programmes, read through
the rules package's public RULES / PARAMS / resolve_set), evaluated on what the agencies' data show, so a
report and an assessment can never read a threshold differently. Every other threshold is a dated
parameter of the same tree (verify.*). Rules (each fired rule is listed with the engine rule it applies):
  V_SOURCE_ERROR  a source without a delivery inside its contract's validity window → rules.yaml source_error
  V_INCOME        engine income_test fails (household monthly income found over the engine's income period
                  income.lookback_months ≥ standard × members) → INELIGIBLE
  V_FIN_ASSET     engine financial_ok fails (financial assets > standard × members × the months) → INELIGIBLE
  V_VEHICLE       an active vehicle → NEEDS_HOME_VISIT (the registration does not say what it is used for);
                  INELIGIBLE when the engine's vehicle_flag holds and asset.vehicle_hard_fail = 1
  V_PROPERTY      engine housing_flag (urban: more dwellings than asset.urban_dwellings_max), or for a rural
                  household more than verify.rural_dwellings_max → NEEDS_HOME_VISIT
  V_BUSINESS      an active market-entity registration (engine business_flag) → rules.yaml
                  business_registration; registered capital ≥ verify.business_capital_ineligible → INELIGIBLE
  V_FLAG          a flag listed in rules.yaml flags_needing_visit (death, hukou moved, marriage) → visit
  V_UTILITIES     utilities spending per month ≥ verify.utilities_monthly_visit → NEEDS_HOME_VISIT
  V_PARAMETER     a parameter these rules need is missing or of the wrong unit → NEEDS_HOME_VISIT
The conclusion is the most severe outcome (INELIGIBLE > NEEDS_HOME_VISIT > ELIGIBLE). It is advisory
(R11.3): a person confirms it after investigation.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Max

from dajiuzhu.core.money import yuan_to_fen
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.rules.explain import yuan
from dajiuzhu.rules.expr import Named
from dajiuzhu.rules.inputs import household_defaults
from dajiuzhu.rules.parameters import ParameterError
from dajiuzhu.rules.params import EngineParam, convert_value, resolve_set
from dajiuzhu.rules.programmes import PARAMS, RULES

from .contracts import SourceContract, rules
from .models import BatchStatus, Conclusion, ExchangeBatch, ExchangeRecord

HIT, NONE, ERROR = "hit", "none", "error"
RESULT_LABELS = {HIT: "有记录", NONE: "无记录", ERROR: "异常"}
STALE_MESSAGE = "数据源未按时交换"
SEVERITY = {Conclusion.ELIGIBLE: 0, Conclusion.NEEDS_HOME_VISIT: 1, Conclusion.INELIGIBLE: 2}


def _months_before(on: dt.date, months: int) -> dt.date:
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    day = min(on.day, 28)
    return dt.date(year, month + 1, day)


def _fen(value: Any) -> int:
    if value in (None, ""):
        return 0
    return yuan_to_fen(Decimal(str(value)))


def _div(fen: int, n: int) -> int:
    if n <= 0:
        return 0
    return int((Decimal(fen) / n).to_integral_value(rounding=ROUND_HALF_UP))


def _matches(payload: dict[str, Any], when: dict[str, Any] | None) -> bool:
    return all(payload.get(k) in v for k, v in (when or {}).items())


def source_freshness(
    contracts: list[SourceContract], *, now: dt.datetime, area: Any = None
) -> dict[str, dict[str, Any]]:
    """Per source: its last stored delivery and whether it lies inside the validity window. With `area`,
    only deliveries that could cover it count: uploaded from that area or one above it (an upload stores
    records of its own area only, so another county's delivery says nothing about this household)."""
    batches = ExchangeBatch.objects.filter(status=BatchStatus.DONE, source__in=[c.code for c in contracts])
    if area is not None:
        covering = {area.code} | {
            getattr(area, col) for col in ("province_code", "city_code", "county_code", "township_code",
                                           "village_code") if getattr(area, col, "")
        }  # fmt: skip
        batches = batches.filter(area_id__in=sorted(covering))
    last = dict(batches.values("source").annotate(last=Max("delivered_at")).values_list("source", "last"))
    out = {}
    for c in contracts:
        at = last.get(c.code)
        fresh = at is not None and at >= now - dt.timedelta(days=c.validity_days)
        out[c.code] = {"last_delivery": at, "fresh": fresh}
    return out


LOOKBACK = "income.lookback_months"


def _lookback(household: Any, on: dt.date) -> int | None:
    """The engine's income period (R1.7 `income.lookback_months`) for the household's area, or None when
    it has no value (the report then says so, see _conclude)."""
    try:
        return int(parameter_tree().value(LOOKBACK, on=on, region=household.area_id))
    except (ParameterError, TypeError, ValueError):
        return None


def _window(contract: SourceContract, lookback: int | None) -> int | None:
    """Months of records a source's effect covers: income summed over a window uses the same income
    period as the engine; other averages (medical, utilities) keep their contract's window."""
    effect = contract.effect
    if effect.get("kind") == "income" and effect.get("mode") != "latest_monthly" and lookback:
        return lookback
    window = effect.get("window_months")
    return int(window) if window else None


def _relevant(
    contract: SourceContract, records: list[dict[str, Any]], on: dt.date, lookback: int | None = None
) -> list[dict[str, Any]]:
    window = _window(contract, lookback)
    if not window:
        return records
    start = _months_before(on, int(window))
    return [r for r in records if r["effective_date"] is None or start < r["effective_date"] <= on]


def report_build(
    *, household: Any, members: list[Any], contracts: list[SourceContract], now: dt.datetime, on: dt.date
) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data. Reads: two queries plus the parameter tree."""
    ids = [m.id_number for m in members]
    freshness = source_freshness(contracts, now=now, area=household.area)
    lookback = _lookback(household, on)
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in (
        ExchangeRecord.objects.filter(id_number__in=ids, source__in=[c.code for c in contracts])
        .order_by("effective_date", "id")
        .values("source", "id_number", "payload", "effective_date")
    ):
        found.setdefault((rec["id_number"], rec["source"]), []).append(dict(rec))

    totals: dict[str, Any] = {
        "income_monthly_fen": 0, "financial_assets_fen": 0, "property_count": 0, "dwelling_count": 0,
        "property_area_m2": Decimal(0), "vehicle_count": 0, "vehicle_value_fen": 0, "vehicle_max_value_fen": 0,
        "business_count": 0, "business_capital_max_fen": 0, "medical_expense_monthly_fen": 0,
        "utilities_monthly_fen": 0,
    }  # fmt: skip
    flags: list[dict[str, str]] = []
    member_rows = []
    for m in members:
        results = []
        for c in contracts:
            fresh = freshness[c.code]
            if not fresh["fresh"]:
                last = fresh["last_delivery"]
                detail = f"最近交付：{last:%Y-%m-%d}" if last else "从未交付"
                results.append({
                    "source": c.code, "name": c.name, "result": ERROR, "values": [],
                    "message": f"{STALE_MESSAGE}（{detail}，有效期{c.validity_days}天）",
                })  # fmt: skip
                continue
            records = _relevant(c, found.get((m.id_number, c.code), []), on, lookback)
            payloads = [r["payload"] for r in records]
            if payloads:
                _accumulate(c, m, records, totals, flags, lookback)
            results.append({
                "source": c.code, "name": c.name, "result": HIT if payloads else NONE, "values": payloads,
                "message": "",
            })  # fmt: skip
        member_rows.append({
            "person_id": m.pk, "name": m.name, "id_number": m.id_number, "relation": m.get_relation_display(),
            "results": results,
        })  # fmt: skip

    n = len(members)
    summary = {
        **{k: v for k, v in totals.items() if k != "property_area_m2"},
        "property_area_m2": str(totals["property_area_m2"]),
        "member_count": n,
        "income_per_capita_fen": _div(totals["income_monthly_fen"], n),
        "financial_assets_per_capita_fen": _div(totals["financial_assets_fen"], n),
        "flags": flags,
        "errors": sorted(
            {r["source"] for row in member_rows for r in row["results"] if r["result"] == ERROR}
        ),
    }
    conclusion, fired, parameters = _conclude(household, summary, on)
    return {
        "household": {
            "id": household.pk, "number": household.number, "area_code": household.area_id,
            "area_name": getattr(household.area, "full_name", "") or getattr(household.area, "name", ""),
            "residence_type": household.residence_type,
        },
        "generated_at": now.isoformat(),
        "on": on.isoformat(),
        "sources": [
            {
                "code": c.code, "name": c.name, "provider": c.provider, "meaning": c.meaning,
                "fields": [[f.name, f.label] for f in c.fields],
                "last_delivery": freshness[c.code]["last_delivery"].isoformat()
                if freshness[c.code]["last_delivery"] else None,
                "fresh": freshness[c.code]["fresh"],
            }
            for c in contracts
        ],
        "members": member_rows,
        "summary": summary,
        "conclusion": conclusion,
        "conclusion_label": str(Conclusion(conclusion).label),
        "rules_fired": fired,
        "parameters": parameters,
        "advisory": "核对结论仅供审核参考，须经入户调查和审核确认（最低生活保障审核确认办法 第二十八条）",
    }  # fmt: skip


def _accumulate(
    c: SourceContract,
    member: Any,
    records: list[dict[str, Any]],
    totals: dict[str, Any],
    flags: list[dict[str, str]],
    lookback: int | None = None,
) -> None:
    effect = c.effect
    kind = effect["kind"]
    payloads = [r["payload"] for r in records]
    who = member.name
    if kind == "income":
        chosen = [p for p in payloads if _matches(p, effect.get("only"))]
        if effect.get("mode") == "latest_monthly":
            if chosen:
                totals["income_monthly_fen"] += _fen(chosen[-1].get(effect["field"]))
        else:
            months = _window(c, lookback) or 1
            totals["income_monthly_fen"] += _div(sum(_fen(p.get(effect["field"])) for p in chosen), months)
    elif kind == "financial_asset":
        totals["financial_assets_fen"] += sum(_fen(p.get(effect["field"])) for p in payloads)
    elif kind == "property":
        totals["property_count"] += len(payloads)
        totals["dwelling_count"] += sum(
            1 for p in payloads if p.get(effect["dwelling_field"]) == effect.get("dwelling_value")
        )
        totals["property_area_m2"] += sum(Decimal(str(p.get(effect["area_field"]) or 0)) for p in payloads)
    elif kind == "vehicle":
        active = [p for p in payloads if p.get(effect["status_field"]) in effect["active_values"]]
        totals["vehicle_count"] += len(active)
        values = [_fen(p.get(effect["value_field"])) for p in active]
        totals["vehicle_value_fen"] += sum(values)
        totals["vehicle_max_value_fen"] = max([totals["vehicle_max_value_fen"], *values])
    elif kind == "business":
        active = [p for p in payloads if p.get(effect["status_field"]) in effect["active_values"]]
        totals["business_count"] += len(active)
        capitals = [_fen(p.get("capital_yuan")) for p in active]
        totals["business_capital_max_fen"] = max([totals["business_capital_max_fen"], *capitals])
    elif kind == "expense":
        months = int(effect.get("window_months") or 12)
        totals["medical_expense_monthly_fen"] += _div(
            sum(_fen(p.get(effect["field"])) for p in payloads), months
        )
        flags.append({"flag": effect["flag"], "label": effect["label"], "person": who, "source": c.code})
    elif kind == "spending":
        months = int(effect.get("window_months") or 12)
        totals["utilities_monthly_fen"] += _div(sum(_fen(p.get(effect["field"])) for p in payloads), months)
    elif kind == "flag" and any(_matches(p, effect.get("when")) for p in payloads):
        flags.append({"flag": effect["flag"], "label": effect["label"], "person": who, "source": c.code})


# The engine rules a report applies, by name (household-level rules of dajiuzhu.rules.programmes.RULES).
ENGINE_RULES = ("income_test", "financial_ok", "vehicle_flag", "housing_flag", "business_flag")


@functools.cache
def _engine_rules() -> dict[str, Named]:
    found = {
        item.name: item
        for stage in RULES.stages
        if stage.kind == "household"
        for item in stage.items
        if item.name in ENGINE_RULES
    }
    missing = [name for name in ENGINE_RULES if name not in found]
    if missing:
        raise ParameterError(f"研判规则中没有核对所需的规则：{'、'.join(missing)}")
    return found


def _engine_row(s: dict[str, Any], residence: str) -> dict[str, Any]:
    """The household as the engine's rules read it, from what the agencies' data show. A vehicle
    registration does not say what the vehicle is used for: it is taken as a private car (the strictest
    reading) and the visit finds out the rest."""
    return {
        **household_defaults(),
        "residence": residence,
        "members": s["member_count"],
        "total_income": s["income_monthly_fen"],
        "total_rigid": 0,
        "total_spending": 0,
        "financial_assets_fen": s["financial_assets_fen"],
        "vehicles": s["vehicle_count"],
        "vehicle_value_fen": s["vehicle_max_value_fen"],
        "dwellings": s["dwelling_count"],
        "has_business": s["business_count"] > 0,
    }


def _record(tree: Any, name: str, on: dt.date, region: str, used: dict[str, Any]) -> Any:
    pv = tree.get(name, on=on, region=region)
    used[name] = {"value": str(pv.value), "reference": pv.reference, "unverified": pv.unverified}
    return pv.value


def _fen_param(tree: Any, name: str, on: dt.date, region: str, used: dict[str, Any]) -> int:
    raw = _record(tree, name, on, region, used)
    return convert_value(EngineParam(name, name, "fen"), raw, f"参数 {name}")


def _int_param(tree: Any, name: str, on: dt.date, region: str, used: dict[str, Any]) -> int:
    raw = _record(tree, name, on, region, used)
    return convert_value(EngineParam(name, name, "int"), raw, f"参数 {name}")


def _evaluate_engine(
    s: dict[str, Any], *, tree: Any, on: dt.date, region: str, residence: str, used: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, int]]:
    """The engine rules' values on this household, and the engine parameters; the tree parameters they
    read go into `used` with their reference."""
    params = resolve_set(tree, PARAMS, on=on, region=region, residence=residence)
    row = _engine_row(s, residence)
    trace: list[Any] = []
    try:
        values = {name: rule.evaluate(row, params, trace) for name, rule in _engine_rules().items()}
    except KeyError as exc:
        raise ParameterError(f"研判规则需要核对报告没有的数据：{exc.args[0]}") from exc
    sources = {spec.name: spec.source.format(residence=residence) for spec in PARAMS}
    for step in trace:
        for key in step.inputs:
            if key.startswith("param:") and key[6:] in sources:
                _record(tree, sources[key[6:]], on, region, used)
    return values, params


def _conclude(
    household: Any, s: dict[str, Any], on: dt.date
) -> tuple[str, list[dict[str, str]], dict[str, Any]]:
    cfg = rules()
    tree = parameter_tree()
    region = household.area_id
    used: dict[str, Any] = {}
    fired: list[dict[str, str]] = []
    named = _engine_rules()

    def fire(rule: str, outcome: str, label: str, detail: str, engine: str = "") -> None:
        entry = {"rule": rule, "outcome": Conclusion(outcome).value, "label": label, "detail": detail}
        if engine:
            entry["engine_rule"] = engine
            entry["reference"] = named[engine].reference
        fired.append(entry)

    if s["errors"]:
        fire("V_SOURCE_ERROR", cfg.get("source_error", Conclusion.NEEDS_HOME_VISIT), "部分数据源未按时交换，无法完成核对",
             "、".join(s["errors"]))  # fmt: skip
    kind = "urban" if household.residence_type == "urban" else "rural"
    n = s["member_count"]
    try:
        engine, params = _evaluate_engine(s, tree=tree, on=on, region=region, residence=kind, used=used)
        _int_param(tree, LOOKBACK, on, region, used)  # the income period the income found was summed over
        standard_fen = params["dibao.standard"]
        if not engine["income_test"]:
            fire("V_INCOME", Conclusion.INELIGIBLE, "核对发现的家庭收入不低于低保标准",
                 f"家庭月收入 {yuan(s['income_monthly_fen'])} 元（人均 {yuan(s['income_per_capita_fen'])} 元）"
                 f" ≥ 标准 {yuan(standard_fen)} 元 × {n} 人", "income_test")  # fmt: skip
        if not engine["financial_ok"]:
            months = params["asset.financial_months"]
            fire("V_FIN_ASSET", Conclusion.INELIGIBLE, "金融资产超过规定上限",
                 f"金融资产 {yuan(s['financial_assets_fen'])} 元 > {yuan(standard_fen * n * months)} 元"
                 f"（{months}个月标准 × {n} 人）", "financial_ok")  # fmt: skip
        if s["vehicle_count"]:
            if engine["vehicle_flag"] and params["asset.vehicle_hard"] == 1:
                fire("V_VEHICLE", Conclusion.INELIGIBLE, "名下有不在豁免范围内的机动车",
                     f"{s['vehicle_count']} 辆，最高价值 {yuan(s['vehicle_max_value_fen'])} 元", "vehicle_flag")  # fmt: skip
            else:
                fire("V_VEHICLE", Conclusion.NEEDS_HOME_VISIT, "名下有机动车，需核实用途和价值",
                     f"{s['vehicle_count']} 辆", "vehicle_flag")  # fmt: skip
        if kind == "urban":
            if engine["housing_flag"]:
                fire("V_PROPERTY", Conclusion.NEEDS_HOME_VISIT, "住宅套数超过规定，需核实",
                     f"{s['dwelling_count']} 套 > {params['asset.urban_dwellings_max']} 套", "housing_flag")  # fmt: skip
        else:
            dwellings_max = _int_param(tree, "verify.rural_dwellings_max", on, region, used)
            if s["dwelling_count"] > dwellings_max:
                fire("V_PROPERTY", Conclusion.NEEDS_HOME_VISIT, "住宅套数超过规定，需核实",
                     f"{s['dwelling_count']} 套 > {dwellings_max} 套")  # fmt: skip
        if engine["business_flag"]:
            limit = _fen_param(tree, "verify.business_capital_ineligible", on, region, used)
            if s["business_capital_max_fen"] >= limit:
                fire("V_BUSINESS", Conclusion.INELIGIBLE, "登记有注册资本较大的市场主体",
                     f"注册资本 {yuan(s['business_capital_max_fen'])} 元 ≥ {yuan(limit)} 元", "business_flag")  # fmt: skip
            else:
                fire("V_BUSINESS", cfg.get("business_registration", Conclusion.NEEDS_HOME_VISIT),
                     "登记有存续的企业或个体工商户，需核实经营收入", f"{s['business_count']} 个", "business_flag")  # fmt: skip
        utilities_limit = _fen_param(tree, "verify.utilities_monthly_visit", on, region, used)
        if s["utilities_monthly_fen"] >= utilities_limit:
            fire("V_UTILITIES", Conclusion.NEEDS_HOME_VISIT, "水电燃气消费明显偏高（辅助评估）",
                 f"月均 {yuan(s['utilities_monthly_fen'])} 元 ≥ {yuan(utilities_limit)} 元")  # fmt: skip
    except ParameterError as exc:
        fire("V_PARAMETER", Conclusion.NEEDS_HOME_VISIT, "缺少核对所需的政策参数", str(exc))
    visit_flags = set(cfg.get("flags_needing_visit") or ())
    for flag in s["flags"]:
        if flag["flag"] in visit_flags:
            fire("V_FLAG", Conclusion.NEEDS_HOME_VISIT, flag["label"], flag["person"])
    conclusion = max(
        (f["outcome"] for f in fired), key=lambda o: SEVERITY[Conclusion(o)], default=Conclusion.ELIGIBLE
    )
    used["rules.yaml"] = {
        "reference": str(cfg.get("reference", "")),
        "unverified": bool(cfg.get("unverified")),
    }
    return str(Conclusion(conclusion).value), fired, used
