"""Configuration of alert delivery: channels and delivery policy.

TOML example::

    [[channels]]
    name = "值班群"
    kind = "wecom"
    key = { env = "WECOM_KEY" }
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from monitor.configtypes import Frozen

__all__ = ["ChannelConfig", "AlertsConfig"]


class ChannelConfig(Frozen):
    """One configured channel; each kind validates its own keys when the channel is built."""

    model_config = ConfigDict(frozen=True, extra="allow")

    name: str = Field(min_length=1)
    kind: Literal["email", "wecom", "dingtalk", "feishu", "webhook"]
    disabled: bool = False


class AlertsConfig(Frozen):
    fallback_channel: str | None = None
    quiet_hours: str | None = None   # "22:00-07:00"; never applies to major emergencies
