"""`yuqing demo`: the whole product in one command, on loopback (CONTRACT.md "The demo deployment").

A fresh state folder with SQLite, a generated config (sources on the local feed
server playing the bundled scenario, one channel of every kind pointing at local
sinks, `drill = true`), the demo admin and an API token, and the daemon on a
`ScaledClock(--speed)`. Prints exactly one line on stdout:
``demo: http://127.0.0.1:PORT user=… password=… token=…``. Ctrl-C stops it; the
state folder stays for inspection. See `yuqing.demo.launch` for the steps.
"""

from __future__ import annotations

import sys

from ..demo.deployment import DEFAULT_SPEED, DemoSecrets, demo_config_text, repository_directory
from ..demo.launch import DEFAULT_PORT, launch, prepare
from ..demo.scenario import ScenarioError, bundled_scenarios, load_scenario

__all__ = ["register", "run", "DEFAULT_SPEED"]


def register(sub) -> None:
    p = sub.add_parser("demo", help="run the demo deployment on loopback: sample feeds, local mail/IM sinks, drill clocks",
                       description="Run the whole product on loopback with a scripted scenario (舆情应对演练).")
    p.add_argument("--port", type=int, default=None,
                   help=f"web UI port (default {DEFAULT_PORT}, or a free one when it is taken; 0 = any free port)")
    p.add_argument("--speed", type=float, default=DEFAULT_SPEED,
                   help="clock speed: the default 60 makes one wall-clock minute count as one hour (a 5 h clock lasts "
                        "5 minutes); 3600 is a fast run, one wall second per hour")
    p.add_argument("--scenario", default="shanxi",
                   help=f"bundled scenario ({', '.join(sorted(bundled_scenarios()))}) or a scenario file")
    p.add_argument("--state-dir", default=None, metavar="DIR",
                   help="state folder (must not hold a database yet; default: a new temporary folder)")
    p.set_defaults(handler=run)


def run(args) -> int:
    if not args.speed > 0:
        print("yuqing demo: --speed must be a positive number", file=sys.stderr)
        return 2
    try:
        scenario = load_scenario(args.scenario)
        directory = repository_directory()
    except (ScenarioError, FileNotFoundError) as e:
        print(f"yuqing demo: {e}", file=sys.stderr)
        return 2
    prepared = prepare(state_dir=args.state_dir, port=args.port, default_port=DEFAULT_PORT, command="demo")
    secrets_ = DemoSecrets()
    text = demo_config_text(scenario=scenario, state_dir=prepared.state, web_port=prepared.web_port,
                            feeds_url=prepared.feeds_url, smtp_port=prepared.smtp_port, secrets_=secrets_,
                            directory=directory)
    return launch(prepared, scenario=scenario, config_text=text, accounts=secrets_.accounts(), speed=args.speed,
                  password=secrets_.password, command="demo")
