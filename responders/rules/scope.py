"""Which localities an opinion involves, normalised for the assignment rules.

The classifier gives full path names at the most specific level it found. Here
they are split into those inside the jurisdiction (known to the directory),
those outside it, and those inside but unknown; townships (乡镇、街道) roll up
to their county, and ancestors of another listed locality are dropped
(CONTRACT.md: most specific level only). Then the span is measured: one
locality, counties of one city, several cities (RULES.md A-2, A-5, A-6, A-4).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..directory import Directory
from .profile import Profile

__all__ = ["Scope", "read_scope", "common_upper"]


@dataclass(frozen=True)
class Scope:
    inside: tuple[str, ...]        # known localities inside the jurisdiction, most specific only
    outside: tuple[str, ...]       # localities named outside the jurisdiction (E-4)
    unknown: tuple[str, ...]       # inside the jurisdiction's name but matching nothing in the directory
    notes: tuple[str, ...]         # trace lines about the normalisation


def read_scope(localities: tuple[str, ...], directory: Directory, profile: Profile) -> Scope:
    """Return the normalised scope of `localities` (full path names)."""
    root = directory.jurisdiction
    inside: list[str] = []
    outside: list[str] = []
    unknown: list[str] = []
    notes: list[str] = []
    zones_parent = directory.settings.zones == "parent"
    for raw in localities:
        path = raw.strip()
        if not path:
            continue
        if not path.startswith(root):
            outside.append(path)
            continue
        known = _known_prefix(path, directory)
        if known is None:
            unknown.append(path)
            continue
        if known != path:
            notes.append(f"{path} 不在目录的县级以上单位中，按所属 {known} 处理（乡镇、街道归所属县（区））{profile.cite('E-3')}")
        loc = directory.localities[known]
        if loc.level == "zone" and zones_parent and loc.parent:
            notes.append(f"{loc.path} 为开发区（新区），按配置由所属 {loc.parent} 负责{profile.cite('E-3')}")
            known = loc.parent
        inside.append(known)
    inside = list(dict.fromkeys(inside))
    specific = [p for p in inside if not any(q != p and q.startswith(p) for q in inside)]
    dropped = [p for p in inside if p not in specific]
    if dropped:
        notes.append(f"同时列出上下级地区，取最具体的一级：略去 {'、'.join(dropped)}")
    return Scope(tuple(specific), tuple(dict.fromkeys(outside)), tuple(dict.fromkeys(unknown)), tuple(notes))


# Only these roll up to the county above them; anything else unknown is a typo, never a guess.
_TOWNSHIP_ENDINGS = ("乡", "镇", "街道", "村", "社区", "苏木")


def _known_prefix(path: str, directory: Directory) -> str | None:
    """Return the longest prefix of `path` that is a known locality (a township rolls up to its county)."""
    if path in directory.localities:
        return path
    if not path.endswith(_TOWNSHIP_ENDINGS):
        return None
    for end in range(len(path) - 1, len(directory.jurisdiction) - 1, -1):
        prefix = path[:end]
        if prefix in directory.localities:
            return prefix
    return None


def common_upper(paths: tuple[str, ...], directory: Directory) -> str | None:
    """Return the lowest locality that contains every one of `paths` (itself excluded when several)."""
    if not paths:
        return None
    chains = [[p, *directory.ancestors(p)] for p in paths]
    shared = set(chains[0]).intersection(*map(set, chains[1:]))
    for candidate in chains[0]:
        if candidate in shared:
            return candidate
    return None
