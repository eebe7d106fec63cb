"""Entries as sources produce them, and their normalised form ready to store.

`RawEntry` is what every source kind returns (feed entry, search hit, pushed
record); `normalise_entry` turns one into a `NormalItem` (an immutable intent,
STYLE.md 3) or raises `RecordError` naming the entry, so that one bad entry
never costs the good ones of its feed. `normalise_entries` does the same for a
whole batch (the same items; the signatures computed in one vectorised pass).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import RecordError
from .normalize import (
    MAX_TEXT_CHARS, MAX_TITLE_CHARS, canonical_url, clip, content_hash, html_to_text, markup_to_text, parse_published,
    simplify_and_fold, title_key,
)
from .signatures import minhash, minhashes

__all__ = ["RawEntry", "NormalItem", "normalise_entry", "normalise_entries"]


@dataclass(frozen=True)
class RawEntry:
    """One entry as a source gave it: markup allowed, times unparsed, nothing trusted."""

    external_id: str | None
    title: str | None = None
    content: str | None = None            # HTML or plain text
    url: str | None = None
    published: str | None = None          # as written by the publisher
    published_parsed: Any = None          # feedparser's struct_time (UTC), a fallback
    author: str | None = None
    site: str | None = None
    metrics: dict[str, int] = field(default_factory=dict)
    schemes: tuple[str, ...] = ()         # schemes a search source asked for when it found this


@dataclass(frozen=True)
class NormalItem:
    external_id: str
    title: str
    text: str
    original_title: str | None
    original_text: str | None
    url: str | None
    canonical_url: str | None
    author: str | None
    site: str | None
    published_at: datetime | None
    content_hash: str
    title_key: str | None
    minhash: bytes | None
    folded: str                           # title + text in matching form (not stored)
    metrics: dict[str, int]
    schemes: tuple[str, ...]
    note: str | None = None               # e.g. "time clamped"


def storable(value: str | None) -> str | None:
    """Return `value` without NUL characters and lone surrogates, which the databases refuse.

    Why here: PostgreSQL rejects NUL in text and no UTF-8 database takes a lone
    surrogate (JSON can carry both: "\\u0000", "\\ud800"); one such entry must not
    fail its feed's whole transaction.
    """
    if value is None:
        return None
    value = str(value)
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def _short(value: str | None, limit: int) -> str | None:
    value = storable(value)
    if value is None:
        return None
    value = " ".join(value.split())
    return clip(value, limit) if value else None


def normalise_entry(raw: RawEntry, *, now: datetime) -> NormalItem:
    """Return the normalised item of `raw`; raise RecordError when nothing usable is left.

    1. Title and text become plain text (markup parsed, scripts dropped), bounded.
    2. An entry without a title takes the start of its text; with neither, it is refused.
    3. Traditional characters are folded to Simplified; the original is kept.
    4. The time is parsed (Asia/Shanghai default, future clamped).
    5. The external id falls back to the canonical URL, then to the content hash.
    """
    fields, shingled = _normal_fields(raw, now)
    return NormalItem(**fields, minhash=minhash(shingled))


def normalise_entries(raws: Iterable[RawEntry], *, now: datetime) -> list[NormalItem | Exception]:
    """Return, for each of `raws` in order, its normalised item or the exception that refused it.

    The items are those of `normalise_entry`, one by one. Why a batch form: the
    MinHash signatures of the whole batch take one vectorised pass
    (`monitor.signatures.minhashes`), ten times cheaper than one per entry.
    """
    outcomes: list[tuple[dict, str] | Exception] = []
    for raw in raws:
        try:
            outcomes.append(_normal_fields(raw, now))
        except Exception as e:  # noqa: BLE001 - returned to the caller, which reports it per entry
            outcomes.append(e)
    good = [o for o in outcomes if not isinstance(o, Exception)]
    try:
        signatures: list[bytes | None | Exception] = list(minhashes([shingled for _f, shingled in good]))
    except Exception:  # noqa: BLE001 - one unusable text (a lone surrogate): find it, entry by entry
        signatures = []
        for _fields, shingled in good:
            try:
                signatures.append(minhash(shingled))
            except Exception as e:  # noqa: BLE001
                signatures.append(e)
    result: list[NormalItem | Exception] = []
    pending = iter(signatures)
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            result.append(outcome)
            continue
        signature = next(pending)
        result.append(signature if isinstance(signature, Exception) else NormalItem(**outcome[0], minhash=signature))
    return result


def _normal_fields(raw: RawEntry, now: datetime) -> tuple[dict[str, Any], str]:
    """Return the fields of `raw`'s NormalItem but its signature, and the text to sign (see normalise_entry)."""
    title = markup_to_text(storable(raw.title), limit=MAX_TITLE_CHARS, keep=True)
    text = html_to_text(storable(raw.content), limit=MAX_TEXT_CHARS)
    if not title and not text:
        raise RecordError(raw.external_id, "entry has neither a title nor any text")
    if not title:
        title = clip(text, 60)
    original_title, title, folded_title = simplify_and_fold(title, phrases=True)
    original_text, text, folded_text = simplify_and_fold(text)
    url = _short(raw.url, 4000)
    canon = canonical_url(url)
    if canon is None:
        url = None      # javascript:, data:, a bare guid: nothing a reader could open
    published_at, note = parse_published(raw.published, raw.published_parsed, now=now)
    digest = content_hash(folded_title, folded_text)
    external_id = _short(raw.external_id, 10_000) or canon or url or digest
    if len(external_id) > 500:
        # Ids are unique per source; a very long one (a data: URI, a whole URL with state) is hashed.
        external_id = "sha1:" + hashlib.sha1(external_id.encode("utf-8", "replace")).hexdigest()
    return dict(
        external_id=external_id,
        title=title,
        text=text,
        original_title=original_title,
        original_text=original_text,
        url=url,
        canonical_url=canon,
        author=markup_to_text(storable(raw.author), limit=500) or None,
        site=markup_to_text(storable(raw.site), limit=500) or None,
        published_at=published_at,
        content_hash=digest,
        title_key=title_key(folded_title),
        folded=folded_title + "\n" + folded_text,
        metrics={k: int(v) for k, v in raw.metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)},
        schemes=tuple(raw.schemes),
        note=note,
    ), folded_title + " " + folded_text[:120]
