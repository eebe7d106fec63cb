"""Real feeds from other projects' test corpora (tests/data/feeds/README.md), through both parsing paths.

For every fixture: `parse_document` must not crash (a FeedError is an answer),
the fast path and the feedparser path must store equal items whenever the fast
path takes the document, no entry feedparser finds may be lost, and no title
or text feedparser fills may come out empty. The real Chinese feeds (GB2312,
Big5) are also read undeclared, mislabelled, relabelled as their supersets and
transcoded to UTF-8: every reading must store exactly the text of the UTF-8 one,
and none may hold private-use, replacement or C1 control characters that the
publisher's text did not.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest

from monitor.entries import normalise_entries
from monitor.errors import FeedError
from monitor.normalize import html_to_text
from monitor.sources import _documents, parse_document
from monitor.sources._documents import garbled_count

CORPUS = Path(__file__).resolve().parents[1] / "data" / "feeds"
NOW = datetime(2031, 1, 1, tzinfo=timezone.utc)
FEED_URL = "https://feeds.example.org/dir/feed.xml"
_HEADER = re.compile(rb"^Header:\s+Content-type:\s*(.+?)\s*$", re.M | re.I)
_DECL = re.compile(rb"(<\?xml[^>]*?)\s+encoding\s*=\s*[\"'][^\"']*[\"']", re.I)

# Fixtures where fewer entries than feedparser's is the intended answer, each with its reason.
EXPLAINED_LOSSES: dict[str, str] = {}


def _fixtures(group: str) -> list[Path]:
    return sorted(p for p in (CORPUS / group).rglob("*") if p.is_file() and p.suffix in (".xml", ".rss", ".atom"))


def _content_type(data: bytes) -> str | None:
    """The Content-Type a feedparser fixture declares for itself (its "Header:" comment line)."""
    m = _HEADER.search(data[:2000])
    return m.group(1).decode("latin-1").strip().replace('"', "") if m else None


def _parse(data: bytes, content_type: str | None, *, fast: bool, monkeypatch) -> tuple[object, bool]:
    """Return (ParsedDocument or FeedError, whether the fast path took it)."""
    taken = []
    real = _documents.parse_fast

    def spy(body, url=None):
        result = real(body, url) if fast else None
        taken.append(result is not None)
        return result

    with monkeypatch.context() as m:
        m.setattr(_documents, "parse_fast", spy)
        try:
            return parse_document(data, content_type=content_type, url=FEED_URL), any(taken)
        except FeedError as e:
            return e, any(taken)


def _items(doc) -> list[tuple]:
    out = []
    for raw, item in zip(doc.entries, normalise_entries(doc.entries, now=NOW)):
        if isinstance(item, Exception):
            # Refused (no title, no text): what else the entry held must still be equal.
            out.append(("refused", str(item)) + tuple(v or None for v in (raw.external_id, raw.url, raw.author, raw.published)))
        else:
            out.append((item.external_id, item.title, item.text, item.url, item.published_at, item.author, item.site))
    return out


def _reference(data: bytes, content_type: str | None):
    headers = {"content-type": content_type} if content_type else {}
    return feedparser.parse(data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)


def _fp_text(entry, *keys) -> str:
    for key in keys:
        value = dict.get(entry, key)
        if key == "content" and value:
            value = value[0].get("value")
        if value and html_to_text(value):
            return value
    return ""


def _check(path: Path, monkeypatch, problems: list[str]) -> None:
    name = str(path.relative_to(CORPUS))
    data = path.read_bytes()
    content_type = _content_type(data)
    reference = _reference(data, content_type)
    try:
        fast_doc, took_fast = _parse(data, content_type, fast=True, monkeypatch=monkeypatch)
        slow_doc, _ = _parse(data, content_type, fast=False, monkeypatch=monkeypatch)
    except Exception as e:  # noqa: BLE001 - a crash is what this test reports
        problems.append(f"{name}: crashed with {type(e).__name__}: {e}")
        return
    if took_fast:
        if isinstance(slow_doc, FeedError):
            problems.append(f"{name}: fast path read it, feedparser path refused it: {slow_doc}")
            return
        if _items(fast_doc) != _items(slow_doc):
            diff = next((a, b) for a, b in zip(_items(fast_doc) + [None] * 99, _items(slow_doc) + [None] * 99) if a != b)
            problems.append(f"{name}: fast and feedparser paths differ: {diff}")
    doc = fast_doc
    wanted = len(reference.entries)
    got = 0 if isinstance(doc, FeedError) else len(doc.entries)
    if got < wanted and name not in EXPLAINED_LOSSES:
        problems.append(f"{name}: {got} entries, feedparser finds {wanted} ({doc if isinstance(doc, FeedError) else ''})")
        return
    if isinstance(doc, FeedError):
        return
    for ours, theirs in zip(doc.entries, reference.entries):
        if _fp_text(theirs, "title") and not html_to_text(ours.title):
            problems.append(f"{name}: title empty, feedparser has {_fp_text(theirs, 'title')!r}")
        if _fp_text(theirs, "content", "summary", "description") and not html_to_text(ours.content):
            problems.append(f"{name}: text empty, feedparser has {_fp_text(theirs, 'content', 'summary', 'description')[:60]!r}")


@pytest.mark.parametrize("group", ["feedparser", "gofeed", "chardet"])
def test_every_fixture_parses_alike_on_both_paths_and_loses_nothing_feedparser_finds(group, monkeypatch):
    fixtures = _fixtures(group)
    assert len(fixtures) > 40
    problems: list[str] = []
    for path in fixtures:
        _check(path, monkeypatch, problems)
    assert not problems, f"{len(problems)} of {len(fixtures)} fixtures:\n" + "\n".join(problems)


# The real Chinese feeds, with the codec that reads the publisher's text.
# (_chromium_gb18030_with_no_encoding_specified.html.xml is an HTML fragment, no feed: it is in the
# corpus test above, where it must be refused without a crash.)
CHINESE = [(p, "gb18030") for p in _fixtures("chardet/GB2312") if not p.name.startswith("_chromium")] + \
    [(p, "big5") for p in _fixtures("chardet/Big5")]


def _truth(data: bytes, family: str) -> str:
    codecs = ("gb18030",) if family == "gb18030" else ("cp950", "big5hkscs")
    for codec in codecs:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode(codecs[0], "replace")


def _relabel(data: bytes, label: str | None) -> bytes:
    """`data` with its XML declaration's encoding set to `label` (None: removed)."""
    head, rest = data[:300], data[300:]
    if _DECL.search(head):
        head = _DECL.sub(lambda m: m.group(1) + (f' encoding="{label}"'.encode() if label else b""), head, count=1)
    elif label:
        head = f'<?xml version="1.0" encoding="{label}"?>'.encode() + head
    return head + rest


def _variants(data: bytes, family: str) -> dict[str, tuple[bytes, str | None]]:
    other = "big5" if family == "gb18030" else "gb2312"
    variants = {
        "as published": (data, None),
        "undeclared": (_relabel(data, None), None),
        f"mislabelled {other}": (_relabel(data, other), None),
        "mislabelled utf-8": (_relabel(data, "utf-8"), None),
        "mislabelled in HTTP (utf-8)": (_relabel(data, None), "application/rss+xml; charset=utf-8"),
    }
    if family == "gb18030":
        variants["labelled GBK"] = (_relabel(data, "GBK"), None)
        variants["labelled GB18030"] = (_relabel(data, "GB18030"), None)
    return variants


@pytest.mark.parametrize("path,family", CHINESE, ids=[p.name for p, _f in CHINESE])
def test_real_chinese_feeds_read_the_same_however_they_are_labelled(path, family):
    data = path.read_bytes()
    truth = _truth(data, family)
    utf8 = _relabel(truth.encode("utf-8"), "utf-8")
    expected = _items(parse_document(utf8, url=FEED_URL))
    assert expected, path.name
    publisher_garbled = sum(garbled_count(f"{i[1]} {i[2]}") for i in expected)
    for variant, (body, content_type) in _variants(data, family).items():
        doc = parse_document(body, content_type=content_type, url=FEED_URL)
        items = _items(doc)
        garbled = sum(garbled_count(f"{i[1]} {i[2]}") for i in items if i[0] != "refused")
        assert garbled <= publisher_garbled, (variant, garbled, [w for w in doc.warnings])
        assert items == expected, (variant, next((a, b) for a, b in zip(items, expected) if a != b), doc.warnings)


DECLARED = [p for group in ("CP932", "CP949", "TIS-620") for p in _fixtures(f"chardet/{group}")]


@pytest.mark.parametrize("path", DECLARED, ids=[p.name for p in DECLARED])
def test_real_feeds_in_a_declared_charset_are_read_in_its_superset_without_garbage(path):
    data = path.read_bytes()
    try:
        doc = parse_document(data, url=FEED_URL)
    except FeedError as e:
        assert e.status == "not_a_feed" and not _reference(data, None).entries     # two are HTML pages
        return
    items = [i for i in _items(doc) if i[0] != "refused"]
    assert items and doc.warnings == []
    assert sum(garbled_count(f"{i[1]} {i[2]}") for i in items) == 0
