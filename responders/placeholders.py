"""Placeholder people and rota for an example deployment (``[directory.placeholders] enabled = true``).

Every role of ORG.md gets one reachable example person (example.org addresses,
numbered mobiles) so that the demo and the tests can send alerts to anybody
before a deployment lists its real people.

Why generate and not list them in the TOML: the 山西 example has ~3,600 bodies,
i.e. ~15,000 people; written out they would drown the real configuration.
"""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING

from .config import DirectoryConfig

if TYPE_CHECKING:
    from .directory import Directory, Person, Shift

__all__ = ["placeholder_people", "placeholder_rota", "DEPUTY_GROUPS"]

# How the example splits the sectors among four deputies (分管负责同志) per locality.
DEPUTY_GROUPS = (
    ("education", "health", "medical_insurance", "civil_affairs", "culture_tourism", "veterans", "hrss"),
    ("public_security", "emergency", "justice", "urban_management"),
    ("market", "environment", "housing", "transport", "natural_resources", "water", "energy"),
    ("agriculture", "finance", "taxation", "financial_regulation", "development_reform", "commerce", "industry"),
)
_BODY_ROLES = (("head", "负责人"), ("liaison", "联络人"), ("handler", "承办人"), ("spokesperson", "新闻发言人"))


def placeholder_people(directory: Directory, config: DirectoryConfig, person: type[Person]) -> list[Person]:
    """Return one example person per role of every locality and body, and three on-duty officers."""
    domain = config.placeholders.domain
    prefix = config.placeholders.mobile_prefix
    people: list[Person] = []
    add = people.append
    numbers = iter(range(1, 10**6))

    def mobile() -> str:
        return f"{prefix}{next(numbers):04d}"[-11:]

    for loc in directory.localities.values():
        add(person(f"{loc.short}主要负责同志（示例）", "principal", loc.path, None, (),
                   f"principal.{loc.code}@{domain}", mobile()))
        for gi, group in enumerate(DEPUTY_GROUPS, start=1):
            add(person(f"{loc.short}分管负责同志{gi}（示例）", "deputy", loc.path, None, group,
                       f"deputy.d{gi}.{loc.code}@{domain}", mobile()))
    codes = {loc.path: loc.code for loc in directory.localities.values()}
    for key, body in directory.bodies.items():
        code = codes[body.locality]
        for role, label in _BODY_ROLES:
            add(person(f"{body.name}{label}（示例）", role, body.locality, key, (),
                       f"{role}.{key[1]}.{code}@{domain}", mobile()))
    root = directory.localities[directory.jurisdiction]
    office = (root.path, "government_office")
    for i in range(1, 4):
        add(person(f"值班员{i}（示例）", "officer", root.path, office, (), f"officer.{root.code}.{i}@{domain}", mobile()))
    return people


def placeholder_rota(people: list[Person], shift: type[Shift]) -> list[Shift]:
    """Return three eight-hour shifts a day covering the whole week with the first three officers."""
    officers = [p.name for p in people if p.role == "officer"][:3]
    return [shift(name, frozenset(range(7)), time(i * 8), (i + 1) * 8 * 60) for i, name in enumerate(officers)]
