"""Exceptions of the alerts package.

Tree::

    AlertError
    ├── ChannelError            a receiver refused or could not be reached (per message, stored on the row)
    │   └── RateLimited         the receiver said "too fast"; always transient
    ├── UnknownChannel          a name that no `[[channels]]` entry defines
    └── TemplateProblem         a template (shipped or overridden) failed to render

`ChannelError.permanent` decides what the sender does next: a transient error is
retried with exponential backoff, a permanent one marks the row failed and hands
a person's message to the fallback channel.
"""

from __future__ import annotations

__all__ = ["AlertError", "ChannelError", "RateLimited", "UnknownChannel", "TemplateProblem"]


class AlertError(Exception):
    """Base of every error raised by the alerts package."""


class ChannelError(AlertError):
    """A send failed; `answer` is what the receiver said (status and body), when it said anything."""

    def __init__(self, message: str, *, permanent: bool = False, answer: str | None = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.answer = answer
        self.retry_after = retry_after


class RateLimited(ChannelError):
    """The receiver throttled us; retry no sooner than `retry_after` seconds."""

    def __init__(self, message: str, *, answer: str | None = None, retry_after: float | None = None):
        super().__init__(message, permanent=False, answer=answer, retry_after=retry_after)


class UnknownChannel(AlertError):
    """No configured channel has this name."""


class TemplateProblem(AlertError):
    """A message template could not be rendered (the template's name says which)."""
