"""First-responsible-body assignment (第一责任主体, RULES.md section 4).

Interface (stable): `assign(assessment, directory) -> Assignment`, and
`Assignment.to_record()` gives the CONTRACT.md `responsible` object.
The engine that follows RULES.md 4.2/4.3 replaces the body of `assign`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.assessment import Assessment

from .directory import Directory

__all__ = ["BodyRef", "PersonRef", "Assignment", "assign", "RULES"]

RULES = (
    "national_policy", "superior_request", "policy_document", "single_locality", "vertical_department",
    "multi_county_same_city", "multi_city", "multi_department", "out_of_jurisdiction", "needs_triage",
)


@dataclass(frozen=True)
class BodyRef:
    name: str
    locality: str
    sector: str | None = None
    role: str | None = None

    def to_record(self) -> dict:
        out = {"name": self.name, "locality": self.locality}
        if self.role:
            out["role"] = self.role
        else:
            out["sector"] = self.sector
        return out


@dataclass(frozen=True)
class PersonRef:
    name: str
    locality: str
    role: str

    def to_record(self) -> dict:
        return {"name": self.name, "locality": self.locality, "role": self.role}


@dataclass(frozen=True)
class Assignment:
    rule: str
    first: tuple[BodyRef, ...] = ()
    lead: BodyRef | None = None
    co_responders: tuple[BodyRef, ...] = ()
    coordinators: tuple[BodyRef, ...] = ()
    leader: PersonRef | None = None
    principal: PersonRef | None = None      # A-8 overlay for especially major opinions
    candidates: tuple[BodyRef, ...] = ()    # needs_triage: who it could be
    trace: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    def to_record(self) -> dict:
        """Return the CONTRACT.md `responsible` object."""
        return {
            "rule": self.rule,
            "first": [b.to_record() for b in self.first],
            "lead": self.lead.to_record() if self.lead else None,
            "co_responders": [b.to_record() for b in self.co_responders],
            "coordinators": [b.to_record() for b in self.coordinators],
            "leader": self.leader.to_record() if self.leader else None,
            "trace": list(self.trace),
        }


def assign(assessment: Assessment, directory: Directory) -> Assignment:
    """Return who must respond to `assessment` (placeholder until the rule engine lands)."""
    return Assignment(rule="needs_triage", trace=("规则引擎尚未接入：请值班员人工研判（RULES.md 4.3）",))
