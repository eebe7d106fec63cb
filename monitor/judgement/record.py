"""The CONTRACT.md `classify` record fields that the judgement fills, and the input record's parser."""

from __future__ import annotations

from datetime import datetime

from ..assessment import Assessment, ItemInput
from ..timestamps import SHANGHAI, UTC

__all__ = ["judgement_record", "parse_input", "InputError", "RECORD_KEYS"]

# Key order of a CONTRACT.md output line.
RECORD_KEYS = ("id", "priority", "criteria", "severity", "especially_major", "sentiment", "localities", "sectors",
               "in_jurisdiction", "responsible", "clocks", "rationale", "review", "confidence")


class InputError(ValueError):
    """One input record is unusable; the message names the field at fault."""


def judgement_record(item_id: str, a: Assessment) -> dict:
    """Return the CONTRACT.md record for `a`, with `responsible` None and `clocks` [] (filled by responders)."""
    return {
        "id": item_id,
        "priority": a.priority,
        "criteria": list(a.criteria),
        "severity": a.severity,
        "especially_major": a.especially_major,
        "sentiment": a.sentiment,
        "localities": list(a.localities),
        "sectors": list(a.sectors),
        "in_jurisdiction": a.in_jurisdiction,
        "responsible": None,
        "clocks": [],
        "rationale": list(a.rationale),
        "review": bool(a.review) and not a.priority,
        "confidence": a.confidence,
    }


def _count(metrics: dict, key: str) -> int | None:
    value = metrics.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InputError(f"metrics.{key} must be a non-negative number")
    return int(value)


def parse_input(obj) -> ItemInput:
    """Return the ItemInput of one decoded input line; raise InputError naming the bad field."""
    if not isinstance(obj, dict):
        raise InputError("the line is not a JSON object")
    item_id = obj.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise InputError("id must be a non-empty string")
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError("text must be a string")
    title = obj.get("title") or ""
    if not isinstance(title, str):
        raise InputError("title must be a string")
    for key in ("source", "url"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise InputError(f"{key} must be a string")
    published = None
    if obj.get("published") is not None:
        if not isinstance(obj["published"], str):
            raise InputError("published must be an ISO 8601 string")
        try:
            published = datetime.fromisoformat(obj["published"].replace("Z", "+00:00"))
        except ValueError as e:
            raise InputError(f"published is not ISO 8601: {obj['published']!r}") from e
        if published.tzinfo is None:
            published = published.replace(tzinfo=SHANGHAI)   # naive times are Beijing time
        published = published.astimezone(UTC)
    metrics = obj.get("metrics") or {}
    if not isinstance(metrics, dict):
        raise InputError("metrics must be an object")
    return ItemInput(
        id=item_id, text=text, title=title, source=obj.get("source"), url=obj.get("url"), published=published,
        views=_count(metrics, "views"), reposts=_count(metrics, "reposts"), comments=_count(metrics, "comments"),
    )
