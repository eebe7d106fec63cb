"""The `[demo]` section: present only in demo and drill deployments (written by `yuqing demo` / `yuqing drill`).

Its presence turns on the outbox of the local sinks (``GET /api/demo/outbox`` and the
演练消息 page); a production config never has it::

    [demo]
    outbox = "outbox.jsonl"        # relative to state_dir
    scenario = "shanxi"            # what is being played (shown on the page)
    feeds_url = "http://127.0.0.1:40123"
    open_outbox = true             # `yuqing demo` only: the JSON outbox needs no token

Why `open_outbox` is off unless `yuqing demo` writes it: the demo's directory is
the bundled placeholder one, but a drill plays the deployment's real directory,
whose names, e-mail addresses and mobiles must not be served without a token.
"""

from __future__ import annotations

from pydantic import Field

from monitor.configtypes import Frozen

__all__ = ["DemoConfig"]


class DemoConfig(Frozen):
    outbox: str = Field(default="outbox.jsonl", min_length=1)
    scenario: str = ""
    feeds_url: str | None = None
    open_outbox: bool = False
