"""Leadership among daemons sharing one database: exactly one fires clocks and sends (issue 6).

A `Lease` row names the holder and an expiry. The holder renews it every
`lease_renew`; another daemon takes it over once it has expired, so a
holder killed with SIGKILL is replaced within `lease_ttl` + one job tick
(defaults 10 s + 1 s, inside the 15 s target).

Both moves are one conditional statement, atomic on SQLite and PostgreSQL:

- take or renew: ``UPDATE lease SET holder=:me, expires_at=:now+ttl
  WHERE name=:name AND (holder=:me OR expires_at < :now)``, rowcount 1 means ours;
- first use: ``INSERT`` the row; a unique-key violation means someone else won.

Why a lease row and not a PostgreSQL advisory lock: an advisory lock lives on
one pooled connection, so a pool recycle, `pool_pre_ping` or a network blip
silently drops leadership while the daemon still believes it leads; and SQLite
has none. A lease row works on both databases and its state can be queried
(who leads, since when). The loser of a split brain (a paused holder waking
after its lease was taken) cannot double-fire either: every step is claimed
by compare-and-swap (`responders.firing`).

Lease time is machine time (`SystemClock`), never the drill's scaled clock.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta, timezone

from sqlalchemy import case, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .models import Lease

logger = logging.getLogger(__name__)

__all__ = ["try_acquire", "acquire", "release", "current_holder", "LeaseKeeper", "make_holder_id", "CLOCKS_LEASE"]

CLOCKS_LEASE = "clocks"
_LEASE = Lease.__table__


def make_holder_id() -> str:
    """Return this process's holder id: host and pid.

    Stable for the life of the process, so the keeper rebuilt after a config reload
    (SIGHUP) renews the lease it already holds instead of waiting for it to expire.
    """
    return f"{socket.gethostname()}:{os.getpid()}"


def try_acquire(engine: Engine, now: datetime, *, name: str, holder: str, ttl: timedelta) -> bool:
    """Take or renew the lease `name` for `holder` until `now + ttl`; return True when held."""
    return acquire(engine, now, name=name, holder=holder, ttl=ttl) is not None


def acquire(engine: Engine, now: datetime, *, name: str, holder: str, ttl: timedelta) -> int | None:
    """Take or renew the lease `name` for `holder` until `now + ttl`; return its generation, None when not held.

    The generation goes up by one whenever a different holder takes the lease (never on a
    renewal), so work stamped with (holder, generation) is fenced: a later holder can tell
    it belongs to a past term and take it over at once.
    """
    with engine.begin() as c:
        taken = c.execute(
            update(_LEASE)
            .where(_LEASE.c.name == name, or_(_LEASE.c.holder == holder, _LEASE.c.expires_at < now))
            .values(holder=holder, expires_at=now + ttl,
                    generation=case((_LEASE.c.holder == holder, _LEASE.c.generation), else_=_LEASE.c.generation + 1))
        ).rowcount
        if taken == 1:
            return c.execute(select(_LEASE.c.generation).where(_LEASE.c.name == name)).scalar_one()
    try:
        with engine.begin() as c:
            if c.execute(select(_LEASE.c.name).where(_LEASE.c.name == name)).first() is not None:
                return None
            c.execute(insert(_LEASE).values(name=name, holder=holder, expires_at=now + ttl, generation=1))
        return 1
    except IntegrityError:
        return None


_RELEASED = datetime(1970, 1, 1, tzinfo=timezone.utc)


def release(engine: Engine, *, name: str, holder: str) -> None:
    """Give the lease up (clean shutdown) so the next daemon takes over at once.

    The row stays (expired) so that its generation keeps counting across hand-overs.
    """
    with engine.begin() as c:
        c.execute(update(_LEASE).where(_LEASE.c.name == name, _LEASE.c.holder == holder).values(expires_at=_RELEASED))


def current_holder(engine: Engine, now: datetime, *, name: str) -> str | None:
    """Return who holds `name` at `now`, or None when nobody does."""
    with engine.connect() as c:
        row = c.execute(select(_LEASE.c.holder, _LEASE.c.expires_at).where(_LEASE.c.name == name)).first()
    return row.holder if row is not None and row.expires_at >= now else None


class LeaseKeeper:
    """Hold a lease across job runs: renew when due, report whether this process leads.

    `check(now)` is cheap when the lease was renewed recently (no query); a holder
    renews every `renew`, a follower tries to take over on every call.
    """

    def __init__(self, engine: Engine, *, name: str = CLOCKS_LEASE, holder: str | None = None,
                 ttl: timedelta = timedelta(seconds=10), renew: timedelta = timedelta(seconds=2)):
        self.engine = engine
        self.name = name
        self.holder = holder or make_holder_id()
        self.ttl = ttl
        self.renew = renew
        self.valid_until: datetime | None = None
        self.generation: int | None = None      # of the term this process holds, None when it holds none
        self._renewed_at: datetime | None = None

    def check(self, now: datetime) -> bool:
        """Return True when this process holds the lease at `now` (renewing or taking it when due)."""
        if self._renewed_at is not None and self.valid_until is not None and now - self._renewed_at < self.renew \
                and now < self.valid_until:
            return True
        was = self.valid_until is not None
        self.generation = acquire(self.engine, now, name=self.name, holder=self.holder, ttl=self.ttl)
        held = self.generation is not None
        if held:
            self._renewed_at, self.valid_until = now, now + self.ttl
            if not was:
                logger.info("lease %s taken by %s", self.name, self.holder)
        else:
            if was:
                logger.warning("lease %s lost by %s", self.name, self.holder)
            self._renewed_at = self.valid_until = None
        return held

    def leads(self, now: datetime) -> bool:
        """Return True when the last check left this process holding an unexpired lease (no query)."""
        return self.valid_until is not None and now < self.valid_until - self.renew

    def release(self) -> None:
        if self.valid_until is not None:
            release(self.engine, name=self.name, holder=self.holder)
            self._renewed_at = self.valid_until = self.generation = None
