"""The benchmark databases, shared by every benchmark: a fresh SQLite file in var/bench/ and a
fresh PostgreSQL database of the benchmark's own name, and the environment of the child
process that measures one of them."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
DEFAULT_POSTGRES = "postgres://concord:concord@127.0.0.1:5432/concord"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def postgres_url(name: str) -> str:
    """BENCH_POSTGRES_URL, else DATABASE_URL when it is PostgreSQL, else the local default —
    always with the benchmark's own database name."""
    url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = DEFAULT_POSTGRES
    return with_database(url, name)


def reset_postgres(url: str) -> str | None:
    """A fresh, empty database at `url`; the error text when the server cannot be used."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    try:
        with psycopg.connect(
            with_database(url, "postgres"), autocommit=True, connect_timeout=5
        ) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            db.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    return None


def reset_sqlite(path: Path) -> str:
    """A fresh file every run: a few seconds to migrate, and no state left from the last run."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def databases(backend: str, *, sqlite_path: Path, postgres_name: str) -> list[tuple[str, str]]:
    """(label, DATABASE_URL) of each fresh database the run measures."""
    chosen = []
    if backend in ("all", "sqlite"):
        chosen.append(("sqlite", reset_sqlite(sqlite_path)))
    if backend in ("all", "postgresql"):
        url = postgres_url(postgres_name)
        error = reset_postgres(url)
        if error:
            print(f"PostgreSQL skipped: {urlsplit(url).netloc} not usable ({error})", flush=True)
        else:
            chosen.append(("postgresql", url))
    return chosen


def bench_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="concord.settings",
        CONCORD_VAR_DIR=str(BENCH_DIR / "home"),  # own secret key; never touches var/ itself
        PYTHONUNBUFFERED="1",
        WHATSAPP_TOKEN="",  # Telegram is the only channel measured
        LOG_LEVEL="WARNING",
    )
    return env
