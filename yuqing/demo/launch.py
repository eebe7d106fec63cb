"""Start a demo or drill deployment: ports, state folder, config file, account, then the daemon.

Shared by `yuqing demo` (generated config) and `yuqing drill` (the deployment's
config turned into a drill). Steps:

1. `prepare`: a fresh state folder, the web port, and loopback sockets for the feed
   server and the mail sink (bound first, so their ports can go into the config);
2. `launch`: write and load the config like any other (a mistake is reported by key),
   migrate, create the demo admin and its API token, fork the feed server and the
   sinks into a child process, run `yuqing.daemon.Daemon` on a `ScaledClock(speed)`,
   and print exactly one line on stdout once the web UI answers:
   ``demo: http://127.0.0.1:PORT user=… password=… token=…``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import multiprocessing
import os
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlmodel import Session

from ..clock import ScaledClock, SystemClock
from ..config import ConfigError, load_config
from ..db import upgrade
from ..runtime import Runtime
from .deployment import DEMO_USER, create_demo_admin
from .outbox import Outbox
from .player import FeedPlayer
from .scenario import Scenario
from .server import LOOPBACK, Upstream, bind_loopback, build_upstream_app
from .sinks import RobotAccounts

__all__ = ["Prepared", "prepare", "launch", "choose_port", "DEFAULT_PORT"]

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8080


@dataclass
class Prepared:
    state: Path
    web_port: int
    http_sock: socket.socket
    smtp_sock: socket.socket

    @property
    def feeds_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_sock.getsockname()[1]}"

    @property
    def smtp_port(self) -> int:
        return self.smtp_sock.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((LOOPBACK, port))
        except OSError as e:
            if e.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def choose_port(requested: int | None, default: int | None, *, command: str) -> int:
    """Return the web port: the requested one, else `default` when free, else any free port.

    Raises SystemExit(2) when an explicitly requested port is taken.
    """
    if requested:
        if not _port_free(requested):
            print(f"yuqing {command}: port {requested} on {LOOPBACK} is already in use (choose another with --port)",
                  file=sys.stderr)
            raise SystemExit(2)
        return requested
    if requested is None and default and _port_free(default):
        return default
    with bind_loopback(0) as s:
        return s.getsockname()[1]


def fresh_state_dir(explicit: str | None, *, command: str) -> Path:
    """Return a state folder without a database (a new temporary one by default)."""
    if explicit is None:
        return Path(tempfile.mkdtemp(prefix=f"yuqing-{command}-")).resolve()
    path = Path(explicit).resolve()
    if (path / "yuqing.db").exists():
        print(f"yuqing {command}: {path} already holds a database; give a new or empty folder", file=sys.stderr)
        raise SystemExit(2)
    path.mkdir(parents=True, exist_ok=True)
    return path


def prepare(*, state_dir: str | None, port: int | None, default_port: int | None, command: str) -> Prepared:
    state = fresh_state_dir(state_dir, command=command)
    web_port = choose_port(port, default_port, command=command)
    return Prepared(state, web_port, bind_loopback(), bind_loopback())


def launch(prepared: Prepared, *, scenario: Scenario, config_text: str, accounts: RobotAccounts, speed: float,
           password: str, command: str) -> int:
    """Write the config, prepare the database and account, and run until SIGTERM/SIGINT; return the exit code."""
    config_path = prepared.state / "config.toml"
    config_path.write_text(config_text, encoding="utf-8")
    try:
        config = load_config(config_path)
    except ConfigError as e:
        print(f"yuqing {command}: the {command} config {config_path} is not usable:", file=sys.stderr)
        for problem in e.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    # One line per poll request would bury the drill's story at --speed 3600.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    origin, start = datetime.now(timezone.utc), time.monotonic()     # shared with the sinks' process
    runtime = Runtime(config, ScaledClock(speed, origin=origin), config_path=str(config_path))
    upgrade(runtime.engine)
    with Session(runtime.engine) as session:
        token = create_demo_admin(session, runtime.clock.now(), password=password)
    # Build the directory and the judgement rules now, before the scenario's clock starts: built lazily by
    # the first poll, their seconds of loading would be hours of a drill at --speed 3600.
    runtime.directory, runtime.judge
    line = f"demo: http://{LOOPBACK}:{prepared.web_port} user={DEMO_USER} password={password} token={token}"
    logger.info("%s state folder %s (config.toml, yuqing.db, outbox.jsonl); scenario %s at speed x%g",
                command, prepared.state, scenario.name, speed)
    upstream = _start_upstream(runtime, scenario=scenario, accounts=accounts, prepared=prepared, start=start,
                               origin=origin, speed=speed)
    return asyncio.run(_serve(runtime, line=line, upstream=upstream))


def _upstream_process(prepared: Prepared, *, player: FeedPlayer, accounts: RobotAccounts, outbox_path: Path,
                      origin: datetime, start: float, speed: float, parent: int, ready) -> None:
    """Serve the feeds and sinks in a child process until the parent is gone or stops us.

    Why a process of its own: the sinks parse every mail and robot request the daemon sends; in the
    daemon's event loop they would compete with the very sender they measure, and at --speed 3600 a
    wall second of queueing is an hour on the clocks. The child reads the same drill time as the
    daemon: `origin` plus the monotonic seconds since `start`, times `speed`.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)        # Ctrl-C reaches the parent, which stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def now() -> datetime:
        return origin + timedelta(seconds=(time.monotonic() - start) * speed)

    async def serve() -> None:
        outbox = Outbox(outbox_path, now=now, wall=SystemClock().now)
        app = build_upstream_app(player, outbox, accounts, now=now)
        upstream = await Upstream.start(app, outbox, http_sock=prepared.http_sock, smtp_sock=prepared.smtp_sock)
        ready.set()
        while os.getppid() == parent:
            await asyncio.sleep(0.5)
        await upstream.stop()

    asyncio.run(serve())


def _start_upstream(runtime: Runtime, *, scenario: Scenario, accounts: RobotAccounts, prepared: Prepared,
                    start: float, origin: datetime, speed: float):
    """Fork the feed server and sinks; return the process once they listen."""
    player = FeedPlayer(scenario, origin=runtime.clock.now(), base_url=prepared.feeds_url)
    runtime.engine.dispose()      # no database connection may cross the fork (SQLite's rule)
    context = multiprocessing.get_context("fork")      # inherits the bound sockets and the loaded scenario
    ready = context.Event()
    process = context.Process(target=_upstream_process, name="yuqing-demo-upstream", daemon=True, kwargs=dict(
        prepared=prepared, player=player, accounts=accounts,
        outbox_path=runtime.config.state_path() / runtime.config.demo.outbox,
        origin=origin, start=start, speed=speed, parent=os.getpid(), ready=ready))
    process.start()
    if not ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError("the demo feed server and sinks did not start within 30 s")
    logger.info("feeds and sinks on %s (mail smtp://%s:%d), process %d", prepared.feeds_url, LOOPBACK,
                prepared.smtp_port, process.pid)
    return process


async def _serve(runtime: Runtime, *, line: str, upstream) -> int:
    from ..daemon import Daemon   # the web app and every stage: imported only once the config is good

    announce = asyncio.create_task(_announce(runtime, line))
    try:
        return await Daemon(runtime).run()
    finally:
        announce.cancel()
        upstream.terminate()
        upstream.join(timeout=5)


async def _announce(runtime: Runtime, line: str) -> None:
    """Print the one stdout line once the web UI listens (the daemon sets health.web)."""
    while not runtime.health.web:
        await asyncio.sleep(0.05)
    print(line, flush=True)
    logger.info("outbox at %s/demo/outbox and %s/api/demo/outbox", runtime.config.web.base_url,
                runtime.config.web.base_url)
