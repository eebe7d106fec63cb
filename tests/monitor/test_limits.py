"""Concurrency limits of a poll cycle, observed by a threaded loopback server."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from monitor.config import MonitorConfig

from .feeds import FakeFeed


@pytest.fixture
def counting_server():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    state = {"now": 0, "max": 0, "lock": threading.Lock()}

    def handler(request):
        with state["lock"]:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.3)     # the server's thread holds the request open; not domain code
        with state["lock"]:
            state["now"] -= 1
        return Response(FakeFeed().item(int(request.path.rsplit("/", 1)[-1])).rss(), content_type="application/rss+xml")

    server.expect_request(re.compile(r"^/feed/\d+$")).respond_with_handler(handler)
    server.start()
    yield server, state
    server.clear()
    server.stop()


@pytest.mark.parametrize("max_connections, max_per_host, expected", [
    pytest.param(20, 2, 2, id="per-host-limit"),
    pytest.param(1, 2, 1, id="global-limit"),
])
def test_no_more_requests_run_at_once_than_the_limits_allow(counting_server, poller, max_connections, max_per_host, expected):
    server, state = counting_server
    poller.settings.monitor = MonitorConfig(max_connections=max_connections, max_per_host=max_per_host,
                                            read_timeout=timedelta(seconds=5))
    for n in range(6):
        poller.add(f"源{n}", url=server.url_for(f"/feed/{n}"))
    report = poller.poll()
    assert report.polled == 6 and not report.failed
    assert state["max"] == expected
