"""Push acceptance: platforms post items to `POST /api/items` (CONTRACT.md), stored like polled ones.

`accept_records(session, now, records, *, source_name, config) -> PushResult`

- `records`: one `classify` input record (a dict) or a list of them:
  `{"id": str, "title": str?, "text": str, "source": str?, "url": str?,
  "published": ISO8601?, "metrics": {"views": int?, "reposts": int?, "comments": int?}?}`.
- `source_name`: the `[[sources]]` entry with `kind = "push"` the items belong
  to (the web layer picks it, e.g. from the token or the default push source).
- `config`: the deployment config (any object with `.monitor` and `.schemes`).

Each record is checked on its own: a bad one is listed in `rejected` with
its position, id and reason, and the good ones are stored in one transaction
(committed here). Returns `PushResult`; `as_dict()` is the JSON answer.
Raises `SourceNotFound` when `source_name` is not an enabled push source.
The caller then runs the stages after ingestion (`yuqing.pipeline.after_ingest`).

Why one event index load per request: it is one narrow query over the dedupe
window, cheaper than keeping a second, possibly stale, index in the web process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from .entries import RawEntry
from .errors import RecordError, SourceNotFound
from .events import EventIndex
from .models import Source
from .polling import source_config_json
from .schemes import Matcher
from .store import store_entries

__all__ = ["accept_records", "PushResult", "record_to_entry", "MAX_RECORDS"]

MAX_RECORDS = 1000


@dataclass
class PushResult:
    received: int = 0
    accepted: int = 0           # stored as new items
    duplicates: int = 0         # already known (same id, or same text from this source)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    events: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"received": self.received, "accepted": self.accepted, "duplicates": self.duplicates,
                "rejected": self.rejected, "events": self.events}


def _optional_str(record: dict, key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(record.get("id") if isinstance(record.get("id"), str) else None, f"{key} must be a string")
    return value


def record_to_entry(record: Any) -> RawEntry:
    """Return the entry of one pushed record; raise RecordError naming the field at fault."""
    if not isinstance(record, dict):
        raise RecordError(None, "a record must be a JSON object")
    rid = record.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise RecordError(None, "id is required and must be a non-empty string")
    text = record.get("text")
    if not isinstance(text, str):
        raise RecordError(rid, "text is required and must be a string")
    title = _optional_str(record, "title")
    if not text.strip() and not (title or "").strip():
        raise RecordError(rid, "title and text are both empty")
    published = _optional_str(record, "published")
    if published:
        try:
            datetime.fromisoformat(published.replace("Z", "+00:00"))
        except ValueError as e:
            raise RecordError(rid, f"published is not ISO 8601: {published[:40]!r}") from e
    metrics = record.get("metrics") or {}
    if not isinstance(metrics, dict):
        raise RecordError(rid, "metrics must be an object")
    clean = {}
    for key in ("views", "reposts", "comments"):
        value = metrics.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise RecordError(rid, f"metrics.{key} must be a non-negative integer")
        clean[key] = value
    return RawEntry(external_id=rid, title=title, content=text, url=_optional_str(record, "url"),
                    published=published, site=_optional_str(record, "source"), metrics=clean)


def accept_records(session: Session, now: datetime, records: Any, *, source_name: str, config: Any) -> PushResult:
    """Validate and store pushed records for the push source `source_name` (see the module docstring)."""
    source = session.scalars(select(Source).where(Source.name == source_name)).first()
    if source is None:
        # Configured but not synced yet (a push arriving before the daemon's first poll job run).
        configured = [s for s in getattr(config, "sources", ()) if s.name == source_name and s.kind == "push" and s.enabled]
        if configured:
            source = Source(name=source_name, kind="push", config=source_config_json(configured[0]), created_at=now)
            session.add(source)
            session.flush()
    if source is None or source.kind != "push" or not source.enabled:
        raise SourceNotFound(f"no enabled push source named {source_name!r}")
    batch = records if isinstance(records, list) else [records]
    result = PushResult(received=len(batch))
    if len(batch) > MAX_RECORDS:
        raise RecordError(None, f"at most {MAX_RECORDS} records per request (got {len(batch)})")
    entries = []
    for position, record in enumerate(batch):
        try:
            entries.append(record_to_entry(record))
        except RecordError as e:
            result.rejected.append({"index": position, "id": e.record_id, "error": str(e)})
    if entries:
        matcher = Matcher.from_config(config.schemes, keep_everything=config.monitor.keep_everything)
        index = EventIndex.load(session, now, config.monitor.dedupe_window)
        stored = store_entries(session, now, source=source, entries=entries, matcher=matcher, index=index)
        result.accepted = stored.new_items
        result.duplicates = len(entries) - stored.new_items - stored.rejected
        for problem in stored.problems:
            result.rejected.append({"index": None, "id": None, "error": problem})
        result.events = sorted(stored.events)
    source.last_polled_at = now
    source.last_success_at = now
    source.last_status = "ok" if not result.rejected else "partial"
    source.last_error = f"{len(result.rejected)} records rejected: {result.rejected[0]['error']}" if result.rejected else None
    session.commit()
    return result
