"""The organisation directory (ORG.md): localities, bodies and people, expanded from config.

`build_directory(config)` turns the compact `DirectoryConfig` (tree, templates,
explicit overrides, placeholder generation) into immutable lookup tables:

- `localities`: full path -> `Locality` (province, city, county levels);
- `bodies`: (locality, sector or coordination role) -> `Body`;
- `people`: per body and per role, with the channels that reach them.

Bodies are compared by (locality full path, sector or role), never by display
name (ORG.md "Names"). Plain dataclasses, not pydantic models: the example
deployment expands to ~3,600 bodies and ~15,000 people and must load fast.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import time

from .config import SECTORS, DirectoryConfig

__all__ = ["Locality", "Body", "Person", "Directory", "build_directory", "directory_problems"]

_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")


@dataclass(frozen=True, slots=True)
class Locality:
    path: str            # full path name, e.g. 山西省晋中市太谷区
    name: str            # own name, e.g. 太谷区
    level: str           # province | city | county
    parent: str | None
    code: str            # stable positional id used in placeholder addresses

    @property
    def short(self) -> str:
        """Return the name used in body names: the path without the province (ORG.md "Names")."""
        if self.level == "province" or self.parent is None:
            return self.path
        province = self.path.split("省", 1)
        return province[1] if len(province) == 2 and province[1] else self.path


@dataclass(frozen=True, slots=True)
class Body:
    name: str
    locality: str
    sector: str | None = None         # departments
    role: str | None = None           # coordination bodies: government_office | propaganda | cyberspace
    vertical: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.locality, self.sector or self.role or "")


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    role: str
    locality: str
    body: tuple[str, str] | None = None    # Body.key for head/liaison/handler/spokesperson/officer
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
    bodies: dict[tuple[str, str], Body] = field(default_factory=dict)
    people_by_body: dict[tuple[str, str], list[Person]] = field(default_factory=lambda: defaultdict(list))
    people_by_locality: dict[str, list[Person]] = field(default_factory=lambda: defaultdict(list))
    rota: list[Shift] = field(default_factory=list)
    vertical_sectors: frozenset[str] = frozenset()

    def body(self, locality: str, sector_or_role: str) -> Body | None:
        return self.bodies.get((locality, sector_or_role))

    def children(self, path: str) -> list[Locality]:
        return [loc for loc in self.localities.values() if loc.parent == path]

    def people(self, key: tuple[str, str], role: str) -> list[Person]:
        return [p for p in self.people_by_body.get(key, ()) if p.role == role]

    def principal(self, locality: str) -> Person | None:
        return next((p for p in self.people_by_locality.get(locality, ()) if p.role == "principal"), None)

    def deputy_for(self, locality: str, sector: str | None) -> Person | None:
        """Return the 分管负责同志 of `sector` at `locality`, else the first deputy."""
        deputies = [p for p in self.people_by_locality.get(locality, ()) if p.role == "deputy"]
        for p in deputies:
            if sector in p.sectors:
                return p
        return deputies[0] if deputies else None


def _expand_tree(config: DirectoryConfig) -> list[Locality]:
    root = config.jurisdiction
    province_level = not root.endswith("市") or root in _MUNICIPALITIES
    out = [Locality(root, root, "province" if province_level else "city", None, "0")]
    for ci, division in enumerate(config.divisions, start=1):
        city_path = root + division.city if province_level and root not in _MUNICIPALITIES else division.city
        if root in _MUNICIPALITIES:
            # A municipality is province and city at once (ORG.md): its districts hang off it directly.
            out.append(Locality(root + division.city, division.city, "county", root, f"{ci}"))
            continue
        out.append(Locality(city_path, division.city, "city", root, f"{ci:02d}"))
        for ki, county in enumerate(division.counties, start=1):
            out.append(Locality(city_path + county, county, "county", city_path, f"{ci:02d}{ki:02d}"))
    return out


_DEPUTY_GROUPS = (
    ("education", "health", "medical_insurance", "civil_affairs", "culture_tourism", "veterans", "hrss"),
    ("public_security", "emergency", "justice", "urban_management"),
    ("market", "environment", "housing", "transport", "natural_resources", "water", "energy"),
    ("agriculture", "finance", "taxation", "financial_regulation", "development_reform", "commerce", "industry"),
)


def _placeholder_people(directory: Directory, config: DirectoryConfig) -> list[Person]:
    ph = config.placeholders
    people: list[Person] = []
    counter = 0

    def make(role, locality, *, body=None, sectors=(), label="", tag=""):
        nonlocal counter
        counter += 1
        slug = ".".join(filter(None, [role, body[1] if body else tag, locality.code]))
        people.append(Person(
            name=f"{label}（示例）", role=role, locality=locality.path, body=body, sectors=tuple(sectors),
            email=f"{slug}@{ph.domain}", mobile=f"{ph.mobile_prefix}{counter:04d}"[-11:],
        ))

    labels = {"head": "负责人", "liaison": "联络人", "handler": "承办人", "spokesperson": "新闻发言人"}
    for loc in directory.localities.values():
        make("principal", loc, label=f"{loc.short}主要负责同志")
        for gi, group in enumerate(_DEPUTY_GROUPS, start=1):
            make("deputy", loc, sectors=group, tag=f"d{gi}", label=f"{loc.short}分管负责同志{gi}")
    for body in directory.bodies.values():
        loc = directory.localities[body.locality]
        for role, label in labels.items():
            make(role, loc, body=body.key, label=f"{body.name}{label}")
    root = directory.localities[directory.jurisdiction]
    office = (root.path, "government_office")
    for i in range(1, 4):
        make("officer", root, body=office, label=f"值班员{i}")
    return people


def _placeholder_rota(people: list[Person]) -> list[Shift]:
    officers = [p.name for p in people if p.role == "officer"]
    shifts = []
    for i, name in enumerate(officers[:3]):
        shifts.append(Shift(name, frozenset(range(7)), time(i * 8), (i + 1) * 8 * 60))
    return shifts


def _parse_days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            ia, ib = _WEEKDAYS.index(a), _WEEKDAYS.index(b)
            days.update(range(ia, ib + 1) if ia <= ib else [*range(ia, 7), *range(0, ib + 1)])
        else:
            days.add(_WEEKDAYS.index(part))
    return frozenset(days)


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def build_directory(config: DirectoryConfig) -> Directory:
    """Return the expanded directory; assumes `directory_problems(config)` found nothing."""
    directory = Directory(config.jurisdiction, config.profile, vertical_sectors=frozenset(config.vertical_sectors))
    for loc in _expand_tree(config):
        directory.localities[loc.path] = loc
    for loc in directory.localities.values():
        name = loc.short
        for t in config.coordination_templates:
            if loc.level in t.names:
                body = Body(t.names[loc.level].format(name=name), loc.path, role=t.role)
                directory.bodies[body.key] = body
        for t in config.department_templates:
            if loc.level in t.names:
                vertical = t.vertical or t.sector in directory.vertical_sectors
                body = Body(t.names[loc.level].format(name=name), loc.path, sector=t.sector, vertical=vertical)
                directory.bodies[body.key] = body
    for d in config.departments:
        old = directory.bodies.get((d.locality, d.sector))
        vertical = d.vertical if d.vertical is not None else (old.vertical if old else d.sector in directory.vertical_sectors)
        directory.bodies[(d.locality, d.sector)] = Body(d.name, d.locality, sector=d.sector, vertical=vertical, aliases=tuple(d.aliases))

    explicit = [
        Person(p.name, p.role, p.locality,
               body=(p.locality, p.sector or p.body_role) if (p.sector or p.body_role) else None,
               sectors=tuple(p.sectors), email=p.email, mobile=p.mobile, wecom=p.wecom,
               dingtalk=p.dingtalk, feishu=p.feishu)
        for p in config.people
    ]
    people = list(explicit)
    if config.placeholders.enabled:
        taken = {(p.locality, p.body, p.role) for p in explicit}
        people += [p for p in _placeholder_people(directory, config)
                   if (p.locality, p.body, p.role) not in taken and not (p.role == "deputy" and any(
                       e.role == "deputy" and e.locality == p.locality for e in explicit))]
    for p in people:
        if p.body:
            directory.people_by_body[p.body].append(p)
        directory.people_by_locality[p.locality].append(p)
    if config.rota:
        directory.rota = [Shift(s.officer, _parse_days(s.days), time(_minutes(s.start) // 60 % 24, _minutes(s.start) % 60), _minutes(s.end)) for s in config.rota]
    elif config.placeholders.enabled:
        directory.rota = _placeholder_rota(people)
    return directory


def directory_problems(config: DirectoryConfig) -> list[tuple[tuple, str]]:
    """Return (key path inside [directory], message) for every semantic mistake.

    Checks: explicit bodies and people refer to known localities; every sector of
    ORG.md has a template or the gap is deliberate (no check); the rota parses,
    names known officers and leaves no gap in any day of the week.
    """
    problems: list[tuple[tuple, str]] = []
    known = {loc.path for loc in _expand_tree(config)}
    seen_cities = set()
    for i, d in enumerate(config.divisions):
        if d.city in seen_cities:
            problems.append((("divisions", i, "city"), f"city {d.city!r} listed twice"))
        seen_cities.add(d.city)
    for i, d in enumerate(config.departments):
        if d.locality not in known:
            problems.append((("departments", i, "locality"), f"unknown locality {d.locality!r} (use the full path, e.g. 山西省晋中市太谷区)"))
    for i, p in enumerate(config.people):
        if p.locality not in known:
            problems.append((("people", i, "locality"), f"unknown locality {p.locality!r}"))
    for i, s in enumerate(config.vertical_sectors):
        if s not in SECTORS:
            problems.append((("vertical_sectors", i), f"unknown sector {s!r}"))
    officers = {p.name for p in config.people if p.role == "officer"}
    coverage: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, s in enumerate(config.rota):
        try:
            days = _parse_days(s.days)
        except ValueError:
            problems.append((("rota", i, "days"), f"days {s.days!r} is not like mon-fri or sat,sun"))
            continue
        start, end = _minutes(s.start), _minutes(s.end)
        if end <= start:
            end += 1440     # an overnight shift runs into the next day
        if officers and s.officer not in officers:
            problems.append((("rota", i, "officer"), f"officer {s.officer!r} is not among the people with role officer"))
        for day in days:
            coverage[day].append((start, min(end, 1440)))
            if end > 1440:
                coverage[(day + 1) % 7].append((0, end - 1440))
    if config.rota:
        by_gaps: dict[tuple, list[str]] = defaultdict(list)
        for day in range(7):
            gaps, reach = [], 0
            for start, end in sorted(coverage[day]):
                if start > reach:
                    gaps.append((reach, start))
                reach = max(reach, end)
            if reach < 1440:
                gaps.append((reach, 1440))
            if gaps:
                by_gaps[tuple(gaps)].append(_WEEKDAYS[day])
        for gaps, days in by_gaps.items():
            spans = ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in gaps)
            problems.append((("rota",), f"the on-duty rota leaves {spans} uncovered on {','.join(days)}"))
    return problems
