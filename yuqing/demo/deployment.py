"""The generated configuration of a demo deployment, and its admin account.

`demo_config_text` writes a complete `config.toml` for a throwaway deployment:
SQLite in the state folder, the bundled 山西 directory, one source per scenario
feed on the local feed server, keyword schemes, and one channel of every kind
pointing at the local sinks (robots signed as the real ones are). It is an
ordinary config file, loaded and validated like any other, so the demo runs the
product's real code paths and a user can read what a deployment looks like.

Why `drill = true` and `deliver_drills = true` together: every case of the demo
is a drill (marked 【演练】 everywhere); the sinks are local, so letting drill
messages through is what makes them visible in the outbox.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from ..tables import User
from ..web.accounts import create_user, issue_token
from .scenario import Scenario
from .sinks import RobotAccounts

__all__ = ["DEFAULT_SPEED", "DEMO_PUSH_SOURCE", "DemoSecrets", "demo_config_text", "scenario_sources", "create_demo_admin", "repository_directory", "DEMO_USER",
           "DEMO_SCHEMES"]

DEMO_USER = "demo"
DEMO_PUSH_SOURCE = "演练平台推送"
# One wall minute is one clock hour: a 5 h clock lasts five minutes, the whole scenario (~70 h) about 70
# minutes, slow enough for a person to acknowledge and confirm a response in time (issue 15.5).
# `--speed 3600` is the fast run (a 5 h clock lasts five seconds).
DEFAULT_SPEED = 60.0
_CITIES = "太原|大同|阳泉|长治|晋城|朔州|晋中|运城|忻州|临汾|吕梁|山西"

# Keyword schemes of the demo deployment (监测方案): broad, as an office would write them, not fitted
# to single items; "-演练" keeps exercise reports out (the scenario has two that must not open cases).
DEMO_SCHEMES = (
    ("安全生产", f"({_CITIES}|乡宁|襄垣)+(煤矿|瓦斯|爆炸|透水|坍塌|遇难|被困|事故)-演练"),
    ("欠薪讨薪", f"({_CITIES}|介休|平遥)+(欠薪|讨薪|拖欠|工钱|工资)"),
    ("民生政策", f"({_CITIES}|云州|盐湖)+(禁行|新规|电动车|电动自行车|投毒|自来水|水厂|停水|停暖|供暖)-演练"),
)


@dataclass(frozen=True)
class DemoSecrets:
    """The throwaway credentials of one demo run (robots' keys, signing secrets, the admin password)."""

    password: str = field(default_factory=lambda: secrets.token_urlsafe(9))
    wecom_key: str = field(default_factory=lambda: "demo-" + secrets.token_hex(8))
    dingtalk_token: str = field(default_factory=lambda: secrets.token_hex(16))
    dingtalk_secret: str = field(default_factory=lambda: "SEC" + secrets.token_hex(16))
    feishu_hook: str = field(default_factory=lambda: secrets.token_hex(12))
    feishu_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    webhook_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def accounts(self) -> RobotAccounts:
        """Return what the sinks accept: exactly the robots the generated config names."""
        return RobotAccounts(
            wecom={self.wecom_key: "乡宁县应急工作群"},
            dingtalk={self.dingtalk_token: ("晋中市人社系统群", self.dingtalk_secret)},
            feishu={self.feishu_hook: ("太原大同政务舆情群", self.feishu_secret)},
            webhook_secret=self.webhook_secret,
        )


def repository_directory() -> Path:
    """Return the bundled example directory (`directory/shanxi.toml` next to the packages).

    Raises FileNotFoundError with the path looked at when the project is not a checkout.
    """
    path = Path(__file__).resolve().parents[2] / "directory" / "shanxi.toml"
    if not path.exists():
        raise FileNotFoundError(f"the example directory {path} is missing (run the demo from a checkout of the project)")
    return path


def _toml(value) -> str:
    """Return a TOML literal for a string, number, bool, list or inline table (JSON strings are TOML strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _table(header: str, values: dict) -> str:
    lines = [header] + [f"{k} = {_toml(v)}" for k, v in values.items() if v is not None]
    return "\n".join(lines) + "\n"


def scenario_sources(scenario: Scenario, feeds_url: str, *, poll_interval: str = "10m") -> list[dict]:
    """Return the `[[sources]]` tables that poll `scenario` on the local feed server (RSS feeds, one search)."""
    sources = []
    for feed in scenario.feeds:
        if feed.kind == "rss":
            sources.append({"name": feed.title, "kind": "feed", "url": f"{feeds_url}/feeds/{feed.id}.xml",
                            "interval": poll_interval})
        else:
            sources.append({
                "name": feed.title, "kind": "search", "url": f"{feeds_url}/search?q={{query}}&since={{since}}",
                "interval": poll_interval, "items_path": "results",
                "fields": {"id": "id", "title": "title", "text": "content", "url": "url", "published": "published_at",
                           "author": "author", "views": "metrics.views", "reposts": "metrics.reposts",
                           "comments": "metrics.comments"}})
    return sources


def demo_config_text(*, scenario: Scenario, state_dir: Path, web_port: int, feeds_url: str, smtp_port: int,
                     secrets_: DemoSecrets, directory: Path, poll_interval: str = "10m") -> str:
    """Return the config.toml of a demo deployment (see the module docstring)."""
    base_url = f"http://127.0.0.1:{web_port}"
    parts = [
        "# Generated by `yuqing demo`: a throwaway drill deployment on loopback. Every message goes to local sinks.\n",
        _table("", {"state_dir": str(state_dir), "timezone": "Asia/Shanghai", "drill": True}).lstrip("\n"),
        _table("[storage]", {"url": f"sqlite:///{state_dir / 'yuqing.db'}"}),
        _table("[web]", {"host": "127.0.0.1", "port": web_port, "base_url": base_url}),
        _table("[monitor]", {"keep_everything": False}),
        _table("[directory]", {"include": str(directory)}),
        # claim_timeout stays the default two minutes of real time: the sender scales it by the drill speed
        # itself (once, in `Sender._claim_span`).
        _table("[alerts]", {"deliver_drills": True, "base_url": base_url}),
        # Why case_opened and not first_seen (the production default): at --speed 3600 the wall-clock second
        # or two between polling an item and opening its case is hours on the clock; a drill should show the
        # ladder of a case from its opening, not one that starts hours late.
        _table("[clocks]", {"start": "case_opened"}),
        # Repeats every 30 min to 1 h (the defaults) are two per wall second at --speed 3600, for every case: a
        # flood that hides the ladder and slows the drill. "0s" turns them off; an overdue notice repeats after
        # 12 h, then 24 h, at most three times (the production back-off and cap, tighter).
        _table("[clocks.ladder]", {"max_repeats": 3, "repeat_backoff": 2.0}),
        _table("[clocks.ladder.repeat]", {"opened": "0s", "reminder": "0s", "leader": "0s", "overdue": "12h"}),
        _table("[demo]", {"outbox": "outbox.jsonl", "scenario": scenario.name, "feeds_url": feeds_url,
                          "open_outbox": True}),
    ]
    for source in scenario_sources(scenario, feeds_url, poll_interval=poll_interval):
        parts.append(_table("[[sources]]", source))
    # A push source, so `POST /api/items` (README "Demo and drills", with the token the demo prints) works here.
    parts.append(_table("[[sources]]", {"name": DEMO_PUSH_SOURCE, "kind": "push"}))
    for name, expression in DEMO_SCHEMES:
        parts.append(_table("[[schemes]]", {"name": name, "expression": expression}))
    # Local robots take far more than the services' 20/min: a drill at --speed 3600 sends an hour's worth each second.
    generous = [{"count": 10000, "per": "1m"}]
    parts += [
        _table("[[channels]]", {
            "name": "演练邮件（个人邮箱）", "kind": "email", "host": "127.0.0.1", "port": smtp_port, "security": "none",
            "sender": "舆情值班（演练） <yuqing-demo@localhost>", "people": True, "accept_drills": True}),
        _table("[[channels]]", {
            "name": "省政府办公厅值班邮箱", "kind": "email", "host": "127.0.0.1", "port": smtp_port, "security": "none",
            "sender": "舆情值班（演练） <yuqing-demo@localhost>", "to": ["zhiban@shanxi.example.org"],
            "bodies": ["山西省/government_office"], "kinds": ["overdue", "report"], "accept_drills": True}),
        _table("[[channels]]", {
            "name": "乡宁县应急工作群", "kind": "wecom", "url": f"{feeds_url}/cgi-bin/webhook/send",
            "key": secrets_.wecom_key, "bodies": ["山西省临汾市乡宁县/*", "山西省临汾市/emergency"],
            "accept_drills": True, "rate_limits": generous}),
        _table("[[channels]]", {
            "name": "晋中市人社系统群", "kind": "dingtalk", "url": f"{feeds_url}/robot/send",
            "access_token": secrets_.dingtalk_token, "secret": secrets_.dingtalk_secret,
            "bodies": ["山西省晋中市/*", "山西省晋中市介休市/*", "山西省晋中市平遥县/*"],
            "accept_drills": True, "rate_limits": generous}),
        _table("[[channels]]", {
            "name": "太原大同政务舆情群", "kind": "feishu", "url": f"{feeds_url}/open-apis/bot/v2/hook",
            "hook": secrets_.feishu_hook, "secret": secrets_.feishu_secret,
            "bodies": ["山西省太原市/*", "山西省大同市/*", "山西省大同市云州区/*"],
            "accept_drills": True, "rate_limits": generous}),
        _table("[[channels]]", {
            "name": "省级指挥平台", "kind": "webhook", "url": f"{feeds_url}/webhook/yuqing",
            "secret": secrets_.webhook_secret, "bodies": ["*"], "kinds": ["leader", "overdue", "confirmed", "report"],
            "accept_drills": True}),
    ]
    return "\n".join(parts)


def create_demo_admin(session: Session, now: datetime, *, password: str, username: str = DEMO_USER) -> str:
    """Create (or reuse) the demo admin and return a fresh API token for it. Commits."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        user = create_user(session, now, username=username, password=password, role="admin",
                           display_name="演示管理员")
    token = issue_token(session, now, user=user, name="demo")[1]
    session.commit()
    return token
