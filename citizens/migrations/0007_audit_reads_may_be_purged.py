"""PostgreSQL: the audit log's append-only trigger lets ``citizens.retention.read_log_purge`` delete records of
reads (and nothing else) in a transaction that has set ``citizens.purge_read_log``. UPDATE stays refused, and so
does DELETE of any other row or without the setting. SQLite has no DELETE trigger: nothing to change there."""

from django.db import migrations

from citizens.db import append_only_function

FUNCTION = "citizens_auditevent_append_only"
A_READ_IN_THE_PURGE = (
    "TG_OP = 'DELETE' AND current_setting('citizens.purge_read_log', true) = 'on' "
    "AND (OLD.action LIKE '%.view' OR OLD.action LIKE '%.list' OR OLD.action = 'slip.download')"
)


def _function(unless):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # The body's % are PL/pgSQL's, not query parameters.
            schema_editor.execute(append_only_function(FUNCTION, unless=unless), params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("citizens", "0006_address_registration_code_wording")]

    operations = [migrations.RunPython(_function(A_READ_IN_THE_PURGE), _function(""), elidable=False)]
