"""The assignment result: who responds, who coordinates, which leader stands behind them, and why.

`Assignment.to_record()` is the CONTRACT.md `responsible` object (extended with
`principal` and `candidates`); `Assignment.from_record()` reads it back, so a
stored case can be overridden later (`responders.assignment.apply_override`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BodyRef", "PersonRef", "Assignment", "RULES"]

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

    @property
    def key(self) -> tuple[str, str]:
        """Return (locality, sector or role): how bodies are compared (ORG.md "Names")."""
        return (self.locality, self.sector or self.role or "")

    def to_record(self) -> dict:
        out = {"name": self.name, "locality": self.locality}
        if self.role:
            out["role"] = self.role
        else:
            out["sector"] = self.sector
        return out

    @classmethod
    def from_record(cls, record: dict) -> BodyRef:
        return cls(record["name"], record["locality"], record.get("sector"), record.get("role"))


@dataclass(frozen=True)
class PersonRef:
    name: str
    locality: str
    role: str

    def to_record(self) -> dict:
        return {"name": self.name, "locality": self.locality, "role": self.role}

    @classmethod
    def from_record(cls, record: dict) -> PersonRef:
        return cls(record["name"], record["locality"], record["role"])


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

    @property
    def owner(self) -> BodyRef | None:
        """Return the body of record for the clocks: the lead, else the only first body, else None (A-7, E-6)."""
        if self.lead is not None:
            return self.lead
        return self.first[0] if len(self.first) == 1 else None

    def to_record(self) -> dict:
        """Return the CONTRACT.md `responsible` object."""
        return {
            "rule": self.rule,
            "first": [b.to_record() for b in self.first],
            "lead": self.lead.to_record() if self.lead else None,
            "co_responders": [b.to_record() for b in self.co_responders],
            "coordinators": [b.to_record() for b in self.coordinators],
            "leader": self.leader.to_record() if self.leader else None,
            "principal": self.principal.to_record() if self.principal else None,
            "candidates": [b.to_record() for b in self.candidates],
            "trace": list(self.trace),
        }

    @classmethod
    def from_record(cls, record: dict) -> Assignment:
        """Return the assignment stored as `record` (the inverse of `to_record`)."""
        bodies = lambda key: tuple(BodyRef.from_record(r) for r in record.get(key) or ())  # noqa: E731
        person = lambda key: PersonRef.from_record(record[key]) if record.get(key) else None  # noqa: E731
        return cls(
            rule=record["rule"], first=bodies("first"),
            lead=BodyRef.from_record(record["lead"]) if record.get("lead") else None,
            co_responders=bodies("co_responders"), coordinators=bodies("coordinators"),
            leader=person("leader"), principal=person("principal"), candidates=bodies("candidates"),
            trace=tuple(record.get("trace") or ()),
        )
