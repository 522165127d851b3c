"""Request and response shapes of the registry API.

Inputs are deliberately loose (text, numbers or Chinese labels all accepted): the API hands them to
registry.services as raw dicts, and registry.validation judges them exactly as the pages and the
Excel import do, so every message is the same everywhere. Outputs carry masked ID and phone numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from dajiuzhu.core.inputs import Int, Line, Text

Loose = Line | int | float | None
LooseBool = bool | Line | int | None


class FieldErrorOut(Schema):
    field: str
    message: str
    row: int | None = None


class ErrorOut(Schema):
    code: str = Field(..., description="机器可读的错误代码，如 validation_failed、not_found、stale_record")
    message: str
    errors: list[FieldErrorOut] = []


# ---- inputs -------------------------------------------------------------------------------------


class PersonIn(Schema):
    id_number: Loose = Field(None, description="身份证号码（18位，或15位旧号码）")
    name: Line | None = Field(None, description="姓名")
    phone: Loose = Field(None, description="联系电话")
    relation: Line | None = Field(None, description="与户主关系：head、spouse、child… 或中文“户主”等")
    disability_type: Line | None = None
    disability_grade: Loose = None
    labour_capacity: Line | None = None
    employment: Line | None = None
    school_stage: Line | None = None
    serious_illness: LooseBool = None
    illness_note: Line | None = None
    adl_eating: LooseBool = None
    adl_dressing: LooseBool = None
    adl_transfer: LooseBool = None
    adl_toileting: LooseBool = None
    adl_walking: LooseBool = None
    adl_bathing: LooseBool = None


class PersonPatchIn(PersonIn):
    version: Int | None = Field(None, description="读取时的版本号；记录已被他人修改时返回409 stale_record")


class HouseholdFieldsIn(Schema):
    address: Line | None = Field(None, description="住址")
    residence_type: Line | None = Field(None, description="城乡类别：urban/rural 或 城市/农村")
    hukou_type: Line | None = Field(None, description="户口性质")
    note: Text | None = None


class HouseholdCreateIn(HouseholdFieldsIn):
    area: Line | None = Field(None, description="所属村（社区）或网格的区划代码")
    members: list[PersonIn] = Field(default_factory=list, description="家庭成员，其中恰好一名户主")


class HouseholdPatchIn(HouseholdFieldsIn):
    area: Line | None = Field(None, description="迁到另一个村（社区）/网格时填写其区划代码")
    version: Int | None = Field(None, description="读取时的版本号；记录已被他人修改时返回409 stale_record")


class MoveIn(Schema):
    to_household_id: Int = Field(..., description="迁入家庭的ID")
    relation: Line = Field(..., description="在迁入家庭中与户主的关系")
    reason: Text = Field("", description="迁移原因")


class RevealIn(Schema):
    field: Literal["id_number", "phone"]


class RevealOut(Schema):
    value: str


class IncomeIn(Schema):
    person: Int | None = Field(None, description="关联成员的ID（可空）")
    income_type: Line | None = None
    amount: Loose = None
    period_start: Loose = None
    period_end: Loose = None
    source: Line | None = None
    note: Text | None = None


class ExpenditureIn(Schema):
    person: Int | None = None
    kind: Line | None = None
    amount: Loose = None
    period_start: Loose = None
    period_end: Loose = None
    source: Line | None = None
    note: Text | None = None


class AssetIn(Schema):
    person: Int | None = None
    asset_type: Line | None = None
    vehicle_kind: Line | None = None
    description: Text | None = None
    value: Loose = None
    quantity: Loose = None
    exempt: LooseBool = None
    source: Line | None = None
    recorded_on: Loose = None


class SupporterIn(Schema):
    """A statutory supporter of the household's applicants living elsewhere (特困 condition 3)."""

    relation: Line | None = Field(
        None, description="与申请人关系：spouse、child、parent、grandchild、grandparent、sibling 或中文"
    )
    id_number: Loose = Field(None, description="身份证号码（必填，出生日期由此得出）")
    name: Line | None = Field(None, description="姓名")
    is_tekun: LooseBool = Field(None, description="本人为特困人员")
    dibao_recipient: LooseBool = Field(None, description="本人为低保对象")
    status: Line | None = Field(
        None,
        description="状况：no_civil_capacity（无民事行为能力）、missing（被宣告失踪）、in_prison（在监狱服刑）或空",
    )
    monthly_income: Loose = Field(None, description="本人月收入（元）")
    financial_assets: Loose = Field(None, description="其家庭金融资产（元）")
    household_size: Loose = Field(None, description="其家庭人数（1到30）")
    disability_type: Line | None = None
    disability_grade: Loose = None
    property_note: Text | None = Field(None, description="财产情况")
    source: Line | None = None
    recorded_on: Loose = Field(None, description="登记日期，默认今天")


# ---- outputs ------------------------------------------------------------------------------------


class HouseholdListItem(Schema):
    id: int
    number: str
    area_code: str
    area_name: str
    address: str
    residence_type: str
    residence_type_label: str
    hukou_type: str
    member_count: int
    head_name: str | None
    head_id_number: str | None = Field(None, description="户主身份证号码（已脱敏）")
    version: int


class HouseholdPage(Schema):
    total: int
    page: int
    page_size: int
    items: list[HouseholdListItem]


class PersonOut(Schema):
    id: int
    household_id: int | None
    name: str
    id_number: str = Field(..., description="已脱敏；完整号码请用 reveal 接口（留痕）")
    phone: str = Field(..., description="已脱敏")
    sex: str
    birth_date: dt.date
    relation: str
    relation_label: str
    disability_type: str
    disability_grade: int | None
    labour_capacity: str
    employment: str
    school_stage: str
    serious_illness: bool
    illness_note: str
    adl_eating: bool
    adl_dressing: bool
    adl_transfer: bool
    adl_toileting: bool
    adl_walking: bool
    adl_bathing: bool
    is_deceased: bool
    version: int


class IncomeOut(Schema):
    id: int
    person_id: int | None
    income_type: str
    amount: str
    period_start: dt.date
    period_end: dt.date
    source: str
    note: str


class ExpenditureOut(Schema):
    id: int
    person_id: int | None
    kind: str
    amount: str
    period_start: dt.date
    period_end: dt.date
    source: str
    note: str


class AssetOut(Schema):
    id: int
    person_id: int | None
    asset_type: str
    vehicle_kind: str
    description: str
    value: str
    quantity: str | None
    exempt: bool
    source: str
    recorded_on: dt.date


class HouseholdOut(Schema):
    id: int
    number: str
    area_code: str
    area_name: str
    address: str
    residence_type: str
    hukou_type: str
    note: str
    member_count: int
    head_id: int | None
    version: int


class SupporterOut(Schema):
    id: int
    household_id: int
    name: str
    relation: str
    relation_label: str
    id_number: str = Field(..., description="已脱敏（户外义务人的完整号码不经接口提供）")
    birth_date: dt.date
    is_tekun: bool
    dibao_recipient: bool
    status: str
    status_label: str
    monthly_income: str
    financial_assets: str
    household_size: int
    disability_type: str
    disability_grade: int | None
    property_note: str
    source: str
    recorded_on: dt.date


class HouseholdDetailOut(HouseholdOut):
    members: list[PersonOut]
    incomes: list[IncomeOut]
    assets: list[AssetOut]
    expenditures: list[ExpenditureOut]
    outside_supporters: list[SupporterOut] = Field(default_factory=list, description="户外法定义务人")


class RecordOut(Schema):
    id: int
    kind: str
    household_id: int
