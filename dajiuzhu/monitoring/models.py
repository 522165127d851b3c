"""Low-income population dynamic monitoring (低收入人口动态监测, policy-spec §8): who is watched (category
history per household), what other departments deliver (feed deliveries and their rejected rows), the
warnings raised (alerts), the home visits they become (tasks, visit records) and active discovery
(12349 hotline, petitions, door-to-door). Writes go through monitoring.services / monitoring.feeds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """R3.5 低收入人口."""

    DIBAO = "dibao", _("低保")
    TEKUN = "tekun", _("特困")
    EDGE = "edge", _("低保边缘")
    RIGID = "rigid", _("刚性支出困难")
    RELAPSE = "relapse", _("防返贫监测对象")


# One bit per category, so "which categories does a household have" is one SUM(DISTINCT bit) in SQL.
CATEGORY_BITS: dict[str, int] = {
    Category.DIBAO: 1,
    Category.TEKUN: 2,
    Category.EDGE: 4,
    Category.RIGID: 8,
    Category.RELAPSE: 16,
}
# Households that receive a benefit: new assets put their eligibility in question (W_ASSET).
ASSISTED_MASK = CATEGORY_BITS[Category.DIBAO] | CATEGORY_BITS[Category.TEKUN]


class CategorySource(models.TextChoices):
    ENTITLEMENT = "entitlement", _("在享待遇")
    ASSESSMENT = "assessment", _("全量研判结果")
    RELAPSE_LIST = "relapse_list", _("防返贫监测名单")


class HouseholdCategory(models.Model):
    """One period during which a household belonged to a category (from/to dates: the history)."""

    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("类别"), max_length=10, choices=Category.choices)
    bit = models.PositiveSmallIntegerField()
    source = models.CharField(_("来源"), max_length=15, choices=CategorySource.choices)
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("终止日期"), null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["household_id", "start_date", "id"]
        indexes = [models.Index(fields=["end_date", "household"])]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "category", "source"],
                condition=models.Q(end_date__isnull=True),
                name="mon_one_open_category_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.category} {self.start_date}–{self.end_date or ''}"


class DeliveryStatus(models.TextChoices):
    DONE = "done", _("已处理")
    DUPLICATE = "duplicate", _("重复文件，未处理")
    REFUSED = "refused", _("已拒收")


class FeedDelivery(models.Model):
    source = models.CharField(_("数据源"), max_length=30, db_index=True)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    file_hash = models.CharField(_("文件SHA-256"), max_length=64, db_index=True)
    channel = models.CharField(_("接入方式"), max_length=10, default="upload")
    on = models.DateField(_("处理日期"))
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.DONE)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_quarantined = models.PositiveIntegerField(default=0)
    rows_unknown = models.PositiveIntegerField(default=0)
    rows_matched = models.PositiveIntegerField(default=0)
    alerts_created = models.PositiveIntegerField(default=0)
    duplicates_skipped = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    message = models.CharField(max_length=500, blank=True)
    timings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.file_name} {self.received_at:%Y-%m-%d %H:%M}"


class IssueKind(models.TextChoices):
    QUARANTINE = "quarantine", _("格式错误（隔离）")
    UNKNOWN = "unknown", _("身份证号码不在数据库中")


class FeedIssue(models.Model):
    """A row of a delivery that was not processed: malformed (quarantined with reasons) or unknown ID."""

    delivery = models.ForeignKey(FeedDelivery, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=10, choices=IssueKind.choices)
    row_number = models.PositiveIntegerField(_("行号"))
    id_number = models.CharField(max_length=40, blank=True)
    reasons = models.CharField(_("原因"), max_length=500, blank=True)
    raw = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery_id", "row_number"]

    def __str__(self) -> str:
        return f"{self.delivery_id} 第{self.row_number}行 {self.reasons}"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待研判")
    TRIAGED = "triaged", _("待走访")
    CLOSED = "closed", _("已办结")


class Alert(models.Model):
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(_("预警规则"), max_length=20, db_index=True)
    cause_key = models.CharField(_("预警事由标识"), max_length=120)
    signal = models.JSONField(_("预警数据"), default=dict, blank=True)
    suggested_item = models.CharField(_("建议救助事项"), max_length=40, blank=True)
    delivery = models.ForeignKey(
        FeedDelivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN, db_index=True
    )
    raised_on = models.DateField(_("预警日期"), db_index=True)
    created_at = models.DateTimeField()
    closed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-raised_on", "-id"]
        constraints = [
            # The same cause never raises a second alert for a household, however often it is reported.
            models.UniqueConstraint(fields=["rule", "household", "cause_key"], name="mon_one_alert_per_cause")
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.household_id} {self.cause_key}"


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待研判")
    TRIAGED = "triaged", _("待走访")
    DONE = "done", _("已走访")


class VisitTask(models.Model):
    alert = models.OneToOneField(Alert, on_delete=models.CASCADE, related_name="task")
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("责任网格/村"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING, db_index=True
    )
    created_on = models.DateField()
    triage_due = models.DateField(_("研判期限"))
    visit_due = models.DateField(_("走访期限"), db_index=True)
    triaged_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    escalated = models.BooleanField(_("已督办"), default=False)
    escalated_on = models.DateField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["visit_due", "id"]

    def __str__(self) -> str:
        return f"task {self.pk} ({self.status})"


class Outcome(models.TextChoices):
    ASSIST = "assist", _("需要救助（发起申请）")
    NO_NEED = "no_need", _("暂无救助需求")
    REFER = "refer", _("转相关部门")
    POSSIBLY_INELIGIBLE = "possibly_ineligible", _("可能不再符合条件（发起复核）")


class Visit(models.Model):
    task = models.ForeignKey(VisitTask, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("走访日期"))
    visitors = models.JSONField(_("走访人员"), default=list)
    findings = models.TextField(_("走访情况"))
    outcome = models.CharField(_("处置结果"), max_length=20, choices=Outcome.choices)
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    application_id_ref = models.BigIntegerField(_("生成的申请"), null=True, blank=True)
    application_number = models.CharField(max_length=30, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visited_on", "id"]

    def __str__(self) -> str:
        return f"visit {self.visited_on} {self.outcome}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="monitoring/photos/%Y/%m/")
    caption = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.caption or str(self.image.name)


class DiscoveryChannel(models.TextChoices):
    HOTLINE = "hotline", _("12349热线")
    PETITION = "petition", _("信访")
    SURVEY = "survey", _("摸底排查（入户走访）")


class DiscoveryReport(models.Model):
    """主动发现 (R8.6): a report about a person or an address that becomes an ACTIVE_DISCOVERY alert."""

    channel = models.CharField(_("来源渠道"), max_length=10, choices=DiscoveryChannel.choices)
    reported_on = models.DateField(_("反映日期"))
    reporter = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content = models.TextField(_("反映内容"))
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.reported_on}"
