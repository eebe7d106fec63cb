"""`yuqing user`: not built yet (see the project's issue 8)."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("user", help="(not built yet)")
    p.add_argument("rest", nargs="*")
    p.set_defaults(handler=run)


def run(args) -> int:
    print("yuqing user: not built yet", file=sys.stderr)
    return 3
