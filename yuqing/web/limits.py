"""Request bodies: capped before they are read, and refused unread when nobody is signed in.

- Size: `web.max_body_bytes` for every request, `web.max_push_bytes` for the
  push API (`POST /api/items`, documented in its OpenAPI description). A
  Content-Length over the cap is refused (413) before one byte is read; a body
  without a length is counted as it arrives and refused as soon as it passes
  the cap, so no request can make the daemon buffer more than the cap.
- Authentication first: an unsafe request to /api without a bearer token, or
  to a page (other than the sign-in form) without a signed-in session, is
  refused (401) without reading its body. Why here and not in the routes:
  FastAPI reads and parses a body before it runs a route's dependencies.
  The push API checks the token itself before it reads its body (`api.push_items`).
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit", "PUSH_PATH", "MAX_JSON_DEPTH", "json_depth", "parse_json_body"]

PUSH_PATH = "/api/items"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_OPEN_PAGES = {"/login"}        # forms that may be posted before signing in
MAX_JSON_DEPTH = 32             # a record is 2 deep; 800 deep made recursive code fail with a 500


def json_depth(value, limit: int = MAX_JSON_DEPTH) -> int:
    """Return how deeply `value` nests (0 for a scalar), counting at most to `limit + 1` (no recursion)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (list, dict)):
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            stack.extend((child, depth) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def parse_json_body(raw: bytes):
    """Return the decoded JSON body; 422 naming the body when it is not JSON or nests too deeply."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise HTTPException(422, f"请求体（body）不是有效的 JSON：{type(e).__name__}") from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise HTTPException(422, f"请求体（body）嵌套超过 {MAX_JSON_DEPTH} 层")
    return value


class BodyLimit:
    """Pure ASGI middleware (inside the session middleware, so the session is known)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_push_bytes: int):
        self.app = app
        self.max_bytes = max_bytes
        self.max_push_bytes = max_push_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in _UNSAFE:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        is_api = path == "/api" or path.startswith("/api/")
        # Only POST has routes; for PUT, PATCH and DELETE the router answers 405 without reading the body.
        if scope["method"] == "POST":
            if is_api and not headers.get(b"authorization", b"").lower().startswith(b"bearer "):
                await _answer(send, 401, "需要 API 令牌（Authorization: Bearer …）", {"www-authenticate": "Bearer"})
                return
            if not is_api and path not in _OPEN_PAGES and not (scope.get("session") or {}).get("uid"):
                await _answer(send, 401, "请先登录")
                return
        limit = self.max_push_bytes if path == PUSH_PATH else self.max_bytes
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _answer(send, 400, "Content-Length 无效")
                return
            if declared > limit:
                await _answer(send, 413, f"请求体过大（上限 {limit} 字节）")
                return
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, f"请求体过大（上限 {limit} 字节）")
            return message

        await self.app(scope, capped, send)


async def _answer(send: Send, status: int, detail: str, extra: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
