"""Local receivers that stand in for the mail server and the IM robots during the demo and drills.

Each sink checks a request the way the real service does and answers in the
service's own words (DEPENDENCIES.md "IM robots"), so the alert channels run their
real code paths, signatures and error handling included:

| sink      | path                                   | checks                                       | answers                     |
|-----------|----------------------------------------|----------------------------------------------|-----------------------------|
| email     | SMTP on its own port                   | none (accepts every recipient)               | 250                         |
| wecom     | POST /cgi-bin/webhook/send?key=K       | key known, msgtype, content not empty        | errcode 0 / 93000 / 40008   |
| dingtalk  | POST /robot/send?access_token=T&timestamp=&sign= | token known, 加签 within one hour    | errcode 0 / 300001 / 310000 |
| feishu    | POST /open-apis/bot/v2/hook/{hook}     | hook known, sign within one hour, <= 20 KB   | code 0 / 19001 / 19021      |
| webhook   | POST /webhook[/...]                    | ``t=..,v1=..`` HMAC when a secret is set     | 200 {"ok": true} / 401      |

Accepted messages go to the `Outbox`; rejected ones are logged and not recorded,
as a real receiver would not have delivered them.
"""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .outbox import Outbox

__all__ = ["RobotAccounts", "SmtpSink", "robot_routes", "dingtalk_sign", "feishu_sign", "webhook_signature_ok",
           "SIGN_WINDOW"]

logger = logging.getLogger(__name__)

SIGN_WINDOW = 3600          # seconds: DingTalk and Feishu refuse timestamps more than one hour off
FEISHU_MAX_BODY = 20 * 1024
WEBHOOK_WINDOW = 300        # seconds: the generic webhook refuses stale signatures (replays)


@dataclass
class RobotAccounts:
    """The robots this sink impersonates: receiver name by key/token/hook, and their signing secrets."""

    wecom: dict[str, str] = field(default_factory=dict)                     # key -> name
    dingtalk: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # access_token -> (name, secret)
    feishu: dict[str, tuple[str, str | None]] = field(default_factory=dict)    # hook -> (name, secret)
    webhook_secret: str | None = None
    webhook_header: str = "X-Yuqing-Signature"


def dingtalk_sign(secret: str, timestamp_ms: int | str) -> str:
    """Return the DingTalk 加签 value: base64(HMAC-SHA256(secret, f"{ts}\\n{secret}")) (not URL-encoded)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int | str) -> str:
    """Return the Feishu signature: base64(HMAC-SHA256(key=f"{ts}\\n{secret}", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _hint(request: Request, name: str) -> str | None:
    """Return one of the senders' tracking headers (``X-Yuqing-Case-Id``, ``X-Yuqing-Kind``)."""
    return request.headers.get(f"x-yuqing-{name}")


def webhook_signature_ok(secret: str, header: str, raw: bytes, now: float, *, window: float = WEBHOOK_WINDOW) -> bool:
    """Return True when `header` is ``t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`` within `window`."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    ts, given = parts.get("t", "").strip(), parts.get("v1", "").strip()
    if not ts.isdigit() or abs(now - int(ts)) > window:
        return False
    expected = hmac.new(secret.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given, expected)


async def _json(request: Request) -> tuple[Any, bytes]:
    raw = await request.body()
    try:
        return json.loads(raw.decode("utf-8")), raw
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, raw


def _texts(node: Any, *, skip: tuple[str, ...] = ()) -> list[str]:
    """Return every "content"/"text" string and "url" of a card, depth first (Feishu cards, DingTalk actionCards)."""
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in skip:
                continue
            if key in ("content", "text", "url") and isinstance(value, str):
                out.append(value)
            else:
                out.extend(_texts(value))
    elif isinstance(node, list):
        for value in node:
            out.extend(_texts(value))
    return out


def robot_routes(outbox: Outbox, accounts: RobotAccounts, *, wall: Callable[[], float] = time.time) -> list[Route]:
    """Return the Starlette routes of the four HTTP sinks.

    `wall` gives real Unix seconds for signature windows: robots check signatures
    against real time even when the drill's clocks run faster.
    """

    async def wecom(request: Request) -> JSONResponse:
        key = request.query_params.get("key", "")
        if key not in accounts.wecom:
            return JSONResponse({"errcode": 93000, "errmsg": "invalid webhook url, hint: key not found"})
        data, _ = await _json(request)
        msgtype = data.get("msgtype") if isinstance(data, dict) else None
        part = data.get(msgtype) if msgtype in ("text", "markdown") else None
        if not isinstance(part, dict):
            return JSONResponse({"errcode": 40008, "errmsg": "invalid message type"})
        content = part.get("content")
        if not isinstance(content, str) or not content.strip():
            return JSONResponse({"errcode": 44004, "errmsg": "empty content"})
        mentions = [f"@{m}" for m in (part.get("mentioned_mobile_list") or []) + (part.get("mentioned_list") or [])]
        outbox.record(channel="wecom", to=[f"企业微信群机器人 {accounts.wecom[key]}", *mentions],
                      subject=None, body=content, receiver=accounts.wecom[key],
                      case_hint=_hint(request, "case-id"), kind_hint=_hint(request, "kind"))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def dingtalk(request: Request) -> JSONResponse:
        params = request.query_params
        account = accounts.dingtalk.get(params.get("access_token", ""))
        if account is None:
            return JSONResponse({"errcode": 300001, "errmsg": "token is not exist"})
        name, secret = account
        if secret:
            ts = params.get("timestamp", "")
            ok = ts.isdigit() and abs(wall() * 1000 - int(ts)) <= SIGN_WINDOW * 1000 and hmac.compare_digest(
                params.get("sign", ""), dingtalk_sign(secret, ts))
            if not ok:
                return JSONResponse({"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/]"})
        data, _ = await _json(request)
        msgtype = data.get("msgtype") if isinstance(data, dict) else None
        part = data.get(msgtype) if isinstance(data, dict) else None
        if msgtype not in ("text", "markdown", "actionCard", "link") or not isinstance(part, dict):
            return JSONResponse({"errcode": 40035, "errmsg": "缺少参数 msgtype 或消息内容"})
        subject = part.get("title") if msgtype != "text" else None
        body = part.get("content") if msgtype == "text" else "\n".join(_texts(part, skip=("title",)))
        at = data.get("at") or {}
        mentions = [f"@{m}" for m in (at.get("atMobiles") or []) + (at.get("atUserIds") or [])]
        if at.get("isAtAll"):
            mentions.append("@所有人")
        outbox.record(channel="dingtalk", to=[f"钉钉群机器人 {name}", *mentions], subject=subject, body=body or "",
                      receiver=name, case_hint=_hint(request, "case-id"), kind_hint=_hint(request, "kind"))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def feishu(request: Request) -> JSONResponse:
        account = accounts.feishu.get(request.path_params["hook"])
        if account is None:
            return JSONResponse({"code": 19001, "msg": "param invalid: incoming webhook access token invalid"})
        data, raw = await _json(request)
        if len(raw) > FEISHU_MAX_BODY:
            return JSONResponse({"code": 9499, "msg": "request body too large, limit 20KB"})
        if not isinstance(data, dict):
            return JSONResponse({"code": 9499, "msg": "Bad Request"})
        name, secret = account
        if secret:
            ts = str(data.get("timestamp", ""))
            ok = ts.isdigit() and abs(wall() - int(ts)) <= SIGN_WINDOW and hmac.compare_digest(
                str(data.get("sign", "")), feishu_sign(secret, ts))
            if not ok:
                return JSONResponse({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"})
        msg_type = data.get("msg_type")
        subject, body = None, ""
        if msg_type == "interactive":
            card = data.get("card") or {}
            header = card.get("header") or {}
            subject = ((header.get("title") or {}).get("content")) or None
            body = "\n".join(_texts({k: v for k, v in card.items() if k != "header"}))
        elif msg_type == "text":
            body = str((data.get("content") or {}).get("text", ""))
        elif msg_type == "post":
            post = (data.get("content") or {}).get("post") or {}
            lang = post.get("zh_cn") or next(iter(post.values()), {})
            subject = lang.get("title")
            body = "\n".join(_texts(lang.get("content") or []))
        else:
            return JSONResponse({"code": 9499, "msg": f"Bad Request: unknown msg_type {msg_type!r}"})
        if not body.strip():
            return JSONResponse({"code": 9499, "msg": "Bad Request: empty content"})
        outbox.record(channel="feishu", to=[f"飞书群机器人 {name}"], subject=subject, body=body, receiver=name,
                      case_hint=_hint(request, "case-id"), kind_hint=_hint(request, "kind"))
        return JSONResponse({"code": 0, "msg": "success", "data": {}})

    async def webhook(request: Request) -> JSONResponse:
        data, raw = await _json(request)
        if accounts.webhook_secret:
            given = request.headers.get(accounts.webhook_header, "")
            if not webhook_signature_ok(accounts.webhook_secret, given, raw, wall()):
                return JSONResponse({"ok": False, "error": "bad signature"}, status_code=401)
        if not isinstance(data, dict):
            return JSONResponse({"ok": False, "error": "the body is not a JSON object"}, status_code=400)
        subject = data.get("subject") or data.get("title")
        body = data.get("body") or data.get("text") or json.dumps(data, ensure_ascii=False)
        to = data.get("to") or data.get("recipients") or []
        to = [str(t.get("name", t)) if isinstance(t, dict) else str(t) for t in (to if isinstance(to, list) else [to])]
        case = data.get("case_id")
        outbox.record(channel="webhook", to=to or [f"Webhook {request.url.path}"], subject=subject, body=str(body),
                      receiver=request.url.path, case_hint=_hint(request, "case-id") or (str(case) if case is not None else None),
                      kind_hint=_hint(request, "kind") or data.get("kind"),
                      drill=data.get("drill") if isinstance(data.get("drill"), bool) else None)
        return JSONResponse({"ok": True})

    return [
        Route("/cgi-bin/webhook/send", wecom, methods=["POST"]),
        Route("/robot/send", dingtalk, methods=["POST"]),
        Route("/open-apis/bot/v2/hook/{hook}", feishu, methods=["POST"]),
        Route("/webhook", webhook, methods=["POST"]),
        Route("/webhook/{rest:path}", webhook, methods=["POST"]),
    ]


class SmtpSink:
    """aiosmtpd handler: record each accepted mail (subject, plain-text body, envelope recipients)."""

    def __init__(self, outbox: Outbox):
        self.outbox = outbox

    async def handle_DATA(self, server, session, envelope) -> str:
        try:
            message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            part = message.get_body(preferencelist=("plain", "html"))
            body = part.get_content() if part is not None else ""
            subject = str(message.get("subject", "")) or None
        except Exception as e:  # noqa: BLE001 - a broken mail must not break the sink
            logger.warning("demo mail sink: unreadable message from %s: %s", envelope.mail_from, e)
            return "550 unreadable message"
        self.outbox.record(channel="email", to=list(envelope.rcpt_tos), subject=subject, body=body,
                           receiver="smtp", case_hint=message.get("X-Yuqing-Case-Id"),
                           kind_hint=message.get("X-Yuqing-Kind"))
        return "250 OK"
