"""Turn fetched bytes into entries: RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed, mapped JSON.

`parse_document(data, content_type=..., url=...)` returns a `ParsedDocument`
(entries plus warnings worth showing on the source) or raises `FeedError`:

- "not_a_feed": an HTML page (with the feed links it advertises, if any), or
  JSON that is no JSON Feed;
- "parse_error": empty, or XML so broken that not one entry was recovered.

Well-formed RSS 2.0 and Atom take a fast path (`_fastxml`); feedparser reads
everything else (broken XML, RSS 0.9x/1.0, unusual markup).

Encodings are settled before feedparser sees the bytes, because feedparser's
fallback for a wrong declaration is windows-1252, which turns GBK Chinese into
mojibake. Order: valid UTF-8 wins (random non-UTF-8 text is almost never valid
UTF-8), then the declared charset (GB2312/GBK read as their superset GB18030),
then GB18030, then Big5; anything else is decoded with replacement characters
and a warning.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from typing import Any

import feedparser
from selectolax.lexbor import LexborHTMLParser

from ..entries import RawEntry
from ..errors import FeedError
from ._fastxml import parse_fast

__all__ = ["ParsedDocument", "parse_document", "decode_text", "map_json_items", "lookup_path"]


@dataclass
class ParsedDocument:
    title: str | None = None
    entries: list[RawEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


_XML_DECL = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._\-]+)([\"'])", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._\-]+)", re.I)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "big5": "big5hkscs",
              "iso-8859-1": "cp1252", "latin-1": "cp1252", "us-ascii": "utf-8", "ascii": "utf-8"}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = _SUPERSETS.get(name.lower(), name.lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_text(data: bytes, *, content_type: str | None) -> tuple[str, str | None]:
    """Return (text, warning or None): `data` decoded by the rules in the module docstring."""
    text, warning, _utf8 = _decode(data, content_type)
    return text, warning


def _decode(data: bytes, content_type: str | None) -> tuple[str, str | None, bool]:
    """Return `decode_text`'s answer and whether the text is exactly `data` read as UTF-8."""
    http = _CHARSET.search(content_type or "")
    m = _XML_DECL.match(data[:300])
    declared_name = (http.group(1) if http else None) or (m.group(2).decode("ascii") if m else None)
    declared = _codec(declared_name)
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), None, False
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), None, False
    try:
        text = data.decode("utf-8")
        if declared not in (None, "utf-8") and not data.isascii():
            return text, f"declared {declared_name} but the body is UTF-8; read as UTF-8", True
        return text, None, True
    except UnicodeDecodeError:
        pass
    if declared and declared != "utf-8":
        try:
            return data.decode(declared), None, False
        except UnicodeDecodeError:
            pass
    for guess in ("gb18030", "big5hkscs"):
        try:
            text = data.decode(guess)
            return text, f"declared {declared_name or 'no encoding (UTF-8 by default)'} but the body is not; read as {guess.upper()}", False
        except UnicodeDecodeError:
            continue
    return data.decode(declared or "utf-8", "replace"), f"undecodable bytes in the body (declared {declared_name or 'nothing'}); replaced", False


def _looks_like_html(head: str, content_type: str | None) -> bool:
    start = head.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html")):
        return True
    return bool(content_type and "html" in content_type.lower() and not start.startswith("<?xml") and "<rss" not in start and "<feed" not in start)


def _feed_links(text: str) -> list[str]:
    tree = LexborHTMLParser(text[:200_000])
    links = []
    for node in tree.css('link[rel~="alternate"]'):
        kind = (node.attributes.get("type") or "").lower()
        if any(t in kind for t in ("rss", "atom", "feed+json")) and node.attributes.get("href"):
            links.append(node.attributes["href"])
    return links[:3]


def parse_document(data: bytes, *, content_type: str | None = None, url: str | None = None) -> ParsedDocument:
    """Return the entries of a feed document; raise FeedError when it is not a usable feed."""
    if not data or not data.strip():
        raise FeedError("parse_error", "the document is empty")
    text, warning, utf8 = _decode(data, content_type)
    head = text.lstrip()[:1]
    if head in ("{", "["):
        doc = _parse_json_feed(text)
    elif _looks_like_html(text[:2000], content_type):
        links = _feed_links(text)
        hint = f"; the page advertises the feeds {', '.join(links)}" if links else ""
        raise FeedError("not_a_feed", f"the document is an HTML page, not a feed (Content-Type {content_type or 'none'}){hint}")
    else:
        doc = _parse_xml_feed(text, data if utf8 else None)
    if warning:
        doc.warnings.insert(0, warning)
    return doc


def _parse_xml_feed(text: str, body: bytes | None = None) -> ParsedDocument:
    """Parse an XML feed; `body`, when given, is `text` encoded as UTF-8 (the bytes as fetched, not copied)."""
    if body is None:
        body = text.encode("utf-8")
    declaration = _XML_DECL.match(body)
    if declaration and declaration.group(2).lower() != b"utf-8":
        body = _XML_DECL.sub(rb"\1utf-8\3", body, count=1)
    fast = parse_fast(body)
    if fast is not None:
        return ParsedDocument(title=fast[0], entries=fast[1])
    # Sanitising and relative-URI resolution are off: we extract plain text ourselves (DEPENDENCIES.md: ~40% faster).
    parsed = feedparser.parse(body, response_headers={"content-type": "application/xml; charset=utf-8"},
                              sanitize_html=False, resolve_relative_uris=False)
    doc = ParsedDocument(title=parsed.feed.get("title"))
    if not parsed.entries:
        if parsed.bozo:
            raise FeedError("parse_error", f"not a readable feed: {_describe(parsed.get('bozo_exception'))}")
        if not parsed.version:
            raise FeedError("not_a_feed", "the document is XML but neither RSS nor Atom")
        return doc
    if parsed.bozo:
        doc.warnings.append(f"malformed XML ({_describe(parsed.get('bozo_exception'))}); {len(parsed.entries)} entries recovered")
    site = doc.title
    # dict.get: FeedParserDict's own get() maps missing keys to others (updated -> published) with a warning.
    get = dict.get
    for e in parsed.entries:
        content = None
        if get(e, "content"):
            content = e["content"][0].get("value")
        content = content or get(e, "summary") or get(e, "description")
        doc.entries.append(RawEntry(
            external_id=dict.get(e, "id") or get(e, "link"),
            title=get(e, "title"),
            content=content,
            url=get(e, "link"),
            published=get(e, "published") or get(e, "updated"),
            published_parsed=get(e, "published_parsed") or get(e, "updated_parsed"),
            author=get(e, "author"),
            site=site,
        ))
    return doc


def _describe(exc: Any) -> str:
    if exc is None:
        return "unknown error"
    message = str(exc) or type(exc).__name__
    return message.replace("<unknown>:", "line ")[:300]


def lookup_path(obj: Any, path: str) -> Any:
    """Return the value at dotted `path` ("data.items", "author.name", "tags.0"), or None."""
    for part in path.split("."):
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def map_json_items(payload: Any, *, items_path: str, fields: dict[str, str], site: str | None = None) -> ParsedDocument:
    """Return entries from a JSON answer: the list at `items_path`, each mapped by `fields`.

    `fields` maps our names (id, title, text, url, published, author, site,
    views, reposts, comments) to dotted paths inside one result. A result that
    is not an object is reported and skipped.
    """
    results = lookup_path(payload, items_path) if items_path else payload
    if not isinstance(results, list):
        raise FeedError("parse_error", f"the JSON answer has no list at {items_path!r}")
    doc = ParsedDocument(title=site)
    skipped = 0
    for record in results:
        if not isinstance(record, dict):
            skipped += 1
            continue
        get = lambda name: lookup_path(record, fields[name]) if name in fields else None  # noqa: E731
        metrics = {}
        for name in ("views", "reposts", "comments"):
            value = get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                metrics[name] = int(value)
        doc.entries.append(RawEntry(
            external_id=_as_text(get("id")) or _as_text(get("url")),
            title=_as_text(get("title")), content=_as_text(get("text")), url=_as_text(get("url")),
            published=_as_text(get("published")), author=_as_text(get("author")),
            site=_as_text(get("site")) or site, metrics=metrics,
        ))
    if skipped:
        doc.warnings.append(f"{skipped} results are not JSON objects; skipped")
    return doc


_JSON_FEED_FIELDS = {"id": "id", "title": "title", "url": "url", "published": "date_published", "author": "author.name"}


def _parse_json_feed(text: str) -> ParsedDocument:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as e:
        raise FeedError("parse_error", f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from e
    if not (isinstance(payload, dict) and "jsonfeed.org" in str(payload.get("version", "")) and isinstance(payload.get("items"), list)):
        raise FeedError("not_a_feed", "the JSON document is not a JSON Feed (no jsonfeed.org version and items list)")
    doc = map_json_items(payload, items_path="items", fields=_JSON_FEED_FIELDS, site=_as_text(payload.get("title")))
    # JSON Feed puts the body in one of three keys and the author in one of two.
    for i, record in enumerate(r for r in payload["items"] if isinstance(r, dict)):
        entry = doc.entries[i]
        content = _as_text(record.get("content_html")) or _as_text(record.get("content_text")) or _as_text(record.get("summary"))
        author = entry.author or _as_text(lookup_path(record, "authors.0.name"))
        published = entry.published or _as_text(record.get("date_modified"))
        doc.entries[i] = RawEntry(external_id=entry.external_id, title=entry.title, content=content, url=entry.url,
                                  published=published, author=author, site=entry.site)
    return doc
