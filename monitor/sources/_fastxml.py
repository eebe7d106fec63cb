"""A fast path for well-formed RSS 2.0 and Atom documents; everything else goes to feedparser.

Why: feedparser builds every entry through Python SAX callbacks (one per
text run, and escaped HTML in a description splits into dozens of runs); on
this 2-core machine it parsed the benchmark's 50-item Chinese feeds at ~750-
4,000 items/s, alone more than the ingest budget of ~500 µs per item. The C
ElementTree parser reads the same documents at ~20,000 items/s.

Why not only ElementTree: feedparser recovers entries from broken XML (its
loose parser), knows RSS 0.9x/1.0 (RDF), odd namespaces and dozens of date
formats. So this path takes a document only when it is well-formed RSS 2.0 or
Atom whose titles and descriptions hold no raw child elements; it returns None
for anything else and the caller uses feedparser. Expat (Python >= 3.11 ships
2.5+) refuses entity-expansion bombs, and ElementTree never fetches external
entities.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..entries import RawEntry

__all__ = ["parse_fast"]

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
_RSS_FIELDS = {"title", "link", "guid", "pubDate", "description", "author", CONTENT, DC_CREATOR, DC_DATE}


class _Unsupported(Exception):
    """The document needs feedparser."""


def _text(element) -> str | None:
    if element is None:
        return None
    if len(element):
        raise _Unsupported("markup elements inside a text field")
    return element.text


def parse_fast(body: bytes) -> tuple[str | None, list[RawEntry]] | None:
    """Return (feed title, entries) of a well-formed RSS 2.0 or Atom document, or None to use feedparser."""
    try:
        root = ET.fromstring(body)
        if root.tag == "rss":
            return _rss(root)
        if root.tag == ATOM + "feed":
            return _atom(root)
    except (ET.ParseError, _Unsupported, ValueError):
        return None
    return None


def _rss(root) -> tuple[str | None, list[RawEntry]]:
    channel = root.find("channel")
    if channel is None:
        raise _Unsupported("no channel")
    site = _text(channel.find("title"))
    entries = []
    for item in channel.iter("item"):
        fields: dict[str, str | None] = {}
        permalink = True
        for child in item:
            if child.tag in _RSS_FIELDS and child.tag not in fields:
                fields[child.tag] = _text(child)
                if child.tag == "guid":
                    permalink = child.get("isPermaLink", "true").lower() != "false"
        guid, link = fields.get("guid"), fields.get("link")
        if not link and guid and permalink and guid.startswith(("http://", "https://")):
            link = guid
        entries.append(RawEntry(
            external_id=(guid or link or "").strip() or None,
            title=fields.get("title"),
            content=fields.get(CONTENT) or fields.get("description"),
            url=link.strip() if link else None,
            published=fields.get("pubDate") or fields.get(DC_DATE),
            author=fields.get("author") or fields.get(DC_CREATOR),
            site=site,
        ))
    return site, entries


def _atom_text(element) -> str | None:
    if element is None:
        return None
    if element.get("type") == "xhtml":
        raise _Unsupported("xhtml content")
    return _text(element)


def _atom(root) -> tuple[str | None, list[RawEntry]]:
    site = _atom_text(root.find(ATOM + "title"))
    entries = []
    for entry in root.iter(ATOM + "entry"):
        link = None
        for candidate in entry.iter(ATOM + "link"):
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate.get("href")
                break
        author = entry.find(ATOM + "author")
        entries.append(RawEntry(
            external_id=(_text(entry.find(ATOM + "id")) or link or "").strip() or None,
            title=_atom_text(entry.find(ATOM + "title")),
            content=_atom_text(entry.find(ATOM + "content")) or _atom_text(entry.find(ATOM + "summary")),
            url=link,
            published=_text(entry.find(ATOM + "published")) or _text(entry.find(ATOM + "updated")),
            author=_text(author.find(ATOM + "name")) if author is not None else None,
            site=site,
        ))
    return site, entries
