"""Real local receivers for the alert channels: loopback HTTP robots and an SMTP server.

`RobotServer` is one threaded HTTP/1.1 server on 127.0.0.1 that implements, per
path, the request checks and answers the services document:

- ``/wecom/send?key=K``: unknown key -> errcode 93000; msgtype text|markdown with a
  non-empty content under 2048/4096 bytes (else 44004/45002); more than `limit`
  messages in any window -> 45009.
- ``/dingtalk/send?access_token=T&timestamp=MS&sign=S``: unknown token -> 300001;
  timestamp more than an hour off or a wrong 加签 -> 310000; a configured keyword
  missing -> 310000; msgtype markdown needs title and text; too fast -> 130101.
- ``/feishu/hook/H``: unknown hook -> 19001; signature or timestamp wrong -> 19021;
  body over 20 KB -> 9499; interactive cards need header and elements; 5 per
  second or 100 per window -> 11232.
- ``/webhook``: HMAC-SHA256 header ``t=..,v1=..`` over "t." + body, five-minute
  window; a bad signature -> HTTP 401.

Every answer is HTTP 200 with the error code in the JSON body, as the robots do.
Windows are parameters so the benchmark can scale a minute down; every arrival is
recorded with its monotonic time so tests can check any sliding window.
`SmtpSink` is an aiosmtpd Controller on 127.0.0.1 that keeps every envelope.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    kind: str
    path: str
    query: dict
    headers: dict
    body: bytes
    json: dict | None
    at: float                      # time.monotonic() on arrival
    answer: dict | None = None
    wall: float = 0.0              # time.time() on arrival (latency from a due time)


@dataclass
class RobotSettings:
    wecom_key: str = "wecom-key"
    dingtalk_token: str = "ding-token"
    dingtalk_secret: str = "SECding-secret"
    dingtalk_keyword: str | None = None
    feishu_hook: str = "feishu-hook"
    feishu_secret: str = "feishu-secret"
    webhook_secret: str = "webhook-secret"
    per_minute: int = 20               # WeCom and DingTalk
    feishu_per_second: int = 5
    feishu_per_minute: int = 100
    minute: float = 60.0               # the window lengths (scaled down in the benchmark)
    second: float = 1.0
    timestamp_window: float = 3600.0


class _Window:
    """Arrival times in a sliding window; `admit` says whether one more fits."""

    def __init__(self):
        self.times: deque[float] = deque()
        self.lock = threading.Lock()

    def admit(self, now: float, limit: int, window: float) -> bool:
        with self.lock:
            while self.times and self.times[0] <= now - window:
                self.times.popleft()
            if len(self.times) >= limit:
                return False
            self.times.append(now)
            return True


@dataclass
class RobotServer:
    settings: RobotSettings = field(default_factory=RobotSettings)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    scripted: dict[str, deque] = field(default_factory=dict)    # kind -> answers to give next
    enforce_limits: bool = True

    def __post_init__(self):
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        self.windows = {k: _Window() for k in ("wecom", "dingtalk", "feishu_s", "feishu_m")}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in one segment: with Nagle on and the client's delayed ACK,
            # a second small write waits ~40 ms per request.
            disable_nagle_algorithm = True
            wbufsize = -1

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, answer = outer.handle(self.path, dict(self.headers.items()), raw)
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            request_queue_size = 256     # the benchmark opens many connections at once

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RobotServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def script(self, kind: str, *answers) -> None:
        """Make the next requests of `kind` get these answers (after the request checks pass)."""
        self.scripted.setdefault(kind, deque()).extend(answers)

    def of(self, kind: str, ok_only: bool = True) -> list[Received]:
        with self.lock:
            items = [r for r in self.received if r.kind == kind]
        if ok_only:
            items = [r for r in items if r.answer in ({"errcode": 0, "errmsg": "ok"}, {"code": 0, "msg": "success", "data": {}}, {"ok": True})]
        return items

    # -- dispatch --------------------------------------------------------------
    def handle(self, path: str, headers: dict, raw: bytes) -> tuple[int, dict]:
        now = time.monotonic()
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            body = None
        kind = parts.path.strip("/").split("/")[0]
        record = Received(kind, parts.path, query, headers, raw, body, now, wall=time.time())
        with self.lock:
            self.received.append(record)
        self.arrived.set()
        if self.delay:
            time.sleep(self.delay)
        handler = {"wecom": self._wecom, "dingtalk": self._dingtalk, "feishu": self._feishu, "webhook": self._webhook}.get(kind)
        status, answer = (404, {"error": "no such robot"}) if handler is None else handler(parts.path, query, headers, raw, body, now)
        record.answer = answer
        return status, answer

    def _scripted(self, kind: str) -> dict | None:
        queue = self.scripted.get(kind)
        with self.lock:
            return queue.popleft() if queue else None

    def _wecom(self, path, query, headers, raw, body, now):
        s = self.settings
        if query.get("key") != s.wecom_key:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [wecom]"}
        if not isinstance(body, dict) or body.get("msgtype") not in ("text", "markdown"):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        content = (body.get(body["msgtype"]) or {}).get("content")
        if not content:
            return 200, {"errcode": 44004, "errmsg": "empty content"}
        if len(content.encode("utf-8")) > (2048 if body["msgtype"] == "text" else 4096):
            return 200, {"errcode": 45002, "errmsg": "content exceed max length"}
        if self.enforce_limits and not self.windows["wecom"].admit(now, s.per_minute, s.minute):
            return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
        return 200, self._scripted("wecom") or {"errcode": 0, "errmsg": "ok"}

    def _dingtalk(self, path, query, headers, raw, body, now):
        s = self.settings
        if query.get("access_token") != s.dingtalk_token:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        try:
            ts = int(query.get("timestamp", ""))
        except ValueError:
            return 200, {"errcode": 310000, "errmsg": "sign not match, more: [timestamp missing]"}
        if abs(time.time() * 1000 - ts) > s.timestamp_window * 1000:
            return 200, {"errcode": 310000, "errmsg": "invalid timestamp"}
        expected = base64.b64encode(hmac.new(s.dingtalk_secret.encode(), f"{ts}\n{s.dingtalk_secret}".encode(),
                                             hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(query.get("sign", ""), expected):
            return 200, {"errcode": 310000, "errmsg": "sign not match"}
        if not isinstance(body, dict) or body.get("msgtype") != "markdown":
            return 200, {"errcode": 40035, "errmsg": "缺少参数 msgtype"}
        md = body.get("markdown") or {}
        if not md.get("title") or not md.get("text"):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 markdown.title/text"}
        if s.dingtalk_keyword and s.dingtalk_keyword not in md["text"] + md["title"]:
            return 200, {"errcode": 310000, "errmsg": "keywords not in content"}
        if self.enforce_limits and not self.windows["dingtalk"].admit(now, s.per_minute, s.minute):
            return 200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
        return 200, self._scripted("dingtalk") or {"errcode": 0, "errmsg": "ok"}

    def _feishu(self, path, query, headers, raw, body, now):
        s = self.settings
        if unquote(path.rsplit("/", 1)[-1]) != s.feishu_hook:
            return 200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid", "data": {}}
        if len(raw) > 20 * 1024:
            return 200, {"code": 9499, "msg": "Bad Request: body too large", "data": {}}
        if not isinstance(body, dict):
            return 200, {"code": 9499, "msg": "Bad Request", "data": {}}
        try:
            ts = int(body.get("timestamp", ""))
        except ValueError:
            return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time", "data": {}}
        key = f"{ts}\n{s.feishu_secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if abs(time.time() - ts) > s.timestamp_window or not hmac.compare_digest(str(body.get("sign", "")), expected):
            return 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time", "data": {}}
        card = body.get("card")
        if body.get("msg_type") != "interactive" or not isinstance(card, dict) or not card.get("elements") or not card.get("header"):
            return 200, {"code": 9499, "msg": "Bad Request: card", "data": {}}
        if self.enforce_limits and not (self.windows["feishu_s"].admit(now, s.feishu_per_second, s.second)
                                        and self.windows["feishu_m"].admit(now, s.feishu_per_minute, s.minute)):
            return 200, {"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]", "data": {}}
        return 200, self._scripted("feishu") or {"code": 0, "msg": "success", "data": {}}

    def _webhook(self, path, query, headers, raw, body, now):
        s = self.settings
        header = {k.lower(): v for k, v in headers.items()}.get("x-yuqing-signature", "")
        fields = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            ts = int(fields.get("t", ""))
        except ValueError:
            return 401, {"error": "missing signature"}
        expected = hmac.new(s.webhook_secret.encode(), str(ts).encode() + b"." + raw, hashlib.sha256).hexdigest()
        if abs(time.time() - ts) > 300 or not hmac.compare_digest(fields.get("v1", ""), expected):
            return 401, {"error": "bad signature"}
        scripted = self._scripted("webhook")
        if scripted is not None:
            return scripted.pop("_status", 200), scripted
        return 200, {"ok": True}


def max_in_window(times: list[float], window: float) -> int:
    """Return the largest number of `times` inside any window of length `window` (sliding)."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


class _Recorder:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        answer = self.sink.scripted.pop(0) if self.sink.scripted else None
        if answer:
            return answer
        self.sink.messages.append({
            "from": envelope.mail_from, "to": list(envelope.rcpt_tos),
            "message": message_from_bytes(envelope.original_content or envelope.content, policy=policy.default),
            "auth": getattr(session, "auth_data", None), "tls": session.ssl is not None,
        })
        return "250 OK queued"


class SmtpSink:
    """aiosmtpd on 127.0.0.1; `messages` holds every accepted message, parsed."""

    def __init__(self, *, tls_context=None, implicit_tls=False, require_auth=False, login=("robot", "s3cret")):
        self.messages: list[dict] = []
        self.scripted: list[str] = []
        self.port = free_port()
        self.login = login

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and (auth_data.login.decode(), auth_data.password.decode()) == login
            return AuthResult(success=ok, handled=False)

        kwargs = dict(hostname="127.0.0.1", port=self.port, authenticator=authenticate, auth_required=require_auth)
        if implicit_tls:
            kwargs["ssl_context"] = tls_context
            kwargs["auth_require_tls"] = False
        else:
            kwargs["auth_require_tls"] = tls_context is not None
            if tls_context is not None:
                kwargs["tls_context"] = tls_context
                kwargs["require_starttls"] = True
        self.controller = Controller(_Recorder(self), **kwargs)

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
