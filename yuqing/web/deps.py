"""FastAPI dependencies: the database session, the signed-in user of a page, the token user of /api."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from ..runtime import Runtime
from ..tables import User
from .accounts import session_fingerprint, session_user, user_for_token
from .security import SESSION_SECONDS
from .permissions import allowed

logger = logging.getLogger(__name__)

__all__ = ["runtime_of", "db", "LoginRequired", "page_user", "api_user", "require", "bearer"]


class LoginRequired(Exception):
    """Raised by `page_user` when nobody is signed in; the app answers with a redirect to /login."""


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def db(request: Request) -> Iterator[Session]:
    """Yield a session on the runtime's engine for one request."""
    with Session(runtime_of(request).engine) as session:
        yield session


def page_user(request: Request, session: Session = Depends(db)) -> User:
    """Return the signed-in user; raise `LoginRequired` without a valid, current session.

    The session row and the user row are read on every request, so signing
    out, disabling a user or changing their password ends the session at once.
    """
    uid = request.session.get("uid")
    if uid is not None:
        user = session_user(session, runtime_of(request).wall_now(), request.session.get("sid"),
                            lifetime=timedelta(seconds=SESSION_SECONDS))
        if user is not None and user.id == uid and request.session.get("fp") == session_fingerprint(user):
            return user
        request.session.clear()
    raise LoginRequired()


bearer = HTTPBearer(auto_error=False, description="API token issued by an admin (`yuqing user token NAME`)")


def api_user(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
             session: Session = Depends(db)) -> User:
    """Return the user of the bearer token; 401 without a valid token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "需要 API 令牌（Authorization: Bearer …）", headers={"WWW-Authenticate": "Bearer"})
    user = user_for_token(session, runtime_of(request).wall_now(), credentials.credentials)
    if user is None:
        raise HTTPException(401, "API 令牌无效或已吊销", headers={"WWW-Authenticate": "Bearer"})
    return user


def require(user: User, action: str) -> None:
    """Raise 403 unless `user` may perform `action`."""
    if not allowed(user, action):
        logger.warning("user %s (%s) refused action %s", user.username, user.role, action)
        raise HTTPException(403, "当前账号无权执行此操作")
