# Entitlements move to the benefits app (step 1 of 3): the table takes the new app's name.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]

    operations = [migrations.AlterModelTable(name="entitlement", table="benefits_entitlement")]
