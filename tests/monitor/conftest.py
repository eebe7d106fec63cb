"""Fixtures of the monitoring tests: deployment settings and one poll cycle on the fake clock."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from monitor.config import MonitorConfig, SchemeConfig, SourceConfig
from monitor.models import Item, Source
from monitor.polling import poll_due_sources, sync_sources


@dataclass
class Settings:
    """The parts of the deployment config the monitoring stage reads (yuqing's Config has the same)."""

    monitor: MonitorConfig = field(default_factory=lambda: MonitorConfig(read_timeout=timedelta(seconds=2), connect_timeout=timedelta(seconds=2)))
    schemes: list[SchemeConfig] = field(default_factory=lambda: [SchemeConfig(name="供暖", expression="供暖|停水|停暖")])
    sources: list[SourceConfig] = field(default_factory=list)


class Poller:
    """Sync sources and run poll cycles against a real database on the fake clock."""

    def __init__(self, engine, clock):
        self.engine, self.clock = engine, clock
        self.settings = Settings()

    def add(self, name: str = "测试源", **kwargs) -> "Poller":
        kwargs.setdefault("kind", "feed")
        self.settings.sources.append(SourceConfig(name=name, **kwargs))
        with Session(self.engine) as session:
            sync_sources(session, self.clock.now(), self.settings.sources)
        return self

    def poll(self, *, advance: timedelta | None = None):
        if advance:
            self.clock.advance(advance)
        return asyncio.run(poll_due_sources(self.engine, self.clock.now(), settings=self.settings, rng=random.Random(7)))

    def source(self, name: str = "测试源") -> Source:
        with Session(self.engine) as session:
            row = session.scalars(select(Source).where(Source.name == name)).one()
            session.expunge(row)
            return row

    def items(self, name: str = "测试源") -> list[Item]:
        with Session(self.engine) as session:
            source = session.scalars(select(Source).where(Source.name == name)).one()
            rows = list(session.scalars(select(Item).where(Item.source_id == source.id).order_by(Item.id)))
            for row in rows:
                session.expunge(row)
            return rows


@pytest.fixture
def poller(engine, clock) -> Poller:
    return Poller(engine, clock)
