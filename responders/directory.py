"""The organisation directory (ORG.md): localities, bodies and people, expanded from config.

`build_directory(config)` turns the compact `DirectoryConfig` (tree, templates,
explicit overrides, aliases, placeholder generation) into lookup tables:

- `localities`: full path -> `Locality` (province, city, county, zone levels);
- `bodies`: (locality, sector or coordination role) -> `Body`;
- `people`: per body and per role, with the channels that reach them;
- indexes that keep every lookup the assignment engine makes O(1): children by
  parent, principal and deputy-by-sector per locality, people by (body, role),
  bodies by official name or alias (RULES.md A-16), upper department of a
  vertically managed body (RULES.md A-3).

Bodies are compared by (locality full path, sector or role), never by display
name (ORG.md "Names"). Plain dataclasses, not pydantic models: the example
deployment expands to ~3,600 bodies and ~15,000 people and must load fast
(`bench/assignment.py`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import time

from .config import AssignmentConfig, DirectoryConfig
from .directory_checks import directory_problems
from .orgtree import Locality, expand_tree, minutes, parse_days
from .placeholders import placeholder_people, placeholder_rota

__all__ = ["Locality", "Body", "Person", "Shift", "Directory", "build_directory", "directory_problems"]

BodyKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Body:
    name: str
    locality: str
    sector: str | None = None         # departments
    role: str | None = None           # coordination bodies: government_office | propaganda | cyberspace
    vertical: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> BodyKey:
        return (self.locality, self.sector or self.role or "")


@dataclass(slots=True)
class Person:
    """One reachable person. Not frozen: building ~15,000 frozen instances costs 5x more (see bench)."""

    name: str
    role: str
    locality: str
    body: BodyKey | None = None            # Body.key for head/liaison/handler/spokesperson/officer
    sectors: tuple[str, ...] = ()          # deputy: sectors in charge
    email: str | None = None
    mobile: str | None = None
    wecom: str | None = None
    dingtalk: str | None = None
    feishu: str | None = None


@dataclass(frozen=True, slots=True)
class Shift:
    officer: str
    weekdays: frozenset[int]
    start: time
    end_minutes: int          # minutes after midnight, 1440 allowed


@dataclass
class Directory:
    jurisdiction: str
    profile: str
    localities: dict[str, Locality] = field(default_factory=dict)
    bodies: dict[BodyKey, Body] = field(default_factory=dict)
    people_by_body: dict[BodyKey, list[Person]] = field(default_factory=lambda: defaultdict(list))
    people_by_locality: dict[str, list[Person]] = field(default_factory=lambda: defaultdict(list))
    rota: list[Shift] = field(default_factory=list)
    vertical_sectors: frozenset[str] = frozenset()
    settings: AssignmentConfig = field(default_factory=AssignmentConfig)
    # Configured upper department of vertically managed bodies (RULES.md A-3): body key -> upper key.
    uppers: dict[BodyKey, BodyKey] = field(default_factory=dict)
    # Official names and aliases (former names after institutional reform, A-16) -> body key.
    names: dict[str, BodyKey] = field(default_factory=dict)
    _children: dict[str, list[Locality]] = field(default_factory=lambda: defaultdict(list), repr=False)
    _principals: dict[str, Person] = field(default_factory=dict, repr=False)
    _deputies: dict[str, list[Person]] = field(default_factory=lambda: defaultdict(list), repr=False)
    _deputy_by_sector: dict[tuple[str, str], Person] = field(default_factory=dict, repr=False)
    _by_body_role: dict[tuple[BodyKey, str], list[Person]] = field(default_factory=lambda: defaultdict(list), repr=False)

    # --- localities -------------------------------------------------------------------------
    def locality(self, path: str) -> Locality | None:
        return self.localities.get(path)

    def children(self, path: str) -> list[Locality]:
        return list(self._children.get(path, ()))

    def ancestors(self, path: str) -> list[str]:
        """Return the full paths above `path`, nearest first; [] for the root or an unknown path."""
        out = []
        loc = self.localities.get(path)
        while loc is not None and loc.parent is not None:
            out.append(loc.parent)
            loc = self.localities.get(loc.parent)
        return out

    def city_of(self, path: str) -> str | None:
        """Return the city-level locality containing `path` (itself if it is a city), else None."""
        loc = self.localities.get(path)
        while loc is not None and loc.level not in ("city", "province"):
            loc = self.localities.get(loc.parent) if loc.parent else None
        return loc.path if loc is not None and loc.level == "city" else None

    # --- bodies -----------------------------------------------------------------------------
    def body(self, locality: str, sector_or_role: str) -> Body | None:
        return self.bodies.get((locality, sector_or_role))

    def resolve_name(self, name: str) -> Body | None:
        """Return the body officially called `name` or known by it as an alias (A-16 successor), else None."""
        key = self.names.get(name.strip())
        return self.bodies.get(key) if key else None

    def upper(self, body: Body) -> Body | None:
        """Return the upper department leading a vertically managed `body` (RULES.md A-3), else None.

        The configured `upper` wins; otherwise the nearest ancestor locality with a body of the
        same sector. None when the upper department is outside the directory (e.g. national).
        """
        key = self.uppers.get(body.key)
        if key is not None:
            return self.bodies.get(key)
        for path in self.ancestors(body.locality):
            up = self.bodies.get((path, body.sector or body.role or ""))
            if up is not None:
                return up
        return None

    # --- people -----------------------------------------------------------------------------
    def people(self, key: BodyKey, role: str) -> list[Person]:
        return list(self._by_body_role.get((key, role), ()))

    def principal(self, locality: str) -> Person | None:
        """Return the 主要负责同志 of `locality`, else None."""
        return self._principals.get(locality)

    def deputy_for(self, locality: str, sector: str | None) -> Person | None:
        """Return the 分管负责同志 of `sector` at `locality`, else the first deputy, else None."""
        found = self._deputy_by_sector.get((locality, sector)) if sector else None
        if found is not None:
            return found
        deputies = self._deputies.get(locality)
        return deputies[0] if deputies else None

    def deputy_in_charge(self, locality: str, sector: str) -> Person | None:
        """Return the deputy whose 分管 list names `sector` at `locality`; no fallback."""
        return self._deputy_by_sector.get((locality, sector))

    # --- building ---------------------------------------------------------------------------
    def _add_people(self, people: list[Person]) -> None:
        # Local names: this loop runs ~15,000 times on every start and reload (bench/assignment.py).
        by_body, by_role, by_loc = self.people_by_body, self._by_body_role, self.people_by_locality
        principals, deputies, by_sector = self._principals, self._deputies, self._deputy_by_sector
        for p in people:
            body = p.body
            if body:
                by_body[body].append(p)
                by_role[(body, p.role)].append(p)
            by_loc[p.locality].append(p)
            if body is None:
                if p.role == "principal":
                    principals.setdefault(p.locality, p)
                elif p.role == "deputy":
                    deputies[p.locality].append(p)
                    for s in p.sectors:
                        by_sector.setdefault((p.locality, s), p)


def _add_names(directory: Directory, config: DirectoryConfig) -> None:
    names = directory.names
    for key, body in directory.bodies.items():
        names.setdefault(body.name, key)
    for key, body in directory.bodies.items():
        for alias in body.aliases:
            names.setdefault(alias, key)
    for t in config.alias_templates:
        target = t.sector or t.role
        for loc in directory.localities.values():
            patterns = t.names.get(loc.level)
            if not patterns or (loc.path, target) not in directory.bodies:
                continue
            for pattern in patterns:
                names.setdefault(pattern.format(name=loc.short), (loc.path, target))


def build_directory(config: DirectoryConfig) -> Directory:
    """Return the expanded directory; assumes `directory_problems(config)` found nothing."""
    directory = Directory(config.jurisdiction, config.profile, vertical_sectors=frozenset(config.vertical_sectors),
                          settings=config.assignment)
    for loc in expand_tree(config):
        directory.localities[loc.path] = loc
        if loc.parent is not None:
            directory._children[loc.parent].append(loc)
    bodies = directory.bodies
    vertical_sectors = directory.vertical_sectors
    for loc in directory.localities.values():
        name, level, path = loc.short, loc.level, loc.path
        for t in config.coordination_templates:
            pattern = t.names.get(level)
            if pattern is not None:
                bodies[(path, t.role)] = Body(pattern.format(name=name), path, role=t.role)
        for t in config.department_templates:
            pattern = t.names.get(level)
            if pattern is not None:
                vertical = t.vertical or t.sector in vertical_sectors
                bodies[(path, t.sector)] = Body(pattern.format(name=name), path, sector=t.sector, vertical=vertical)
    for d in config.departments:
        old = bodies.get((d.locality, d.sector))
        vertical = d.vertical if d.vertical is not None else (old.vertical if old else d.sector in vertical_sectors)
        bodies[(d.locality, d.sector)] = Body(d.name, d.locality, sector=d.sector, vertical=vertical, aliases=tuple(d.aliases))
        if d.upper:
            directory.uppers[(d.locality, d.sector)] = (d.upper, d.sector)
    _add_names(directory, config)

    explicit = [
        Person(p.name, p.role, p.locality,
               body=(p.locality, p.sector or p.body_role) if (p.sector or p.body_role) else None,
               sectors=tuple(p.sectors), email=p.email, mobile=p.mobile, wecom=p.wecom,
               dingtalk=p.dingtalk, feishu=p.feishu)
        for p in config.people
    ]
    directory._add_people(explicit)
    people = explicit
    if config.placeholders.enabled:
        # Explicit people win: a generated one is added only where no real person holds the role.
        taken = {(p.locality, p.body, p.role) for p in explicit}
        real_deputies = {p.locality for p in explicit if p.role == "deputy"}
        generated = placeholder_people(directory, config, Person)
        if explicit:
            generated = [p for p in generated if (p.locality, p.body, p.role) not in taken
                         and not (p.role == "deputy" and p.locality in real_deputies)]
        directory._add_people(generated)
        people = explicit + generated
    if config.rota:
        directory.rota = [Shift(s.officer, parse_days(s.days), time(minutes(s.start) // 60 % 24, minutes(s.start) % 60),
                                minutes(s.end)) for s in config.rota]
    elif config.placeholders.enabled:
        directory.rota = placeholder_rota(people, Shift)
    return directory
