"""WeCom (企业微信) group robot.

Posts to ``{url}?key={key}`` a ``markdown`` or ``text`` message. People are
@-mentioned by WeCom user id (``<@userid>`` in markdown) or by mobile number
(``mentioned_mobile_list``, which only the ``text`` message type supports: a
markdown message whose mentions are mobile numbers only is sent as text so the
mention reaches them). The robot answers HTTP 200 with ``errcode``:
0 ok; 93000 bad key, 40008 bad message type, 44004/45002 empty or oversized content,
40058 bad parameter are permanent; 45009 rate limited, -1 busy and any code not
listed are transient (retried with backoff, at most `max_attempts` times). Published limit: 20 messages a minute.

Config keys: ``key`` (secret), ``url``, ``format`` (markdown | text), ``mentions``,
plus the shared routing keys (`alerts.config`). Example::

    [[channels]]
    name = "值班群"
    kind = "wecom"
    key = { env = "WECOM_KEY" }
    bodies = ["山西省/government_office"]
"""

from __future__ import annotations

from ._base import HttpChannel, Message, tracking_headers
from ._limits import fit_bytes

__all__ = ["Wecom", "PERMANENT_CODES"]

# Refusals that will not heal by waiting: bad key, bad message type, empty or oversized content, bad parameter.
PERMANENT_CODES = {93000, 40008, 44004, 45002, 40058}
MARKDOWN_LIMIT, TEXT_LIMIT = 4096, 2048    # bytes of content


class Wecom(HttpChannel):
    kind = "wecom"
    flavour = "markdown"

    def payload(self, message: Message) -> dict:
        """Return the JSON body for `message`."""
        m = message.mentions if self.config.mentions else None
        as_text = self.config.format == "text" or bool(m and m.mobiles and not m.wecom)
        if as_text:
            content = fit_bytes(f"{message.subject}\n{message.text}", TEXT_LIMIT)
            text = {"content": content}
            if m:
                if m.wecom:
                    text["mentioned_list"] = list(m.wecom)
                if m.mobiles:
                    text["mentioned_mobile_list"] = list(m.mobiles)
            return {"msgtype": "text", "text": text}
        tail = ("\n" + " ".join(f"<@{uid}>" for uid in m.wecom)) if m and m.wecom else ""
        return {"msgtype": "markdown", "markdown": {"content": fit_bytes(message.body, MARKDOWN_LIMIT, tail=tail)}}

    async def send(self, message: Message) -> str:
        response = await self.post(
            self.config.url, json_body=self.payload(message),
            params={"key": self.config.key.get_secret_value()}, headers=tracking_headers(message))
        return self.judge_answer(response, code_keys=("errcode",), message_keys=("errmsg",),
                                 rate_limited={45009: 60}, permanent=PERMANENT_CODES)

