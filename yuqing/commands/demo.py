"""`yuqing demo`: the whole product in one command, on loopback (CONTRACT.md "The demo deployment").

1. load the scenario (bundled `shanxi` by default) and make a fresh state folder;
2. bind the local feed server and the mail sink on free loopback ports;
3. write a generated config.toml there (SQLite, sources on the feed server, one
   channel of every kind pointing at the sinks, `drill = true`) and load it like
   any other config;
4. migrate the database, create the demo admin and an API token;
5. run the daemon (`yuqing.daemon.Daemon`) on a `ScaledClock(speed)` next to the
   feed server and the sinks, in one event loop; print exactly one line on stdout
   once the web UI answers: ``demo: http://127.0.0.1:PORT user=… password=… token=…``.

Ctrl-C (SIGINT) or SIGTERM stops everything; the state folder stays for inspection.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import sys
import tempfile
from pathlib import Path

from sqlmodel import Session

from ..clock import ScaledClock, SystemClock
from ..config import ConfigError, load_config
from ..db import upgrade
from ..demo.deployment import DEMO_USER, DemoSecrets, create_demo_admin, demo_config_text, repository_directory
from ..demo.outbox import Outbox
from ..demo.player import FeedPlayer
from ..demo.scenario import ScenarioError, bundled_scenarios, load_scenario
from ..demo.server import LOOPBACK, Upstream, bind_loopback, build_upstream_app
from ..runtime import Runtime

__all__ = ["register", "run", "DEFAULT_PORT", "DEFAULT_SPEED"]

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8080
DEFAULT_SPEED = 3600.0


def register(sub) -> None:
    p = sub.add_parser("demo", help="run the demo deployment on loopback: sample feeds, local mail/IM sinks, drill clocks",
                       description="Run the whole product on loopback with a scripted scenario (舆情应对演练).")
    p.add_argument("--port", type=int, default=None,
                   help=f"web UI port (default {DEFAULT_PORT}, or a free one when it is taken; 0 = any free port)")
    p.add_argument("--speed", type=float, default=DEFAULT_SPEED,
                   help="clock speed: 3600 makes one wall-clock second count as one hour (default 3600)")
    p.add_argument("--scenario", default="shanxi",
                   help=f"bundled scenario ({', '.join(sorted(bundled_scenarios()))}) or a scenario file")
    p.add_argument("--state-dir", default=None, metavar="DIR",
                   help="state folder (must not hold a database yet; default: a new temporary folder)")
    p.set_defaults(handler=run)


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


def choose_port(requested: int | None) -> int:
    """Return the web port: the requested one, else 8080 when free, else any free port.

    Raises SystemExit(2) when an explicitly requested port is taken.
    """
    if requested:
        if not _port_free(requested):
            print(f"yuqing demo: port {requested} on {LOOPBACK} is already in use (choose another with --port)",
                  file=sys.stderr)
            raise SystemExit(2)
        return requested
    if requested is None and _port_free(DEFAULT_PORT):
        return DEFAULT_PORT
    with bind_loopback(0) as s:
        return s.getsockname()[1]


def fresh_state_dir(explicit: str | None) -> Path:
    """Return a state folder without a database (a new temporary one by default)."""
    if explicit is None:
        return Path(tempfile.mkdtemp(prefix="yuqing-demo-")).resolve()
    path = Path(explicit).resolve()
    if (path / "yuqing.db").exists():
        print(f"yuqing demo: {path} already holds a demo database; give a new or empty folder", file=sys.stderr)
        raise SystemExit(2)
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(args) -> int:
    if not args.speed > 0:
        print("yuqing demo: --speed must be a positive number", file=sys.stderr)
        return 2
    try:
        scenario = load_scenario(args.scenario)
        directory = repository_directory()
    except (ScenarioError, FileNotFoundError) as e:
        print(f"yuqing demo: {e}", file=sys.stderr)
        return 2
    state = fresh_state_dir(args.state_dir)
    web_port = choose_port(args.port)
    http_sock, smtp_sock = bind_loopback(), bind_loopback()
    feeds_url = f"http://{LOOPBACK}:{http_sock.getsockname()[1]}"
    secrets_ = DemoSecrets()
    config_path = state / "config.toml"
    config_path.write_text(demo_config_text(
        scenario=scenario, state_dir=state, web_port=web_port, feeds_url=feeds_url,
        smtp_port=smtp_sock.getsockname()[1], secrets_=secrets_, directory=directory), encoding="utf-8")
    try:
        config = load_config(config_path)
    except ConfigError as e:
        print(f"yuqing demo: the generated config {config_path} is not usable (a bug):", file=sys.stderr)
        for problem in e.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1

    # One line per poll request would bury the demo's story at --speed 3600.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    runtime = Runtime(config, ScaledClock(args.speed), config_path=str(config_path))
    upgrade(runtime.engine)
    with Session(runtime.engine) as session:
        token = create_demo_admin(session, runtime.clock.now(), password=secrets_.password)
    line = f"demo: http://{LOOPBACK}:{web_port} user={DEMO_USER} password={secrets_.password} token={token}"
    logger.info("demo state folder %s (config.toml, yuqing.db, outbox.jsonl); scenario %s at speed x%g",
                state, scenario.name, args.speed)
    return asyncio.run(_serve(runtime, scenario=scenario, secrets_=secrets_, line=line,
                              http_sock=http_sock, smtp_sock=smtp_sock, feeds_url=feeds_url))


async def _serve(runtime: Runtime, *, scenario, secrets_: DemoSecrets, line: str, http_sock, smtp_sock,
                 feeds_url: str) -> int:
    from ..daemon import Daemon   # imports the web app and every stage; only needed once the config is good

    now = runtime.clock.now
    player = FeedPlayer(scenario, origin=now(), base_url=feeds_url)
    outbox = Outbox(runtime.config.state_path() / runtime.config.demo.outbox, now=now, wall=SystemClock().now)
    app = build_upstream_app(player, outbox, secrets_.accounts(), now=now)
    upstream = await Upstream.start(app, outbox, http_sock=http_sock, smtp_sock=smtp_sock)
    daemon = Daemon(runtime)
    announce = asyncio.create_task(_announce(runtime, line, upstream))
    try:
        return await daemon.run()
    finally:
        announce.cancel()
        await upstream.stop()


async def _announce(runtime: Runtime, line: str, upstream: Upstream) -> None:
    """Print the one stdout line once the web UI listens (the daemon sets health.web)."""
    while not runtime.health.web:
        await asyncio.sleep(0.05)
    print(line, flush=True)
    logger.info("demo feeds %s/ ; outbox %s/api/demo/outbox ; mail sink smtp://%s:%d",
                upstream.base_url, runtime.config.web.base_url, LOOPBACK, upstream.smtp_port)
