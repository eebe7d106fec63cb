"""The demo's "outside world" on loopback: sample feeds, a keyword-search endpoint, mail and robot sinks.

One HTTP server (Starlette under uvicorn) serves both the scenario and the robot
sinks; the mail sink is an aiosmtpd server on its own port. Both run in one event
loop (the demo's child process, see `launch`; the tests' own loop) and bind
`127.0.0.1` on ports chosen by the system, so a demo never collides with another
one, and their addresses go into the generated config.

HTTP paths of the feed side:

- ``GET /feeds/{id}.xml``: RSS 2.0 of one scenario feed at the current (scaled) time,
  with an ETag so that conditional GET answers 304 while nothing new appeared;
- ``GET /search?q=...&since=...``: the keyword-search JSON (``results[]`` with
  ``title``, ``content``, ``url``, ``author``, ``published_at``, ``metrics``);
- ``GET /items/{id}``: the article page an item links to (evidence links work);
- ``GET /``: which feeds exist and how far the scenario has been played.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import uvicorn
from aiosmtpd.smtp import SMTP
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .outbox import Outbox
from .player import FeedPlayer, parse_since
from .sinks import RobotAccounts, SmtpSink, robot_routes

__all__ = ["Upstream", "bind_loopback", "feed_routes", "build_upstream_app"]

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


def bind_loopback(port: int = 0) -> socket.socket:
    """Return a listening-ready TCP socket bound to 127.0.0.1 (`port` 0: the system picks a free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    return sock


def feed_routes(player: FeedPlayer, now: Callable[[], datetime]) -> list[Route]:
    """Return the routes that serve `player` at the time `now()` tells."""

    async def feed(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            body = player.rss(name, now())
        except KeyError:
            return Response(f"no feed {name!r}\n", status_code=404, media_type="text/plain; charset=utf-8")
        # The ETag ignores lastBuildDate, which changes on every request.
        shown = [i.id for i in player.visible(now(), feed=name)]
        etag = '"' + hashlib.sha256("|".join(shown).encode()).hexdigest()[:24] + '"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(body, media_type="application/rss+xml; charset=utf-8", headers={"ETag": etag})

    async def search(request: Request) -> JSONResponse:
        query = request.query_params.get("q") or request.query_params.get("query") or ""
        since = parse_since(request.query_params.get("since"))
        return JSONResponse(player.search(query, now(), since=since))

    async def article(request: Request) -> Response:
        played = player.item(request.path_params["item_id"], now())
        if played is None:
            return HTMLResponse("<!doctype html><p>404 页面不存在</p>", status_code=404)
        return HTMLResponse(player.article_html(played))

    async def index(request: Request) -> JSONResponse:
        base = str(request.base_url).rstrip("/")
        feeds = [{"id": f.id, "title": f.title, "kind": f.kind,
                  "url": f"{base}/feeds/{f.id}.xml" if f.kind == "rss" else f"{base}/search?q={{query}}"}
                 for f in player.scenario.feeds]
        return JSONResponse({**player.progress(now()), "feeds": feeds})

    return [
        Route("/", index, methods=["GET"]),
        Route("/feeds/{name}.xml", feed, methods=["GET"]),
        Route("/search", search, methods=["GET"]),
        Route("/items/{item_id}", article, methods=["GET"]),
    ]


def build_upstream_app(player: FeedPlayer | None, outbox: Outbox, accounts: RobotAccounts, *,
                       now: Callable[[], datetime], wall: Callable[[], float] = time.time) -> Starlette:
    """Return the ASGI app of feeds (when a player is given) and robot sinks."""
    routes = robot_routes(outbox, accounts, wall=wall)
    if player is not None:
        routes = feed_routes(player, now) + routes
    return Starlette(routes=routes)


class _QuietServer(uvicorn.Server):
    """uvicorn without signal handlers: the daemon owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


@dataclass
class Upstream:
    """The running feed server and sinks; create with `start()`, end with `stop()`."""

    http_port: int
    smtp_port: int
    _server: _QuietServer
    _task: asyncio.Task
    _smtp: asyncio.AbstractServer

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.http_port}"

    @classmethod
    async def start(cls, app: Starlette, outbox: Outbox, *, http_sock: socket.socket | None = None,
                    smtp_sock: socket.socket | None = None) -> Upstream:
        """Serve `app` and an SMTP sink writing to `outbox`, on the given (or new) loopback sockets."""
        http_sock = http_sock or bind_loopback()
        smtp_sock = smtp_sock or bind_loopback()
        server = _QuietServer(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
        task = asyncio.create_task(server.serve(sockets=[http_sock]), name="demo-upstream")
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the demo feed server stopped during start-up")
            await asyncio.sleep(0.02)
        handler = SmtpSink(outbox)
        loop = asyncio.get_running_loop()
        smtp = await loop.create_server(
            lambda: SMTP(handler, enable_SMTPUTF8=True, hostname="demo-sink.local", ident="yuqing demo sink"),
            sock=smtp_sock)
        http_port = http_sock.getsockname()[1]
        smtp_port = smtp_sock.getsockname()[1]
        logger.info("demo feeds and sinks on http://%s:%d, mail sink on smtp://%s:%d", LOOPBACK, http_port, LOOPBACK, smtp_port)
        return cls(http_port, smtp_port, server, task, smtp)

    async def stop(self) -> None:
        self._smtp.close()
        self._server.should_exit = True
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self._task, timeout=5)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._smtp.wait_closed(), timeout=2)
