"""The rule definitions of every programme, written once in the expression language of rules.expr.

Each named step carries its Chinese label and the legal reference from policy-spec.md; every number
comes from a parameter (policy/parameters/*.yaml). Status codes: 0 不符合, 1 符合, 2 需人工核实
(a human decides; policy-spec R11.3), 3 渐退 (gradual exit, the last amount is kept).
"""

from __future__ import annotations

from dataclasses import dataclass

from dajiuzhu.rules.expr import (
    Agg,
    Expr,
    RuleSet,
    aggregate_stage,
    broadcast_stage,
    col,
    greatest,
    half_up,
    household_stage,
    least,
    lit,
    param,
    person_stage,
    where,
)
from dajiuzhu.rules.inputs import VEHICLE_KINDS
from dajiuzhu.rules.params import EngineParam

NOT_ELIGIBLE, ELIGIBLE, REVIEW, TAPER = 0, 1, 2, 3
STATUS_LABELS = {NOT_ELIGIBLE: "不符合", ELIGIBLE: "符合", REVIEW: "需人工核实", TAPER: "渐退期"}

# Legal texts, as cited in policy-spec.md §0.
S1 = "最低生活保障审核确认办法"
S2 = "特困人员认定办法"
S3 = "刚性支出困难家庭认定办法"
S4 = "关于进一步做好最低生活保障等社会救助兜底工作的通知"
S5 = "国办发〔2023〕39号"
S6 = "关于改革完善社会救助制度的意见"
S7 = "社会救助暂行办法"
S8 = "民发〔2018〕23号（临时救助）"
S9 = "最低生活保障审核审批办法（试行）"
S10 = "民发〔2019〕62号（事实无人抚养儿童）"
S12 = "国办发〔2010〕54号（孤儿保障）"
S13 = "国办发〔2021〕42号（医疗救助）"
LOCAL = "地方标准（示例参数，待替换）"


# deduct.employment_cost.method (policy-spec R1.9): the engine gets the index of the word.
EMPLOYMENT_COST_METHODS = ("share_of_wage", "fixed_per_earner", "share_of_minimum_wage")
SHARE_OF_WAGE, FIXED_PER_EARNER, SHARE_OF_MINIMUM_WAGE = range(3)


def _p(name: str, source: str, kind: str) -> EngineParam:
    return EngineParam(name, source, kind)


PARAMS = [
    _p("dibao.standard", "dibao.standard.{residence}", "fen"),
    _p("dibao.calc_mode", "dibao.calc_mode", "int"),
    _p("dibao.tier1_max", "dibao.tiers.tier1_income_max", "permille"),
    _p("dibao.tier1_pay", "dibao.tiers.tier1_pay", "permille"),
    _p("dibao.tier2_max", "dibao.tiers.tier2_income_max", "permille"),
    _p("dibao.tier2_pay", "dibao.tiers.tier2_pay", "permille"),
    _p("dibao.tier3_pay", "dibao.tiers.tier3_pay", "permille"),
    _p("dibao.min_payment", "dibao.min_payment", "fen"),
    _p("dibao.taper_months", "dibao.taper_months_max", "int"),
    _p("edge.multiple", "edge.income_multiple", "permille"),
    _p("edge.asset_months", "edge.asset_per_capita_max_months", "int"),
    _p("labour.base", "labour.base", "fen"),
    _p("labour.coef_full", "labour.coef.full", "permille"),
    _p("labour.coef_partial", "labour.coef.partial", "permille"),
    _p("labour.age_min", "labour.working_age_min", "int"),
    _p("labour.age_max_male", "labour.working_age_max_male", "int"),
    _p("labour.age_max_female", "labour.working_age_max_female", "int"),
    _p("deduct.employment_cost", "deduct.employment_cost_ratio", "permille"),
    EngineParam(
        "deduct.employment_cost_method", "deduct.employment_cost.method", "choice", EMPLOYMENT_COST_METHODS
    ),
    _p("deduct.employment_cost_fixed", "deduct.employment_cost.fixed_per_earner", "fen"),
    _p("deduct.employment_cost_min_wage_share", "deduct.employment_cost.minimum_wage_share", "permille"),
    _p("wage.minimum", "wage.minimum_monthly", "fen"),
    _p("income.exclude_basic_pension", "income.exclude_basic_pension", "bool"),
    _p("deduct.rigid_cap", "deduct.rigid_cap_monthly", "fen"),
    _p("dibao.expenditure_type", "dibao.expenditure_type_enabled", "bool"),
    _p("single.adult_age", "dibao.single.adult_age", "int"),
    _p("single.exempt_family_support", "dibao.single.exempt_family_support", "bool"),
    _p("single.clergy_years", "dibao.single.clergy_venue_years", "int"),
    _p("single.local_route", "dibao.single.local_route_enabled", "bool"),
    *[_p(f"asset.vehicle_{kind}_exempt", f"asset.vehicle.{kind}.exempt", "bool") for kind in VEHICLE_KINDS],
    *[
        _p(f"asset.vehicle_{kind}_max", f"asset.vehicle.{kind}.value_max", "fen")
        for kind in VEHICLE_KINDS
        if kind != "production"
    ],
    _p("deduct.medical", "deduct.rigid_medical", "bool"),
    _p("deduct.rehabilitation", "deduct.rigid_rehabilitation", "bool"),
    _p("asset.financial_months", "asset.financial_per_capita_max_months", "int"),
    _p("asset.vehicle_hard", "asset.vehicle_hard_fail", "bool"),
    _p("asset.vehicle_value_max", "asset.vehicle_value_max", "fen"),
    _p("asset.urban_dwellings_max", "asset.urban_dwellings_max", "int"),
    _p("addon.elderly_age", "dibao.category_addon.elderly_age", "int"),
    _p("addon.minor_age", "dibao.category_addon.minor_age", "int"),
    _p("addon.elderly", "dibao.category_addon.elderly", "permille"),
    _p("addon.minor", "dibao.category_addon.minor", "permille"),
    _p("addon.severe_disability", "dibao.category_addon.severe_disability", "permille"),
    _p("addon.serious_illness", "dibao.category_addon.serious_illness", "permille"),
    _p("tekun.age_elderly", "tekun.age_elderly", "int"),
    EngineParam("age.start_rule", "age.start_rule", "choice", ("next_month", "birthday_month")),
    _p("tekun.age_minor", "tekun.age_minor_coverage", "int"),
    _p("tekun.basic_min", "tekun.basic_standard", "fen"),
    _p("tekun.financial_months", "tekun.financial_per_capita_max_months", "int"),
    _p("tekun.supporter_dibao_age", "tekun.supporter.dibao_recipient_age", "int"),
    _p("tekun.supporter_elderly_age", "tekun.supporter.elderly_age", "int"),
    _p("tekun.basic_multiple", "tekun.basic_multiple_of_dibao", "permille"),
    _p("tekun.care_full", "tekun.care_standard.full_self_care", "fen"),
    _p("tekun.care_partial", "tekun.care_standard.partial", "fen"),
    _p("tekun.care_total", "tekun.care_standard.total", "fen"),
    _p("adl.partial_max", "tekun.adl_partial_max_fails", "int"),
    _p("disposable.yearly", "income.disposable_per_capita_prev_year", "fen"),
    _p("rigid.ratio", "rigid.ratio_threshold", "permille"),
    _p("ta.emergency1", "ta.multiple.emergency.tier1", "permille"),
    _p("ta.emergency2", "ta.multiple.emergency.tier2", "permille"),
    _p("ta.emergency3", "ta.multiple.emergency.tier3", "permille"),
    _p("ta.expenditure1", "ta.multiple.expenditure.tier1", "permille"),
    _p("ta.expenditure2", "ta.multiple.expenditure.tier2", "permille"),
    _p("ta.expenditure3", "ta.multiple.expenditure.tier3", "permille"),
    _p("ta.per_person", "ta.per_person", "bool"),
    _p("med.ratio_tekun", "med.ratio.tekun", "permille"),
    _p("med.ratio_dibao", "med.ratio.dibao", "permille"),
    _p("med.ratio_edge", "med.ratio.edge", "permille"),
    _p("med.ratio_rigid", "med.ratio.rigid", "permille"),
    _p("med.deductible_edge", "med.deductible.edge", "fen"),
    _p("med.deductible_rigid", "med.deductible.rigid", "fen"),
    _p("med.cap", "med.annual_cap", "fen"),
    _p("child.age_max", "orphan.age_max", "int"),
    _p("orphan.institutional", "orphan.standard.institutional", "fen"),
    _p("orphan.dispersed", "orphan.standard.dispersed", "fen"),
    _p("disab.living", "disab.living_allowance", "fen"),
    _p("disab.living_edge", "disab.living_allowance_extends_to_edge", "bool"),
    _p("disab.care_grade1", "disab.care_allowance.grade1", "fen"),
    _p("disab.care_grade2", "disab.care_allowance.grade2", "fen"),
    _p("disab.care_mental34", "disab.care_allowance.mental_grade3_4", "fen"),
    _p("elderly.age1", "elderly.allowance.age1", "int"),
    _p("elderly.age2", "elderly.allowance.age2", "int"),
    _p("elderly.age3", "elderly.allowance.age3", "int"),
    _p("elderly.amount1", "elderly.allowance.amount1", "fen"),
    _p("elderly.amount2", "elderly.allowance.amount2", "fen"),
    _p("elderly.amount3", "elderly.allowance.amount3", "fen"),
    _p("elderly.care_partial", "elderly.disabled_care_subsidy.partial", "fen"),
    _p("elderly.care_total", "elderly.disabled_care_subsidy.total", "fen"),
]

p = param
is_status_yes = (ELIGIBLE, TAPER)


# ==== Stage 1: each person ===========================================================================
severe_disability = (
    col("disability_grade").isin([1, 2])
    | (col("disability_grade").eq(3) & col("disability_type").isin(["intellectual", "mental"]))
).named("severe_disability", "重度残疾（一、二级或三级智力/精神残疾）", f"{S1} 第八条")

working_age = (
    (col("age") >= p("labour.age_min"))
    & (col("age") <= where(col("sex").eq("M"), p("labour.age_max_male"), p("labour.age_max_female")))
).named("working_age", "处于劳动年龄", f"{S4} 一(一)；{LOCAL}")

imputation_applies = (
    col("counted")
    & working_age
    & col("labour_capacity").ne("none")
    & ~col("is_student")
    & ~severe_disability
    & ~col("serious_illness")
    & ~col("is_carer")
    & (col("income_wage_fen") + col("income_business_fen")).eq(0)
).named(
    "imputation_applies",
    "适用劳动力系数折算（劳动年龄内有劳动能力、无可核实的工作收入，且非学生、重残、重病、照料者）",
    f"{S4} 一(一)",
)

imputed_income = where(
    col("labour_override_fen") >= 0,
    col("labour_override_fen"),
    where(
        imputation_applies,
        half_up(
            p("labour.base")
            * where(col("labour_capacity").eq("full"), p("labour.coef_full"), p("labour.coef_partial")),
            1000,
        ),
        0,
    ),
).named("imputed_income", "折算收入（有工作人员认定值时以认定值为准）", f"{S4} 一(一)；{LOCAL}")

# The method is a parameter (deduct.employment_cost.method): a share of the wage, a fixed amount per
# wage earner, or a share of the local minimum wage; a fixed deduction never exceeds the wage itself.
employment_cost = where(
    p("deduct.employment_cost_method").eq(SHARE_OF_WAGE),
    half_up(col("income_wage_fen") * p("deduct.employment_cost"), 1000),
    where(
        col("income_wage_fen") > 0,
        least(
            col("income_wage_fen"),
            where(
                p("deduct.employment_cost_method").eq(FIXED_PER_EARNER),
                p("deduct.employment_cost_fixed"),
                half_up(p("wage.minimum") * p("deduct.employment_cost_min_wage_share"), 1000),
            ),
        ),
        0,
    ),
).named(
    "employment_cost",
    "必要就业成本扣减（按参数：工资的比例、每名就业人员定额或当地最低工资的比例，不超过工资）",
    f"{S1} 第十三条；{S6} 二(三)11；{LOCAL}",
)

net_transfer = (col("income_transfer_fen") - col("transfer_spending_fen")).named(
    "net_transfer",
    "转移净收入（转移性收入−转移性支出，如支付的赡养费、抚养费、扶养费）",
    f"{S1} 第十三条第一款第四项",
)
basic_pension_counted = where(
    p("income.exclude_basic_pension").eq(1), 0, col("income_basic_pension_fen")
).named(
    "basic_pension_counted",
    "计入的城乡居民基本养老保险基础养老金（“十四五”期间中央确定的基础养老金不计入）",
    f"{S1} 第十三条第二款第三项",
)
excluded_income = (
    col("excluded_special_care_fen")
    + col("excluded_family_planning_fen")
    + col("excluded_reward_fen")
    + col("excluded_assistance_fen")
    + col("excluded_local_fen")
    + col("income_basic_pension_fen")
    - basic_pension_counted
).named(
    "excluded_income",
    "不计入家庭收入的收入（优待抚恤金、计划生育奖励与扶助金、奖学金和见义勇为等奖励性补助；政府发放的社会救助款物；"
    "“十四五”期间的中央确定基础养老金；设区的市以上规定的其他项目）",
    f"{S1} 第十三条第二款第一至四项；{S10} 三(一)",
)

# Some rules are given to their readers as plain expressions (_single_route, _capped_rigid …) and named
# separately for the explanation: a vectorised run that does not ask for a named rule leaves it out instead
# of writing a column of it, and a parameter switch that is off everywhere compiles to nothing. Those
# read in several places (own_income, own_rigid) stay columns.
_own_income = (
    col("income_wage_fen")
    - employment_cost
    + col("income_business_fen")
    + col("income_property_fen")
    + net_transfer
    + col("income_family_support_fen")
    + col("income_pension_fen")
    + basic_pension_counted
    + col("income_other_fen")
    + imputed_income
)
own_income = _own_income.named(
    "own_income", "本人计入的月收入（五类收入扣除就业成本和转移性支出，含折算收入）", f"{S1} 第十三条"
)

countable_income = where(col("counted"), own_income, 0).named(
    "countable_income", "计入家庭的月收入（共同生活家庭成员）", f"{S1} 第七条、第十三条"
)

tekun_income = where(
    col("counted"), countable_income - col("income_pension_fen") - basic_pension_counted, 0
).named("tekun_income", "特困认定计入的月收入（不含基础养老金、养老金等社会保险待遇）", f"{S2} 第六条")

_own_rigid = col("medical_fen") * p("deduct.medical") + col("rehabilitation_fen") * p("deduct.rehabilitation")
own_rigid = _own_rigid.named("own_rigid", "本人因病因残刚性支出扣减", f"{S1} 第十三条；{S6} 二(三)11")
rigid_deduction = where(col("counted"), own_rigid, 0).named(
    "rigid_deduction", "因病因残刚性支出扣减", f"{S1} 第十三条；{S6} 二(三)11"
)

rigid_spending = where(
    col("counted"), col("medical_fen") + col("education_fen") + col("rehabilitation_fen"), 0
).named("rigid_spending", "刚性支出（医疗自付、教育、康复）", f"{S3} 第五条")

# Ages (policy-spec R10.6): `age` is the age on the assessment date, which every eligibility condition
# uses. An age-tied payment (category add-ons, 高龄津贴 brackets, the care subsidy of the elderly) starts
# by age.start_rule: next_month counts the age on the last day of the previous month, birthday_month the
# age on the last day of this month. So a person moving up a bracket keeps the lower amount until the
# higher one starts.
BIRTHDAY_MONTH = 1  # index of "birthday_month" in age.start_rule's choices
# next_month: one year less if the birthday was on or before the assessment date (code 1); birthday_month:
# one year more if it is still to come this month (code 2). One `where` on the column: the rest is made of
# parameters and literals, the same for every row of a parameter set.
by_birthday_month = p("age.start_rule").eq(BIRTHDAY_MONTH)
pay_age = (
    col("age")
    + where(
        col("birthday_this_month").eq(where(by_birthday_month, 2, 1)),
        where(by_birthday_month, 1, -1),
        0,
    )
).named(
    "pay_age",
    "计发年龄（与年龄挂钩的待遇：生日次月起按上月末年龄，生日当月起按本月末年龄）",
    "policy-spec R10.6；参数 age.start_rule",
)
is_elderly = (col("counted") & (pay_age >= p("addon.elderly_age"))).named(
    "is_elderly", "按老年人分类施保（按计发年龄）", f"{S1} 第二十七条；policy-spec R10.6"
)
is_minor = (col("counted") & (pay_age < p("addon.minor_age"))).named(
    "is_minor", "按未成年人分类施保（按计发年龄）", f"{S1} 第二十七条；policy-spec R10.6"
)

tekun_disability = (
    (col("disability_grade").isin([1, 2, 3]) & col("disability_type").isin(["intellectual", "mental"]))
    | (col("disability_grade").isin([1, 2]) & col("disability_type").isin(["physical", "multiple"]))
    | (col("disability_grade").eq(1) & col("disability_type").eq("visual"))
).named("tekun_disability", "特困认定的残疾情形（智力/精神一至三级、肢体一二级、视力一级）", f"{S2} 第五条")

# The schools after which a minor 特困 person keeps support past 18 (S2 art. 24 note): compulsory
# education, regular senior high school, secondary vocational school.
CONTINUING_SCHOOLS = ["primary", "junior", "senior", "vocational"]
tekun_school_continues = (
    col("tekun_current") & (col("age") >= p("tekun.age_minor")) & col("school_stage").isin(CONTINUING_SCHOOLS)
).named(
    "tekun_school_continues",
    "年满18周岁仍在接受义务教育或在普通高中、中等职业学校就读的特困人员，继续享有救助供养",
    f"{S2} 第二十四条（注）；policy-spec R2.5",
)
no_labour = (
    (col("age") >= p("tekun.age_elderly"))
    | (col("age") < p("tekun.age_minor"))
    | tekun_disability
    | tekun_school_continues
).named(
    "no_labour",
    "视为无劳动能力（老年人、未成年人、特定残疾，或年满18周岁仍在校的特困人员）",
    f"{S2} 第五条、第二十四条；{S6} 二(二)5",
)

is_orphan = ((col("age") < p("child.age_max")) & col("parents_absent").eq(2)).named(
    "is_orphan", "孤儿（未满18周岁，父母双方死亡或宣告失踪）", S12
)
unsupported_child = (
    (col("age") < p("child.age_max"))
    & ~is_orphan
    & (col("parents_unable").eq(2) | (col("parents_absent").eq(1) & col("parents_unable").eq(1)))
).named(
    "unsupported_child",
    "事实无人抚养儿童（父母双方均不能履行抚养义务，或一方死亡失踪、另一方不能履行）",
    f"{S10} 一",
)
takes_child_allowance = ((is_orphan | unsupported_child) & col("chooses_child_allowance")).named(
    "takes_child_allowance", "选择领取孤儿或事实无人抚养儿童基本生活费", f"{S2} 第九条"
)
tekun_candidate = (col("counted") & no_labour & ~takes_child_allowance).named(
    "tekun_candidate", "特困个人条件（无劳动能力且未选择儿童津贴）", f"{S2} 第四条"
)

# Statutory supporters (S2 art. 8, policy-spec R2.4). Each co-resident member is a supporter of the others
# (never of themselves) and is unable to support for the reasons coded below; supporters living elsewhere
# are judged by the same codes in rules.supporters and reach the household as external_supporter_able.
# A co-resident member aged 60 or more already meets 特困's personal condition (code 1), so the 低保 ≥ 60
# and ≥ 70 cases matter for supporters elsewhere only; a co-resident member's property is the household's,
# which the 特困 means test checks anyway.
SUPPORTER_ABLE, SUPPORTER_TEKUN, SUPPORTER_DIBAO_ELDERLY, SUPPORTER_ELDERLY_POOR = 0, 1, 2, 3
SUPPORTER_SEVERE_POOR, SUPPORTER_INCAPABLE, SUPPORTER_MINOR = 4, 5, 6
SUPPORTER_REASONS = {
    SUPPORTER_ABLE: "有履行能力",
    SUPPORTER_TEKUN: "不能履行：属特困人员（或符合特困人员条件，一并认定）",
    SUPPORTER_DIBAO_ELDERLY: "不能履行：年满60周岁的低保对象",
    SUPPORTER_ELDERLY_POOR: "不能履行：年满70周岁，本人收入低于上年度人均可支配收入且财产符合低收入家庭规定",
    SUPPORTER_SEVERE_POOR: "不能履行：重度残疾（一二级或三级智力/精神），本人收入低于上年度人均可支配收入且财产符合规定",
    SUPPORTER_INCAPABLE: "不能履行：无民事行为能力、被宣告失踪或在监狱服刑，且财产符合低收入家庭规定",
    SUPPORTER_MINOR: "不能履行：未成年人",
}
supporter_low_income = (countable_income * 12 < p("disposable.yearly")).named(
    "supporter_low_income", "本人收入低于上年度当地居民人均可支配收入", f"{S2} 第八条"
)
supporter_minor = col("age") < p("tekun.age_minor")
supporter_tekun = col("tekun_current") | tekun_candidate
supporter_severe_poor = severe_disability & supporter_low_income
# The reason, for the explanation; able_supporter is the same test as booleans (the batch reads only it;
# tests check that the two agree).
supporter_reason = where(
    supporter_minor,
    SUPPORTER_MINOR,
    where(
        supporter_tekun, SUPPORTER_TEKUN, where(supporter_severe_poor, SUPPORTER_SEVERE_POOR, SUPPORTER_ABLE)
    ),
).named("supporter_reason", "作为其他成员的法定义务人能否履行义务", f"{S2} 第八条")
able_supporter = (col("counted") & ~supporter_minor & ~supporter_tekun & ~supporter_severe_poor).named(
    "able_supporter",
    "有履行能力的共同生活法定义务人（非未成年人、非特困、非低收入重度残疾人）",
    f"{S2} 第八条",
)
adl_level = where(col("adl_fails").eq(0), 0, where(col("adl_fails") <= p("adl.partial_max"), 1, 2)).named(
    "adl_level", "生活自理能力（0全自理、1半护理、2全护理）", f"{S2} 第二十条至第二十二条"
)
is_disabled = (col("disability_grade") > 0).named("is_disabled", "持证残疾人", "残疾人两项补贴制度")

# ==== Stage 2: household aggregates =================================================================
members = Agg("sum", where(col("counted"), 1, 0), "members", "共同生活家庭成员人数", f"{S1} 第七条")
total_income = Agg("sum", countable_income, "total_income", "家庭月收入合计", f"{S1} 第十三条")
total_tekun_income = Agg("sum", tekun_income, "total_tekun_income", "特困认定口径家庭月收入", f"{S2} 第六条")
total_rigid = Agg("sum", rigid_deduction, "total_rigid", "刚性支出扣减合计", f"{S1} 第十三条")
total_spending = Agg("sum", rigid_spending, "total_spending", "刚性支出合计", f"{S3} 第五条")
n_elderly = Agg("count", is_elderly, "n_elderly", "老年人数")
n_minor = Agg("count", is_minor, "n_minor", "未成年人数")
n_severe = Agg("count", col("counted") & severe_disability, "n_severe", "重度残疾人数")
n_ill = Agg("count", col("counted") & col("serious_illness"), "n_ill", "重病患者人数")
n_able = Agg("count", able_supporter, "n_able", "有履行能力的成员数", f"{S2} 第八条")
n_tekun_candidates = Agg("count", tekun_candidate, "n_tekun_candidates", "符合特困个人条件的人数")
has_wage = Agg("any", col("counted") & (col("income_wage_fen") > 0), "has_wage", "有成员有工资性收入")

# ==== Stage 3: household rules ======================================================================
M = members.ref
standard = p("dibao.standard")
rigid_cap = p("deduct.rigid_cap")
_capped_rigid = where(rigid_cap > 0, least(total_rigid.ref, rigid_cap), total_rigid.ref)
capped_rigid = _capped_rigid.named(
    "capped_rigid",
    "刚性支出扣减额（不超过扣减上限；上限为0表示不设上限）",
    f"{S1} 第十三条；{S6} 二(三)11；{LOCAL}",
)
countable = greatest(total_income.ref - _capped_rigid, 0).named(
    "countable", "认定家庭月收入（扣减刚性支出后，不低于0）", f"{S1} 第十三条"
)
threshold = (standard * M).named("threshold", "低保标准×家庭人数", f"{S7} 第九条")
income_test = (countable < threshold).named("income_test", "家庭人均收入低于当地低保标准", f"{S7} 第九条")
_spending_countable = greatest(
    total_income.ref - where(rigid_cap > 0, least(total_spending.ref, rigid_cap), total_spending.ref), 0
)
spending_countable = _spending_countable.named(
    "spending_countable",
    "扣减全部刚性支出（医疗、教育、康复，不超过扣减上限）后的家庭月收入",
    f"policy-spec R3.3；{S3} 第五条；{LOCAL}",
)
_expenditure_route = (
    p("dibao.expenditure_type").eq(1)
    & ~income_test
    & (total_spending.ref > 0)
    & (_spending_countable < threshold)
)
expenditure_route = _expenditure_route.named(
    "expenditure_route",
    "支出型低保（本地启用时）：刚性支出困难家庭扣减刚性支出后人均收入低于低保标准",
    f"policy-spec R3.3；{S3} 第四条；{LOCAL}",
)
assessed_income = where(_expenditure_route, _spending_countable, countable).named(
    "assessed_income",
    "计算保障金的认定家庭月收入（支出型低保按扣减全部刚性支出后）",
    f"{S1} 第十三条；policy-spec R3.3",
)
financial_ok = (col("financial_assets_fen") <= threshold * p("asset.financial_months")).named(
    "financial_ok", "金融资产不超过人均低保标准的规定月数", f"{S1} 第十四条；{LOCAL}"
)


def _vehicle_not_exempt(count: str, value: str, exempt: str, value_max: str) -> Expr:
    """A vehicle of a kind is there and not exempt: its kind is not exempt, or it is worth more than the
    kind's exemption limit (the most valuable vehicle of the kind decides)."""
    return (col(count) > 0) & ~(p(exempt).eq(1) & (col(value) <= p(value_max)))


_private_vehicle_flag = _vehicle_not_exempt(
    "vehicles", "vehicle_value_fen", "asset.vehicle_private_exempt", "asset.vehicle_private_max"
)
private_vehicle_flag = _private_vehicle_flag.named(
    "private_vehicle_flag", "有不在豁免范围内的私家车", f"{S1} 第十四条；{LOCAL}"
)
_production_vehicle_flag = _vehicle_not_exempt(
    "production_vehicles",
    "production_vehicle_value_fen",
    "asset.vehicle_production_exempt",
    "asset.vehicle_value_max",
)
production_vehicle_flag = _production_vehicle_flag.named(
    "production_vehicle_flag",
    "有价值超过豁免上限的生产经营用车",
    f"{S1} 第十四条（生产必需财产可豁免）；{LOCAL}",
)
_disability_vehicle_flag = _vehicle_not_exempt(
    "disability_vehicles",
    "disability_vehicle_value_fen",
    "asset.vehicle_disability_exempt",
    "asset.vehicle_disability_max",
)
disability_vehicle_flag = _disability_vehicle_flag.named(
    "disability_vehicle_flag",
    "有不在豁免范围内的残疾人功能性补偿代步机动车",
    f"{S9} 第十七条；{S1} 第十四条；{LOCAL}",
)
_agricultural_vehicle_flag = _vehicle_not_exempt(
    "agricultural_vehicles",
    "agricultural_vehicle_value_fen",
    "asset.vehicle_agricultural_exempt",
    "asset.vehicle_agricultural_max",
)
agricultural_vehicle_flag = _agricultural_vehicle_flag.named(
    "agricultural_vehicle_flag", "有价值超过豁免上限的农用车", f"{S1} 第十四条（生产必需财产可豁免）；{LOCAL}"
)
vehicle_flag = (
    _private_vehicle_flag | _production_vehicle_flag | _disability_vehicle_flag | _agricultural_vehicle_flag
).named("vehicle_flag", "有不在豁免范围内的机动车辆（按车辆类型和价值）", f"{S1} 第十四条；{LOCAL}")
housing_flag = (col("residence").eq("urban") & (col("dwellings") > p("asset.urban_dwellings_max"))).named(
    "housing_flag", "城市家庭住房超过规定套数", f"{S1} 第十四条；{LOCAL}"
)
business_flag = col("has_business").named(
    "business_flag", "成员为企业法定代表人或股东（需核实）", f"{S1} 第十四条"
)
tekun_property_ok = (col("financial_assets_fen") <= threshold * p("tekun.financial_months")).named(
    "tekun_property_ok",
    "财产符合特困人员财产状况规定（人均金融资产不超过低保标准的规定月数，与低保财产规定分设）",
    f"{S2} 第七条（设区的市级民政部门制定）；{LOCAL}",
)
tekun_means = ((total_tekun_income.ref < threshold) & tekun_property_ok).named(
    "tekun_means",
    "无生活来源（特困口径收入低于低保标准且财产符合特困人员财产状况规定）",
    f"{S2} 第六条、第七条",
)
outside_able = col("external_supporter_able").named(
    "outside_able", "户外法定义务人中有人有履行能力（逐人认定，见义务人名单）", f"{S2} 第八条"
)
# Every member lacks an able supporter: no able one outside, and inside none, or only the sole member.
tekun_no_supporter = (~outside_able & (n_able.ref.eq(0) | (n_able.ref.eq(1) & M.eq(1)))).named(
    "tekun_no_supporter", "全体成员均无有履行能力的法定义务人（本人不作为自己的义务人）", f"{S2} 第八条"
)

# For each member's own test: the able co-resident members, plus one when someone elsewhere is able.
n_able_supporters = (n_able.ref + where(outside_able, 1, 0)).named(
    "n_able_supporters",
    "有履行能力的法定义务人计数（共同生活成员逐人计；户外义务人中有人能履行时加1）",
    f"{S2} 第八条",
)
all_tekun = ((M > 0) & n_tekun_candidates.ref.eq(M) & tekun_means & tekun_no_supporter).named(
    "all_tekun", "全部成员符合特困个人条件（按特困供养，不重复纳入低保）", f"{S2} 第四条"
)
hard_fail = (
    ~(income_test | _expenditure_route)
    | ~financial_ok
    | (vehicle_flag & p("asset.vehicle_hard").eq(1))
    | M.eq(0)
).named("hard_fail", "存在不符合的硬性条件（收入、金融资产或硬性车辆规定）", f"{S1} 第十四条")
needs_review = (vehicle_flag | housing_flag | business_flag).named(
    "needs_review", "存在需入户核实的财产情况", f"{S4} 一(二)"
)
# A household that still qualifies by the 支出型 route is 符合, not in its gradual exit.
taper = (
    col("dibao_current")
    & ~(income_test | _expenditure_route)
    & has_wage.ref
    & (col("dibao_taper_used") < p("dibao.taper_months"))
).named("taper", "就业后收入超过标准（且不符合支出型低保），处于渐退期内", f"{S4} 一(三)；{S1} 第三十三条")
dibao_status = where(
    taper,
    TAPER,
    where(hard_fail | all_tekun, NOT_ELIGIBLE, where(needs_review, REVIEW, ELIGIBLE)),
).named("dibao_status", "低保认定结果", f"{S1} 第二十八条；R11.3 自动研判仅作建议")

gap = greatest(threshold - assessed_income, 0).named(
    "gap", "补差金额（标准×人数−认定收入）", f"{S9} 第二十七条；{S7} 第十二条"
)
per_capita_permille = where(M > 0, assessed_income * 1000 // greatest(threshold, 1), 0).named(
    "per_capita_permille", "人均收入占低保标准的千分比（向下取整，仅供显示）", f"{S1} 第二十三条"
)
# Tiers compare multiplied values (income × 1000 ≤ standard × members × bound): exact at the bounds.
tier_pay = where(
    assessed_income * 1000 <= threshold * p("dibao.tier1_max"),
    p("dibao.tier1_pay"),
    where(
        assessed_income * 1000 <= threshold * p("dibao.tier2_max"), p("dibao.tier2_pay"), p("dibao.tier3_pay")
    ),
)
tiered = half_up(threshold * tier_pay, 1000).named(
    "tiered", "分档金额（标准×人数×档次比例）", f"{S1} 第二十三条；{LOCAL}"
)
base_amount = where(p("dibao.calc_mode").eq(1), tiered, gap).named(
    "base_amount", "基本保障金（补差或分档，按参数）", f"{S1} 第二十三条"
)
# Each category's add-on is a share of the standard per person, rounded half up to the fen (C1).
addon = (
    n_elderly.ref * half_up(standard * p("addon.elderly"), 1000)
    + n_minor.ref * half_up(standard * p("addon.minor"), 1000)
    + n_severe.ref * half_up(standard * p("addon.severe_disability"), 1000)
    + n_ill.ref * half_up(standard * p("addon.serious_illness"), 1000)
).named("addon", "分类施保加发（老年人、未成年人、重残、重病按标准比例）", f"{S1} 第二十七条；{LOCAL}")
dibao_amount = where(
    dibao_status.eq(TAPER),
    col("dibao_last_amount_fen"),
    where(dibao_status.eq(NOT_ELIGIBLE), 0, greatest(base_amount + addon, p("dibao.min_payment"))),
).named("dibao_amount", "低保月保障金额", f"{S1} 第二十一条")

edge_income = (countable * 1000 < threshold * p("edge.multiple")).named(
    "edge_income", "人均收入低于低保标准的规定倍数", f"{S5} 二；{S1} 第八条"
)
edge_assets = (col("financial_assets_fen") <= threshold * p("edge.asset_months")).named(
    "edge_assets", "金融资产符合低保边缘家庭财产规定", f"{S5} 二；{LOCAL}"
)
edge_status = where(
    dibao_status.eq(NOT_ELIGIBLE) & ~all_tekun & edge_income & edge_assets & (M > 0),
    where(needs_review, REVIEW, ELIGIBLE),
    NOT_ELIGIBLE,
).named("edge_status", "低保边缘家庭认定结果", f"{S1} 第八条；{S4} 一(四)")

disposable_line = half_up(p("disposable.yearly") * M, 12).named(
    "disposable_line", "上年度当地居民人均可支配收入（月）×家庭人数", f"{S3} 第四条"
)
# Compared on yearly figures (monthly income × 12 against the yearly line): no rounding in the decision.
rigid_income_ok = (total_income.ref * 12 < p("disposable.yearly") * M).named(
    "rigid_income_ok", "家庭人均收入低于上年度人均可支配收入", f"{S3} 第四条"
)
rigid_ratio_ok = (
    (total_spending.ref * 1000 > total_income.ref * p("rigid.ratio")) & (total_spending.ref > 0)
).named("rigid_ratio_ok", "刚性支出占家庭总收入的比例超过规定比例", f"{S3} 第四条；{LOCAL}")
rigid_status = where(
    dibao_status.eq(NOT_ELIGIBLE)
    & edge_status.eq(NOT_ELIGIBLE)
    & n_tekun_candidates.ref.eq(0)
    & rigid_income_ok
    & rigid_ratio_ok
    & edge_assets,
    where(needs_review, REVIEW, ELIGIBLE),
    NOT_ELIGIBLE,
).named("rigid_status", "刚性支出困难家庭认定结果", f"{S3} 第四条")

ta_multiple = where(
    col("ta_type").eq("emergency"),
    where(
        col("ta_tier") <= 1,
        p("ta.emergency1"),
        where(col("ta_tier").eq(2), p("ta.emergency2"), p("ta.emergency3")),
    ),
    where(
        col("ta_tier") <= 1,
        p("ta.expenditure1"),
        where(col("ta_tier").eq(2), p("ta.expenditure2"), p("ta.expenditure3")),
    ),
).named("ta_multiple", "临时救助倍数（按类型和档次，千分比）", f"{S8} 二(三)；{LOCAL}")
ta_status = where(
    col("ta_type").eq("emergency"),
    ELIGIBLE,
    where(col("ta_type").eq("expenditure") & rigid_income_ok & edge_assets & (M > 0), ELIGIBLE, NOT_ELIGIBLE),
).named("ta_status", "临时救助（急难型先行救助；支出型核查收入财产）", f"{S8} 二(一)(二)")
ta_amount = where(
    ta_status.eq(ELIGIBLE),
    half_up(standard * ta_multiple, 1000) * where(p("ta.per_person").eq(1), greatest(M, 1), 1),
    0,
).named("ta_amount", "临时救助金额（一次性）", f"{S8} 二(三)")

# ==== Stage 4: back to each person ==================================================================
BROADCAST = (
    "dibao_status", "dibao_amount", "edge_status", "rigid_status", "members", "tekun_means",
    "n_able_supporters", "edge_income",
)  # fmt: skip
dibao_yes = col("dibao_status").isin(list(is_status_yes))

no_able_supporter = (
    (col("n_able_supporters") - where(col("able_supporter"), 1, 0))
    .eq(0)
    .named(
        "no_able_supporter",
        "本人无法定义务人或义务人均无履行能力（户内其他成员与户外义务人逐人认定，本人不计入）",
        f"{S2} 第八条",
    )
)
tekun_status = where(tekun_candidate & col("tekun_means") & no_able_supporter, ELIGIBLE, NOT_ELIGIBLE).named(
    "tekun_status", "特困人员认定结果（三个条件同时具备）", f"{S2} 第四条"
)
tekun_basic = greatest(p("tekun.basic_min"), half_up(standard * p("tekun.basic_multiple"), 1000)).named(
    "tekun_basic", "特困基本生活标准（不低于低保标准的规定倍数）", f"{S7} 第十五条；{LOCAL}"
)
tekun_care = where(
    adl_level.eq(0),
    p("tekun.care_full"),
    where(adl_level.eq(1), p("tekun.care_partial"), p("tekun.care_total")),
).named("tekun_care", "照料护理标准（按生活自理能力）", f"{S2} 第二十条；{LOCAL}")
tekun_amount = where(tekun_status.eq(ELIGIBLE), tekun_basic + tekun_care, 0).named(
    "tekun_amount", "特困供养月金额（基本生活+照料护理）", f"{S7} 第十五条"
)

# 单人户 (policy-spec R1.6): each route of S1 art. 8 and S4 一(一), then the person's own income test.
_single_edge_route = (
    col("counted")
    & col("edge_status").isin([ELIGIBLE, REVIEW])
    & (severe_disability | col("serious_illness"))
)
single_edge_route = _single_edge_route.named(
    "single_edge_route", "低保边缘家庭中的重度残疾人或重病患者（可单独提出申请）", f"{S1} 第八条第一、二项"
)
_single_disabled_route = (
    col("counted")
    & (col("age") >= p("single.adult_age"))
    & severe_disability
    & (col("income_wage_fen") + col("income_business_fen")).eq(0)
)
single_disabled_route = _single_disabled_route.named(
    "single_disabled_route",
    "成年无业重度残疾人（无工资性和经营性收入，可按单人户申请）",
    f"{S4} 一(一)；{S5} 四(一)",
)
# (at least one year: a limit of 0 must not make everybody a clergy member; the bound is one literal)
_single_clergy_route = col("clergy_venue_years") >= greatest(p("single.clergy_years"), 1)
single_clergy_route = _single_clergy_route.named(
    "single_clergy_route", "在宗教活动场所居住满规定年限的宗教教职人员", f"{S1} 第八条第三项"
)
_single_local = p("single.local_route").eq(1) & col("single_local_route")
single_local = _single_local.named(
    "single_local", "县级以上民政部门规定的其他单独申请情形（本地启用时）", f"{S1} 第八条第四项；{LOCAL}"
)
_single_route = _single_edge_route | _single_disabled_route | _single_clergy_route | _single_local
single_route = _single_route.named(
    "single_route", "可单独提出低保申请（单人户）", f"{S1} 第八条；{S4} 一(一)"
)
_single_income = greatest(
    own_income
    - own_rigid
    - where(
        _single_disabled_route & p("single.exempt_family_support").eq(1), col("income_family_support_fen"), 0
    ),
    0,
)
single_income = _single_income.named(
    "single_income",
    "单人户认定月收入（本人收入扣减本人刚性支出；成年无业重度残疾人可豁免兄弟姐妹或60周岁以上父母给付的赡养扶养费）",
    f"{S1} 第十三条；{S4} 一(一)",
)
single_dibao_status = where(
    _single_route
    & (~col("counted") | col("dibao_status").eq(NOT_ELIGIBLE))
    & tekun_status.eq(NOT_ELIGIBLE)
    & (_single_income < standard),
    ELIGIBLE,
    NOT_ELIGIBLE,
).named("single_dibao_status", "单人户纳入低保（本人收入低于低保标准）", f"{S1} 第八条；{S4} 一(一)")
single_dibao_amount = where(
    single_dibao_status.eq(ELIGIBLE),
    greatest(standard - _single_income, 0)
    + where(severe_disability, half_up(standard * p("addon.severe_disability"), 1000), 0)
    + where(col("serious_illness"), half_up(standard * p("addon.serious_illness"), 1000), 0)
    + where(pay_age >= p("addon.elderly_age"), half_up(standard * p("addon.elderly"), 1000), 0)
    + where(pay_age < p("addon.minor_age"), half_up(standard * p("addon.minor"), 1000), 0),
    0,
).named(
    "single_dibao_amount", "单人户低保月金额（补差+分类施保，加发额四舍五入到分）", f"{S1} 第八条、第二十七条"
)

child_standard = where(col("in_institution"), p("orphan.institutional"), p("orphan.dispersed"))
orphan_amount = where(is_orphan & col("chooses_child_allowance"), child_standard, 0).named(
    "orphan_amount", "孤儿基本生活费（集中/散居标准）", S12
)
unsupported_amount = where(
    unsupported_child & col("chooses_child_allowance"),
    where(
        dibao_yes,
        greatest(p("orphan.dispersed") - half_up(col("dibao_amount"), greatest(col("members"), 1)), 0),
        p("orphan.dispersed"),
    ),
    0,
).named(
    "unsupported_amount",
    "事实无人抚养儿童基本生活补贴（参照散居孤儿标准；已享受低保的补差）",
    f"{S10} 三(一)",
)

living_allowance = where(
    is_disabled
    & (
        dibao_yes
        | (col("edge_status").eq(ELIGIBLE) & p("disab.living_edge").eq(1))
        | tekun_status.eq(ELIGIBLE)
    )
    & ~(unsupported_child & col("chooses_child_allowance") & ~dibao_yes),
    p("disab.living"),
    0,
).named(
    "living_allowance", "困难残疾人生活补贴（低保家庭残疾人，可扩至低保边缘）", f"残疾人两项补贴；{LOCAL}"
)
care_allowance = where(
    col("disability_grade").eq(1),
    p("disab.care_grade1"),
    where(
        col("disability_grade").eq(2),
        p("disab.care_grade2"),
        where(
            col("disability_grade").isin([3, 4]) & col("disability_type").isin(["intellectual", "mental"]),
            p("disab.care_mental34"),
            0,
        ),
    ),
).named("care_allowance", "重度残疾人护理补贴（一二级，可扩至三四级智力/精神）", f"残疾人两项补贴；{LOCAL}")

longevity_allowance = where(
    col("pay_age") >= p("elderly.age3"),
    p("elderly.amount3"),
    where(
        col("pay_age") >= p("elderly.age2"),
        p("elderly.amount2"),
        where(col("pay_age") >= p("elderly.age1"), p("elderly.amount1"), 0),
    ),
).named("longevity_allowance", "高龄津贴（按计发年龄所在年龄段）", f"policy-spec R6.5、R10.6；{LOCAL}")

disabled_elderly_subsidy = where(
    (col("pay_age") >= p("tekun.age_elderly"))
    & adl_level.ne(0)
    & (dibao_yes | col("edge_status").eq(ELIGIBLE) | (tekun_status.eq(ELIGIBLE) & ~col("in_institution"))),
    where(adl_level.eq(1), p("elderly.care_partial"), p("elderly.care_total")),
    0,
).named(
    "disabled_elderly_subsidy",
    "经济困难失能老年人补贴（低保、分散特困、低保边缘中的失能老人）",
    f"policy-spec R6.6；{LOCAL}",
)

med_ratio = where(
    tekun_status.eq(ELIGIBLE),
    p("med.ratio_tekun"),
    where(
        dibao_yes | single_dibao_status.eq(ELIGIBLE),
        p("med.ratio_dibao"),
        where(
            col("edge_status").eq(ELIGIBLE),
            p("med.ratio_edge"),
            where(col("rigid_status").eq(ELIGIBLE), p("med.ratio_rigid"), 0),
        ),
    ),
).named("med_ratio", "医疗救助比例（按救助对象类别，千分比）", f"{S13}；{LOCAL}")
med_deductible = where(
    col("edge_status").eq(ELIGIBLE)
    & ~dibao_yes
    & tekun_status.ne(ELIGIBLE)
    & single_dibao_status.ne(ELIGIBLE),
    p("med.deductible_edge"),
    where(
        col("rigid_status").eq(ELIGIBLE),
        p("med.deductible_rigid"),
        0,
    ),
).named("med_deductible", "医疗救助起付线（年）", f"{S13}；{LOCAL}")
med_status = where(col("counted") & (med_ratio > 0), ELIGIBLE, NOT_ELIGIBLE).named(
    "med_status", "医疗救助对象", f"{S7} 第二十八条；{S5} 四(二)1"
)
med_amount = where(
    med_status.eq(ELIGIBLE),
    least(half_up(greatest(col("medical_oop_year_fen") - med_deductible, 0) * med_ratio, 1000), p("med.cap")),
    0,
).named("med_amount", "医疗救助金额（年度，政策范围内自付−起付线）×比例，不超过年度上限", f"{S13}；{LOCAL}")

person_monthly = (
    tekun_amount + single_dibao_amount + orphan_amount + unsupported_amount + living_allowance + care_allowance
    + longevity_allowance + disabled_elderly_subsidy
).named("person_monthly", "个人按月发放合计")  # fmt: skip

# ==== Stage 5: household totals =====================================================================
n_tekun = Agg("count", tekun_status.eq(ELIGIBLE), "n_tekun", "特困人员数")
tekun_total = Agg("sum", tekun_amount, "tekun_total", "特困供养金额合计")
single_dibao_total = Agg("sum", single_dibao_amount, "single_dibao_total", "单人户低保金额合计")
child_total = Agg("sum", orphan_amount + unsupported_amount, "child_total", "儿童基本生活费合计")
disab_total = Agg("sum", living_allowance + care_allowance, "disab_total", "残疾人两项补贴合计")
elderly_total = Agg(
    "sum", longevity_allowance + disabled_elderly_subsidy, "elderly_total", "高龄津贴与失能老人补贴合计"
)
med_total = Agg("sum", med_amount, "med_total", "医疗救助金额合计（年度）")
# The household's sum of person_monthly, from the programme totals (the same sum, without adding every
# person's amounts a second time).
person_total = (
    tekun_total.ref + single_dibao_total.ref + child_total.ref + disab_total.ref + elderly_total.ref
).named("person_total", "个人按月发放合计（特困、单人户低保、儿童、残疾人、老年人）")

monthly_total = (dibao_amount + person_total).named("monthly_total", "家庭每月救助金额合计")


RULES = RuleSet(
    stages=[
        person_stage(
            pay_age, severe_disability, working_age, imputation_applies, imputed_income, employment_cost, net_transfer,
            basic_pension_counted, excluded_income, own_income, countable_income, tekun_income, own_rigid,
            rigid_deduction, rigid_spending, is_elderly, is_minor, tekun_disability, tekun_school_continues, no_labour,
            is_orphan, unsupported_child, takes_child_allowance, tekun_candidate, supporter_low_income,
            supporter_reason, able_supporter, adl_level,
            is_disabled,
        ),
        aggregate_stage(
            members, total_income, total_tekun_income, total_rigid, total_spending, n_elderly, n_minor, n_severe,
            n_ill, n_able, n_tekun_candidates, has_wage,
        ),
        household_stage(
            capped_rigid, countable, threshold, income_test, spending_countable, expenditure_route, assessed_income,
            financial_ok, private_vehicle_flag, production_vehicle_flag, disability_vehicle_flag,
            agricultural_vehicle_flag, vehicle_flag, housing_flag, business_flag, tekun_property_ok, tekun_means,
            outside_able, tekun_no_supporter, n_able_supporters, all_tekun,
            hard_fail, needs_review, taper, dibao_status, gap, per_capita_permille, tiered, base_amount, addon,
            dibao_amount, edge_income, edge_assets, edge_status, disposable_line, rigid_income_ok, rigid_ratio_ok,
            rigid_status, ta_multiple, ta_status, ta_amount,
        ),
        broadcast_stage(*BROADCAST),
        person_stage(
            no_able_supporter, tekun_status, tekun_basic, tekun_care, tekun_amount, single_edge_route, single_disabled_route,
            single_clergy_route, single_local, single_route, single_income, single_dibao_status, single_dibao_amount,
            orphan_amount, unsupported_amount, living_allowance, care_allowance, longevity_allowance,
            disabled_elderly_subsidy, med_ratio, med_deductible, med_status, med_amount, person_monthly,
        ),
        aggregate_stage(
            n_tekun, tekun_total, single_dibao_total, child_total, disab_total, elderly_total, med_total,
        ),
        household_stage(person_total, monthly_total),
    ]
)  # fmt: skip


@dataclass(frozen=True)
class Programme:
    """How a programme's result is read out of the rule results, and which steps explain it."""

    code: str
    label: str
    level: str  # household | person
    status: str  # name of the status column; "" = derived from amount > 0
    amount: str
    period: str  # 月 | 年 | 次
    reference: str
    steps: tuple[str, ...]


PROGRAMMES: list[Programme] = [
    Programme("dibao", "最低生活保障（低保）", "household", "dibao_status", "dibao_amount", "月", f"{S7} 第九条；{S1}",
              ("employment_cost", "net_transfer", "basic_pension_counted", "excluded_income", "countable_income",
               "members", "total_income", "total_rigid", "capped_rigid", "countable", "threshold", "income_test",
               "spending_countable", "expenditure_route", "assessed_income", "financial_ok", "private_vehicle_flag",
               "production_vehicle_flag", "disability_vehicle_flag", "agricultural_vehicle_flag", "vehicle_flag",
               "housing_flag", "business_flag", "all_tekun", "taper", "dibao_status", "gap", "tiered",
               "base_amount", "addon", "dibao_amount")),
    Programme("dibao_single", "低保（单人户纳入）", "person", "single_dibao_status", "single_dibao_amount", "月",
              f"{S1} 第八条；{S4} 一(一)",
              ("severe_disability", "excluded_income", "own_income", "single_edge_route", "single_disabled_route",
               "single_clergy_route", "single_local", "single_route", "single_income", "single_dibao_status",
               "single_dibao_amount")),
    Programme("edge", "低保边缘家庭", "household", "edge_status", "", "月", f"{S1} 第八条；{S5} 二",
              ("countable", "threshold", "edge_income", "edge_assets", "edge_status")),
    Programme("rigid", "刚性支出困难家庭", "household", "rigid_status", "", "月", S3,
              ("total_income", "total_spending", "disposable_line", "rigid_income_ok", "rigid_ratio_ok",
               "edge_assets", "rigid_status")),
    Programme("tekun", "特困人员救助供养", "person", "tekun_status", "tekun_amount", "月", f"{S2}；{S7} 第十四条",
              ("tekun_school_continues", "no_labour", "takes_child_allowance", "tekun_candidate",
               "tekun_property_ok", "tekun_means", "outside_able", "no_able_supporter", "tekun_status", "adl_level",
               "tekun_basic", "tekun_care", "tekun_amount")),
    Programme("temporary", "临时救助", "household", "ta_status", "ta_amount", "次", S8,
              ("rigid_income_ok", "edge_assets", "ta_status", "ta_multiple", "ta_amount")),
    Programme("medical", "医疗救助", "person", "med_status", "med_amount", "年", f"{S13}；{S7} 第二十八条",
              ("med_ratio", "med_deductible", "med_status", "med_amount")),
    Programme("orphan", "孤儿基本生活保障", "person", "", "orphan_amount", "月", S12, ("is_orphan", "orphan_amount")),
    Programme("unsupported_child", "事实无人抚养儿童保障", "person", "", "unsupported_amount", "月", S10,
              ("unsupported_child", "unsupported_amount")),
    Programme("disability_living", "困难残疾人生活补贴", "person", "", "living_allowance", "月", "残疾人两项补贴",
              ("is_disabled", "living_allowance")),
    Programme("disability_care", "重度残疾人护理补贴", "person", "", "care_allowance", "月", "残疾人两项补贴",
              ("care_allowance",)),
    Programme("longevity", "高龄津贴", "person", "", "longevity_allowance", "月", "policy-spec R6.5",
              ("pay_age", "longevity_allowance")),
    Programme("disabled_elderly", "经济困难失能老年人补贴", "person", "", "disabled_elderly_subsidy", "月",
              "policy-spec R6.6", ("pay_age", "adl_level", "disabled_elderly_subsidy")),
]  # fmt: skip

PROGRAMME_BY_CODE = {prog.code: prog for prog in PROGRAMMES}

__all__ = ["PARAMS", "PROGRAMMES", "RULES", "STATUS_LABELS", "Expr", "lit"]
