"""The registry of needy households (困难群众数据库): households, persons, membership history,
incomes, assets and rigid expenditures. Writes go through registry.services only."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dajiuzhu.registry.choices import (
    AssetType,
    DataSource,
    DisabilityType,
    Employment,
    ExpenditureType,
    HukouType,
    IncomeType,
    LabourCapacity,
    Relation,
    ResidenceType,
    SchoolStage,
    Sex,
    SupporterRelation,
    SupporterStatus,
    VehicleKind,
)


class Household(models.Model):
    number = models.CharField(_("户编号"), max_length=30, unique=True)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("所属村（社区）/网格"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    address = models.CharField(_("住址"), max_length=200)
    residence_type = models.CharField(_("城乡类别"), max_length=10, choices=ResidenceType.choices)
    hukou_type = models.CharField(_("户口性质"), max_length=20, choices=HukouType.choices)
    head = models.ForeignKey(
        "Person", verbose_name=_("户主"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member_count = models.PositiveSmallIntegerField(_("人口数"), default=0)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class Person(models.Model):
    id_number = models.CharField(_("身份证号码"), max_length=18, unique=True)
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    household = models.ForeignKey(
        Household,
        verbose_name=_("所在家庭"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    relation = models.CharField(
        _("与户主关系"), max_length=20, choices=Relation.choices, default=Relation.OTHER
    )
    disability_type = models.CharField(
        _("残疾类别"), max_length=20, choices=DisabilityType.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    adl_eating = models.BooleanField(_("能自主进食"), default=True)
    adl_dressing = models.BooleanField(_("能自主穿衣"), default=True)
    adl_transfer = models.BooleanField(_("能自主上下床"), default=True)
    adl_toileting = models.BooleanField(_("能自主如厕"), default=True)
    adl_walking = models.BooleanField(_("能室内行走"), default=True)
    adl_bathing = models.BooleanField(_("能自主洗澡"), default=True)
    labour_capacity = models.CharField(
        _("劳动能力"), max_length=10, choices=LabourCapacity.choices, default=LabourCapacity.FULL
    )
    employment = models.CharField(
        _("就业状况"), max_length=12, choices=Employment.choices, default=Employment.NOT_APPLICABLE
    )
    school_stage = models.CharField(_("在读学段"), max_length=12, choices=SchoolStage.choices, blank=True)
    serious_illness = models.BooleanField(_("患重特大疾病"), default=False)
    illness_note = models.CharField(_("病种"), max_length=100, blank=True)
    is_deceased = models.BooleanField(_("已死亡"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def adl_failures(self) -> int:
        items = (
            self.adl_eating,
            self.adl_dressing,
            self.adl_transfer,
            self.adl_toileting,
            self.adl_walking,
            self.adl_bathing,
        )
        return sum(1 for ok in items if not ok)


class Membership(models.Model):
    """History of which household a person belonged to, and when (moves keep the old rows)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["person_id", "start_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(end_date__isnull=True),
                name="one_open_membership_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"person {self.person_id} in household {self.household_id} from {self.start_date}"


class Income(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes")
    person = models.ForeignKey(
        Person,
        verbose_name=_("成员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="incomes",
    )
    income_type = models.CharField(_("收入类型"), max_length=24, choices=IncomeType.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    source = models.CharField(
        _("来源"), max_length=15, choices=DataSource.choices, default=DataSource.DECLARED
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household_id", "period_start", "id"]

    def __str__(self) -> str:
        return f"{self.income_type} {self.amount} ({self.period_start}–{self.period_end})"


class Asset(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assets")
    person = models.ForeignKey(
        Person, verbose_name=_("成员"), null=True, blank=True, on_delete=models.CASCADE, related_name="assets"
    )
    asset_type = models.CharField(_("财产类型"), max_length=12, choices=AssetType.choices)
    # For vehicles: the kind decides the exemption (policy-spec R1.11); a vehicle of no kind counts as a
    # private car, the strictest rule.
    vehicle_kind = models.CharField(_("车辆类型"), max_length=15, choices=VehicleKind.choices, blank=True)
    description = models.CharField(_("描述"), max_length=200, blank=True)
    value = models.DecimalField(_("价值（元）"), max_digits=14, decimal_places=2, default=0)
    quantity = models.DecimalField(_("数量/面积"), max_digits=10, decimal_places=2, null=True, blank=True)
    exempt = models.BooleanField(_("生活生产必需（豁免）"), default=False)
    source = models.CharField(
        _("来源"), max_length=15, choices=DataSource.choices, default=DataSource.DECLARED
    )
    recorded_on = models.DateField(_("登记日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return f"{self.asset_type} {self.value}"


class Expenditure(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="expenditures")
    person = models.ForeignKey(
        Person,
        verbose_name=_("成员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="expenditures",
    )
    kind = models.CharField(_("支出类型"), max_length=15, choices=ExpenditureType.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    source = models.CharField(
        _("来源"), max_length=15, choices=DataSource.choices, default=DataSource.DECLARED
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household_id", "period_start", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.period_start}–{self.period_end})"


class OutsideSupporter(models.Model):
    """A statutory supporter of the household's applicants who lives elsewhere (特困 condition 3, S2 art.
    8): who they are and what the law asks about them, so that the engine judges each in person
    (rules.supporters). Co-resident members are judged from their own Person rows."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="outside_supporters")
    relation = models.CharField(_("与申请人关系"), max_length=12, choices=SupporterRelation.choices)
    id_number = models.CharField(_("身份证号码"), max_length=18)
    name = models.CharField(_("姓名"), max_length=50)
    birth_date = models.DateField(_("出生日期"))  # from the ID number
    is_tekun = models.BooleanField(_("为特困人员"), default=False)
    dibao_recipient = models.BooleanField(_("为低保对象"), default=False)
    monthly_income = models.DecimalField(_("本人月收入（元）"), max_digits=12, decimal_places=2, default=0)
    financial_assets = models.DecimalField(
        _("家庭金融资产（元）"), max_digits=14, decimal_places=2, default=0
    )
    household_size = models.PositiveSmallIntegerField(_("家庭人数"), default=1)
    disability_type = models.CharField(
        _("残疾类别"), max_length=20, choices=DisabilityType.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    status = models.CharField(_("状况"), max_length=20, choices=SupporterStatus.choices, blank=True)
    property_note = models.CharField(_("财产情况"), max_length=200, blank=True)
    source = models.CharField(
        _("来源"), max_length=15, choices=DataSource.choices, default=DataSource.DECLARED
    )
    recorded_on = models.DateField(_("登记日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "id_number"], name="registry_supporter_once_per_household"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("正在导入")
    DONE = "done", _("已导入")
    REJECTED = "rejected", _("有错误，未导入")
    FAILED = "failed", _("中断，未导入")


class HouseholdImport(models.Model):
    """One upload of the Excel import (registry.importing). RUNNING while it is checked and written, with
    the lease of the process doing it (core.leases); DONE is set in the transaction that writes its
    households, so a DONE import has all its rows and any other has none. A RUNNING import whose process
    is gone is failed by `imports_recover` and can be uploaded again; a file already imported (same
    content, same area) is not imported twice."""

    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("导入人辖区"), max_length=20)
    filename = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("文件摘要"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("文件大小（字节）"), default=0)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    households = models.PositiveIntegerField(_("导入户数"), default=0)
    persons = models.PositiveIntegerField(_("导入人数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    error = models.TextField(_("失败原因"), blank=True)
    worker = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "sha256"],
                condition=models.Q(status="done"),
                name="registry_import_file_once_per_area",
            )
        ]

    def __str__(self) -> str:
        return f"import {self.pk} {self.filename} {self.status}"
