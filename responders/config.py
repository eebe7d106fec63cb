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
LEVELS = ("province", "city", "county")

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _check_sector(value: str | None) -> str | None:
    if value is not None and value not in SECTORS:
        raise ValueError(f"unknown sector {value!r} (ORG.md sector codes: {', '.join(SECTORS)})")
    return value


class DivisionConfig(Frozen):
    city: str = Field(min_length=2)
    counties: list[str] = []


class DepartmentTemplate(Frozen):
    sector: str
    names: dict[Literal["province", "city", "county"], str]
    vertical: bool = False

    _sector = field_validator("sector")(_check_sector)


class CoordinationTemplate(Frozen):
    role: Literal["government_office", "propaganda", "cyberspace"]
    names: dict[Literal["province", "city", "county"], str]


class DepartmentConfig(Frozen):
    """An explicit body: adds one, or overrides the template's name or vertical flag."""

    locality: str
    sector: str
    name: str
    vertical: bool | None = None
    aliases: list[str] = []

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

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, values):
        for v in values:
            _check_sector(v)
        return values

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


class DirectoryConfig(Frozen):
    jurisdiction: str = Field(min_length=2)
    profile: Literal["shanxi", "guizhou", "national"] = "shanxi"
    include: str | None = None
    divisions: list[DivisionConfig] = []
    department_templates: list[DepartmentTemplate] = []
    coordination_templates: list[CoordinationTemplate] = []
    departments: list[DepartmentConfig] = []
    people: list[PersonConfig] = []
    rota: list[ShiftConfig] = []
    placeholders: PlaceholderConfig = PlaceholderConfig()
    # Extra vertically managed sectors beyond the templates' flags (ORG.md "vertically managed").
    vertical_sectors: list[str] = []


class ClocksConfig(Frozen):
    """Response clocks (RULES.md section 3). Hours are continuous unless `calendar` says otherwise."""

    start: Literal["first_seen", "first_published", "case_opened"] = "first_seen"
    calendar: Literal["continuous", "working_days"] = "continuous"
    first_release: Duration = timedelta(hours=5)        # T-1: authoritative information within 5 h
    press_conference: Duration = timedelta(hours=24)    # T-2: press conference within 24 h
    response: Duration = timedelta(hours=48)            # T-3: other priority opinions within 48 h
