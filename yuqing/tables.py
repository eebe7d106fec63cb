"""Tables of the composition root: web users and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from monitor.timestamps import UTCDateTime
from responders.models import Lease

__all__ = ["User", "ApiToken", "LoginAttempt", "SignInThrottle", "WebSession", "Lease"]


class User(SQLModel, table=True):
    """A web UI user; `body_*` limits a liaison account to its own body's cases."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=20)                 # officer | supervisor | admin
    display_name: str | None = Field(default=None, max_length=200)
    body_locality: str | None = Field(default=None, max_length=200)
    body_sector: str | None = Field(default=None, max_length=50)
    disabled: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A bearer token for /api; only its SHA-256 is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """One checked sign-in attempt, kept for the audit period (`accounts.ATTEMPTS_KEPT`)."""

    __table_args__ = (
        Index("ix_loginattempt_username_at", "username", "at"),
        Index("ix_loginattempt_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100)
    address: str = Field(max_length=100)
    at: datetime = Field(sa_type=UTCDateTime)
    ok: bool = False


class SignInThrottle(SQLModel, table=True):
    """The failure count of one user name from one address and when it may try again.

    One row per (user name, address): an attacker's guesses slow only their own
    further guesses; the same user signing in from elsewhere is not affected.
    """

    __table_args__ = (UniqueConstraint("username", "address", name="uq_signinthrottle_username_address"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100)
    address: str = Field(max_length=100)
    failures: int = 0
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A signed-in browser session; the cookie holds the id whose SHA-256 is `id_hash`.

    Why a row as well as the signed cookie: signing out (or an admin ending a
    session) must make a saved copy of the cookie worthless at once.
    """

    id_hash: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
