"""Alembic environment: run migrations on the engine or connection handed over by `yuqing.db`.

Branches: `0001_base` holds the foundation schema; each package then adds its
own linear branch of revisions on top (branch labels `monitor`, `responders`,
`alerts`, `web`), so that work on different packages never fights over one
revision chain. `yuqing db upgrade` applies every branch ("heads").
"""

from alembic import context
from sqlmodel import SQLModel

import yuqing.models  # noqa: F401  (fills SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = config.attributes["engine"]
    with engine.begin() as conn:
        _run_with(conn)


def _render_item(type_, obj, autogen_context):
    """Render our own column types by their real import path."""
    from monitor.timestamps import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "monitor.timestamps.UTCDateTime()"
    if type_ == "type" and type(obj).__module__.startswith("sqlmodel"):
        return f"sqlmodel.sql.sqltypes.{obj!r}"
    return False


def _run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
