"""Web users, API tokens and sign-in throttling: the account rules in one place.

- Passwords are stored as argon2id hashes (argon2-cffi defaults, RFC 9106 "second
  recommended" parameters); a hash made with older parameters is upgraded at the
  next successful sign-in.
- API tokens are random 256-bit strings shown once; only their SHA-256 is stored.
  Why SHA-256 and not argon2 for tokens: a token has 256 bits of entropy, so a
  slow hash adds nothing against guessing, and a fast one lets every API call
  look the token up by an indexed equality instead of trying each hash.
- Throttling: failed sign-ins are rows (`LoginAttempt`); more than
  `MAX_FAILURES_PER_USER` failures for a user name, or `MAX_FAILURES_PER_ADDRESS`
  from one address, within `THROTTLE_WINDOW` lock further attempts until the
  window has passed. The password is not even checked while locked, so a locked
  account cannot be used as an oracle.

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
from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from ..tables import ApiToken, LoginAttempt, User

logger = logging.getLogger(__name__)

__all__ = [
    "ROLES", "AccountError", "create_user", "hash_password", "set_password", "verify_password", "issue_token",
    "user_for_token", "revoke_token", "throttle_wait", "record_attempt", "authenticate", "SignIn",
    "THROTTLE_WINDOW", "MAX_FAILURES_PER_USER", "MAX_FAILURES_PER_ADDRESS", "TOKEN_PREFIX",
]

ROLES = ("officer", "supervisor", "admin")
TOKEN_PREFIX = "yq_"
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so that both cases cost the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for constant-time refusals")


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
    if role not in ROLES:
        raise AccountError(f"角色必须是 {' / '.join(ROLES)} 之一")
    if body_sector and not body_locality:
        raise AccountError("限定部门时必须同时给出所在地区（body_locality）")
    _check_password(password)
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise AccountError(f"用户 {username} 已存在")
    user = User(username=username, password_hash=_hasher.hash(password), role=role,
                display_name=display_name or None, body_locality=body_locality or None,
                body_sector=body_sector or None, created_at=now)
    session.add(user)
    session.flush()
    logger.info("user %s created (role %s)", username, role)
    return user


def hash_password(password: str) -> str:
    """Return the argon2id hash of `password` (for bulk loads that insert `User` rows themselves)."""
    return _hasher.hash(password)


def set_password(session: Session, user: User, password: str) -> None:
    """Replace the user's password; every signed-in session of the user ends (see `session_fingerprint`)."""
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    session.add(user)


def verify_password(user: User | None, password: str) -> bool:
    """Return True when `password` matches; costs one argon2 verification even for no user."""
    try:
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


def throttle_wait(session: Session, now: datetime, *, username: str, address: str) -> timedelta | None:
    """Return how long sign-in is locked for this user name or address, or None when it is not."""
    since = now - THROTTLE_WINDOW
    last_ok = session.exec(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.ok.is_(True))).first()
    user_since = max(since, last_ok) if last_ok else since
    waits = []
    for column, value, since_at, limit in (
        (LoginAttempt.username, username, user_since, MAX_FAILURES_PER_USER),
        (LoginAttempt.address, address, since, MAX_FAILURES_PER_ADDRESS),
    ):
        rows = session.exec(select(LoginAttempt.at).where(
            column == value, LoginAttempt.ok.is_(False), LoginAttempt.at > since_at,
        ).order_by(LoginAttempt.at.desc()).limit(limit)).all()
        if len(rows) >= limit:
            # Locked until the oldest of the last `limit` failures leaves the window.
            waits.append(rows[-1] + THROTTLE_WINDOW - now)
    return max(waits) if waits else None


def record_attempt(session: Session, now: datetime, *, username: str, address: str, ok: bool) -> None:
    """Store one sign-in attempt; a success also prunes attempts older than a day."""
    session.add(LoginAttempt(username=username[:100], address=address[:100], at=now, ok=ok))
    if ok:
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=1)))


@dataclass(frozen=True)
class SignIn:
    """The outcome of `authenticate`: a user, or why not (`locked_for` when throttled)."""

    user: User | None
    locked_for: timedelta | None = None


def authenticate(session: Session, now: datetime, *, username: str, password: str, address: str) -> SignIn:
    """Check a sign-in, record the attempt and commit; return the user or the reason for refusal.

    Steps: 1. refuse without checking the password while the user name or the
    address is throttled; 2. verify the password (constant cost for unknown
    names); 3. refuse disabled users like wrong passwords (no account
    enumeration); 4. rehash when argon2 parameters changed.
    """
    username = (username or "").strip()[:100]
    wait = throttle_wait(session, now, username=username, address=address)
    if wait is not None:
        logger.warning("sign-in for %r from %s refused: throttled for %ss", username, address, int(wait.total_seconds()))
        return SignIn(None, wait)
    user = session.exec(select(User).where(User.username == username)).first()
    ok = verify_password(user, password or "") and not user.disabled
    record_attempt(session, now, username=username, address=address, ok=ok)
    if ok and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.add(user)
    session.commit()
    logger.info("sign-in for %r from %s: %s", username, address, "ok" if ok else "refused")
    return SignIn(user if ok else None)
