"""The exchange store (batches delivered by the data-sharing platform, their records, quarantined rows),
signed authorisations (授权书) and verification requests with their stored reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchChannel(models.TextChoices):
    FILE = "file", _("文件交换")
    API = "api", _("接口推送")


class BatchStatus(models.TextChoices):
    DONE = "done", _("已入库")
    REPLAY = "replay", _("重复交付（未入库）")


class ExchangeBatch(models.Model):
    source = models.CharField(_("数据源"), max_length=30, db_index=True)
    channel = models.CharField(_("方式"), max_length=10, choices=BatchChannel.choices)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    delivered_at = models.DateTimeField(_("交付时间"), db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The uploader's area: batches are listed to administrators of that area subtree.
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DONE)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rows_total = models.PositiveIntegerField(default=0)
    rows_inserted = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_quarantined = models.PositiveIntegerField(default=0)
    unknown_persons = models.PositiveIntegerField(default=0)
    # {"unknown_ids": [...full numbers, masked on display...], "unknown_more": n, "seconds": x}
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["-delivered_at", "-id"]
        indexes = [models.Index(fields=["source", "status", "delivered_at"])]

    def __str__(self) -> str:
        return f"{self.source} #{self.pk}"


class ExchangeRecord(models.Model):
    source = models.CharField(max_length=30)
    record_key = models.CharField(max_length=40)
    id_number = models.CharField(max_length=18, db_index=True)
    payload = models.JSONField()
    payload_hash = models.CharField(max_length=40)
    effective_date = models.DateField(null=True)
    batch = models.ForeignKey(ExchangeBatch, on_delete=models.PROTECT, related_name="records")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "record_key"], name="verification_record_unique_key")
        ]
        indexes = [models.Index(fields=["id_number", "source"])]

    def __str__(self) -> str:
        return f"{self.source} {self.record_key}"


class QuarantinedRow(models.Model):
    batch = models.ForeignKey(ExchangeBatch, on_delete=models.CASCADE, related_name="quarantined")
    row_number = models.PositiveIntegerField()
    raw = models.JSONField()
    reasons = models.JSONField()  # ["第3行 身份证号码（id_number）：校验码错误…", ...]

    class Meta:
        ordering = ["batch_id", "row_number"]

    def __str__(self) -> str:
        return f"batch {self.batch_id} row {self.row_number}"


class Authorisation(models.Model):
    """A signed 授权书: who signed (ID numbers), for which sources, how long it is valid."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    id_numbers = models.JSONField(_("签字成员身份证号码"))  # members and, for 特困, supporters
    sources = models.JSONField(_("授权范围"), default=list)  # [] = every source
    signed_on = models.DateField(_("签署日期"))
    valid_until = models.DateField(_("有效期至"))
    scan = models.FileField(_("授权书扫描件"), upload_to="verification/authorisations/%Y/", blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-signed_on", "-id"]

    def __str__(self) -> str:
        return f"授权书 #{self.pk}（{self.signed_on}）"

    def covers(self, id_number: str, sources: list[str], on: object) -> bool:
        scope_ok = not self.sources or all(s in self.sources for s in sources)
        return (
            not self.revoked
            and self.signed_on <= on <= self.valid_until  # type: ignore[operator]
            and id_number in self.id_numbers
            and scope_ok
        )


class RequestStatus(models.TextChoices):
    DONE = "done", _("已出具报告")
    REFUSED = "refused", _("已拒绝（未授权）")


class Conclusion(models.TextChoices):
    ELIGIBLE = "ELIGIBLE", _("核对未发现不符合情形")
    INELIGIBLE = "INELIGIBLE", _("核对发现不符合条件的情形")
    NEEDS_HOME_VISIT = "NEEDS_HOME_VISIT", _("需入户调查核实")


class VerificationRequest(models.Model):
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sources = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=RequestStatus.choices)
    refusal_reason = models.CharField(max_length=500, blank=True)
    conclusion = models.CharField(max_length=20, choices=Conclusion.choices, blank=True)
    report = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["household", "status", "created_at"])]

    def __str__(self) -> str:
        return f"核对 #{self.pk}"
