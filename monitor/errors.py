"""The exceptions of the monitoring stage.

Tree::

    MonitorError
    ├── SchemeError          a keyword expression does not parse (names scheme and position)
    ├── FetchError           a source could not be fetched; `status` is what goes on Source.last_status
    │   └── ResponseTooLarge the body passed the size cap while streaming
    ├── FeedError            the body is not a usable feed (HTML page, unparseable, no entries)
    ├── RecordError          one pushed or parsed record is unusable (the others go on)
    └── SourceNotFound       a push names a source that is not configured (or not a push source)

Expected per-source failures are stored on the `Source` row (`last_status`,
`last_error`) and logged; they never stop a poll cycle.
"""

from __future__ import annotations

__all__ = ["MonitorError", "SchemeError", "FetchError", "ResponseTooLarge", "FeedError", "RecordError", "SourceNotFound"]


class MonitorError(Exception):
    """Base class of every error the monitoring stage raises on purpose."""


class SchemeError(MonitorError, ValueError):
    """A keyword scheme's expression is invalid.

    `position` is the 1-based character position in the expression (None when the
    problem is the whole expression, e.g. empty).
    """

    def __init__(self, scheme: str, expression: str, position: int | None, message: str):
        self.scheme, self.expression, self.position, self.reason = scheme, expression, position, message
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"scheme {scheme!r}: {message}{where}: {expression!r}")


class FetchError(MonitorError):
    """Fetching a source failed; `status` is a short code such as "http_404" or "timeout"."""

    def __init__(self, status: str, message: str):
        self.status = status
        super().__init__(message)


class ResponseTooLarge(FetchError):
    def __init__(self, limit: int):
        self.limit = limit
        super().__init__("too_large", f"response body exceeds the {limit:,} byte limit (cut while streaming)")


class FeedError(MonitorError):
    """The document is not a feed we can use; `status` is "not_a_feed" or "parse_error"."""

    def __init__(self, status: str, message: str):
        self.status = status
        super().__init__(message)


class RecordError(MonitorError, ValueError):
    """One record is unusable; `record_id` names it when it has one."""

    def __init__(self, record_id: str | None, message: str):
        self.record_id = record_id
        super().__init__(message)


class SourceNotFound(MonitorError, LookupError):
    """No enabled push source of that name exists."""
