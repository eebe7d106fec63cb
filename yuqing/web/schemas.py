"""Request and response models of the JSON API (CONTRACT.md "HTTP API"), kept apart from the tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from .cleantext import clean_text, storable_time
from .labels import RESPONSE_MODES
from .rendering import safe_url

__all__ = ["ResponseMode", "ClockKind", "ClockOut", "ResponseOut", "CaseSummary", "CaseDetail", "ResponseIn",
           "ItemRecord", "ItemMetrics", "PushResult", "AuditOut"]

ResponseMode = StrEnum("ResponseMode", {code: code for code in RESPONSE_MODES})
ResponseMode.__doc__ = "Response mode (docs/rules.md 六): " + "; ".join(f"`{c}` {label}" for c, label in RESPONSE_MODES.items())


class ClockKind(StrEnum):
    """`first_release` 5 h (T-1), `press_conference` 24 h (T-2), `response` 48 h (T-3)."""

    first_release = "first_release"
    press_conference = "press_conference"
    response = "response"


class ClockOut(BaseModel):
    kind: str
    hours: float
    started_at: datetime
    due_at: datetime
    status: str = Field(description="running | met | overdue | stopped | replaced | provisional (a 待研判 case's)")
    stopped_at: datetime | None = None
    state: str = Field(description="on_time | soon | overdue for an active clock, else its status")


class ResponseOut(BaseModel):
    id: int
    clock: str
    mode: str
    mode_label: str
    at: datetime
    url: str | None = None
    note: str | None = None
    recorded_by: str
    recorded_at: datetime


class AuditOut(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class CaseSummary(BaseModel):
    id: int
    title: str
    status: str = Field(description="open | closed | dismissed | review (待研判: provisional clocks, an officer decides)")
    severity: str
    especially_major: bool
    criteria: list[str]
    localities: list[str]
    sectors: list[str]
    first_body: str | None = None
    opened_at: datetime
    closed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    next_due_at: datetime | None = Field(None, description="the nearest deadline of an active clock")
    state: str = Field(description="on_time | soon | overdue | answered (no active clock) | review (待研判)")
    clocks: list[ClockOut]


class CaseDetail(CaseSummary):
    responsible: dict[str, Any]
    rationale: list[str]
    responses: list[ResponseOut]
    audit: list[AuditOut]
    notifications: list[dict[str, Any]] = Field(
        default_factory=list,
        description="every message of the case, oldest first: channel, recipient, status (pending, sending, "
                    "retry, sent, failed, suppressed), attempts with the receiver's answers")


class ResponseIn(BaseModel):
    """A confirmed response for one clock of the case."""

    model_config = ConfigDict(extra="forbid")

    clock: ClockKind
    mode: ResponseMode = Field(description=ResponseMode.__doc__)
    at: AwareDatetime | None = Field(None, description="when the response was published (default: now); ISO 8601 with offset")
    url: str | None = Field(None, max_length=2000, description="evidence link (http or https)")
    note: str | None = Field(None, max_length=5000)

    @field_validator("mode", mode="before")
    @classmethod
    def _label_to_code(cls, value):
        # The Chinese label is accepted too (发布权威信息 -> authoritative_info).
        if not isinstance(value, str):
            return value            # left to the enum check (a 422 naming `mode`), never a lookup of a dict
        by_label = {label: code for code, label in RESPONSE_MODES.items()}
        return by_label.get(value, value)

    @field_validator("at")
    @classmethod
    def _storable_time(cls, value):
        return storable_time(value) if value is not None else value

    @field_validator("url", "note", mode="before")
    @classmethod
    def _storable(cls, value):
        return clean_text(value) if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def _http_only(cls, value):
        if value and safe_url(value) is None:
            raise ValueError("url must be an absolute http or https URL")
        return value or None


class ItemMetrics(BaseModel):
    views: int | None = Field(None, ge=0)
    reposts: int | None = Field(None, ge=0)
    comments: int | None = Field(None, ge=0)


class ItemRecord(BaseModel):
    """The `yuqing classify` input record (CONTRACT.md)."""

    id: str = Field(min_length=1, max_length=500)
    title: str | None = Field(None, max_length=2000)
    text: str = Field(max_length=200_000)
    source: str | None = Field(None, max_length=200)
    url: str | None = Field(None, max_length=2000)
    published: AwareDatetime | None = None
    metrics: ItemMetrics | None = None


class PushResult(BaseModel):
    """What became of a push: counts, the rejected records with their reasons, events touched, cases opened."""

    received: int
    accepted: int = Field(description="stored as new items")
    duplicates: int = Field(description="already known (same id, or same text from this source)")
    rejected: list[dict[str, Any]] = Field(description="{index, id, error} per unusable record")
    events: list[int]
    cases: int = Field(0, description="cases opened by the stages after ingestion")
