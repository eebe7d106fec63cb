"""`yuqing`: the command line (CONTRACT.md "Command line").

Each command lives in its own module under `yuqing.commands` with two functions,
`register(subparsers)` and `run(args) -> int`; this file lists them explicitly.
Exit codes: 0 success, 2 unusable config or bad usage, 1 any other failure.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from . import logsecrets

__all__ = ["main", "COMMANDS"]

COMMANDS = [
    "run", "check_config", "db", "classify", "evaluate", "train", "ingest", "demo", "drill", "user", "report", "send_test_alert",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yuqing", description="政务舆情 monitoring, response clocks and escalation")
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (default: from config)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"yuqing.commands.{name}")
        module.register(sub)
    return parser


def setup_logging(level: str | None) -> None:
    logsecrets.install()            # no credential in any log line (robot addresses, config secrets)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.basicConfig(
        level=(level or "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
