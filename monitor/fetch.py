"""HTTP fetching for polled sources: limits, size cap while streaming, conditional GET.

One `Fetcher` per poll cycle wraps one `httpx.AsyncClient` (connections are
reused within the cycle) and enforces:

- a global and a per-host concurrency limit (semaphores, so that one slow host
  cannot take every slot and no host gets more than `max_per_host` requests);
- connect/read timeouts plus an overall deadline per request (a server that
  trickles one byte per read timeout would otherwise hold a slot forever);
- at most 5 redirects, each checked before it is followed (and the connected address before the body is
  read, against DNS rebinding): a redirect may not
  lead from a public address to a loopback, link-local, private or otherwise
  non-global one (the resolved addresses of every hop are checked), unless the
  target lies in `monitor.allowed_networks` (a deployment that polls intranet
  sources lists its ranges). A configured source on such an address (a local
  test server, the demo, an intranet feed) is fetched as configured, and may
  redirect within non-global addresses: the rule stops a hostile public feed
  from making the poller fetch and store internal pages (SSRF);
- a body cap (default 10 MB) counted on the *decoded* bytes while streaming.
  Why we decode gzip/deflate ourselves: httpx inflates each network chunk in
  one call, so a 64 KB chunk of a gzip bomb becomes ~64 MB before any cap can
  look at it. `zlib.decompressobj().decompress(data, max_length)` inflates at
  most what is still allowed. We only advertise gzip and deflate.
- conditional GET with the source's stored ETag / Last-Modified (304 = nothing new).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import urllib.request
import zlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import httpx

from .errors import FetchError, ResponseTooLarge

logger = logging.getLogger(__name__)

__all__ = ["Fetcher", "FetchResult", "MAX_REDIRECTS", "resolve_host", "is_internal"]

MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}

Resolver = Callable[[str], Awaitable[list[str]]]


async def resolve_host(host: str) -> list[str]:
    """Return the addresses `host` resolves to (itself when it is an address; [] when it does not resolve)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    return sorted({info[4][0] for info in infos})


def is_internal(address: str, allowed: Sequence = ()) -> bool:
    """Return True for an address that is not globally reachable (loopback, private, link-local, ...)
    and not in `allowed`."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in net for net in allowed):
        return False
    return not ip.is_global or ip.is_multicast


@dataclass(frozen=True)
class FetchResult:
    url: str                       # after redirects
    status_code: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status_code == 304


class _Decoder:
    """Inflate gzip/deflate bodies chunk by chunk without ever exceeding the cap."""

    def __init__(self, encoding: str, limit: int):
        self.limit = limit
        self._raw_deflate = False
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = zlib.decompressobj()
            self._raw_deflate = True
        else:
            raise FetchError("bad_encoding", f"unsupported Content-Encoding {encoding!r} (we asked for gzip or deflate)")
        self.size = 0
        self.parts: list[bytes] = []
        self._first = True

    def feed(self, chunk: bytes) -> None:
        if self._z is None:
            self._add(chunk)
            return
        if self._first and self._raw_deflate:
            self._first = False
            # "deflate" is zlib-wrapped per the RFC, raw deflate in practice for some servers.
            if chunk and (chunk[0] & 0x0F) != 8:
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        data = chunk
        try:
            while data:
                room = self.limit - self.size + 1
                out = self._z.decompress(data, room)
                self._add(out)
                data = self._z.unconsumed_tail
        except zlib.error as e:
            raise FetchError("bad_encoding", f"corrupt compressed body: {e}") from e

    def _add(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self.size > self.limit:
            raise ResponseTooLarge(self.limit)
        self.parts.append(data)

    def body(self) -> bytes:
        if self._z is not None:
            try:
                self._add(self._z.flush())
            except zlib.error as e:
                raise FetchError("bad_encoding", f"corrupt compressed body: {e}") from e
        return b"".join(self.parts)


class Fetcher:
    """Fetch URLs under the cycle's limits. Use as `async with Fetcher(...) as f`.

    `fetch` returns a `FetchResult` for 200 and 304 answers and raises
    `FetchError` (status "http_404", "timeout", "connect_error",
    "too_many_redirects", "too_large", "bad_encoding", "bad_url") otherwise.
    """

    def __init__(self, *, user_agent: str, max_body_bytes: int = 10 * 1024 * 1024,
                 connect_timeout: timedelta = timedelta(seconds=10), read_timeout: timedelta = timedelta(seconds=30),
                 max_connections: int = 20, max_per_host: int = 2, transport: httpx.AsyncBaseTransport | None = None,
                 allowed_networks: Sequence = (), resolve: Resolver = resolve_host):
        self.max_body_bytes = max_body_bytes
        self.allowed_networks = tuple(allowed_networks)
        self._resolve = resolve
        connect, read = connect_timeout.total_seconds(), read_timeout.total_seconds()
        self.deadline = connect + 2 * read
        self._global = asyncio.Semaphore(max_connections)
        self._per_host: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(max_per_host))
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(connect=connect, read=read, write=read, pool=None),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            follow_redirects=False, transport=transport,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate",
                     "Accept": "application/rss+xml, application/atom+xml, application/feed+json, application/json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"},
        )

    @classmethod
    def from_config(cls, config, **kwargs) -> "Fetcher":
        """Return a fetcher with the limits of a `MonitorConfig`."""
        return cls(user_agent=config.user_agent, max_body_bytes=config.max_body_bytes,
                   connect_timeout=config.connect_timeout, read_timeout=config.read_timeout,
                   max_connections=config.max_connections, max_per_host=config.max_per_host,
                   allowed_networks=config.allowed_networks, **kwargs)

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """Return the answer to GET `url` (conditional when `etag`/`last_modified` are given)."""
        try:
            parts = urlsplit(url)
        except ValueError as e:
            raise FetchError("bad_url", f"not a URL: {url!r}") from e
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("bad_url", f"not an http(s) URL: {url!r}")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        async with self._global, self._per_host[parts.hostname.lower()]:
            try:
                return await asyncio.wait_for(self._get(url, headers), timeout=self.deadline)
            except asyncio.TimeoutError as e:
                raise FetchError("timeout", f"no complete answer within {self.deadline:.0f}s") from e

    async def _internal(self, host: str) -> bool:
        addresses = await self._resolve(host)
        return any(is_internal(a, self.allowed_networks) for a in addresses)

    async def _get(self, url: str, headers: dict[str, str]) -> FetchResult:
        current = url
        previous_internal = None
        for _hop in range(MAX_REDIRECTS + 1):
            host = urlsplit(current).hostname or ""
            internal = await self._internal(host)
            if previous_internal is False and internal:
                raise FetchError("blocked_redirect", f"a redirect from a public address to the internal address of "
                                                     f"{host} was not followed (not in monitor.allowed_networks)")
            target = await self._get_one(current, headers, peer_must_be_public=previous_internal is False)
            if isinstance(target, FetchResult):
                return target
            current, previous_internal = target, internal
        raise FetchError("too_many_redirects", f"more than {MAX_REDIRECTS} redirects from {url}")

    async def _get_one(self, url: str, headers: dict[str, str], *, peer_must_be_public: bool) -> FetchResult | str:
        """GET one hop: the result, or the absolute URL a redirect points to.

        `peer_must_be_public` (a hop reached by a redirect from a public address):
        the address actually connected to is checked too, before the body is
        read, so a name that resolved to a public address for the check and to
        an internal one for the connection (DNS rebinding) stores nothing. Not
        when a proxy is configured (the peer is then the proxy).
        """
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                if peer_must_be_public and not urllib.request.getproxies():
                    stream = response.extensions.get("network_stream")
                    peer = stream.get_extra_info("server_addr") if stream is not None else None
                    if peer and is_internal(str(peer[0]), self.allowed_networks):
                        raise FetchError("blocked_redirect", f"a redirect from a public address reached the internal "
                                                             f"address {peer[0]}; nothing was read")
                if response.status_code in _REDIRECTS and response.headers.get("location"):
                    target = urljoin(str(response.url), response.headers["location"])
                    parts = urlsplit(target)
                    if parts.scheme not in ("http", "https") or not parts.hostname:
                        raise FetchError("bad_url", f"a redirect to a non-http(s) URL from {url}")
                    return target
                if response.status_code == 304:
                    return self._result(response, b"")
                if response.status_code != 200:
                    raise FetchError(f"http_{response.status_code}", f"HTTP {response.status_code} {response.reason_phrase} from {response.url}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_body_bytes and not response.headers.get("content-encoding"):
                    raise ResponseTooLarge(self.max_body_bytes)
                decoder = _Decoder(response.headers.get("content-encoding", ""), self.max_body_bytes)
                async for chunk in response.aiter_raw():
                    decoder.feed(chunk)
                return self._result(response, decoder.body())
        except httpx.TimeoutException as e:
            raise FetchError("timeout", f"{type(e).__name__} fetching {url}") from e
        except httpx.ConnectError as e:
            raise FetchError("connect_error", f"cannot connect to {url}: {e}") from e
        except httpx.HTTPError as e:
            raise FetchError("http_error", f"{type(e).__name__} fetching {url}: {e}") from e
        except ValueError as e:          # a Location that is not a URL
            raise FetchError("bad_url", f"a redirect to an unusable address from {url}: {e}") from e

    @staticmethod
    def _result(response: httpx.Response, body: bytes) -> FetchResult:
        return FetchResult(
            url=str(response.url), status_code=response.status_code, body=body,
            content_type=response.headers.get("content-type"),
            etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"),
        )
