"""Assessment runs (the whole registry, or a what-if) and their stored per-household results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunKind(models.TextChoices):
    LIVE = "live", _("全量研判")
    WHATIF = "whatif", _("标准调整模拟")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class AssessmentRun(models.Model):
    kind = models.CharField(_("类型"), max_length=10, choices=RunKind.choices, default=RunKind.LIVE)
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    area = models.ForeignKey("areas.Area", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("评估日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    # What-if overrides, by parameter name; the parameter values used, per (county, urban/rural).
    overrides = models.JSONField(default=dict, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    # Households left out, with the reason (a batch never stops for one bad household).
    problems = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    # The lease of a RUNNING run (core.leases): the process running it and its last heartbeat; the
    # django-tasks result that carries it; how many times it was started (a retry starts it again).
    worker = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"run {self.pk} {self.kind} {self.on} {self.status}"


class HouseholdResult(models.Model):
    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="results")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    township_code = models.CharField(max_length=20, db_index=True)
    village_code = models.CharField(max_length=20)
    members = models.PositiveSmallIntegerField()
    dibao_status = models.PositiveSmallIntegerField()
    dibao_amount = models.DecimalField(max_digits=12, decimal_places=2)
    edge_status = models.PositiveSmallIntegerField()
    rigid_status = models.PositiveSmallIntegerField()
    n_tekun = models.PositiveSmallIntegerField()
    tekun_total = models.DecimalField(max_digits=12, decimal_places=2)
    monthly_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "household"], name="one_result_per_household")]

    def __str__(self) -> str:
        return f"run {self.run_id} household {self.household_id}"
