"""Administrative divisions (province → city → county → township → village) and grids under villages.

Codes are the official statistical codes, which are hierarchical; each row also carries the codes
of all its ancestors in indexed columns, so "everything under area X" is one indexed equality.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县（区）")
    TOWNSHIP = 4, _("乡镇（街道）")
    VILLAGE = 5, _("村（社区）")
    GRID = 6, _("网格")


# Each row carries its own code in the column of its own level too (a county row has
# county_code == code), so one equality finds an area and everything under it.
# The ancestor column that holds the code of the area at each level.
LEVEL_COLUMN = {
    AreaLevel.PROVINCE: "province_code",
    AreaLevel.CITY: "city_code",
    AreaLevel.COUNTY: "county_code",
    AreaLevel.TOWNSHIP: "township_code",
    AreaLevel.VILLAGE: "village_code",
    AreaLevel.GRID: "code",
}


class Area(models.Model):
    code = models.CharField(max_length=20, primary_key=True)
    name = models.CharField(max_length=100)
    level = models.PositiveSmallIntegerField(choices=AreaLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    province_code = models.CharField(max_length=20, blank=True, db_index=True)
    city_code = models.CharField(max_length=20, blank=True, db_index=True)
    county_code = models.CharField(max_length=20, blank=True, db_index=True)
    township_code = models.CharField(max_length=20, blank=True, db_index=True)
    village_code = models.CharField(max_length=20, blank=True, db_index=True)
    full_name = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name or self.name

    @property
    def level_column(self) -> str:
        return LEVEL_COLUMN[AreaLevel(self.level)]

    def ancestor_codes(self) -> list[str]:
        codes = [self.province_code, self.city_code, self.county_code, self.township_code, self.village_code]
        return [c for c in codes if c and c != self.code]

    def is_within(self, other: Area) -> bool:
        """True if self is other or lies under it."""
        return getattr(self, other.level_column) == other.code
