"""Tables of the monitoring stage: sources, items, events and their judgements.

Every state change is a row (STYLE.md 2): a source's poll outcome is stored on
its row, each item keeps its raw and normalised form, and each judgement of an
event is a new `Judgement` row, the latest of which is copied onto the event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from .timestamps import UTCDateTime

__all__ = ["Source", "Item", "Event", "Judgement", "SourceNotice"]


class Source(SQLModel, table=True):
    """A configured source and the outcome of its last poll (its health)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    kind: str = Field(max_length=20)                     # feed | search | push | file
    url: str | None = Field(default=None, sa_type=Text)
    config: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    poll_interval_seconds: int = 300
    enabled: bool = True
    next_poll_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status: str | None = Field(default=None, max_length=40)   # "200", "304", "timeout", "parse_error"...
    last_error: str | None = Field(default=None, sa_type=Text)
    last_new_item_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consecutive_failures: int = 0
    etag: str | None = Field(default=None, sa_type=Text)
    last_modified: str | None = Field(default=None, sa_type=Text)
    health: str = Field(default="ok", max_length=20)               # ok | down | silent
    created_at: datetime = Field(sa_type=UTCDateTime)


class Event(SQLModel, table=True):
    """A 舆情事件: items about one incident, the unit that gets a case and clocks."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_type=Text)
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    first_published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    item_count: int = 1
    source_count: int = 1
    growth_per_hour: float = 0.0
    heat: float = 0.0
    matched_schemes: list[str] = Field(default_factory=list, sa_type=JSON)
    # Latest judgement, copied from Judgement for listing and querying.
    priority: bool | None = None
    severity: str | None = Field(default=None, max_length=30)
    judged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    needs_judgement: bool = Field(default=True, index=True)
    # Incident-level merging (monitor.incidents): the facts compared with other priority events
    # (localities, criteria, incident kinds, headlines), and the event this one was merged into.
    # A merged event keeps its row and judgements for the record but never opens a case.
    incident: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    merged_into_id: int | None = Field(default=None, foreign_key="event.id", index=True)


class Item(SQLModel, table=True):
    """One fetched or pushed item, normalised; `event_id` links it to its incident."""

    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_item_source_external"),
        Index("ix_item_canonical_url", "canonical_url"),
        Index("ix_item_content_hash", "content_hash"),
        Index("ix_item_fetched_at", "fetched_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    external_id: str = Field(max_length=500)
    event_id: int | None = Field(default=None, foreign_key="event.id", index=True)
    title: str = Field(default="", sa_type=Text)
    text: str = Field(default="", sa_type=Text)
    original_title: str | None = Field(default=None, sa_type=Text)   # as published (e.g. Traditional)
    url: str | None = Field(default=None, sa_type=Text)
    canonical_url: str | None = Field(default=None, max_length=2000)
    author: str | None = Field(default=None, max_length=500)
    site: str | None = Field(default=None, max_length=500)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fetched_at: datetime = Field(sa_type=UTCDateTime)
    content_hash: str = Field(max_length=64)
    metrics: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    matched_schemes: list[str] = Field(default_factory=list, sa_type=JSON)
    # Near-duplicate keys (monitor.events): text as published when it was Traditional,
    # the headline without site suffix, and the MinHash signature of the folded text (monitor.signatures).
    original_text: str | None = Field(default=None, sa_type=Text)
    title_key: str | None = Field(default=None, max_length=200)
    minhash: bytes | None = Field(default=None, sa_type=LargeBinary)


class Judgement(SQLModel, table=True):
    """One classification of an event: the CONTRACT.md record and the rules that decided."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    classifier: str = Field(max_length=100)
    priority: bool
    severity: str | None = Field(default=None, max_length=30)
    especially_major: bool = False
    record: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class SourceNotice(SQLModel, table=True):
    """A "source down / silent / recovered" notice, picked up by the UI and the alerts sender."""

    __table_args__ = (Index("ix_sourcenotice_unprocessed", "id", sqlite_where=text("processed_at IS NULL"),
                            postgresql_where=text("processed_at IS NULL")),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(max_length=20)           # down | silent | recovered
    detail: str = Field(default="", sa_type=Text)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
