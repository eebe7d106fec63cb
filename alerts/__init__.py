"""Alert delivery: channels, templates, routing into a durable outbox, and the send loop.

Pipeline: `responders.models.ClockEvent` / `monitor.models.SourceNotice` -> `alerts.routing`
(one `Notification` row per recipient and channel, idempotent key) -> `alerts.sender`
(claim, send within rate limits, record each `DeliveryAttempt`, retry or fall back).
"""

from .channels import CHANNELS, Channel, Mentions, Message, build_channels, channel_class
from .config import AlertsConfig, ChannelConfig
from .errors import AlertError, ChannelError, RateLimited, TemplateProblem, UnknownChannel
from .models import DeliveryAttempt, Notification
from .render import Renderer
from .routing import RoutingContext, expand_clock_events, expand_source_notices, queue_message, routing_context
from .sender import Sender
from .status import delivery_state

__all__ = [
    "CHANNELS", "Channel", "Mentions", "Message", "build_channels", "channel_class", "AlertsConfig", "ChannelConfig",
    "AlertError", "ChannelError", "RateLimited", "TemplateProblem", "UnknownChannel", "DeliveryAttempt",
    "Notification", "Renderer", "RoutingContext", "expand_clock_events", "expand_source_notices", "queue_message",
    "routing_context", "Sender", "delivery_state",
]
