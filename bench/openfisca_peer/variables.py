"""低保, 低保边缘 and 特困 as OpenFisca variables: the core of dajiuzhu/rules/programmes.py, mirrored.

Money is integer fen a month, as in the engine (OpenFisca's `int` is int32, enough for monthly fen;
products that could overflow are taken in int64). Parameters are read in yuan / ratios from
parameters/*.yaml and turned into fen / permille exactly like dajiuzhu.rules.params does, so that every
comparison is the same integer comparison the engine makes (floor division by 1000 included).

Mirrored (names as in programmes.py): severe_disability, working_age, imputation_applies,
imputed_income, employment_cost, countable_income, tekun_income, rigid_deduction, tekun_disability,
no_labour, able_supporter, is_orphan, unsupported_child, takes_child_allowance, tekun_candidate,
members, total_income, total_tekun_income, total_rigid, n_able, n_tekun_candidates, has_wage,
countable, threshold, income_test, financial_ok, vehicle_flag, housing_flag, business_flag,
tekun_means, tekun_no_supporter, all_tekun, hard_fail, needs_review, taper, dibao_status, gap,
edge_income, edge_assets, edge_status, tekun_status, n_tekun. Amounts (addons, tiers, 特困 amounts) and
the other programmes are left out.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import DateUnit
from openfisca_core.variables import Variable

from .entities import Household, Person

NOT_ELIGIBLE, ELIGIBLE, REVIEW, TAPER = 0, 1, 2, 3
MONTH = DateUnit.MONTH


def fen(yuan: Any) -> int:
    """Yuan → integer fen, rounding half up (as dajiuzhu.rules.params)."""
    return int((Decimal(str(yuan)) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def permille(ratio: Any) -> int:
    return int((Decimal(str(ratio)) * 1000).to_integral_value(rounding=ROUND_HALF_UP))


def i64(array: np.ndarray) -> np.ndarray:
    return array.astype(np.int64)


# ---- enumerations (same order as bench/engine_data.py's categories) ----------------------------------
class Sex(Enum):
    M = "男"
    F = "女"


class DisabilityType(Enum):
    none = "无"
    visual = "视力"
    hearing = "听力"
    speech = "言语"
    physical = "肢体"
    intellectual = "智力"
    mental = "精神"
    multiple = "多重"


class LabourCapacity(Enum):
    full = "有劳动能力"
    partial = "部分丧失劳动能力"
    no = "无劳动能力"  # the engine's "none"


class Residence(Enum):
    urban = "城市"
    rural = "农村"


# Engine string value → Enum member name, where they differ.
ENUM_NAMES = {"disability_type": {"": "none"}, "labour_capacity": {"none": "no"}}


# ---- inputs -----------------------------------------------------------------------------------------
def _input(
    name: str, entity: Any, value_type: type, label: str, default: Any = None, enum: Any = None
) -> type:
    attrs: dict[str, Any] = {
        "value_type": value_type,
        "entity": entity,
        "definition_period": MONTH,
        "label": label,
    }
    if default is not None:
        attrs["default_value"] = default
    if enum is not None:
        attrs["possible_values"] = enum
    return type(name, (Variable,), attrs)


PERSON_INPUTS = [
    _input("age", Person, int, "年龄（周岁）"),
    _input("sex", Person, Enum, "性别", Sex.M, Sex),
    _input("counted", Person, bool, "计入共同生活家庭成员", True),
    _input("disability_type", Person, Enum, "残疾类别", DisabilityType.none, DisabilityType),
    _input("disability_grade", Person, int, "残疾等级（0无，1–4）"),
    _input("labour_capacity", Person, Enum, "劳动能力", LabourCapacity.full, LabourCapacity),
    _input("is_student", Person, bool, "在校学生"),
    _input("serious_illness", Person, bool, "患重特大疾病"),
    _input("is_carer", Person, bool, "全职照料重残重病家人"),
    _input("parents_absent", Person, int, "父母死亡或宣告失踪人数"),
    _input("parents_unable", Person, int, "父母不能履行抚养义务人数"),
    _input("chooses_child_allowance", Person, bool, "选择领取儿童基本生活费", True),
    _input("income_wage_fen", Person, int, "工资性收入（分/月）"),
    _input("income_business_fen", Person, int, "经营净收入（分/月）"),
    _input("income_property_fen", Person, int, "财产净收入（分/月）"),
    _input("income_transfer_fen", Person, int, "转移净收入（分/月）"),
    _input("income_pension_fen", Person, int, "养老金等社会保险待遇（分/月）"),
    _input("income_other_fen", Person, int, "其他收入（分/月）"),
    _input("labour_override_fen", Person, int, "工作人员认定的折算收入（分/月，-1 无）", -1),
    _input("medical_fen", Person, int, "医疗自付（分/月）"),
    _input("rehabilitation_fen", Person, int, "康复支出（分/月）"),
]

HOUSEHOLD_INPUTS = [
    _input("residence", Household, Enum, "城乡类别", Residence.rural, Residence),
    _input("financial_assets_fen", Household, int, "金融资产（分）"),
    _input("vehicles", Household, int, "非豁免机动车数"),
    _input("vehicle_value_fen", Household, int, "机动车价值（分）"),
    _input("dwellings", Household, int, "住房套数", 1),
    _input("has_business", Household, bool, "成员有工商登记"),
    _input("external_supporter_able", Household, bool, "户外法定义务人有履行能力"),
    _input("dibao_current", Household, bool, "现为低保户"),
    _input("dibao_taper_used", Household, int, "已享受渐退月数"),
]


# ---- person formulas ------------------------------------------------------------------------------
class severe_disability(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "重度残疾（一、二级或三级智力/精神残疾）"
    reference = "最低生活保障审核确认办法 第八条"

    def formula(person, period, parameters):
        grade = person("disability_grade", period)
        kind = person("disability_type", period)
        return ((grade == 1) | (grade == 2)) | (
            (grade == 3) & ((kind == DisabilityType.intellectual) | (kind == DisabilityType.mental))
        )


class working_age(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "处于劳动年龄"

    def formula(person, period, parameters):
        p = parameters(period).labour
        age = person("age", period)
        upper = np.where(person("sex", period) == Sex.M, p.working_age_max_male, p.working_age_max_female)
        return (age >= p.working_age_min) & (age <= upper)


class imputation_applies(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "适用劳动力系数折算"

    def formula(person, period, parameters):
        return (
            person("counted", period)
            & person("working_age", period)
            & (person("labour_capacity", period) != LabourCapacity.no)
            & ~person("is_student", period)
            & ~person("severe_disability", period)
            & ~person("serious_illness", period)
            & ~person("is_carer", period)
            & ((i64(person("income_wage_fen", period)) + person("income_business_fen", period)) == 0)
        )


class imputed_income(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "折算收入（分/月；有工作人员认定值时以认定值为准）"

    def formula(person, period, parameters):
        p = parameters(period).labour
        override = person("labour_override_fen", period)
        full = person("labour_capacity", period) == LabourCapacity.full
        coef = np.where(full, permille(p.coef.full), permille(p.coef.partial))
        imputed = np.where(person("imputation_applies", period), fen(p.base) * i64(coef) // 1000, 0)
        return np.where(override >= 0, override, imputed)


class employment_cost(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "必要就业成本扣减（分/月）"

    def formula(person, period, parameters):
        ratio = permille(parameters(period).deduct.employment_cost_ratio)
        return i64(person("income_wage_fen", period)) * ratio // 1000


class countable_income(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "计入的月收入（分）"

    def formula(person, period, parameters):
        total = (
            i64(person("income_wage_fen", period))
            - person("employment_cost", period)
            + person("income_business_fen", period)
            + person("income_property_fen", period)
            + person("income_transfer_fen", period)
            + person("income_pension_fen", period)
            + person("income_other_fen", period)
            + person("imputed_income", period)
        )
        return np.where(person("counted", period), total, 0)


class tekun_income(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "特困认定计入的月收入（不含养老金等社会保险待遇）"

    def formula(person, period, parameters):
        income = i64(person("countable_income", period)) - person("income_pension_fen", period)
        return np.where(person("counted", period), income, 0)


class rigid_deduction(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "因病因残刚性支出扣减（分/月）"

    def formula(person, period, parameters):
        p = parameters(period).deduct
        amount = i64(person("medical_fen", period)) * int(p.rigid_medical) + i64(
            person("rehabilitation_fen", period)
        ) * int(p.rigid_rehabilitation)
        return np.where(person("counted", period), amount, 0)


class tekun_disability(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "特困认定的残疾情形（智力/精神一至三级、肢体/多重一二级、视力一级）"

    def formula(person, period, parameters):
        grade = person("disability_grade", period)
        kind = person("disability_type", period)
        mind = (kind == DisabilityType.intellectual) | (kind == DisabilityType.mental)
        body = (kind == DisabilityType.physical) | (kind == DisabilityType.multiple)
        return (
            ((grade >= 1) & (grade <= 3) & mind)
            | (((grade == 1) | (grade == 2)) & body)
            | ((grade == 1) & (kind == DisabilityType.visual))
        )


class no_labour(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "视为无劳动能力（老年人、未成年人或特定残疾）"

    def formula(person, period, parameters):
        p = parameters(period).tekun
        age = person("age", period)
        return (age >= p.age_elderly) | (age < p.age_minor_coverage) | person("tekun_disability", period)


class able_supporter(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "有履行能力的家庭成员"

    def formula(person, period, parameters):
        return (
            person("counted", period)
            & person("working_age", period)
            & (person("labour_capacity", period) != LabourCapacity.no)
            & ~person("no_labour", period)
            & ~person("severe_disability", period)
            & ~person("serious_illness", period)
        )


class is_orphan(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "孤儿"

    def formula(person, period, parameters):
        return (person("age", period) < parameters(period).orphan.age_max) & (
            person("parents_absent", period) == 2
        )


class unsupported_child(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "事实无人抚养儿童"

    def formula(person, period, parameters):
        absent = person("parents_absent", period)
        unable = person("parents_unable", period)
        return (
            (person("age", period) < parameters(period).orphan.age_max)
            & ~person("is_orphan", period)
            & ((unable == 2) | ((absent == 1) & (unable == 1)))
        )


class takes_child_allowance(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "选择领取孤儿或事实无人抚养儿童基本生活费"

    def formula(person, period, parameters):
        child = person("is_orphan", period) | person("unsupported_child", period)
        return child & person("chooses_child_allowance", period)


class tekun_candidate(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "特困个人条件（无劳动能力且未选择儿童津贴）"

    def formula(person, period, parameters):
        return (
            person("counted", period) & person("no_labour", period) & ~person("takes_child_allowance", period)
        )


class tekun_status(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "特困人员认定结果（三个条件同时具备）"
    reference = "特困人员认定办法 第四条"

    def formula(person, period, parameters):
        household = person.household
        yes = (
            person("tekun_candidate", period)
            & household("tekun_means", period)
            & household("tekun_no_supporter", period)
        )
        return np.where(yes, ELIGIBLE, NOT_ELIGIBLE)


# ---- household aggregates ------------------------------------------------------------------------
def _sum(household: Any, name: str, period: Any) -> np.ndarray:
    return household.sum(household.members(name, period))


class members(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "共同生活家庭成员人数"

    def formula(household, period, parameters):
        return _sum(household, "counted", period)


class total_income(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "家庭月收入合计（分）"

    def formula(household, period, parameters):
        return _sum(household, "countable_income", period)


class total_tekun_income(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "特困认定口径家庭月收入（分）"

    def formula(household, period, parameters):
        return _sum(household, "tekun_income", period)


class total_rigid(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "刚性支出扣减合计（分）"

    def formula(household, period, parameters):
        return _sum(household, "rigid_deduction", period)


class n_able(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "有履行能力的成员数"

    def formula(household, period, parameters):
        return _sum(household, "able_supporter", period)


class n_tekun_candidates(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "符合特困个人条件的人数"

    def formula(household, period, parameters):
        return _sum(household, "tekun_candidate", period)


class has_wage(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "有成员有工资性收入"

    def formula(household, period, parameters):
        wage = household.members("counted", period) & (household.members("income_wage_fen", period) > 0)
        return household.any(wage)


class n_tekun(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "特困人员数"

    def formula(household, period, parameters):
        return household.sum(household.members("tekun_status", period) == ELIGIBLE)


# ---- household rules ------------------------------------------------------------------------------
class dibao_standard(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "低保标准（分/人·月，按城乡）"

    def formula(household, period, parameters):
        standard = parameters(period).dibao.standard
        urban = household("residence", period) == Residence.urban
        return np.where(urban, fen(standard.urban), fen(standard.rural))


class countable(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "认定家庭月收入（扣减刚性支出后，不低于0）"

    def formula(household, period, parameters):
        return np.maximum(i64(household("total_income", period)) - household("total_rigid", period), 0)


class threshold(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "低保标准×家庭人数"

    def formula(household, period, parameters):
        return i64(household("dibao_standard", period)) * household("members", period)


class income_test(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "家庭人均收入低于当地低保标准"

    def formula(household, period, parameters):
        return household("countable", period) < household("threshold", period)


class financial_ok(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "金融资产不超过人均低保标准的规定月数"

    def formula(household, period, parameters):
        months = int(parameters(period).asset.financial_per_capita_max_months)
        return household("financial_assets_fen", period) <= i64(household("threshold", period)) * months


class vehicle_flag(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "有价值超过豁免上限的非必需机动车辆"

    def formula(household, period, parameters):
        limit = fen(parameters(period).asset.vehicle_value_max)
        return (household("vehicles", period) > 0) & (household("vehicle_value_fen", period) > limit)


class housing_flag(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "城市家庭住房超过规定套数"

    def formula(household, period, parameters):
        most = int(parameters(period).asset.urban_dwellings_max)
        urban = household("residence", period) == Residence.urban
        return urban & (household("dwellings", period) > most)


class business_flag(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "成员为企业法定代表人或股东（需核实）"

    def formula(household, period, parameters):
        return household("has_business", period)


class tekun_means(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "无生活来源（特困口径收入低于低保标准且财产符合规定）"

    def formula(household, period, parameters):
        low = household("total_tekun_income", period) < household("threshold", period)
        return low & household("financial_ok", period)


class tekun_no_supporter(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "无法定义务人或义务人无履行能力"

    def formula(household, period, parameters):
        return (household("n_able", period) == 0) & ~household("external_supporter_able", period)


class all_tekun(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "全部成员符合特困条件（按特困供养，不重复纳入低保）"

    def formula(household, period, parameters):
        m = household("members", period)
        return (
            (m > 0)
            & (household("n_tekun_candidates", period) == m)
            & household("tekun_means", period)
            & household("tekun_no_supporter", period)
        )


class hard_fail(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "存在不符合的硬性条件"

    def formula(household, period, parameters):
        vehicle_hard = int(parameters(period).asset.vehicle_hard_fail) == 1
        return (
            ~household("income_test", period)
            | ~household("financial_ok", period)
            | (household("vehicle_flag", period) & vehicle_hard)
            | (household("members", period) == 0)
        )


class needs_review(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "存在需入户核实的财产情况"

    def formula(household, period, parameters):
        return (
            household("vehicle_flag", period)
            | household("housing_flag", period)
            | household("business_flag", period)
        )


class taper(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "就业后收入超过标准，处于渐退期内"

    def formula(household, period, parameters):
        months = int(parameters(period).dibao.taper_months_max)
        return (
            household("dibao_current", period)
            & ~household("income_test", period)
            & household("has_wage", period)
            & (household("dibao_taper_used", period) < months)
        )


class dibao_status(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "低保认定结果（0不符合、1符合、2需人工核实、3渐退）"
    reference = "最低生活保障审核确认办法 第二十八条"

    def formula(household, period, parameters):
        refused = household("hard_fail", period) | household("all_tekun", period)
        decided = np.where(
            refused, NOT_ELIGIBLE, np.where(household("needs_review", period), REVIEW, ELIGIBLE)
        )
        return np.where(household("taper", period), TAPER, decided)


class gap(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "补差金额（标准×人数−认定收入，分/月）"

    def formula(household, period, parameters):
        return np.maximum(i64(household("threshold", period)) - household("countable", period), 0)


class edge_income(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "人均收入低于低保标准的规定倍数"

    def formula(household, period, parameters):
        multiple = permille(parameters(period).edge.income_multiple)
        return i64(household("countable", period)) * 1000 < i64(household("threshold", period)) * multiple


class edge_assets(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "金融资产符合低保边缘家庭财产规定"

    def formula(household, period, parameters):
        months = int(parameters(period).edge.asset_per_capita_max_months)
        return household("financial_assets_fen", period) <= i64(household("threshold", period)) * months


class edge_status(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "低保边缘家庭认定结果"
    reference = "最低生活保障审核确认办法 第八条"

    def formula(household, period, parameters):
        yes = (
            (household("dibao_status", period) == NOT_ELIGIBLE)
            & ~household("all_tekun", period)
            & household("edge_income", period)
            & household("edge_assets", period)
            & (household("members", period) > 0)
        )
        return np.where(yes, np.where(household("needs_review", period), REVIEW, ELIGIBLE), NOT_ELIGIBLE)


FORMULAS = [
    severe_disability, working_age, imputation_applies, imputed_income, employment_cost, countable_income,
    tekun_income, rigid_deduction, tekun_disability, no_labour, able_supporter, is_orphan, unsupported_child,
    takes_child_allowance, tekun_candidate, tekun_status, members, total_income, total_tekun_income,
    total_rigid, n_able, n_tekun_candidates, has_wage, n_tekun, dibao_standard, countable, threshold,
    income_test, financial_ok, vehicle_flag, housing_flag, business_flag, tekun_means, tekun_no_supporter,
    all_tekun, hard_fail, needs_review, taper, dibao_status, gap, edge_income, edge_assets, edge_status,
]  # fmt: skip
VARIABLES = [*PERSON_INPUTS, *HOUSEHOLD_INPUTS, *FORMULAS]
