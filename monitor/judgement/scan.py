"""Fold a text and run the judgement's three automata over it line by line, remembering recent lines.

Why by line: an event is judged on the text of its first and latest items, and
it is judged again each time it grows or takes a merged report, so the same
headlines and paragraphs come back judgement after judgement (on bench.ingest
more than half of the characters judged are lines seen before). No lexicon
term, place name, blocker word or figure needle contains a line break, and
folding maps characters one by one, so the matches of a text are exactly the
matches of its lines, shifted by where each line starts; the lines' scans can
be kept and reused. What is kept per line is small: the folded line, the
lexicon's (term, start) pairs, the gazetteer's mentions after blocking (the
~90% of its matches that are ordinary words are dropped) and the needles present.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .gazetteer import Gazetteer
from .lexicon import Lexicon
from .severity import needles_in
from .textfold import fold

__all__ = ["LineScanner", "Scanned"]


@dataclass(frozen=True, slots=True)
class Scanned:
    """One text, folded, with its lexicon matches, place mentions and figure needles."""

    text: str
    terms: list[tuple[int, int]]          # Lexicon.matches
    mentions: list[tuple]                 # Gazetteer.mentions
    needles: frozenset[str]               # severity.needles_in


class LineScanner:
    """Scan texts for the lexicon, the gazetteer and the figure needles; thread-safe (lru_cache)."""

    def __init__(self, lexicon: Lexicon, gazetteer: Gazetteer, *, lines: int = 8192):
        self.lexicon = lexicon
        self.gazetteer = gazetteer
        self._line = lru_cache(maxsize=lines)(self._scan_line)

    def _scan_line(self, raw: str) -> tuple[str, tuple, tuple, frozenset[str]]:
        line = fold(raw)
        return line, tuple(self.lexicon.matches(line)), tuple(self.gazetteer.mentions(line)), needles_in(line)

    def scan(self, raw: str) -> Scanned:
        """Return `raw` folded with its matches (the same as scanning the whole folded text at once)."""
        lines, terms, mentions = [], [], []
        needles: set[str] = set()
        offset = 0
        for raw_line in raw.split("\n"):
            line, line_terms, line_mentions, line_needles = self._line(raw_line)
            lines.append(line)
            if offset:
                terms += [(index, start + offset) for index, start in line_terms]
                mentions += [(s + offset, e + offset, p) for s, e, p in line_mentions]
            else:
                terms.extend(line_terms)
                mentions.extend(line_mentions)
            needles |= line_needles
            offset += len(line) + 1
        return Scanned("\n".join(lines), terms, mentions, frozenset(needles))
