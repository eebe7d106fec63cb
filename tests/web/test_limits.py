"""Request bodies are capped before they are read, anonymous posts are refused unread, hashing is bounded."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from yuqing.web import accounts
from yuqing.web.limits import MAX_JSON_DEPTH

from .conftest import PASSWORD


def call(app, method: str, path: str, *, headers: dict[str, str], chunks: list[bytes]):
    """Call the ASGI app directly; return (status, how many body chunks the app asked for)."""
    asked, status = [0], []
    pending = list(chunks)

    async def receive():
        asked[0] += 1
        if pending:
            body = pending.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(pending)}
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "", "scheme": "http",
             "server": ("testserver", 80), "client": ("127.0.0.1", 5000),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(app(scope, receive, send))
    return status[0], asked[0]


def test_an_anonymous_push_is_refused_before_its_body_is_read(app):
    status, asked = call(app, "POST", "/api/items", headers={"content-type": "application/json"},
                         chunks=[b"[" + b"{}," * 1000] * 50 + [b"{}]"])
    assert status == 401 and asked == 0


def test_a_push_with_a_wrong_token_is_refused_before_its_body_is_read(app, users):
    status, asked = call(app, "POST", "/api/items", headers={"authorization": "Bearer yq_wrong",
                                                             "content-type": "application/json"},
                         chunks=[b"[" + b"{}," * 1000] * 50 + [b"{}]"])
    assert status == 401 and asked == 0


def test_an_anonymous_page_post_is_refused_before_its_body_is_read(app):
    status, asked = call(app, "POST", "/cases/1/ack", headers={"content-type": "application/x-www-form-urlencoded"},
                         chunks=[b"a=" + b"x" * 100_000] * 20)
    assert status == 401 and asked == 0


def test_a_declared_length_over_the_cap_is_413_unread(app, users, token_of, runtime):
    cap = runtime.config.web.max_push_bytes
    status, asked = call(app, "POST", "/api/items", headers={"authorization": f"Bearer {token_of('officer')}",
                                                             "content-length": str(cap + 1)}, chunks=[b"x"])
    assert status == 413 and asked == 0


def test_a_body_without_a_length_is_cut_off_at_the_cap(app, users, token_of, runtime):
    cap = runtime.config.web.max_push_bytes
    chunk = b" " * (1 << 20)
    n = cap // len(chunk) + 3
    status, asked = call(app, "POST", "/api/items", headers={"authorization": f"Bearer {token_of('officer')}"},
                         chunks=[chunk] * (n + 50))
    assert status == 413 and asked <= n


def test_a_signed_in_page_post_over_the_cap_is_413(app, users, browser, case_id, runtime):
    b = browser("officer")
    answer = b.post(f"/cases/{case_id}/ack", {"next": "x" * (runtime.config.web.max_body_bytes + 10)})
    assert answer.status_code == 413


def test_json_nested_too_deeply_is_422_naming_the_body(app, users, token_of):
    api = TestClient(app)
    body = "[" * 800 + "]" * 800
    answer = api.post("/api/items", content=body, headers={"Authorization": f"Bearer {token_of('officer')}",
                                                           "Content-Type": "application/json"})
    assert answer.status_code == 422 and "body" in answer.json()["detail"]
    assert str(MAX_JSON_DEPTH) in answer.json()["detail"]


def test_concurrent_sign_ins_hash_at_most_the_bound_at_once(app, users, monkeypatch):
    inside, most, lock = [0], [0], threading.Lock()

    class Counting(PasswordHasher):
        def verify(self, hash, password):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            try:
                return super().verify(hash, password)
            finally:
                with lock:
                    inside[0] -= 1

    monkeypatch.setattr(accounts, "_hasher", Counting())

    def sign_in(i):
        client = TestClient(app, client=(f"10.0.0.{i + 1}", 5000), follow_redirects=False)
        csrf = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        return client.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": csrf}).status_code

    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(sign_in, range(12)))
    assert codes == [303] * 12
    assert most[0] <= accounts.MAX_CONCURRENT_HASHES
