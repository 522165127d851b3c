# Entitlements move to the benefits app (step 3 of 3): intake's state forgets the model; the table and
# its rows stay as they are (benefits.0001 took them over).
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0002_entitlement_table"), ("benefits", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="application",
                    name="entitlement",
                    field=models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews", to="benefits.entitlement",
                    ),
                ),
                migrations.DeleteModel(name="Entitlement"),
            ],
            database_operations=[],
        )
    ]
