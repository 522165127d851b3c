"""低保, 低保边缘 and 特困 as OpenFisca variables: the core of dajiuzhu/rules/programmes.py, mirrored.

Money is integer fen a month, as in the engine (OpenFisca's `int` is int32, enough for monthly fen;
products that could overflow are taken in int64). Parameters are read in yuan / ratios from
parameters/*.yaml and turned into fen / permille exactly like dajiuzhu.rules.params does, so that every
comparison is the same integer comparison the engine makes; a share of an amount is rounded half up to
the fen as the engine's half_up does (policy-spec C1).

Mirrored (names as in programmes.py). Persons: severe_disability, working_age, imputation_applies,
imputed_income, employment_cost (by deduct.employment_cost.method), net_transfer,
basic_pension_counted, own_income, countable_income, tekun_income, own_rigid, rigid_deduction,
rigid_spending, tekun_disability, tekun_school_continues, no_labour, is_orphan, unsupported_child,
takes_child_allowance, tekun_candidate, supporter_low_income, able_supporter, no_able_supporter,
tekun_status. Households: members, total_income, total_tekun_income, total_rigid, total_spending,
n_able, n_tekun_candidates, has_wage, capped_rigid, countable, threshold, income_test,
spending_countable, expenditure_route, assessed_income, financial_ok, the four vehicle flags by kind and
vehicle_flag, housing_flag, business_flag, tekun_property_ok, tekun_means, outside_able,
tekun_no_supporter, n_able_supporters, all_tekun, hard_fail, needs_review, taper, dibao_status, gap,
edge_income, edge_assets, edge_status, n_tekun. Left out: amounts (add-ons, tiers, 特困 amounts, and
pay_age, which only they read), the 单人户 route, excluded_income (shown, never counted) and the other
programmes.
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


def switch(value: Any) -> bool:
    """A 1 / 0 switch of the YAML (as the engine's "bool" parameters: on only when it is 1)."""
    return int(value) == 1


def i64(array: np.ndarray) -> np.ndarray:
    return array.astype(np.int64)


def half_up(amount: Any, divisor: int) -> Any:
    """amount ÷ divisor rounded half up, in integers (amount ≥ 0, divisor > 0), as the engine's half_up."""
    return (2 * amount + divisor) // (2 * divisor)


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


class SchoolStage(Enum):
    none = "非在校"  # the engine's ""
    preschool = "学前"
    primary = "小学"
    junior = "初中"
    senior = "普通高中"
    vocational = "中等职业学校"
    college = "大专"
    bachelor = "本科"
    graduate = "研究生"


# Engine string value → Enum member name, where they differ.
ENUM_NAMES = {
    "disability_type": {"": "none"},
    "labour_capacity": {"none": "no"},
    "school_stage": {"": "none"},
}
# deduct.employment_cost.method: the words of the engine's parameter (EMPLOYMENT_COST_METHODS).
EMPLOYMENT_COST_METHODS = ("share_of_wage", "fixed_per_earner", "share_of_minimum_wage")
# Schools after which a 特困 person keeps support past 18 (programmes.CONTINUING_SCHOOLS).
CONTINUING_SCHOOLS = (SchoolStage.primary, SchoolStage.junior, SchoolStage.senior, SchoolStage.vocational)
VEHICLE_KINDS = ("private", "production", "disability", "agricultural")


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
    _input("age", Person, int, "年龄（评估日周岁）"),
    _input("sex", Person, Enum, "性别", Sex.M, Sex),
    _input("counted", Person, bool, "计入共同生活家庭成员", True),
    _input("disability_type", Person, Enum, "残疾类别", DisabilityType.none, DisabilityType),
    _input("disability_grade", Person, int, "残疾等级（0无，1–4）"),
    _input("labour_capacity", Person, Enum, "劳动能力", LabourCapacity.full, LabourCapacity),
    _input("is_student", Person, bool, "在校学生"),
    _input("school_stage", Person, Enum, "在读学段", SchoolStage.none, SchoolStage),
    _input("tekun_current", Person, bool, "现为特困供养人员"),
    _input("serious_illness", Person, bool, "患重特大疾病"),
    _input("is_carer", Person, bool, "全职照料重残重病家人"),
    _input("parents_absent", Person, int, "父母死亡或宣告失踪人数"),
    _input("parents_unable", Person, int, "父母不能履行抚养义务人数"),
    _input("chooses_child_allowance", Person, bool, "选择领取儿童基本生活费", True),
    _input("income_wage_fen", Person, int, "工资性收入（分/月）"),
    _input("income_business_fen", Person, int, "经营净收入（分/月）"),
    _input("income_property_fen", Person, int, "财产净收入（分/月）"),
    _input("income_transfer_fen", Person, int, "转移性收入（分/月）"),
    _input("transfer_spending_fen", Person, int, "转移性支出（支付的赡养费、抚养费、扶养费等，分/月）"),
    _input("income_family_support_fen", Person, int, "兄弟姐妹或60周岁以上父母给付的赡养扶养费（分/月）"),
    _input("income_pension_fen", Person, int, "养老金等社会保险待遇（分/月）"),
    _input("income_basic_pension_fen", Person, int, "城乡居民基本养老保险基础养老金（分/月）"),
    _input("income_other_fen", Person, int, "其他收入（分/月）"),
    _input("labour_override_fen", Person, int, "工作人员认定的折算收入（分/月，-1 无）", -1),
    _input("medical_fen", Person, int, "医疗自付（分/月）"),
    _input("education_fen", Person, int, "教育支出（分/月）"),
    _input("rehabilitation_fen", Person, int, "康复支出（分/月）"),
]

HOUSEHOLD_INPUTS = [
    _input("residence", Household, Enum, "城乡类别", Residence.rural, Residence),
    _input("financial_assets_fen", Household, int, "金融资产（分）"),
    _input("vehicles", Household, int, "私家车数（含未记类型的机动车）"),
    _input("vehicle_value_fen", Household, int, "私家车价值（最高，分）"),
    _input("production_vehicles", Household, int, "生产经营用车数"),
    _input("production_vehicle_value_fen", Household, int, "生产经营用车价值（最高，分）"),
    _input("disability_vehicles", Household, int, "残疾人功能性补偿代步机动车数"),
    _input("disability_vehicle_value_fen", Household, int, "残疾人代步车价值（最高，分）"),
    _input("agricultural_vehicles", Household, int, "农用车数"),
    _input("agricultural_vehicle_value_fen", Household, int, "农用车价值（最高，分）"),
    _input("dwellings", Household, int, "住房套数", 1),
    _input("has_business", Household, bool, "成员有工商登记"),
    _input("external_supporter_able", Household, bool, "户外法定义务人中有人有履行能力"),
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
        # one amount per capacity (base × coefficient, rounded half up to the fen)
        amount_full = half_up(fen(p.base) * permille(p.coef.full), 1000)
        amount_partial = half_up(fen(p.base) * permille(p.coef.partial), 1000)
        imputed = np.where(
            person("imputation_applies", period), np.where(full, amount_full, amount_partial), 0
        )
        return np.where(override >= 0, override, imputed)


class employment_cost(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "必要就业成本扣减（分/月；工资的比例、每名就业人员定额或当地最低工资的比例，不超过工资）"
    reference = "最低生活保障审核确认办法 第十三条"

    def formula(person, period, parameters):
        at = parameters(period)
        p = at.deduct
        wage = i64(person("income_wage_fen", period))
        method = p.employment_cost.method
        if method == "share_of_wage":
            return half_up(wage * permille(p.employment_cost_ratio), 1000)
        if method == "fixed_per_earner":
            per_earner = fen(p.employment_cost.fixed_per_earner)
        elif method == "share_of_minimum_wage":
            share = permille(p.employment_cost.minimum_wage_share)
            per_earner = half_up(fen(at.wage.minimum_monthly) * share, 1000)
        else:
            raise ValueError(f"deduct.employment_cost.method: {method!r} not in {EMPLOYMENT_COST_METHODS}")
        return np.where(wage > 0, np.minimum(wage, per_earner), 0)


class net_transfer(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "转移净收入（转移性收入−转移性支出）"
    reference = "最低生活保障审核确认办法 第十三条第一款第四项"

    def formula(person, period, parameters):
        return i64(person("income_transfer_fen", period)) - person("transfer_spending_fen", period)


class basic_pension_counted(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "计入的城乡居民基本养老保险基础养老金"
    reference = "最低生活保障审核确认办法 第十三条第二款第三项"

    def formula(person, period, parameters):
        basic = person("income_basic_pension_fen", period)
        if switch(parameters(period).income.exclude_basic_pension):
            return np.zeros_like(basic)
        return basic


class own_income(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "本人计入的月收入（扣除就业成本和转移性支出，含折算收入）"
    reference = "最低生活保障审核确认办法 第十三条"

    def formula(person, period, parameters):
        return (
            i64(person("income_wage_fen", period))
            - person("employment_cost", period)
            + person("income_business_fen", period)
            + person("income_property_fen", period)
            + person("net_transfer", period)
            + person("income_family_support_fen", period)
            + person("income_pension_fen", period)
            + person("basic_pension_counted", period)
            + person("income_other_fen", period)
            + person("imputed_income", period)
        )


class countable_income(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "计入家庭的月收入（分）"

    def formula(person, period, parameters):
        return np.where(person("counted", period), person("own_income", period), 0)


class tekun_income(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "特困认定计入的月收入（不含基础养老金、养老金等社会保险待遇）"
    reference = "特困人员认定办法 第六条"

    def formula(person, period, parameters):
        income = (
            i64(person("countable_income", period))
            - person("income_pension_fen", period)
            - person("basic_pension_counted", period)
        )
        return np.where(person("counted", period), income, 0)


class own_rigid(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "本人因病因残刚性支出扣减（分/月）"

    def formula(person, period, parameters):
        p = parameters(period).deduct
        medical = i64(person("medical_fen", period)) * int(switch(p.rigid_medical))
        return medical + i64(person("rehabilitation_fen", period)) * int(switch(p.rigid_rehabilitation))


class rigid_deduction(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "因病因残刚性支出扣减（分/月）"

    def formula(person, period, parameters):
        return np.where(person("counted", period), person("own_rigid", period), 0)


class rigid_spending(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "刚性支出（医疗自付、教育、康复，分/月）"
    reference = "刚性支出困难家庭认定办法 第五条"

    def formula(person, period, parameters):
        spending = (
            i64(person("medical_fen", period))
            + person("education_fen", period)
            + person("rehabilitation_fen", period)
        )
        return np.where(person("counted", period), spending, 0)


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


class tekun_school_continues(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "年满18周岁仍在接受义务教育或在普通高中、中等职业学校就读的特困人员"
    reference = "特困人员认定办法 第二十四条（注）"

    def formula(person, period, parameters):
        stage = person("school_stage", period)
        continuing = np.isin(stage, [s.index for s in CONTINUING_SCHOOLS])
        adult = person("age", period) >= parameters(period).tekun.age_minor_coverage
        return person("tekun_current", period) & adult & continuing


class no_labour(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "视为无劳动能力（老年人、未成年人、特定残疾，或年满18周岁仍在校的特困人员）"

    def formula(person, period, parameters):
        p = parameters(period).tekun
        age = person("age", period)
        return (
            (age >= p.age_elderly)
            | (age < p.age_minor_coverage)
            | person("tekun_disability", period)
            | person("tekun_school_continues", period)
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


class supporter_low_income(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "本人收入低于上年度当地居民人均可支配收入"
    reference = "特困人员认定办法 第八条"

    def formula(person, period, parameters):
        yearly = fen(parameters(period).income.disposable_per_capita_prev_year)
        return i64(person("countable_income", period)) * 12 < yearly


class able_supporter(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "有履行能力的共同生活法定义务人（非未成年人、非特困、非低收入重度残疾人）"
    reference = "特困人员认定办法 第八条"

    def formula(person, period, parameters):
        minor = person("age", period) < parameters(period).tekun.age_minor_coverage
        tekun = person("tekun_current", period) | person("tekun_candidate", period)
        severe_poor = person("severe_disability", period) & person("supporter_low_income", period)
        return person("counted", period) & ~minor & ~tekun & ~severe_poor


class no_able_supporter(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "本人无有履行能力的法定义务人（户内其他成员与户外义务人，本人不计入）"
    reference = "特困人员认定办法 第八条"

    def formula(person, period, parameters):
        supporters = i64(person.household("n_able_supporters", period))
        return (supporters - person("able_supporter", period)) == 0


class tekun_status(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "特困人员认定结果（三个条件同时具备）"
    reference = "特困人员认定办法 第四条"

    def formula(person, period, parameters):
        yes = (
            person("tekun_candidate", period)
            & person.household("tekun_means", period)
            & person("no_able_supporter", period)
        )
        return np.where(yes, ELIGIBLE, NOT_ELIGIBLE)


# ---- household aggregates ------------------------------------------------------------------------
def _sum(household: Any, name: str, period: Any) -> np.ndarray:
    return household.sum(household.members(name, period))


def _aggregate(name: str, person_variable: str, label: str) -> type:
    """A household sum of a person variable (booleans count the members for whom it is true)."""

    def formula(household, period, parameters):
        return _sum(household, person_variable, period)

    attrs = {
        "value_type": int,
        "entity": Household,
        "definition_period": MONTH,
        "label": label,
        "formula": formula,
    }
    return type(name, (Variable,), attrs)


members = _aggregate("members", "counted", "共同生活家庭成员人数")
total_income = _aggregate("total_income", "countable_income", "家庭月收入合计（分）")
total_tekun_income = _aggregate("total_tekun_income", "tekun_income", "特困认定口径家庭月收入（分）")
total_rigid = _aggregate("total_rigid", "rigid_deduction", "刚性支出扣减合计（分）")
total_spending = _aggregate("total_spending", "rigid_spending", "刚性支出合计（分）")
n_able = _aggregate("n_able", "able_supporter", "有履行能力的成员数")
n_tekun_candidates = _aggregate("n_tekun_candidates", "tekun_candidate", "符合特困个人条件的人数")


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


def _capped(amount: np.ndarray, parameters: Any, period: Any) -> np.ndarray:
    """A household's deduction of rigid expenditure, at most deduct.rigid_cap_monthly (0: no cap)."""
    cap = fen(parameters(period).deduct.rigid_cap_monthly)
    return np.minimum(amount, cap) if cap > 0 else amount


class capped_rigid(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "刚性支出扣减额（不超过扣减上限；上限为0表示不设上限）"

    def formula(household, period, parameters):
        return _capped(household("total_rigid", period), parameters, period)


class countable(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "认定家庭月收入（扣减刚性支出后，不低于0）"

    def formula(household, period, parameters):
        return np.maximum(i64(household("total_income", period)) - household("capped_rigid", period), 0)


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


class spending_countable(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "扣减全部刚性支出（不超过扣减上限）后的家庭月收入"

    def formula(household, period, parameters):
        spending = _capped(household("total_spending", period), parameters, period)
        return np.maximum(i64(household("total_income", period)) - spending, 0)


class expenditure_route(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "支出型低保（本地启用时）：扣减刚性支出后人均收入低于低保标准"

    def formula(household, period, parameters):
        enabled = switch(parameters(period).dibao.expenditure_type_enabled)
        return (
            enabled
            & ~household("income_test", period)
            & (household("total_spending", period) > 0)
            & (household("spending_countable", period) < household("threshold", period))
        )


class assessed_income(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "计算保障金的认定家庭月收入（支出型低保按扣减全部刚性支出后）"

    def formula(household, period, parameters):
        return np.where(
            household("expenditure_route", period),
            household("spending_countable", period),
            household("countable", period),
        )


class financial_ok(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "金融资产不超过人均低保标准的规定月数"

    def formula(household, period, parameters):
        months = int(parameters(period).asset.financial_per_capita_max_months)
        return household("financial_assets_fen", period) <= i64(household("threshold", period)) * months


def _vehicle_not_exempt(household: Any, period: Any, parameters: Any, kind: str) -> np.ndarray:
    """A vehicle of the kind is there and not exempt: the kind is not exempt, or the most valuable one is
    worth more than the kind's limit (production vehicles: asset.vehicle_value_max)."""
    p = parameters(period).asset
    rule = p.vehicle[kind]
    limit = fen(p.vehicle_value_max if kind == "production" else rule.value_max)
    prefix = "" if kind == "private" else f"{kind}_"
    there = household(f"{prefix}vehicles", period) > 0
    exempt = switch(rule.exempt) & (household(f"{prefix}vehicle_value_fen", period) <= limit)
    return there & ~exempt


class private_vehicle_flag(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "有不在豁免范围内的私家车"

    def formula(household, period, parameters):
        return _vehicle_not_exempt(household, period, parameters, "private")


class production_vehicle_flag(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "有价值超过豁免上限的生产经营用车"

    def formula(household, period, parameters):
        return _vehicle_not_exempt(household, period, parameters, "production")


class disability_vehicle_flag(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "有不在豁免范围内的残疾人功能性补偿代步机动车"

    def formula(household, period, parameters):
        return _vehicle_not_exempt(household, period, parameters, "disability")


class agricultural_vehicle_flag(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "有价值超过豁免上限的农用车"

    def formula(household, period, parameters):
        return _vehicle_not_exempt(household, period, parameters, "agricultural")


class vehicle_flag(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "有不在豁免范围内的机动车辆（按车辆类型和价值）"

    def formula(household, period, parameters):
        return (
            household("private_vehicle_flag", period)
            | household("production_vehicle_flag", period)
            | household("disability_vehicle_flag", period)
            | household("agricultural_vehicle_flag", period)
        )


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


class tekun_property_ok(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "财产符合特困人员财产状况规定（与低保财产规定分设）"
    reference = "特困人员认定办法 第七条"

    def formula(household, period, parameters):
        months = int(parameters(period).tekun.financial_per_capita_max_months)
        return household("financial_assets_fen", period) <= i64(household("threshold", period)) * months


class tekun_means(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "无生活来源（特困口径收入低于低保标准且财产符合特困人员财产状况规定）"

    def formula(household, period, parameters):
        low = household("total_tekun_income", period) < household("threshold", period)
        return low & household("tekun_property_ok", period)


class outside_able(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "户外法定义务人中有人有履行能力"

    def formula(household, period, parameters):
        return household("external_supporter_able", period)


class tekun_no_supporter(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "全体成员均无有履行能力的法定义务人（本人不作为自己的义务人）"

    def formula(household, period, parameters):
        able = household("n_able", period)
        alone = (able == 1) & (household("members", period) == 1)
        return ~household("outside_able", period) & ((able == 0) | alone)


class n_able_supporters(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "有履行能力的法定义务人计数（共同生活成员逐人计；户外义务人中有人能履行时加1）"

    def formula(household, period, parameters):
        return household("n_able", period) + household("outside_able", period)


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
    label = "存在不符合的硬性条件（收入、金融资产或硬性车辆规定）"

    def formula(household, period, parameters):
        vehicle_hard = switch(parameters(period).asset.vehicle_hard_fail)
        return (
            ~(household("income_test", period) | household("expenditure_route", period))
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
    label = "就业后收入超过标准（且不符合支出型低保），处于渐退期内"

    def formula(household, period, parameters):
        months = int(parameters(period).dibao.taper_months_max)
        return (
            household("dibao_current", period)
            & ~(household("income_test", period) | household("expenditure_route", period))
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
        return np.maximum(i64(household("threshold", period)) - household("assessed_income", period), 0)


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
    severe_disability, working_age, imputation_applies, imputed_income, employment_cost, net_transfer,
    basic_pension_counted, own_income, countable_income, tekun_income, own_rigid, rigid_deduction,
    rigid_spending, tekun_disability, tekun_school_continues, no_labour, is_orphan, unsupported_child,
    takes_child_allowance, tekun_candidate, supporter_low_income, able_supporter, no_able_supporter,
    tekun_status, members, total_income, total_tekun_income, total_rigid, total_spending, n_able,
    n_tekun_candidates, has_wage, n_tekun, dibao_standard, capped_rigid, countable, threshold, income_test,
    spending_countable, expenditure_route, assessed_income, financial_ok, private_vehicle_flag,
    production_vehicle_flag, disability_vehicle_flag, agricultural_vehicle_flag, vehicle_flag, housing_flag,
    business_flag, tekun_property_ok, tekun_means, outside_able, tekun_no_supporter, n_able_supporters,
    all_tekun, hard_fail, needs_review, taper, dibao_status, gap, edge_income, edge_assets, edge_status,
]  # fmt: skip
VARIABLES = [*PERSON_INPUTS, *HOUSEHOLD_INPUTS, *FORMULAS]
