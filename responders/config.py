"""Configuration of the responders stage: the organisation directory and the response clocks.

The directory is written compactly: the administrative tree, department and
coordination-body *templates* expanded at every level, explicit bodies and
people that override the templates, and an on-duty rota. `responders.directory`
expands it into the lookup structure the assignment engine uses.

TOML example (usually kept in its own file, ``[directory] include = "directory/shanxi.toml"``)::

    [directory]
    jurisdiction = "山西省"
    profile = "shanxi"                       # shanxi | guizhou | national (RULES.md 4, section 10)

    [[directory.divisions]]
    city = "晋中市"
    counties = ["榆次区", "太谷区"]

    [[directory.department_templates]]
    sector = "education"
    names = { province = "{name}教育厅", city = "{name}教育局", county = "{name}教育局" }

    [[directory.alias_templates]]            # former names after the 2018 reform (RULES.md A-16)
    sector = "environment"
    names = { province = ["{name}环境保护厅", "省环保厅"] }

    [directory.assignment]                   # open-question switches (README "Who must respond")
    no_locality = "triage"

    [[directory.people]]
    name = "张三"
    role = "liaison"
    locality = "山西省晋中市太谷区"
    sector = "education"
    email = "zhangsan@example.org"
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from monitor.configtypes import Duration, Frozen

__all__ = [
    "SECTORS",
    "COORDINATION_ROLES",
    "PERSON_ROLES",
    "DivisionConfig",
    "DepartmentTemplate",
    "CoordinationTemplate",
    "DepartmentConfig",
    "PersonConfig",
    "ShiftConfig",
    "PlaceholderConfig",
    "DirectoryConfig",
    "ClocksConfig",
    "CalendarConfig",
    "LadderConfig",
    "STEP_KINDS",
    "RECIPIENT_ROLES",
]

# ORG.md "Sectors": every department has exactly one of these codes.
SECTORS = (
    "education", "health", "medical_insurance", "market", "environment", "housing", "hrss",
    "public_security", "emergency", "transport", "natural_resources", "civil_affairs",
    "agriculture", "water", "finance", "taxation", "financial_regulation",
    "development_reform", "culture_tourism", "urban_management", "energy", "justice",
    "veterans", "commerce", "industry",
)
COORDINATION_ROLES = ("government_office", "propaganda", "cyberspace")
PERSON_ROLES = ("principal", "deputy", "head", "liaison", "handler", "spokesperson", "officer")
LEVELS = ("province", "city", "county", "zone")
# Subjects outside the administrative organs the opinion rules cover (RULES.md E-9).
NON_GOVERNMENT_ROLES = ("party_committee", "npc", "cppcc", "court", "procuratorate", "enterprise", "organisation")
_Level = Literal["province", "city", "county", "zone"]

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _check_sectors(values: list[str]) -> list[str]:
    for value in values:
        _check_sector(value)
    return values


def _check_sector(value: str | None) -> str | None:
    if value is not None and value not in SECTORS:
        raise ValueError(f"unknown sector {value!r} (ORG.md sector codes: {', '.join(SECTORS)})")
    return value


class DivisionConfig(Frozen):
    city: str = Field(min_length=2)
    counties: list[str] = []
    # 开发区 / 新区 managed by the city: county-level units beside the counties (RULES.md E-3).
    zones: list[str] = []


class DepartmentTemplate(Frozen):
    sector: str
    names: dict[_Level, str]
    vertical: bool = False

    _sector = field_validator("sector")(_check_sector)


class CoordinationTemplate(Frozen):
    role: Literal["government_office", "propaganda", "cyberspace"]
    names: dict[_Level, str]


class AliasTemplate(Frozen):
    """Former or informal names of a sector's (or coordination role's) bodies at each level (RULES.md A-16).

    ``{name}`` is the locality's name as in the department templates. Example::

        [[alias_templates]]
        sector = "environment"
        names = { province = ["{name}环境保护厅", "省环保厅"], city = ["{name}环境保护局", "{name}环保局"] }
    """

    sector: str | None = None
    role: Literal["government_office", "propaganda", "cyberspace"] | None = None
    names: dict[_Level, list[str]]

    _sector = field_validator("sector")(_check_sector)

    @model_validator(mode="after")
    def _one_target(self):
        if (self.sector is None) == (self.role is None):
            raise ValueError("give exactly one of sector or role")
        return self


class DepartmentConfig(Frozen):
    """An explicit body: adds one, or overrides the template's name or vertical flag."""

    locality: str
    sector: str
    name: str
    vertical: bool | None = None
    aliases: list[str] = []
    # Vertically managed: the locality of the upper department (default: the nearest ancestor that has
    # a department of the same sector). It coordinates the response (RULES.md A-3).
    upper: str | None = None

    _sector = field_validator("sector")(_check_sector)


class PersonConfig(Frozen):
    name: str = Field(min_length=1)
    role: Literal["principal", "deputy", "head", "liaison", "handler", "spokesperson", "officer"]
    locality: str
    sector: str | None = None                     # for head/liaison/handler/spokesperson of a department
    body_role: Literal["government_office", "propaganda", "cyberspace"] | None = None
    sectors: list[str] = []                       # for a deputy: the sectors in charge (分管)
    email: str | None = None
    mobile: str | None = None
    wecom: str | None = None
    dingtalk: str | None = None
    feishu: str | None = None

    _sector = field_validator("sector")(_check_sector)

    _sectors = field_validator("sectors")(_check_sectors)

    @model_validator(mode="after")
    def _reachable(self):
        if not any((self.email, self.mobile, self.wecom, self.dingtalk, self.feishu)):
            raise ValueError(f"person {self.name!r} has no channel (email, mobile, wecom, dingtalk or feishu)")
        return self


class ShiftConfig(Frozen):
    officer: str
    days: str = "mon-sun"
    start: str = "00:00"
    end: str = "24:00"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value):
        if not _HHMM.match(value):
            raise ValueError(f"time {value!r} is not HH:MM")
        return value


class PlaceholderConfig(Frozen):
    """Generate example people for every role that the explicit list leaves empty."""

    enabled: bool = False
    domain: str = "example.org"
    mobile_prefix: str = "1380000"


class BodyKeyConfig(Frozen):
    """A body named by (locality full path, sector) or (locality, coordination role)."""

    locality: str
    sector: str | None = None
    role: Literal["government_office", "propaganda", "cyberspace"] | None = None

    _sector = field_validator("sector")(_check_sector)

    @model_validator(mode="after")
    def _one_target(self):
        if (self.sector is None) == (self.role is None):
            raise ValueError("give exactly one of sector or role")
        return self

    @property
    def key(self) -> tuple[str, str]:
        return (self.locality, self.sector or self.role or "")


class LeadConfig(Frozen):
    """A standing 牵头部门 for opinions that involve all of `sectors` (RULES.md A-7 "必要时可确定牵头部门")."""

    sectors: list[str] = Field(min_length=2)
    lead: str

    _lead = field_validator("lead")(_check_sector)

    _sectors = field_validator("sectors")(_check_sectors)

    @model_validator(mode="after")
    def _lead_is_involved(self):
        if self.lead not in self.sectors:
            raise ValueError(f"lead {self.lead!r} is not one of sectors {self.sectors}")
        return self


class PolicyConfig(Frozen):
    """A policy document and its 牵头起草部门 first, then co-drafters (RULES.md A-10..A-12, Q-20)."""

    title: str = Field(min_length=2)
    drafting: list[BodyKeyConfig] = Field(min_length=1)


class AssignmentConfig(Frozen):
    """Switches for the open questions of RULES.md section 10 that the assignment engine decides.

    README "Who must respond: rules and open-question decisions" gives the reasons for each default.
    """

    no_locality: Literal["triage", "jurisdiction"] = "triage"                       # E-5
    cross_province: Literal["local_part", "triage"] = "local_part"                 # E-4
    guizhou_policy_owner: Literal["drafting_department", "local_government"] = "drafting_department"  # E-15
    multi_department_leader: Literal["first_sector_deputy", "principal"] = "first_sector_deputy"   # E-6
    vertical_multi_locality: Literal["upper_vertical", "triage"] = "upper_vertical"                 # E-2
    zones: Literal["own_or_parent", "parent"] = "own_or_parent"                    # E-3
    cyberspace_for_rumours: bool = True                                            # R-1, L-1
    leads: list[LeadConfig] = []                                                   # A-7, E-6
    policies: list[PolicyConfig] = []                                              # A-10..A-12, Q-20


class DirectoryConfig(Frozen):
    jurisdiction: str = Field(min_length=2)
    profile: Literal["shanxi", "guizhou", "national"] = "shanxi"
    include: str | None = None
    divisions: list[DivisionConfig] = []
    department_templates: list[DepartmentTemplate] = []
    coordination_templates: list[CoordinationTemplate] = []
    departments: list[DepartmentConfig] = []
    alias_templates: list[AliasTemplate] = []
    people: list[PersonConfig] = []
    rota: list[ShiftConfig] = []
    placeholders: PlaceholderConfig = PlaceholderConfig()
    # Extra vertically managed sectors beyond the templates' flags (ORG.md "vertically managed").
    vertical_sectors: list[str] = []
    assignment: AssignmentConfig = AssignmentConfig()


STEP_KINDS = ("opened", "reminder", "leader", "overdue", "follow_up", "confirmed", "reassigned", "regraded", "closed", "dismissed")
RECIPIENT_ROLES = ("liaison", "handler", "head", "spokesperson", "officer", "deputy", "coordination", "principal")
_CLOCK_KINDS = ("first_release", "press_conference", "response")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CalendarConfig(Frozen):
    """Working time for `calendar = "working_days"` / `"working_hours"` (local rules; RULES.md T-29).

    `working_days`: only working days count, all 24 hours of them (weekends and
    holidays are skipped whole). `working_hours`: only `start`..`end` of working
    days count. `holidays` are dates off; `workdays` are weekend dates worked (调休).
    """

    timezone: str = "Asia/Shanghai"
    days: str = "mon-fri"
    start: str = "09:00"
    end: str = "17:00"
    holidays: list[str] = []
    workdays: list[str] = []

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value):
        if not _HHMM.match(value):
            raise ValueError(f"time {value!r} is not HH:MM")
        return value

    @field_validator("holidays", "workdays")
    @classmethod
    def _dates(cls, values):
        for v in values:
            if not _DATE.match(v):
                raise ValueError(f"date {v!r} is not YYYY-MM-DD")
        return values

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value):
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception as e:  # noqa: BLE001 - any lookup failure is the same config mistake
            raise ValueError(f"unknown time zone {value!r}") from e
        return value

    @model_validator(mode="after")
    def _window(self):
        if self.end <= self.start:
            raise ValueError(f"working time end {self.end} must be after start {self.start}")
        return self


def _default_leader_before() -> dict[str, timedelta]:
    return {"first_release": timedelta(hours=1), "press_conference": timedelta(hours=4), "response": timedelta(hours=8)}


def _default_repeat() -> dict[str, timedelta]:
    return {"opened": timedelta(minutes=30), "reminder": timedelta(hours=1), "leader": timedelta(minutes=30),
            "overdue": timedelta(hours=1)}


def _default_recipients() -> dict[str, list[str]]:
    return {
        "opened": ["liaison", "handler", "officer"],
        "reminder": ["liaison", "handler", "officer"],
        "leader": ["head", "deputy", "officer"],
        "overdue": ["coordination", "principal", "officer"],
        "follow_up": ["liaison", "handler"],
        "confirmed": ["liaison", "handler", "officer"],
        "reassigned": ["liaison", "handler", "officer"],
        "regraded": ["liaison", "handler", "officer"],
        "closed": ["liaison", "officer"],
        "dismissed": ["liaison", "officer"],
    }


class LadderConfig(Frozen):
    """The escalation ladder (RULES.md 5.6, 6; N-11: the thresholds are the product's choice).

    Defaults: on opening the first body's liaison and handler plus the on-duty
    officer; a reminder at `reminder_at` of the span; the body head and the
    sector's 分管负责同志 `leader_before` the deadline; at expiry the coordination
    office and, for especially major cases only, the 主要负责同志 (A-8). A fired
    step repeats every `repeat[step]` until acknowledged or superseded by the
    clock's next step. `principal` in a recipient list only applies to
    especially major cases.

    Repeats are bounded (issue 15.5): the n-th repeat waits `repeat[step]` times
    `repeat_backoff` to the power n-1 (1.0: a fixed interval), and a step repeats at
    most `max_repeats` times (0: no cap). The first repeats always go out; the last one
    says that it is the last.
    """

    reminder_at: float = Field(default=0.5, gt=0, lt=1)
    leader_before: dict[Literal["first_release", "press_conference", "response"], Duration] = Field(default_factory=_default_leader_before)
    repeat: dict[Literal["opened", "reminder", "leader", "overdue"], Duration | None] = Field(default_factory=_default_repeat)
    repeat_backoff: float = Field(default=2.0, ge=1.0, le=10.0)
    max_repeats: int = Field(default=6, ge=0, le=1000)
    recipients: dict[Literal["opened", "reminder", "leader", "overdue", "follow_up", "confirmed", "reassigned",
                             "regraded", "closed", "dismissed"], list[
        Literal["liaison", "handler", "head", "spokesperson", "officer", "deputy", "coordination", "principal"]]] = Field(
        default_factory=_default_recipients)

    @model_validator(mode="before")
    @classmethod
    def _merge_defaults(cls, data):
        # A partial table (`[clocks.ladder.repeat] leader = "15m"`) overrides only the keys it names.
        if isinstance(data, dict):
            data = dict(data)
            for key, default in (("leader_before", _default_leader_before), ("repeat", _default_repeat),
                                 ("recipients", _default_recipients)):
                if isinstance(data.get(key), dict):
                    data[key] = {**default(), **data[key]}
        return data

    @field_validator("repeat")
    @classmethod
    def _repeat_positive(cls, values):
        for step, value in values.items():
            if value is not None and timedelta(0) < value < timedelta(minutes=1):
                raise ValueError(f"repeat interval of {step} must be at least 1m (0 turns repeats off)")
        return values


class ClocksConfig(Frozen):
    """Response clocks (RULES.md section 3). Hours are continuous unless `calendar` says otherwise.

    `start`: when a clock starts (N-1; README "Response clocks"). `superior_order_start`:
    a superior's request (P1e, A-13) starts at the order's time when it is known.
    `follow_up_every`: optional 持续发布 reminders (T-5) after the first response, until closed.
    `regrade_grace`: a replacement clock after a severity change is never due sooner than this.
    `lease_ttl`/`lease_renew`: failover of the clock loop between daemons (takeover <= ttl + 1 s).
    `retry_after`: how far a step whose handling raised is pushed forward (no crash loop).
    """

    start: Literal["first_seen", "first_published", "case_opened"] = "first_seen"
    superior_order_start: bool = True
    calendar: Literal["continuous", "working_days", "working_hours"] = "continuous"
    working: CalendarConfig = CalendarConfig()
    timezone: str = "Asia/Shanghai"                     # for the on-duty rota
    first_release: Duration = timedelta(hours=5)        # T-1: authoritative information within 5 h
    press_conference: Duration = timedelta(hours=24)    # T-2: press conference within 24 h
    response: Duration = timedelta(hours=48)            # T-3: other priority opinions within 48 h
    ladder: LadderConfig = LadderConfig()
    follow_up_every: Duration | None = None             # T-5: continuous release reminders
    regrade_grace: Duration = timedelta(hours=1)
    lease_ttl: Duration = timedelta(seconds=10)
    lease_renew: Duration = timedelta(seconds=2)
    retry_after: Duration = timedelta(minutes=5)

    @model_validator(mode="after")
    def _ladder_fits(self):
        for kind in _CLOCK_KINDS:
            span = getattr(self, kind)
            before = self.ladder.leader_before.get(kind)
            if span <= timedelta(0):
                raise ValueError(f"{kind} must be a positive duration")
            if before is not None and before >= span:
                raise ValueError(f"ladder.leader_before.{kind} ({before}) must be shorter than {kind} ({span})")
        if self.lease_renew * 2 > self.lease_ttl:
            raise ValueError("lease_renew must be at most half of lease_ttl")
        return self
