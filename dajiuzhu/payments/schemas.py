"""Request and response shapes of the payments API (资金发放).

Money leaves as strings with two decimals ("650.00"), never as floats; months as "YYYY-MM"; account
numbers masked (the bank's name and the last four digits). Inputs stay loose where the services judge
them (an amount as text or a number), so a bad value gets the same Chinese message as on the pages.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from dajiuzhu.core.inputs import Int, Line, Text
from dajiuzhu.registry.schemas import ErrorOut, FieldErrorOut

__all__ = ["ErrorOut", "FieldErrorOut"]

VERSION_DESCRIPTION = (
    "读取时的版本号（version）；名册已被他人处理时返回409 roll_wrong_status。不填则不比对版本"
)


# ---- inputs -------------------------------------------------------------------------------------


class PrepareIn(Schema):
    county: Line = Field(..., description="县（市、区）区划代码，如 371424")
    month: Line = Field(..., description="发放月份 YYYY-MM，如 2026-12；同月草稿再次提交即重新生成")


class VersionIn(Schema):
    version: Int | None = Field(None, description=VERSION_DESCRIPTION)


class UnlockIn(VersionIn):
    reason: Text = Field("", description="退回草稿的原因（必填）")


class TownshipCheckIn(VersionIn):
    township_code: Line = Field("", description="乡镇（街道）区划代码；不填为本人所在乡镇")
    note: Text = Field("", description="核对意见")


class AuthorityIn(Schema):
    county: Line = Field(..., description="县（市、区）区划代码")
    fund: Line = Field(
        ..., description="资金类别：assistance 困难群众救助补助资金、disability、elderly、medical"
    )
    year: Int | Line = Field(..., description="年度，如 2026")
    document_number: Line = Field(..., description="指标文号")
    amount: Line | Int | float = Field(..., description='指标金额（元），如 "1000000.00"')
    account: Line = Field("", description="资金账户")


# ---- outputs ------------------------------------------------------------------------------------


class PersonAtOut(Schema):
    name: str = Field(..., description="经办人")
    at: dt.datetime = Field(..., description="时间")


class RollOut(Schema):
    id: int
    county_code: str = Field(..., description="县（市、区）区划代码")
    county_name: str = Field(..., description="县（市、区）")
    month: str = Field(..., description="发放月份 YYYY-MM")
    month_label: str = Field(..., description="发放月份（中文），如 2026年12月")
    status: str = Field(..., description="状态：draft/locked/approved/issued/returned/reconciled/closed")
    status_label: str = Field(..., description="状态（中文）")
    line_count: int = Field(..., description="笔数（调用者可见的部分）")
    payable: str = Field(..., description='应付金额（元，不含暂缓、失败），如 "3350.00"')
    prepared: PersonAtOut | None = Field(None, description="编制")
    locked: PersonAtOut | None = Field(None, description="锁定")
    approved: PersonAtOut | None = Field(None, description="审批（复核）")
    closed: PersonAtOut | None = Field(None, description="关闭")
    snapshot_sha256: str = Field(..., description="锁定时明细的SHA-256（草稿为空）")
    version: int = Field(..., description="版本号：办理环节时带上，防止两人同时办理")


class ProgrammeRowOut(Schema):
    programme: str = Field(..., description="项目代码")
    label: str = Field(..., description="项目")
    count: int = Field(..., description="笔数")
    gross: str = Field(..., description="应发（元）")
    deduction: str = Field(..., description="抵扣追回款（元）")
    net: str = Field(..., description="实发（元）")
    held: int = Field(..., description="暂缓笔数")


class CountRowOut(Schema):
    kind: str = Field("", description="类型代码：regular 当月、arrears 补发、oneoff 一次性")
    status: str = Field("", description="状态代码（按状态统计时）")
    label: str
    count: int
    amount: str = Field(..., description="金额（元）")


class TownshipRowOut(Schema):
    code: str = Field(..., description="乡镇（街道）区划代码")
    name: str
    count: int
    amount: str = Field(..., description="金额（元）")
    held: int = Field(..., description="暂缓笔数")
    checked: bool = Field(..., description="乡镇已核对")
    checked_by: str
    checked_at: dt.datetime | None = None
    checked_count: int = Field(..., description="核对时的笔数")
    checked_total: str = Field(..., description="核对时的金额（元），未核对为空")
    note: str = Field(..., description="核对意见")


class SummaryOut(Schema):
    count: int
    gross: str
    deduction: str
    payable: str = Field(..., description="应付（待发、已报盘、已发放）")
    by_programme: list[ProgrammeRowOut]
    by_kind: list[CountRowOut]
    by_status: list[CountRowOut]
    by_township: list[TownshipRowOut]


class FundOut(Schema):
    fund: str = Field(..., description="资金类别代码")
    label: str = Field(..., description="资金类别")
    authority: str = Field(..., description="年度指标（元）")
    committed: str = Field(..., description="其他已审批名册占用（元）")
    available: str = Field(..., description="本名册前剩余（元）")
    this: str = Field(..., description="本名册（元）")
    left_after: str = Field(..., description="本名册后剩余（元），为负即超出指标")
    short: bool = Field(..., description="超出剩余指标")
    exceeds: str = Field(..., description="超出金额（元），未超出为空")


class BankReturnOut(Schema):
    filename: str
    sha256: str
    paid_count: int
    paid_total: str
    failed_count: int
    failed_total: str
    imported_by: str
    imported_at: dt.datetime


class BankFileOut(Schema):
    id: int
    roll_id: int
    bank: str = Field(..., description="银行（报盘格式）代码")
    bank_name: str
    filename: str
    sha256: str = Field(..., description="文件内容的SHA-256")
    line_count: int
    total: str = Field(..., description="金额（元）")
    issued_by: str
    issued_at: dt.datetime
    download: str = Field(..., description="下载地址（API）")
    bank_return: BankReturnOut | None = Field(None, description="已导入的回盘")


class RollDetailOut(RollOut):
    summary: SummaryOut
    funds: list[FundOut] | None = Field(None, description="资金指标核对（县级及以上可见）")
    bank_files: list[BankFileOut] = Field(default_factory=list, description="报盘文件（编制人员可见）")


class LineOut(Schema):
    id: int
    reference: str = Field(..., description="流水号")
    kind: str
    kind_label: str
    programme: str
    programme_label: str
    period: str = Field(..., description="所属月份 YYYY-MM")
    beneficiary_name: str
    household_id: int
    household_number: str = Field(..., description="户编号")
    area_code: str
    village: str = Field(..., description="村（社区）")
    township_code: str
    gross: str
    deduction: str
    amount: str = Field(..., description="实发（元）")
    bank: str
    bank_name: str
    account: str = Field(..., description="收款账户（已脱敏：银行 ****后四位）")
    holder_name: str = Field(..., description="账户户名")
    status: str = Field(..., description="pending 待发、held 暂缓、sent 已报盘、paid 已发放、failed 发放失败")
    status_label: str
    hold_reason: str
    fail_reason: str
    paid_on: dt.date | None = None


class LinePage(Schema):
    total: int
    limit: int
    offset: int
    items: list[LineOut]


class TownshipCheckOut(Schema):
    roll_id: int
    township_code: str
    line_count: int
    total: str
    checked_by: str
    checked_at: dt.datetime
    note: str
    roll_version: int = Field(..., description="名册当前版本号")


class AuthorityOut(Schema):
    id: int
    county_code: str
    fund: str
    fund_label: str
    year: int
    document_number: str
    amount: str
    account: str
    created_by: str
    created_at: dt.datetime


class PositionOut(Schema):
    fund: str
    label: str
    authority: str = Field(..., description="指标（元）")
    committed: str = Field(..., description="已审批名册占用（元）")
    left: str = Field(..., description="剩余（元）")
    short: bool


class AuthorityListOut(Schema):
    county_code: str
    year: int
    items: list[AuthorityOut]
    position: list[PositionOut]
