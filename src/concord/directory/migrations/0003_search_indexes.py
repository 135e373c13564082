"""Substring search indexes for `Person.search_text` and `Organisation.search_text`.

PostgreSQL: GIN trigram indexes (pg_trgm), which the planner uses for `LIKE '%…%'`.
SQLite: one FTS5 table with the trigram tokenizer per model, rowid = the row's pk, kept in
step by triggers, so bulk_create, raw SQL and flushes stay in sync without Python code.

Beware on SQLite: a later migration that makes Django rebuild one of these tables (most
AlterField operations) drops its triggers with the old table. Such a migration must run
`create_sqlite_triggers` again; test_search checks that the triggers exist.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

TABLES = ("directory_person", "directory_organisation")


def _pg_index(table: str) -> str:
    return f"{table}_search_trgm"


def _fts(table: str) -> str:
    return f"{table}_fts"


def create_pg_indexes(schema_editor: Any) -> None:
    connection = schema_editor.connection
    try:
        # A savepoint: a failed CREATE EXTENSION must not abort the migration's transaction.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        logger.warning(
            "pg_trgm is not available (%s); directory search will scan the tables. "
            "A superuser can run CREATE EXTENSION pg_trgm, then migrate directory 0002 "
            "and migrate again.",
            error,
        )
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_pg_index(table)} "
            f"ON {table} USING gin (search_text gin_trgm_ops)"
        )


def drop_pg_indexes(schema_editor: Any) -> None:
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_pg_index(table)}")


def create_sqlite_triggers(schema_editor: Any, table: str) -> None:
    """Mirror every insert, delete and change of search_text (or of the pk) into the FTS table."""
    fts = _fts(table)
    schema_editor.execute(
        f"CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    schema_editor.execute(
        f"CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.id; END"
    )
    # Every save() writes search_text; only a changed text (or pk) touches the index.
    schema_editor.execute(
        f"CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF id, search_text ON {table} "
        f"WHEN old.search_text IS NOT new.search_text OR old.id IS NOT new.id "
        f"BEGIN DELETE FROM {fts} WHERE rowid = old.id; "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
    )


def create_sqlite_fts(schema_editor: Any) -> None:
    for table in TABLES:
        fts = _fts(table)
        # A table with its own copy of the text (not external content): a delete needs only
        # the rowid, so the index can never drift from wrong "old" values.
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} "
            f"USING fts5(search_text, tokenize='trigram')"
        )
        schema_editor.execute(f"DELETE FROM {fts}")
        schema_editor.execute(
            f"INSERT INTO {fts}(rowid, search_text) SELECT id, search_text FROM {table}"
        )
        create_sqlite_triggers(schema_editor, table)


def drop_sqlite_fts(schema_editor: Any) -> None:
    for table in TABLES:
        fts = _fts(table)
        for event in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {fts}")


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        create_pg_indexes(schema_editor)
    elif vendor == "sqlite":
        create_sqlite_fts(schema_editor)


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        drop_pg_indexes(schema_editor)
    elif vendor == "sqlite":
        drop_sqlite_fts(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_search_text"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
