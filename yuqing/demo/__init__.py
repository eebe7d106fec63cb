"""The demo deployment and drills (舆情应对演练): scenarios played over time, local sinks, the outbox.

- `scenario`: the TOML format of timed sample items and the bundled scenarios;
- `player`: which items exist at a moment, as RSS, keyword-search JSON and article pages;
- `sinks`: local SMTP and IM-robot receivers that check and answer like the real services;
- `outbox`: the record of every received message (`GET /api/demo/outbox`);
- `server`: the feed server and sinks on loopback, in the daemon's event loop.
"""

from .outbox import Outbox, classify_message
from .player import FeedPlayer, PlayedItem
from .scenario import Scenario, ScenarioError, bundled_scenarios, load_scenario
from .server import Upstream, bind_loopback, build_upstream_app
from .sinks import RobotAccounts, dingtalk_sign, feishu_sign

__all__ = [
    "Outbox", "classify_message", "FeedPlayer", "PlayedItem", "Scenario", "ScenarioError", "bundled_scenarios",
    "load_scenario", "Upstream", "bind_loopback", "build_upstream_app", "RobotAccounts", "dingtalk_sign",
    "feishu_sign",
]
