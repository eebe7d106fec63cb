"""Sign-in and sign-out pages (CONTRACT.md: `GET /login`, form fields `username`, `password`, `csrf_token`)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from .accounts import authenticate, session_fingerprint
from .cleantext import Line
from .deps import db, runtime_of
from .security import check_csrf

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Return a local path to go to after sign-in; anything else (//evil, https://…) becomes '/'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def client_address(request: Request) -> str:
    """Return the peer address used for throttling.

    Why not X-Forwarded-For: the daemon listens on loopback behind the office's
    reverse proxy or not at all; trusting a client-supplied header would let a
    guesser pick a fresh "address" per attempt. The per-user limit holds anyway.
    """
    return request.client.host if request.client else "unknown"


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    renderer = request.app.state.renderer
    if request.session.get("uid"):
        return RedirectResponse(_safe_next(next), status_code=303)
    return renderer.page(request, "login.html", {"user": None, "next": _safe_next(next), "error": None, "username": ""})


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(request: Request, username: Line = "", password: Line = "",
          next: Line = "/", session: Session = Depends(db)):
    runtime = runtime_of(request)
    renderer = request.app.state.renderer
    result = authenticate(session, runtime.clock.now(), username=username, password=password,
                          address=client_address(request))
    if result.user is None:
        if result.locked_for is not None:
            minutes = max(1, int(result.locked_for.total_seconds() // 60) + 1)
            error, status = f"尝试次数过多，请 {minutes} 分钟后再试", 429
        else:
            error, status = "用户名或密码不正确", 401
        return renderer.page(request, "login.html", {"user": None, "next": _safe_next(next), "error": error,
                                                     "username": username}, status_code=status)
    # A fresh session and CSRF token at sign-in: a token planted before sign-in is worthless after it.
    request.session.clear()
    request.session.update({"uid": result.user.id, "fp": session_fingerprint(result.user),
                            "csrf": secrets.token_urlsafe(32)})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request):
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
