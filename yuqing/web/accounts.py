"""Web users, API tokens and sign-in throttling: the account rules in one place.

- Passwords are stored as argon2id hashes (argon2-cffi defaults, RFC 9106 "second
  recommended" parameters); a hash made with older parameters is upgraded at the
  next successful sign-in.
- API tokens are random 256-bit strings shown once; only their SHA-256 is stored.
  Why SHA-256 and not argon2 for tokens: a token has 256 bits of entropy, so a
  slow hash adds nothing against guessing, and a fast one lets every API call
  look the token up by an indexed equality instead of trying each hash.
- Throttling is per user name *and* address (`SignInThrottle`): after
  `FREE_FAILURES` failures in a row, each further try from that address for
  that name must wait a growing delay (`FIRST_DELAY`, doubling, at most
  `MAX_DELAY`). Why not a lock per user name or per address: anyone could then
  lock a user out (the right password refused too) or, behind a proxy, the
  whole office; a delay per pair slows only the guesser. The password is not
  checked while an attempt must wait, so waiting cannot be used as an oracle.
  The address is the peer, or the client named by a trusted proxy
  (`web.trusted_proxies`, none by default).
- Hashing is bounded: at most `MAX_CONCURRENT_HASHES` argon2 computations (64
  MiB each) run at once, so a burst of sign-ins cannot exhaust memory.
- Checked attempts (`LoginAttempt`) are kept for the audit period (网络安全法
  第二十一条: network logs at least six months).

Other commands (`yuqing user`, `yuqing demo`) use these functions as well.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
import threading

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from responders.models import AuditEntry

from ..tables import ApiToken, LoginAttempt, SignInThrottle, User, WebSession

logger = logging.getLogger(__name__)

__all__ = [
    "ROLES", "AccountError", "create_user", "hash_password", "set_password", "verify_password", "issue_token",
    "user_for_token", "revoke_token", "admit_attempt", "attempt_succeeded", "record_attempt", "authenticate",
    "SignIn", "FREE_FAILURES", "FIRST_DELAY", "MAX_DELAY", "FAILURES_FORGOTTEN_AFTER", "ATTEMPTS_KEPT",
    "MAX_CONCURRENT_HASHES", "TOKEN_PREFIX", "audit_account_change", "account_audit", "RESERVED_NAMES", "CLI_ACTOR", "start_session", "end_session",
    "session_user",
]

ROLES = ("officer", "supervisor", "admin")
TOKEN_PREFIX = "yq_"
FREE_FAILURES = 3
FIRST_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(minutes=15)
FAILURES_FORGOTTEN_AFTER = timedelta(hours=24)
ATTEMPTS_KEPT = timedelta(days=180)
MAX_CONCURRENT_HASHES = 2
MIN_PASSWORD_LENGTH = 8
# Names of automatic actors in the audit trail (responders' "system", the `yuqing user` commands' "cli"):
# a user of that name would be indistinguishable from them.
RESERVED_NAMES = frozenset({"system", "cli", "系统", "命令行"})
CLI_ACTOR = "cli"

_hasher = PasswordHasher()
_hashing = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


def _hash(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


# Verified against when the user name is unknown, so that both cases cost the same time.
_DUMMY_HASH = _hash("not a real password, only for constant-time refusals")


class AccountError(ValueError):
    """A user or token request that cannot be carried out; the message says why, in Chinese."""


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")


def create_user(session: Session, now: datetime, *, username: str, password: str, role: str,
                display_name: str | None = None, body_locality: str | None = None,
                body_sector: str | None = None) -> User:
    """Add a user and return it (not committed); raise `AccountError` for a bad name, role or password.

    `body_locality`/`body_sector` make a liaison account that sees only its own body's cases.
    """
    username = username.strip()
    if not username or len(username) > 100 or any(c.isspace() for c in username):
        raise AccountError("用户名不能为空、不能含空白字符，且不超过 100 个字符")
    if username.casefold() in RESERVED_NAMES:
        raise AccountError(f"用户名 {username} 为系统保留（用于标记自动操作），请换一个")
    if role not in ROLES:
        raise AccountError(f"角色必须是 {' / '.join(ROLES)} 之一")
    if body_sector and not body_locality:
        raise AccountError("限定部门时必须同时给出所在地区（body_locality）")
    _check_password(password)
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise AccountError(f"用户 {username} 已存在")
    user = User(username=username, password_hash=_hash(password), role=role,
                display_name=display_name or None, body_locality=body_locality or None,
                body_sector=body_sector or None, created_at=now)
    session.add(user)
    session.flush()
    logger.info("user %s created (role %s)", username, role)
    return user


def audit_account_change(session: Session, now: datetime, *, actor: str, action: str, detail: dict) -> None:
    """Write one case-less audit entry for a user or token change (the admin page and `yuqing user`)."""
    session.add(AuditEntry(case_id=None, at=now, actor=actor, action=action, detail=detail))


def account_audit(session: Session, *, limit: int = 200) -> list[AuditEntry]:
    """Return the latest case-less audit entries (user and token changes), newest first."""
    return list(session.exec(select(AuditEntry).where(AuditEntry.case_id.is_(None))
                             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))


def hash_password(password: str) -> str:
    """Return the argon2id hash of `password` (for bulk loads that insert `User` rows themselves)."""
    return _hash(password)


def set_password(session: Session, user: User, password: str) -> None:
    """Replace the user's password; every signed-in session of the user ends (see `session_fingerprint`)."""
    _check_password(password)
    user.password_hash = _hash(password)
    session.add(user)


def verify_password(user: User | None, password: str) -> bool:
    """Return True when `password` matches; costs one argon2 verification even for no user."""
    try:
        with _hashing:
            return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def session_fingerprint(user: User) -> str:
    """Return a short digest of the password hash, kept in the session cookie.

    Why: a password change (or reset by an admin) must end the sessions signed
    in with the old password; comparing this value on each request does that
    without a server-side session table.
    """
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, now: datetime, *, user: User, lifetime: timedelta) -> str:
    """Record a new browser session of `user` and return its id (for the cookie; only its hash is stored).

    Sessions that ended or expired more than a day ago are pruned.
    """
    sid = secrets.token_urlsafe(32)
    session.add(WebSession(id_hash=_token_hash(sid), user_id=user.id, created_at=now))
    session.execute(delete(WebSession).where(WebSession.created_at < now - lifetime - timedelta(days=1)))
    return sid


def session_user(session: Session, now: datetime, sid: object, *, lifetime: timedelta) -> User | None:
    """Return the enabled user of the live session `sid`, else None (ended, expired, unknown)."""
    if not isinstance(sid, str) or not sid or len(sid) > 100:
        return None
    row = session.get(WebSession, _token_hash(sid))
    if row is None or row.ended_at is not None or now - row.created_at > lifetime:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and not user.disabled else None


def end_session(session: Session, now: datetime, sid: object) -> None:
    """End the session `sid` for good (signing out): its cookie no longer signs anyone in."""
    if isinstance(sid, str) and sid:
        session.execute(update(WebSession).where(WebSession.id_hash == _token_hash(sid),
                                                 WebSession.ended_at.is_(None)).values(ended_at=now))


def issue_token(session: Session, now: datetime, *, user: User, name: str) -> tuple[ApiToken, str]:
    """Create an API token for `user`; return the row and the token text (shown once, never stored)."""
    if user.id is None:
        session.flush()
    name = (name or "").strip() or "api"
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name[:100], token_hash=_token_hash(token), created_at=now)
    session.add(row)
    session.flush()
    logger.info("API token %s (%s) issued for %s", row.id, row.name, user.username)
    return row, token


def user_for_token(session: Session, now: datetime, token: str) -> User | None:
    """Return the enabled user owning the unrevoked `token`, else None; note when it was last used.

    `last_used_at` is written at most once a minute per token, so that a busy
    API client does not turn every read into a write.
    """
    if not token or len(token) > 200:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        session.commit()
    return user


def revoke_token(session: Session, now: datetime, *, token_id: int) -> ApiToken:
    """Revoke a token for good; raise `AccountError` when there is no such token."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise AccountError("没有这个令牌")
    if row.revoked_at is None:
        row.revoked_at = now
        session.add(row)
    return row


def _delay_after(failures: int) -> timedelta:
    """Return how long to wait before the next try after `failures` failures in a row."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** (failures - FREE_FAILURES), MAX_DELAY)


def _throttle_row(session: Session, username: str, address: str) -> SignInThrottle:
    key = (SignInThrottle.username == username, SignInThrottle.address == address)
    row = session.exec(select(SignInThrottle).where(*key)).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(SignInThrottle(username=username, address=address))
        except IntegrityError:
            pass                      # a parallel attempt created it first
        row = session.exec(select(SignInThrottle).where(*key)).one()
    return row


def admit_attempt(session: Session, now: datetime, *, username: str, address: str) -> timedelta | None:
    """Count one attempt of this user name from this address before its password is checked.

    Return None when it may be checked, else how long it must wait. The check
    and the count are one compare-and-set UPDATE (the row's failure count must
    still be the one read), so parallel guesses cannot all pass one check: of a
    burst, at most `FREE_FAILURES` are checked. The attempt counts as a failure
    until `attempt_succeeded` clears it. Commits.
    """
    for _ in range(100):
        row = _throttle_row(session, username, address)
        if row.not_before is not None and row.not_before > now:
            session.commit()
            return row.not_before - now
        stale = row.last_failure_at is None or now - row.last_failure_at > FAILURES_FORGOTTEN_AFTER
        failures = 1 if stale else row.failures + 1
        done = session.execute(update(SignInThrottle).where(
            SignInThrottle.id == row.id, SignInThrottle.failures == row.failures,
            SignInThrottle.not_before.is_(None) if row.not_before is None else SignInThrottle.not_before == row.not_before,
        ).values(failures=failures, last_failure_at=now, not_before=now + _delay_after(failures)))
        session.commit()
        if done.rowcount == 1:
            return None
        session.expire_all()          # another attempt counted first: read again
    return FIRST_DELAY


def attempt_succeeded(session: Session, now: datetime, *, username: str, address: str) -> None:
    """Forget the failures of this user name from this address (after the right password).

    Also prunes the rows of every pair whose failures are forgotten anyway, so
    guesses at many made-up names do not grow the table for ever.
    """
    session.execute(update(SignInThrottle).where(
        SignInThrottle.username == username, SignInThrottle.address == address,
    ).values(failures=0, not_before=None))
    session.execute(delete(SignInThrottle).where(
        SignInThrottle.last_failure_at < now - FAILURES_FORGOTTEN_AFTER - MAX_DELAY))


def record_attempt(session: Session, now: datetime, *, username: str, address: str, ok: bool,
                   keep: timedelta = ATTEMPTS_KEPT) -> None:
    """Store one checked sign-in attempt; a success also prunes attempts older than `keep`."""
    session.add(LoginAttempt(username=username[:100], address=address[:100], at=now, ok=ok))
    if ok:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - keep))


@dataclass(frozen=True)
class SignIn:
    """The outcome of `authenticate`: a user, or why not (`locked_for` when throttled)."""

    user: User | None
    locked_for: timedelta | None = None


def authenticate(session: Session, now: datetime, *, username: str, password: str, address: str,
                 keep: timedelta = ATTEMPTS_KEPT) -> SignIn:
    """Check a sign-in, record the attempt and commit; return the user or the reason for refusal.

    `now` is real time (`Runtime.wall_now`): a drill's fast clock must not
    shorten the waits. Steps: 1. count the attempt of this user name from this
    address, refusing without checking the password while it must wait; 2.
    verify the password (constant cost for unknown names); 3. refuse disabled
    users like wrong passwords (no account enumeration); 4. rehash when argon2
    parameters changed.
    """
    username = (username or "").strip()[:100]
    address = (address or "unknown")[:100]
    wait = admit_attempt(session, now, username=username, address=address)
    if wait is not None:
        logger.warning("sign-in for %r from %s refused: must wait %ss", username, address,
                       max(1, int(wait.total_seconds())))
        return SignIn(None, wait)
    user = session.exec(select(User).where(User.username == username)).first()
    ok = verify_password(user, password or "") and not user.disabled
    record_attempt(session, now, username=username, address=address, ok=ok, keep=keep)
    if ok:
        attempt_succeeded(session, now, username=username, address=address)
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hash(password)
            session.add(user)
    session.commit()
    logger.info("sign-in for %r from %s: %s", username, address, "ok" if ok else "refused")
    return SignIn(user if ok else None)
