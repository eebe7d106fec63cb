"""The durable outbox: claim due rows, record every attempt, decide what happens next.

Row states::

    pending ──claim──> sending ──answer ok──────────────> sent
       ^                  │ ──transient, tries left────> retry ──(next_attempt_at)──> claim again
       │                  │ ──permanent / tries spent──> failed (+ a fallback row for a person)
       └── quiet hours    └── claimed_until passes (the sender died) ──> retry, due at once
    pending/retry drill rows on channels that take no drills ──> suppressed

Delivery is at-least-once: a sender killed after the receiver accepted a message
but before it stored the answer sends it again once the claim expires (the
idempotency key travels with the message so receivers can drop that duplicate).
Once a row is `sent` nothing claims it again, so a confirmed message is never repeated.

Claims taken under the alerts lease are fenced by its term (`Fence`): the claim
UPDATE requires the lease to still be in that term, the claims of sends in flight
are extended (`extend_claims`), and a new holder requeues a past term's claims at
once (`take_over_claims`) instead of waiting for them to expire.

Why a claim timeout and not a lock held for the send: a row lock would pin a
database connection for the length of an HTTP call and does not survive SIGKILL
on SQLite; an expiring claim is plain data that every database understands.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, exists, func, insert, update
from sqlmodel import Session, select

from responders.models import Lease

from .channels import Mentions, Message
from .config import AlertsConfig
from .models import DeliveryAttempt, Notification

logger = logging.getLogger(__name__)

__all__ = ["Outcome", "claim_due", "due_channels", "release_expired_claims", "unclaim", "record_outcomes", "backoff_delay", "suppress_drills", "fail_unknown_channels",
           "message_of", "CLAIMABLE", "Fence", "extend_claims", "take_over_claims"]

CLAIMABLE = ("pending", "retry")


@dataclass(frozen=True)
class Outcome:
    """What one send attempt produced, to be written by `record_outcomes`."""

    notification_id: int
    token: str
    started_at: datetime
    duration_ms: float
    ok: bool
    permanent: bool = False
    answer: str | None = None
    error: str | None = None
    retry_after: float | None = None
    rate_limited: bool = False     # the receiver said "too fast": retry after `retry_after`, not the back-off


@dataclass(frozen=True)
class Fence:
    """The lease term a sender claims under: claims succeed only while (holder, generation) holds `lease`.

    Tokens of the term start with `prefix`, so the next holder can tell them from its own
    and take them over at once (issue 20 points 12 and 13).
    """

    lease: str
    holder: str
    generation: int

    @property
    def prefix(self) -> str:
        return f"{self.holder}@{self.generation}#"

    def holds(self):
        """Return the SQL condition "the lease is still in this term"."""
        lease = Lease.__table__
        return exists().where(lease.c.name == self.lease, lease.c.holder == self.holder,
                              lease.c.generation == self.generation)


def _claimable(now: datetime):
    return and_(Notification.status.in_(CLAIMABLE), Notification.next_attempt_at <= now)


def due_channels(session: Session, now: datetime) -> dict[str, int]:
    """Return {channel: number of due rows}; one query per pass instead of one per channel."""
    rows = session.exec(select(Notification.channel, func.count()).where(_claimable(now)).group_by(Notification.channel)).all()
    return {channel: count for channel, count in rows}


def release_expired_claims(session: Session, now: datetime) -> int:
    """Put rows whose claim expired (their sender died mid-send) back in the queue; return how many. Commits.

    The attempt that was in flight left no record, so `attempts` is unchanged; the row
    is due at once. This is what makes delivery at-least-once across SIGKILL.
    """
    result = session.exec(
        update(Notification).where(Notification.status == "sending", Notification.claimed_until < now)
        .values(status="retry", claimed_by=None, claimed_until=None, next_attempt_at=now,
                last_error="上次发送未完成（发送进程中断），重新发送")
        .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount or 0


def claim_due(session: Session, now: datetime, *, channel: str, limit: int, token: str,
              claim_timeout: timedelta, drills: bool = True, fence: Fence | None = None) -> list[Notification]:
    """Claim up to `limit` due rows of `channel` for `token` and return them, oldest due first.

    The claim is a compare-and-swap UPDATE that repeats the "still claimable" test, so
    two senders racing for a row cannot both win (HC `Flip` processing). Commits.
    With `drills` False, drill rows are never claimed (`suppress_drills` marks them later).
    With a `fence`, the UPDATE also requires the lease term to hold, so a sender whose lease
    was taken over claims nothing, even in the instant before it notices.
    """
    if limit <= 0:
        return []
    no_drill = [] if drills else [Notification.drill.is_(False)]
    ids = session.exec(
        select(Notification.id).where(Notification.channel == channel, _claimable(now), *no_drill)
        .order_by(Notification.next_attempt_at, Notification.id).limit(limit)).all()
    if not ids:
        return []
    fenced = [fence.holds()] if fence is not None else []
    session.exec(
        update(Notification).where(Notification.id.in_(ids), _claimable(now), *fenced)
        .values(status="sending", claimed_by=token, claimed_until=now + claim_timeout)
        .execution_options(synchronize_session=False))
    session.commit()
    rows = session.exec(select(Notification).where(Notification.id.in_(ids), Notification.claimed_by == token)
                        .order_by(Notification.next_attempt_at, Notification.id)).all()
    for row in rows:
        session.expunge(row)
    return list(rows)


def extend_claims(session: Session, tokens: list[str], until: datetime) -> int:
    """Move the expiry of the rows still claimed by `tokens` to `until` (their sends are in flight). Commits.

    Why: a send that outlives its claim would be claimed and sent again by someone else
    (issue 20 point 12). Only rows still held by the token move, so a claim another
    holder took over (`take_over_claims`) stays taken.
    """
    if not tokens:
        return 0
    result = session.exec(
        update(Notification).where(Notification.claimed_by.in_(tokens), Notification.status == "sending")
        .values(claimed_until=until).execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount or 0


def take_over_claims(session: Session, now: datetime, fence: Fence) -> int:
    """Requeue, due at once, every row claimed outside the lease term `fence` (a past holder's); return how many.

    The new holder of the alerts lease calls this when it takes the lease: the old holder
    is dead or fenced off (it can claim nothing more and its claims cannot be extended), so
    its rows need not wait for their claim to expire (issue 20 point 13). Commits.
    """
    result = session.exec(
        update(Notification).where(Notification.status == "sending",
                                   ~func.coalesce(Notification.claimed_by, "").startswith(fence.prefix, autoescape=True))
        .values(status="retry", claimed_by=None, claimed_until=None, next_attempt_at=now,
                last_error="发送进程已交接，由新的发送进程重新发送")
        .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount or 0


def unclaim(session: Session, held: list[tuple[int, str]]) -> None:
    """Return claimed rows that were never sent to the queue (attempts unchanged). Commits."""
    for row_id, token in held:
        session.exec(
            update(Notification).where(Notification.id == row_id, Notification.claimed_by == token,
                                       Notification.status == "sending")
            .values(status=case((Notification.attempts == 0, "pending"), else_="retry"), claimed_by=None,
                    claimed_until=None)
            .execution_options(synchronize_session=False))
    session.commit()


def message_of(row: Notification) -> Message:
    """Return the channel-level message stored on an outbox row."""
    payload = row.payload or {}
    return Message(
        key=row.key, kind=row.kind, subject=row.subject or "", body=row.body, text=payload.get("text") or row.body,
        html=payload.get("html"), case_id=row.case_id, case_url=payload.get("case_url"),
        to=tuple(payload.get("to") or ()), mentions=Mentions.from_dict(payload.get("mentions")),
        drill=row.drill, severity=payload.get("severity"))


def backoff_delay(attempts: int, config: AlertsConfig, retry_after: float | None = None) -> timedelta:
    """Return the wait before try number `attempts + 1`: base * 2^(attempts-1), capped, at least `retry_after`."""
    delay = config.backoff * (2 ** max(attempts - 1, 0))
    delay = min(delay, config.max_backoff)
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def record_outcomes(session: Session, outcomes: list[Outcome], *, now: datetime, config: AlertsConfig,
                    on_failed=None) -> None:
    """Write each attempt and move its row on (sent / retry / failed), in one transaction.

    `on_failed(session, row)` is called for a row that has just failed for good (the
    sender adds the fallback row there, in the same transaction).

    Why two paths: successes are nearly every outcome, so they are written with two
    executemany statements; failures need the row's state (attempts, claim) to decide.
    """
    if not outcomes:
        return
    session.exec(insert(DeliveryAttempt), params=[
        {"notification_id": o.notification_id, "at": o.started_at, "duration_ms": o.duration_ms, "ok": o.ok,
         "permanent": o.permanent, "answer": o.answer, "error": o.error} for o in outcomes])
    sent = [o for o in outcomes if o.ok]
    if sent:
        # Confirmed is final, whoever held the claim: a later claim must never send it again.
        session.connection().execute(
            update(Notification.__table__).where(Notification.__table__.c.id == bindparam("row_id"),
                                                 Notification.__table__.c.status != "sent")
            .values(status="sent", sent_at=bindparam("at"), attempts=Notification.__table__.c.attempts + 1,
                    claimed_by=None, claimed_until=None, last_error=None),
            [{"row_id": o.notification_id, "at": o.started_at} for o in sent])
    failed = [o for o in outcomes if not o.ok]
    by_id = {r.id: r for r in session.exec(select(Notification).where(
        Notification.id.in_([o.notification_id for o in failed])))} if failed else {}
    for o in failed:
        row = by_id.get(o.notification_id)
        if row is None or row.status == "sent":
            continue     # another sender (whose claim we outlived) already confirmed it
        lost_claim = row.claimed_by != o.token
        row.attempts += 1
        if lost_claim and row.status == "sending":
            row.last_error = o.error      # someone else holds it now and will record its own answer
        elif o.permanent or row.attempts >= config.max_attempts:
            row.status, row.last_error, row.claimed_by, row.claimed_until = "failed", o.error, None, None
            if on_failed is not None:
                on_failed(session, row)
        else:
            row.status, row.last_error, row.claimed_by, row.claimed_until = "retry", o.error, None, None
            if o.rate_limited and o.retry_after:
                # Not the receiver's fault: retry when the robot said it would take messages again.
                row.next_attempt_at = now + timedelta(seconds=o.retry_after)
            else:
                row.next_attempt_at = now + backoff_delay(row.attempts, config, o.retry_after)
        session.add(row)
    session.commit()


def suppress_drills(session: Session, *, channels: list[str], now: datetime) -> int:
    """Mark queued drill rows of channels that take no drills as suppressed; return how many. Commits."""
    if not channels:
        return 0
    result = session.exec(
        update(Notification).where(Notification.drill.is_(True), Notification.channel.in_(channels),
                                   Notification.status.in_(CLAIMABLE))
        .values(status="suppressed", last_error="演练消息：此通道未开启演练投递（accept_drills / deliver_drills）")
        .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount or 0


def fail_unknown_channels(session: Session, *, known: list[str], now: datetime, on_failed=None) -> int:
    """Fail due rows whose channel is no longer configured (else they would wait forever); return how many."""
    rows = session.exec(select(Notification).where(
        Notification.channel.not_in(known), Notification.status.in_(CLAIMABLE),
        Notification.next_attempt_at <= now).limit(500)).all()
    for row in rows:
        row.status, row.last_error = "failed", f"channel {row.channel!r} is not configured (or is disabled)"
        session.add(row)
        if on_failed is not None:
            on_failed(session, row)
    session.commit()
    return len(rows)
