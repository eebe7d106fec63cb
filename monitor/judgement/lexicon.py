"""Load the shipped lexicons (criteria, sectors, sentiment), merge a deployment's extensions, index them.

Every term of every list goes into one Aho-Corasick automaton, so a text is
scanned once for all criteria, sectors and sentiment words (`Lexicon.scan`).
Why ahocorasick_rs and not pyahocorasick: on Chinese text the Rust automaton
finds the same overlapping matches, in the same order (by end, longest first),
about ten times faster (see gazetteer.py).
Extension files have the layout of the shipped ones; term tables merge (a later
weight wins, weight 0 removes the term), lists extend.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import ahocorasick_rs

from .textfold import fold

__all__ = ["Lexicon", "Criterion", "Hits", "load_documents"]

_TERM_TABLES = ("terms",)


def _merge(base: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        elif isinstance(value, list) and isinstance(base.get(key), list) and key not in ("views", "reposts", "comments", "sources", "items", "growth_per_hour"):
            base[key] = base[key] + [v for v in value if v not in base[key]]
        else:
            base[key] = value
    return base


def load_documents(names: tuple[str, ...], data_dir: Path, extra_files: tuple[Path, ...]) -> dict:
    """Return the merged document of the shipped files `names` and the deployment's `extra_files`."""
    doc: dict = {}
    for path in [data_dir / n for n in names] + list(extra_files):
        with open(path, "rb") as fh:
            try:
                _merge(doc, tomllib.load(fh))
            except tomllib.TOMLDecodeError as e:
                raise ValueError(f"{path}: {e}") from e
    return doc


@dataclass(frozen=True)
class Criterion:
    name: str
    label: str
    rule: str
    threshold: float
    requires: tuple[str, ...]
    caps: dict
    suppress: frozenset
    override: frozenset
    hard_suppress: frozenset
    patterns: tuple[tuple[re.Pattern, float, str], ...]


class Hits:
    """The terms found in one text, by list: crit[(criterion, group)] -> {term: weight}, etc."""

    __slots__ = ("crit", "suppress", "override", "hard", "sectors", "sentiment", "text")

    def __init__(self, text: str):
        self.text = text
        self.crit: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
        self.suppress: dict[str, list[str]] = defaultdict(list)
        self.override: dict[str, list[str]] = defaultdict(list)
        self.hard: dict[str, list[str]] = defaultdict(list)
        self.sectors: dict[str, dict[str, float]] = defaultdict(dict)
        self.sentiment: list[tuple[int, str, float]] = []


class Lexicon:
    """All term lists in one automaton; `scan(folded_text)` returns `Hits`."""

    def __init__(self, doc: dict):
        self.criteria: dict[str, Criterion] = {}
        self.signals = doc.get("signals", {})
        self.especially = doc.get("especially_major", {})
        self.negators = tuple(sorted(doc.get("negators", []), key=len, reverse=True))
        index: dict[str, list[tuple]] = defaultdict(list)
        for name, c in doc.get("criteria", {}).items():
            caps = {}
            for group, g in c.get("groups", {}).items():
                caps[group] = float(g.get("cap", 99))
                for term, weight in g.get("terms", {}).items():
                    if weight:
                        index[fold(term)].append(("crit", name, group, float(weight)))
            sup = c.get("suppress", {})
            for kind in ("terms", "override", "hard"):
                words = sup.get(kind, [])
                for term in words:
                    index[fold(term)].append(({"terms": "suppress", "override": "override", "hard": "hard"}[kind], name))
            patterns = tuple((re.compile(p["regex"]), float(p.get("weight", 1)), p.get("note", "")) for p in c.get("patterns", []))
            self.criteria[name] = Criterion(
                name, c.get("label", name), c.get("rule", ""), float(c.get("threshold", 3)),
                tuple(c.get("requires", [])), caps, frozenset(sup.get("terms", [])), frozenset(sup.get("override", [])),
                frozenset(sup.get("hard", [])), patterns,
            )
        for sector, s in doc.get("sectors", {}).items():
            for term, weight in s.get("terms", {}).items():
                if weight:
                    index[fold(term)].append(("sector", sector, float(weight)))
        for term, weight in doc.get("negative", {}).items():
            if weight:
                index[fold(term)].append(("sent", -float(weight)))
        for term, weight in doc.get("positive", {}).items():
            if weight:
                index[fold(term)].append(("sent", float(weight)))
        terms = [t for t in index if t]
        self._plans = [_plan(term, tuple(index[term])) for term in terms]
        # A DFA: ~30 % faster than the default contiguous NFA on the bench's lines, for a few hundred KB
        # (the gazetteer's 19,000 names gain nothing from it).
        self._automaton = ahocorasick_rs.AhoCorasick(terms, matchkind=ahocorasick_rs.MatchKind.Standard,
                                                     implementation=ahocorasick_rs.Implementation.DFA)
        self.size = len(index)

    def scan(self, text: str) -> Hits:
        """Return every lexicon term in folded `text` (each term once per list)."""
        return self.hits(text, self.matches(text))

    def matches(self, text: str) -> list[tuple[int, int]]:
        """Return (term index, start) of every term in folded `text`, by end then longest first.

        No term contains a line break, so the matches of a text are those of its
        lines one after the other (monitor.judgement.scan relies on it).
        """
        return [(index, start) for index, start, _end in self._automaton.find_matches_as_indexes(text, overlapping=True)]

    def hits(self, text: str, matches) -> Hits:
        """Return the `Hits` of folded `text` from its `matches`."""
        return self.hits_of(text, ((0, self.line_record(matches)),))

    def line_record(self, matches) -> tuple:
        """Return what the `matches` of one line (or text) add to its `Hits`, in the compact form `hits_of` merges.

        (crit ((criterion, group), term) -> weight, sector (sector, term) -> weight, each first
        occurrence in order; sentiment (start, term, weight); suppress, override and hard
        (criterion, term), all occurrences in order.) Why per line: monitor.judgement.scan keeps
        each line's record with its scan, so a line judged before costs a merge of its distinct
        terms instead of a pass over its matches. Why per-term plans: the entries of a term are
        sorted by kind once at load (`_plan`), so that each match costs a few loops over short
        tuples instead of a test of every entry's kind.
        """
        plans = self._plans
        # A suppress phrase that contains an override word neutralises it there:
        # "畅通投诉举报渠道" in a routine notice is no complaint (投诉 is an override of public_interest).
        # No term contains a line break, so a phrase and the words inside it are on one line.
        quiet: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, start in matches:
            plan = plans[index]
            for name in plan[5]:
                quiet[name].append((start, start + plan[1]))
        crit: dict = {}
        sectors: dict = {}
        sentiment, suppress, override, hard = [], [], [], []
        for index, start in matches:
            term, size, crits, sector_terms, sents, sups, overs, hards = plans[index]
            for key, weight in crits:
                crit.setdefault((key, term), weight)
            for sector, weight in sector_terms:
                sectors.setdefault((sector, term), weight)
            for weight in sents:
                sentiment.append((start, term, weight))
            for name in sups:
                suppress.append((name, term))
            for name in overs:
                if any(a <= start and start + size <= b and b - a > size for a, b in quiet.get(name, ())):
                    continue
                override.append((name, term))
            for name in hards:
                hard.append((name, term))
        return (tuple(crit.items()), tuple(sectors.items()), tuple(sentiment), tuple(suppress), tuple(override),
                tuple(hard))

    @staticmethod
    def hits_of(text: str, records) -> Hits:
        """Return the `Hits` of folded `text` from the (offset, `line_record`) of its lines, in order."""
        hits = Hits(text)
        crit, sectors, sentiment = hits.crit, hits.sectors, hits.sentiment
        suppress, override, hard = hits.suppress, hits.override, hits.hard
        for offset, (crits, sector_terms, sents, sups, overs, hards) in records:
            for (key, term), weight in crits:
                crit[key][term] = weight
            for (sector, term), weight in sector_terms:
                sectors[sector][term] = weight
            if sents:
                sentiment += [(start + offset, term, weight) for start, term, weight in sents] if offset else sents
            for name, term in sups:
                suppress[name].append(term)
            for name, term in overs:
                override[name].append(term)
            for name, term in hards:
                hard[name].append(term)
        return hits


def _plan(term: str, entries: tuple) -> tuple:
    """Return (term, length, crit (key, weight)s, sector (name, weight)s, sentiment weights, suppress,
    override and hard criterion names) of one term, each in the order of its entries."""
    return (
        term, len(term),
        tuple(((e[1], e[2]), e[3]) for e in entries if e[0] == "crit"),
        tuple((e[1], e[2]) for e in entries if e[0] == "sector"),
        tuple(e[1] for e in entries if e[0] == "sent"),
        tuple(e[1] for e in entries if e[0] == "suppress"),
        tuple(e[1] for e in entries if e[0] == "override"),
        tuple(e[1] for e in entries if e[0] == "hard"),
    )
