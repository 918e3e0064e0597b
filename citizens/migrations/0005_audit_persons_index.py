"""An index for "who read this person's data": the audit rows name the persons they showed in
``details["persons"]``; PostgreSQL finds them through a GIN index on that list (``@>``). SQLite (development) has
no GIN indexes and scans."""

from django.db import migrations

INDEX = "audit_persons_gin"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON citizens_auditevent "
            "USING gin ((details -> 'persons') jsonb_path_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("citizens", "0004_merge_citizenship_and_invisible_characters")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
