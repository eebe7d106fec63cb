"""Engine creation and schema upgrades for SQLite (embedded default) and PostgreSQL.

No module-level engine: the daemon, the CLI and each test make their own.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from . import models  # noqa: F401  (registers every table on SQLModel.metadata)

logger = logging.getLogger(__name__)

__all__ = ["make_engine", "upgrade", "current_heads", "check_database", "Session"]

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    # WAL + NORMAL: ~10x the commit rate of the default journal, still crash-safe for the database
    # (DEPENDENCIES.md). busy_timeout: the web app, the ingest and the clock loop share one file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Return an engine for `url`, creating the SQLite file's folder when needed."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


# Key of the PostgreSQL advisory lock that serializes schema upgrades (any constant; "yuqing" in ASCII).
UPGRADE_LOCK = 0x797571696E67


def upgrade(engine: Engine) -> None:
    """Bring the schema up to date (every package's migration branch to its head).

    On PostgreSQL the upgrade runs under a transaction-level advisory lock: two daemons
    starting at once on an empty database would otherwise both create the same tables
    and one would die on a unique violation in pg_type. The second waits, then finds
    the schema at its heads and does nothing (issue 20 point 14). SQLite's single
    writer serializes the upgrade by itself.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        cfg = _alembic_config(engine)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
    logger.info("database schema up to date (%s)", engine.url.render_as_string(hide_password=True))


def current_heads(engine: Engine) -> set[str]:
    """Return the revisions the database is at (empty for a fresh database)."""
    with engine.connect() as connection:
        try:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        except Exception:  # noqa: BLE001 - a missing table means "nothing applied"
            return set()
    return {r[0] for r in rows}


def check_database(engine: Engine) -> None:
    """Raise when the database does not answer a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
