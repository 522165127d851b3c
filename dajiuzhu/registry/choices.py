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
    TRANSFER = "transfer", _("转移性收入")
    OTHER = "other", _("其他应计入收入")
    FAMILY_SUPPORT = "family_support", _("兄弟姐妹或60周岁以上父母给付的赡养扶养费")
    # Not counted (policy-spec R1.8, 最低生活保障审核确认办法 第十三条第二款): recorded, shown as excluded.
    SPECIAL_CARE = "special_care", _("优待抚恤金（不计入）")
    FAMILY_PLANNING = "family_planning", _("计划生育奖励与扶助金（不计入）")
    REWARD = "reward", _("奖学金、见义勇为等奖励性补助（不计入）")
    SOCIAL_ASSISTANCE = "social_assistance", _("政府发放的社会救助款物（不计入）")
    BASIC_PENSION = "basic_pension", _("城乡居民基本养老保险基础养老金（“十四五”期间不计入）")
    # Excluded where income.excluded_local lists them for the region on the date, otherwise counted.
    DISABILITY_ALLOWANCES = "disability_allowances", _("残疾人两项补贴（地方规定不计入的按规定）")
    ELDERLY_ALLOWANCE = "elderly_allowance", _("高龄津贴（地方规定不计入的按规定）")
    PRICE_SUBSIDY = "price_subsidy", _("价格临时补贴（地方规定不计入的按规定）")


class AssetType(models.TextChoices):
    DEPOSIT = "deposit", _("银行存款")
    SECURITIES = "securities", _("有价证券")
    INSURANCE = "insurance", _("商业保险")
    VEHICLE = "vehicle", _("机动车辆")
    REAL_ESTATE = "real_estate", _("房产")
    BUSINESS = "business", _("工商登记")
    OTHER = "other", _("其他财产")


class VehicleKind(models.TextChoices):
    """Kinds of motor vehicle, each with its own exemption rule (policy-spec R1.11)."""

    NONE = "", _("（非车辆）")
    PRIVATE = "private", _("私家车")
    PRODUCTION = "production", _("生产经营用车")
    DISABILITY = "disability", _("残疾人功能性补偿代步机动车")
    AGRICULTURAL = "agricultural", _("农用车")


class ExpenditureType(models.TextChoices):
    MEDICAL = "medical", _("医疗自付")
    EDUCATION = "education", _("教育")
    REHABILITATION = "rehabilitation", _("康复")
    TRANSFER_OUT = "transfer_out", _("转移性支出（支付的赡养费、抚养费、扶养费及税费等）")
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


class SupporterRelation(models.TextChoices):
    """A statutory supporter's relation to the applicant (S2 art. 8; 民法典 arts. 1059, 1067, 1074, 1075)."""

    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女、外孙子女")
    GRANDPARENT = "grandparent", _("祖父母、外祖父母")
    SIBLING = "sibling", _("兄弟姐妹")


class SupporterStatus(models.TextChoices):
    NONE = "", _("无")
    NO_CIVIL_CAPACITY = "no_civil_capacity", _("无民事行为能力")
    MISSING = "missing", _("被宣告失踪")
    IN_PRISON = "in_prison", _("在监狱服刑")
