"""The running deployment's shared state, built once in the composition root and passed down.

Nothing here is global: the daemon, the CLI commands and every test build
their own `Runtime`.
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
import time
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram
from sqlalchemy.engine import Engine

from monitor.judgement import Judge
from monitor.judgement.sentiment import snownlp_loaded
from monitor.places import use_gazetteer
from responders.directory import Directory, build_directory

from .clock import Clock
from .config import Config
from .db import make_engine
from .logsecrets import hide_secrets_of

logger = logging.getLogger(__name__)

__all__ = ["Runtime", "Health", "Metrics", "settle_heap"]


@dataclass
class Health:
    """What /healthz reports: each part flips to True once it is up."""

    database: bool = False
    scheduler: bool = False
    web: bool = False
    last_loop_at: float = 0.0     # time.monotonic() of the last main-loop tick
    details: dict[str, str] = field(default_factory=dict)

    def ok(self) -> bool:
        return self.database and self.scheduler and self.web


class Metrics:
    """The Prometheus registry of one runtime (no global default registry)."""

    def __init__(self):
        self.registry = CollectorRegistry()
        self.job_runs = Counter("yuqing_job_runs_total", "Scheduled job runs", ["job"], registry=self.registry)
        self.job_failures = Counter("yuqing_job_failures_total", "Scheduled job runs that raised", ["job"], registry=self.registry)
        self.job_seconds = Histogram("yuqing_job_duration_seconds", "Scheduled job duration", ["job"], registry=self.registry)
        self.reloads = Counter("yuqing_config_reloads_total", "Config reloads on SIGHUP", ["result"], registry=self.registry)


class Runtime:
    def __init__(self, config: Config, clock: Clock, *, engine: Engine | None = None, config_path: str | None = None):
        hide_secrets_of(config)
        self.config = config
        self.config_path = config_path
        self.clock = clock
        self.engine = engine or make_engine(config.database_url(), echo=config.storage.echo)
        self.health = Health()
        self.metrics = Metrics()
        self.started_monotonic = time.monotonic()
        self._directory: Directory | None = None
        self._judge: Judge | None = None
        # Called when the jobs stop (shutdown, or before a reload rebuilds them): lease releases.
        self.on_stop: list = []
        self._snownlp_settled = False

    @property
    def directory(self) -> Directory:
        """Return the expanded organisation directory (built on first use, rebuilt on reload)."""
        if self._directory is None:
            self._directory = build_directory(self.config.directory)
        return self._directory

    @property
    def judge(self) -> Judge:
        """Return the judgement rules (lexicons, gazetteer), loaded on first use, reloaded with the config."""
        if self._judge is None:
            self._judge = Judge.from_config(self.config.judgement, self.config.directory.jurisdiction,
                                            base_dir=self.config.base_dir, state_dir=self.config.state_path())
            use_gazetteer(self._judge.gazetteer)     # the near-duplicate guard reads places with it too
        return self._judge

    def warm_up(self) -> None:
        """Build the directory and the judge now, then settle the heap (`settle_heap`).

        The daemon calls this at start and after each reload, before any job
        runs: a broken lexicon or place file shows at once, and the first poll
        and judgement do not pay the loads (the judge's gazetteer also serves
        the near-duplicate guard: `monitor.places.use_gazetteer`).
        """
        self.directory, self.judge      # noqa: B018 - built for their side effect
        settle_heap()

    def settle_new_loads(self) -> None:
        """Settle the heap once after SnowNLP's model was loaded (lazily, by the first borderline item)."""
        if not self._snownlp_settled and snownlp_loaded():
            self._snownlp_settled = True
            settle_heap()

    def wall_now(self):
        """Return the real time: the clock's, unless it runs faster (a drill's `ScaledClock`).

        Security windows (sign-in waits, session lifetimes, token use) use this,
        never the drill clock: at x600 a 15-minute wait would last 1.5 s.
        """
        wall = getattr(self.clock, "wall_now", None)
        return wall() if wall is not None else self.clock.now()

    def secret_key(self) -> str:
        """Return the cookie-signing key: from config, else generated once into the state directory.

        Why generated and stored: a deployment should work without choosing a key, and a key that
        changed at every restart would sign every officer out.
        """
        if self.config.web.secret_key is not None:
            return self.config.web.secret_key.get_secret_value()
        path = self.config.state_path() / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        return path.read_text().strip()

    def run_stop_hooks(self) -> None:
        """Call and forget every `on_stop` hook; a failing hook is logged, the others still run."""
        hooks, self.on_stop = self.on_stop, []
        for hook in hooks:
            try:
                hook()
            except Exception:  # noqa: BLE001 - shutdown must go on
                logger.exception("stop hook %r failed", hook)

    def replace_config(self, config: Config) -> None:
        hide_secrets_of(config)
        self.config = config
        self._directory = None
        self._judge = None


def settle_heap() -> None:
    """Collect garbage once, then move every live object out of the cyclic collector's reach (`gc.freeze`).

    Why: the directory, the judge's automata and tables and, once a borderline
    item needs it, SnowNLP's model (~420 MB of dicts) live as long as the
    process; every full collection walked all of them again, ~0.1 s each, a
    few times per ingest cycle (bench.ingest: 0.2-0.36 s of 6 s of CPU). Frozen
    objects are still freed by reference counting; what a reload replaces is
    unfrozen and collected here first, so that its reference cycles (the old
    judge's caches) are not kept for ever.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
