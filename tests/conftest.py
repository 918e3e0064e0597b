import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL; on SQLite they are skipped with the reason."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (row locks, triggers on DELETE); run with DATABASE_URL set"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
