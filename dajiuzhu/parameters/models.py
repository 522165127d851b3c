"""Local changes to policy parameters, made in the UI on top of the dated YAML files.

A change is a dated value of one parameter for one jurisdiction (county, city or province code).
It is never deleted: a mistaken change is withdrawn, and the withdrawal is kept with its author.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ParameterChange(models.Model):
    name = models.CharField(_("参数名称"), max_length=100, db_index=True)
    # The area code the value applies to (and to everything under it): "371424", "3714" or "37".
    jurisdiction = models.CharField(_("辖区代码"), max_length=20, db_index=True)
    start = models.DateField(_("起始日期"))
    # As typed, after cleaning ("800.00", "12", "0.65"); typed again when layered onto the tree.
    value = models.CharField(_("取值"), max_length=50)
    reference = models.CharField(_("依据"), max_length=300)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("设置人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdraw_reason = models.CharField(_("撤回原因"), max_length=500, blank=True)

    class Meta:
        ordering = ["name", "jurisdiction", "start", "id"]
        constraints = [
            # One value in force per parameter, jurisdiction and start date; withdrawn ones do not count.
            models.UniqueConstraint(
                fields=["name", "jurisdiction", "start"],
                condition=Q(withdrawn_at__isnull=True),
                name="parameter_change_one_active_per_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}@{self.jurisdiction} {self.start:%Y-%m-%d} = {self.value}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
