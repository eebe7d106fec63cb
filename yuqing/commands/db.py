"""`yuqing db upgrade`: bring the database schema up to date."""

from __future__ import annotations

from ..db import current_heads, make_engine, upgrade
from .common import add_config_option, load_or_explain


def register(sub) -> None:
    p = sub.add_parser("db", help="database maintenance")
    dbsub = p.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="apply schema migrations")
    add_config_option(up)
    up.set_defaults(handler=run)


def run(args) -> int:
    config, _ = load_or_explain(args.config)
    engine = make_engine(config.database_url())
    upgrade(engine)
    print("schema at " + ", ".join(sorted(current_heads(engine))))
    return 0
