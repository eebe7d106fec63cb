"""Configuration of alert delivery: one validated model per channel kind, and the delivery policy.

Each `[[channels]]` entry has a unique `name` and a `kind` (email, wecom, dingtalk,
feishu, webhook); the other keys depend on the kind and are checked by that kind's
model, so a typo is an error naming the key (``channels[2].acess_token: unknown key``).
Secrets are `{ env = "NAME" }` or `{ file = "/run/credentials/..." }`.

Routing keys every kind shares:

- ``bodies``: the bodies whose group this channel is, as ``"LOCALITY/SECTOR_OR_ROLE"``
  (``"山西省晋中市太谷区/emergency"``); ``"LOCALITY/*"`` means every body of that locality
  and ``"*"`` every body. A message about a case goes to the group channels of the
  case's first responsible bodies and of every recipient's body; robot channels
  @-mention the recipients of their body by mobile number (or IM id).
- ``kinds``: the message kinds this channel takes (empty: all).
- ``people``: (email only) this SMTP account carries the messages to people's own
  addresses (ORG.md "Each person has the channels that reach them").
- ``rate_limits``: ``[{ count = 20, per = "1m" }]``; each robot kind has its service's
  published limits as default (WeCom and DingTalk 20/min, Feishu 100/min and 5/s).
- ``accept_drills``: deliver drill messages through this channel (default: ``[alerts] deliver_drills``).

TOML example::

    [alerts]
    fallback_channel = "值班邮箱"
    quiet_hours = "22:00-07:00"        # Asia/Shanghai; never for major emergencies

    [[channels]]
    name = "值班邮箱"
    kind = "email"
    host = "smtp.example.gov.cn"
    port = 465
    security = "tls"                   # tls (implicit) | starttls | none
    username = "yuqing@example.gov.cn"
    password = { env = "SMTP_PASSWORD" }
    sender = "舆情值班 <yuqing@example.gov.cn>"
    people = true
    to = ["duty@example.gov.cn"]
    bodies = ["山西省/government_office"]

    [[channels]]
    name = "太谷应急群"
    kind = "dingtalk"
    access_token = { env = "DINGTALK_TAIGU_TOKEN" }
    secret = { env = "DINGTALK_TAIGU_SECRET" }
    bodies = ["山西省晋中市太谷区/emergency"]
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any, Literal, Union

from pydantic import Field, ValidationInfo, WrapValidator, field_validator

from monitor.configtypes import Duration, Frozen, Secret

__all__ = [
    "RateLimit", "EmailConfig", "WecomConfig", "DingtalkConfig", "FeishuConfig", "WebhookConfig",
    "ChannelConfig", "AlertsConfig", "channel_problems", "fallback_warnings", "KIND_CONFIGS", "MESSAGE_KINDS",
]

MESSAGE_KINDS = ("opened", "reminder", "leader", "overdue", "confirmed", "reassigned", "source_down", "report", "other")
_QUIET = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class RateLimit(Frozen):
    """At most `count` messages in any window of length `per` (sliding, not per calendar minute)."""

    count: int = Field(ge=1)
    per: Duration

    @field_validator("per")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("the window must be longer than zero")
        return value


def _limits(*pairs: tuple[int, float]) -> list[RateLimit]:
    return [RateLimit(count=c, per=timedelta(seconds=s)) for c, s in pairs]


class _ChannelBase(Frozen):
    name: str = Field(min_length=1)
    disabled: bool = False
    bodies: list[str] = []
    kinds: list[str] = []
    accept_drills: bool | None = None
    timeout: Duration = timedelta(seconds=10)      # to connect, and between two bytes of the answer
    deadline: Duration = timedelta(seconds=30)     # for the whole send: a trickling receiver cannot hold it longer
    rate_limits: list[RateLimit] = []

    @field_validator("bodies")
    @classmethod
    def _bodies(cls, values: list[str]) -> list[str]:
        for v in values:
            if v != "*" and (v.count("/") != 1 or not all(v.split("/"))):
                raise ValueError(f"body {v!r} is not \"LOCALITY/SECTOR_OR_ROLE\", \"LOCALITY/*\" or \"*\"")
        return values

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, values: list[str]) -> list[str]:
        for v in values:
            if v not in MESSAGE_KINDS:
                raise ValueError(f"unknown message kind {v!r} (one of {', '.join(MESSAGE_KINDS)})")
        return values

    def longest_send(self) -> timedelta:
        """Return the longest one send can take: connect + read timeouts + the overall deadline (a safe bound)."""
        return self.timeout + self.timeout + self.deadline

    def effective_limits(self) -> list[RateLimit]:
        """Return the configured limits, else the service's published ones."""
        return self.rate_limits or self.default_limits()

    def default_limits(self) -> list[RateLimit]:
        return []

    def takes(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class EmailConfig(_ChannelBase):
    kind: Literal["email"]
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: Secret | None = None
    sender: str = Field(min_length=3)
    to: list[str] = []
    people: bool = False
    validate_certs: bool = True
    ca_file: str | None = None          # a private CA's certificate (PEM) for the server's certificate


class WecomConfig(_ChannelBase):
    kind: Literal["wecom"]
    url: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    key: Secret
    format: Literal["markdown", "text"] = "markdown"
    mentions: bool = True

    def default_limits(self) -> list[RateLimit]:
        return _limits((20, 60))        # DEPENDENCIES.md: 20 messages/min per robot


class DingtalkConfig(_ChannelBase):
    kind: Literal["dingtalk"]
    url: str = "https://oapi.dingtalk.com/robot/send"
    access_token: Secret
    secret: Secret | None = None        # 加签 secret (SEC...); None when the robot uses keywords or IPs
    keyword: str | None = None          # the robot's custom keyword, added to messages that lack it
    mentions: bool = True

    def default_limits(self) -> list[RateLimit]:
        return _limits((20, 60))        # 20/min, then throttled for 10 min


class FeishuConfig(_ChannelBase):
    kind: Literal["feishu"]
    url: str = "https://open.feishu.cn/open-apis/bot/v2/hook"
    hook: Secret                        # the token at the end of the bot's webhook address
    secret: Secret | None = None        # 签名校验 secret
    mentions: bool = True

    def default_limits(self) -> list[RateLimit]:
        return _limits((5, 1), (100, 60))


class WebhookConfig(_ChannelBase):
    kind: Literal["webhook"]
    url: str = Field(pattern=r"^https?://")
    secret: Secret | None = None
    signature_header: str = "X-Yuqing-Signature"
    headers: dict[str, str] = {}


KIND_CONFIGS: dict[str, type[_ChannelBase]] = {
    "email": EmailConfig, "wecom": WecomConfig, "dingtalk": DingtalkConfig,
    "feishu": FeishuConfig, "webhook": WebhookConfig,
}


def _by_kind(value: Any, handler, info: ValidationInfo):
    """Validate a channel table with its kind's model.

    Why not a pydantic discriminated union: its error locations carry the tag
    (``channels[0].wecom.key``), and config errors must name the key path as written.
    """
    if isinstance(value, dict):
        kind = value.get("kind")
        model = KIND_CONFIGS.get(kind) if isinstance(kind, str) else None
        if model is None:
            raise ValueError(f"unknown channel kind {kind!r} (one of {', '.join(KIND_CONFIGS)})")
        return model.model_validate(value, context=info.context)
    return handler(value)


ChannelConfig = Annotated[
    Union[EmailConfig, WecomConfig, DingtalkConfig, FeishuConfig, WebhookConfig], WrapValidator(_by_kind)]


class AlertsConfig(Frozen):
    fallback_channel: str | None = None
    quiet_hours: str | None = None        # "22:00-07:00" Asia/Shanghai; never applies to major emergencies
    deliver_drills: bool = False          # drill messages reach real channels only when true
    templates_dir: str | None = None      # a folder whose <kind>.j2 files override the shipped templates
    base_url: str | None = None           # case links; default: [web] base_url
    max_attempts: int = Field(default=8, ge=1)
    backoff: Duration = timedelta(seconds=30)
    max_backoff: Duration = timedelta(hours=1)
    claim_timeout: Duration = timedelta(minutes=2)
    batch: int = Field(default=200, ge=1)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None and not _QUIET.match(value):
            raise ValueError(f"quiet hours {value!r} are not HH:MM-HH:MM")
        return value

    def quiet_span(self) -> tuple[time, time] | None:
        """Return (start, end) of the quiet hours in local time, or None."""
        if not self.quiet_hours:
            return None
        m = _QUIET.match(self.quiet_hours)
        end_h = int(m.group(3))
        return time(int(m.group(1)), int(m.group(2))), time(end_h % 24, int(m.group(4)))


def channel_problems(alerts: AlertsConfig, channels: list) -> list[tuple[tuple, str]]:
    """Return (key path, message) for duplicate names and references to unknown channels."""
    problems: list[tuple[tuple, str]] = []
    names = [c.name for c in channels]
    for i, name in enumerate(names):
        if name in names[:i]:
            problems.append((("channels", i, "name"), f"duplicate channel name {name!r}"))
    if alerts.fallback_channel and alerts.fallback_channel not in names:
        problems.append((("alerts", "fallback_channel"), f"no channel is named {alerts.fallback_channel!r}"))
    people = [i for i, c in enumerate(channels) if isinstance(c, EmailConfig) and c.people]
    for i in people[1:]:
        problems.append((("channels", i, "people"), "only one email channel can carry people's own messages"))
    # A claim shorter than a send expires while the send is in flight: another sender (or the next pass)
    # claims the row and sends a confirmed message again (issue 22 point 4).
    live = [c for c in channels if not c.disabled]
    if live:
        longest = max(live, key=lambda c: c.longest_send())
        if alerts.claim_timeout <= longest.longest_send():
            problems.append((("alerts", "claim_timeout"),
                             f"claim_timeout {alerts.claim_timeout.total_seconds():g}s must be longer than the longest "
                             f"send: {longest.longest_send().total_seconds():g}s on channel {longest.name!r} "
                             f"(timeout twice for connect and read, plus its deadline)"))
    return problems


def fallback_warnings(alerts: AlertsConfig, channels: list) -> list[tuple[tuple, str]]:
    """Return (key path, message) where a fallback cannot reach a person by a route other than the one that failed.

    Not errors: the configuration works, but a person whose own mail fails for good would
    get the fallback on the same address, so it is skipped (issue 22 point 2).
    """
    fallback = next((c for c in channels if c.name == alerts.fallback_channel), None)
    if fallback is None or not isinstance(fallback, EmailConfig) or fallback.to:
        return []
    people = next((c for c in channels if isinstance(c, EmailConfig) and c.people and not c.disabled), None)
    if people is None:
        return []
    return [(("alerts", "fallback_channel"),
             f"fallback channel {fallback.name!r} is email without `to`: when a person's own mail on {people.name!r} "
             f"fails, the only address left is the one that failed, so no fallback is sent; give it the on-duty "
             f"address in `to` or name a group channel")]
