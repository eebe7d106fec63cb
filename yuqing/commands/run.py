"""`yuqing run [--config PATH]`: the daemon in the foreground (systemd Type=notify)."""

from __future__ import annotations

import asyncio
import logging

from ..clock import SystemClock
from ..daemon import Daemon
from ..runtime import Runtime
from .common import add_config_option, load_or_explain


def register(sub) -> None:
    p = sub.add_parser("run", help="run the daemon in the foreground")
    add_config_option(p)
    p.set_defaults(handler=run)


def run(args) -> int:
    config, path = load_or_explain(args.config)
    if args.log_level is None:
        logging.getLogger().setLevel(config.log.level.upper())
    runtime = Runtime(config, SystemClock(), config_path=path)
    try:
        return asyncio.run(Daemon(runtime).run())
    except OSError as e:
        logging.getLogger("yuqing").error("cannot start: %s", e)
        return 1
