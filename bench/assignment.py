"""Benchmark the directory build and the assignment engine on the 山西 example (run: python -m bench.assignment).

Figures printed:
1. build_directory of the example (median of 7) and the placeholder people built as
   frozen dataclasses instead (the naive baseline the non-frozen `Person` replaced);
2. assignments per second over a mix of assessments, with the indexed directory and with a
   naive directory whose lookups scan lists (children, principal, deputy, people by role), as
   the foundation's first version did.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from pathlib import Path

from monitor.assessment import Assessment
from responders.assignment import assign
from responders.directory import Directory, Person, build_directory
from responders.placeholders import placeholder_people
from yuqing.config import load_config

ROOT = Path(__file__).resolve().parent.parent

FrozenPerson = dataclasses.make_dataclass(
    "FrozenPerson", [(f.name, f.type, dataclasses.field(default=f.default)) if f.default is not dataclasses.MISSING
                     else (f.name, f.type) for f in dataclasses.fields(Person)], frozen=True, slots=True)


class NaiveDirectory(Directory):
    """The same data with the lookups done by scanning, as before the indexes."""

    def children(self, path):
        return [loc for loc in self.localities.values() if loc.parent == path]

    def principal(self, locality):
        return next((p for p in self.people_by_locality.get(locality, ()) if p.role == "principal"), None)

    def deputy_for(self, locality, sector):
        deputies = [p for p in self.people_by_locality.get(locality, ()) if p.role == "deputy"]
        return next((p for p in deputies if sector in p.sectors), deputies[0] if deputies else None)

    def deputy_in_charge(self, locality, sector):
        return next((p for p in self.people_by_locality.get(locality, ()) if p.role == "deputy" and sector in p.sectors), None)

    def people(self, key, role):
        return [p for p in self.people_by_body.get(key, ()) if p.role == role]


def timed(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def mix(directory: Directory) -> list[Assessment]:
    counties = [loc.path for loc in directory.localities.values() if loc.level == "county"]
    sectors = ["education", "health", "emergency", "taxation", "housing", "market"]
    out = []
    for i, county in enumerate(counties):
        s = sectors[i % len(sectors)]
        out.append(Assessment(priority=True, localities=(county,), sectors=(s,)))
        out.append(Assessment(priority=True, localities=(county, counties[(i + 1) % len(counties)]), sectors=(s, "hrss")))
        out.append(Assessment(priority=True, localities=(county,), sectors=(s,), especially_major=True, criteria=("rumor",)))
        out.append(Assessment(priority=True, localities=(), sectors=(s,)))
    return out


def main() -> None:
    config = load_config(ROOT / "config.toml", environ={}).directory
    build = timed(lambda: build_directory(config), 7)
    directory = build_directory(config)
    people_fast = timed(lambda: placeholder_people(directory, config, Person), 5)
    people_frozen = timed(lambda: placeholder_people(directory, config, FrozenPerson), 5)
    print(f"build_directory (example: {len(directory.localities)} localities, {len(directory.bodies)} bodies, "
          f"{sum(map(len, directory.people_by_locality.values()))} people): {build * 1000:.1f} ms")
    print(f"placeholder people: {people_fast * 1000:.1f} ms; frozen-dataclass baseline {people_frozen * 1000:.1f} ms; "
          f"ratio {people_frozen / people_fast:.1f}x")

    naive = NaiveDirectory(**{f.name: getattr(directory, f.name) for f in dataclasses.fields(Directory)})
    cases = mix(directory)
    fast = timed(lambda: [assign(a, directory) for a in cases], 5)
    slow = timed(lambda: [assign(a, naive) for a in cases], 3)
    assert [assign(a, directory).to_record() for a in cases[:40]] == [assign(a, naive).to_record() for a in cases[:40]]
    print(f"assign: {len(cases) / fast:,.0f}/s indexed ({fast / len(cases) * 1e6:.0f} µs each); "
          f"{len(cases) / slow:,.0f}/s naive scans; ratio {slow / fast:.1f}x")


if __name__ == "__main__":
    main()
