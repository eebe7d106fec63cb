"""The administrative tree of a deployment (ORG.md "Localities") and the rota's time syntax.

Kept apart from `responders.directory` so that the config checks
(`responders.directory_checks`) and the directory builder share one expansion
of the tree without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import DirectoryConfig

__all__ = ["Locality", "expand_tree", "parse_days", "minutes", "WEEKDAYS", "MUNICIPALITIES"]

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")


@dataclass(frozen=True, slots=True)
class Locality:
    path: str            # full path name, e.g. 山西省晋中市太谷区
    name: str            # own name, e.g. 太谷区
    level: str           # province | city | county | zone (开发区/新区 beside the counties, RULES.md E-3)
    parent: str | None
    code: str            # stable positional id used in placeholder addresses

    @property
    def short(self) -> str:
        """Return the name used in body names: the path without the province (ORG.md "Names")."""
        if self.level == "province" or self.parent is None:
            return self.path
        province = self.path.split("省", 1)
        return province[1] if len(province) == 2 and province[1] else self.path


def expand_tree(config: DirectoryConfig) -> list[Locality]:
    """Return every locality of the jurisdiction, parents before children."""
    root = config.jurisdiction
    province_level = not root.endswith("市") or root in MUNICIPALITIES
    out = [Locality(root, root, "province" if province_level else "city", None, "0")]
    for ci, division in enumerate(config.divisions, start=1):
        city_path = root + division.city if province_level and root not in MUNICIPALITIES else division.city
        if not province_level and division.city in (root, _own_name(root)):
            # A city-level deployment (e.g. 贵州省贵阳市): its counties hang off the root.
            for ki, county in enumerate(division.counties, start=1):
                out.append(Locality(root + county, county, "county", root, f"{ci:02d}{ki:02d}"))
            for zi, zone in enumerate(division.zones, start=1):
                out.append(Locality(root + zone, zone, "zone", root, f"{ci:02d}z{zi:02d}"))
            continue
        if root in MUNICIPALITIES:
            # A municipality is province and city at once (ORG.md): its districts hang off it directly.
            out.append(Locality(root + division.city, division.city, "county", root, f"{ci}"))
            continue
        out.append(Locality(city_path, division.city, "city", root, f"{ci:02d}"))
        for ki, county in enumerate(division.counties, start=1):
            out.append(Locality(city_path + county, county, "county", city_path, f"{ci:02d}{ki:02d}"))
        for zi, zone in enumerate(division.zones, start=1):
            out.append(Locality(city_path + zone, zone, "zone", city_path, f"{ci:02d}z{zi:02d}"))
    return out


def _own_name(path: str) -> str:
    """Return the last level's name of a full path: 贵州省贵阳市 -> 贵阳市."""
    return path.split("省", 1)[1] if "省" in path[:-1] else path


def parse_days(text: str) -> frozenset[int]:
    """Return weekday numbers (0 = Monday) of ``mon-fri``, ``sat,sun``, ``fri-mon``; ValueError otherwise."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            ia, ib = WEEKDAYS.index(a), WEEKDAYS.index(b)
            days.update(range(ia, ib + 1) if ia <= ib else [*range(ia, 7), *range(0, ib + 1)])
        else:
            days.add(WEEKDAYS.index(part))
    return frozenset(days)


def minutes(hhmm: str) -> int:
    """Return minutes after midnight of ``HH:MM`` (``24:00`` is 1440)."""
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)
