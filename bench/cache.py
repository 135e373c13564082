"""Reuse a generated benchmark database while the schema and the generator are unchanged.

The key hashes every migration, the country-pack loader and the generator; it is stored in a
one-row table `bench_meta` of the benchmark database once generation has finished, so an
interrupted run never leaves a database that looks complete.
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What shapes the generated data: the schema, the country pack and the generator.
SOURCES = (
    "src/concord/*/migrations/*.py",
    "src/concord/regions/management/commands/load_country.py",
    "src/concord/regions/admin1.py",
    "src/concord/regions/geodata.py",
    "src/concord/regions/naming.py",
    "src/concord/regions/russian.py",
    "src/concord/regions/services.py",
    "src/concord/regions/data/*",
    "src/concord/demo/catalog.py",
    "bench/generate.py",
)


def cache_key(people: int, organisations: int) -> str:
    digest = hashlib.sha256(f"{people}/{organisations}".encode())
    for pattern in SOURCES:
        tree = source_tree() if pattern.startswith("src/") else ROOT
        for path in sorted(tree.glob(pattern)):
            if path.is_file():
                digest.update(str(path.relative_to(tree)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def source_tree() -> Path:
    """The checkout whose `concord` package Python imports — the code that migrates and fills
    the database. With PYTHONPATH set that need not be ROOT, and a key of ROOT's migrations
    would then vouch for a schema the database does not have."""
    import concord

    return Path(concord.__file__).resolve().parent.parent.parent


def sqlite_key(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(path)) as db:
            row = db.execute("SELECT cache_key FROM bench_meta").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def postgres_key(url: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as db:
            row = db.execute("SELECT cache_key FROM bench_meta").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def store_key(key: str) -> None:
    """Inside the Django process, after generation."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (cache_key varchar(64))")
        cursor.execute("DELETE FROM bench_meta")
        cursor.execute("INSERT INTO bench_meta (cache_key) VALUES (%s)", [key])
