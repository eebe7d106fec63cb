"""Configuration of the monitoring stage: sources, keyword schemes and polling limits.

TOML example::

    [monitor]
    keep_everything = false      # items that match no scheme still become cases?

    [[sources]]
    name = "本地新闻"
    kind = "feed"                # feed | search | push | file
    url = "https://news.example.org/rss"
    interval = "5m"

    [[schemes]]
    name = "晋中停水停暖"
    expression = "(太谷|平遥)+(停水|断水|停暖)-演练"
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, model_validator

from .configtypes import Duration, Frozen, Secret

__all__ = ["SourceConfig", "SchemeConfig", "MonitorConfig"]

SourceKind = Literal["feed", "search", "push", "file"]


class SourceConfig(Frozen):
    name: str = Field(min_length=1)
    kind: SourceKind
    url: str | None = None
    path: str | None = None
    interval: Duration = timedelta(minutes=5)
    enabled: bool = True
    schemes: list[str] = []
    token: Secret | None = None
    # For JSON search answers: dotted field paths mapping the answer to items.
    fields: dict[str, str] = {}
    items_path: str | None = None

    @model_validator(mode="after")
    def _needs_location(self):
        if self.kind in ("feed", "search") and not self.url:
            raise ValueError(f"a {self.kind} source needs url")
        if self.kind == "file" and not (self.path or self.url):
            raise ValueError("a file source needs path")
        if self.interval < timedelta(seconds=10):
            raise ValueError("interval must be at least 10s")
        return self


class SchemeConfig(Frozen):
    name: str = Field(min_length=1)
    expression: str = Field(min_length=1)
    enabled: bool = True


class MonitorConfig(Frozen):
    keep_everything: bool = False
    user_agent: str = "yuqing-watch/0.1 (+政务舆情监测)"
    max_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    connect_timeout: Duration = timedelta(seconds=10)
    read_timeout: Duration = timedelta(seconds=30)
    max_connections: int = Field(default=20, gt=0)
    max_per_host: int = Field(default=2, gt=0)
    jitter: float = Field(default=0.1, ge=0, le=0.5)
    failures_before_down: int = Field(default=3, gt=0)
    silent_after: Duration = timedelta(hours=24)
    dedupe_window: Duration = timedelta(hours=72)
