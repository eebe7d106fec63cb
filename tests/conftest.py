"""Shared fixtures: a fake clock, a fresh migrated database per test, the example config.

Database: SQLite by default (a fresh file per test, copied from a template that
was migrated once per session). With DATABASE_URL set to a PostgreSQL server
(`make test` does this for its second run), each test gets a fresh database
cloned from a migrated template database.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from yuqing.clock import FakeClock
from yuqing.config import load_config
from yuqing.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at 2026-11-20 09:00 Asia/Shanghai (01:00 UTC)."""
    return FakeClock(datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc))


@pytest.fixture(scope="session")
def example_config():
    """The shipped config.toml, validated."""
    return load_config(ROOT / "config.toml", environ={})


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    if ON_POSTGRES:
        admin = make_engine(DATABASE_URL)
        name = f"yq_tpl_{uuid.uuid4().hex[:8]}"
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        tpl_url = make_url(DATABASE_URL).set(database=name)
        engine = make_engine(tpl_url.render_as_string(hide_password=False))
        upgrade(engine)
        engine.dispose()
        yield ("postgresql", name, admin)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("tpl") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        with engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        yield ("sqlite", path, None)


@pytest.fixture
def db_url(_template_db, tmp_path) -> str:
    """The URL of a fresh, migrated database for this test."""
    kind, template, admin = _template_db
    if kind == "sqlite":
        path = tmp_path / "yuqing.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    name = f"yq_{uuid.uuid4().hex[:12]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    from sqlmodel import Session

    with Session(engine) as s:
        yield s


@pytest.fixture
def empty_db_url(tmp_path):
    """The URL of an empty (unmigrated) database."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = make_engine(DATABASE_URL)
    name = f"yq_empty_{uuid.uuid4().hex[:8]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pytest_collection_modifyitems(config, items):
    """Leave out tests marked `postgres` unless DATABASE_URL names a PostgreSQL server."""
    if ON_POSTGRES:
        return
    keep = [item for item in items if item.get_closest_marker("postgres") is None]
    dropped = [item for item in items if item.get_closest_marker("postgres") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
