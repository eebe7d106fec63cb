"""The demo deployment and drills (舆情应对演练): scenarios played over time, local sinks, the outbox.

- `scenario`: the TOML format of timed sample items and the bundled scenarios;
- `player`: which items exist at a moment, as RSS, keyword-search JSON and article pages;
- `sinks`: local SMTP and IM-robot receivers that check and answer like the real services;
- `outbox`: the record of every received message (`GET /api/demo/outbox`);
- `server`: the feed server and sinks on loopback (an ASGI app plus an SMTP server);
- `deployment`: the generated demo configuration and the demo account;
- `drill`: a real deployment's configuration turned into a drill (`yuqing drill`);
- `launch`: ports, state folder, config, account, the sinks' process and the daemon;
- `web`: the outbox endpoint and page (only in demo and drill deployments).

Only the light modules are re-exported here: `yuqing.config` imports `DemoConfig`
on every command, and the servers (uvicorn, aiosmtpd) are needed only by the demo.
"""

from .config import DemoConfig
from .outbox import Outbox, classify_message
from .scenario import Scenario, ScenarioError, bundled_scenarios, load_scenario

__all__ = ["DemoConfig", "Outbox", "classify_message", "Scenario", "ScenarioError", "bundled_scenarios",
           "load_scenario"]
