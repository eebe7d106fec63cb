"""Scenario files: timed sample items that a drill or the demo plays over time.

A scenario is a TOML file (the bundled ones live in `yuqing/demo/scenarios/`)::

    name = "山西综合演练"
    description = "煤矿事故、欠薪蔓延、政策误读、谣言与日常新闻"

    [[feeds]]
    id = "linfen-news"            # served as /feeds/linfen-news.xml
    title = "临汾新闻网"
    kind = "rss"                  # rss: an RSS 2.0 feed | search: only through the keyword-search endpoint

    [[items]]
    id = "mine-02"                # unique; the RSS guid and the article page /items/mine-02
    feed = "linfen-news"
    at = 0.8                      # hours after the start of the drill ("48m" and "1h30m" work too)
    published = -0.2              # optional: published this many hours relative to `at` (default 0)
    author = "临汾新闻网"
    title = "乡宁一煤矿发生瓦斯爆炸事故 已致10人遇难"
    text = "记者从乡宁县应急管理局获悉，{date+0}14时许……"
    metrics = { views = 52000, reposts = 1300, comments = 860 }

Texts may name dates relative to the start of the drill, so that a scenario reads
naturally on any day: ``{date+0}`` is the start day as "11月21日", ``{date+1}`` the
next day, ``{dot+0}`` the "11·21" form used in incident names.

Why TOML and offsets in hours: the people who write drills are duty officers, not
programmers; hours are how they think about the 5 h / 24 h / 48 h clocks, and a
drill played at another speed keeps the same shape.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator

from monitor.configtypes import Frozen
from monitor.timestamps import SHANGHAI, parse_duration

__all__ = ["Scenario", "ScenarioFeed", "ScenarioItem", "ScenarioError", "load_scenario", "bundled_scenarios",
           "fill_dates"]

_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_DATE_SLOT = re.compile(r"\{(date|dot)([+-]\d+)\}")


class ScenarioError(ValueError):
    """A scenario file that cannot be played; the message names the file and the key."""


def _hours(value) -> timedelta:
    """Return an offset given as hours (a number, may be negative) or a duration text ("1h30m", "-20m")."""
    if isinstance(value, bool):
        raise ValueError(f"not an offset: {value!r}")
    if isinstance(value, (int, float)):
        return timedelta(hours=value)
    if isinstance(value, str):
        text = value.strip()
        sign = -1 if text.startswith("-") else 1
        return sign * parse_duration(text.lstrip("+-"))
    raise ValueError(f"not an offset: {value!r}")


class ScenarioFeed(Frozen):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    kind: str = Field(default="rss", pattern=r"^(rss|search)$")
    description: str = ""


class ScenarioItem(Frozen):
    id: str = Field(pattern=_ID)
    feed: str
    at: timedelta
    published: timedelta = timedelta(0)
    title: str = ""
    text: str = Field(min_length=1)
    author: str = ""
    metrics: dict[str, int] = {}

    @field_validator("at", "published", mode="before")
    @classmethod
    def _offset(cls, value):
        return _hours(value)

    @field_validator("at")
    @classmethod
    def _not_before_start(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("an item cannot appear before the drill starts")
        return value

    @field_validator("metrics")
    @classmethod
    def _metric_names(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = set(value) - {"views", "reposts", "comments"}
        if unknown:
            raise ValueError(f"unknown metric(s) {', '.join(sorted(unknown))} (views, reposts, comments)")
        return value


class Scenario(Frozen):
    name: str = Field(min_length=1)
    description: str = ""
    feeds: list[ScenarioFeed] = Field(min_length=1)
    items: list[ScenarioItem] = Field(min_length=1)
    # Where the file was read from (for messages), not a key of the file.
    path: str = ""

    @model_validator(mode="after")
    def _references(self):
        feed_ids = [f.id for f in self.feeds]
        if len(set(feed_ids)) != len(feed_ids):
            raise ValueError("feed ids must be unique")
        item_ids = [i.id for i in self.items]
        duplicates = sorted({i for i in item_ids if item_ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate item id(s): {', '.join(duplicates)}")
        for n, item in enumerate(self.items):
            if item.feed not in feed_ids:
                raise ValueError(f"items[{n}] ({item.id}): no feed has id {item.feed!r}")
        return self

    def feed(self, feed_id: str) -> ScenarioFeed | None:
        return next((f for f in self.feeds if f.id == feed_id), None)

    def timeline(self) -> list[ScenarioItem]:
        """Return the items in the order they appear (stable for equal offsets)."""
        return sorted(self.items, key=lambda i: i.at)

    def length(self) -> timedelta:
        """Return the offset of the last item."""
        return max(i.at for i in self.items)


def fill_dates(text: str, origin: datetime) -> str:
    """Return `text` with {date+N} / {dot+N} replaced by dates relative to `origin` (Asia/Shanghai)."""
    local = origin.astimezone(SHANGHAI)

    def replace(m: re.Match) -> str:
        day = local + timedelta(days=int(m.group(2)))
        return f"{day.month}月{day.day}日" if m.group(1) == "date" else f"{day.month}·{day.day}"

    return _DATE_SLOT.sub(replace, text)


def _format_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def bundled_scenarios() -> dict[str, str]:
    """Return {name: file path} of the scenarios shipped in `yuqing/demo/scenarios/`."""
    folder = resources.files("yuqing.demo") / "scenarios"
    return {Path(str(p)).stem: str(p) for p in folder.iterdir() if str(p).endswith(".toml")}


def load_scenario(name_or_path: str) -> Scenario:
    """Return the scenario named `name_or_path` (bundled name, or a file path).

    Raises ScenarioError naming the file and every bad key (``items[3].at: ...``).
    """
    bundled = bundled_scenarios()
    path = Path(bundled.get(name_or_path, name_or_path))
    if not path.exists():
        known = ", ".join(sorted(bundled)) or "none"
        raise ScenarioError(f"no scenario {name_or_path!r}: neither a bundled one ({known}) nor a file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{path}: cannot read: {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: TOML syntax error: {e}") from e
    data["path"] = str(path)
    try:
        return Scenario.model_validate(data)
    except ValidationError as e:
        lines = [f"{_format_loc(tuple(err['loc'])) or '(file)'}: {err['msg'].removeprefix('Value error, ')}"
                 for err in e.errors()]
        raise ScenarioError(f"{path}: " + "; ".join(lines)) from None
