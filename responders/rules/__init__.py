"""The assignment rules of RULES.md section 4: one profile module per rule set, one engine.

    profile.py    what differs between rule sets (data)
    shanxi.py     晋政办发〔2016〕138号, 晋政办发〔2020〕38号
    guizhou.py    黔府办函〔2019〕68号
    national.py   国办发〔2016〕61号, 国办发〔2016〕80号 (A-4 generic)
    scope.py      the localities involved: in and out of the jurisdiction, townships and zones
    bodies.py     coordinators and leaders of an owner
    engine.py     RULES.md 4.2/4.3 in order
    records.py    Assignment, BodyRef, PersonRef
"""

from __future__ import annotations

from . import guizhou, national, shanxi
from .profile import Profile

__all__ = ["PROFILES", "profile_for", "Profile"]

PROFILES: dict[str, Profile] = {p.name: p for p in (shanxi.PROFILE, guizhou.PROFILE, national.PROFILE)}


def profile_for(name: str) -> Profile:
    """Return the rule set called `name`; KeyError names the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown assignment profile {name!r} (known: {', '.join(PROFILES)})") from None
