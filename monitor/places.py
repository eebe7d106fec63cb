"""Where a report is: the one rule that tells reports about different places apart.

Both merges call it. Near-duplicate merging (monitor.events) refuses to join
two items whose texts name different counties or cities, whatever their
headlines and MinHash say: a templated wire report ("…一煤矿发生顶板事故，
造成2人死亡…") reused for 静乐县 and for 吉县 is two incidents, each with its
own first responsible body. Incident merging (monitor.incidents) requires a
shared place. Both ask `same_place`:

- a common county-level unit; or
- one names a city and none of its counties, and the other names that city
  or one of its counties;
- a province alone is never a place (it would join every report of it).

Places are the judgement gazetteer's full paths ("山西省忻州市静乐县"), so the
rule compares like with like. `different_places` is the near-duplicate guard:
True only when both name a county or city and they share none (a text that
names no place merges on its similarity alone).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Places", "places_of", "places_in", "same_place", "different_places", "use_gazetteer", "national_gazetteer",
           "LEAD_CHARS"]

# The part of an item's text whose places count for the near-duplicate guard: the headline and the lead,
# where a report says where it happened. A place far down the text (background, a source line) is not
# the scene, and a repost adding "（来源：太原日报）" must still join its original.
LEAD_CHARS = 300


@dataclass(frozen=True)
class Places:
    """The county-level and city-level places a text (or an assessment) names, as full paths."""

    counties: tuple[str, ...] = ()          # county-level full paths named
    cities: tuple[str, ...] = ()            # the cities of those counties, and cities named
    bare_cities: tuple[str, ...] = ()       # cities named without any of their counties

    def __bool__(self) -> bool:
        return bool(self.counties or self.cities)


def places_of(paths: Iterable[str], gazetteer) -> Places:
    """Return the Places of gazetteer `paths` (localities): counties, their cities, cities named alone."""
    counties, cities, named_cities = [], [], []
    for path in paths:
        index = gazetteer.by_path.get(path)
        if index is None:
            continue
        place = gazetteer.places[index]
        if place.level == "county":
            counties.append(path)
            if place.parent is not None:
                cities.append(gazetteer.places[place.parent].path)
        elif place.level == "city":
            named_cities.append(path)
    bare = [c for c in named_cities if c not in cities]
    return Places(tuple(dict.fromkeys(counties)), tuple(dict.fromkeys(cities + named_cities)), tuple(dict.fromkeys(bare)))


def places_in(text: str, gazetteer=None) -> Places:
    """Return the Places `text` names (by `gazetteer`; default: the one `use_gazetteer` gave, else the national one)."""
    if gazetteer is None:
        return _shared_places(text)
    return places_of(gazetteer.find(text).paths, gazetteer)


_shared: list = []      # the gazetteer of `use_gazetteer` (the daemon's judgement's), if any


def use_gazetteer(gazetteer) -> None:
    """Make `places_in` read with `gazetteer` from now on (the runtime gives the judgement's).

    Why: the daemon then holds one gazetteer (~14 MiB, ~0.6 s to build), and the
    near-duplicate guard reads places as the judgement does (the office's own
    place files included).
    """
    _shared[:] = [gazetteer]
    _shared_places.cache_clear()


# Cached by the lead: reposts repeat their original's lead, and an event's items are asked again for every
# item that matches them (bench.ingest). Places are immutable: shared safely.
@lru_cache(maxsize=8192)
def _shared_places(text: str) -> Places:
    gazetteer = _shared[0] if _shared else national_gazetteer()
    return places_of(gazetteer.find(text).paths, gazetteer)


def same_place(a, b) -> str | None:
    """Return the place `a` and `b` share (county, or city when one names only the city), or None.

    `a` and `b` have `counties`, `cities` and `bare_cities` (Places, monitor.incidents.IncidentFeatures).
    """
    common = [c for c in a.counties if c in b.counties]
    if common:
        return common[0]
    for x, y in ((a, b), (b, a)):
        common = [c for c in x.bare_cities if c in y.cities]
        if common:
            return common[0]
    return None


def different_places(a, b) -> bool:
    """Return True when both name a county or city and share none (`same_place` is None)."""
    named = (a.counties or a.cities) and (b.counties or b.cities)
    return bool(named) and same_place(a, b) is None


@lru_cache(maxsize=1)
def national_gazetteer():
    """Return the gazetteer of every division (no jurisdiction, no extra files), built once per process.

    For a process with no judgement's gazetteer (`use_gazetteer`): tests, tools
    that only ingest. Telling 静乐县 from 吉县 needs no office's configuration.
    """
    from .judgement.gazetteer import Gazetteer
    return Gazetteer(jurisdiction=None)
