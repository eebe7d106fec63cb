"""Generic JSON webhook, signed with HMAC-SHA256 in a header.

POSTs one JSON object per message::

    {"key": "...", "kind": "reminder", "case_id": 7, "case_url": "...", "subject": "...",
     "text": "...", "severity": "...", "drill": false, "mentions": {...}, "sent_at": 1763600000}

With ``secret`` set, the header ``X-Yuqing-Signature`` (name configurable) carries
``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>``: the receiver
recomputes it over the exact bytes and refuses stale timestamps, which stops replays.
``X-Yuqing-Key`` carries the idempotency key, so a receiver can drop the rare
duplicate that at-least-once delivery allows.

Any 2xx is success; 429 and 5xx are transient, other statuses permanent.

Config keys: ``url``, ``secret`` (secret), ``signature_header``, ``headers``. Example::

    [[channels]]
    name = "指挥平台"
    kind = "webhook"
    url = "https://ops.example.gov.cn/hooks/yuqing"
    secret = { env = "YUQING_WEBHOOK_SECRET" }
"""

from __future__ import annotations

import hashlib
import hmac
import json

from ._base import HttpChannel, Message, answer_text, tracking_headers

__all__ = ["Webhook", "webhook_signature"]


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the header value ``t=...,v1=...`` for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Webhook(HttpChannel):
    kind = "webhook"
    flavour = "text"

    def payload(self, message: Message, timestamp: int) -> bytes:
        return json.dumps({
            "key": message.key, "kind": message.kind, "case_id": message.case_id, "case_url": message.case_url,
            "subject": message.subject, "text": message.body, "severity": message.severity,
            "drill": message.drill, "mentions": message.mentions.to_dict(), "sent_at": timestamp,
        }, ensure_ascii=False).encode("utf-8")

    async def send(self, message: Message) -> str:
        timestamp = int(self.wall())
        content = self.payload(message, timestamp)
        headers = {"Content-Type": "application/json; charset=utf-8", **self.config.headers, **tracking_headers(message)}
        if self.config.secret is not None:
            headers[self.config.signature_header] = webhook_signature(
                self.config.secret.get_secret_value(), timestamp, content)
        response = await self.post(self.config.url, content=content, headers=headers)
        return answer_text(response)
