"""Enumerations of the registry; labels are the Chinese words used on forms and in Excel."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResidenceType(models.TextChoices):
    URBAN = "urban", _("城市")
    RURAL = "rural", _("农村")


class HukouType(models.TextChoices):
    AGRICULTURAL = "agricultural", _("农业户口")
    NON_AGRICULTURAL = "non_agricultural", _("非农业户口")
    RESIDENT = "resident", _("居民户口")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    GRANDPARENT = "grandparent", _("祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    OTHER = "other", _("其他")


class DisabilityType(models.TextChoices):
    NONE = "", _("无")
    VISUAL = "visual", _("视力")
    HEARING = "hearing", _("听力")
    SPEECH = "speech", _("言语")
    PHYSICAL = "physical", _("肢体")
    INTELLECTUAL = "intellectual", _("智力")
    MENTAL = "mental", _("精神")
    MULTIPLE = "multiple", _("多重")


class LabourCapacity(models.TextChoices):
    FULL = "full", _("有劳动能力")
    PARTIAL = "partial", _("部分丧失劳动能力")
    NONE = "none", _("无劳动能力")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("就业")
    FLEXIBLE = "flexible", _("灵活就业")
    FARMING = "farming", _("务农")
    UNEMPLOYED = "unemployed", _("失业")
    RETIRED = "retired", _("退休")
    STUDENT = "student", _("在校学生")
    NOT_APPLICABLE = "na", _("不适用")


class SchoolStage(models.TextChoices):
    NONE = "", _("非在校")
    PRESCHOOL = "preschool", _("学前")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中职")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    GRADUATE = "graduate", _("研究生")


class IncomeType(models.TextChoices):
    WAGE = "wage", _("工资性收入")
    BUSINESS = "business", _("经营净收入")
    PROPERTY = "property", _("财产净收入")
    TRANSFER = "transfer", _("转移净收入")
    OTHER = "other", _("其他应计入收入")


class AssetType(models.TextChoices):
    DEPOSIT = "deposit", _("银行存款")
    SECURITIES = "securities", _("有价证券")
    INSURANCE = "insurance", _("商业保险")
    VEHICLE = "vehicle", _("机动车辆")
    REAL_ESTATE = "real_estate", _("房产")
    BUSINESS = "business", _("工商登记")
    OTHER = "other", _("其他财产")


class ExpenditureType(models.TextChoices):
    MEDICAL = "medical", _("医疗自付")
    EDUCATION = "education", _("教育")
    REHABILITATION = "rehabilitation", _("康复")
    OTHER = "other", _("其他刚性支出")


class DataSource(models.TextChoices):
    DECLARED = "declared", _("本人申报")
    INVESTIGATED = "investigated", _("入户调查")
    VERIFIED = "verified", _("核对平台")
    IMPORTED = "imported", _("批量导入")
    SYNTHETIC = "synthetic", _("模拟数据")


# The six activities of daily living (policy-spec R2.8), as (field, label).
ADL_ITEMS = [
    ("adl_eating", _("进食")),
    ("adl_dressing", _("穿衣")),
    ("adl_transfer", _("上下床")),
    ("adl_toileting", _("如厕")),
    ("adl_walking", _("室内行走")),
    ("adl_bathing", _("洗澡")),
]
