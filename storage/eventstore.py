"""Event-store settings (事件存储配置) turned into the ``env`` mapping of an eventsourcing app.

The embedded default is SQLite in the data directory; production uses PostgreSQL. The names
of the keys are those read by ``eventsourcing.sqlite.SQLiteFactory`` and
``eventsourcing.postgres.PostgresFactory``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

SQLITE_FILE_NAME = "events.sqlite"
POSTGRES_SCHEMES = ("postgresql", "postgres")
DEFAULT_POSTGRES_PORT = 5432

# eventsourcing quotes the schema when it creates tables but looks its composite type up
# unquoted, so only names that PostgreSQL leaves unchanged (lower case) work end to end.
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def sqlite_env(path: Path) -> dict[str, str]:
    """Return the env for an SQLite event store in the file ``path``."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": "10",
    }


def postgres_env(url: str, schema: str | None = None) -> dict[str, str]:
    """Return the env for a PostgreSQL event store at ``postgresql://user[:password]@host[:port]/db``.

    ``schema`` must already exist: eventsourcing creates its tables in it but not the schema.
    Raise ValueError, without echoing any password, when the URL or schema name is unusable.
    """
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ValueError(f"PostgreSQL URL must start with postgresql://, not {parts.scheme}://")
    try:
        port = parts.port or DEFAULT_POSTGRES_PORT
    except ValueError:
        raise ValueError("PostgreSQL URL has an invalid port") from None
    dbname = unquote(parts.path.removeprefix("/"))
    if not parts.hostname:
        raise ValueError("PostgreSQL URL must name a host: postgresql://user@host:port/dbname")
    if not parts.username:
        raise ValueError("PostgreSQL URL must name a user: postgresql://user@host:port/dbname")
    if not dbname or "/" in dbname:
        raise ValueError("PostgreSQL URL must name one database: postgresql://user@host/dbname")
    if parts.query or parts.fragment:
        raise ValueError("PostgreSQL URL options (?...) are not supported")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username),
        # eventsourcing refuses to start without this key, even for passwordless (trust) auth.
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_LOCK_TIMEOUT": "5",
        "CREATE_TABLE": "y",
    }
    if schema is not None:
        if not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(
                f"PostgreSQL schema name {schema!r} must be lower case letters, digits and "
                "underscores, not starting with a digit, at most 63 characters"
            )
        env["POSTGRES_SCHEMA"] = schema
    return env


def event_store_env(event_store: str, data_dir: Path, schema: str | None = None) -> dict[str, str]:
    """Return the env for the configured event store: ``sqlite`` or a PostgreSQL URL."""
    if event_store == "sqlite":
        return sqlite_env(data_dir / SQLITE_FILE_NAME)
    scheme, separator, _ = event_store.partition("://")
    if separator and scheme.lower() in POSTGRES_SCHEMES:
        return postgres_env(event_store, schema=schema)
    raise ValueError(
        f"unsupported event store {_describe(event_store)}: "
        "expected 'sqlite' or a postgresql:// URL"
    )


def _describe(event_store: str) -> str:
    """Name a rejected setting without echoing a password that may be in it."""
    scheme, separator, _ = event_store.partition("://")
    if separator:
        return f"(a {scheme}:// URL)"
    if "@" in event_store or ":" in event_store:
        return "(a value that is neither 'sqlite' nor a URL)"
    return repr(event_store)


def ensure_postgres_schema(url: str, schema: str) -> None:
    """Create ``schema`` if it does not exist (eventsourcing creates tables, not schemas)."""
    import psycopg
    from psycopg import sql

    if not _SCHEMA_NAME.fullmatch(schema):
        raise ValueError(f"PostgreSQL schema name {schema!r} is not a plain lower-case name")
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
