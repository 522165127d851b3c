"""Turn raw input (form fields, API bodies, Excel cells; codes or Chinese labels) into typed values.

One cleaner per entity serves the page forms, the API and the bulk import, so a field is judged the
same way everywhere and every message names the field (and the row, when there is one).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db.models import TextChoices

from dajiuzhu.areas.selectors import region_code_known
from dajiuzhu.core import clock, idnumber
from dajiuzhu.core.errors import ErrorReport
from dajiuzhu.core.inputs import PHONE_RE, date_problem, text_problem
from dajiuzhu.core.money import InvalidAmount, parse_yuan
from dajiuzhu.registry.choices import (
    ADL_ITEMS,
    AssetType,
    DataSource,
    DisabilityType,
    Employment,
    ExpenditureType,
    HukouType,
    IncomeType,
    LabourCapacity,
    Relation,
    ResidenceType,
    SchoolStage,
    SupporterRelation,
    SupporterStatus,
    VehicleKind,
)

MAX_AMOUNT = Decimal("100000000")

PERSON_LABELS = {
    "id_number": "身份证号码",
    "name": "姓名",
    "phone": "联系电话",
    "relation": "与户主关系",
    "disability_type": "残疾类别",
    "disability_grade": "残疾等级",
    "labour_capacity": "劳动能力",
    "employment": "就业状况",
    "school_stage": "在读学段",
    "serious_illness": "患重特大疾病",
    "illness_note": "病种",
    "is_deceased": "已死亡",
    **{f: f"生活自理-{label}" for f, label in ADL_ITEMS},
}
HOUSEHOLD_LABELS = {
    "area": "所属村（社区）/网格",
    "address": "住址",
    "residence_type": "城乡类别",
    "hukou_type": "户口性质",
    "note": "备注",
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _free_text(
    value: Any, label: str, report: ErrorReport, row: int | None, *, limit: int, multiline: bool = False
) -> str:
    """Free text as stored: refused (naming the field) with NUL or another control character, and line
    breaks unless `multiline`; cut at `limit`."""
    text = _text(value)
    problem = text_problem(text, multiline=multiline)
    if problem:
        report.add(label, problem, row=row)
        return ""
    return text[:limit]


def clean_choice(
    value: Any,
    choices: type[TextChoices],
    label: str,
    report: ErrorReport,
    row: int | None,
    *,
    required: bool = True,
    default: str | None = None,
) -> str:
    text = _text(value)
    if text == "":
        if default is not None:
            return default
        if required:
            report.add(label, "不能为空", row=row)
        return ""
    for choice_value, choice_label in choices.choices:
        if text == choice_value or text == str(choice_label):
            return str(choice_value)
    allowed = "、".join(str(lbl) for v, lbl in choices.choices if v != "")
    report.add(label, f"“{text}”不是有效选项，可选：{allowed}", row=row)
    return ""


def clean_bool(value: Any, label: str, report: ErrorReport, row: int | None, *, default: bool) -> bool:
    if _blank(value):
        return default
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in {"是", "1", "true", "yes", "y", "有", "能", "on"}:
        return True
    if text in {"否", "0", "false", "no", "n", "无", "不能", "off"}:
        return False
    report.add(label, f"“{value}”应填“是”或“否”", row=row)
    return default


def clean_date(value: Any, label: str, report: ErrorReport, row: int | None) -> dt.date | None:
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        problem = date_problem(day)
        if problem:
            report.add(label, problem, row=row)
            return None
        return day
    text = _text(value).replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    if not text:
        report.add(label, "不能为空", row=row)
        return None
    try:
        parsed = dt.date.fromisoformat(
            text if len(text) != 8 or "-" in text else f"{text[:4]}-{text[4:6]}-{text[6:]}"
        )
    except ValueError:
        report.add(label, f"“{value}”不是有效日期，请写成 2025-01-31", row=row)
        return None
    problem = date_problem(parsed)
    if problem:
        report.add(label, problem, row=row)
        return None
    return parsed


def clean_amount(value: Any, label: str, report: ErrorReport, row: int | None) -> Decimal | None:
    try:
        amount = parse_yuan(value if value is not None else "")
    except InvalidAmount as exc:
        report.add(label, str(exc), row=row)
        return None
    if amount < 0:
        report.add(label, "金额不能为负数", row=row)
        return None
    if amount >= MAX_AMOUNT:
        report.add(label, "金额超出合理范围", row=row)
        return None
    return amount


def clean_id_number(
    value: Any, report: ErrorReport, row: int | None, label: str = "身份证号码"
) -> idnumber.IdInfo | None:
    try:
        return idnumber.parse(_text(value), today=clock.today(), region_known=region_code_known)
    except idnumber.InvalidIdNumber as exc:
        report.add(label, str(exc), row=row)
        return None


def clean_person(
    raw: dict[str, Any], report: ErrorReport, *, row: int | None = None, partial: bool = False
) -> dict[str, Any]:
    """Clean person fields. With partial=True only the keys present in raw are cleaned (edits)."""
    out: dict[str, Any] = {}
    L = PERSON_LABELS

    def has(key: str) -> bool:
        return not partial or key in raw

    if has("id_number"):
        info = clean_id_number(raw.get("id_number"), report, row)
        if info is not None:
            out.update(id_number=info.number, sex=info.sex, birth_date=info.birth_date)
    if has("name"):
        name = _text(raw.get("name"))
        if text_problem(name, multiline=False):
            report.add(L["name"], str(text_problem(name, multiline=False)), row=row)
        elif not name:
            report.add(L["name"], "不能为空", row=row)
        elif len(name) > 50:
            report.add(L["name"], "不能超过50个字", row=row)
        else:
            out["name"] = name
    if has("phone"):
        phone = _text(raw.get("phone")).replace(" ", "")
        if phone and not PHONE_RE.match(phone):
            report.add(L["phone"], f"“{phone}”不是有效的手机号或固定电话", row=row)
        else:
            out["phone"] = phone
    if has("relation"):
        out["relation"] = clean_choice(raw.get("relation"), Relation, L["relation"], report, row)
    if has("disability_type") or has("disability_grade"):
        dtype = clean_choice(
            raw.get("disability_type"), DisabilityType, L["disability_type"], report, row, required=False
        )
        grade_text = _text(raw.get("disability_grade")).replace("级", "")
        grade_map = {"一": "1", "二": "2", "三": "3", "四": "4"}
        grade_text = grade_map.get(grade_text, grade_text)
        grade: int | None = None
        if grade_text:
            if grade_text not in {"1", "2", "3", "4"}:
                report.add(L["disability_grade"], f"“{raw.get('disability_grade')}”应为1至4级", row=row)
            else:
                grade = int(grade_text)
        if dtype and grade is None and grade_text == "":
            report.add(L["disability_grade"], "填写了残疾类别时必须填写残疾等级", row=row)
        if grade is not None and not dtype:
            report.add(L["disability_type"], "填写了残疾等级时必须填写残疾类别", row=row)
        out["disability_type"] = dtype
        out["disability_grade"] = grade
    if has("labour_capacity"):
        out["labour_capacity"] = clean_choice(
            raw.get("labour_capacity"),
            LabourCapacity,
            L["labour_capacity"],
            report,
            row,
            default=LabourCapacity.FULL,
        )
    if has("employment"):
        out["employment"] = clean_choice(
            raw.get("employment"), Employment, L["employment"], report, row, default=Employment.NOT_APPLICABLE
        )
    if has("school_stage"):
        out["school_stage"] = clean_choice(
            raw.get("school_stage"), SchoolStage, L["school_stage"], report, row, required=False
        )
    if has("serious_illness"):
        out["serious_illness"] = clean_bool(
            raw.get("serious_illness"), L["serious_illness"], report, row, default=False
        )
    if has("illness_note"):
        out["illness_note"] = _free_text(raw.get("illness_note"), L["illness_note"], report, row, limit=100)
    if has("is_deceased"):
        # A death recorded here starts the 3-month re-check of the household's assistance (R1.14).
        out["is_deceased"] = clean_bool(raw.get("is_deceased"), L["is_deceased"], report, row, default=False)
    for field, _label in ADL_ITEMS:
        if has(field):
            out[field] = clean_bool(raw.get(field), L[field], report, row, default=True)
    return out


def clean_household(
    raw: dict[str, Any], report: ErrorReport, *, row: int | None = None, partial: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    L = HOUSEHOLD_LABELS

    def has(key: str) -> bool:
        return not partial or key in raw

    if has("address"):
        address = _text(raw.get("address"))
        if text_problem(address, multiline=False):
            report.add(L["address"], str(text_problem(address, multiline=False)), row=row)
        elif not address:
            report.add(L["address"], "不能为空", row=row)
        elif len(address) > 200:
            report.add(L["address"], "不能超过200个字", row=row)
        else:
            out["address"] = address
    if has("residence_type"):
        out["residence_type"] = clean_choice(
            raw.get("residence_type"), ResidenceType, L["residence_type"], report, row
        )
    if has("hukou_type"):
        out["hukou_type"] = clean_choice(raw.get("hukou_type"), HukouType, L["hukou_type"], report, row)
    if has("note"):
        out["note"] = _free_text(raw.get("note"), L["note"], report, row, limit=500, multiline=True)
    return out


def clean_period_record(
    raw: dict[str, Any],
    kind_choices: type[TextChoices],
    kind_field: str,
    kind_label: str,
    report: ErrorReport,
    *,
    row: int | None = None,
) -> dict[str, Any]:
    """Income and expenditure rows: type, amount, period, source."""
    out: dict[str, Any] = {
        kind_field: clean_choice(raw.get(kind_field), kind_choices, kind_label, report, row),
        "amount": clean_amount(raw.get("amount"), "金额（元）", report, row),
        "period_start": clean_date(raw.get("period_start"), "起始日期", report, row),
        "period_end": clean_date(raw.get("period_end"), "截止日期", report, row),
        "source": clean_choice(
            raw.get("source"), DataSource, "来源", report, row, default=DataSource.DECLARED
        ),
        "note": _free_text(raw.get("note"), "说明", report, row, limit=200, multiline=True),
    }
    if out["period_start"] and out["period_end"] and out["period_end"] < out["period_start"]:
        report.add("截止日期", "不能早于起始日期", row=row)
    return out


def clean_income(raw: dict[str, Any], report: ErrorReport, *, row: int | None = None) -> dict[str, Any]:
    return clean_period_record(raw, IncomeType, "income_type", "收入类型", report, row=row)


def clean_expenditure(raw: dict[str, Any], report: ErrorReport, *, row: int | None = None) -> dict[str, Any]:
    return clean_period_record(raw, ExpenditureType, "kind", "支出类型", report, row=row)


def clean_asset(raw: dict[str, Any], report: ErrorReport, *, row: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "asset_type": clean_choice(raw.get("asset_type"), AssetType, "财产类型", report, row),
        "vehicle_kind": clean_choice(
            raw.get("vehicle_kind"), VehicleKind, "车辆类型", report, row, required=False
        ),
        "description": _free_text(raw.get("description"), "描述", report, row, limit=200, multiline=True),
        "value": clean_amount(
            raw.get("value") if not _blank(raw.get("value")) else "0", "价值（元）", report, row
        ),
        "exempt": clean_bool(raw.get("exempt"), "生活生产必需（豁免）", report, row, default=False),
        "source": clean_choice(
            raw.get("source"), DataSource, "来源", report, row, default=DataSource.DECLARED
        ),
    }
    if out["asset_type"] == AssetType.VEHICLE and not out["vehicle_kind"]:
        report.add(
            "车辆类型", "机动车辆应选择车辆类型（私家车、生产经营用车、残疾人代步车、农用车）", row=row
        )
    elif out["asset_type"] and out["asset_type"] != AssetType.VEHICLE and out["vehicle_kind"]:
        report.add("车辆类型", "只有机动车辆填写车辆类型", row=row)
    quantity = raw.get("quantity")
    if _blank(quantity):
        out["quantity"] = None
    else:
        out["quantity"] = clean_amount(quantity, "数量/面积", report, row)
    recorded = raw.get("recorded_on")
    out["recorded_on"] = clock.today() if _blank(recorded) else clean_date(recorded, "登记日期", report, row)
    return out


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SMALL_INT = re.compile(r"[0-9]{1,3}")
_GRADES = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}


def _digits(value: Any) -> str:
    """Text with full-width digits (typed through a Chinese IME) made ASCII."""
    return _text(value).translate(_FULLWIDTH_DIGITS)


def clean_outside_supporter(
    raw: dict[str, Any], report: ErrorReport, *, row: int | None = None
) -> dict[str, Any]:
    """A statutory supporter living elsewhere (S2 art. 8): relation and ID number are required, the birth
    date comes from the ID number; income, assets and household size are for the R2.4 tests."""
    out: dict[str, Any] = {
        "relation": clean_choice(raw.get("relation"), SupporterRelation, "与申请人关系", report, row),
        "name": _free_text(raw.get("name"), "姓名", report, row, limit=50),
        "is_tekun": clean_bool(raw.get("is_tekun"), "为特困人员", report, row, default=False),
        "dibao_recipient": clean_bool(raw.get("dibao_recipient"), "为低保对象", report, row, default=False),
        "status": clean_choice(raw.get("status"), SupporterStatus, "状况", report, row, required=False),
        "disability_type": clean_choice(
            raw.get("disability_type"), DisabilityType, "残疾类别", report, row, required=False
        ),
        "property_note": _free_text(
            raw.get("property_note"), "财产情况", report, row, limit=200, multiline=True
        ),
        "source": clean_choice(
            raw.get("source"), DataSource, "来源", report, row, default=DataSource.DECLARED
        ),
    }
    if not out["name"]:
        report.add("姓名", "不能为空", row=row)
    if _blank(raw.get("id_number")):
        report.add("身份证号码", "不能为空", row=row)
        out["id_number"], out["birth_date"] = "", None
    else:
        info = clean_id_number(raw.get("id_number"), report, row)
        out["id_number"] = info.number if info else ""
        out["birth_date"] = info.birth_date if info else None
    for key, label in (("monthly_income", "本人月收入（元）"), ("financial_assets", "家庭金融资产（元）")):
        value = raw.get(key)
        out[key] = Decimal("0") if _blank(value) else clean_amount(value, label, report, row)
    size = _digits(raw.get("household_size")).removesuffix("人") or "1"
    if not _SMALL_INT.fullmatch(size) or not 1 <= int(size) <= 30:
        report.add("家庭人数", f"“{_text(raw.get('household_size'))}”应为1到30之间的整数", row=row)
        out["household_size"] = 1
    else:
        out["household_size"] = int(size)
    grade_raw = _text(raw.get("disability_grade"))
    grade = _GRADES.get(_digits(grade_raw).removesuffix("级"))
    if grade_raw and grade is None:
        report.add("残疾等级", f"“{grade_raw}”应为1至4级", row=row)
    out["disability_grade"] = grade
    if out["disability_type"] and not grade_raw:
        report.add("残疾等级", "填写了残疾类别时必须填写残疾等级", row=row)
    elif grade is not None and not out["disability_type"] and _blank(raw.get("disability_type")):
        report.add("残疾类别", "填写了残疾等级时必须填写残疾类别", row=row)
    recorded = raw.get("recorded_on")
    out["recorded_on"] = clock.today() if _blank(recorded) else clean_date(recorded, "登记日期", report, row)
    return out
