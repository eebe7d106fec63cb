"""`feed` sources: RSS 0.9x/1.0/2.0, Atom and JSON Feed over HTTP(S).

Polled with a conditional GET (the stored ETag / Last-Modified); a 304 answer
means nothing new. Config keys: `name`, `url`, `interval` (default 5m),
`enabled`, `silent_after` (override of `[monitor] silent_after`)::

    [[sources]]
    name = "山西新闻网"
    kind = "feed"
    url = "https://news.example.org/shanxi/rss.xml"
    interval = "5m"
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..errors import FetchError
from ..fetch import Fetcher
from . import Retrieved, SourceSnapshot
from ._documents import parse_document

__all__ = ["retrieve"]


async def retrieve(source: SourceSnapshot, *, fetcher: Fetcher | None, schemes: Sequence[Any] = (),
                   now: datetime | None = None) -> Retrieved:
    """Fetch and parse the feed of `source` (see `monitor.sources.Retriever`)."""
    if fetcher is None:
        raise FetchError("offline", f"{source.url}: no network in this run")
    answer = await fetcher.fetch(source.url or "", etag=source.etag, last_modified=source.last_modified)
    if answer.not_modified:
        return Retrieved(not_modified=True, etag=answer.etag or source.etag, last_modified=answer.last_modified or source.last_modified)
    doc = parse_document(answer.body, content_type=answer.content_type, url=answer.url)
    return Retrieved(entries=doc.entries, etag=answer.etag, last_modified=answer.last_modified, warnings=doc.warnings)
