"""Tables of the composition root: web users and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from monitor.timestamps import UTCDateTime
from responders.models import Lease

__all__ = ["User", "ApiToken", "LoginAttempt", "Lease"]


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
    """One sign-in attempt, kept to throttle password guessing per user name and per address."""

    __table_args__ = (
        Index("ix_loginattempt_username_at", "username", "at"),
        Index("ix_loginattempt_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100)
    address: str = Field(max_length=100)
    at: datetime = Field(sa_type=UTCDateTime)
    ok: bool = False
