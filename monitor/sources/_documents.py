"""Turn fetched bytes into entries: RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed, mapped JSON.

`parse_document(data, content_type=..., url=...)` returns a `ParsedDocument`
(entries plus warnings worth showing on the source) or raises `FeedError`:

- "not_a_feed": an HTML page (with the feed links it advertises, if any), or
  JSON that is no JSON Feed;
- "parse_error": empty, XML so broken that not one entry was recovered, or a
  document that made a parser fail in any other way (JSON nested too deep...):
  whatever goes wrong with one document stays with that document.

Well-formed RSS 2.0 and Atom take a fast path (`_fastxml`); feedparser reads
everything else (broken XML, RSS 0.9x/1.0, unusual markup, `xml:base`).
Relative links are resolved against `xml:base`, then `url` (the feed's own
address).

Encodings are settled before feedparser sees the bytes, because feedparser's
fallback for a wrong declaration is windows-1252, which turns GBK Chinese into
mojibake. Order:

1. A byte-order mark, or the first bytes of "<" in UTF-16 / UTF-32 (XML 1.0
   Appendix F).
2. Valid UTF-8 wins (random non-UTF-8 text is almost never valid UTF-8).
3. A declared charset (HTTP Content-Type, then the XML declaration) is read as
   its superset (`_SUPERSETS`: GB2312/GBK -> GB18030, Big5 -> CP950, Shift_JIS
   -> CP932, EUC-KR -> CP949, TIS-620 -> CP874, Latin-1 -> windows-1252); a
   body that does not decode in it strictly is decoded in it anyway, with
   replacement characters and a warning (one stray byte must not re-read the
   whole document in another charset).
4. Chinese, declared or not: every byte pair of Big5 is also valid GB18030, so
   "decodes" says nothing. Of GB18030 and CP950 (Big5-HKSCS when CP950 fails),
   those that decode strictly are ranked by plausibility (charset-normalizer's
   mess and coherence measures, restricted to these candidates); a declared
   Chinese charset keeps its place unless its text holds more private-use,
   replacement or control characters than the detector's pick. Undeclared
   text whose non-ASCII bytes stand alone (accents, not two-byte characters)
   is windows-1252, the last single-byte resort too.
5. Whatever text is kept, private-use, replacement and C1 control characters
   in it are counted and, if any, named in a warning on the source: garbled
   text is never stored silently.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import feedparser
from charset_normalizer import from_bytes
from selectolax.lexbor import LexborHTMLParser

from ..entries import RawEntry
from ..errors import FeedError
from ._fastxml import parse_fast

__all__ = ["ParsedDocument", "parse_document", "decode_text", "map_json_items", "lookup_path", "garbled_count"]

logger = logging.getLogger(__name__)


@dataclass
class ParsedDocument:
    title: str | None = None
    entries: list[RawEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


_XML_DECL = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._\-]+)([\"'])", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._\-]+)", re.I)
# Labels Python does not know, by the codec that reads them.
_LABELS = {"windows-874": "cp874", "windows-31j": "cp932", "x-sjis": "cp932", "x-gbk": "gbk", "x-big5": "big5",
           "x-euc-kr": "euc_kr", "x-x-big5": "big5"}
# Codec (Python's name) -> the superset publishers really use under that label.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "hz": "gb18030", "big5": "cp950", "shift_jis": "cp932",
              "euc_kr": "cp949", "tis-620": "cp874", "iso8859-11": "cp874", "iso8859-1": "cp1252",
              "latin-1": "cp1252", "ascii": "utf-8"}
_CHINESE = ("gb18030", "cp950", "big5hkscs")
# Private Use Area, U+FFFD, C1 controls: what a wrong charset leaves in decoded text.
_GARBLED = re.compile("[\ue000-\uf8ff\ufffd\x80-\x9f]")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = _LABELS.get(name.lower(), name.lower())
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return _SUPERSETS.get(codec, codec)


def garbled_count(text: str) -> int:
    """Return how many private-use, replacement and C1 control characters `text` holds."""
    return len(_GARBLED.findall(text)) if not text.isascii() else 0


def decode_text(data: bytes, *, content_type: str | None) -> tuple[str, str | None]:
    """Return (text, warning or None): `data` decoded by the rules in the module docstring."""
    text, warning, _utf8 = _decode(data, content_type)
    return text, warning


def _sniff_unicode(data: bytes) -> tuple[str, int] | None:
    """Return (codec, bytes to skip) for a byte-order mark or a BOM-less UTF-16/32 start (XML 1.0 Appendix F)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return ("utf-32-le" if data[0] == 0xFF else "utf-32-be"), 4
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ("utf-16-le" if data[0] == 0xFF else "utf-16-be"), 2
    head = data[:4]
    if len(head) < 4 or 0 not in head:
        return None
    # The first character is "<" or whitespace, so its ASCII byte stands next to zero bytes.
    if head[:3] == b"\0\0\0" and head[3]:
        return "utf-32-be", 0
    if head[0] and head[1:] == b"\0\0\0":
        return "utf-32-le", 0
    if head[0] == 0 and head[2] == 0 and head[1] and head[3]:
        return "utf-16-be", 0
    if head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        return "utf-16-le", 0
    return None


def _decode(data: bytes, content_type: str | None) -> tuple[str, str | None, bool]:
    """Return `decode_text`'s answer and whether the text is exactly `data` read as UTF-8."""
    http = _CHARSET.search(content_type or "")
    m = _XML_DECL.match(data[:300])
    declared_name = (http.group(1) if http else None) or (m.group(2).decode("ascii") if m else None)
    declared = _codec(declared_name)
    sniffed = _sniff_unicode(data)
    if sniffed is not None:
        codec, skip = sniffed
        text = data[skip:].decode(codec, "replace")
        return text, _garbled_warning(text, codec), False
    try:
        text = data.decode("utf-8")
        if declared not in (None, "utf-8") and not data.isascii():
            return text, f"declared {declared_name} but the body is UTF-8; read as UTF-8", True
        return text, None, True
    except UnicodeDecodeError:
        pass
    if declared and declared != "utf-8" and declared not in _CHINESE:
        if declared.startswith(("utf-16", "utf-32")):
            declared = None     # a UTF-16 label on bytes without its shape: a wrong label, guessed below
        else:
            try:
                return data.decode(declared), None, False
            except UnicodeDecodeError:
                text = data.decode(declared, "replace")
                return text, f"undecodable bytes in the body (declared {declared_name}); replaced", False
    codec, text, replaced = _guess(data, declared if declared in _CHINESE else None, latin=declared is None or declared == "utf-8")
    warning = None
    if replaced:
        warning = f"undecodable bytes in the body (declared {declared_name or 'nothing'}); read as {codec.upper()}, replaced"
    elif codec != declared:
        warning = f"declared {declared_name or 'no encoding (UTF-8 by default)'} but the body is not; read as {codec.upper()}"
    garbled = _garbled_warning(text, codec)
    return text, "; ".join(w for w in (warning, garbled) if w) or None, False


_HIGH = re.compile(rb"[\x80-\xff]")
_HIGH_PAIR = re.compile(rb"[\x80-\xff]{2}")


def _single_byte(data: bytes) -> bool:
    """Return True when the non-ASCII bytes of `data` stand mostly alone, as accents in Latin text do.

    Why: Chinese characters are two bytes of which the first is >= 0x81, in
    runs (words); "café", "Müller" put one high byte between ASCII letters. A
    few isolated bytes decode as GB18030 just as well, so "decodes" says nothing.
    """
    high = len(_HIGH.findall(data))
    return high > 0 and len(_HIGH_PAIR.findall(data)) * 2 < high * 0.3


def _guess(data: bytes, declared: str | None, *, latin: bool) -> tuple[str, str, bool]:
    """Return (codec, text, whether bytes were replaced): the most plausible reading of non-UTF-8 `data`.

    See the module docstring, step 4. The Big5 family is read as CP950 (Big5
    as Windows and most publishers write it) unless that fails or Big5-HKSCS
    was declared. A declared charset that fails on a few bytes (at most 4, or
    one character in 100) is kept, with replacement characters. Undeclared
    text whose high bytes stand alone is windows-1252; windows-1252 is also
    the last resort when no Chinese reading decodes.
    """
    if latin and _single_byte(data):
        try:
            return "cp1252", data.decode("cp1252"), False
        except UnicodeDecodeError:
            pass
    candidates = [declared] if declared else []
    candidates += [c for c in ("gb18030", "cp950") if c != declared]
    decoded: dict[str, str] = {}
    for codec in candidates:
        try:
            decoded[codec] = data.decode(codec)
        except UnicodeDecodeError:
            if codec == "cp950" and "big5hkscs" != declared:
                try:
                    decoded["big5hkscs"] = data.decode("big5hkscs")
                except UnicodeDecodeError:
                    pass
    if declared and declared not in decoded:
        # A few stray bytes in the declared charset: that charset with replacements, not another reading.
        lenient = data.decode(declared, "replace")
        if lenient.count("\ufffd") <= max(4, len(_HIGH.findall(data)) // 200):
            return declared, lenient, True
    if not decoded and latin:
        try:
            return "cp1252", data.decode("cp1252"), False
        except UnicodeDecodeError:
            pass
    if not decoded:
        codec = declared or ("cp1252" if latin else "gb18030")
        return codec, data.decode(codec, "replace"), True
    if len(decoded) == 1:
        return (*next(iter(decoded.items())), False)
    best = from_bytes(data, cp_isolation=list(decoded), preemptive_behaviour=False).best()
    pick = best.encoding if best is not None and best.encoding in decoded else next(iter(decoded))
    if declared in decoded and garbled_count(decoded[declared]) <= garbled_count(decoded[pick]):
        pick = declared
    return pick, decoded[pick], False


def _garbled_warning(text: str, codec: str) -> str | None:
    count = garbled_count(text)
    if not count:
        return None
    return f"{count} private-use, replacement or control characters in the text read as {codec.upper()}: it may be garbled"


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
    """Return the entries of a feed document; raise FeedError when it is not a usable feed.

    `url` is where the document came from: the base of its relative links.
    Any failure inside the parsers is a "parse_error" of this document (logged
    with its traceback), never an exception that stops the caller's other documents.
    """
    try:
        return _parse_document(data, content_type, url)
    except FeedError:
        raise
    except RecursionError as e:
        raise FeedError("parse_error", "the document is nested too deeply to be read") from e
    except Exception as e:  # noqa: BLE001 - a parser bug on one document is that document's parse error
        logger.warning("document %s: the parser failed", url or "(no address)", exc_info=True)
        raise FeedError("parse_error", f"the document could not be read ({type(e).__name__}: {_describe(e)})") from e


def _parse_document(data: bytes, content_type: str | None, url: str | None) -> ParsedDocument:
    if not data or not data.strip():
        raise FeedError("parse_error", "the document is empty")
    text, warning, utf8 = _decode(data, content_type)
    stripped = text.lstrip()
    if not stripped:
        raise FeedError("parse_error", "the document is empty (nothing after its byte-order mark)")
    head = stripped[:1]
    if head in ("{", "["):
        doc = _parse_json_feed(text)
    elif _looks_like_html(text[:2000], content_type):
        links = _feed_links(text)
        hint = f"; the page advertises the feeds {', '.join(links)}" if links else ""
        raise FeedError("not_a_feed", f"the document is an HTML page, not a feed (Content-Type {content_type or 'none'}){hint}")
    else:
        doc = _parse_xml_feed(text, data if utf8 else None, url=url)
    if warning:
        doc.warnings.insert(0, warning)
    return doc


# C1 controls, as references (&#128;-&#159;, hex too) or as characters (UTF-8 C2 80-C2 9F): publishers
# mean windows-1252 by them (as HTML5 reads the references): "&#150;" is "–", never U+0096.
_C1 = re.compile(rb"&#(?:(1[2-5][0-9])|[xX]0*([89][0-9a-fA-F]));|\xc2([\x80-\x9f])")


def _c1(m: re.Match) -> bytes:
    if m.group(3):
        code = m.group(3)[0]
    else:
        code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
        if not 128 <= code <= 159:
            return m.group(0)
    char = bytes([code]).decode("cp1252", "ignore")
    return char.encode("utf-8") if char else m.group(0)


def _parse_xml_feed(text: str, body: bytes | None = None, *, url: str | None = None) -> ParsedDocument:
    """Parse an XML feed; `body`, when given, is `text` encoded as UTF-8 (the bytes as fetched, not copied)."""
    if body is None:
        body = text.encode("utf-8")
    declaration = _XML_DECL.match(body)
    if declaration and declaration.group(2).lower() != b"utf-8":
        body = _XML_DECL.sub(rb"\1utf-8\3", body, count=1)
    if _C1.search(body):
        body = _C1.sub(_c1, body)
    # Only a web address is a base for links (a file: URL makes no link a reader could open).
    base = url if url and url.startswith(("http://", "https://")) else None
    fast = parse_fast(body, base)
    if fast is not None:
        return ParsedDocument(title=fast[0], entries=fast[1])
    # Sanitising and relative-URI resolution inside content are off: we extract plain text ourselves
    # (DEPENDENCIES.md: ~40% faster). feedparser still resolves links against xml:base; what is left
    # relative is resolved against `base` below (not given to feedparser, which would rewrite the ids too).
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
        link, entry_id = get(e, "link"), get(e, "id")
        if get(e, "guidislink") and link == entry_id:
            # The link is the guid (or Atom id): an address only when it is one, never resolved.
            page = link if link and link.startswith(("http://", "https://")) else None
        else:
            page = _absolute(base, link)
        doc.entries.append(RawEntry(
            external_id=entry_id or page,
            title=get(e, "title"),
            content=content,
            url=page,
            published=get(e, "published") or get(e, "updated"),
            published_parsed=get(e, "published_parsed") or get(e, "updated_parsed"),
            author=get(e, "author"),
            site=site,
        ))
    return doc


def _absolute(base: str | None, link: str | None) -> str | None:
    if not link or not base or link.startswith(("http://", "https://")):
        return link
    return urljoin(base, link.strip())


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
