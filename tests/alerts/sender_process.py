"""A real sender process for the kill-and-restart test: ``python -m tests.alerts.sender_process DB_URL URL SECRET``.

Runs `alerts.sender.Sender.run` on the system clock against one signed webhook
channel until SIGTERM (or until the test kills it with SIGKILL mid-send).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time

from alerts.sender import Sender
from yuqing.clock import SystemClock
from yuqing.db import make_engine

from .conftest import make_ctx


def main(db_url: str, url: str, secret: str) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    ctx = make_ctx([{"name": "指挥平台", "kind": "webhook", "url": url, "secret": secret, "bodies": ["*"],
                     "timeout": "60s"}], claim_timeout="2s", backoff="1s")
    sender = Sender(engine=make_engine(db_url), clock=SystemClock(), ctx=ctx, timer=time.monotonic, wall=time.time,
                    name="subprocess")

    async def run() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        print("ready", flush=True)
        await sender.run(stop, poll=0.05)

    asyncio.run(run())


if __name__ == "__main__":
    main(*sys.argv[1:4])
