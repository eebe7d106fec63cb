"""Recognise China's provinces, cities and county-level units in text and name them by full path.

The division list is `data/divisions.json` (see `divisions_build` for its source,
licence and how to refresh it); curated word lists are in `data/places.toml`,
which a deployment can extend (`[judgement] places = ["extra.toml"]`).

How a text is read (one pass of a multi-pattern automaton, then a little logic
per match; ~0.05 ms per item, see bench/classify.py):

1. Every full name (太谷区), old-style variant (太谷县 for 太谷区, 怀仁县 for
   怀仁市) and short name (太谷, 晋中, 山西) is a pattern, and so is every
   *blocker*: an ordinary word that contains a name or overlaps one
   (长治久安, 三明治, 响应县委, 古县城 -> 县城).
2. Matches are taken leftmost-longest (by the automaton itself). A blocker that
   contains a match removes it; a blocker that overlaps a *weak* match (a
   two-character name such as 古县 or 城区, or a short name) removes it too.
3. Weak matches need support before they count:
   - generic district names (城区, 矿区, 郊区) count only when a place above
     them is named in the same text (阳泉 ... 郊区);
   - short names that are also common words (平定, 左权, 和顺, 大同) count only
     when a place above them is named, or when a place cue follows
     (大同一煤矿, 平定县城 is a full name anyway);
   - short names followed by a street or title word (中山路, 左权将军) never count;
   - a short county name outside the jurisdiction needs a place above it or a cue.
4. A name with several candidates (朝阳区, 鼓楼区, 通州) is resolved by the
   other places named (an ancestor outweighs a sibling, a sibling outweighs the
   province), then by the deployment's jurisdiction; otherwise it is left out
   and the reason is reported.
5. Only the most specific places are returned (山西省 is dropped when
   山西省晋中市太谷区 is found), each with whether it lies in the jurisdiction.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick_rs

from .textfold import fold

__all__ = ["Gazetteer", "Place", "PlaceResult", "derive_names", "DATA_DIR"]

DATA_DIR = Path(__file__).parent / "data"

_MUNICIPALITY_TYPES = {"直辖市", "特别行政区"}
_ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 "
    "景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 "
    "保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各族"
).split()
_ETHNIC_RE = re.compile("(" + "|".join(sorted(_ETHNIC, key=len, reverse=True)) + ")族?")
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "新区", "地区", "林区", "特区", "省", "市", "县", "区", "旗", "盟")


def derive_names(name: str, kind: str | None = None) -> list[str]:
    """Return the name, and its short form when that has two or more characters.

    Short forms drop the administrative suffix and any ethnic designation:
    广西壮族自治区 -> 广西, 延边朝鲜族自治州 -> 延边, 长阳土家族自治县 -> 长阳,
    太谷区 -> 太谷. 古县 and 城区 have no short form (one character is not a name).
    """
    out = [name]
    stem = name
    for suffix in _SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
            break
    if "自治" in name:
        m = _ETHNIC_RE.search(stem, 2)
        if m:
            stem = stem[: m.start()]
    if name == "内蒙古自治区":
        out.append("内蒙")
    if len(stem) >= 2 and stem != name:
        out.append(stem)
    return out


@dataclass(frozen=True, slots=True)
class Place:
    path: str
    name: str
    level: str            # province | city | county
    parent: int | None    # index into Gazetteer.places
    ancestors: tuple[int, ...]


@dataclass(frozen=True)
class PlaceResult:
    """The places found in one text: most specific only, in order of first mention."""

    paths: tuple[str, ...]
    inside: tuple[bool, ...]
    notes: tuple[str, ...]          # Chinese notes on what was left out and why
    mentions: tuple[tuple[str, str], ...]   # (surface, path) of accepted mentions
    starts: tuple[int, ...] = ()            # where each accepted mention starts in the text


# Kinds of a name pattern.
_FULL, _ALIAS, _SHORT = 0, 1, 2
_SUFFIX_WORD_STARTS = "县区市旗"


@dataclass(frozen=True, slots=True)
class _Pattern:
    """One pattern of the automaton: a place name with its candidates, or a blocker word."""

    surface: str
    entries: tuple[tuple[int, int], ...]     # (place, kind)
    candidates: tuple[int, ...]              # the places, without repeats
    short_only: bool                         # every entry is a short name (太谷, 大同)
    weak: bool                               # two characters or short only: needs support (step 3)
    blocker: bool
    suffix_check: bool                       # a two-character name ending in 县/区/市/旗 (古县, 城区)
    single: int | None = field(init=False, default=None)   # the one place of a name that needs no support

    def __post_init__(self):
        if not self.weak and len(self.candidates) == 1:
            object.__setattr__(self, "single", self.candidates[0])


class Gazetteer:
    """The administrative-division matcher; build once, then `find(text)` from any thread."""

    def __init__(self, *, jurisdiction: str | None = None, extra_files: tuple[Path, ...] = ()):
        doc = json.loads((DATA_DIR / "divisions.json").read_text(encoding="utf-8"))
        curated = _load_curated([DATA_DIR / "places.toml", *extra_files])
        self.jurisdiction = jurisdiction or ""
        self.places: list[Place] = []
        index_of_code: dict[str, int] = {}
        for code, name, kind, parent_code in doc["divisions"]:
            parent = index_of_code.get(parent_code) if parent_code else None
            if parent is None:
                level, path, ancestors = "province", name, ()
            else:
                p = self.places[parent]
                level = "city" if p.level == "province" and kind not in _COUNTY_TYPES and p.name not in _MUNI_NAMES else "county"
                path, ancestors = p.path + name, p.ancestors + (parent,)
            index_of_code[code] = len(self.places)
            self.places.append(Place(path, name, level, parent, ancestors))
        self.by_path = {p.path: i for i, p in enumerate(self.places)}
        self._above = [frozenset(p.ancestors) for p in self.places]      # for the set tests of _resolve

        names: dict[str, list[tuple[int, int]]] = {}
        real_full = {p.name for p in self.places}
        for i, p in enumerate(self.places):
            full, *short = derive_names(p.name)
            names.setdefault(full, []).append((i, _FULL))
            for s in short:
                names.setdefault(s, []).append((i, _SHORT))
            if p.name.endswith("自治州") and short:
                names.setdefault(short[-1] + "州", []).append((i, _ALIAS))    # 甘孜州, 延边州, 黔东南州
            if p.level == "county" and short:
                # Old-style or loose suffixes (太谷县 for 太谷区 since 2019) unless that is a real name elsewhere.
                for suffix in ("县", "市", "区"):
                    variant = short[-1] + suffix
                    if variant not in real_full:
                        names.setdefault(variant, []).append((i, _ALIAS))
        for alias, path in curated["aliases"].items():
            if path in self.by_path:
                names.setdefault(fold(alias), []).append((self.by_path[path], _ALIAS))

        self.generic = frozenset(curated["generic"])
        self.common = frozenset(curated["common_words"]) | frozenset(doc.get("common_words", ()))
        self.cues = tuple(sorted(curated["cues"], key=len, reverse=True))
        self.reject_after = tuple(sorted(curated["reject_after"], key=len, reverse=True))
        blockers = (set(doc.get("blockers", ())) | set(curated["blockers"])) - set(curated["not_blockers"])

        # Why ahocorasick_rs and not pyahocorasick: a text of 4,000 characters has ~600 overlapping
        # name and blocker matches, which pyahocorasick walks at ~1.8 ms (a linear search of the root's
        # thousands of children per character) and the Rust automaton at ~0.15 ms; and its leftmost-longest
        # mode is exactly the scan step 2 needs, so blockers that lose never reach Python.
        surfaces: list[str] = []
        self._patterns: list[_Pattern] = []
        for surface, entries in names.items():
            surfaces.append(surface)
            short_only = all(kind == _SHORT for _, kind in entries)
            self._patterns.append(_Pattern(
                surface, tuple(entries), tuple(dict.fromkeys(i for i, _ in entries)), short_only,
                weak=len(surface) <= 2 or short_only, blocker=False,
                suffix_check=len(surface) == 2 and surface[-1] in _SUFFIX_WORD_STARTS))
        for word in sorted(blockers):
            if word and word not in names:
                surfaces.append(word)
                self._patterns.append(_Pattern(word, (), (), False, weak=False, blocker=True, suffix_check=False))
        self._by_surface = {p.surface: p for p in self._patterns if not p.blocker}
        self._automaton = ahocorasick_rs.AhoCorasick(surfaces, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
        # Blockers that begin with an administrative suffix (县城, 县长, 区委): 古县城 is not 古县.
        self._suffix_words = frozenset(w for w in blockers if w and w not in names and w[0] in _SUFFIX_WORD_STARTS)
        self._suffix_lengths = tuple(sorted({len(w) for w in self._suffix_words}))
        self.pattern_count = len(surfaces)

    # ------------------------------------------------------------------ matching

    def inside(self, index: int) -> bool:
        """Return whether place `index` lies in the deployment's jurisdiction (or is it)."""
        if not self.jurisdiction:
            return False
        path = self.places[index].path
        return path.startswith(self.jurisdiction)

    def find(self, text: str, *, folded: bool = False) -> PlaceResult:
        """Return the places named in `text` (Traditional characters are folded first)."""
        if not folded:
            text = fold(text)
        return self.resolve(text, self.mentions(text))

    def mentions(self, text: str) -> list[tuple[int, int, _Pattern]]:
        """Return (start, end, pattern) of the name matches in folded `text` that no word blocks (step 2).

        No name or blocker contains a line break, so the mentions of a text are
        those of its lines one after the other (monitor.judgement.scan relies on it).
        """
        # Leftmost-longest over names and ordinary words together: 响应县委 reads 响应, 长治久安 reads as
        # one word, 阳泉市郊区 reads 阳泉市 + 郊区 (the word 市郊 loses to the longer 阳泉市 before it).
        patterns = self._patterns
        mentions = []
        for index, s, e in self._automaton.find_matches_as_indexes(text):
            p = patterns[index]
            if p.blocker:
                continue
            if p.suffix_check and self._word_starts_at(text, e - 1) and not (
                    mentions and mentions[-1][1] == s and self.contains(mentions[-1][2], p)):
                continue          # 古县城, 吉县长: the suffix starts a word (县城, 县长); not 运城市绛县里册峪
            mentions.append((s, e, p))
        return mentions

    def contains(self, outer: _Pattern, inner: _Pattern) -> bool:
        """Return whether a place of `outer` is above a place of `inner` (运城市 above 绛县)."""
        above = self._above
        return any(o in above[c] for c in inner.candidates for o in outer.candidates)

    def surfaces(self):
        """Return every place name the matcher knows (folded), without the blocker words."""
        return self._by_surface.keys()

    def pattern(self, surface: str) -> _Pattern | None:
        """Return the name pattern of `surface` (a folded place name), or None."""
        return self._by_surface.get(surface)

    def resolve(self, text: str, mentions) -> PlaceResult:
        """Return the places of folded `text` from its `mentions` (steps 3-5)."""
        if not mentions:
            return PlaceResult((), (), (), ())
        return self._resolve(text, mentions)

    def _word_starts_at(self, text: str, at: int) -> bool:
        """Return whether a blocker word that begins with an administrative suffix starts at `at`."""
        words = self._suffix_words
        return any(text[at:at + n] in words for n in self._suffix_lengths)

    def _resolve(self, text: str, mentions: list) -> PlaceResult:
        notes: list[str] = []
        strong: list[tuple[int, str, int]] = []        # (position, surface, place)
        pending = []
        reject_after, cues = self.reject_after, self.cues
        for s, e, p in mentions:
            short_only = p.short_only
            if short_only and text.startswith(reject_after, e):
                continue          # 中山路, 左权将军: a street or a person, not the place
            if p.single is not None:
                strong.append((s, p.surface, p.single))
            else:
                pending.append((s, p.surface, p.candidates, short_only, text.startswith(cues, e)))

        ends: dict[int, set[int]] = {}
        for s0, surface, i in strong:
            ends.setdefault(s0 + len(surface), set()).add(i)
        named = {i for _, _, i in strong}
        context = named | {a for i in named for a in self.places[i].ancestors}
        accepted = list(strong)
        above = self._above
        for s, surface, candidates, short_only, cue in pending:
            supported = [c for c in candidates if not above[c].isdisjoint(context)]
            if surface in self.generic:
                # 矿区, 郊区 count only right after their city (阳泉市郊区, 阳泉矿区): elsewhere they are words.
                before = ends.get(s, set()) | (ends.get(s - 1, set()) if text[s - 1:s] == "市" else set())
                supported = [c for c in candidates if not above[c].isdisjoint(before)]
                if not supported:
                    continue
                candidates = tuple(supported)
            elif surface in self.common and not supported and not cue:
                continue          # 平定叛乱, 和平, 光明: a word, not a place
            elif short_only and s in ends and not any(
                    not above[c].isdisjoint(ends[s]) or self.inside(c) for c in candidates):
                continue          # 平遥古城: a word right after a place that does not contain it describes that place
            elif short_only and not supported and not cue:
                # A bare short county name counts inside the jurisdiction only; cities and provinces anywhere.
                candidates = tuple(c for c in candidates if self.places[c].level != "county" or self.inside(c))
                if not candidates:
                    continue
            choice = self._choose(candidates, context)
            if choice is None:
                paths = "、".join(self.places[c].path for c in candidates[:4])
                notes.append(f"地名“{surface}”有多处（{paths}），无法确定，未计入")
                continue
            accepted.append((s, surface, choice))
            ends.setdefault(s + len(surface), set()).add(choice)
            context.add(choice)
            context.update(self.places[choice].ancestors)

        accepted.sort()
        chosen = list(dict.fromkeys(i for _, _, i in accepted))
        covered = {a for i in chosen for a in self.places[i].ancestors}
        final = [i for i in chosen if i not in covered]
        return PlaceResult(
            tuple(self.places[i].path for i in final),
            tuple(self.inside(i) for i in final),
            tuple(notes),
            tuple((surface, self.places[i].path) for _, surface, i in accepted),
            tuple(s for s, _, _ in accepted),
        )

    def _choose(self, candidates: tuple[int, ...], context: set[int]) -> int | None:
        """Return the candidate the context supports best, else the one in the jurisdiction, else None."""
        if len(candidates) == 1:
            return candidates[0]
        # Nested candidates (吉林省 / 吉林市): the higher level unless the context says otherwise.
        cset = set(candidates)
        top = [c for c in candidates if self._above[c].isdisjoint(cset)]
        scored = []
        for c in candidates:
            place = self.places[c]
            score = 10 if c in context else 0      # an ancestor of a place already named
            if set(place.ancestors) & context:
                score += 4 * len(set(place.ancestors) & context)
            if place.parent is not None and any(self.places[o].parent == place.parent for o in context if o != c):
                score += 2
            if self.inside(c):
                score += 1
            scored.append((score, c))
        best = max(score for score, _ in scored)
        winners = [c for score, c in scored if score == best]
        if len(winners) > 1:
            winners = [c for c in winners if c in top] or winners
        return winners[0] if len(winners) == 1 and (best > 0 or len(top) == 1) else None


_COUNTY_TYPES = {"县", "县级市", "市辖区", "旗", "自治县", "自治旗", "特区", "林区"}
_MUNI_NAMES = {"北京市", "上海市", "天津市", "重庆市", "香港特别行政区", "澳门特别行政区"}


def _load_curated(files) -> dict:
    """Merge the curated word lists: later files extend earlier ones (lists are unions)."""
    out = {"generic": set(), "common_words": set(), "blockers": set(), "not_blockers": set(),
           "cues": set(), "reject_after": set(), "aliases": {}}
    for path in files:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
        for key, value in doc.items():
            if key not in out:
                raise ValueError(f"{path}: unknown key {key!r} (expected one of {', '.join(out)})")
            if key == "aliases":
                out[key].update(value)
            else:
                out[key].update(fold(w) for w in value)
    return out
