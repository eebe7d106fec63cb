"""The clocks lease: one holder at a time, takeover after expiry, renewal, release."""

from __future__ import annotations

from datetime import timedelta

from responders.lease import LeaseKeeper, current_holder, release, try_acquire

TTL = timedelta(seconds=10)


def test_only_one_daemon_holds_the_lease_until_it_expires(engine, clock):
    now = clock.now()
    assert try_acquire(engine, now, name="clocks", holder="a", ttl=TTL)
    assert not try_acquire(engine, now, name="clocks", holder="b", ttl=TTL)
    assert current_holder(engine, now, name="clocks") == "a"
    later = now + TTL + timedelta(seconds=1)
    assert current_holder(engine, later, name="clocks") is None
    assert try_acquire(engine, later, name="clocks", holder="b", ttl=TTL)
    assert not try_acquire(engine, later, name="clocks", holder="a", ttl=TTL)     # the old holder lost it


def test_renewing_keeps_the_lease_past_its_first_expiry(engine, clock):
    now = clock.now()
    assert try_acquire(engine, now, name="clocks", holder="a", ttl=TTL)
    assert try_acquire(engine, now + timedelta(seconds=8), name="clocks", holder="a", ttl=TTL)
    assert not try_acquire(engine, now + timedelta(seconds=15), name="clocks", holder="b", ttl=TTL)


def test_a_released_lease_is_taken_at_once(engine, clock):
    assert try_acquire(engine, clock.now(), name="clocks", holder="a", ttl=TTL)
    release(engine, name="clocks", holder="a")
    assert try_acquire(engine, clock.now(), name="clocks", holder="b", ttl=TTL)


def test_the_keeper_renews_only_when_due_and_notices_a_takeover(engine, clock):
    a = LeaseKeeper(engine, holder="a", ttl=TTL, renew=timedelta(seconds=2))
    b = LeaseKeeper(engine, holder="b", ttl=TTL, renew=timedelta(seconds=2))
    assert a.check(clock.now()) and not b.check(clock.now())
    assert a.leads(clock.now() + timedelta(seconds=1))
    clock.advance(timedelta(seconds=11))                  # a stopped renewing (paused, killed)
    assert not a.leads(clock.now())
    assert b.check(clock.now())
    assert not a.check(clock.now())
    assert current_holder(engine, clock.now(), name="clocks") == "b"
