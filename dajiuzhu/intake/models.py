"""One-window intake (一窗受理、协同办理): the catalogue of assistance items, applications filed in one
visit, the approval workflow with its record (events, home visits, public notices, objections). What a
decision starts or changes is a benefits.Entitlement. Writes go through intake.services only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Who acts on a step: 村级申报、镇级审批、县级监管, and the windows of other departments."""

    VILLAGE = "village", _("村（社区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    COUNTY = "county", _("县级")
    DEPARTMENT = "department", _("主管部门")


class AssistanceItem(models.Model):
    """One entry of the catalogue (救助事项目录) as shipped in policy/catalogue.yaml: the national
    definition (code, programme, levels, steps, category, reference) and the default of what a
    jurisdiction may choose locally (intake.catalogue.LOCAL_FIELDS: display name, department, materials,
    time limits, random-check share, delegation to townships). A county's or the province's choices are
    dated ItemLocalChange rows layered over this row; readers take intake.catalogue.effective_item,
    never this row's local fields directly (Application.item is already the effective item)."""

    code = models.CharField(_("事项代码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=30, blank=True)
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="items"
    )
    programme = models.CharField(_("对应研判项目"), max_length=40, blank=True)
    accept_level = models.CharField(
        _("受理层级"), max_length=12, choices=Level.choices, default=Level.TOWNSHIP
    )
    decide_level = models.CharField(_("审批层级"), max_length=12, choices=Level.choices, default=Level.COUNTY)
    needs_investigation = models.BooleanField(_("入户调查"), default=True)
    needs_check = models.BooleanField(_("经济状况核对"), default=True)
    needs_opinion = models.BooleanField(_("乡镇审核意见"), default=True)
    public_notice = models.BooleanField(_("公示"), default=True)
    publish_after = models.BooleanField(_("审批后公布"), default=False)
    # Empty: the dated parameter (publicity.days, deadline.dibao_total_working_days; intake.policy).
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), null=True, blank=True)
    accept_days = models.PositiveSmallIntegerField(_("受理时限（工作日）"), default=3)
    investigation_days = models.PositiveSmallIntegerField(_("调查时限（工作日）"), default=10)
    check_days = models.PositiveSmallIntegerField(_("核对时限（工作日）"), default=3)
    opinion_days = models.PositiveSmallIntegerField(_("审核意见时限（工作日）"), default=3)
    decision_days = models.PositiveSmallIntegerField(_("审批时限（工作日）"), default=10)
    notify_days = models.PositiveSmallIntegerField(_("送达时限（工作日）"), default=3)
    total_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"), null=True, blank=True)
    total_days_delegated = models.PositiveSmallIntegerField(_("下放后办结时限（工作日）"), default=20)
    total_days_extended = models.PositiveSmallIntegerField(_("延长后办结时限（工作日）"), default=45)
    sampling_percent = models.PositiveSmallIntegerField(_("县级抽查比例（%）"), default=0)
    materials = models.JSONField(_("申请材料"), default=list, blank=True)
    reference = models.CharField(_("政策依据"), max_length=300, blank=True)
    unverified = models.BooleanField(_("示例配置，待核实"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    # Not a column: the shipped default of delegation (none); a jurisdiction's ItemLocalChange sets it.
    delegated = False
    # Set on the copies intake.catalogue.effective_item returns: (county code, date) they are for.
    effective_for: tuple[str, object] | None = None

    class Meta:
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if self.effective_for is not None:
            # An effective item carries a county's local values: saving it would make them everyone's.
            raise RuntimeError(
                "an effective catalogue item is read-only; change it through item_change_create"
            )
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ItemLocalChange(models.Model):
    """A jurisdiction's local choices for one item from a date (县级或省级的本地调整).

    `values` holds every local field the jurisdiction sets differently from the layers above it (the
    shipped item, the province) from `start` on: each row is the jurisdiction's complete local state,
    so the row in force on a date (latest start on or before it, then highest version) is all there is
    to read. Rows are never edited or deleted; `version` counts the rows of the item and jurisdiction
    and is what an editor's page was based on (optimistic check)."""

    item = models.ForeignKey(AssistanceItem, on_delete=models.PROTECT, related_name="local_changes")
    # The area code the values apply to (and to everything under it): "371424" or "37".
    jurisdiction = models.CharField(_("辖区代码"), max_length=20, db_index=True)
    start = models.DateField(_("起始日期"))
    values = models.JSONField(_("本地调整的取值"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("版本"))
    reference = models.CharField(_("依据"), max_length=300, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    # Empty only for rows the migration made from the old per-county delegation list.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("修改时间"), auto_now_add=True)

    class Meta:
        ordering = ["item", "jurisdiction", "start", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "jurisdiction", "version"], name="item_local_change_one_per_version"
            )
        ]
        indexes = [models.Index(fields=["item", "jurisdiction", "start"], name="item_local_change_lookup")]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.jurisdiction} {self.start:%Y-%m-%d} v{self.version}"


class Receipt(models.Model):
    """受理回执: one visit to a window, however many items were filed in it."""

    number = models.CharField(_("回执编号"), max_length=30, unique=True)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="receipts")
    applicant = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    window_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    is_proxy = models.BooleanField(_("代办"), default=False)
    proxy_authorisation = models.CharField(_("授权委托书"), max_length=200, blank=True)
    missing = models.JSONField(_("需补齐的材料"), default=list, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)

    def __str__(self) -> str:
        return self.number


class Status(models.TextChoices):
    MATERIALS = "materials", _("待补齐材料")
    SUBMITTED = "submitted", _("待受理")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("待入户调查")
    CHECKING = "checking", _("待经济状况核对")
    OPINION = "opinion", _("待乡镇审核")
    NOTICE = "notice", _("公示中")
    DECISION = "decision", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (
    Status.MATERIALS,
    Status.SUBMITTED,
    Status.RETURNED,
    Status.ACCEPTED,
    Status.CHECKING,
    Status.OPINION,
    Status.NOTICE,
    Status.DECISION,
)


class Kind(models.TextChoices):
    NEW = "new", _("新申请")
    REVIEW = "review", _("定期复核")
    RECHECK = "recheck", _("变化复核")
    CHANGE = "change", _("调整/停发")


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口受理")
    VILLAGE = "village", _("村级申报")
    PROXY = "proxy", _("网格员代办")


class Application(models.Model):
    number = models.CharField(_("申请编号"), max_length=30, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.NEW)
    receipt = models.ForeignKey(
        Receipt, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    item = models.ForeignKey(AssistanceItem, on_delete=models.PROTECT, related_name="applications")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="applications")
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("申请渠道"), max_length=10, choices=Channel.choices, default=Channel.WINDOW)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, db_index=True)
    waiting_on = models.CharField(
        _("待办层级"), max_length=12, choices=Level.choices, blank=True, db_index=True
    )
    entitlement = models.ForeignKey(
        "benefits.Entitlement", null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    change_action = models.CharField(_("调整方式"), max_length=10, blank=True)
    reason = models.CharField(_("申请事由"), max_length=500, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)
    # The day whose catalogue applies to this application (its county's local choices on that day);
    # empty on applications filed before local catalogues: the day it was filed.
    item_on = models.DateField(_("适用目录日期"), null=True, blank=True)
    is_proxy = models.BooleanField(_("代办"), default=False)
    proxy_authorisation = models.CharField(_("授权委托书"), max_length=200, blank=True)
    separate_registration = models.BooleanField(_("单独登记备案"), default=False)
    separate_reason = models.CharField(_("备案原因"), max_length=200, blank=True)
    materials_received = models.JSONField(default=list, blank=True)
    materials_missing = models.JSONField(default=list, blank=True)
    suggestion = models.JSONField(_("研判建议"), default=dict, blank=True)
    check_result = models.JSONField(_("核对结果"), default=dict, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    step_started_on = models.DateField(null=True, blank=True)
    step_due = models.DateField(_("本环节到期"), null=True, blank=True, db_index=True)
    step_due_provisional = models.BooleanField(default=False)
    total_due = models.DateField(_("办结期限"), null=True, blank=True)
    extended = models.BooleanField(_("已延期"), default=False)
    escalated = models.BooleanField(_("已督办"), default=False)
    sampled = models.BooleanField(_("县级抽查"), default=False)
    county_visit_required = models.BooleanField(_("需县级入户核查"), default=False)
    notice_round = models.PositiveSmallIntegerField(default=0)
    opinion = models.CharField(_("乡镇意见"), max_length=10, blank=True)
    opinion_reason = models.CharField(_("意见说明"), max_length=1000, blank=True)
    proposed_amount = models.DecimalField(
        _("拟保障金额（元/月）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    decision = models.CharField(_("审批结果"), max_length=10, blank=True)
    decision_reason = models.CharField(_("审批理由"), max_length=1000, blank=True)
    decided_amount = models.DecimalField(
        _("核定金额（元/月）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notified_on = models.DateField(_("送达日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["waiting_on", "status"])]

    def __str__(self) -> str:
        return self.number


class ApplicationEvent(models.Model):
    """One step of the chain; the audit trail holds the same entry for supervisors."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    label = models.CharField(max_length=50)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    comment = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.label} {self.at:%Y-%m-%d %H:%M}"


class VisitKind(models.TextChoices):
    HOME = "home", _("入户调查")
    COUNTY = "county", _("县级入户核查")
    REINVESTIGATION = "reinvestigation", _("重新调查")


class Investigation(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="investigations")
    kind = models.CharField(_("类型"), max_length=16, choices=VisitKind.choices, default=VisitKind.HOME)
    visited_on = models.DateField(_("调查日期"))
    remote = models.BooleanField(_("远程（电话/视频）"), default=False)
    investigators = models.JSONField(_("调查人员"), default=list)
    present_members = models.CharField(_("在场家庭成员"), max_length=200)
    neighbours = models.CharField(_("邻里走访"), max_length=500, blank=True)
    findings = models.TextField(_("调查情况"))
    recommendation = models.CharField(_("调查结论"), max_length=10, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visited_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_on}"


class InvestigationPhoto(models.Model):
    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="intake/photos/%Y/%m/")
    caption = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.caption or str(self.image.name)


class NoticeKind(models.TextChoices):
    PUBLICITY = "publicity", _("公示")
    PUBLICATION = "publication", _("公布")


class PublicNotice(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=12, choices=NoticeKind.choices, default=NoticeKind.PUBLICITY)
    village = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(default=1)
    starts_on = models.DateField()
    ends_on = models.DateField()
    closed = models.BooleanField(default=False)
    # What the public sees, fixed when published (R11.4: name partly hidden, no ID number or address).
    masked_name = models.CharField(max_length=50)
    household_size = models.PositiveSmallIntegerField()
    item_name = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    text = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.masked_name} {self.item_name}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class Objection(models.Model):
    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="objections")
    lodged_at = models.DateTimeField(auto_now_add=True)
    name = models.CharField(_("反映人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    content = models.TextField(_("异议内容"))
    status = models.CharField(max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handling = models.CharField(_("处理意见"), max_length=1000, blank=True)

    class Meta:
        ordering = ["lodged_at", "id"]

    def __str__(self) -> str:
        return f"异议 {self.lodged_at:%Y-%m-%d}"
