"""`yuqing check-config [PATH]`: exit 0 when valid, else exit 2 with one line per problem."""

from __future__ import annotations

import sys

from ..config import ConfigError, find_config, load_config


def register(sub) -> None:
    p = sub.add_parser("check-config", help="validate a config file")
    p.add_argument("path", nargs="?", default=None)
    p.set_defaults(handler=run)


def run(args) -> int:
    path = find_config(args.path)
    try:
        config = load_config(path)
    except ConfigError as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        return 2
    from alerts.config import fallback_warnings  # noqa: PLC0415
    from responders.directory import build_directory  # noqa: PLC0415 - only for the summary line

    for loc, message in fallback_warnings(config.alerts, config.channels):
        print(f"warning: {'.'.join(str(k) for k in loc)}: {message}", file=sys.stderr)

    directory = build_directory(config.directory)
    print(f"{path}: ok ({len(directory.localities)} localities, {len(directory.bodies)} bodies, "
          f"{len(config.sources)} sources, {len(config.channels)} channels)")
    return 0
