"""Channel registry: kind -> (label, "module:Class"), imported on first use (HC `TRANSPORTS`).

Why dotted paths and not imports at the top: building the registry must not import
aiosmtplib for a deployment that only uses robots, and a broken optional channel
must fail when it is used, naming itself, not when the package is imported.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable, Iterable

import httpx

from ._base import Channel, HttpChannel, Mentions, Message, answer_text, tracking_headers

__all__ = ["CHANNELS", "Channel", "HttpChannel", "Mentions", "Message", "answer_text", "tracking_headers",
           "channel_class", "build_channels"]

CHANNELS: dict[str, tuple[str, str]] = {
    "email": ("电子邮件", "alerts.channels.email:Email"),
    "wecom": ("企业微信群机器人", "alerts.channels.wecom:Wecom"),
    "dingtalk": ("钉钉群机器人", "alerts.channels.dingtalk:Dingtalk"),
    "feishu": ("飞书群机器人", "alerts.channels.feishu:Feishu"),
    "webhook": ("Webhook", "alerts.channels.webhook:Webhook"),
}


def channel_class(kind: str) -> type[Channel]:
    """Return the class implementing `kind`; KeyError names an unknown kind."""
    try:
        _label, path = CHANNELS[kind]
    except KeyError:
        raise KeyError(f"unknown channel kind {kind!r}") from None
    return pkgutil.resolve_name(path)


def build_channels(configs: Iterable, *, http: httpx.AsyncClient | None,
                   wall: Callable[[], float]) -> dict[str, Channel]:
    """Return {name: channel} for every configured channel that is not disabled."""
    return {c.name: channel_class(c.kind)(c, http=http, wall=wall) for c in configs if not c.disabled}
