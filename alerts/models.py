"""Tables of alert delivery: the durable outbox of notifications and every delivery attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Text, text
from sqlmodel import Field, SQLModel

from monitor.timestamps import UTCDateTime

__all__ = ["Notification", "DeliveryAttempt"]


class Notification(SQLModel, table=True):
    """One message to one recipient over one channel; `key` makes it idempotent."""

    __table_args__ = (
        Index("ix_notification_due", "next_attempt_at", sqlite_where=text("status IN ('pending', 'retry')"),
              postgresql_where=text("status IN ('pending', 'retry')")),
        # alerts_0002: the sender claims per channel, and takes over claims of a sender that died.
        Index("ix_notification_channel_due", "channel", "next_attempt_at",
              sqlite_where=text("status IN ('pending', 'retry')"), postgresql_where=text("status IN ('pending', 'retry')")),
        Index("ix_notification_claimed", "claimed_until", sqlite_where=text("status = 'sending'"),
              postgresql_where=text("status = 'sending'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, unique=True)   # case:clock:step:recipient:channel
    event_id: int | None = Field(default=None, foreign_key="clockevent.id", index=True)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    kind: str = Field(max_length=30)                # opened | reminder | leader | overdue | confirmed | report | other
    channel: str = Field(max_length=200)            # channel name from config
    channel_kind: str = Field(max_length=20)        # email | wecom | dingtalk | feishu | webhook
    recipient: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, sa_type=Text)
    subject: str | None = Field(default=None, sa_type=Text)
    body: str = Field(default="", sa_type=Text)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="pending", max_length=20)    # pending | sending | retry | sent | failed
    created_at: datetime = Field(sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    drill: bool = False


class DeliveryAttempt(SQLModel, table=True):
    """One try at sending a notification, with the receiver's answer (HC `Notification`)."""

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    duration_ms: float = 0.0
    ok: bool = False
    permanent: bool = False
    answer: str | None = Field(default=None, sa_type=Text)
    error: str | None = Field(default=None, sa_type=Text)
