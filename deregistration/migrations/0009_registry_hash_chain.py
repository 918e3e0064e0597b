"""The ХҚТ ТП АЖ register becomes a hash chain: each record gets its place (seq), the hash of the record before it
and its own hash; the records already written are chained in the order of their ids."""

import django.utils.timezone
from django.db import migrations, models

TABLE = "deregistration_registryrecord"
TRIGGER = f"{TABLE}_append_only"


def chain_existing_records(apps, schema_editor):
    from deregistration.register_chain import GENESIS, record_hash

    RegistryRecord = apps.get_model("deregistration", "RegistryRecord")
    RegistryChainHead = apps.get_model("deregistration", "RegistryChainHead")
    vendor = schema_editor.connection.vendor
    # The records are append-only in the database too: the migration alone lifts that, for this one pass.
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_update")
    previous, seq = GENESIS, 0
    for record in RegistryRecord.objects.order_by("id").iterator(chunk_size=2000):
        seq += 1
        values = {**{f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields}, "seq": seq}
        digest = record_hash(values, previous)
        RegistryRecord.objects.filter(pk=record.pk).update(seq=seq, prev_hash=previous, hash=digest)
        previous = digest
    RegistryChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "hash": previous})
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")


def restore_sqlite_trigger(apps, schema_editor):
    # SQLite rebuilds a table to add or alter a column, and the rebuild drops its triggers.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_update")
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER}_update BEFORE UPDATE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, 'UPDATE on {TABLE}: rows of this table are append-only'); END;"
        )


class Migration(migrations.Migration):
    dependencies = [("deregistration", "0008_address_registration_code_wording")]

    operations = [
        migrations.CreateModel(
            name="RegistryChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField(default=0, verbose_name="last position")),
                ("hash", models.CharField(max_length=64, verbose_name="hash of the last record")),
            ],
            options={
                "verbose_name": "end of the ХҚТ ТП АЖ hash chain",
                "verbose_name_plural": "end of the ХҚТ ТП АЖ hash chain",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="registry_chain_head_one_row")
                ],
            },
        ),
        migrations.AlterField(
            model_name="registryrecord",
            name="recorded_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="recorded at"),
        ),
        migrations.AddField(
            model_name="registryrecord",
            name="seq",
            field=models.PositiveBigIntegerField(null=True, verbose_name="position in the register"),
        ),
        migrations.AddField(
            model_name="registryrecord",
            name="prev_hash",
            field=models.CharField(default="", max_length=64, verbose_name="hash of the previous record"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="registryrecord",
            name="hash",
            field=models.CharField(default="", max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_records, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="registryrecord",
            name="seq",
            field=models.PositiveBigIntegerField(unique=True, verbose_name="position in the register"),
        ),
        migrations.RunPython(restore_sqlite_trigger, migrations.RunPython.noop, elidable=False),
    ]
