"""`yuqing classify`: not built yet (see the project's issue 4)."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("classify", help="(not built yet)")
    p.add_argument("rest", nargs="*")
    p.set_defaults(handler=run)


def run(args) -> int:
    print("yuqing classify: not built yet", file=sys.stderr)
    return 3
