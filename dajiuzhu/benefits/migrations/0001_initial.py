# Entitlements move here from intake (step 2 of 3): the model is taken over as it is (table renamed in
# intake.0002), its amount history moves from a JSON list to EntitlementAmount rows, and the JSON goes.
import django.db.models.deletion
from decimal import Decimal

from django.conf import settings
from django.db import migrations, models


def amounts_to_rows(apps, schema_editor):
    Entitlement = apps.get_model("benefits", "Entitlement")
    EntitlementAmount = apps.get_model("benefits", "EntitlementAmount")
    Application = apps.get_model("intake", "Application")
    import datetime as dt

    rows = []
    for ent in Entitlement.objects.all().iterator():
        history = list(ent.amounts or []) or [
            {"from": ent.start_month.isoformat(), "amount": str(ent.monthly_amount), "application": ""}
        ]
        for entry in history:
            app = Application.objects.filter(number=entry.get("application") or "").first()
            rows.append(
                EntitlementAmount(
                    entitlement_id=ent.pk, from_month=dt.date.fromisoformat(entry["from"]),
                    amount=Decimal(entry["amount"]), application=app,
                    decided_by_id=getattr(app, "decided_by_id", None), decided_at=getattr(app, "decided_at", None),
                    reason="迁移自原金额变动记录",
                )
            )
    EntitlementAmount.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("areas", "0001_initial"),
        ("registry", "0001_initial"),
        ("intake", "0002_entitlement_table"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Entitlement",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("monthly_amount", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="月发放金额（元）")),
                        ("start_month", models.DateField(verbose_name="起始月份")),
                        ("end_month", models.DateField(blank=True, null=True, verbose_name="终止月份")),
                        ("status", models.CharField(choices=[("active", "享受中"), ("tapering", "渐退期"), ("stopped", "已停发")], default="active", max_length=10)),
                        ("review_months", models.PositiveSmallIntegerField(default=12, verbose_name="复核周期（月）")),
                        ("next_review_on", models.DateField(blank=True, db_index=True, null=True, verbose_name="下次复核日期")),
                        ("stop_reason", models.CharField(blank=True, max_length=500)),
                        ("amounts", models.JSONField(blank=True, default=list, verbose_name="金额变动")),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("application", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="intake.application")),
                        ("area", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="areas.area")),
                        ("beneficiary", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="entitlements", to="registry.person")),
                        ("household", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="entitlements", to="registry.household")),
                        ("item", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="entitlements", to="intake.assistanceitem")),
                    ],
                    options={"ordering": ["-start_month", "-id"]},
                ),
            ],
            database_operations=[],
        ),
        migrations.CreateModel(
            name="EntitlementAmount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("from_month", models.DateField(verbose_name="起始月份")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="月发放金额（元）")),
                ("decided_at", models.DateTimeField(null=True, verbose_name="决定时间")),
                ("reason", models.CharField(blank=True, max_length=200, verbose_name="变动原因")),
                ("application", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="intake.application", verbose_name="依据申请")),
                ("decided_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="决定人")),
                ("entitlement", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="amount_rows", to="benefits.entitlement")),
            ],
            options={"ordering": ["from_month", "id"]},
        ),
        migrations.RunPython(amounts_to_rows, migrations.RunPython.noop),
        migrations.RemoveField(model_name="entitlement", name="amounts"),
        migrations.AlterField(
            model_name="entitlementamount",
            name="entitlement",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="amounts", to="benefits.entitlement"),
        ),
        migrations.AddIndex(model_name="entitlement", index=models.Index(fields=["status", "start_month"], name="benefits_ent_status_start")),
        migrations.AddIndex(model_name="entitlementamount", index=models.Index(fields=["entitlement", "from_month"], name="benefits_amount_from")),
    ]
