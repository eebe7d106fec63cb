"""What several commands share: loading the config or explaining in one screen why not."""

from __future__ import annotations

import sys

from ..config import Config, ConfigError, find_config, load_config
from ..logsecrets import hide_secrets_of

__all__ = ["add_config_option", "load_or_explain", "ConfigUnusable"]


class ConfigUnusable(SystemExit):
    """Raised after the problems were printed; exits with code 2."""

    def __init__(self):
        super().__init__(2)


def add_config_option(parser) -> None:
    parser.add_argument("--config", default=None, metavar="PATH",
                        help="config file (default: ./config.toml, else /etc/yuqing/config.toml)")


def load_or_explain(explicit: str | None, *, stream=None) -> tuple[Config, str]:
    """Return (config, path); on problems print one line each to stderr and exit 2."""
    stream = stream or sys.stderr
    path = find_config(explicit)
    try:
        config = load_config(path)
        hide_secrets_of(config)
        return config, str(path)
    except ConfigError as e:
        print(f"yuqing: the configuration {path} is not usable ({len(e.problems)} problem(s)):", file=stream)
        for problem in e.problems:
            print(f"  {problem}", file=stream)
        raise ConfigUnusable() from None
