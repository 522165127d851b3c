"""The rule definitions, written once in the expression language of rules.expr.

Policy-spec references are in each step's `reference`; every number comes from a parameter.
Status codes: 0 = not eligible, 1 = eligible, 2 = needs review (a human decides; R11.3).
"""

from __future__ import annotations

from dajiuzhu.rules.expr import Agg, Named, RuleSet, col, greatest, lit, param, where
from dajiuzhu.rules.params import EngineParam

NOT_ELIGIBLE, ELIGIBLE, REVIEW = 0, 1, 2
STATUS_LABELS = {NOT_ELIGIBLE: "不符合", ELIGIBLE: "符合", REVIEW: "需人工核实"}

PARAMS = [
    EngineParam("dibao.standard", "dibao.standard.{residence}", "fen"),
    EngineParam("edge.multiple", "edge.income_multiple", "permille"),
    EngineParam("labour.base", "labour.base", "fen"),
    EngineParam("labour.coef_full", "labour.coef.full", "permille"),
    EngineParam("labour.coef_partial", "labour.coef.partial", "permille"),
    EngineParam("labour.age_min", "labour.working_age_min", "int"),
    EngineParam("labour.age_max_male", "labour.working_age_max_male", "int"),
    EngineParam("labour.age_max_female", "labour.working_age_max_female", "int"),
    EngineParam("deduct.employment_cost", "deduct.employment_cost_ratio", "permille"),
    EngineParam("deduct.medical", "deduct.rigid_medical", "bool"),
    EngineParam("deduct.rehabilitation", "deduct.rigid_rehabilitation", "bool"),
    EngineParam("asset.financial_months", "asset.financial_per_capita_max_months", "int"),
    EngineParam("asset.vehicle_hard", "asset.vehicle_hard_fail", "bool"),
    EngineParam("addon.elderly_age", "dibao.category_addon.elderly_age", "int"),
    EngineParam("addon.minor_age", "dibao.category_addon.minor_age", "int"),
    EngineParam("addon.elderly", "dibao.category_addon.elderly", "permille"),
    EngineParam("addon.minor", "dibao.category_addon.minor", "permille"),
    EngineParam("addon.severe_disability", "dibao.category_addon.severe_disability", "permille"),
    EngineParam("addon.serious_illness", "dibao.category_addon.serious_illness", "permille"),
    EngineParam("dibao.min_payment", "dibao.min_payment", "fen"),
]

S1 = "最低生活保障审核确认办法"
p = param

# ---- person stage ------------------------------------------------------------------------------
severe_disability = (
    col("disability_grade").isin([1, 2])
    | (col("disability_grade").eq(3) & col("disability_type").isin(["intellectual", "mental"]))
).named("severe_disability", "重度残疾（一、二级或三级智力/精神）", f"{S1} 第八条")

working_age = (
    (col("age") >= p("labour.age_min"))
    & (col("age") <= where(col("sex").eq("M"), p("labour.age_max_male"), p("labour.age_max_female")))
).named("working_age", "处于劳动年龄", "地方规定（示例参数）")

imputation_applies = (
    working_age
    & col("labour_capacity").ne("none")
    & ~col("is_student")
    & ~severe_disability
    & ~col("serious_illness")
    & ~col("is_carer")
    & (col("income_wage_fen") + col("income_business_fen")).eq(0)
).named(
    "imputation_applies",
    "适用劳动力系数折算（有劳动能力而无可核实的工作收入）",
    "关于进一步做好最低生活保障等社会救助兜底工作的通知 一(一)",
)

imputed_income = where(
    col("labour_override_fen") >= 0,
    col("labour_override_fen"),
    where(
        imputation_applies,
        p("labour.base")
        * where(col("labour_capacity").eq("full"), p("labour.coef_full"), p("labour.coef_partial"))
        // 1000,
        0,
    ),
).named("imputed_income", "折算收入（工作人员认定的优先）", "地方规定（示例参数）")

employment_cost = (col("income_wage_fen") * p("deduct.employment_cost") // 1000).named(
    "employment_cost", "必要就业成本扣减", f"{S1} 第十三条"
)

countable_income = (
    col("income_wage_fen")
    - employment_cost
    + col("income_business_fen")
    + col("income_property_fen")
    + col("income_transfer_fen")
    + col("income_other_fen")
    + imputed_income
).named("countable_income", "计入的月收入", f"{S1} 第十三条")

rigid_deduction = (
    col("medical_fen") * p("deduct.medical") + col("rehabilitation_fen") * p("deduct.rehabilitation")
).named("rigid_deduction", "因病因残刚性支出扣减", f"{S1} 第十三条")

is_elderly = (col("age") >= p("addon.elderly_age")).named("is_elderly", "老年人", f"{S1} 第二十七条")
is_minor = (col("age") < p("addon.minor_age")).named("is_minor", "未成年人", f"{S1} 第二十七条")

# ---- household aggregates -------------------------------------------------------------------------
members = Agg("count", lit(True), "members", "共同生活家庭成员人数", f"{S1} 第七条")
total_income = Agg("sum", countable_income, "total_income", "家庭月收入合计", f"{S1} 第十三条")
total_rigid = Agg("sum", rigid_deduction, "total_rigid", "刚性支出扣减合计", f"{S1} 第十三条")
n_elderly = Agg("count", is_elderly, "n_elderly", "老年人数")
n_minor = Agg("count", is_minor, "n_minor", "未成年人数")
n_severe = Agg("count", severe_disability, "n_severe", "重度残疾人数")
n_ill = Agg("count", col("serious_illness"), "n_ill", "重病患者人数")

# ---- household stage -------------------------------------------------------------------------------
M = members.ref
countable = greatest(total_income.ref - total_rigid.ref, 0).named(
    "countable", "认定家庭月收入（扣减后，不低于0）", f"{S1} 第十三条"
)
threshold = (p("dibao.standard") * M).named("threshold", "低保标准×家庭人数", "社会救助暂行办法 第九条")
income_test = (countable < threshold).named("income_test", "人均收入低于低保标准", "社会救助暂行办法 第九条")
financial_ok = (col("financial_assets_fen") <= threshold * p("asset.financial_months")).named(
    "financial_ok", "金融资产不超过人均低保标准的规定月数", f"{S1} 第十四条（地方标准，示例参数）"
)
vehicle_flag = (col("vehicles") > 0).named("vehicle_flag", "有非豁免机动车辆", f"{S1} 第十四条")
housing_flag = (col("residence").eq("urban") & (col("dwellings") > 1)).named(
    "housing_flag", "城市家庭拥有两套以上住房", f"{S1} 第十四条（地方标准，示例参数）"
)
business_flag = col("has_business").named("business_flag", "成员有工商登记", f"{S1} 第十四条")
hard_fail = (~income_test | ~financial_ok | (vehicle_flag & p("asset.vehicle_hard").eq(1))).named(
    "hard_fail", "存在不符合的硬性条件", f"{S1} 第十四条"
)
needs_review = (vehicle_flag | housing_flag | business_flag).named(
    "needs_review", "存在需入户核实的财产情况", "关于进一步做好最低生活保障等社会救助兜底工作的通知 一(二)"
)
dibao_status = where(hard_fail, NOT_ELIGIBLE, where(needs_review, REVIEW, ELIGIBLE)).named(
    "dibao_status", "低保认定结果", f"{S1} 第二十八条"
)
gap = greatest(threshold - countable, 0).named(
    "gap", "补差金额（标准×人数−收入）", "最低生活保障审核审批办法 第二十七条"
)
addon = (
    p("dibao.standard")
    * (
        n_elderly.ref * p("addon.elderly")
        + n_minor.ref * p("addon.minor")
        + n_severe.ref * p("addon.severe_disability")
        + n_ill.ref * p("addon.serious_illness")
    )
    // 1000
).named("addon", "分类施保加发金额", f"{S1} 第二十七条")
dibao_amount = where(dibao_status.eq(NOT_ELIGIBLE), 0, greatest(gap + addon, p("dibao.min_payment"))).named(
    "dibao_amount", "低保月保障金额", f"{S1} 第二十一条"
)

edge_income = (countable * 1000 < threshold * p("edge.multiple")).named(
    "edge_income",
    "人均收入低于低保标准的规定倍数",
    "关于加强低收入人口动态监测做好分层分类社会救助工作的意见 二",
)
edge_status = where(dibao_status.eq(NOT_ELIGIBLE) & edge_income & financial_ok, ELIGIBLE, NOT_ELIGIBLE).named(
    "edge_status", "低保边缘家庭认定结果", f"{S1} 第八条"
)

RULES = RuleSet(
    person=[
        severe_disability,
        working_age,
        imputation_applies,
        imputed_income,
        employment_cost,
        countable_income,
        rigid_deduction,
        is_elderly,
        is_minor,
    ],
    aggregates=[members, total_income, total_rigid, n_elderly, n_minor, n_severe, n_ill],
    household=[
        countable,
        threshold,
        income_test,
        financial_ok,
        vehicle_flag,
        housing_flag,
        business_flag,
        hard_fail,
        needs_review,
        dibao_status,
        gap,
        addon,
        dibao_amount,
        edge_income,
        edge_status,
    ],
    params=[spec.name for spec in PARAMS],
)

OUTPUTS: list[Named] = [dibao_status, dibao_amount, edge_status]
