"""Play a scenario over time: which items exist at a given moment, as RSS, search answers and pages.

The player is pure: every method takes `now` from the caller's clock (the daemon's
`ScaledClock` in the demo), so an item at offset 2 h appears two wall-clock seconds
after the start at `--speed 3600`, and tests drive it with a `FakeClock`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from monitor.errors import SchemeError
from monitor.normalize import fold
from monitor.schemes import parse_expression
from monitor.timestamps import UTC

from .scenario import Scenario, ScenarioItem, fill_dates

__all__ = ["FeedPlayer", "PlayedItem", "parse_since", "query_terms", "query_matcher"]

_TERM = re.compile(r"(-?)([0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]+)")
_TITLE_CHARS = 40


@dataclass(frozen=True)
class PlayedItem:
    """One scenario item as it is published: dates filled in, absolute times, its link."""

    id: str
    feed: str
    title: str
    text: str
    author: str
    link: str
    seen_at: datetime           # when it becomes visible (origin + at)
    published_at: datetime      # what the feed says (may be a little earlier)
    metrics: dict[str, int]

    def record(self) -> dict:
        """Return the item as a `yuqing classify` input record (CONTRACT.md)."""
        return {"id": self.id, "title": self.title, "text": self.text, "source": self.author or self.feed,
                "url": self.link, "published": self.published_at.isoformat(), "metrics": dict(self.metrics)}


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """Return (wanted, excluded) words of a search query.

    Accepts plain words separated by spaces, commas or ``|`` and the keyword-scheme
    expressions of the monitor (``(太谷|平遥)+(停水|断水)-演练``): every word counts as
    a wanted alternative and ``-word`` excludes, which is how a lenient search engine
    treats such a query.
    """
    wanted, excluded = [], []
    for m in _TERM.finditer(query or ""):
        (excluded if m.group(1) else wanted).append(m.group(2))
    return wanted, excluded


def query_matcher(query: str) -> Callable[[str], bool]:
    """Return a predicate telling whether a text matches a search query.

    The query is read in the monitor's keyword-scheme language (what a `search`
    source sends, ``(乡宁|煤矿)+(爆炸|遇难)-演练``), so the demo's search engine
    answers the way the scheme means; a query that does not parse falls back to
    "any wanted word, no excluded word" (`query_terms`), as a lenient engine would.
    An empty query matches everything.
    """
    if not (query or "").strip():
        return lambda text: True
    try:
        tree = parse_expression(query, scheme="search")
    except SchemeError:
        wanted, excluded = query_terms(query)
        wanted, excluded = [fold(w) for w in wanted], [fold(x) for x in excluded]
        return lambda text: (not wanted or any(w in fold(text) for w in wanted)) and not any(x in fold(text) for x in excluded)
    words = set(tree.words())

    def match(text: str) -> bool:
        folded = fold(text)
        return tree.evaluate({w for w in words if w in folded})

    return match


def parse_since(value: str | None) -> datetime | None:
    """Return the `since` parameter as aware UTC: ISO 8601 or Unix seconds; None when absent or unreadable.

    Why lenient: a search endpoint that refuses an odd `since` would make the demo
    look broken; real engines ignore what they do not understand.
    """
    if not value:
        return None
    value = value.strip()
    try:
        if re.fullmatch(r"\d+(\.\d+)?", value):
            return datetime.fromtimestamp(float(value), UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+", 1) if "T" in value else value)
    except (ValueError, OverflowError, OSError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class FeedPlayer:
    """Serve `scenario` as if it had started at `origin` (an instant on the daemon's clock)."""

    def __init__(self, scenario: Scenario, *, origin: datetime, base_url: str):
        if origin.tzinfo is None:
            raise ValueError("origin must be an aware datetime")
        self.scenario = scenario
        self.origin = origin
        self.base_url = base_url.rstrip("/")
        self._items = [self._played(item) for item in scenario.timeline()]
        self._by_id = {i.id: i for i in self._items}

    def _played(self, item: ScenarioItem) -> PlayedItem:
        seen = self.origin + item.at
        text = fill_dates(item.text, self.origin)
        title = fill_dates(item.title, self.origin) or _title_from(text)
        return PlayedItem(
            id=item.id, feed=item.feed, title=title, text=text, author=item.author,
            link=f"{self.base_url}/items/{item.id}", seen_at=seen,
            published_at=min(seen, seen + item.published), metrics=dict(item.metrics))

    def visible(self, now: datetime, *, feed: str | None = None) -> list[PlayedItem]:
        """Return the items that have appeared by `now`, oldest first (optionally of one feed)."""
        return [i for i in self._items if i.seen_at <= now and (feed is None or i.feed == feed)]

    def item(self, item_id: str, now: datetime) -> PlayedItem | None:
        """Return the item if it exists and has appeared by `now` (the future is not served)."""
        found = self._by_id.get(item_id)
        return found if found is not None and found.seen_at <= now else None

    def next_at(self, now: datetime) -> datetime | None:
        """Return when the next item appears, or None when the scenario has been played out."""
        return next((i.seen_at for i in self._items if i.seen_at > now), None)

    def progress(self, now: datetime) -> dict:
        shown = len(self.visible(now))
        return {"scenario": self.scenario.name, "origin": self.origin.isoformat(), "shown": shown,
                "total": len(self._items), "elapsed_hours": round((now - self.origin) / timedelta(hours=1), 2)}

    # -- renderings ---------------------------------------------------------
    def rss(self, feed_id: str, now: datetime, *, limit: int = 50) -> bytes:
        """Return the RSS 2.0 document of one feed at `now` (newest first, at most `limit` items).

        Raises KeyError for an unknown feed.
        """
        feed = self.scenario.feed(feed_id)
        if feed is None:
            raise KeyError(feed_id)
        rss = ET.Element("rss", version="2.0")
        channel = ET.SubElement(rss, "channel")
        ET.SubElement(channel, "title").text = feed.title
        ET.SubElement(channel, "link").text = f"{self.base_url}/feeds/{feed.id}.xml"
        ET.SubElement(channel, "description").text = feed.description or feed.title
        ET.SubElement(channel, "language").text = "zh-cn"
        ET.SubElement(channel, "lastBuildDate").text = format_datetime(now.astimezone(UTC), usegmt=True)
        items = self.visible(now, feed=feed.id)[::-1][:limit]
        for played in items:
            node = ET.SubElement(channel, "item")
            ET.SubElement(node, "title").text = played.title
            ET.SubElement(node, "link").text = played.link
            ET.SubElement(node, "guid", isPermaLink="false").text = f"demo:{played.id}"
            ET.SubElement(node, "pubDate").text = format_datetime(played.published_at.astimezone(UTC), usegmt=True)
            if played.author:
                ET.SubElement(node, "author").text = played.author
            ET.SubElement(node, "description").text = played.text
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(rss, encoding="utf-8")

    def search(self, query: str, now: datetime, *, since: datetime | None = None, limit: int = 100) -> dict:
        """Return the keyword-search answer: items of `search` feeds matching `query`, newest first."""
        matches = query_matcher(query)
        search_feeds = {f.id for f in self.scenario.feeds if f.kind == "search"}
        hits = []
        for played in self.visible(now):
            if played.feed not in search_feeds or (since is not None and played.published_at < since):
                continue
            if matches(f"{played.title}\n{played.text}"):
                hits.append(played)
        hits = hits[::-1][:limit]
        return {"query": query, "count": len(hits), "results": [{
            "id": p.id, "title": p.title, "content": p.text, "url": p.link, "author": p.author,
            "published_at": p.published_at.isoformat(), "metrics": p.metrics,
        } for p in hits]}

    def article_html(self, played: PlayedItem) -> str:
        """Return a small article page for an item (the evidence link the messages carry)."""
        feed = self.scenario.feed(played.feed)
        e = html.escape
        return (
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>{e(played.title)}</title></head><body>"
            f"<p>{e(feed.title if feed else played.feed)} · 演练样例（虚构内容）</p>"
            f"<h1>{e(played.title)}</h1><p>{e(played.author)} · {e(played.published_at.isoformat())}</p>"
            f"<article><p>{e(played.text)}</p></article></body></html>")


def _title_from(text: str) -> str:
    """Return a headline for a post without one: its first sentence, cut at `_TITLE_CHARS`."""
    first = re.split(r"[。！？!?\n]", text.strip(), maxsplit=1)[0] or text.strip()
    return first if len(first) <= _TITLE_CHARS else first[:_TITLE_CHARS] + "…"
