"""The benchmarks' own PostgreSQL databases, made on the server a URL names (through its ``postgres`` database)."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg2  # the project's own driver


def admin_connection(url: str):
    """An autocommit connection to the ``postgres`` database of the server ``url`` names."""
    parts = urlsplit(url)
    raw = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    raw.autocommit = True
    return raw


def ensure_database(url: str, name: str, *, fresh: bool) -> None:
    """Make the database ``name`` on ``url``'s server if it is missing; with ``fresh``, drop it first."""
    raw = admin_connection(url)
    try:
        with raw.cursor() as cursor:
            if fresh:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        raw.close()


def recreate_database(url: str) -> None:
    """Drop the database ``url`` names, if it exists, and make it again, empty."""
    ensure_database(url, urlsplit(url).path.lstrip("/"), fresh=True)
