"""Opening the ledger's database: the engine for any SQLAlchemy URL, and Alembic's upgrade.

The migrations live in ``store/migrations``; ``upgrade`` runs them programmatically on an
open connection, so an in-memory SQLite database works as well as a server. Two processes
starting at once on a new ledger do not race: the upgrade runs in one transaction holding
the database's write lock (``BEGIN IMMEDIATE`` on SQLite, where DDL is transactional too) or
a transaction-level advisory lock (``pg_advisory_xact_lock`` on PostgreSQL); the second
process waits, then finds the schema at head and does nothing.

A new SQLite ledger file is created readable by its owner only (0600); SQLite gives its
``-wal`` and ``-shm`` files the same permissions.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from .faults import install, ledger_error

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: PostgreSQL advisory lock key held while migrating.
MIGRATION_LOCK = 7_453_121

log = logging.getLogger(__name__)


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL (``None`` for another database or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    name = parsed.database
    if name.startswith("file:"):
        name = name[5:]
    return Path(name)


def describe(url: str | URL) -> str:
    """How messages name a ledger: its file, or its URL without password."""
    path = sqlite_path(url)
    return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)


def make_engine(url: str, *, readonly: bool = False, immutable: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets a busy timeout (30 s unless the URL says
    ``?timeout=``), enforced foreign keys, and its file created 0600.

    An in-memory SQLite database is shared by every thread of the process (one connection).

    :param readonly: open a SQLite file read-only (``mode=ro``), for commands that only read.
    :param immutable: and tell SQLite nobody writes it (a WAL ledger on a read-only disk
        cannot be opened otherwise).
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    sqlite = parsed.get_backend_name() == "sqlite"
    path = sqlite_path(parsed)
    if sqlite:
        kwargs["connect_args"] = {"check_same_thread": False}
        if "timeout" not in parsed.query:
            kwargs["connect_args"]["timeout"] = 30
        if path is None:
            kwargs["poolclass"] = StaticPool
        elif readonly:
            extra = {"immutable": "1"} if immutable else {}
            parsed = parsed.set(database=f"file:{path}",
                                query={**parsed.query, "mode": "ro", "uri": "true", **extra})
        else:
            _create_private(path, describe(url))
    engine = create_engine(parsed, **kwargs)
    install(engine, describe(url), path)
    if sqlite:
        event.listen(engine, "connect", _readonly_pragmas if readonly else _sqlite_pragmas)
    return engine


def _create_private(path: Path, where: str) -> None:
    """Create the ledger file readable by its owner only, if it does not exist yet."""
    if path.exists():
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except FileNotFoundError:
        raise ledger_error("unreachable", where) from None
    except PermissionError:
        raise ledger_error("readonly", where) from None
    except OSError as exc:  # ENOSPC, EROFS...
        raise ledger_error("full" if exc.errno == 28 else "readonly", where) from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web views read while an import writes; NORMAL sync is durable in WAL.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _readonly_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def alembic_config() -> Config:
    """Alembic configuration pointing at the package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str | None:
    """The latest revision of the migrations."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The revision the ledger's schema is at (``None`` for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the ledger's schema to ``revision`` (``head`` by default), in one transaction
    that holds off any other process migrating at the same time."""
    if revision == "head" and current(engine) == head():
        return  # the usual case: no write, no lock (a read-only ledger at head opens)
    config = alembic_config()
    with engine.connect() as connection, _migration_lock(connection):
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    log.debug("Registre migré jusqu'à %s.", revision)


@contextmanager
def _migration_lock(connection: Connection) -> Iterator[None]:
    """One transaction around the migration, holding the database's migration lock."""
    if connection.dialect.name == "sqlite":
        dbapi: Any = connection.connection.dbapi_connection
        legacy = dbapi.isolation_level
        dbapi.isolation_level = None  # we issue BEGIN ourselves: DDL becomes transactional
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # waits for a migrating process
            try:
                yield
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        finally:
            dbapi.isolation_level = legacy
        return
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK})
        yield
