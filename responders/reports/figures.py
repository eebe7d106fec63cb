"""The report as data: immutable dataclasses every renderer reads (JSON, CSV, Markdown, HTML).

`Figures` holds everything that is shown with the previous period beside it;
`Report` adds the lists that name cases and bodies (overdue clocks, 约谈
candidates, rumour referrals, source outages) for the period itself.
Durations are hours (clocks) or minutes (acknowledgements) as floats, rounded
to two decimals; rates are fractions in [0, 1] or None when nothing was decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .periods import Period

__all__ = [
    "ClockStats", "AckStats", "BodyStats", "LocalityStats", "Indicator", "UnitIndicators",
    "Figures", "OverdueClock", "InterviewCandidate", "Referral", "SourceOutage", "Report", "Body",
]


@dataclass(frozen=True, order=True)
class Body:
    """A responsible body as in the CONTRACT `responsible` record."""

    name: str
    locality: str = ""
    sector: str | None = None


@dataclass(frozen=True)
class ClockStats:
    """Outcomes of the clocks of one kind (or ``all``) decided in the period."""

    kind: str
    decided: int = 0          # met + overdue
    met: int = 0
    overdue: int = 0
    carried: int = 0          # started before the period's end, still running past it: judged later
    on_time_rate: float | None = None
    median_hours: float | None = None
    p90_hours: float | None = None
    response_hours: tuple[float, ...] = ()   # time to response of every decided clock that got one


@dataclass(frozen=True)
class AckStats:
    """How fast cases opened in the period were acknowledged (确认收到)."""

    cases: int = 0
    acknowledged: int = 0
    unacknowledged: int = 0
    median_minutes: float | None = None
    p90_minutes: float | None = None


@dataclass(frozen=True)
class BodyStats:
    body: Body
    cases: int = 0
    decided: int = 0
    met: int = 0
    overdue: int = 0
    unacknowledged: int = 0   # leader/overdue escalations fired in the period and never acknowledged
    on_time_rate: float | None = None


@dataclass(frozen=True)
class LocalityStats:
    locality: str
    cases: int = 0
    decided: int = 0
    met: int = 0
    overdue: int = 0
    on_time_rate: float | None = None


@dataclass(frozen=True)
class Indicator:
    """One row of 国办发〔2014〕32号 统计表 二、回应解读情况 (RULES.md 7.3): verbatim name and unit."""

    code: str
    name: str
    unit: str
    value: int | None          # None: the records do not carry what this indicator needs
    note: str = ""


@dataclass(frozen=True)
class UnitIndicators:
    """The indicators of one 填报单位: the lead unit of each response (RULES.md A-17)."""

    body: Body
    values: tuple[int | None, ...]


@dataclass(frozen=True)
class Figures:
    period: Period
    cases_opened: int = 0
    dismissed: int = 0
    by_criterion: dict[str, int] = field(default_factory=dict)
    by_severity: dict[str, int] = field(default_factory=dict)
    by_sector: dict[str, int] = field(default_factory=dict)
    clocks: tuple[ClockStats, ...] = ()       # first_release, press_conference, response, all
    acknowledgement: AckStats = AckStats()
    rumour_referrals: int = 0
    sources_down: int = 0
    bodies: tuple[BodyStats, ...] = ()
    localities: tuple[LocalityStats, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    indicators_by_unit: tuple[UnitIndicators, ...] = ()
    cases_over_time: tuple[tuple[str, int], ...] = ()

    def clock(self, kind: str) -> ClockStats:
        for c in self.clocks:
            if c.kind == kind:
                return c
        return ClockStats(kind)

    def body(self, body: Body) -> BodyStats:
        for b in self.bodies:
            if b.body == body:
                return b
        return BodyStats(body)

    def locality(self, locality: str) -> LocalityStats:
        for loc in self.localities:
            if loc.locality == locality:
                return loc
        return LocalityStats(locality)

    def indicator(self, code: str) -> Indicator | None:
        for i in self.indicators:
            if i.code == code:
                return i
        return None


@dataclass(frozen=True)
class OverdueClock:
    case_id: int
    title: str
    kind: str
    bodies: tuple[Body, ...]          # the bodies holding the case at the deadline
    started_at: datetime
    due_at: datetime
    responded_at: datetime | None     # None: still no response at report time
    late_hours: float                 # until the response, or until report time


@dataclass(frozen=True)
class InterviewCandidate:
    body: Body
    overdue: int
    unacknowledged: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Referral:
    case_id: int
    title: str
    at: datetime
    actor: str
    to: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class SourceOutage:
    source: str
    kind: str                        # down | silent
    at: datetime
    recovered_at: datetime | None
    detail: str


@dataclass(frozen=True)
class Report:
    title: str
    generated_at: datetime
    locality: str | None
    current: Figures
    previous: Figures
    overdue: tuple[OverdueClock, ...] = ()
    interview: tuple[InterviewCandidate, ...] = ()
    interview_rule: str = ""
    referrals: tuple[Referral, ...] = ()
    outages: tuple[SourceOutage, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def period(self) -> Period:
        return self.current.period
