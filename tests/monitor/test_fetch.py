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


def public_dns(*public_hosts):
    """A resolver that claims `public_hosts` are on a public address (the connection still goes to loopback)."""
    from monitor.fetch import resolve_host

    async def resolve(host):
        return ["93.184.216.34"] if host in public_hosts else await resolve_host(host)
    return resolve


def test_a_redirect_from_a_public_address_to_loopback_is_not_followed(httpserver):
    httpserver.expect_request("/internal").respond_with_data("secret admin page")
    httpserver.expect_request("/feed").respond_with_data("", status=302,
                                                         headers={"Location": f"http://127.0.0.1:{httpserver.port}/internal"})
    feed = f"http://localhost:{httpserver.port}/feed"
    with pytest.raises(FetchError) as info:
        fetch(feed, resolve=public_dns("localhost"))
    assert info.value.status == "blocked_redirect"
    assert not any(req.path == "/internal" for req, _ in httpserver.log)


@pytest.mark.parametrize("target", ["http://10.0.0.1/x", "http://169.254.169.254/latest/meta-data/", "http://[::1]:9/x",
                                    "http://[::ffff:127.0.0.1]:9/x", "http://0.0.0.0:9/x"])
def test_no_internal_range_is_reachable_through_a_public_redirect(httpserver, target):
    httpserver.expect_request("/feed").respond_with_data("", status=301, headers={"Location": target})
    with pytest.raises(FetchError) as info:
        fetch(f"http://localhost:{httpserver.port}/feed", resolve=public_dns("localhost"))
    assert info.value.status == "blocked_redirect"


def test_an_allowed_intranet_range_may_be_redirected_to(httpserver):
    import ipaddress
    httpserver.expect_request("/internal").respond_with_data("intranet feed")
    httpserver.expect_request("/feed").respond_with_data("", status=302,
                                                         headers={"Location": f"http://127.0.0.1:{httpserver.port}/internal"})
    result = fetch(f"http://localhost:{httpserver.port}/feed", resolve=public_dns("localhost"),
                   allowed_networks=[ipaddress.ip_network("127.0.0.0/8")])
    assert result.body == b"intranet feed"


def test_a_configured_loopback_source_still_redirects_within_loopback(httpserver):
    httpserver.expect_request("/new").respond_with_data("moved feed")
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    result = fetch(httpserver.url_for("/old"))
    assert result.body == b"moved feed" and result.url.endswith("/new")


def test_a_redirect_target_that_resolves_public_but_connects_to_loopback_is_not_read(httpserver):
    # DNS rebinding: the check sees a public address, the connection reaches loopback.
    httpserver.expect_request("/internal").respond_with_data("secret admin page")
    httpserver.expect_request("/feed").respond_with_data("", status=302,
                                                         headers={"Location": f"http://localhost:{httpserver.port}/internal"})
    with pytest.raises(FetchError) as info:
        fetch(f"http://localhost:{httpserver.port}/feed", resolve=public_dns("localhost"))
    assert info.value.status == "blocked_redirect" and "nothing was read" in str(info.value)
