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

    [[schemes]]                  # the same as word lists (地域词, 主体词, 排除词)
    name = "晋中停水停暖（词表）"
    regions = ["太谷", "平遥"]
    subjects = ["停水", "断水", "停暖"]
    exclusions = ["演练"]

A search source's `url` holds `{query}` (the scheme's expression, URL-encoded)
and optionally `{since}` (ISO 8601 time of its last successful poll); with
`items_path` and `fields` it reads a JSON answer, otherwise a feed. See
README "Sources and keyword schemes".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, IPvAnyNetwork, field_validator, model_validator

from .configtypes import Duration, Frozen, Secret
from .schemes import build_scheme

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
    # Override of [monitor] silent_after for this source (a weekly bulletin is not "silent" after a day).
    silent_after: Duration | None = None

    @model_validator(mode="after")
    def _needs_location(self):
        if self.kind in ("feed", "search") and not self.url:
            raise ValueError(f"a {self.kind} source needs url")
        if self.kind == "file" and not (self.path or self.url):
            raise ValueError("a file source needs path")
        if self.interval < timedelta(seconds=10):
            raise ValueError("interval must be at least 10s")
        if self.kind == "search" and "{query}" not in (self.url or ""):
            raise ValueError("a search source's url needs {query}")
        if self.fields and not self.items_path:
            raise ValueError("fields need items_path (where the list of results is in the JSON answer)")
        if self.items_path and "title" not in self.fields and "text" not in self.fields:
            raise ValueError("fields must map at least title or text")
        return self


class SchemeConfig(Frozen):
    name: str = Field(min_length=1)
    expression: str = ""
    regions: list[str] = []
    subjects: list[str] = []
    exclusions: list[str] = []
    enabled: bool = True

    @model_validator(mode="after")
    def _compiles(self):
        # A parse error names the scheme and the position (monitor.schemes); pydantic adds the key path.
        build_scheme(name=self.name, expression=self.expression, regions=self.regions,
                     subjects=self.subjects, exclusions=self.exclusions)
        return self


class MonitorConfig(Frozen):
    keep_everything: bool = False
    user_agent: str = "yuqing-watch/0.1 (+https://github.com/yuqing-watch)"
    max_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    connect_timeout: Duration = timedelta(seconds=10)
    read_timeout: Duration = timedelta(seconds=30)
    max_connections: int = Field(default=20, gt=0)
    max_per_host: int = Field(default=2, gt=0)
    jitter: float = Field(default=0.1, ge=0, le=0.5)
    failures_before_down: int = Field(default=3, gt=0)
    silent_after: Duration = timedelta(hours=24)
    dedupe_window: Duration = timedelta(hours=72)
    max_backoff: Duration = timedelta(hours=6)
    poll_batch: int = Field(default=1000, gt=0)          # sources polled per job run at most
    # Non-global ranges a redirect from a public source may lead to (intranet sources); none by default.
    allowed_networks: list[IPvAnyNetwork] = []

    @field_validator("user_agent")
    @classmethod
    def _printable(cls, value: str) -> str:
        if not (value.isascii() and value.isprintable()):
            raise ValueError("user_agent must be printable ASCII (an HTTP header)")
        return value
