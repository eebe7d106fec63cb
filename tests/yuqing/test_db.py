"""Storage: migrations from an empty database, models and migrations agree, UTC timestamps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import Session, SQLModel, select

from monitor.models import Source
from monitor.timestamps import SHANGHAI
from yuqing.cli import main
from yuqing.db import current_heads, make_engine, upgrade


def test_it_migrates_an_empty_database_to_every_head(empty_db_url):
    engine = make_engine(empty_db_url)
    assert current_heads(engine) == set()
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"source", "item", "event", "case", "clock", "clockstep", "clockevent", "notification", "app_user"} <= tables
    heads = current_heads(engine)
    assert "0001_base" in heads or heads, heads
    upgrade(engine)     # a second run changes nothing
    assert current_heads(engine) == heads
    engine.dispose()


def test_the_migrations_describe_exactly_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations disagree (add a migration): {diff}"


def test_timestamps_come_back_as_aware_utc(session):
    local = datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)
    session.add(Source(name="s", kind="feed", created_at=local))
    session.commit()
    session.expire_all()
    row = session.exec(select(Source)).one()
    assert row.created_at.tzinfo is not None
    assert row.created_at.utcoffset() == timedelta(0)
    assert row.created_at == local
    assert row.created_at.hour == 1


def test_naive_timestamps_are_refused(session):
    session.add(Source(name="s", kind="feed", created_at=datetime(2026, 11, 20, 9, 30)))
    with pytest.raises(Exception, match="naive datetime"):
        session.commit()


def test_db_upgrade_command_brings_a_fresh_file_up_to_date(tmp_path, capsys):
    (tmp_path / "config.toml").write_text(
        '[storage]\nurl = "sqlite:///state/x.db"\n[directory]\njurisdiction = "山西省"\n', encoding="utf-8")
    assert main(["db", "upgrade", "--config", str(tmp_path / "config.toml")]) == 0
    assert "schema at" in capsys.readouterr().out
    engine = make_engine(f"sqlite:///{tmp_path / 'state/x.db'}")
    assert "case" in inspect(engine).get_table_names()
    engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_clock_rows_keep_their_instant_across_zones(session):
    when = datetime(2026, 1, 1, 0, 0, tzinfo=timezone.utc)
    session.add(Source(name="z", kind="feed", created_at=when, next_poll_at=when.astimezone(SHANGHAI)))
    session.commit()
    session.expire_all()
    assert session.exec(select(Source)).one().next_poll_at == when


def _upgrade_at_once(url: str, barrier) -> None:
    engine = make_engine(url)
    barrier.wait()
    upgrade(engine)
    engine.dispose()


@pytest.mark.postgres
def test_daemons_cold_starting_at_once_on_an_empty_postgresql_all_upgrade(empty_db_url):
    """Issue 20 point 14: the upgrade is serialized, so no daemon dies on a unique violation in pg_type."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=_upgrade_at_once, args=(empty_db_url, barrier)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    engine = make_engine(empty_db_url)
    try:
        heads = current_heads(engine)
        upgrade(engine)
        assert heads and current_heads(engine) == heads
    finally:
        engine.dispose()
