"""Read `config.toml` once into a frozen, typed `Config`, or report every problem at once.

Order of assembly:
1. parse the TOML file (a syntax error is one problem with its line);
2. merge `[directory] include = "file.toml"` (relative to the config file);
3. apply `YUQING__SECTION__KEY` environment variables, which win over the file;
4. validate with pydantic, collecting every error, then run the packages'
   semantic checks (`responders.directory.directory_problems`, ...);
5. raise `ConfigError` carrying one `Problem` per mistake, each naming its key
   path and, where it can be found, the line in the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, IPvAnyNetwork, ValidationError

from alerts.config import AlertsConfig, ChannelConfig, channel_problems
from monitor.config import MonitorConfig, SchemeConfig, SourceConfig
from monitor.configtypes import Frozen, Secret
from monitor.judgement.config import JudgementConfig, judgement_problems
from responders.config import ClocksConfig, DirectoryConfig
from responders.reports.config import ReportsConfig
from responders.directory import directory_problems

from .demo.config import DemoConfig

__all__ = ["Config", "ConfigError", "Problem", "load_config", "find_config", "ENV_PREFIX"]

ENV_PREFIX = "YUQING__"


class StorageConfig(Frozen):
    url: str | None = None     # default: sqlite under state_dir
    echo: bool = False


class WebConfig(Frozen):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    base_url: str | None = None
    secret_key: Secret | None = None   # default: generated once into the state directory
    secure_cookies: bool | None = None  # default: on when base_url is https
    # Reverse proxies (addresses or networks) whose X-Forwarded-For names the client; none by default,
    # so a forged header is ignored. Only the peer's address is believed otherwise.
    trusted_proxies: list[IPvAnyNetwork] = []
    max_body_bytes: int = Field(default=1_000_000, ge=4096)     # any request body but the push API's
    max_push_bytes: int = Field(default=16_000_000, ge=4096)    # POST /api/items (up to 1,000 records)
    # How long sign-in attempts are kept (网络安全法第二十一条: network logs at least six months).
    audit_days: int = Field(default=180, ge=180)


class LogConfig(Frozen):
    level: str = "INFO"


class Config(Frozen):
    state_dir: str = "./var"
    timezone: str = "Asia/Shanghai"
    drill: bool = False
    storage: StorageConfig = StorageConfig()
    web: WebConfig = WebConfig()
    log: LogConfig = LogConfig()
    monitor: MonitorConfig = MonitorConfig()
    sources: list[SourceConfig] = []
    schemes: list[SchemeConfig] = []
    directory: DirectoryConfig
    clocks: ClocksConfig = ClocksConfig()
    judgement: JudgementConfig = JudgementConfig()
    reports: ReportsConfig = ReportsConfig()
    alerts: AlertsConfig = AlertsConfig()
    channels: list[ChannelConfig] = []
    demo: DemoConfig | None = None       # demo and drill deployments only (yuqing demo / yuqing drill)
    # Where the file was read from; relative paths in the config are relative to its folder.
    base_dir: str = "."

    def state_path(self) -> Path:
        path = Path(self.state_dir)
        return path if path.is_absolute() else Path(self.base_dir) / path

    def database_url(self) -> str:
        """Return the SQLAlchemy URL; a relative SQLite path is taken from the config's folder."""
        url = self.storage.url
        if not url:
            return f"sqlite:///{self.state_path() / 'yuqing.db'}"
        m = re.match(r"^sqlite(\+\w+)?:///(?!/)(.+)$", url)
        if m and m.group(2) != ":memory:":
            return f"sqlite{m.group(1) or ''}:///{Path(self.base_dir) / m.group(2)}"
        return url


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None
    file: str | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f" ({Path(self.file).name if self.file else 'config'}:{self.line})"
        return f"{where}: {self.message}"


class ConfigError(Exception):
    """The configuration is unusable; `problems` lists every mistake found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def find_config(explicit: str | None) -> Path:
    """Return the config path: the explicit one, else ./config.toml, else /etc/yuqing/config.toml."""
    if explicit:
        return Path(explicit)
    for candidate in (Path("config.toml"), Path("/etc/yuqing/config.toml")):
        if candidate.exists():
            return candidate
    return Path("config.toml")


def _format_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class _LineIndex:
    """Find the line of a key path in TOML text (best effort: tomllib keeps no positions)."""

    _header = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
    _key = re.compile(r'^\s*("?)([A-Za-z0-9_\-]+)\1\s*=')

    def __init__(self, text: str):
        self.lines: dict[tuple, int] = {}
        counters: dict[str, int] = {}
        table: tuple = ()
        for number, line in enumerate(text.splitlines(), start=1):
            m = self._header.match(line)
            if m:
                name = tuple(p.strip().strip('"') for p in m.group(2).split("."))
                if m.group(1) == "[[":
                    key = ".".join(name)
                    counters[key] = counters.get(key, -1) + 1
                    table = name[:-1] + (name[-1], counters[key])
                else:
                    table = name
                self.lines.setdefault(table, number)
                continue
            m = self._key.match(line)
            if m:
                self.lines.setdefault(table + (m.group(2),), number)

    def find(self, loc: tuple) -> int | None:
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return None


def _set_path(data: dict, keys: list[str], value: str) -> None:
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            return
    node[keys[-1]] = value


def env_overrides(environ) -> list[tuple[list[str], str]]:
    """Return (key path, value) pairs from YUQING__SECTION__KEY variables (keys lower-cased)."""
    pairs = []
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and len(name) > len(ENV_PREFIX):
            keys = [k.lower() for k in name[len(ENV_PREFIX):].split("__") if k]
            if keys:
                pairs.append((keys, value))
    return sorted(pairs)


def _read_toml(path: Path, problems: list[Problem]) -> tuple[dict | None, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        problems.append(Problem("(file)", f"cannot read {path}: {e.strerror}", file=str(path)))
        return None, ""
    except UnicodeDecodeError as e:
        problems.append(Problem("(file)", f"{path} is not UTF-8: {e.reason}", file=str(path)))
        return None, ""
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        problems.append(Problem("(syntax)", f"TOML syntax error: {e}", int(m.group(1)) if m else None, str(path)))
        return None, text


def load_config(path: str | os.PathLike, environ=None) -> Config:
    """Return the validated Config of `path`; raise ConfigError listing every problem."""
    environ = os.environ if environ is None else environ
    path = Path(path)
    problems: list[Problem] = []
    data, text = _read_toml(path, problems)
    if data is None:
        raise ConfigError(problems)
    index = _LineIndex(text)
    include_index: _LineIndex | None = None
    include_file = None

    directory = data.get("directory")
    if isinstance(directory, dict) and isinstance(directory.get("include"), str):
        include_file = path.parent / directory["include"]
        extra, extra_text = _read_toml(include_file, problems)
        if extra is not None:
            merged = dict(extra)
            merged.update(directory)     # the main file wins over the included one
            data["directory"] = merged
            include_index = _LineIndex(extra_text)

    for keys, value in env_overrides(environ):
        _set_path(data, keys, value)
    data["base_dir"] = str(path.parent.resolve())

    try:
        config = Config.model_validate(data, context={"environ": environ})
    except ValidationError as e:
        for err in e.errors():
            loc = tuple(err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown key"
            line, file = index.find(loc), str(path)
            if include_index and loc[:1] == ("directory",):
                inc_line = include_index.find(loc[1:])
                if inc_line is not None and (line is None or len(loc) > 2):
                    line, file = inc_line, str(include_file)
            env_name = ENV_PREFIX + "__".join(str(p).upper() for p in loc)
            if env_name in environ:
                message += f" (from {env_name})"
            problems.append(Problem(_format_loc(loc), message, line, file))
        raise ConfigError(_in_file_order(problems)) from None

    for loc, message in directory_problems(config.directory):
        full = ("directory",) + tuple(loc)
        line = include_index.find(full[1:]) if include_index else None
        file = str(include_file) if line is not None else str(path)
        if line is None:
            line = index.find(full)
        problems.append(Problem(_format_loc(full), message, line, file))
    for loc, message in channel_problems(config.alerts, config.channels):
        problems.append(Problem(_format_loc(loc), message, index.find(loc), str(path)))
    for loc, message in judgement_problems(config.judgement, config.base_dir):
        full = ("judgement",) + tuple(loc)
        problems.append(Problem(_format_loc(full), message, index.find(full), str(path)))
    names = [s.name for s in config.sources]
    for i, name in enumerate(names):
        if name in names[:i]:
            problems.append(Problem(f"sources[{i}].name", f"duplicate source name {name!r}", index.find(("sources", i, "name")), str(path)))
    if problems:
        raise ConfigError(_in_file_order(problems))
    return config


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file or "", p.line if p.line is not None else 10**9))
