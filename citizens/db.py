"""Database-level guards that the ORM cannot express."""

from __future__ import annotations

from django.db import migrations


def append_only_function(function: str, *, unless: str = "") -> str:
    """PostgreSQL: the trigger function that refuses UPDATE and DELETE; with ``unless``, a condition on the
    operation (``TG_OP``, ``OLD``, settings) under which the row passes instead."""
    passes = f"IF {unless} THEN RETURN OLD; END IF;" if unless else ""
    return f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {passes}
            RAISE EXCEPTION '% on %: rows of this table are append-only', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
        """


def append_only(table: str) -> migrations.RunPython:
    """A migration operation that makes ``table`` refuse UPDATE (and, on PostgreSQL, DELETE) in the database.

    PostgreSQL: row-level BEFORE UPDATE OR DELETE triggers raise, whatever the client (raw SQL, psql,
    another application). TRUNCATE, a privilege of the table's owner, is not blocked, so that the test
    runner can still empty the database; production grants the application role no TRUNCATE.
    SQLite: an UPDATE trigger; DELETE is refused by the model only, because Django's test runner empties
    SQLite tables with DELETE.
    """
    function = f"{table}_append_only"

    def forwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(
                append_only_function(function),
                params=None,  # the body's % are PL/pgSQL's, not query parameters
            )
            schema_editor.execute(
                f"CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}();"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {function}_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'UPDATE on {table}: rows of this table are append-only'); END;"
            )

    def backwards(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {function} ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}();")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {function}_update;")

    return migrations.RunPython(forwards, backwards, elidable=False)
