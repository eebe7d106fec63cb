"""Sign-in and sign-out pages (CONTRACT.md: `GET /login`, form fields `username`, `password`, `csrf_token`)."""

from __future__ import annotations

import ipaddress
import secrets
from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from .accounts import authenticate, end_session, session_fingerprint, start_session
from .cleantext import Line
from .deps import db, runtime_of
from .security import SESSION_SECONDS, check_csrf

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Return a local path to go to after sign-in; anything else (//evil, https://…) becomes '/'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request: Request) -> str:
    """Return the client address used for throttling: the peer, or the client a trusted proxy names.

    X-Forwarded-For is believed only from a peer in `web.trusted_proxies` (none
    by default): otherwise a guesser could pick a fresh "address" per attempt,
    or forge someone else's. The list is read from the right (the nearest hop);
    the first address that is not itself a trusted proxy is the client.
    """
    peer = request.client.host if request.client else "unknown"
    proxies = runtime_of(request).config.web.trusted_proxies
    peer_ip = _ip(peer)
    if not proxies or peer_ip is None or not any(peer_ip in net for net in proxies):
        return peer
    hops = [h for header in request.headers.getlist("x-forwarded-for") for h in header.split(",")]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            return peer           # a malformed entry: believe no further
        if not any(ip in net for net in proxies):
            return str(ip)
    return peer


def wait_text(wait: timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    return f"{seconds} 秒" if seconds < 120 else f"{(seconds + 59) // 60} 分钟"


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
    now = runtime.wall_now()        # real time even in a drill (sign-in waits are a security window)
    result = authenticate(session, now, username=username, password=password,
                          address=client_address(request), keep=timedelta(days=runtime.config.web.audit_days))
    if result.user is None:
        headers = None
        if result.locked_for is not None:
            error, status = f"尝试次数过多，请 {wait_text(result.locked_for)}后再试", 429
            headers = {"Retry-After": str(max(1, int(result.locked_for.total_seconds() + 0.999)))}
        else:
            error, status = "用户名或密码不正确", 401
        response = renderer.page(request, "login.html", {"user": None, "next": _safe_next(next), "error": error,
                                                         "username": username}, status_code=status)
        response.headers.update(headers or {})
        return response
    # A fresh session and CSRF token at sign-in: a token planted before sign-in is worthless after it.
    end_session(session, now, request.session.get("sid"))
    sid = start_session(session, now, user=result.user, lifetime=timedelta(seconds=SESSION_SECONDS))
    session.commit()
    request.session.clear()
    request.session.update({"uid": result.user.id, "fp": session_fingerprint(result.user), "sid": sid,
                            "csrf": secrets.token_urlsafe(32)})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, session: Session = Depends(db)):
    """Sign out: the session row ends, so a saved copy of the cookie signs nobody in any more."""
    end_session(session, runtime_of(request).wall_now(), request.session.get("sid"))
    session.commit()
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
