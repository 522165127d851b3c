"""A household described in a JSON/YAML case file, assessed with no database.

This is what `dajiuzhu check FILE.json` and the scenario tests (policy/scenarios/*.yaml) run. The
schema is documented in policy/examples/README.md; money is in yuan (at most two decimals), monthly
unless the field says otherwise. Every error names the field in Chinese and in its JSON path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dajiuzhu.areas.divisions import county_code_known
from dajiuzhu.core import idnumber
from dajiuzhu.core.money import InvalidAmount, parse_yuan, yuan_to_fen
from dajiuzhu.rules.engine import SingleResult, assess_one
from dajiuzhu.rules.explain import ProgrammeResult, explain, yuan
from dajiuzhu.rules.inputs import (
    EXCLUDED_INCOME_COLUMNS,
    EXPENDITURE_COLUMNS,
    INCOME_COLUMNS,
    LOCAL_EXCLUDABLE,
    PERSON_LABELS,
    VEHICLE_COLUMNS,
    VEHICLE_KINDS,
    household_defaults,
    person_defaults,
)
from dajiuzhu.rules.parameters import ParameterError, ParameterTree
from dajiuzhu.rules.params import convert_value, is_relative, resolve_set
from dajiuzhu.rules.programmes import PARAMS, RULES
from dajiuzhu.rules.supporters import RELATIONS, assess_supporters_one, supporter_defaults

MAX_AGE = 130
MAX_MEMBERS = 30
RESIDENCE_WORDS = {"urban": "urban", "城市": "urban", "城镇": "urban", "rural": "rural", "农村": "rural"}
SEX_WORDS = {"M": "M", "男": "M", "F": "F", "女": "F"}
CAPACITY_WORDS = {
    "full": "full", "有劳动能力": "full", "partial": "partial", "部分丧失劳动能力": "partial",
    "none": "none", "无劳动能力": "none",
}  # fmt: skip
DISABILITY_WORDS = {
    "": "", "无": "", "visual": "visual", "视力": "visual", "hearing": "hearing", "听力": "hearing",
    "speech": "speech", "言语": "speech", "physical": "physical", "肢体": "physical",
    "intellectual": "intellectual", "智力": "intellectual", "mental": "mental", "精神": "mental",
    "multiple": "multiple", "多重": "multiple",
}  # fmt: skip
TA_WORDS = {
    "": "",
    "emergency": "emergency",
    "急难型": "emergency",
    "expenditure": "expenditure",
    "支出型": "expenditure",
}
SCHOOL_WORDS = {
    "": "", "无": "", "非在校": "", "preschool": "preschool", "学前": "preschool", "primary": "primary",
    "小学": "primary", "junior": "junior", "初中": "junior", "senior": "senior", "高中": "senior",
    "普通高中": "senior", "vocational": "vocational", "中职": "vocational", "中等职业学校": "vocational",
    "college": "college", "大专": "college", "bachelor": "bachelor", "本科": "bachelor",
    "graduate": "graduate", "研究生": "graduate",
}  # fmt: skip
# Case key → (engine column, label without the unit: the case is monthly by definition).
INCOME_FIELDS = {k: (c, PERSON_LABELS[c].removesuffix("（月）")) for k, c in INCOME_COLUMNS.items()}
EXPENDITURE_FIELDS = {
    k: (c, PERSON_LABELS[c].removesuffix("（月）"))
    for k, c in EXPENDITURE_COLUMNS.items()
    if k != "transfer_out"  # a member's `transfer_spending`, not a rigid expenditure
}
EXCLUDED_FIELDS = {
    k: (c, PERSON_LABELS[c].removesuffix("（月）")) for k, c in EXCLUDED_INCOME_COLUMNS.items()
}
VEHICLE_WORDS = {**{k: k for k in VEHICLE_KINDS}, **{label: k for k, label in VEHICLE_KINDS.items()},
                 "生产用车": "production", "残疾人代步车": "disability"}  # fmt: skip
VEHICLE_KEYS = {"kind", "value", "description"}
MEMBER_KEYS = {
    "name", "age", "birth_date", "id_number", "sex", "relation", "counted", "disability", "adl_fails",
    "labour_capacity", "student", "serious_illness", "carer", "in_institution", "parents_absent",
    "parents_unable", "chooses_child_allowance", "school_stage", "tekun_current", "income", "labour_override",
    "expenditure", "medical_oop_year",
    "transfer_spending", "excluded_income", "clergy_venue_years", "single_local_route",
}  # fmt: skip
HOUSEHOLD_KEYS = {
    "financial_assets", "vehicles", "vehicle_value", "dwellings", "has_business",
    "dibao_current", "dibao_taper_used", "dibao_last_amount", "temporary_assistance",
}  # fmt: skip
TOP_KEYS = {
    "date", "region", "residence", "parameters", "household", "members", "supporters", "name", "description",
}  # fmt: skip
SUPPORTER_KEYS = {
    "name", "relation", "id_number", "tekun", "dibao", "income", "financial_assets", "household_size",
    "disability", "status",
}  # fmt: skip
SUPPORTER_RELATION_WORDS = {
    **{k: k for k in RELATIONS}, "配偶": "spouse", "子女": "child", "儿子": "child", "女儿": "child",
    "父母": "parent", "父亲": "parent", "母亲": "parent", "孙子女": "grandchild", "外孙子女": "grandchild",
    "祖父母": "grandparent", "外祖父母": "grandparent", "兄弟姐妹": "sibling",
}  # fmt: skip
SUPPORTER_STATUS_WORDS = {
    "": "", "无": "", "no_civil_capacity": "no_civil_capacity", "无民事行为能力": "no_civil_capacity",
    "missing": "missing", "宣告失踪": "missing", "被宣告失踪": "missing", "in_prison": "in_prison",
    "服刑": "in_prison", "在监狱服刑": "in_prison",
}  # fmt: skip


class CaseError(ValueError):
    """A case file that cannot be assessed; errors are (JSON path, Chinese message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("；".join(f"{path}：{msg}" for path, msg in errors))


def rule_age(birth: dt.date, on: dt.date) -> int:
    """Age for eligibility conditions (policy-spec R10.6): full years on the assessment date, the birthday
    itself counted."""
    return idnumber.age_on(birth, on)


def birthday_this_month(birth: dt.date, on: dt.date) -> int:
    """0 no birthday in the month of `on`; 1 it was on or before `on`; 2 it is still to come. The engine
    derives from it the age an age-tied payment uses for the month (programmes.pay_age, age.start_rule).
    Computed from ages, so a 29 February birthday follows the same convention as `age_on`."""
    month_start = on.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    age = idnumber.age_on(birth, on)
    if age > idnumber.age_on(birth, month_start - dt.timedelta(days=1)):
        return 1
    if idnumber.age_on(birth, month_end) > age:
        return 2
    return 0


@dataclass
class Case:
    on: dt.date
    region: str
    residence: str
    overrides: dict[str, Any]
    household: dict[str, Any]
    persons: list[dict[str, Any]]
    names: list[str] = field(default_factory=list)
    # (JSON path, code) of each local excluded-income item: checked against income.excluded_local in force
    local_items: list[tuple[str, str]] = field(default_factory=list)
    # statutory supporters living elsewhere (rules.supporters.SUPPORTER_COLUMNS) and their shown names
    supporters: list[dict[str, Any]] = field(default_factory=list)
    supporter_names: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def fen(self, raw: Any, path: str, label: str, *, allow_negative: bool = False) -> int:
        try:
            value = parse_yuan(raw)
        except InvalidAmount as exc:
            self.fail(path, f"{label}：{exc}")
            return 0
        if value < 0 and not allow_negative:
            self.fail(path, f"{label}不能为负数")
            return 0
        return yuan_to_fen(value)

    def integer(self, raw: Any, path: str, label: str, low: int, high: int) -> int:
        if (
            isinstance(raw, bool)
            or not isinstance(raw, int | str)
            or not str(raw).strip().lstrip("-").isdigit()
        ):
            self.fail(path, f"{label}应为整数，收到“{raw}”")
            return low
        value = int(raw)
        if not low <= value <= high:
            self.fail(path, f"{label}应在{low}到{high}之间，收到{value}")
            return low
        return value

    def boolean(self, raw: Any, path: str, label: str) -> bool:
        if isinstance(raw, bool):
            return raw
        if raw in ("是", "true", "True", 1, "1"):
            return True
        if raw in ("否", "false", "False", 0, "0", ""):
            return False
        self.fail(path, f"{label}应为 true/false（是/否），收到“{raw}”")
        return False

    def choice(self, raw: Any, words: dict[str, str], path: str, label: str) -> str:
        key = str(raw).strip() if raw is not None else ""
        if key not in words:
            self.fail(path, f"{label}“{raw}”无效，可选：{'、'.join(k for k in words if k)}")
            return next(iter(words.values()))
        return words[key]

    def unknown(self, data: dict[str, Any], allowed: set[str], path: str) -> None:
        for key in data:
            if key not in allowed:
                self.fail(f"{path}{key}", f"未知字段“{key}”")


def parse_case(data: Any, *, today: dt.date | None = None) -> Case:
    """Validate a case mapping and convert it to engine inputs. Raises CaseError listing every problem."""
    r = _Reader()
    if not isinstance(data, dict):
        raise CaseError([("", "案例文件顶层应为一个对象（{…}）")])
    r.unknown(data, TOP_KEYS, "")
    on = today
    if "date" in data:
        try:
            on = dt.date.fromisoformat(str(data["date"]))
        except ValueError:
            r.fail("date", f"评估日期“{data['date']}”不是有效日期（应为 YYYY-MM-DD）")
            on = None
    elif on is None:
        r.fail("date", "案例缺少评估日期（date: YYYY-MM-DD）")
    if on is None:  # refused below; the rest is still checked so that every error is reported at once
        on = dt.date.max
    region = str(data.get("region", "")).strip()
    if not region.isdigit() or len(region) not in (2, 4, 6, 9, 12):
        r.fail("region", f"区划代码“{region}”无效，应为2、4、6、9或12位数字（如 371424 临邑县）")
    residence = r.choice(data.get("residence", ""), RESIDENCE_WORDS, "residence", "城乡类别")
    overrides = data.get("parameters") or {}
    if not isinstance(overrides, dict):
        r.fail("parameters", "参数覆盖应为“参数名: 取值”的对象")
        overrides = {}

    hh_in = data.get("household") or {}
    if not isinstance(hh_in, dict):
        r.fail("household", "household 应为对象")
        hh_in = {}
    r.unknown(hh_in, HOUSEHOLD_KEYS, "household.")
    household: dict[str, Any] = {
        "household_id": 1,
        "param_key": 0,
        "residence": residence,
        **household_defaults(),
    }
    if "financial_assets" in hh_in:
        household["financial_assets_fen"] = r.fen(
            hh_in["financial_assets"], "household.financial_assets", "金融资产"
        )
    if isinstance(hh_in.get("vehicles"), list):
        # One object per vehicle: {kind, value}; per kind the engine gets the count and the highest value.
        if "vehicle_value" in hh_in:
            r.fail("household.vehicle_value", "已逐辆填写 vehicles 时不再填写 vehicle_value")
        for j, vehicle in enumerate(hh_in["vehicles"][:50]):
            vpath = f"household.vehicles[{j}]"
            if not isinstance(vehicle, dict):
                r.fail(vpath, f"第{j + 1}辆车应为 {{kind, value}} 对象")
                continue
            r.unknown(vehicle, VEHICLE_KEYS, vpath + ".")
            kind = r.choice(vehicle.get("kind", ""), VEHICLE_WORDS, vpath + ".kind", f"第{j + 1}辆车的类型")
            value = r.fen(vehicle.get("value", "0"), vpath + ".value", f"第{j + 1}辆车的价值")
            count_col, value_col = VEHICLE_COLUMNS[kind]
            household[count_col] += 1
            household[value_col] = max(household[value_col], value)
    elif "vehicles" in hh_in:
        household["vehicles"] = r.integer(hh_in["vehicles"], "household.vehicles", "私家车数", 0, 50)
    if "vehicle_value" in hh_in and not isinstance(hh_in.get("vehicles"), list):
        household["vehicle_value_fen"] = r.fen(
            hh_in["vehicle_value"], "household.vehicle_value", "机动车价值"
        )
    if "dwellings" in hh_in:
        household["dwellings"] = r.integer(hh_in["dwellings"], "household.dwellings", "住房套数", 0, 100)
    for key, label in (("has_business", "成员有工商登记"), ("external_supporter_able", "户外义务人有履行能力"),
                       ("dibao_current", "现为低保户")):  # fmt: skip
        if key in hh_in:
            household[key] = r.boolean(hh_in[key], f"household.{key}", label)
    if "dibao_taper_used" in hh_in:
        household["dibao_taper_used"] = r.integer(
            hh_in["dibao_taper_used"], "household.dibao_taper_used", "已享受渐退月数", 0, 120
        )
    if "dibao_last_amount" in hh_in:
        household["dibao_last_amount_fen"] = r.fen(
            hh_in["dibao_last_amount"], "household.dibao_last_amount", "现低保月金额"
        )
    ta = hh_in.get("temporary_assistance")
    if ta is not None:
        if not isinstance(ta, dict):
            r.fail("household.temporary_assistance", "临时救助应为 {type, tier} 对象")
        else:
            household["ta_type"] = r.choice(
                ta.get("type", ""), TA_WORDS, "household.temporary_assistance.type", "临时救助类型"
            )
            household["ta_tier"] = r.integer(
                ta.get("tier", 1), "household.temporary_assistance.tier", "临时救助档次", 1, 3
            )

    members_in = data.get("members")
    persons: list[dict[str, Any]] = []
    names: list[str] = []
    local_items: list[tuple[str, str]] = []
    if not isinstance(members_in, list) or not members_in:
        r.fail("members", "members 应为至少包含一名成员的列表")
        members_in = []
    if len(members_in) > MAX_MEMBERS:
        r.fail("members", f"成员不能超过{MAX_MEMBERS}人")
        members_in = members_in[:MAX_MEMBERS]
    for i, m in enumerate(members_in):
        path = f"members[{i}]."
        who = f"第{i + 1}名成员"
        if not isinstance(m, dict):
            r.fail(f"members[{i}]", f"{who}应为对象")
            continue
        r.unknown(m, MEMBER_KEYS, path)
        row: dict[str, Any] = {"household_id": 1, "person_id": i + 1, "param_key": 0, **person_defaults()}
        names.append(str(m.get("name") or who))
        sex = m.get("sex")
        age: int | None = None
        if "id_number" in m:
            try:
                info = idnumber.parse(str(m["id_number"]), today=on, region_known=county_code_known)
            except idnumber.InvalidIdNumber as exc:
                r.fail(path + "id_number", f"{who}的身份证号码：{exc}")
            else:
                age = rule_age(info.birth_date, on)
                row["birthday_this_month"] = birthday_this_month(info.birth_date, on)
                sex = sex or info.sex
        if "birth_date" in m:
            try:
                birth = dt.date.fromisoformat(str(m["birth_date"]))
            except ValueError:
                r.fail(path + "birth_date", f"{who}的出生日期“{m['birth_date']}”不是有效日期")
            else:
                if birth > on:
                    r.fail(path + "birth_date", f"{who}的出生日期晚于评估日期")
                age = rule_age(birth, on)
                row["birthday_this_month"] = birthday_this_month(birth, on)
        if "age" in m:
            age = r.integer(m["age"], path + "age", f"{who}的年龄", 0, MAX_AGE)
        if age is None:
            r.fail(path + "age", f"{who}缺少年龄（age、birth_date 或 id_number 三者之一）")
            age = 0
        elif age > MAX_AGE:
            r.fail(path + "age", f"{who}的年龄{age}岁超出合理范围（0–{MAX_AGE}）")
        row["age"] = age
        row["sex"] = r.choice(sex or "", SEX_WORDS, path + "sex", f"{who}的性别")
        if "relation" in m:
            row["relation"] = str(m["relation"])
        for key, col, label in (("counted", "counted", "计入家庭成员"), ("student", "is_student", "在校学生"),
                                ("serious_illness", "serious_illness", "患重特大疾病"), ("carer", "is_carer", "全职照料"),
                                ("in_institution", "in_institution", "集中供养"),
                                ("tekun_current", "tekun_current", "现为特困供养人员"),
                                ("chooses_child_allowance", "chooses_child_allowance", "选择儿童基本生活费")):  # fmt: skip
            if key in m:
                row[col] = r.boolean(m[key], path + key, f"{who}的{label}")
        if "school_stage" in m:
            row["school_stage"] = r.choice(
                m["school_stage"], SCHOOL_WORDS, path + "school_stage", f"{who}的在读学段"
            )
            if "student" not in m:
                row["is_student"] = row["school_stage"] != ""
        if "labour_capacity" in m:
            row["labour_capacity"] = r.choice(
                m["labour_capacity"], CAPACITY_WORDS, path + "labour_capacity", f"{who}的劳动能力"
            )
        _disability(r, m.get("disability"), path, who, row, both=True)
        if "adl_fails" in m:
            row["adl_fails"] = r.integer(
                m["adl_fails"], path + "adl_fails", f"{who}不能完成的日常生活活动项数", 0, 6
            )
        for key, label in (
            ("parents_absent", "父母死亡或失踪人数"),
            ("parents_unable", "父母不能履行抚养义务人数"),
        ):
            if key in m:
                row[key] = r.integer(m[key], path + key, f"{who}的{label}", 0, 2)
        if row["parents_absent"] + row["parents_unable"] > 2:
            r.fail(path + "parents_unable", f"{who}的父母情况合计不能超过2人")
        for group, fields, kind in (
            ("income", INCOME_FIELDS, "收入"),
            ("expenditure", EXPENDITURE_FIELDS, "支出"),
        ):
            values = m.get(group) or {}
            if not isinstance(values, dict):
                r.fail(path + group, f"{who}的{kind}应为对象")
                continue
            for key, raw in values.items():
                if key not in fields:
                    r.fail(f"{path}{group}.{key}", f"未知{kind}类型“{key}”，可选：{'、'.join(fields)}")
                    continue
                col, label = fields[key]
                row[col] = r.fen(raw, f"{path}{group}.{key}", f"{who}的{label}")
        if "transfer_spending" in m:
            row["transfer_spending_fen"] = r.fen(
                m["transfer_spending"], path + "transfer_spending", f"{who}的转移性支出"
            )
        excluded = m.get("excluded_income") or {}
        if not isinstance(excluded, dict):
            r.fail(path + "excluded_income", f"{who}的不计入收入应为对象（类型: 金额）")
            excluded = {}
        for key, raw in excluded.items():
            epath = f"{path}excluded_income.{key}"
            if key in EXCLUDED_FIELDS:
                col, label = EXCLUDED_FIELDS[key]
                row[col] = r.fen(raw, epath, f"{who}的{label}")
            elif key in LOCAL_EXCLUDABLE:
                row["excluded_local_fen"] += r.fen(raw, epath, f"{who}的{LOCAL_EXCLUDABLE[key]}")
                local_items.append((epath, key))
            else:
                choices = "、".join([*EXCLUDED_FIELDS, *LOCAL_EXCLUDABLE])
                r.fail(epath, f"{who}的不计入收入类型“{key}”不存在，可选：{choices}")
        if "clergy_venue_years" in m:
            row["clergy_venue_years"] = r.integer(
                m["clergy_venue_years"], path + "clergy_venue_years", f"{who}在宗教活动场所居住年数", 0, 100
            )
        if "single_local_route" in m:
            row["single_local_route"] = r.boolean(
                m["single_local_route"], path + "single_local_route", f"{who}属本地规定的其他单人户情形"
            )
        if m.get("labour_override") is not None:
            row["labour_override_fen"] = r.fen(
                m["labour_override"], path + "labour_override", f"{who}的认定折算收入"
            )
        if "medical_oop_year" in m:
            row["medical_oop_year_fen"] = r.fen(
                m["medical_oop_year"], path + "medical_oop_year", f"{who}的年度医疗自付"
            )
        persons.append(row)
    if "external_supporter_able" in hh_in:
        r.fail(
            "household.external_supporter_able",
            "不再接受“户外义务人有履行能力”的是/否填写：请在 supporters 中逐人填写户外法定义务人"
            "（特困人员认定办法 第八条）",
        )
    member_ids = {str(m.get("id_number", "")).strip().upper() for m in members_in if isinstance(m, dict)}
    supporters, supporter_names = _parse_supporters(r, data.get("supporters"), on, member_ids - {""})
    if r.errors:
        raise CaseError(r.errors)
    return Case(on=on, region=region, residence=residence, overrides=overrides, household=household,
                persons=persons, names=names, local_items=local_items, supporters=supporters,
                supporter_names=supporter_names)  # fmt: skip


def _parse_supporters(
    r: _Reader, raw: Any, on: dt.date, member_ids: set[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Statutory supporters living elsewhere (S2 art. 8): relation and ID number are required; the age
    comes from the ID number. A co-resident member is judged from the member's own data instead."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        r.fail("supporters", "supporters 应为户外法定义务人的列表")
        return [], []
    rows: list[dict[str, Any]] = []
    names: list[str] = []
    seen: set[str] = set()
    for i, s in enumerate(raw[:MAX_MEMBERS]):
        path = f"supporters[{i}]."
        who = f"第{i + 1}名户外义务人"
        if not isinstance(s, dict):
            r.fail(f"supporters[{i}]", f"{who}应为对象")
            continue
        r.unknown(s, SUPPORTER_KEYS, path)
        row: dict[str, Any] = {"household_id": 1, "person_id": i + 1, "param_key": 0, "age": 0,
                               **supporter_defaults()}  # fmt: skip
        if not str(s.get("relation") or "").strip():
            r.fail(path + "relation", f"{who}缺少与申请人的关系（relation，如 子女、配偶、父母）")
            relation = ""
        else:
            relation = r.choice(
                s["relation"], SUPPORTER_RELATION_WORDS, path + "relation", f"{who}与申请人的关系"
            )
        number = str(s.get("id_number") or "").strip().upper()
        if not number:
            r.fail(path + "id_number", f"{who}缺少身份证号码（id_number）")
        else:
            try:
                info = idnumber.parse(number, today=on, region_known=county_code_known)
            except idnumber.InvalidIdNumber as exc:
                r.fail(path + "id_number", f"{who}的身份证号码：{exc}")
            else:
                number = info.number
                row["age"] = rule_age(info.birth_date, on)
                if number in member_ids:
                    r.fail(
                        path + "id_number",
                        f"{who}是共同生活家庭成员，按成员信息认定，不要在 supporters 中重复填写",
                    )
                if number in seen:
                    r.fail(path + "id_number", f"{who}的身份证号码与前面的义务人重复")
                seen.add(number)
        for key, col, label in (
            ("tekun", "is_tekun", "为特困人员"),
            ("dibao", "dibao_recipient", "为低保对象"),
        ):
            if key in s:
                row[col] = r.boolean(s[key], path + key, f"{who}{label}")
        if "income" in s:
            row["income_fen"] = r.fen(s["income"], path + "income", f"{who}的本人月收入")
        if "financial_assets" in s:
            row["financial_assets_fen"] = r.fen(
                s["financial_assets"], path + "financial_assets", f"{who}的家庭金融资产"
            )
        if "household_size" in s:
            row["household_size"] = r.integer(
                s["household_size"], path + "household_size", f"{who}的家庭人数", 1, MAX_MEMBERS
            )
        if "status" in s:
            row["incapacity"] = r.choice(s["status"], SUPPORTER_STATUS_WORDS, path + "status", f"{who}的状况")
        _disability(r, s.get("disability"), path, who, row, both=False)
        rows.append(row)
        label = RELATIONS.get(relation, relation)
        names.append(f"{s.get('name') or who}（{label}，户外）")
    if len(raw) > MAX_MEMBERS:
        r.fail("supporters", f"户外义务人不能超过{MAX_MEMBERS}人")
    return rows, names


def case_params(case: Case, tree: ParameterTree) -> dict[str, int]:
    known = {spec.name for spec in PARAMS} | set(tree.parameters)
    unknown = [key for key in case.overrides if key not in known]
    if unknown:
        raise CaseError([(f"parameters.{key}", f"未知参数“{key}”") for key in unknown])
    bad_units = _override_unit_errors(case, tree)
    if bad_units:
        raise CaseError(bad_units)
    try:
        params = resolve_set(tree, PARAMS, on=case.on, region=case.region, residence=case.residence,
                             overrides=case.overrides)  # fmt: skip
        listed = local_exclusions(tree, on=case.on, region=case.region, overrides=case.overrides)
    except ParameterError as exc:
        raise CaseError([("parameters", str(exc))]) from exc
    not_listed = [
        (path, f"“{code}”（{LOCAL_EXCLUDABLE[code]}）在{case.on.isoformat()}不是当地规定的不计入收入项目"
               f"（参数 {LOCAL_EXCLUSIONS}），应计入其他收入（income.other）")
        for path, code in case.local_items
        if code not in listed
    ]  # fmt: skip
    if not_listed:
        raise CaseError(not_listed)
    return params


def _override_unit_errors(case: Case, tree: ParameterTree) -> list[tuple[str, str]]:
    """(path, message) for every override whose value has the wrong unit for its engine parameter (a
    fraction of a fen, a fractional age, a switch other than 1/0, a word outside the choices)."""
    errors = []
    for key, raw in case.overrides.items():
        if is_relative(raw):
            continue
        for spec in PARAMS:
            sources = {spec.source.format(residence=r) for r in ("urban", "rural")}
            if key != spec.name and key not in sources:
                continue
            unit = tree.parameters[key].unit if key in tree.parameters else ""
            try:
                convert_value(spec, raw, f"参数 {key}{f'（单位：{unit}）' if unit else ''}")
            except ParameterError as exc:
                errors.append((f"parameters.{key}", str(exc)))
            break
    return errors


LOCAL_EXCLUSIONS = "income.excluded_local"


def parse_local_exclusions(raw: Any, where: str) -> frozenset[str]:
    """The dated list income.excluded_local ("disability_allowances,price_subsidy"; "none" for none) as
    codes of LOCAL_EXCLUDABLE; an unknown code is a ParameterError naming it."""
    words = [w for w in str(raw or "").replace("，", ",").replace("、", ",").split(",") if w.strip()]
    codes = {w.strip() for w in words} - {"none", "无"}
    unknown = sorted(codes - set(LOCAL_EXCLUDABLE))
    if unknown:
        raise ParameterError(
            f"{where}：不计入收入项目“{'、'.join(unknown)}”不存在，可选：{'、'.join(LOCAL_EXCLUDABLE)}"
        )
    return frozenset(codes)


def local_exclusions(
    tree: ParameterTree, *, on: dt.date, region: str, overrides: dict[str, Any] | None = None
) -> frozenset[str]:
    """The local excluded-income items in force for a region on a date (S1 art. 13 para. 2 item 4)."""
    overrides = overrides or {}
    raw = (
        overrides[LOCAL_EXCLUSIONS]
        if LOCAL_EXCLUSIONS in overrides
        else tree.value(LOCAL_EXCLUSIONS, on=on, region=region)
    )
    return parse_local_exclusions(raw, f"参数 {LOCAL_EXCLUSIONS}")


@dataclass
class CaseOutcome:
    case: Case
    params: dict[str, int]
    result: SingleResult
    programmes: list[ProgrammeResult]
    supporters: SingleResult | None = None  # the supporters elsewhere, judged (rules.supporters)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.case.on.isoformat(), "region": self.case.region, "residence": self.case.residence,
            "monthly_total": yuan(int(self.result.household["monthly_total"])),
            "programmes": [p.as_dict() for p in self.programmes],
        }  # fmt: skip


def param_labels(tree: ParameterTree) -> dict[str, str]:
    out = {}
    for spec in PARAMS:
        source = spec.source.replace("{residence}", "urban")
        param = tree.parameters.get(source)
        label = param.label if param and param.label else source
        out[spec.name] = label.replace("城市", "") if "{residence}" in spec.source else label
    return out


def run_case(data: Any, *, tree: ParameterTree | None = None, today: dt.date | None = None) -> CaseOutcome:
    tree = tree or ParameterTree.load()
    case = parse_case(data, today=today)
    params = case_params(case, tree)
    supporters = assess_supporters_one(case.household, case.supporters, params)
    household = {**case.household, "external_supporter_able": supporters.household["external_supporter_able"]}
    result = assess_one(RULES, household, case.persons, params)
    programmes = explain(result, names=case.names, param_labels=param_labels(tree), supporters=supporters,
                         supporter_names=case.supporter_names)  # fmt: skip
    return CaseOutcome(case=case, params=params, result=result, programmes=programmes, supporters=supporters)


def _disability(r: Any, disability: Any, path: str, who: str, row: dict[str, Any], *, both: bool) -> None:
    """A member's or a supporter's {type, grade} into the row; `both`: type and grade go together."""
    if disability is None:
        return
    if not isinstance(disability, dict):
        r.fail(path + "disability", f"{who}的残疾信息应为 {{type, grade}} 对象")
        return
    row["disability_type"] = r.choice(
        disability.get("type", ""), DISABILITY_WORDS, path + "disability.type", f"{who}的残疾类别"
    )
    row["disability_grade"] = r.integer(
        disability.get("grade", 0), path + "disability.grade", f"{who}的残疾等级", 0, 4
    )
    if both and bool(row["disability_type"]) != bool(row["disability_grade"]):
        r.fail(path + "disability", f"{who}的残疾类别与等级应同时填写")
