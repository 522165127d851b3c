"""Request and response shapes of the intake API.

Inputs stay loose where the services judge them (amounts as text or numbers, free text that may be
empty), so a missing reason or a bad amount gets the same Chinese message naming the field as on the
pages. Outputs: money as strings with two decimals ("650.00"), dates ISO, ID numbers masked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from dajiuzhu.core.inputs import Date, Int, Line, SmallInt, Text
from dajiuzhu.registry.schemas import ErrorOut, FieldErrorOut

__all__ = ["ErrorOut", "FieldErrorOut"]

Amount = Line | int | float | None

VERSION_DESCRIPTION = "读取时的版本号（version）；申请已被他人处理时返回409 conflict。不填则不比对版本"


# ---- catalogue ----------------------------------------------------------------------------------


class MaterialOut(Schema):
    name: str = Field(..., description="材料名称")
    platform: bool = Field(..., description="是否由平台共享获取（无需申请人提交）")


class DepartmentOut(Schema):
    code: str = Field(..., description="部门代码")
    name: str = Field(..., description="部门名称")


class LimitsOut(Schema):
    accept_days: int = Field(..., description="受理时限（工作日）")
    investigation_days: int = Field(..., description="入户调查时限（工作日）")
    check_days: int = Field(..., description="经济状况核对时限（工作日）")
    opinion_days: int = Field(..., description="乡镇审核意见时限（工作日）")
    decision_days: int = Field(..., description="审批时限（工作日）")
    notify_days: int = Field(..., description="送达时限（工作日）")
    notice_days: int | None = Field(
        ..., description="公示天数（自然日，不计公示当日）；空：按政策参数 publicity.days"
    )
    total_days: int | None = Field(
        ..., description="办结时限（工作日）；空：按政策参数 deadline.dibao_total_working_days"
    )
    total_days_delegated: int = Field(..., description="审批权下放乡镇后的办结时限（工作日）")
    total_days_extended: int = Field(..., description="延期后的办结时限（工作日）")


class ItemOut(Schema):
    code: str = Field(..., description="事项代码")
    name: str = Field(..., description="事项名称")
    category: str = Field(..., description="类别")
    department: DepartmentOut = Field(..., description="主管部门")
    programme: str = Field(..., description="对应研判项目代码（即时核对的建议来源）")
    accept_level: str = Field(..., description="受理层级：village/township/county/department")
    accept_level_label: str = Field(..., description="受理层级（中文）")
    decide_level: str = Field(..., description="审批层级：township/county/department")
    decide_level_label: str = Field(..., description="审批层级（中文）")
    delegated_counties: list[str] = Field(
        ..., description="调用者辖区内审批权下放乡镇的县（区划代码；县级账户只看到本县）"
    )
    delegated: bool = Field(..., description="调用者所在县是否已将审批权下放乡镇")
    jurisdiction: str = Field(..., description="本目录所按的辖区（调用者所在区域的代码）")
    on: dt.date = Field(..., description="本目录所按的日期")
    local_fields: list[str] = Field(..., description="由本地调整的字段（其余为全国统一的出厂设置）")
    local_version: int = Field(
        ..., description="调用者本级辖区对本事项的调整版本（0：未调整）；本地调整时提交"
    )
    needs_investigation: bool = Field(..., description="是否入户调查")
    needs_check: bool = Field(..., description="是否经济状况核对")
    needs_opinion: bool = Field(..., description="是否乡镇审核意见")
    public_notice: bool = Field(..., description="审核后是否在村（社区）公示")
    publish_after: bool = Field(..., description="批准后是否公布")
    sampling_percent: int = Field(..., description="县级入户抽查比例（%）")
    limits: LimitsOut = Field(..., description="各环节时限")
    materials: list[MaterialOut] = Field(..., description="申请材料清单")
    reference: str = Field(..., description="政策依据")
    unverified: bool = Field(..., description="示例配置，待当地核实")
    is_active: bool = Field(..., description="是否启用")


class ItemChangeIn(Schema):
    start: Line = Field(
        ..., description="起始日期 YYYY-MM-DD（今天或以后；已提出的申请按提出当日的目录办理）"
    )
    version: Int = Field(..., description="读取事项时的 local_version；他人已先保存时返回409 conflict")
    values: dict[str, Any] = Field(
        ..., description="本地调整的字段：name 事项名称、department 主管部门代码、materials 申请材料"
        "（[{name, platform}] 或每行一项的文字）、各时限（*_days，公示天数和办结时限可为 null：按政策参数）、"
        "sampling_percent 县级抽查比例、delegated 审批权下放乡镇（只能是本县）；全国统一的字段返回403",
    )  # fmt: skip
    reference: Line = Field("", description="依据（文号）")
    note: Text = Field("", description="备注")
    jurisdiction: Line = Field("", description="辖区代码；不填为调用者本级，填写其他辖区返回403")


class ItemChangeOut(Schema):
    id: int = Field(..., description="调整记录ID")
    item_code: str = Field(..., description="事项代码")
    jurisdiction: str = Field(..., description="辖区代码")
    start: dt.date = Field(..., description="起始日期")
    version: int = Field(..., description="该辖区对本事项的第几版调整")
    values: dict[str, Any] = Field(..., description="自起始日期起该辖区与上级设置不同的全部本地取值")
    reference: str = Field(..., description="依据")
    note: str = Field(..., description="备注")
    created_by: str = Field(..., description="修改人（用户名；空：数据迁移）")
    created_at: dt.datetime = Field(..., description="修改时间")


# ---- filing -------------------------------------------------------------------------------------


class FileIn(Schema):
    id_number: Line = Field("", description="申请人身份证号码（放在请求体中，不要放在地址里）")
    items: list[Line] = Field(default_factory=list, description="申请的救助事项代码，可一次选多项（一次办）")
    materials: dict[str, list[Line]] = Field(
        default_factory=dict, description="已收到的材料：{事项代码: [材料名称]}；缺少的材料在回执上一次性告知"
    )
    proxy_authorisation: Text = Field("", description="代办时的授权委托书编号或说明（网格员代办必填）")
    related_staff: Text = Field("", description="申请人与经办人员或村干部的近亲属关系（有则单独登记备案）")
    reason: Text = Field("", description="申请事由")


# ---- applications -------------------------------------------------------------------------------


class ApplicationOut(Schema):
    id: int
    number: str = Field(..., description="申请编号")
    kind: str = Field(
        ..., description="类型：new 新申请、review 定期复核、recheck 变化复核、change 调整/停发"
    )
    kind_label: str
    receipt_id: int | None = Field(None, description="受理回执ID")
    item_code: str = Field(..., description="事项代码")
    item_name: str = Field(..., description="事项名称")
    department: str = Field(..., description="主管部门名称")
    area_code: str = Field(..., description="所属区域代码")
    area_name: str = Field(..., description="所属区域")
    household_id: int = Field(..., description="家庭ID")
    household_number: str = Field(..., description="户编号")
    applicant_name: str = Field(..., description="申请人姓名")
    applicant_id_number: str = Field(..., description="申请人身份证号码（已脱敏）")
    channel: str = Field(..., description="申请渠道：window 窗口受理、village 村级申报、proxy 网格员代办")
    channel_label: str
    status: str = Field(..., description="状态代码")
    status_label: str = Field(..., description="状态（中文）")
    waiting_on: str = Field(..., description="待办层级：village/township/county/department，空为已办结")
    waiting_on_label: str = Field(..., description="待办层级（中文）")
    filed_at: dt.datetime = Field(..., description="申报时间")
    accepted_on: dt.date | None = Field(None, description="受理日期")
    step_due: dt.date | None = Field(None, description="本环节到期日")
    total_due: dt.date | None = Field(None, description="办结期限")
    extended: bool = Field(..., description="已延期")
    escalated: bool = Field(..., description="已逾期督办")
    sampled: bool = Field(..., description="县级抽查")
    county_visit_required: bool = Field(..., description="审批前需县级入户核查")
    separate_registration: bool = Field(..., description="单独登记备案（与经办人员有近亲属关系）")
    materials_received: list[str] = Field(..., description="已收材料")
    materials_missing: list[str] = Field(..., description="尚缺材料")
    opinion: str = Field(..., description="乡镇意见：approve/reject，空为尚未提出")
    proposed_amount: str | None = Field(None, description='拟保障金额（元/月），如 "650.00"')
    decision: str = Field(..., description="审批结果：approve/reject，空为尚未审批")
    decided_amount: str | None = Field(None, description='核定金额（元/月），如 "650.00"')
    notified_on: dt.date | None = Field(None, description="决定书送达日期")
    version: int = Field(..., description="版本号：办理环节时带上，防止两人同时办理")


class EventOut(Schema):
    action: str = Field(..., description="环节代码")
    label: str = Field(..., description="环节")
    from_status: str
    to_status: str
    actor_name: str = Field(..., description="经办人")
    at: dt.datetime = Field(..., description="时间")
    comment: str = Field(..., description="说明")


class InvestigationOut(Schema):
    id: int
    kind: str = Field(..., description="home 入户调查、county 县级入户核查、reinvestigation 重新调查")
    kind_label: str
    visited_on: dt.date = Field(..., description="调查日期")
    remote: bool = Field(..., description="远程（电话/视频）")
    investigators: list[str] = Field(..., description="调查人员")
    present_members: str = Field(..., description="在场家庭成员")
    neighbours: str = Field(..., description="邻里走访")
    findings: str = Field(..., description="调查情况")
    recommendation: str = Field(..., description="调查结论：approve/reject/空")
    photo_count: int = Field(..., description="照片张数（照片只能在页面上传和查看）")


class ObjectionOut(Schema):
    id: int
    lodged_at: dt.datetime = Field(..., description="提出时间")
    name: str = Field(..., description="反映人")
    phone: str = Field(..., description="联系电话（已脱敏）")
    content: str = Field(..., description="异议内容")
    status: str = Field(..., description="open 待处理、upheld 异议成立、dismissed 异议不成立")
    status_label: str
    handled_at: dt.datetime | None = None
    handling: str = Field(..., description="处理意见")


class NoticeOut(Schema):
    id: int
    kind: str = Field(..., description="publicity 公示、publication 公布")
    kind_label: str
    village_code: str
    round: int = Field(..., description="第几轮公示")
    starts_on: dt.date
    ends_on: dt.date
    closed: bool
    masked_name: str = Field(..., description="公示的姓名（部分隐藏）")
    amount: str | None = Field(None, description="公示金额（元/月）")
    objections: list[ObjectionOut]


class ApplicationDetailOut(ApplicationOut):
    reason: str = Field(..., description="申请事由")
    is_proxy: bool = Field(..., description="代办")
    proxy_authorisation: str = Field(..., description="授权委托书")
    separate_reason: str = Field(..., description="单独登记备案原因")
    opinion_reason: str = Field(..., description="乡镇意见说明")
    decision_reason: str = Field(..., description="审批理由")
    decided_at: dt.datetime | None = None
    suggestion: dict[str, Any] = Field(..., description="受理时的研判建议（仅供参考）")
    check_result: dict[str, Any] = Field(..., description="经济状况核对结果")
    events: list[EventOut] = Field(..., description="办理过程")
    investigations: list[InvestigationOut] = Field(..., description="入户调查与核查记录")
    notices: list[NoticeOut] = Field(..., description="公示、公布及异议")


class ApplicationPage(Schema):
    total: int = Field(..., description="符合条件的总数")
    limit: int
    offset: int
    items: list[ApplicationOut]


class StatusCountOut(Schema):
    status: str
    status_label: str
    count: int


class QueueOut(Schema):
    total: int = Field(..., description="待办总数")
    due_soon: int = Field(..., description="2个工作日内到期")
    overdue: int = Field(..., description="已逾期")
    escalated: int = Field(..., description="已督办")
    supervised_overdue: int = Field(..., description="辖区内全部逾期件（监管用）")
    by_status: list[StatusCountOut] = Field(..., description="按状态统计")
    limit: int
    offset: int
    items: list[ApplicationOut]


class ReceiptOut(Schema):
    id: int
    number: str = Field(..., description="回执编号")
    created_at: dt.datetime
    household_id: int
    household_number: str
    applicant_name: str
    applicant_id_number: str = Field(..., description="申请人身份证号码（已脱敏）")
    area_code: str
    window_area_code: str = Field(..., description="受理窗口所在区域")
    filed_by: str = Field(..., description="经办人")
    is_proxy: bool
    missing: list[str] = Field(..., description="需补齐的材料（一次性告知）")
    note: str
    applications: list[ApplicationOut]


# ---- steps --------------------------------------------------------------------------------------


class VersionIn(Schema):
    version: Int | None = Field(None, description=VERSION_DESCRIPTION)


class SupplementIn(VersionIn):
    materials: list[Line] = Field(default_factory=list, description="本次补交的材料名称")


class ReasonIn(VersionIn):
    reason: Text = Field("", description="理由（必填）")


class ResubmitIn(VersionIn):
    note: Text = Field("", description="补正说明")


class InvestigateIn(VersionIn):
    visited_on: Date = Field(..., description="调查日期，如 2026-03-02")
    investigators: list[Line] | Line = Field(..., description="调查人员（2名以上），列表或用顿号分隔")
    present_members: Text = Field("", description="在场家庭成员")
    findings: Text = Field("", description="调查情况")
    recommendation: Line = Field("", description="调查结论：approve 符合、reject 不符合，可空")
    neighbours: Text = Field("", description="邻里走访情况")
    remote: bool = Field(False, description="远程（电话/视频）调查")


class OpinionIn(VersionIn):
    approve: bool = Field(..., description="true 同意、false 不同意")
    reason: Text = Field("", description="意见说明（必填）")
    amount: Amount = Field(None, description='拟保障金额（元/月），同意按月救助时必填，如 "650.00"')


class CountyVisitIn(VersionIn):
    visited_on: Date = Field(..., description="核查日期")
    investigators: list[Line] | Line = Field(..., description="核查人员（2名以上）")
    present_members: Text = Field("", description="在场家庭成员")
    findings: Text = Field("", description="核查情况")


class DecideIn(VersionIn):
    approve: bool = Field(..., description="true 批准、false 不予批准")
    reason: Text = Field("", description="审批理由（必填；不予批准须写明理由）")
    amount: Amount = Field(None, description='核定金额（元/月），批准按月救助时必填，如 "650.00"')
    review_months: SmallInt | None = Field(
        None,
        description="复核周期（月）：1、3 或政策参数 dibao.review_months.stable/unstable（默认 12、6）；不填按收入稳定家庭周期",
    )


class NotifyIn(VersionIn):
    delivered_on: Date = Field(..., description="送达日期")
    method: Line = Field("", description="送达方式，如 本人签收")


class ObjectionHandleIn(Schema):
    upheld: bool = Field(..., description="true 异议成立（退回重新调查）、false 异议不成立")
    handling: Text = Field("", description="处理意见（必填）")


# ---- household chain ----------------------------------------------------------------------------


class ChainApplicationOut(ApplicationOut):
    events: list[EventOut] = Field(..., description="办理过程")


class EntitlementOut(Schema):
    id: int
    item_code: str
    item_name: str
    application_id: int
    beneficiary_name: str
    monthly_amount: str = Field(..., description='月发放金额（元），如 "650.00"')
    start_month: dt.date = Field(..., description="起始月份")
    end_month: dt.date | None = Field(None, description="终止月份")
    status: str = Field(..., description="active 享受中、tapering 渐退期、stopped 已停发")
    status_label: str
    review_months: int
    next_review_on: dt.date | None = Field(None, description="下次复核日期")


class ChainOut(Schema):
    household_id: int
    household_number: str
    applications: list[ChainApplicationOut] = Field(..., description="该户全部申请（各部门），按申报时间")
    entitlements: list[EntitlementOut] = Field(..., description="该户正在或曾经享受的救助")


# ---- dynamic management --------------------------------------------------------------------------


class EntitlementChangeIn(Schema):
    action: Line = Field(..., description="increase 增发、reduce 减发、stop 停发、taper 渐退")
    amount: Amount = Field(None, description="调整后金额（元/月），增发、减发时必填")
    reason: Text = Field("", description="理由（必填，减发、停发将写入书面通知）")


class ReviewOpinionIn(VersionIn):
    action: Line = Field(..., description="keep 维持、increase 增发、reduce 减发、stop 停发、taper 渐退")
    amount: Amount = Field(None, description="调整后金额（元/月），增发、减发时必填")
    reason: Text = Field("", description="意见说明（必填）")
