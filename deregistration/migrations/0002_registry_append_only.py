from django.db import migrations

from citizens.db import append_only


class Migration(migrations.Migration):
    dependencies = [("deregistration", "0001_initial")]

    operations = [append_only("deregistration_registryrecord")]
