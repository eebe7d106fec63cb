"""Drills in a real deployment (舆情应对演练): the deployment's own config, turned into a safe exercise.

`yuqing drill SCENARIO --config config.toml` runs the deployment's directory, rota,
keyword schemes, clock rules and channel routing against a scripted scenario, with:

- ``drill = true``: every case and message is marked 【演练】;
- a separate SQLite database in a drill folder (the real case history is never touched);
- the scenario's feeds as the only sources (real monitoring is not mixed in);
- every configured channel *mirrored* to a local sink of the same kind, with the same
  bodies, people and message kinds, so the outbox shows exactly what each real channel
  would have received, and nothing reaches a real mailbox or group. With
  ``--real-channels`` the configured channels are kept as they are; then only channels
  with ``accept_drills = true`` (or ``[alerts] deliver_drills = true``) deliver drill
  messages, as for any drill case.

The drill config is written next to the drill database as an ordinary config file
(so SIGHUP reload and `yuqing check-config` work on it). `dump_toml` writes it.
"""

from __future__ import annotations

import json
import secrets
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .deployment import DEMO_SCHEMES, scenario_sources
from .scenario import Scenario
from .sinks import RobotAccounts

__all__ = ["dump_toml", "drill_config_data", "GENEROUS_LIMITS"]

GENEROUS_LIMITS = [{"count": 10000, "per": "1m"}]
_BARE_KEY = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _key(key: str) -> str:
    return key if key and set(key) <= _BARE_KEY else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def dump_toml(data: dict[str, Any]) -> str:
    """Return TOML text for `data` as `tomllib` reads it: scalars first, then tables and arrays of tables.

    Nested tables become ``[a.b]`` headers, lists of tables ``[[a]]`` (their own nested
    tables inline); JSON string escapes are valid TOML basic strings.
    """
    out: list[str] = []

    def table(prefix: str, node: dict[str, Any]) -> None:
        scalars = {k: v for k, v in node.items() if not _is_table(v) and not _is_table_array(v)}
        if prefix and (scalars or not node):
            out.append(f"\n[{prefix}]")
        for k, v in scalars.items():
            out.append(f"{_key(k)} = {_value(v)}")
        for k, v in node.items():
            name = f"{prefix}.{_key(k)}" if prefix else _key(k)
            if _is_table(v):
                table(name, v)
            elif _is_table_array(v):
                for entry in v:
                    out.append(f"\n[[{name}]]")
                    out.extend(f"{_key(ek)} = {_value(ev)}" for ek, ev in entry.items())

    table("", data)
    return "\n".join(out).lstrip("\n") + "\n"


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _mirror(channel: dict[str, Any], *, feeds_url: str, smtp_port: int, accounts: RobotAccounts) -> dict[str, Any]:
    """Return a channel table that sends what `channel` would send, to the local sink of its kind."""
    kind = channel.get("kind")
    keep = {k: v for k, v in channel.items() if k in ("name", "kind", "disabled", "bodies", "kinds", "timeout")}
    keep["name"] = f"演练·{channel.get('name', kind)}"
    keep["accept_drills"] = True
    if kind == "email":
        keep.update({k: channel[k] for k in ("sender", "to", "people") if k in channel})
        keep.update(host="127.0.0.1", port=smtp_port, security="none")
        keep.setdefault("sender", "舆情值班（演练） <yuqing-drill@localhost>")
        return keep
    keep["rate_limits"] = GENEROUS_LIMITS
    if kind == "wecom":
        key = "drill-" + secrets.token_hex(8)
        accounts.wecom[key] = keep["name"]
        keep.update({k: channel[k] for k in ("format", "mentions") if k in channel})
        keep.update(url=f"{feeds_url}/cgi-bin/webhook/send", key=key)
    elif kind == "dingtalk":
        token, secret = secrets.token_hex(16), ("SEC" + secrets.token_hex(16)) if channel.get("secret") else None
        accounts.dingtalk[token] = (keep["name"], secret)
        keep.update({k: channel[k] for k in ("keyword", "mentions") if k in channel})
        keep.update(url=f"{feeds_url}/robot/send", access_token=token)
        if secret:
            keep["secret"] = secret
    elif kind == "feishu":
        hook, secret = secrets.token_hex(12), secrets.token_urlsafe(16) if channel.get("secret") else None
        accounts.feishu[hook] = (keep["name"], secret)
        keep.update({k: channel[k] for k in ("mentions",) if k in channel})
        keep.update(url=f"{feeds_url}/open-apis/bot/v2/hook", hook=hook)
        if secret:
            keep["secret"] = secret
    elif kind == "webhook":
        keep["url"] = f"{feeds_url}/webhook/{secrets.token_hex(4)}"
        if channel.get("secret"):
            keep["secret"] = accounts.webhook_secret
    return keep


def drill_config_data(config_path: Path, *, scenario: Scenario, state_dir: Path, web_port: int, feeds_url: str,
                      smtp_port: int, real_channels: bool = False) -> tuple[dict[str, Any], RobotAccounts]:
    """Return the drill config (as TOML data) made from the deployment's file, and what the sinks accept."""
    data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    base = config_path.resolve().parent
    accounts = RobotAccounts(webhook_secret=secrets.token_urlsafe(24))
    base_url = f"http://127.0.0.1:{web_port}"
    data["drill"] = True
    data["state_dir"] = str(state_dir)
    data["storage"] = {"url": f"sqlite:///{state_dir / 'yuqing.db'}"}
    web = {k: v for k, v in (data.get("web") or {}).items() if k not in ("host", "port", "base_url", "secure_cookies")}
    data["web"] = {**web, "host": "127.0.0.1", "port": web_port, "base_url": base_url}
    directory = data.get("directory") or {}
    if isinstance(directory.get("include"), str):
        directory["include"] = str((base / directory["include"]).resolve())
    alerts = dict(data.get("alerts") or {})
    alerts["base_url"] = base_url
    # The outbox claim timeout is real time in every configuration: the sender scales it by the drill
    # speed itself (once, in `Sender._claim_span`), so the office's own setting is kept as written.
    if isinstance(alerts.get("templates_dir"), str):
        alerts["templates_dir"] = str((base / alerts["templates_dir"]).resolve())
    channels = data.get("channels") or []
    if not real_channels:
        channels = [_mirror(c, feeds_url=feeds_url, smtp_port=smtp_port, accounts=accounts) for c in channels]
        if alerts.get("fallback_channel"):
            alerts["fallback_channel"] = f"演练·{alerts['fallback_channel']}"
    data["alerts"] = alerts
    data["channels"] = channels
    data["sources"] = scenario_sources(scenario, feeds_url)
    names = {s.get("name") for s in data.get("schemes") or []}
    data["schemes"] = list(data.get("schemes") or []) + [
        {"name": f"演练·{name}", "expression": expression} for name, expression in DEMO_SCHEMES
        if f"演练·{name}" not in names]
    data["demo"] = {"outbox": "outbox.jsonl", "scenario": scenario.name, "feeds_url": feeds_url}
    if not data["channels"]:
        data.pop("channels")
    return data, accounts
