"""Server-side rendering: one Jinja2 environment per app, autoescaping everything.

Feed titles, texts and notes are attacker-controlled. Autoescaping is on for
every template (not only `.html` names), and links to outside pages go through
`safe_url`, which lets only http and https through: escaping alone does not stop
a `javascript:` URL in an `href`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from responders import vocabulary

from .labels import RESPONSE_MODES, label
from .security import csrf_token
from .timeline import audit_sentence

__all__ = ["Renderer", "safe_url", "format_duration_zh"]

TEMPLATES = Path(__file__).parent / "templates"


def safe_url(url: str | None) -> str | None:
    """Return `url` when it is an absolute http(s) URL, else None (never link to anything else)."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def format_duration_zh(delta: timedelta | float | None) -> str:
    """Return a duration like "2 天 3 小时" or "45 分"; negative durations read the same (the caller says late)."""
    if delta is None:
        return ""
    seconds = int(abs(delta.total_seconds() if isinstance(delta, timedelta) else delta))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时"
    if hours:
        return f"{hours} 小时 {minutes} 分"
    if minutes:
        return f"{minutes} 分 {secs} 秒"
    return f"{secs} 秒"


def plain(value: Any) -> str:
    """Return an audit detail value as readable text: lists joined, structures as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        return "、".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False, default=str)


def with_mode_labels(text: str | None) -> str:
    """Return `text` with response-mode codes written by the clocks engine ("（press_conference") as labels."""
    text = text or ""
    for code, name in RESPONSE_MODES.items():
        text = text.replace(f"（{code}", f"（{name}")
    return text


class Renderer:
    """Render templates with the request's user, CSRF token and the deployment's time zone."""

    def __init__(self, *, timezone: str, clock):
        self.zone = ZoneInfo(timezone)
        self.clock = clock
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(local=self.local, duration=format_duration_zh, safe_url=safe_url, label=label,
                                plain=plain, modes_zh=with_mode_labels,
                                iso=lambda d: d.isoformat() if d else "", local_iso=self.local_iso,
                                sentence=lambda entry: audit_sentence(entry, self.local))
        self.env.globals.update(label=label, especially_major_note=vocabulary.ESPECIALLY_MAJOR_NOTE)

    def local(self, value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """Return `value` in the deployment's time zone (stored UTC, converted only here)."""
        if value is None:
            return ""
        return value.astimezone(self.zone).strftime(fmt)

    def local_iso(self, value: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """Return an ISO 8601 text (as audit details store times) in the deployment's time zone."""
        try:
            return self.local(datetime.fromisoformat(str(value).replace("Z", "+00:00")), fmt) if value else ""
        except ValueError:
            return str(value)

    def page(self, request: Request, template: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
        """Return the rendered page as an HTML response."""
        return HTMLResponse(self.text(request, template, context), status_code=status_code)

    def text(self, request: Request, template: str, context: dict[str, Any]) -> str:
        clock = self.clock
        base = {
            "request": request,
            "user": context.get("user"),
            "csrf_token": csrf_token(request),
            "now": clock.now(),
            "clock_speed": float(getattr(clock, "speed", 1.0)),
            "flash": request.session.pop("flash", None),
        }
        return self.env.get_template(template).render({**base, **context})
