from django.db import migrations

from citizens.db import append_only


class Migration(migrations.Migration):
    dependencies = [("citizens", "0001_initial")]

    operations = [append_only("citizens_auditevent")]
