"""`search` sources: a keyword search endpoint queried once per keyword scheme.

The `url` is a template: `{query}` becomes the scheme's query (its expression
as written, with word lists joined into the same language, URL-encoded) and
`{since}` the ISO 8601 time of the source's last successful poll (empty the
first time). The answer is a feed (RSS/Atom/JSON Feed), or, with
`items_path` and `fields`, JSON mapped to items by dotted field paths. This is
how a deployment plugs in a news search, an RSSHub-style bridge or a vendor's
API. Items found for a scheme count as matching it even when the endpoint
matched on text we do not receive. `schemes` limits the schemes queried
(default: every enabled scheme)::

    [[sources]]
    name = "新闻搜索"
    kind = "search"
    url = "https://search.example.org/api?q={query}&since={since}"
    interval = "10m"
    schemes = ["民生热点"]
    items_path = "data.results"
    fields = { id = "docId", title = "title", text = "content", url = "link", published = "pubTime", site = "siteName", views = "stats.read" }
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ..entries import RawEntry
from ..errors import FeedError, FetchError
from ..fetch import Fetcher
from . import Retrieved, SourceSnapshot
from ._documents import decode_text, map_json_items, parse_document

__all__ = ["retrieve", "scheme_query", "search_url"]


def scheme_query(scheme) -> str:
    """Return the query text of a `SchemeConfig`: its expression AND its word lists, in the scheme language."""
    expression = scheme.expression.strip()
    lists = ["(" + "|".join(words) + ")" for words in (scheme.regions, scheme.subjects) if words]
    parts = ([f"({expression})"] if lists else [expression]) if expression else []
    query = "+".join(parts + lists)
    if scheme.exclusions:
        query += "-(" + "|".join(scheme.exclusions) + ")"
    return query


def search_url(template: str, *, query: str, since: datetime | None) -> str:
    """Return `template` with `{query}` and `{since}` filled in, URL-encoded."""
    return template.replace("{query}", quote(query, safe="")).replace("{since}", quote(since.isoformat() if since else "", safe=""))


async def retrieve(source: SourceSnapshot, *, fetcher: Fetcher | None, schemes: Sequence[Any],
                   now: datetime | None = None) -> Retrieved:
    """Query the endpoint once per scheme (see `monitor.sources.Retriever`).

    A scheme whose query fails is a warning while another succeeds; when all
    fail, the first failure is raised.
    """
    if fetcher is None:
        raise FetchError("offline", f"{source.name}: no network in this run")
    wanted = set(source.config.get("schemes") or [])
    chosen = [s for s in schemes if not wanted or s.name in wanted]
    if not chosen:
        raise FeedError("parse_error", f"no enabled scheme to search for (schemes = {sorted(wanted)})")
    result = Retrieved()
    failures: list[Exception] = []
    for scheme in chosen:
        url = search_url(source.url or "", query=scheme_query(scheme), since=source.last_success_at)
        try:
            answer = await fetcher.fetch(url)
            doc = _parse(answer.body, answer.content_type, source)
        except (FetchError, FeedError) as e:
            failures.append(e)
            result.warnings.append(f"scheme {scheme.name!r}: {e}")
            continue
        result.warnings.extend(f"scheme {scheme.name!r}: {w}" for w in doc.warnings)
        result.entries.extend(
            RawEntry(**{**entry.__dict__, "schemes": tuple(entry.schemes) + (scheme.name,)}) for entry in doc.entries
        )
    if failures and len(failures) == len(chosen):
        raise failures[0]
    return result


def _parse(body: bytes, content_type: str | None, source: SourceSnapshot):
    items_path = source.config.get("items_path")
    if not items_path:
        return parse_document(body, content_type=content_type)
    text, _warning = decode_text(body, content_type=content_type)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as e:
        raise FeedError("parse_error", f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from e
    return map_json_items(payload, items_path=items_path, fields=source.config.get("fields") or {}, site=source.name)
