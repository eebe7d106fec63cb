"""Web security plumbing: the session secret, CSRF tokens and the security headers.

- Session: signed with `Runtime.secret_key()` (config, else generated once
  into the state directory) by Starlette's signed-cookie `SessionMiddleware` (itsdangerous HMAC),
  HttpOnly, SameSite=Lax, Secure when the deployment is served over https
  (`web.secure_cookies`, default: `web.base_url` starts with https). The cookie
  also names a `WebSession` row in the database (shared by both instances of a
  failover pair): signing out ends the row, so a saved copy of the cookie is
  worthless afterwards. Sessions end after `SESSION_SECONDS` (one long shift,
  real time), or at once when the password changes or the user is disabled
  (checked on every request).
- CSRF: a random token per session, embedded in every form as `csrf_token` and
  compared in constant time on every unsafe request of a page. SameSite=Lax
  already stops most cross-site posts; the token also covers same-site
  subdomains and old browsers. The JSON API uses bearer tokens, never cookies,
  so it needs no CSRF token.
- Headers: a strict Content-Security-Policy (no inline script or style, every
  asset from this origin), no framing, no MIME sniffing, no referrer (links to
  monitored sites must not reveal the internal address), no caching of pages.
"""

from __future__ import annotations

import hmac
import logging
import secrets

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Config

logger = logging.getLogger(__name__)

__all__ = ["SESSION_SECONDS", "secure_cookies", "csrf_token", "check_csrf",
           "SecurityHeaders", "CSP"]

SESSION_SECONDS = 12 * 3600

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def secure_cookies(config: Config) -> bool:
    """Return True when cookies must carry the Secure flag (served over https)."""
    if config.web.secure_cookies is not None:
        return config.web.secure_cookies
    return (config.web.base_url or "").lower().startswith("https://")


def csrf_token(request: Request) -> str:
    """Return the session's CSRF token, creating it on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse (403) an unsafe page request whose form lacks the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get("csrf")
    form = await request.form()
    sent = form.get("csrf_token")
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        logger.warning("CSRF check failed for %s %s", request.method, request.url.path)
        raise HTTPException(status_code=403, detail="表单已失效或来源不明（CSRF 校验失败），请刷新页面后重试")


class SecurityHeaders:
    """Add the security headers to every HTTP response (pure ASGI, so streaming is untouched)."""

    def __init__(self, app: ASGIApp, *, hsts: bool):
        self.app = app
        self.headers = [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if hsts:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.headers if k not in present]
                if not is_static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
