# The 公示 period and the 低保 total time limit of the civil-affairs items come from the dated parameters
# publicity.days and deadline.dibao_total_working_days (an empty catalogue field); items that kept the
# catalogue's default of the law (7 calendar days, 30 working days) are switched over.
from django.db import migrations, models

PUBLICITY_ITEMS = ("dibao", "dibao_single", "tekun", "edge", "rigid", "temporary_expense")
DIBAO_ITEMS = ("dibao", "dibao_single")


def forwards(apps, schema_editor):
    item = apps.get_model("intake", "AssistanceItem")
    item.objects.filter(code__in=PUBLICITY_ITEMS, notice_days=7).update(notice_days=None)
    item.objects.filter(code__in=DIBAO_ITEMS, total_days=30).update(total_days=None)


def backwards(apps, schema_editor):
    item = apps.get_model("intake", "AssistanceItem")
    item.objects.filter(notice_days__isnull=True).update(notice_days=7)
    item.objects.filter(total_days__isnull=True).update(total_days=30)


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_entitlement_moved")]

    operations = [
        migrations.AlterField(
            model_name="assistanceitem",
            name="notice_days",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="公示天数"),
        ),
        migrations.AlterField(
            model_name="assistanceitem",
            name="total_days",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="办结时限（工作日）"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
