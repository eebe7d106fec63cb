"""The HTTP fetcher's failure modes against a real loopback server."""

from __future__ import annotations

import asyncio
import socket
import zlib
from datetime import timedelta

import pytest

from monitor.errors import FetchError, ResponseTooLarge
from monitor.fetch import Fetcher


def fetch(url, **kwargs):
    async def go():
        async with Fetcher(user_agent="test", connect_timeout=timedelta(seconds=2), read_timeout=timedelta(seconds=2), **kwargs) as f:
            return await f.fetch(url)
    return asyncio.run(go())


def test_a_closed_port_is_a_connect_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError) as info:
        fetch(f"http://127.0.0.1:{port}/rss")
    assert info.value.status == "connect_error"


def test_an_encoding_we_did_not_ask_for_is_refused(httpserver):
    httpserver.expect_request("/br").respond_with_data(b"\x0b\x02\x80", headers={"Content-Encoding": "br"})
    with pytest.raises(FetchError) as info:
        fetch(httpserver.url_for("/br"))
    assert info.value.status == "bad_encoding" and "br" in str(info.value)


def test_a_corrupt_gzip_body_is_refused(httpserver):
    httpserver.expect_request("/corrupt").respond_with_data(b"\x1f\x8b\x08\x00garbage-not-deflate", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError) as info:
        fetch(httpserver.url_for("/corrupt"))
    assert info.value.status == "bad_encoding"


@pytest.mark.parametrize("wbits", [pytest.param(zlib.MAX_WBITS, id="zlib-wrapped"), pytest.param(-zlib.MAX_WBITS, id="raw")])
def test_deflate_bodies_are_read_wrapped_or_raw(httpserver, wbits):
    z = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = z.compress("<rss>停水</rss>".encode()) + z.flush()
    httpserver.expect_request("/deflate").respond_with_data(body, headers={"Content-Encoding": "deflate"})
    assert fetch(httpserver.url_for("/deflate")).body.decode() == "<rss>停水</rss>"


def test_a_declared_length_over_the_cap_is_refused_before_reading(httpserver):
    httpserver.expect_request("/long").respond_with_data(b"x" * 5000)
    with pytest.raises(ResponseTooLarge):
        fetch(httpserver.url_for("/long"), max_body_bytes=1000)


def test_only_http_urls_are_fetched():
    with pytest.raises(FetchError) as info:
        fetch("file:///etc/passwd")
    assert info.value.status == "bad_url"
