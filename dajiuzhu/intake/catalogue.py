"""The catalogue file (policy/catalogue.yaml) and the one validator every catalogue edit goes through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from dajiuzhu.core.errors import ErrorReport
from dajiuzhu.intake.models import Level
from dajiuzhu.intake.policy import ITEM_PARAMETERS

CATALOGUE_FILE = Path(settings.BASE_DIR) / "policy" / "catalogue.yaml"

_BOOLS = (
    "needs_investigation",
    "needs_check",
    "needs_opinion",
    "public_notice",
    "publish_after",
    "unverified",
    "is_active",
)
_DAYS = {
    "notice_days": ("公示天数", 0, 30),
    "accept_days": ("受理时限", 0, 60),
    "investigation_days": ("调查时限", 0, 60),
    "check_days": ("核对时限", 0, 60),
    "opinion_days": ("审核意见时限", 0, 60),
    "decision_days": ("审批时限", 0, 60),
    "notify_days": ("送达时限", 0, 60),
    "total_days": ("办结时限", 1, 120),
    "total_days_delegated": ("下放后办结时限", 1, 120),
    "total_days_extended": ("延长后办结时限", 1, 180),
    "sampling_percent": ("县级抽查比例", 0, 100),
    "sort": ("排序", 0, 9999),
}
_TEXT = {"name": ("事项名称", 100, True), "category": ("类别", 30, False), "reference": ("政策依据", 300, False),
         "programme": ("对应研判项目", 40, False)}  # fmt: skip
_LEVEL_LABELS = {
    "受理层级": ("accept_level", set(Level.values)),
    "审批层级": ("decide_level", {"township", "county", "department"}),
}


def item_validate(data: dict[str, Any], *, row: int | None = None) -> dict[str, Any]:
    """Clean one item's fields; every problem is reported with the field's Chinese name."""
    from dajiuzhu.rules.programmes import PROGRAMMES

    report = ErrorReport()
    clean: dict[str, Any] = {}
    for key, (label, limit, required) in _TEXT.items():
        if key in data:
            value = str(data[key] or "").strip()
            if required and not value:
                report.add(label, "不能为空", row=row)
            elif len(value) > limit:
                report.add(label, f"不能超过{limit}个字", row=row)
            clean[key] = value
    if clean.get("programme") and clean["programme"] not in {p.code for p in PROGRAMMES}:
        report.add("对应研判项目", f"未知的研判项目「{clean['programme']}」", row=row)
    for label, (key, allowed) in _LEVEL_LABELS.items():
        if key in data:
            value = str(data[key] or "").strip()
            if value not in allowed:
                report.add(label, "应为 village/township/county/department 之一", row=row)
            clean[key] = value
    for key in _BOOLS:
        if key in data:
            raw = data[key]
            clean[key] = (
                raw.strip().lower() in ("1", "true", "on", "yes", "是") if isinstance(raw, str) else bool(raw)
            )
    for key, (label, low, high) in _DAYS.items():
        if key in data:
            if key in ITEM_PARAMETERS and (data[key] is None or str(data[key]).strip() == ""):
                clean[key] = None  # the dated parameter applies (intake.policy.ITEM_PARAMETERS)
                continue
            try:
                number = int(str(data[key]).strip())
            except (TypeError, ValueError):
                report.add(label, "应为整数", row=row)
                continue
            if not low <= number <= high:
                report.add(label, f"应在{low}到{high}之间", row=row)
            clean[key] = number
    if "materials" in data:
        clean["materials"] = _materials(data["materials"], report, row)
    if clean.get("total_days_extended", 999) < (clean.get("total_days") or 0):
        report.add("延长后办结时限", "不能短于办结时限", row=row)
    report.raise_if_any("事项配置有误，请检查标出的字段")
    return clean


def _materials(value: Any, report: ErrorReport, row: int | None) -> list[dict[str, Any]]:
    """Materials as a list of {name, platform}; a text box gives one per line, "（平台获取）" marks the
    ones fetched by data sharing."""
    if isinstance(value, str):
        items: list[Any] = [line for line in value.splitlines() if line.strip()]
    else:
        items = list(value or [])
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in items:
        if isinstance(entry, dict):
            name, platform = str(entry.get("name", "")).strip(), bool(entry.get("platform"))
        else:
            text = str(entry).strip()
            platform = text.endswith("（平台获取）")
            name = text.removesuffix("（平台获取）").strip()
        if not name or len(name) > 60:
            report.add("申请材料", f"材料名称不能为空且不超过60字：{name[:20]}", row=row)
            continue
        if name in seen:
            report.add("申请材料", f"材料重复：{name}", row=row)
            continue
        seen.add(name)
        out.append({"name": name, "platform": platform})
    return out


def catalogue_file_items(path: Path | None = None) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    source = Path(path or CATALOGUE_FILE)
    doc = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    departments = [(str(d["code"]), str(d["name"])) for d in doc.get("departments", [])]
    known = {code for code, _ in departments}
    items = []
    report = ErrorReport()
    for i, raw in enumerate(doc.get("items", []), start=1):
        if raw.get("department") not in known:
            report.add("主管部门", f"{source.name} 第{i}项：未列出的部门「{raw.get('department')}」")
            continue
        data = {k: v for k, v in raw.items() if k not in ("code", "department")}
        clean = item_validate(data, row=i)
        items.append({"code": str(raw["code"]), "department": raw["department"], "sort": i, **clean})
    report.raise_if_any(f"{source.name} 有误")
    return departments, items
