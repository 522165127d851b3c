"""Request and response shapes of the parameters API.

Inputs are loose (text or numbers) and judged by parameters.services, so the API gives the same
Chinese messages as the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from dajiuzhu.core.inputs import Date, Int, Line, Text


class FieldErrorOut(Schema):
    field: str
    message: str
    row: int | None = None


class ErrorOut(Schema):
    code: str = Field(
        ..., description="机器可读的错误代码，如 validation_failed、permission_denied、not_found"
    )
    message: str
    errors: list[FieldErrorOut] = []


class ParameterOut(Schema):
    name: str
    label: str
    unit: str
    kind: str = Field(..., description="money（元，两位小数）、integer、number 或 text")
    value: Any = Field(None, description="所选日期对本人所在区域生效的取值；尚未生效时为 null")
    jurisdiction: str = Field(..., description="取值所属辖区代码（CN 为全国）")
    jurisdiction_name: str
    start: dt.date | None
    reference: str
    unverified: bool = Field(..., description="示例值，待以正式文件替换")
    from_ui: bool = Field(..., description="在平台上设置的本地调整")
    change_id: int | None


class HistoryEntryOut(Schema):
    jurisdiction: str
    jurisdiction_name: str
    start: dt.date
    value: Any
    reference: str
    unverified: bool
    from_ui: bool
    change_id: int | None
    note: str
    created_by: str
    created_at: dt.datetime | None
    withdrawn: bool
    withdrawn_at: dt.datetime | None
    withdrawn_by: str
    withdraw_reason: str
    replaced: bool = Field(..., description="同一辖区同一起始日期的文件取值已被本地调整取代")
    in_force: bool
    can_withdraw: bool


class HistoryOut(Schema):
    name: str
    label: str
    unit: str
    kind: str
    current: ParameterOut
    entries: list[HistoryEntryOut]
    jurisdiction: str | None = Field(None, description="本人新设取值所属的辖区；乡镇及以下为 null")
    can_edit: bool


class ChangeIn(Schema):
    start: Line | Date | None = Field(None, description="起始日期，如 2025-07-01")
    value: Line | Int | float | None = Field(None, description="取值；金额以元为单位，最多两位小数")
    reference: Line | None = Field(None, description="依据：政策文件名称或文号（必填）")
    note: Text = Field("", description="备注；起始日期早于今天（追溯调整）时必填")


class WithdrawIn(Schema):
    reason: Text | None = Field(None, description="撤回原因（必填）")


class ChangeOut(Schema):
    id: int
    name: str
    jurisdiction: str
    start: dt.date
    value: str
    reference: str
    note: str
    created_by: str
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    withdraw_reason: str
