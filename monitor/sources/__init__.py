"""Source kinds: a registry from kind to the retriever that gets a source's current entries.

Kinds (one module each; the module docstring is the kind's documentation):
`feed` (`monitor.sources.feed`), `search` (`monitor.sources.search`), `file`
(`monitor.sources.file`). `push` sources are not polled: platforms post to
`POST /api/items`, handled by `monitor.push.accept_records`.

The registry maps a kind to a dotted name resolved on first use (like HC
`TRANSPORTS`), so adding a kind is one line here and one module; nothing is
discovered at import time.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..entries import RawEntry
from ..fetch import Fetcher
from ._documents import ParsedDocument, decode_text, lookup_path, map_json_items, parse_document

__all__ = [
    "RETRIEVERS", "POLLED_KINDS", "Retriever", "Retrieved", "SourceSnapshot", "get_retriever",
    "ParsedDocument", "parse_document", "decode_text", "map_json_items", "lookup_path",
]

RETRIEVERS: dict[str, tuple[str, str]] = {
    "feed": ("RSS/Atom/JSON Feed", "monitor.sources.feed:retrieve"),
    "search": ("关键词搜索", "monitor.sources.search:retrieve"),
    "file": ("本地文件", "monitor.sources.file:retrieve"),
}
POLLED_KINDS = tuple(RETRIEVERS)


@dataclass(frozen=True)
class SourceSnapshot:
    """What a retriever may know of a source: a detached copy of its row (no session needed)."""

    id: int
    name: str
    kind: str
    url: str | None
    config: dict[str, Any]
    etag: str | None = None
    last_modified: str | None = None
    last_success_at: datetime | None = None

    @classmethod
    def of(cls, row) -> "SourceSnapshot":
        return cls(id=row.id, name=row.name, kind=row.kind, url=row.url, config=dict(row.config or {}),
                   etag=row.etag, last_modified=row.last_modified, last_success_at=row.last_success_at)


@dataclass
class Retrieved:
    """A retriever's answer: entries, or `not_modified`; warnings go on the source row."""

    entries: list[RawEntry] = field(default_factory=list)
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    warnings: list[str] = field(default_factory=list)


class Retriever(Protocol):
    """Return the current entries of one source.

    Args: `source` (a snapshot of its row), `fetcher` (the cycle's HTTP
    fetcher; None when no network is allowed, e.g. file-only runs), `schemes`
    (the enabled `SchemeConfig`s, for kinds that query by scheme), `now`.

    Returns a `Retrieved`; `not_modified=True` (and no entries) when the source
    says nothing changed since the stored ETag / Last-Modified / file time.

    Raises `FetchError` when the source cannot be reached or answers with an
    error, `FeedError` when its document is unusable. Any other exception is a
    bug: the poll cycle records it on the source and logs the traceback.
    """

    async def __call__(self, source: SourceSnapshot, *, fetcher: Fetcher | None, schemes: Sequence[Any],
                       now: datetime) -> Retrieved: ...


def get_retriever(kind: str) -> Retriever:
    """Return the retriever of `kind`; raise KeyError naming the known kinds."""
    try:
        _label, target = RETRIEVERS[kind]
    except KeyError:
        raise KeyError(f"unknown source kind {kind!r} (known: {', '.join(RETRIEVERS)})") from None
    return pkgutil.resolve_name(target)
