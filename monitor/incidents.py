"""Incident-level merging: differently worded reports of one incident become one event (舆情事件).

Near-duplicate detection (monitor.events) merges items whose texts are nearly
the same. Reports of one incident are often worded differently: a mine
explosion whose death toll rises 10 -> 13 -> 15 across sites and hours, a wage
dispute followed up the next day. Each would open its own case, and an officer
would get one set of alerts per report. After judgement, a priority event with
no case is merged into an older priority event of the dedupe window when all of
these hold:

1. **Place**: both name a common county-level unit, or one names only a city
   and the other names that city or one of its counties (a province alone is
   never enough: it would join every incident of the province). The rule is
   `monitor.places.same_place`, the one near-duplicate merging asks too.
2. **Criteria**: they share a criterion of 国办发〔2016〕61号 二 (P-1/P-2).
3. **Kind**: both name the same kind of incident (爆炸, 透水, 欠薪, 停水...:
   the lexicon terms of weight >= 2 of the criteria's subject groups, synonyms
   folded, consequences such as 遇难/被困 left out because any accident has
   them). Two events that both name kinds and share none are different
   incidents (a mine explosion and a traffic accident in the same county on the
   same day), whatever else they share.
4. **Similarity** of the incident itself: a shared Weibo topic (#...#) or quoted
   name (“锦绣华庭”), or character-bigram similarity of the headlines with place
   names and numbers removed (so that "10人遇难" and "15人遇难" read alike) of at
   least `SAME_KIND_SIMILARITY` (0.3) when the kinds match, or
   `NO_KIND_SIMILARITY` (0.5) when one of them names no kind (rumours, orders).
   Two rumours (both `rumor`) may instead share a **claim**: a clause of one
   headline read in a clause of the other (`claim_similarity` >=
   `RUMOUR_CLAIM_SIMILARITY`, 0.6): "听说…自来水厂被人投毒了，已经有好几个小孩…"
   and "转：…水厂被投毒，超市的桶装水都被抢光了" say the same thing around
   different words (0.75), where whole headlines score 0.08-0.23. Only for rumours:
   between accidents a clause such as "发生瓦斯爆炸" would join a restaurant's gas
   explosion to a mine's.

Why these thresholds: on the bundled drill (yuqing/demo/scenarios/shanxi.toml)
and hand-written near misses, reports of one incident share a topic or reach
0.38-1.0 with the closest earlier headline of the event, while a restaurant gas
explosion in the same county scores 0.22 against the mine explosion and a
second mine's flooding scores up to 0.67 but names another kind. Headline
similarity alone does not separate incidents (two wage disputes in one county
score higher than two reports of the same dispute); the kind and the place do
most of the work, the similarity guards within a kind. Why overlap (shared
bigrams / the smaller set) and not Jaccard: a short topic or headline contained
in a longer one is the same incident, and headline lengths differ a lot.

Why only a new, case-less event into an older one: two cases already have
clocks, acknowledgements and responses; merging them is an officer's decision.

`choose_target` is the pure decision; `merge_incidents` reads the candidates
and stores the intents (`apply_merges`): the items move, the target's
statistics are recomputed and it is judged again (its severity may rise: see
yuqing.pipeline), and the merged event keeps its row with `merged_into_id`
set, so it never opens a case.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import Text, bindparam, cast, or_, select, update
from sqlmodel import Session

from .assessment import Assessment
from .events import refresh_event_stats
from .models import Event, Item
from .places import places_of, same_place

__all__ = [
    "IncidentFeatures", "Candidate", "MergeIntent", "incident_features", "choose_target", "same_place",
    "similarity", "claim_similarity", "merge_incidents", "apply_merges", "forward_merged", "SAME_KIND_SIMILARITY",
    "NO_KIND_SIMILARITY", "RUMOUR_CLAIM_SIMILARITY",
]

logger = logging.getLogger(__name__)

EVENT, ITEM = Event.__table__, Item.__table__

SAME_KIND_SIMILARITY = 0.3
NO_KIND_SIMILARITY = 0.5
RUMOUR_CLAIM_SIMILARITY = 0.6
MIN_BIGRAMS = 3                  # a shorter headline ("停暖") says nothing about which incident
MAX_HEADLINES = 16
MAX_NAMES = 24

# The group of each criterion whose terms say what happened (the others say how much it matters).
SUBJECT_GROUPS = {"emergency_disaster": "incident", "public_interest": "topic", "moral_bottom_line": "act",
                  "policy_misread": "policy"}
SALIENT_WEIGHT = 2
# Terms of the incident group that every accident has: they say nothing about which one.
CONSEQUENCES = frozenset({
    "被困", "遇难", "死亡", "身亡", "伤亡", "受伤", "重伤", "失联", "失踪", "搜救", "救援", "抢险", "转移安置", "紧急转移",
    "受灾", "灾情", "灾害", "险情", "砸伤", "烧伤", "烫伤", "撞伤", "炸伤", "撞死", "碾压", "致死", "应急响应", "冲突",
})
# Synonyms of one kind, folded to one word (爆燃 is an 爆炸, 讨薪 is about 欠薪).
KIND_OF = {
    "爆燃": "爆炸", "闪爆": "爆炸",
    "起火": "火灾", "失火": "火灾", "大火": "火灾", "着火": "火灾", "森林火灾": "火灾", "山火": "火灾", "林火": "火灾",
    "草原火灾": "火灾", "纵火": "火灾",
    "垮塌": "坍塌", "倒塌": "坍塌", "塌方": "坍塌", "塌陷": "坍塌", "桥梁垮塌": "坍塌", "冒顶": "坍塌",
    "相撞": "车祸", "侧翻": "车祸", "追尾": "车祸",
    "洪涝": "洪水", "山洪": "洪水", "内涝": "洪水", "溃坝": "洪水", "决堤": "洪水", "决口": "洪水", "管涌": "洪水",
    "山体滑坡": "滑坡", "泥石流": "滑坡",
    "食物中毒": "中毒", "燃气泄漏": "泄漏",
    "聚集性疫情": "疫情", "无症状感染者": "疫情",
    "拖欠工资": "欠薪", "讨薪": "欠薪", "农民工工资": "欠薪",
    "断水": "停水", "强拆": "拆迁", "征地": "拆迁", "补偿款": "拆迁",
}

_HASHTAG = re.compile(r"#([^#\n]{2,30})#")
_BRACKET = re.compile(r"【([^】\n]{4,60})】")
_QUOTED = re.compile(r"[“「『]([^”」』\n]{2,16})[”」』]")
# Arabic figures, and Chinese numerals before a measure word (十三人, 四十多个): not 一刀切.
_NUMBER = re.compile(r"[0-9０-９]+(?:[.．·][0-9０-９]+)*|[零〇一二两三四五六七八九十百千万亿]+(?=[余多几]?[人名个位起次天日时月年岁户元座家条辆具吨所])")
_NOT_WORD = re.compile(r"[^\u4e00-\u9fffA-Za-z]+")


@dataclass(frozen=True)
class IncidentFeatures:
    """What an event's incident is: where, which criteria, which kinds, and its headlines and names."""

    criteria: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()          # county-level full paths named
    cities: tuple[str, ...] = ()            # the cities of those counties, and cities named
    bare_cities: tuple[str, ...] = ()       # cities named without any of their counties
    headlines: tuple[str, ...] = ()         # cleaned: places, numbers and punctuation removed
    names: tuple[str, ...] = ()             # Weibo topics and quoted names

    def to_json(self) -> dict[str, Any]:
        return {"criteria": list(self.criteria), "kinds": list(self.kinds), "counties": list(self.counties),
                "cities": list(self.cities), "bare_cities": list(self.bare_cities), "headlines": list(self.headlines),
                "names": list(self.names)}

    @classmethod
    def from_json(cls, data: dict | None) -> "IncidentFeatures | None":
        """Return the features stored on an event, or None when it has none (never judged a priority)."""
        if not isinstance(data, dict) or "criteria" not in data:
            return None
        return cls(**{k: tuple(data.get(k) or ()) for k in ("criteria", "kinds", "counties", "cities", "bare_cities",
                                                          "headlines", "names")})

    @cached_property
    def headline_bigrams(self) -> tuple[tuple[str, frozenset[str]], ...]:
        """Return (headline, its bigrams) for the headlines long enough to compare."""
        return tuple((h, g) for h, g in ((h, _bigrams(h)) for h in self.headlines) if len(g) >= MIN_BIGRAMS)

    def combined(self, other: "IncidentFeatures") -> "IncidentFeatures":
        """Return these features with the headlines and names of `other` added (capped)."""
        return IncidentFeatures(self.criteria, self.kinds, self.counties, self.cities, self.bare_cities,
                                _capped(self.headlines + other.headlines, MAX_HEADLINES),
                                _capped(self.names + other.names, MAX_NAMES))


def _capped(values: Sequence[str], cap: int) -> tuple[str, ...]:
    """Return `values` without repeats; past `cap`, the first and the newest half (the incident and its news)."""
    unique = tuple(dict.fromkeys(v for v in values if v))
    return unique if len(unique) <= cap else unique[: cap // 2] + unique[-(cap - cap // 2):]


@lru_cache(maxsize=4096)
def _bigrams(cleaned: str) -> frozenset[str]:
    # Cached: the candidates' features are read again for every batch, with the same headlines.
    return frozenset(part[i:i + 2] for part in cleaned.split() for i in range(len(part) - 1))


def _criteria_of(assessment: Assessment) -> tuple[str, ...]:
    """Return a priority's criteria, or the likely criteria of a 待研判 item (the judge's model names them)."""
    if assessment.criteria or not assessment.review:
        return tuple(assessment.criteria)
    return tuple((assessment.extra.get("model") or {}).get("likely") or ())


def incident_kinds(assessment: Assessment) -> tuple[str, ...]:
    """Return the kinds of incident an assessment names (sorted), from its lexicon hits."""
    hits = assessment.extra.get("hits") or {}
    kinds = set()
    for criterion in _criteria_of(assessment):
        group = SUBJECT_GROUPS.get(criterion)
        for term, weight in (hits.get(f"{criterion}.{group}") or {}).items():
            if weight >= SALIENT_WEIGHT and term not in CONSEQUENCES:
                kinds.add(KIND_OF.get(term, term))
    return tuple(sorted(kinds))


def incident_features(assessment: Assessment, items: Iterable, gazetteer) -> IncidentFeatures:
    """Return the incident features of a judged event from its assessment and the items judged.

    `items` have `.title` and `.text`; `gazetteer` is the judgement's
    (monitor.judgement.Gazetteer): it gives the level of each locality. Place
    names are removed from headlines as the judgement found them in the text
    (`extra["place_surfaces"]`; the gazetteer is asked again only without them).
    """
    raw_headlines: list[str] = []
    names: list[str] = []
    for heads, found_names in (_item_marks(item.title or "", item.text or "") for item in items):
        raw_headlines += heads
        names += found_names
    raw_headlines = list(dict.fromkeys(raw_headlines))[:MAX_HEADLINES * 2]
    found = assessment.extra.get("place_surfaces")
    if found is None:
        found = [s for s, _p in gazetteer.find("\n".join(raw_headlines)).mentions]
    surfaces = sorted(set(found), key=len, reverse=True)
    headlines = []
    for h in raw_headlines:
        for surface in surfaces:
            if surface in h:
                h = h.replace(surface, " ")
        cleaned = _cleaned(h)
        if cleaned:
            headlines.append(cleaned)
    where = places_of(assessment.localities, gazetteer)
    return IncidentFeatures(
        criteria=_criteria_of(assessment), kinds=incident_kinds(assessment), counties=where.counties,
        cities=where.cities, bare_cities=where.bare_cities, headlines=_capped(headlines, MAX_HEADLINES), names=_capped(names, MAX_NAMES))


# Cached, as `_cleaned`: a merge target is judged again with most of the same items each time it grows
# (bench.ingest: 64% repeats; incident_features -25% CPU). The `in` tests skip needless regex scans.
@lru_cache(maxsize=4096)
def _item_marks(title: str, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (headlines, names) of one item: its title, topics and 【】 headlines; topics and quoted names."""
    heads, names = [title] if title else [], []
    both = f"{title} {text}"
    if "#" in both:
        for found in _HASHTAG.findall(both):
            topic = found.strip()
            heads.append(topic)
            if len(topic) >= 3:
                names.append(topic)
    if "【" in text:
        heads += _BRACKET.findall(text)
    if "“" in both or "「" in both or "『" in both:
        for quoted in _QUOTED.findall(both):
            name = _NOT_WORD.sub("", _NUMBER.sub("", quoted))
            if len(name) >= 3:
                names.append(name)
    return tuple(heads), tuple(names)


@lru_cache(maxsize=4096)
def _cleaned(headline: str) -> str:
    """Return `headline` (place names already blanked) without numbers and punctuation, spaces collapsed."""
    return " ".join(_NOT_WORD.sub(" ", _NUMBER.sub(" ", headline)).split())


# ---------------------------------------------------------------------------------------- decision

@dataclass(frozen=True)
class Candidate:
    """A priority event that could take part in a merge."""

    event_id: int
    first_seen_at: datetime
    last_seen_at: datetime
    features: IncidentFeatures


@dataclass(frozen=True)
class MergeIntent:
    """Merge event `source_id` into `target_id`; `reason` is the Chinese trace line."""

    source_id: int
    target_id: int
    score: float
    reason: str
    features: IncidentFeatures = field(default_factory=IncidentFeatures, compare=False)


def similarity(a: IncidentFeatures, b: IncidentFeatures) -> tuple[float, str]:
    """Return how alike two incidents read (0-1) and why, in Chinese.

    1.0 for a shared Weibo topic or quoted name; otherwise the best overlap of
    headline bigrams (shared / the smaller set) over all pairs of headlines.
    """
    for n in a.names:
        if n in b.names:
            return 1.0, f"共同话题或名称“{n}”"
    best, pair = 0.0, None
    for ha, ga in a.headline_bigrams:
        for hb, gb in b.headline_bigrams:
            if ga.isdisjoint(gb):
                continue
            score = len(ga & gb) / min(len(ga), len(gb))
            if score > best:
                best, pair = score, (ha, hb)
    return best, (f"标题相近（“{pair[0][:20]}”与“{pair[1][:20]}”）" if pair else "")


# How a claim travels is not what it claims: the formulae of spreading and doubting are left out of clauses.
_HEARSAY = re.compile("紧急扩散|扩散周知|赶紧转发|大家转告|转发|听说|据说|网传|有网民称|谣言|是真是假|还是真的|是真的吗|辟谣")


def _claims(headlines: Sequence[str]) -> list[tuple[str, frozenset[str]]]:
    return [(c, _bigrams(c)) for h in headlines for part in h.split() for c in _HEARSAY.sub(" ", part).split()]


def claim_similarity(a: IncidentFeatures, b: IncidentFeatures) -> tuple[float, str]:
    """Return the best overlap of two clauses (parts of the cleaned headlines, hearsay words out) and why."""
    best, pair = 0.0, None
    clauses_b = _claims(b.headlines)
    for ca, ga in _claims(a.headlines):
        if len(ga) < MIN_BIGRAMS:
            continue
        for cb, gb in clauses_b:
            if len(gb) < MIN_BIGRAMS or ga.isdisjoint(gb):
                continue
            score = len(ga & gb) / min(len(ga), len(gb))
            if score > best:
                best, pair = score, (ca, cb)
    return best, (f"说法相同（“{pair[0][:20]}”与“{pair[1][:20]}”）" if pair else "")


def choose_target(new: Candidate, others: Iterable[Candidate], *, now: datetime, window: timedelta) -> MergeIntent | None:
    """Return the intent to merge `new` into the most similar older incident of the window, or None.

    `others` are priority events (cases or not); `new` must have no case (the
    caller's check). Older means first seen earlier (the event id breaks ties),
    so two events are never merged into each other. See the module docstring
    for the four conditions.
    """
    f = new.features
    found: list[tuple[float, datetime, int, str]] = []
    me, oldest_seen = (new.first_seen_at, new.event_id), now - window
    for other in others:
        if other.event_id == new.event_id or (other.first_seen_at, other.event_id) >= me:
            continue
        if other.last_seen_at < oldest_seen:
            continue
        g = other.features
        criteria = [c for c in f.criteria if c in g.criteria]
        if not criteria:
            continue
        place = same_place(f, g)
        if place is None:
            continue
        kinds = [k for k in f.kinds if k in g.kinds]
        if f.kinds and g.kinds and not kinds:
            continue            # both say what happened, and it is not the same thing
        threshold = SAME_KIND_SIMILARITY if kinds else NO_KIND_SIMILARITY
        score, why = similarity(f, g)
        if score < threshold and "rumor" in criteria:
            score, why = claim_similarity(f, g)
            threshold = RUMOUR_CLAIM_SIMILARITY
        if score < threshold:
            continue
        reason = (f"与事件{other.event_id}为同一事件：同一地区（{place}），同属“{'、'.join(criteria)}”"
                  + (f"，同类事件（{'、'.join(kinds)}）" if kinds else "")
                  + f"，{why}（相似度{score:.2f}≥{threshold:g}）")
        found.append((score, other.first_seen_at, other.event_id, reason))
    if not found:
        return None
    # The most similar; among equals the oldest (the incident's first event, which has the case).
    score, _first, target, reason = min(found, key=lambda c: (-c[0], c[1], c[2]))
    return MergeIntent(source_id=new.event_id, target_id=target, score=score, reason=reason, features=f)


# ---------------------------------------------------------------------------------------- storing

# The statements of every batch, built once (building and keying one costs ~70 us).
_CANDIDATES = select(EVENT.c.id, EVENT.c.first_seen_at, EVENT.c.last_seen_at, cast(EVENT.c.incident, Text)).where(
    or_(EVENT.c.priority == True, EVENT.c.id.in_(bindparam("review", expanding=True))),  # noqa: E712
    EVENT.c.merged_into_id.is_(None), EVENT.c.last_seen_at >= bindparam("since"))
_MOVE_ITEMS = update(ITEM).where(ITEM.c.event_id == bindparam("source")).values(event_id=bindparam("target"))
_MARK_MERGED = update(EVENT).where(EVENT.c.id == bindparam("source")).values(
    merged_into_id=bindparam("target"), needs_judgement=False, incident=bindparam("incident"))
_SCHEMES = select(EVENT.c.id, EVENT.c.matched_schemes).where(EVENT.c.id.in_(bindparam("ids", expanding=True)))
_UPDATE_TARGETS = update(EVENT).where(EVENT.c.id == bindparam("target")).values(
    matched_schemes=bindparam("schemes"), incident=bindparam("incident"))


def _candidates(session: Session, now: datetime, window: timedelta, review: Sequence[int] = ()) -> list[Candidate]:
    rows = session.connection().execute(_CANDIDATES, {"since": now - window, "review": sorted(review)})
    return [Candidate(event_id, first_seen, last_seen, features) for event_id, first_seen, last_seen, text in rows
            if (features := _stored_features(text)) is not None]


# Why cached by the stored JSON text: every batch reads every priority event of the window again, and
# few changed since (bench.ingest: 3,646 rows, 1,587 texts). Features are immutable: shared safely.
@lru_cache(maxsize=4096)
def _stored_features(text: str | None) -> IncidentFeatures | None:
    return IncidentFeatures.from_json(json.loads(text)) if text else None


class _PlaceIndex:
    """Candidates by the places `same_place` compares, so that each event is checked only against its neighbours.

    Why: a busy window holds hundreds of priority events; comparing each new
    one with all of them is quadratic, while an incident shares a county or city.
    """

    def __init__(self, candidates: Iterable[Candidate]):
        self.county: dict[str, set[int]] = defaultdict(set)
        self.city: dict[str, set[int]] = defaultdict(set)
        self.bare: dict[str, set[int]] = defaultdict(set)
        for c in candidates:
            for key in c.features.counties:
                self.county[key].add(c.event_id)
            for key in c.features.cities:
                self.city[key].add(c.event_id)
            for key in c.features.bare_cities:
                self.bare[key].add(c.event_id)

    def near(self, f: IncidentFeatures) -> set[int]:
        """Return the ids of the candidates that may share a place with `f` (a superset of `same_place`)."""
        ids: set[int] = set()
        for key in f.counties:
            ids |= self.county.get(key, set())
        for key in f.bare_cities:
            ids |= self.city.get(key, set())
        for key in f.cities:
            ids |= self.bare.get(key, set())
        return ids


def merge_incidents(session: Session, now: datetime, judged: Sequence[tuple[Event, Assessment]], *,
                    window: timedelta, with_cases: set[int],
                    review_events: Iterable[int] = ()) -> list[tuple[Event, Assessment]]:
    """Merge judged priority and 待研判 events into older events of the same incident; return the pairs not merged.

    `judged` is the judgement stage's (event, assessment) list; `with_cases` the
    ids among them that already have a case, and `review_events` the events whose
    case is 待研判 (the caller asks responders: monitor does not import it): they are
    candidates beside the priority events, so that a later, clearer report joins the
    待研判 case of the first vague one (one story, one case). Reads the candidates in
    one query when some judged event could be merged; does not commit. Returns
    `judged` unchanged when nothing was merged.
    """
    sources = [e for e, a in judged if (a.priority or a.review) and e.id not in with_cases and e.incident]
    if not sources:
        return list(judged)
    # The judged 待研判 events are candidates too (as sources they must be found among them).
    review = set(review_events) | {e.id for e, a in judged if a.review}
    candidates = _candidates(session, now, window, tuple(review))
    by_id = {c.event_id: c for c in candidates}
    places = _PlaceIndex(candidates)
    intents: list[MergeIntent] = []
    merged: set[int] = set()
    for event in sources:
        me = by_id.get(event.id)
        if me is None:
            continue
        # Events merged in this batch are gone; their target took their headlines (below).
        nearby = (by_id[i] for i in sorted(places.near(me.features)) if i not in merged)
        intent = choose_target(me, nearby, now=now, window=window)
        if intent is None:
            continue
        intents.append(intent)
        merged.add(event.id)
        target = by_id[intent.target_id]
        by_id[intent.target_id] = Candidate(target.event_id, target.first_seen_at, max(target.last_seen_at, me.last_seen_at),
                                            target.features.combined(me.features))
    if not intents:
        return list(judged)
    apply_merges(session, now, intents, targets={t: by_id[t].features for t in {i.target_id for i in intents}})
    return [(e, a) for e, a in judged if e.id not in merged]


def apply_merges(session: Session, now: datetime, intents: Sequence[MergeIntent], *,
                 targets: dict[int, IncidentFeatures]) -> None:
    """Store merge intents: move the items, mark the merged events, refresh and re-flag the targets.

    `targets` holds each target's features with the merged headlines and names
    added. Core statements, no commit: the caller commits with the judgements.
    """
    conn = session.connection()
    conn.execute(_MOVE_ITEMS, [{"source": i.source_id, "target": i.target_id} for i in intents])
    conn.execute(_MARK_MERGED, [{"source": i.source_id, "target": i.target_id, "incident": {
        **i.features.to_json(), "merged_into": {"event_id": i.target_id, "at": now.isoformat(), "reason": i.reason}}}
        for i in intents])
    ids = {"ids": sorted({i.source_id for i in intents} | set(targets))}
    schemes = {i: s or [] for i, s in session.execute(_SCHEMES, ids)}
    names: dict[int, set[str]] = {target: set(schemes.get(target, [])) for target in targets}
    for intent in intents:
        names.get(intent.target_id, set()).update(schemes.get(intent.source_id, []))
    conn.execute(_UPDATE_TARGETS, [{"target": target, "schemes": sorted(names[target]), "incident": features.to_json()}
                                   for target, features in targets.items()])
    refresh_event_stats(session, now, targets)       # counts, sources, growth, heat; flags for judgement
    for intent in intents:
        logger.info("event %s merged into event %s (%.2f): %s", intent.source_id, intent.target_id, intent.score, intent.reason)


def forward_merged(session: Session, now: datetime, event_ids: Iterable[int]) -> dict[int, int]:
    """Move the items that joined already merged events on to their final target; return {event: target}.

    Why: the ingest's in-memory event index may still point at a merged event
    until it is rebuilt, so an item can join it; the item belongs to the
    incident it was merged into. The targets are refreshed and flagged for
    judgement. No commit.
    """
    ids = set(event_ids)
    if not ids:
        return {}
    links: dict[int, int] = {}
    ask = ids
    while ask:          # follow chains (A -> B -> C) a hop per query; merged events are few
        found = dict(session.execute(select(EVENT.c.id, EVENT.c.merged_into_id).where(
            EVENT.c.id.in_(ask), EVENT.c.merged_into_id.is_not(None))).all())
        links.update(found)
        ask = {t for t in found.values() if t not in links}
    moved: dict[int, int] = {}
    for event_id in ids:
        target, seen = links.get(event_id), {event_id}
        if target is None:
            continue
        while target in links and target not in seen:
            seen.add(target)
            target = links[target]
        session.connection().execute(update(ITEM).where(ITEM.c.event_id == event_id).values(event_id=target))
        moved[event_id] = target
    if moved:
        refresh_event_stats(session, now, set(moved.values()))
        logger.info("items of merged events forwarded: %s", ", ".join(f"{s}->{t}" for s, t in sorted(moved.items())))
    return moved
