"""Normalisation of raw entries into storable items: text, script, time, URL, hash.

Each function is pure and cheap on the common case, because every item of
every poll passes through here (the ingest benchmark's budget is ~500 µs per
item, feed parsing and the database write included).

- `html_to_text`: plain text from markup with a real HTML parser (lexbor via
  selectolax); scripts, styles and comments never reach the text.
- `to_simplified` / `fold`: Traditional Chinese folded to Simplified.
  Why a character table and not OpenCC for everything: OpenCC's phrase
  conversion costs ~800 µs per 300 characters in pure Python; a `str.translate`
  table built from OpenCC's own character dictionary costs ~1 µs, and text
  without any Traditional-only character (nearly all mainland items) skips both.
  Titles that do contain Traditional characters get the phrase conversion.
- `parse_published`: RFC 822, ISO 8601 and common Chinese date forms; naive
  times and "CST" are Asia/Shanghai (+08:00); future times are clamped to now.
- `canonical_url`: tracking parameters and fragments removed, host lower-cased.
- `content_hash`: hash of the folded title and text, the exact-duplicate key.
"""

from __future__ import annotations

import hashlib
import html
import re
import time as _time
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser

from .charfold import CharFinder, fullwidth_ascii, ts_characters
from .timestamps import SHANGHAI, UTC

__all__ = [
    "MAX_TITLE_CHARS", "MAX_TEXT_CHARS", "html_to_text", "markup_to_text", "to_simplified", "fold", "has_traditional", "simplify_and_fold",
    "parse_published", "canonical_url", "content_hash", "title_key", "clip",
]

MAX_TITLE_CHARS = 500
MAX_TEXT_CHARS = 20_000
# An item claiming a time before this is treated as having no time (epoch-zero and 1900 defaults).
EARLIEST_PUBLISHED = datetime(1995, 1, 1, tzinfo=UTC)
# Clocks of publishers drift; a few minutes ahead is not "the future".
FUTURE_TOLERANCE = timedelta(minutes=5)

# The "<" of a block-level tag (a space goes before it). Why only the "<" with a lookahead: a
# literal replacement runs in C, where a function or a group reference is called per match.
_BLOCK_TAG = re.compile(r"<(?=(?:br|/p|/div|/li|/h[1-6]|/tr|/td|/blockquote|/section|/article|/title)\b)", re.I)
_DROP_TAGS = ["script", "style", "noscript", "template", "iframe", "object", "svg", "head"]


def clip(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html_to_text(markup: str | None, *, limit: int = MAX_TEXT_CHARS) -> str:
    """Return the visible text of `markup`, whitespace collapsed, at most `limit` characters.

    Plain text passes through (only entities are decoded). Block-level ends
    become spaces so that paragraphs do not run together, while inline tags
    (<b>停水</b>) join without a gap so that keywords across them still match.
    """
    if not markup:
        return ""
    # Parsing more than ~4x the limit cannot add visible text we keep; it only costs time.
    markup = markup[: limit * 4 + 4096]
    if "<" not in markup:
        text = html.unescape(markup) if "&" in markup else markup
    else:
        tree = LexborHTMLParser(_BLOCK_TAG.sub(" <", markup))
        tree.strip_tags(_DROP_TAGS)
        text = tree.text(separator="") or ""
    # split/join and not a regex: the same Unicode whitespace, ~5x faster on Chinese text.
    return clip(" ".join(text.split()), limit)


# The tags that make a short field (title, author, site name) markup rather than plain text that
# happens to hold "<": "History of the <blink> tag" and "</example>" are words, "<b>停水</b>" is markup.
_MARKUP_TAG = re.compile(
    r"</?(?:a|abbr|b|big|br|cite|code|del|div|em|embed|font|h[1-6]|hr|i|iframe|img|ins|link|mark|meta|noscript|"
    r"object|p|q|s|script|small|span|strike|strong|style|sub|sup|svg|template|u|wbr)(?=[\s/>])", re.I)


def markup_to_text(value: str | None, *, limit: int, keep: bool = False) -> str:
    """Return the text of a short field (title, author, site name), whitespace collapsed, at most `limit` characters.

    It is read as HTML only when it holds a tag of HTML's ordinary vocabulary
    (`_MARKUP_TAG`); otherwise a "<" in it is a character (entities are still
    decoded). `keep` (titles): a non-empty field never comes out empty; when its
    markup holds no visible text, its characters are kept as written.
    """
    if not value:
        return ""
    if "<" in value and _MARKUP_TAG.search(value):
        text = html_to_text(value, limit=limit)
        if text or not keep:
            return text
    elif "&" not in value:
        return clip(" ".join(value.split()), limit)
    text = html.unescape(value) if "&" in value else value
    return clip(" ".join(text.split()), limit)


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[int, str], frozenset[str], CharFinder, CharFinder]:
    """Return (translate table, Traditional-only characters, a finder of one, a finder of any
    character the table changes) from OpenCC's character dictionary (monitor.charfold)."""
    ts = ts_characters()
    simplified = set(ts.values())
    # A character that is also a Simplified form (e.g. 干, 后) is not evidence of Traditional text.
    traditional_only = frozenset(chr(k) for k in ts if chr(k) not in simplified)
    # Full-width Latin letters and digits fold to ASCII for matching (not punctuation: "，" is in
    # every Chinese sentence and would send every text through the slow translate).
    table = {**fullwidth_ascii(), **ts}
    return table, traditional_only, CharFinder(traditional_only), CharFinder(chr(c) for c in table)


@lru_cache(maxsize=1)
def _opencc():
    from opencc import OpenCC

    return OpenCC("t2s")


def has_traditional(text: str) -> bool:
    """Return True when `text` holds at least one Traditional-only character."""
    return bool(text) and _tables()[2].search(text)


def to_simplified(text: str, *, phrases: bool = False) -> str:
    """Return `text` in Simplified characters; unchanged (same object) when it has no Traditional-only one.

    `phrases=True` uses OpenCC's phrase dictionary (slow; for short titles).
    """
    if not has_traditional(text):
        return text
    if phrases:
        return _opencc().convert(text)
    return text.translate(_tables()[0])


def simplify_and_fold(text: str, *, phrases: bool = False) -> tuple[str | None, str, str]:
    """Return (`text` when it holds Traditional-only characters else None, `to_simplified(text)`, its `fold`).

    Why one function: nearly every item is Simplified, and one scan for any
    character the table changes answers both "Traditional?" and "fold needs
    the table?" (the Traditional-only characters are among them), where the
    two questions asked apart cost two scans per title and per text.
    """
    if not text:
        return None, text, ""
    if text.isascii() or not _tables()[3].search(text):
        return None, text, text.lower()
    if has_traditional(text):
        simplified = to_simplified(text, phrases=phrases)
        return text, simplified, fold(simplified)
    return None, text, fold(text)


def fold(text: str) -> str:
    """Return the matching form of `text`: Simplified characters, ASCII for full-width, lower case."""
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    tables = _tables()
    if not tables[3].search(text):
        return text.lower()
    return text.translate(tables[0]).lower()


# --- time -------------------------------------------------------------------------------------

_CN_DATE = re.compile(
    r"(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)


_RFC822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s+([+-]\d{4}|GMT|UTC|Z)$")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


_ZONES: dict[str, timezone] = {}


def _zone(zone: str) -> timezone:
    """Return the zone of an RFC 822 time ("+0800", "GMT"); ValueError when beyond ±24 h.

    Remembered per text (at most 20,003 of them): a feed repeats its zone on every item.
    """
    tz = _ZONES.get(zone)
    if tz is None:
        offset = timedelta(0) if zone in ("GMT", "UTC", "Z") else timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * (1 if zone[0] == "+" else -1)
        tz = _ZONES[zone] = timezone(offset)
    return tz


# "CST" in a Chinese publisher's date is China Standard Time, not US Central (email.utils' reading).
_CST = re.compile(r"\bCST\b")


def _parse_text_time(raw: str) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    if "CST" in raw:
        raw = _CST.sub("+0800", raw)
    m = _RFC822.match(raw)
    if m and m.group(2).lower() in _MONTHS:
        # The RSS pubDate form, parsed directly: email.utils costs ~5x more.
        day, month, year, hh, mm, ss, zone = m.groups()
        try:
            return datetime(int(year), _MONTHS[month.lower()], int(day), int(hh), int(mm), int(ss or 0), tzinfo=_zone(zone))
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        pass
    m = _CN_DATE.search(raw)
    if m:
        y, mo, d, hh, mm, ss = (int(g) if g else 0 for g in m.groups())
        try:
            return datetime(y, mo, d, hh, mm, ss)
        except ValueError:
            return None
    return None


def parse_published(raw: str | None, parsed: _time.struct_time | None, *, now: datetime) -> tuple[datetime | None, str | None]:
    """Return (UTC publication time or None, a note when the time was clamped or dropped).

    1. Parse `raw` ourselves (feedparser reads zone-less times as UTC; for
       Chinese sources they are Beijing time), else use feedparser's `parsed`.
    2. A naive time is Asia/Shanghai, the product's zone; so is the zone name
       "CST", which Chinese publishers write for China Standard Time (+08:00),
       never US Central Standard Time.
    3. A time more than 5 minutes after `now` is clamped to `now` (a typo or a
       wrong zone must not make an item look fresh for days, nor sort first).
    4. A time before 1995 is dropped (publishers emit epoch zero for "unknown").
    """
    value = None
    if raw:
        try:
            value = _parse_text_time(str(raw))
        except (OverflowError, ValueError):
            value = None
    if value is None and parsed is not None:
        try:
            value = datetime(*parsed[:6], tzinfo=UTC)
        except (TypeError, ValueError):
            value = None
    if value is None:
        return None, None
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None, f"unusable time {raw!r}"
    if value > now + FUTURE_TOLERANCE:
        return now, f"time {raw!r} is in the future; clamped to the fetch time"
    if value < EARLIEST_PUBLISHED:
        return None, f"time {raw!r} is before 1995; ignored"
    return value, None


# --- URL and hashes ---------------------------------------------------------------------------

# scheme, host (no user info: a URL with credentials is not canonical), port, path, query; the fragment dropped.
_SIMPLE_URL = re.compile(r"^(https?)://([A-Za-z0-9.\-_~\u0080-\uffff]+)(?::(\d{1,5}))?(/[^?#\s]*)?(?:\?([^#\s]*))?(?:#\S*)?$", re.I)
_TRACKING = re.compile(
    r"^(utm_\w+|spm|scm|from|fromsource|source|share_?token|share_?from|sharer|isappinstalled|"
    r"wfr|ref|ref_src|fbclid|gclid|yclid|mc_cid|mc_eid|_hsenc|_hsmi|vd_source|timestamp|t|s_trans|s_channel)$",
    re.I,
)


def canonical_url(url: str | None) -> str | None:
    """Return `url` without tracking parameters and fragment, host lower-cased, default port dropped.

    Returns None for anything that is not an absolute http(s) URL (javascript:, data:, relative).
    Query parameters are sorted so that the same page linked two ways compares equal.
    """
    if not url:
        return None
    m = _SIMPLE_URL.match(url.strip())
    if m is None:
        return None
    scheme, host, port, path, query = m.groups()
    scheme, host = scheme.lower(), host.lower().rstrip(".")
    if not host:
        return None
    if port and not ((scheme == "http" and port == "80") or (scheme == "https" and port == "443")):
        host = f"{host}:{port}"
    if query:
        # Parameters are kept as written (no unquote/quote round trip): cheaper, and equal URLs stay equal.
        query = "&".join(sorted(p for p in query.split("&") if p and not _TRACKING.match(p.split("=", 1)[0])))
    return f"{scheme}://{host}{path or '/'}{'?' + query if query else ''}"[:2000]


_PUNCT = re.compile(r"[\s\W_]+", re.U)
# "标题 - 新浪新闻", "标题_网易", "标题｜澎湃新闻": the site suffix reposts add to a title.
_SITE_SUFFIX = re.compile(r"\s*(?:[-_|｜—–]|--)\s*[^-_|｜—–]{1,20}$")


def content_hash(folded_title: str, folded_text: str) -> str:
    """Return the exact-duplicate key: a hash of the folded title and text, spaces removed.

    Why not punctuation too: a Unicode-aware regex over 20,000 characters costs
    more than the rest of normalisation; copies that differ in punctuation are
    caught as near duplicates instead.
    """
    body = folded_title.replace(" ", "") + "\x1f" + folded_text.replace(" ", "")
    return hashlib.blake2b(body.encode("utf-8"), digest_size=16).hexdigest()


def title_key(folded_title: str) -> str | None:
    """Return the repost key of a title: without a trailing site name and punctuation; None when too short.

    Reposts of one story across sites keep the headline and change the suffix
    and the body; a key shorter than 8 characters ("通知", "公告") says nothing.
    """
    key = _PUNCT.sub("", _SITE_SUFFIX.sub("", folded_title))
    return key[:200] if len(key) >= 8 else None
