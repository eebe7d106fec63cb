"""DingTalk (钉钉) custom robot, signed form (加签).

Posts to ``{url}?access_token=...&timestamp=...&sign=...`` where ``timestamp`` is
milliseconds and ``sign = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")))``;
DingTalk refuses a timestamp more than an hour off. Messages are ``markdown``; people
are @-mentioned by mobile number (``at.atMobiles``, with ``@mobile`` written into the
text as DingTalk requires) or by DingTalk user id (``at.atUserIds``).

Answers are HTTP 200 with ``errcode``: 0 ok; 310000 (signature, keyword or IP refused),
300001 and 300005 (no such robot), 400013/40035 (bad body) are permanent; 130101 (too
fast: more than 20 a minute, then throttled for 10 minutes), -1 (busy) and codes not
listed are transient.

Config keys: ``access_token`` and ``secret`` (secrets), ``keyword`` (added to a message
that lacks it when the robot uses the keyword check), ``url``, ``mentions``. Example::

    [[channels]]
    name = "太谷应急群"
    kind = "dingtalk"
    access_token = { env = "DINGTALK_TOKEN" }
    secret = { env = "DINGTALK_SECRET" }
    bodies = ["山西省晋中市太谷区/emergency"]
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from ._base import HttpChannel, Message, tracking_headers
from ._limits import fit_bytes

__all__ = ["Dingtalk", "dingtalk_sign", "PERMANENT_CODES"]

PERMANENT_CODES = {310000, 300001, 300005, 400013, 40035}
TEXT_LIMIT = 18000          # bytes; DingTalk's markdown limit is about 20,000


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """Return the 加签 signature (base64, not yet URL-encoded: httpx encodes query params)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class Dingtalk(HttpChannel):
    kind = "dingtalk"
    flavour = "markdown"

    def payload(self, message: Message) -> dict:
        m = message.mentions if self.config.mentions else None
        tail = ""
        if m and (m.mobiles or m.dingtalk):
            tail = "\n\n" + " ".join([f"@{x}" for x in m.mobiles] + [f"@{x}" for x in m.dingtalk])
        text = message.body
        keyword = self.config.keyword
        if keyword and keyword not in text and keyword not in message.subject:
            text = f"{keyword}\n\n{text}"
        body = {"msgtype": "markdown",
                "markdown": {"title": message.subject[:60] or keyword or "舆情提醒", "text": fit_bytes(text, TEXT_LIMIT, tail=tail)}}
        if m:
            body["at"] = {"atMobiles": list(m.mobiles), "atUserIds": list(m.dingtalk), "isAtAll": False}
        return body

    def query(self) -> dict[str, str]:
        params = {"access_token": self.config.access_token.get_secret_value()}
        if self.config.secret is not None:
            ts = int(self.wall() * 1000)
            params["timestamp"] = str(ts)
            params["sign"] = dingtalk_sign(ts, self.config.secret.get_secret_value())
        return params

    async def send(self, message: Message) -> str:
        response = await self.post(self.config.url, json_body=self.payload(message), params=self.query(),
                                   headers=tracking_headers(message))
        # 130101: more than 20 a minute; DingTalk then throttles the robot for 10 minutes.
        return self.judge_answer(response, code_keys=("errcode",), message_keys=("errmsg",),
                                 rate_limited={130101: 600}, permanent=PERMANENT_CODES)
