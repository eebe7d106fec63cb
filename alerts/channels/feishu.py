"""Feishu/Lark (飞书) custom bot, signed, sending an interactive card.

Posts to ``{url}/{hook}`` a JSON body with ``timestamp`` (seconds) and
``sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))`` (Feishu refuses a
timestamp more than an hour off), ``msg_type = "interactive"`` and a card: a header
coloured by severity, the body as ``lark_md`` and a button that opens the case page.
People are @-mentioned by Feishu open id (``<at id=ou_...></at>``); custom bots cannot
mention by mobile number. The request body must stay under 20 KB.

Answers are HTTP 200 with ``code`` (older bots: ``StatusCode``): 0 ok; 19021 (bad
signature or timestamp), 19024 (keyword missing), 19001/19002 (bad hook), 9499
(bad request) are permanent; 11232 (rate limited) and codes not listed are transient.
Published limits: 100 a minute and 5 a second.

Config keys: ``hook`` and ``secret`` (secrets), ``url``, ``mentions``. Example::

    [[channels]]
    name = "省应急厅飞书群"
    kind = "feishu"
    hook = { env = "FEISHU_HOOK" }
    secret = { env = "FEISHU_SECRET" }
    bodies = ["山西省/emergency"]
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from ._base import HttpChannel, Message, tracking_headers
from ._limits import fit_bytes

__all__ = ["Feishu", "feishu_sign", "PERMANENT_CODES"]

PERMANENT_CODES = {19021, 19024, 19001, 19002, 9499}
BODY_LIMIT = 20 * 1024
_TEMPLATES = {"major_emergency": "red", "general": "orange"}


def feishu_sign(timestamp_s: int, secret: str) -> str:
    """Return the signature: HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message."""
    key = f"{timestamp_s}\n{secret}".encode("utf-8")
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


class Feishu(HttpChannel):
    kind = "feishu"
    flavour = "lark"

    def card(self, message: Message, content: str) -> dict:
        elements: list[dict] = [{"tag": "div", "text": {"tag": "lark_md", "content": content}}]
        if message.case_url:
            elements.append({"tag": "action", "actions": [{
                "tag": "button", "type": "primary", "url": message.case_url,
                "text": {"tag": "plain_text", "content": "打开案件页面"}}]})
        return {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": message.subject[:200]},
                       "template": "grey" if message.drill else _TEMPLATES.get(message.severity or "", "blue")},
            "elements": elements,
        }

    def payload(self, message: Message) -> bytes:
        """Return the encoded JSON body, cutting the card text until it fits 20 KB."""
        m = message.mentions if self.config.mentions else None
        tail = ("\n" + " ".join(f"<at id={uid}></at>" for uid in m.feishu)) if m and m.feishu else ""
        limit = BODY_LIMIT - 2048
        while True:
            body = {"msg_type": "interactive", "card": self.card(message, fit_bytes(message.body, limit, tail=tail))}
            if self.config.secret is not None:
                ts = int(self.wall())
                body = {"timestamp": str(ts), "sign": feishu_sign(ts, self.config.secret.get_secret_value()), **body}
            encoded = json.dumps(body, ensure_ascii=False).encode("utf-8")
            if len(encoded) <= BODY_LIMIT or limit < 1024:
                return encoded
            limit -= len(encoded) - BODY_LIMIT + 256    # JSON escaping made it longer than the text

    async def send(self, message: Message) -> str:
        url = f"{self.config.url.rstrip('/')}/{self.config.hook.get_secret_value()}"
        headers = {"Content-Type": "application/json; charset=utf-8", **tracking_headers(message)}
        response = await self.post(url, content=self.payload(message), headers=headers)
        # Older bots answer StatusCode/StatusMessage instead of code/msg.
        return self.judge_answer(response, code_keys=("code", "StatusCode"), message_keys=("msg", "StatusMessage"),
                                 rate_limited={11232: 1}, permanent=PERMANENT_CODES)
