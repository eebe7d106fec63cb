"""Tables of the responders stage: cases, clocks, planned escalation steps, responses, audit.

The database is the source of truth for every deadline (RULES.md section 3):
each planned step is a `ClockStep` row with an absolute UTC `due_at`; the loop
that fires steps claims them with a conditional UPDATE and writes a
`ClockEvent` (our outbox toward `alerts`) in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Text, text
from sqlmodel import Field, SQLModel

from monitor.timestamps import UTCDateTime

__all__ = ["Case", "Clock", "ClockStep", "ClockEvent", "Response", "AuditEntry", "Lease"]


class Case(SQLModel, table=True):
    """A priority opinion under response: one per event (never opened twice for one event)."""

    id: int | None = Field(default=None, primary_key=True)
    event_id: int | None = Field(default=None, foreign_key="event.id", unique=True)
    title: str = Field(sa_type=Text)
    status: str = Field(default="open", max_length=20, index=True)   # open | closed | dismissed
    opened_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opened_by: str = Field(default="system", max_length=100)        # system | a user name (manual case)
    severity: str = Field(max_length=30)                            # major_emergency | general
    especially_major: bool = False
    criteria: list[str] = Field(default_factory=list, sa_type=JSON)
    localities: list[str] = Field(default_factory=list, sa_type=JSON)
    sectors: list[str] = Field(default_factory=list, sa_type=JSON)
    rule: str | None = Field(default=None, max_length=40)           # responsible.rule
    first_body: str | None = Field(default=None, sa_type=Text)      # display name(s), for lists
    responsible: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)   # CONTRACT.md record
    rationale: list[str] = Field(default_factory=list, sa_type=JSON)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: str | None = Field(default=None, max_length=100)
    drill: bool = False
    dismissed_reason: str | None = Field(default=None, sa_type=Text)
    result_url: str | None = Field(default=None, sa_type=Text)      # where the investigation result was published
    description: str | None = Field(default=None, sa_type=Text)     # manual cases: the order or tip as told


class Clock(SQLModel, table=True):
    """A response clock of a case (RULES.md T-1..T-3)."""

    __table_args__ = (
        Index("ix_clock_running_due", "due_at", sqlite_where=text("status = 'running'"),
              postgresql_where=text("status = 'running'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str = Field(max_length=30)            # first_release | press_conference | response
    hours: float
    started_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="running", max_length=20)   # running | met | overdue | stopped | replaced
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, sa_type=Text)


class ClockStep(SQLModel, table=True):
    """One planned step of a clock's escalation ladder, fired once by compare-and-swap."""

    __table_args__ = (
        Index("ix_clockstep_pending_due", "due_at", sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    clock_id: int = Field(foreign_key="clock.id", index=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    step: str = Field(max_length=30)            # opened | reminder | leader | overdue | repeat
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=20)   # pending | fired | cancelled
    fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    late_seconds: float | None = None
    fired_by: str | None = Field(default=None, max_length=100)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    repeat_seconds: int | None = None
    attempt: int = 0
    note: str | None = Field(default=None, sa_type=Text)            # why skipped / cancelled
    failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_error: str | None = Field(default=None, sa_type=Text)      # the last exception while firing


class ClockEvent(SQLModel, table=True):
    """Something the alerts package must tell people about (HC `Flip`); processed once."""

    __table_args__ = (
        Index("ix_clockevent_unprocessed", "id", sqlite_where=text("processed_at IS NULL"),
              postgresql_where=text("processed_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    clock_id: int | None = Field(default=None, foreign_key="clock.id")
    step_id: int | None = Field(default=None, foreign_key="clockstep.id")
    kind: str = Field(max_length=30)            # opened | reminder | leader | overdue | confirmed | reassigned | other
    created_at: datetime = Field(sa_type=UTCDateTime)
    recipients: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Response(SQLModel, table=True):
    """A confirmed response for a clock (RULES.md section 7 modes)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    clock_kind: str = Field(max_length=30)
    mode: str = Field(max_length=40)
    at: datetime = Field(sa_type=UTCDateTime)
    url: str | None = Field(default=None, sa_type=Text)
    note: str | None = Field(default=None, sa_type=Text)
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = Field(sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Who did what and when; insert-only (the application never updates or deletes these)."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=50)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class Lease(SQLModel, table=True):
    """A named lease: the one daemon holding it fires clocks and sends (failover, issue 6)."""

    name: str = Field(primary_key=True, max_length=50)
    holder: str = Field(max_length=200)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    # Counts hand-overs: +1 each time a different holder takes the lease. Work claimed under the
    # lease carries it, so a new holder knows at once which claims are fenced off (issue 20 point 13).
    generation: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
