"""Semantic checks of the `[directory]` configuration that pydantic cannot express (ORG.md).

`directory_problems(config)` returns (key path inside ``[directory]``, message)
pairs; `yuqing.config` prefixes ``directory`` and adds the file and line.
Unknown sector codes and people without any channel are already refused by the
models in `responders.config`; the checks here need the expanded tree.
"""

from __future__ import annotations

from collections import defaultdict

from .config import SECTORS, DirectoryConfig
from .orgtree import WEEKDAYS, expand_tree, minutes, parse_days

__all__ = ["directory_problems"]

Problem = tuple[tuple, str]


def directory_problems(config: DirectoryConfig) -> list[Problem]:
    """Return (key path inside [directory], message) for every semantic mistake.

    1. the tree: no city or county listed twice;
    2. templates: one per sector and per coordination role;
    3. explicit departments: known locality, no duplicates, `upper` is an ancestor;
    4. aliases (RULES.md A-16): no alias names two bodies or shadows an official name;
    5. people: known locality, the body they belong to exists, deputies name their sectors,
       one principal per locality;
    6. assignment: standing leads and policy drafters name known bodies;
    7. the rota parses, names known officers and leaves no gap in any day of the week.
    """
    tree = expand_tree(config)
    known = {loc.path: loc for loc in tree}
    problems: list[Problem] = []
    problems += _tree_problems(config)
    problems += _template_problems(config)
    bodies = _body_keys(config, known)
    problems += _department_problems(config, known, bodies)
    problems += _alias_problems(config, known, bodies)
    problems += _people_problems(config, known, bodies)
    problems += _assignment_problems(config, bodies)
    problems += _rota_problems(config)
    return problems


def _tree_problems(config: DirectoryConfig) -> list[Problem]:
    problems: list[Problem] = []
    seen_cities: set[str] = set()
    for i, d in enumerate(config.divisions):
        if d.city in seen_cities:
            problems.append((("divisions", i, "city"), f"city {d.city!r} listed twice"))
        seen_cities.add(d.city)
        seen: set[str] = set()
        for j, name in enumerate([*d.counties, *d.zones]):
            if name in seen:
                field = ("counties", j) if j < len(d.counties) else ("zones", j - len(d.counties))
                problems.append((("divisions", i, *field), f"{name!r} listed twice in {d.city}"))
            seen.add(name)
    return problems


def _template_problems(config: DirectoryConfig) -> list[Problem]:
    problems: list[Problem] = []
    for attr, what in (("department_templates", "sector"), ("coordination_templates", "role")):
        seen: set[str] = set()
        for i, t in enumerate(getattr(config, attr)):
            value = getattr(t, what)
            if value in seen:
                problems.append(((attr, i, what), f"{what} {value!r} has two templates"))
            seen.add(value)
    for i, s in enumerate(config.vertical_sectors):
        if s not in SECTORS:
            problems.append((("vertical_sectors", i), f"unknown sector {s!r}"))
    return problems


def _body_keys(config: DirectoryConfig, known: dict) -> set[tuple[str, str]]:
    keys = set()
    for loc in known.values():
        for t in config.coordination_templates:
            if loc.level in t.names:
                keys.add((loc.path, t.role))
        for t in config.department_templates:
            if loc.level in t.names:
                keys.add((loc.path, t.sector))
    for d in config.departments:
        keys.add((d.locality, d.sector))
    return keys


def _department_problems(config: DirectoryConfig, known: dict, bodies: set) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for i, d in enumerate(config.departments):
        if d.locality not in known:
            problems.append((("departments", i, "locality"), f"unknown locality {d.locality!r} (use the full path, e.g. 山西省晋中市太谷区)"))
            continue
        if (d.locality, d.sector) in seen:
            problems.append((("departments", i), f"{d.locality} {d.sector} is listed twice"))
        seen.add((d.locality, d.sector))
        if d.upper is not None:
            ancestors = _ancestors(known, d.locality)
            if d.upper not in ancestors:
                problems.append((("departments", i, "upper"), f"upper {d.upper!r} is not above {d.locality!r}"))
            elif (d.upper, d.sector) not in bodies:
                problems.append((("departments", i, "upper"), f"{d.upper} has no {d.sector} department to lead {d.name}"))
    return problems


def _alias_problems(config: DirectoryConfig, known: dict, bodies: set) -> list[Problem]:
    """Refuse aliases that would make a name point at two bodies (A-16 needs one successor)."""
    problems: list[Problem] = []
    owner: dict[str, tuple[str, str]] = {}
    official: set[str] = set()
    for loc in known.values():
        for t in [*config.coordination_templates, *config.department_templates]:
            if loc.level in t.names:
                official.add(t.names[loc.level].format(name=loc.short))
    official.update(d.name for d in config.departments)
    for i, d in enumerate(config.departments):
        for j, alias in enumerate(d.aliases):
            if alias in official:
                problems.append((("departments", i, "aliases", j), f"alias {alias!r} is the official name of a body"))
            elif owner.setdefault(alias, (d.locality, d.sector)) != (d.locality, d.sector):
                problems.append((("departments", i, "aliases", j), f"alias {alias!r} already names {owner[alias][0]} {owner[alias][1]}"))
    for i, t in enumerate(config.alias_templates):
        target = t.sector or t.role
        for loc in known.values():
            for pattern in t.names.get(loc.level, ()):
                alias = pattern.format(name=loc.short)
                if (loc.path, target) not in bodies:
                    continue
                if alias in official:
                    problems.append((("alias_templates", i, "names", loc.level), f"alias {alias!r} is the official name of a body"))
                elif owner.setdefault(alias, (loc.path, target)) != (loc.path, target):
                    problems.append((("alias_templates", i, "names", loc.level),
                                     f"alias {alias!r} would name both {owner[alias][0]} and {loc.path} {target}"))
    return _dedupe(problems)


def _people_problems(config: DirectoryConfig, known: dict, bodies: set) -> list[Problem]:
    problems: list[Problem] = []
    principals: dict[str, int] = {}
    for i, p in enumerate(config.people):
        if p.locality not in known:
            problems.append((("people", i, "locality"), f"unknown locality {p.locality!r}"))
            continue
        if p.sector and p.body_role:
            problems.append((("people", i), "give sector or body_role, not both"))
        target = p.sector or p.body_role
        if p.role in ("head", "liaison", "handler", "spokesperson", "officer"):
            if not target:
                problems.append((("people", i), f"{p.role} {p.name!r} names no body (sector or body_role)"))
            elif (p.locality, target) not in bodies:
                problems.append((("people", i), f"{p.locality} has no {target} body for {p.name!r}"))
        elif target:
            problems.append((("people", i), f"a {p.role} belongs to the locality, not to a body: drop sector/body_role"))
        if p.role == "deputy" and not p.sectors:
            problems.append((("people", i, "sectors"), f"deputy {p.name!r} names no sectors in charge (分管)"))
        if p.role != "deputy" and p.sectors:
            problems.append((("people", i, "sectors"), "only a deputy has sectors in charge"))
        if p.role == "principal":
            if p.locality in principals:
                problems.append((("people", i), f"{p.locality} already has a principal (people[{principals[p.locality]}])"))
            principals.setdefault(p.locality, i)
    return problems


def _assignment_problems(config: DirectoryConfig, bodies: set) -> list[Problem]:
    problems: list[Problem] = []
    for i, policy in enumerate(config.assignment.policies):
        for j, d in enumerate(policy.drafting):
            if d.key not in bodies:
                problems.append((("assignment", "policies", i, "drafting", j), f"no body {d.locality} {d.sector or d.role} in the directory"))
    seen: set[frozenset] = set()
    for i, lead in enumerate(config.assignment.leads):
        key = frozenset(lead.sectors)
        if key in seen:
            problems.append((("assignment", "leads", i), f"sectors {sorted(key)} already have a lead"))
        seen.add(key)
    return problems


def _rota_problems(config: DirectoryConfig) -> list[Problem]:
    problems: list[Problem] = []
    officers = {p.name for p in config.people if p.role == "officer"}
    coverage: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, s in enumerate(config.rota):
        try:
            days = parse_days(s.days)
        except ValueError:
            problems.append((("rota", i, "days"), f"days {s.days!r} is not like mon-fri or sat,sun"))
            continue
        start, end = minutes(s.start), minutes(s.end)
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
                by_gaps[tuple(gaps)].append(WEEKDAYS[day])
        for gaps, days in by_gaps.items():
            spans = ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in gaps)
            problems.append((("rota",), f"the on-duty rota leaves {spans} uncovered on {','.join(days)}"))
    return problems


def _ancestors(known: dict, path: str) -> list[str]:
    out, loc = [], known.get(path)
    while loc is not None and loc.parent is not None:
        out.append(loc.parent)
        loc = known.get(loc.parent)
    return out


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out

