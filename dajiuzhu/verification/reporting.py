"""The verification report (核对报告, policy-spec R7.4): per member × source hit / none / error with the
values found, a summary in fen, and a conclusion from documented rules.

Rules (each fired rule is listed in the report with its inputs):
  V_SOURCE_ERROR  a source without a delivery inside its contract's validity window → rules.yaml source_error
  V_INCOME        income found per capita per month ≥ the 低保 standard → INELIGIBLE
  V_FIN_ASSET     financial assets per capita > standard × asset.financial_per_capita_max_months → INELIGIBLE
  V_VEHICLE       an active vehicle → NEEDS_HOME_VISIT; INELIGIBLE when asset.vehicle_hard_fail = 1 and its
                  value exceeds asset.vehicle_value_max
  V_PROPERTY      more dwellings than asset.urban_dwellings_max (urban) / rules.yaml rural_dwellings_max
                  (rural) → NEEDS_HOME_VISIT
  V_BUSINESS      an active market-entity registration → rules.yaml business_registration; registered
                  capital ≥ business_capital_ineligible_yuan → INELIGIBLE
  V_FLAG          a flag listed in rules.yaml flags_needing_visit (death, hukou moved, marriage) → visit
  V_UTILITIES     utilities spending per month ≥ utilities_monthly_visit_yuan → NEEDS_HOME_VISIT
The conclusion is the most severe outcome (INELIGIBLE > NEEDS_HOME_VISIT > ELIGIBLE). It is advisory
(R11.3): a person confirms it after investigation.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Max

from dajiuzhu.core.money import yuan_to_fen
from dajiuzhu.parameters.selectors import parameter_tree
from dajiuzhu.rules.explain import yuan
from dajiuzhu.rules.parameters import ParameterError

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


def source_freshness(contracts: list[SourceContract], *, now: dt.datetime) -> dict[str, dict[str, Any]]:
    """Per source: its last stored delivery and whether it lies inside the validity window."""
    last = dict(
        ExchangeBatch.objects.filter(status=BatchStatus.DONE, source__in=[c.code for c in contracts])
        .values("source")
        .annotate(last=Max("delivered_at"))
        .values_list("source", "last")
    )
    out = {}
    for c in contracts:
        at = last.get(c.code)
        fresh = at is not None and at >= now - dt.timedelta(days=c.validity_days)
        out[c.code] = {"last_delivery": at, "fresh": fresh}
    return out


def _relevant(contract: SourceContract, records: list[dict[str, Any]], on: dt.date) -> list[dict[str, Any]]:
    window = contract.effect.get("window_months")
    if not window:
        return records
    start = _months_before(on, int(window))
    return [r for r in records if r["effective_date"] is None or start < r["effective_date"] <= on]


def report_build(
    *, household: Any, members: list[Any], contracts: list[SourceContract], now: dt.datetime, on: dt.date
) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data. Reads: two queries plus the parameter tree."""
    ids = [m.id_number for m in members]
    freshness = source_freshness(contracts, now=now)
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
            records = _relevant(c, found.get((m.id_number, c.code), []), on)
            payloads = [r["payload"] for r in records]
            if payloads:
                _accumulate(c, m, records, totals, flags)
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
            months = int(effect.get("window_months") or 12)
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


def _param(tree: Any, name: str, on: dt.date, region: str, used: dict[str, Any]) -> Decimal:
    pv = tree.get(name, on=on, region=region)
    used[name] = {"value": str(pv.value), "reference": pv.reference, "unverified": pv.unverified}
    return Decimal(str(pv.value))


def _conclude(
    household: Any, s: dict[str, Any], on: dt.date
) -> tuple[str, list[dict[str, str]], dict[str, Any]]:
    cfg = rules()
    tree = parameter_tree()
    region = household.area_id
    used: dict[str, Any] = {}
    fired: list[dict[str, str]] = []

    def fire(rule: str, outcome: str, label: str, detail: str) -> None:
        fired.append({"rule": rule, "outcome": Conclusion(outcome).value, "label": label, "detail": detail})

    if s["errors"]:
        fire("V_SOURCE_ERROR", cfg.get("source_error", Conclusion.NEEDS_HOME_VISIT), "部分数据源未按时交换，无法完成核对",
             "、".join(s["errors"]))  # fmt: skip
    try:
        kind = "urban" if household.residence_type == "urban" else "rural"
        standard_fen = yuan_to_fen(_param(tree, f"dibao.standard.{kind}", on, region, used))
        if s["income_per_capita_fen"] >= standard_fen:
            fire("V_INCOME", Conclusion.INELIGIBLE, "核对发现的人均月收入不低于低保标准",
                 f"人均 {yuan(s['income_per_capita_fen'])} 元/月 ≥ 标准 {yuan(standard_fen)} 元")  # fmt: skip
        months = _param(tree, "asset.financial_per_capita_max_months", on, region, used)
        cap_fen = int(standard_fen * months)
        if s["financial_assets_per_capita_fen"] > cap_fen:
            fire("V_FIN_ASSET", Conclusion.INELIGIBLE, "人均金融资产超过规定上限",
                 f"人均 {yuan(s['financial_assets_per_capita_fen'])} 元 > {yuan(cap_fen)} 元（{months}个月标准）")  # fmt: skip
        if s["vehicle_count"]:
            hard = _param(tree, "asset.vehicle_hard_fail", on, region, used)
            limit_fen = yuan_to_fen(_param(tree, "asset.vehicle_value_max", on, region, used))
            if hard == 1 and s["vehicle_max_value_fen"] > limit_fen:
                fire("V_VEHICLE", Conclusion.INELIGIBLE, "名下有价值超过豁免上限的机动车",
                     f"最高价值 {yuan(s['vehicle_max_value_fen'])} 元 > {yuan(limit_fen)} 元")  # fmt: skip
            else:
                fire("V_VEHICLE", Conclusion.NEEDS_HOME_VISIT, "名下有机动车，需核实用途和价值",
                     f"{s['vehicle_count']} 辆")  # fmt: skip
        if kind == "urban":
            dwellings_max = int(_param(tree, "asset.urban_dwellings_max", on, region, used))
        else:
            dwellings_max = int(cfg.get("rural_dwellings_max", 1))
        if s["dwelling_count"] > dwellings_max:
            fire("V_PROPERTY", Conclusion.NEEDS_HOME_VISIT, "住宅套数超过规定，需核实",
                 f"{s['dwelling_count']} 套 > {dwellings_max} 套")  # fmt: skip
    except ParameterError as exc:
        fire("V_PARAMETER", Conclusion.NEEDS_HOME_VISIT, "缺少核对所需的政策参数", str(exc))
    if s["business_count"]:
        limit = yuan_to_fen(Decimal(str(cfg.get("business_capital_ineligible_yuan", "500000.00"))))
        if s["business_capital_max_fen"] >= limit:
            fire("V_BUSINESS", Conclusion.INELIGIBLE, "登记有注册资本较大的市场主体",
                 f"注册资本 {yuan(s['business_capital_max_fen'])} 元 ≥ {yuan(limit)} 元")  # fmt: skip
        else:
            fire("V_BUSINESS", cfg.get("business_registration", Conclusion.NEEDS_HOME_VISIT),
                 "登记有存续的企业或个体工商户，需核实经营收入", f"{s['business_count']} 个")  # fmt: skip
    visit_flags = set(cfg.get("flags_needing_visit") or ())
    for flag in s["flags"]:
        if flag["flag"] in visit_flags:
            fire("V_FLAG", Conclusion.NEEDS_HOME_VISIT, flag["label"], flag["person"])
    utilities_limit = yuan_to_fen(Decimal(str(cfg.get("utilities_monthly_visit_yuan", "600.00"))))
    if s["utilities_monthly_fen"] >= utilities_limit:
        fire("V_UTILITIES", Conclusion.NEEDS_HOME_VISIT, "水电燃气消费明显偏高（辅助评估）",
             f"月均 {yuan(s['utilities_monthly_fen'])} 元 ≥ {yuan(utilities_limit)} 元")  # fmt: skip
    conclusion = max(
        (f["outcome"] for f in fired), key=lambda o: SEVERITY[Conclusion(o)], default=Conclusion.ELIGIBLE
    )
    used["rules.yaml"] = {
        "reference": str(cfg.get("reference", "")),
        "unverified": bool(cfg.get("unverified")),
    }
    return str(Conclusion(conclusion).value), fired, used
