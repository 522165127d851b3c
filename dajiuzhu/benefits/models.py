"""Entitlements (在享待遇): what an approval starts and what reviews and changes alter — a monthly amount
from a month, its dated amount history as rows, and its end. Intake's decisions call benefits.services;
payments reads benefits.selectors. Nothing here knows how an application is processed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EntitlementStatus(models.TextChoices):
    ACTIVE = "active", _("享受中")
    TAPERING = "tapering", _("渐退期")
    STOPPED = "stopped", _("已停发")


RUNNING = (EntitlementStatus.ACTIVE, EntitlementStatus.TAPERING)


class Entitlement(models.Model):
    """A monthly benefit of one beneficiary under one catalogue item, payable for the months
    ``start_month <= m < end_month`` (R1.13.7, R11.5: from the month after the decision)."""

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="entitlements")
    beneficiary = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="entitlements")
    item = models.ForeignKey("intake.AssistanceItem", on_delete=models.PROTECT, related_name="entitlements")
    application = models.ForeignKey("intake.Application", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    # The amount in force for the newest month of the history (kept with it by benefits.services).
    monthly_amount = models.DecimalField(_("月发放金额（元）"), max_digits=12, decimal_places=2)
    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("终止月份"), null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=EntitlementStatus.choices, default=EntitlementStatus.ACTIVE
    )
    review_months = models.PositiveSmallIntegerField(_("复核周期（月）"), default=12)
    next_review_on = models.DateField(_("下次复核日期"), null=True, blank=True, db_index=True)
    stop_reason = models.CharField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_month", "-id"]
        indexes = [models.Index(fields=["status", "start_month"], name="benefits_ent_status_start")]

    def __str__(self) -> str:
        return f"{self.item} {self.monthly_amount}"


class EntitlementAmount(models.Model):
    """One decided amount from a month on: the amount for month m is the newest row whose
    ``from_month <= m`` (a change decided in April is paid from May). Rows are never edited."""

    entitlement = models.ForeignKey(Entitlement, on_delete=models.CASCADE, related_name="amounts")
    from_month = models.DateField(_("起始月份"))
    amount = models.DecimalField(_("月发放金额（元）"), max_digits=12, decimal_places=2)
    application = models.ForeignKey(
        "intake.Application",
        verbose_name=_("依据申请"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True)
    reason = models.CharField(_("变动原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["from_month", "id"]
        indexes = [models.Index(fields=["entitlement", "from_month"], name="benefits_amount_from")]

    def __str__(self) -> str:
        return f"{self.from_month:%Y-%m} {self.amount}"
