"""What every channel shares: the message it is given, the base class, the HTTP helper.

Contract of `Channel.send(message) -> str`: deliver one message and return the
receiver's answer as text (stored on the delivery attempt), or raise
`ChannelError(message, permanent=..., answer=...)`. A channel never retries by
itself: the outbox retries with backoff, so retries also respect rate limits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from ..errors import ChannelError, RateLimited

logger = logging.getLogger(__name__)

__all__ = ["Message", "Mentions", "Channel", "HttpChannel", "answer_text", "tracking_headers"]


@dataclass(frozen=True)
class Mentions:
    """Whom a group message @-mentions: mobile numbers and each service's user ids."""

    names: tuple[str, ...] = ()
    mobiles: tuple[str, ...] = ()
    wecom: tuple[str, ...] = ()
    dingtalk: tuple[str, ...] = ()
    feishu: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Mentions:
        data = data or {}
        return cls(**{k: tuple(data.get(k) or ()) for k in ("names", "mobiles", "wecom", "dingtalk", "feishu")})

    def to_dict(self) -> dict[str, list[str]]:
        return {k: list(getattr(self, k)) for k in ("names", "mobiles", "wecom", "dingtalk", "feishu")}

    def __bool__(self) -> bool:
        return bool(self.mobiles or self.wecom or self.dingtalk or self.feishu)


@dataclass(frozen=True)
class Message:
    """One rendered message, as stored on its outbox row.

    `body` is in the channel's flavour (markdown for WeCom/DingTalk, lark_md for
    Feishu, plain text for email and webhooks); `text` is always plain text and
    `html` is the email HTML part.
    """

    key: str
    kind: str
    subject: str
    body: str
    text: str = ""
    html: str | None = None
    case_id: int | None = None
    case_url: str | None = None
    to: tuple[str, ...] = ()
    mentions: Mentions = field(default_factory=Mentions)
    drill: bool = False
    severity: str | None = None


def answer_text(response: httpx.Response, limit: int = 2000) -> str:
    """Return "HTTP 200 {body}" trimmed to `limit` characters, for the attempt log."""
    return f"HTTP {response.status_code} {response.text[:limit]}"


def tracking_headers(message: Message) -> dict[str, str]:
    """Return our own headers: the idempotency key, kind and case (robots ignore them; sinks and proxies use them).

    The key holds people's and channels' names, so it is percent-encoded (headers are ASCII).
    """
    headers = {"X-Yuqing-Key": quote(message.key, safe=":"), "X-Yuqing-Kind": message.kind}
    if message.case_id is not None:
        headers["X-Yuqing-Case-Id"] = str(message.case_id)
    return headers


class Channel:
    """A configured destination. Subclasses set `kind`, `flavour` and implement `send`."""

    kind: ClassVar[str] = ""
    flavour: ClassVar[str] = "text"

    def __init__(self, config, *, http: httpx.AsyncClient | None = None, wall: Callable[[], float] | None = None):
        self.config = config
        self.name = config.name
        self.http = http
        # Wall-clock seconds for signatures: the robots check them against real time,
        # even when the daemon runs a drill on a scaled clock.
        self.wall = wall

    async def send(self, message: Message) -> str:
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release what the channel holds (nothing by default)."""


class HttpChannel(Channel):
    """A channel that POSTs JSON; turns transport failures and HTTP statuses into ChannelError."""

    async def post(self, url: str, *, json_body: Any = None, content: bytes | None = None,
                   params: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
        """POST once and return the response when its status is 2xx.

        Raises ChannelError: transient for timeouts, connection errors, 429 and 5xx (with the
        Retry-After seconds of a 429 or 503);
        permanent for other statuses (a wrong URL or a rejected body will not heal).
        """
        assert self.http is not None, "an HttpChannel needs an httpx.AsyncClient"
        try:
            response = await self.http.post(
                url, json=json_body, content=content, params=params, headers=headers,
                timeout=self.config.timeout.total_seconds())
        except httpx.TimeoutException as e:
            raise ChannelError(f"{self.kind}: timed out after {self.config.timeout.total_seconds():.0f}s") from e
        except httpx.TransportError as e:
            raise ChannelError(f"{self.kind}: cannot reach the receiver: {type(e).__name__}: {e}") from e
        retry = response.headers.get("retry-after")
        retry_after = float(retry) if retry and retry.strip().isdigit() else None
        if response.status_code == 429:
            raise RateLimited(f"{self.kind}: HTTP 429 too many requests", answer=answer_text(response),
                              retry_after=retry_after)
        if response.status_code >= 500:
            # A 503 with Retry-After says when the receiver will take messages again: honour it as on 429.
            raise ChannelError(f"{self.kind}: HTTP {response.status_code} from the receiver", answer=answer_text(response),
                               retry_after=retry_after if response.status_code == 503 else None)
        if response.status_code >= 300:
            raise ChannelError(f"{self.kind}: HTTP {response.status_code} from the receiver", permanent=True,
                               answer=answer_text(response))
        return response

    def judge_answer(self, response: httpx.Response, *, code_keys: tuple[str, ...], message_keys: tuple[str, ...],
                     rate_limited: dict[int, float], permanent: set[int]) -> str:
        """Return the answer text when the robot's body code is 0, else raise what the code means.

        The robots answer HTTP 200 whatever happened, so the verdict is the code in the
        body: `rate_limited` codes map to the seconds to hold back, `permanent` codes fail
        the row at once, and any other code is transient (retried with backoff).
        """
        data = self.body_json(response, self.kind)
        code = next((data[k] for k in code_keys if k in data), None)
        text = next((data[k] for k in message_keys if k in data), None)
        answer = answer_text(response)
        if code == 0:
            return answer
        if code in rate_limited:
            raise RateLimited(f"{self.kind}: rate limited (code {code}): {text}", answer=answer,
                              retry_after=rate_limited[code])
        raise ChannelError(f"{self.kind}: code {code}: {text}", permanent=code in permanent, answer=answer)

    @staticmethod
    def body_json(response: httpx.Response, kind: str) -> dict:
        """Return the JSON object of a robot's answer; a non-JSON 200 is a transient error (a proxy page)."""
        try:
            data = response.json()
        except ValueError as e:
            raise ChannelError(f"{kind}: the answer is not JSON", answer=answer_text(response)) from e
        if not isinstance(data, dict):
            raise ChannelError(f"{kind}: the answer is not a JSON object", answer=answer_text(response))
        return data
