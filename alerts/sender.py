"""The send loop: claim due outbox rows per channel within its rate limits, send, record.

One pass (`Sender.step`):

1. every few seconds: requeue rows whose claim expired (a sender died mid-send),
   suppress drill rows for channels that take no drills, fail rows of unknown channels;
2. for each channel, ask its `RateLimiter` how many sends may start now and claim at
   most that many due rows (compare-and-swap, `alerts.outbox.claim_due`); the rest
   stay queued in the database: rate limits are kept by queueing, never by dropping;
3. start one task per claimed row; each task sends and appends an `Outcome`;
4. `flush` writes the finished outcomes in one transaction (attempt rows, state
   changes, fallback rows for people whose channel failed for good).

`drain` repeats passes until nothing is due or in flight (the daemon's job calls
it every second); `run` loops until a stop event (benchmarks, the test subprocess).
The sender holds no rows between passes, so SIGKILL loses nothing: the claims
expire and another sender takes the rows.

Faults it is built for (issues 20 and 22):

- each send has an overall deadline (`[[channels]] deadline`), so a receiver that
  trickles its answer byte by byte cannot hold a send past it; a pass ends without
  waiting for sends still in flight, so a slow or dead receiver delays only its own
  channel's messages (their outcomes are written when they end);
- claims of sends in flight are extended, so no send outlives its claim;
- under the alerts lease (`drain(lease=...)`), claims are fenced by the lease term:
  the lease is renewed on every pass and sending stops the moment it is lost, and a new
  holder takes over a past holder's claims at once instead of waiting for them to expire.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .channels import Channel, channel_class
from .errors import ChannelError, RateLimited
from .models import DeliveryAttempt, Notification
from .outbox import (Fence, Outcome, claim_due, due_channels, extend_claims, fail_unknown_channels, message_of,
                     record_outcomes, release_expired_claims, suppress_drills, take_over_claims, unclaim)
from .ratelimit import RateLimiter
from .routing import RoutingContext, render_row_fields

logger = logging.getLogger(__name__)

__all__ = ["Sender", "HOUSEKEEPING_EVERY"]

FILL_EVERY = 0.05            # seconds between looks at the outbox when no channel is known to have work
FLUSH_EVERY = 0.02          # seconds between batched writes of outcomes in `run`
HOUSEKEEPING_EVERY = 5.0     # seconds between sweeps for drill rows and rows of unknown channels


class Sender:
    """Deliver the outbox. Built once per configuration; holds the rate limiters between passes.

    `clock` gives domain time (due dates, backoff; a scaled clock in drills);
    `timer` is a monotonic seconds counter for rate limits and `wall` real Unix time
    for signatures: the robots' limits and signature checks run on real time.
    """

    def __init__(self, *, engine: Engine, clock, ctx: RoutingContext, timer: Callable[[], float],
                 wall: Callable[[], float], name: str | None = None, per_channel: int = 16, max_in_flight: int = 64,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.engine = engine
        self.clock = clock
        self.ctx = ctx
        self.timer = timer
        self.wall = wall
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.per_channel = per_channel
        self.max_in_flight = max_in_flight
        self.transport = transport
        self.configs = {c.name: c for c in ctx.channels if not c.disabled}
        self.limiters = {name: RateLimiter([(r.count, r.per.total_seconds()) for r in c.effective_limits()], timer)
                         for name, c in self.configs.items()}
        self._tokens = itertools.count(1)
        self._tasks: set[asyncio.Task] = set()
        self._in_flight: dict[str, int] = {}
        self._outcomes: list[Outcome] = []
        self._http: dict[str, httpx.AsyncClient] | None = None
        self._channels: dict[str, Channel] = {}
        self._wake = asyncio.Event()
        self._housekeeping_at = float("-inf")
        self._next_fill_at = float("-inf")
        self._seeded = False
        self._due_hint: dict[str, int] = {}
        self._queues: dict[str, deque[tuple[Notification, str]]] = {name: deque() for name in self.configs}
        self._held: dict[str, int] = {}          # claim token -> sends in flight under it
        self._extend_at = float("-inf")
        self._fence: Fence | None = None         # the alerts lease term this sender claims under
        self._draining = False
        self._closing: set[asyncio.Task] = set()    # clients being closed after sends that outlived their pass

    # -- resources ---------------------------------------------------------------
    def _ensure_channels(self) -> None:
        """Build the channels, each with its own HTTP client sized to its concurrency.

        Why one client per channel: httpcore matches every queued request against every
        pooled connection, so one shared pool of 64 connections costs more CPU per
        request than the request itself at a few hundred messages a second.
        """
        if self._http is None:
            self._http = {}
            for name, config in self.configs.items():
                client = httpx.AsyncClient(transport=self.transport, follow_redirects=False,
                                           limits=httpx.Limits(max_connections=self.per_channel))
                self._http[name] = client
                self._channels[name] = channel_class(config.kind)(config, http=client, wall=self.wall)

    async def aclose(self) -> None:
        """Give back queued rows, wait for sends in flight, write their outcomes, close the HTTP client."""
        self._unclaim_queued()
        if self._tasks:
            await asyncio.wait(set(self._tasks))
        self.flush()
        if self._http is not None:
            clients, self._http, self._channels = self._http, None, {}
            await _close_clients(clients.values())
        if self._closing:
            await asyncio.wait(set(self._closing))

    # -- one pass ----------------------------------------------------------------
    def _accepts_drills(self, config) -> bool:
        return config.accept_drills if config.accept_drills is not None else self.ctx.alerts.deliver_drills

    def step(self) -> int:
        """Claim due rows within every limit, start sends from the local queues; return how many started.

        Claims hit the database only for channels whose local queue ran low, in batches
        of up to `[alerts] batch` (fewer for a rate-limited channel: no more than its
        limiter allows now), so the cost per message stays a fraction of a query.
        """
        low = any(len(q) < self.per_channel and self._due_hint.get(name, 0) > 0 for name, q in self._queues.items())
        if low or self.timer() >= self._next_fill_at:
            self._next_fill_at = self.timer() + FILL_EVERY
            self._fill()
        self._extend_held()
        return self._start_ready()

    def _extend_held(self) -> None:
        """Every third of the claim timeout, push the claims of sends in flight one claim timeout ahead.

        Why: a claim that expires while its send is in flight lets another pass or sender
        claim the row and send a message the receiver may already have accepted (issue 20
        point 12). A dead sender extends nothing, so its claims still expire.
        """
        tokens = [t for t, n in self._held.items() if n > 0]
        if not tokens or self.timer() < self._extend_at:
            return
        self._extend_at = self.timer() + self.ctx.alerts.claim_timeout.total_seconds() / 3
        with Session(self.engine) as session:
            extend_claims(session, tokens, self.clock.now() + self._claim_span())

    def _seed_limiters(self, session: Session) -> None:
        """Load each limited channel's recent sends from the attempt log into its limiter.

        Why: a restarted daemon (or a new lease holder) would otherwise start with empty
        windows and could send a second burst within the minute the robot counts.
        Ages come from the outbox clock, so they are exact on the system clock.
        """
        now = self.clock.now()
        for name, limiter in self.limiters.items():
            if not limiter.limits:
                continue
            window = max(seconds for _, seconds in limiter.limits)
            depth = max(count for count, _ in limiter.limits)
            rows = session.exec(
                select(DeliveryAttempt.at, DeliveryAttempt.duration_ms)
                .join(Notification, Notification.id == DeliveryAttempt.notification_id)
                .where(Notification.channel == name, DeliveryAttempt.at >= now - timedelta(seconds=window + 60))
                .order_by(DeliveryAttempt.id.desc()).limit(depth)).all()
            ages = [(now - at).total_seconds() - ms / 1000 for at, ms in rows]
            limiter.seed([self.timer() - age for age in ages if age < window])

    def _fill(self) -> None:
        now = self.clock.now()
        alerts = self.ctx.alerts
        with Session(self.engine) as session:
            if not self._seeded:
                self._seeded = True
                self._seed_limiters(session)
            if self.timer() >= self._housekeeping_at:
                # Rare work, so not on every pass (a pass runs each time a send finishes).
                self._housekeeping_at = self.timer() + HOUSEKEEPING_EVERY
                release_expired_claims(session, now)
                suppress_drills(session, channels=[n for n, c in self.configs.items() if not self._accepts_drills(c)],
                                now=now)
                fail_unknown_channels(session, known=list(self.configs), now=now, on_failed=self._add_fallback)
            due = due_channels(session, now)
            self._due_hint = dict(due)
            for name, queue in self._queues.items():
                if not due.get(name) or len(queue) >= self.per_channel:
                    continue
                limiter = self.limiters[name]
                room = min(alerts.batch - len(queue), limiter.available() - len(queue) if limiter.limits else alerts.batch)
                if room <= 0:
                    continue
                token = f"{self._fence.prefix if self._fence else self.name + '#'}{next(self._tokens)}"
                rows = claim_due(session, now, channel=name, limit=room, token=token, claim_timeout=self._claim_span(),
                                 drills=self._accepts_drills(self.configs[name]), fence=self._fence)
                queue.extend((row, token) for row in rows)
                self._due_hint[name] = max(due[name] - len(rows), 0) if len(rows) == room else 0

    def _claim_span(self):
        """Return the claim timeout in outbox-clock time.

        Why scaled: a claim guards a send that takes *real* seconds, but `claimed_until` is
        compared with the outbox clock. On a drill clock at --speed 3600 an unscaled 2 min
        would expire in 33 ms of real time and the same row would be sent again and again.
        This is the one place the claim timeout is scaled: configurations give it in real
        time, whatever the drill speed (issue 22 point 6).
        """
        return self.ctx.alerts.claim_timeout * float(getattr(self.clock, "speed", 1.0))

    def _start_ready(self) -> int:
        started = 0
        for name, queue in self._queues.items():
            limiter = self.limiters[name]
            while queue and self._in_flight.get(name, 0) < self.per_channel and len(self._tasks) < self.max_in_flight \
                    and limiter.available() > 0:
                self._ensure_channels()
                row, token = queue.popleft()
                self._start(row, token)
                started += 1
        return started

    def _unclaim_queued(self) -> None:
        """Give back rows claimed but not started (the run is ending), so they need not wait for the claim to expire."""
        held = [(row.id, token) for q in self._queues.values() for row, token in q]
        for q in self._queues.values():
            q.clear()
        if held:
            with Session(self.engine) as session:
                unclaim(session, held)

    def _start(self, row: Notification, token: str) -> None:
        limiter = self.limiters[row.channel]
        limiter.acquire()
        self._in_flight[row.channel] = self._in_flight.get(row.channel, 0) + 1
        self._held[token] = self._held.get(token, 0) + 1
        task = asyncio.create_task(self._deliver(row, token), name=f"send {row.id}")
        self._tasks.add(task)
        task.add_done_callback(self._send_ended)

    def _send_ended(self, task: asyncio.Task) -> None:
        """Forget the task; the last send to outlive its pass closes the HTTP clients.

        A pass that returns with sends in flight leaves the clients open for them. If no
        pass follows (the daemon reloaded and built a new Sender, or it is stopping), the
        last of those sends closes them here; a later pass builds fresh ones.
        """
        self._tasks.discard(task)
        if self._tasks or self._draining or self._http is None:
            return
        clients, self._http, self._channels = self._http, None, {}
        closing = asyncio.get_running_loop().create_task(_close_clients(clients.values()), name="close http clients")
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    async def _deliver(self, row: Notification, token: str) -> None:
        channel = self._channels[row.channel]
        deadline = self.configs[row.channel].deadline.total_seconds()
        started_at = self.clock.now()
        t0 = time.perf_counter()
        try:
            try:
                # The overall deadline: httpx's read timeout restarts with every byte, so a receiver
                # trickling its answer would otherwise hold the send for as long as it likes.
                answer = await asyncio.wait_for(channel.send(message_of(row)), timeout=deadline)
            except asyncio.TimeoutError:
                raise ChannelError(f"{row.channel_kind}: no complete answer within the {deadline:g}s deadline") from None
            outcome = Outcome(row.id, token, started_at, (time.perf_counter() - t0) * 1000, ok=True, answer=answer)
            logger.info("notification %s (%s %s) OK in %.2fs", row.id, row.channel_kind, row.channel, time.perf_counter() - t0)
        except ChannelError as e:
            outcome = Outcome(row.id, token, started_at, (time.perf_counter() - t0) * 1000, ok=False,
                              permanent=e.permanent, answer=e.answer, error=e.message, retry_after=e.retry_after,
                              rate_limited=isinstance(e, RateLimited) or bool(e.retry_after))
            if e.retry_after and not e.permanent:
                self.limiters[row.channel].penalise(min(e.retry_after, 600))
            logger.warning("notification %s (%s %s) %s: %s", row.id, row.channel_kind, row.channel,
                           "failed" if e.permanent else "will retry", e.message)
        except Exception as e:  # noqa: BLE001 - a bug in one channel must not lose the row: record and retry
            logger.exception("notification %s (%s): unexpected error", row.id, row.channel)
            outcome = Outcome(row.id, token, started_at, (time.perf_counter() - t0) * 1000, ok=False,
                              error=f"unexpected {type(e).__name__}: {e}")
        finally:
            self.limiters[row.channel].release()
            self._in_flight[row.channel] -= 1
            self._held[token] -= 1
            if not self._held[token]:
                del self._held[token]
        self._outcomes.append(outcome)
        self._wake.set()
        if not self._draining:
            self.flush()      # a send that outlived its pass: record it now, not at the next pass

    def flush(self) -> int:
        """Write the outcomes gathered so far; return how many."""
        if not self._outcomes:
            return 0
        outcomes, self._outcomes = self._outcomes, []
        with Session(self.engine) as session:
            record_outcomes(session, outcomes, now=self.clock.now(), config=self.ctx.alerts, on_failed=self._add_fallback)
        return len(outcomes)

    def _add_fallback(self, session: Session, row: Notification) -> None:
        """Queue the failed person's message on the fallback channel (same transaction), by another route.

        The fallback reaches the person by a route other than the one that just failed
        (issue 22 point 2): on an email fallback, the person's own address only when it is not
        the one that failed, and the channel's own addresses (the on-duty mailbox); a group
        channel only when it is not the channel that failed. With no route left, nothing is
        queued and the row stays failed, visibly.
        """
        name = self.ctx.alerts.fallback_channel
        fallback = self.ctx.channel(name) if name else None
        if fallback is None or not row.recipient or ">" in row.key:
            return
        payload = row.payload or {}
        person = payload.get("recipient_record") or {"name": row.recipient}
        failed = {a.strip().lower() for a in [*(payload.get("to") or []), *(row.address or "").split(",")] if a.strip()}
        if fallback.kind == "email":
            candidates = ([person["email"]] if person.get("email") else []) + list(getattr(fallback, "to", []))
            to = list(dict.fromkeys(a for a in candidates if a.strip().lower() not in failed))
            if not to:
                logger.warning("notification %s failed for good; fallback %s has no address other than the one that "
                               "failed", row.id, name)
                return
        elif fallback.name == row.channel:
            logger.warning("notification %s failed for good on %s, which is also the fallback channel", row.id, name)
            return
        else:
            to = list(getattr(fallback, "to", []))
        subject, body, extra = render_row_fields(self.ctx, channel=fallback, kind=row.kind, payload=payload.get("event") or {},
                                                 now=self.clock.now(), recipient=person)
        key = f"{row.key}>{name}"
        if session.exec(select(Notification.id).where(Notification.key == key)).first() is not None:
            return
        session.add(Notification(
            key=key, event_id=row.event_id, case_id=row.case_id, kind=row.kind, channel=fallback.name,
            channel_kind=fallback.kind, recipient=row.recipient, address=", ".join(to) or None,
            subject=f"【经备用通道】{subject}", body=body,
            payload={**extra, "to": to, "mentions": {}, "fallback_of": row.id, "failed_error": row.last_error},
            status="pending", created_at=self.clock.now(), next_attempt_at=self.clock.now(), drill=row.drill))
        logger.info("notification %s failed for good on %s; fallback queued on %s", row.id, row.channel, name)

    # -- loops -------------------------------------------------------------------
    async def _pause(self, seconds: float) -> None:
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    def _machine_now(self) -> datetime:
        return datetime.fromtimestamp(self.wall(), timezone.utc)

    def _holds(self, lease) -> bool:
        """Renew `lease` when due; on a new term, take over the past holder's claims. False when not held."""
        if not lease.check(self._machine_now()):
            if self._fence is not None:
                logger.warning("alerts lease lost by %s: sending stops", self.name)
            self._fence = None
            return False
        fence = Fence(lease.name, lease.holder, lease.generation)
        if fence != self._fence:
            self._fence = fence
            with Session(self.engine) as session:
                taken = take_over_claims(session, self.clock.now(), fence)
            if taken:
                logger.info("took over %d claimed notifications of a past alerts lease holder", taken)
        return True

    def _stop_sending(self) -> None:
        """The lease was lost: give back queued rows and cancel sends in flight (the new holder resends them)."""
        self._unclaim_queued()
        for task in list(self._tasks):
            task.cancel()

    async def drain(self, *, max_seconds: float = 30.0, poll: float = 0.05, lease=None) -> int:
        """Send until nothing is due or in flight (or `max_seconds` pass); return sends started.

        Returns when idle so the daemon's job finishes; rows held back by a rate limit
        wait for the next run (the job runs every second). At `max_seconds` it returns
        without waiting for sends still in flight: each is bounded by its channel's
        deadline and its outcome is written when it ends, so a slow receiver never holds
        the other channels' messages (issue 20 point 11).

        With `lease` (a `responders.lease.LeaseKeeper`), only its holder sends: the lease is
        renewed on every pass, claims are fenced by its term, and sending stops the moment
        it is lost (issue 22 point 3).
        """
        deadline = self.timer() + max_seconds
        total = 0
        self._draining = True
        try:
            while True:
                if lease is not None and not self._holds(lease):
                    self._stop_sending()
                    break
                started = self.step()
                total += started
                # Outcomes can add rows (a fallback, a retry due at once): one more pass after writing any.
                flushed = self.flush()
                idle = not started and not self._tasks and not flushed and not any(self._queues.values())
                if idle or self.timer() >= deadline:
                    break
                await self._pause(poll)
        finally:
            self._draining = False
            await self._end_pass()
        return total

    async def _end_pass(self) -> None:
        """Give back queued rows and write outcomes; close the clients only when no send is in flight."""
        if self._tasks:
            self._unclaim_queued()
            self.flush()
        else:
            await self.aclose()

    async def run(self, stop: asyncio.Event, *, poll: float = 0.1) -> None:
        """Send until `stop` is set (then finish what is in flight and return)."""
        self._draining = True      # outcomes are written in batches by the loop below
        try:
            last_flush = self.timer()
            while not stop.is_set():
                started = self.step()
                # Write outcomes in batches (one transaction per ~20 ms, not per message).
                if self._outcomes and (not self._tasks or self.timer() - last_flush >= FLUSH_EVERY):
                    self.flush()
                    last_flush = self.timer()
                if not started:
                    self._wake.clear()
                    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
                    await asyncio.wait(waiters, timeout=poll, return_when=asyncio.FIRST_COMPLETED)
                    for w in waiters:
                        w.cancel()
        finally:
            self._draining = False
            await self.aclose()


async def _close_clients(clients) -> None:
    for client in list(clients):
        await client.aclose()
