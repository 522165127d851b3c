# Catalogue per jurisdiction: a county's (or the province's) choices of an item become dated, versioned
# ItemLocalChange rows layered over the shipped item (intake.catalogue.effective_item). The old global
# list of counties that delegate approval to their townships becomes one row per county, in force from
# the earliest date (so every application already filed keeps the level that decided it); the values
# already on the item rows stay there as the shipped default. Applications get the date whose catalogue
# applies to them (empty on existing ones: the day they were filed).
import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MIGRATED_FROM = dt.date(2000, 1, 1)
NOTE = "由原事项目录的“审批权下放乡镇的县”迁移"


def forwards(apps, schema_editor):
    item_model = apps.get_model("intake", "AssistanceItem")
    change_model = apps.get_model("intake", "ItemLocalChange")
    rows = []
    for item in item_model.objects.prefetch_related("delegated_counties").order_by("pk"):
        for county in sorted(item.delegated_counties.all(), key=lambda a: a.code):
            rows.append(change_model(item=item, jurisdiction=county.code, start=MIGRATED_FROM,
                                     values={"delegated": True}, version=1, note=NOTE))  # fmt: skip
    change_model.objects.bulk_create(rows)


def backwards(apps, schema_editor):
    item_model = apps.get_model("intake", "AssistanceItem")
    change_model = apps.get_model("intake", "ItemLocalChange")
    area_model = apps.get_model("areas", "Area")
    latest: dict[tuple[int, str], object] = {}
    for row in change_model.objects.order_by("item_id", "jurisdiction", "start", "version"):
        latest[(row.item_id, row.jurisdiction)] = row
    for (item_id, jurisdiction), row in latest.items():
        if row.values.get("delegated") and len(jurisdiction) == 6:
            area = area_model.objects.filter(code=jurisdiction).first()
            if area is not None:
                item_model.objects.get(pk=item_id).delegated_counties.add(area)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0004_item_days_from_parameters"),
        ("areas", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="item_on",
            field=models.DateField(blank=True, null=True, verbose_name="适用目录日期"),
        ),
        migrations.CreateModel(
            name="ItemLocalChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("jurisdiction", models.CharField(db_index=True, max_length=20, verbose_name="辖区代码")),
                ("start", models.DateField(verbose_name="起始日期")),
                ("values", models.JSONField(blank=True, default=dict, verbose_name="本地调整的取值")),
                ("version", models.PositiveIntegerField(verbose_name="版本")),
                ("reference", models.CharField(blank=True, max_length=300, verbose_name="依据")),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="备注")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="修改时间")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="修改人",
                    ),
                ),
                (
                    "item",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="local_changes",
                        to="intake.assistanceitem",
                    ),
                ),
            ],
            options={
                "ordering": ["item", "jurisdiction", "start", "version"],
                "indexes": [
                    models.Index(fields=["item", "jurisdiction", "start"], name="item_local_change_lookup")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("item", "jurisdiction", "version"), name="item_local_change_one_per_version"
                    )
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="assistanceitem", name="delegated_counties"),
    ]
