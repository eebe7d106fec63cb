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

Regular expressions are remembered per line too (`LineScanner.finditer`),
for the patterns `linesafe.line_safe` proves find the same in a text as in its
lines; the others search the whole text each time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .gazetteer import Gazetteer
from .lexicon import Lexicon
from .linesafe import line_safe
from .severity import needles_in
from .textfold import fold

__all__ = ["LineScanner", "Scanned", "Found"]

# One regex match: (start, end, (group 0, group 1, ...)).
Found = tuple[int, int, tuple]


@dataclass(frozen=True, slots=True)
class Scanned:
    """One text, folded, with its lexicon matches, place mentions and figure needles."""

    text: str
    records: list[tuple[int, tuple]]      # (offset, Lexicon.line_record) of each line
    mentions: list[tuple]                 # Gazetteer.mentions
    needles: frozenset[str]               # severity.needles_in
    lines: tuple[tuple[int, str], ...]    # (offset in text, folded line)


class LineScanner:
    """Scan texts for the lexicon, the gazetteer and the figure needles; thread-safe (lru_cache)."""

    def __init__(self, lexicon: Lexicon, gazetteer: Gazetteer, *, lines: int = 8192):
        self.lexicon = lexicon
        self.gazetteer = gazetteer
        self._line = lru_cache(maxsize=lines)(self._scan_line)
        self._found = lru_cache(maxsize=lines * 4)(_find_in_line)
        self._safe: dict[re.Pattern, bool] = {}

    def _scan_line(self, raw: str) -> tuple[str, tuple, tuple, frozenset[str]]:
        line = fold(raw)
        return (line, self.lexicon.line_record(self.lexicon.matches(line)), tuple(self.gazetteer.mentions(line)),
                needles_in(line))

    def scan(self, raw: str) -> Scanned:
        """Return `raw` folded with its matches (the same as scanning the whole folded text at once)."""
        lines, records, mentions = [], [], []
        needles: set[str] = set()
        offset = 0
        for raw_line in raw.split("\n"):
            line, record, line_mentions, line_needles = self._line(raw_line)
            lines.append((offset, line))
            records.append((offset, record))
            if offset:
                mentions += [(s + offset, e + offset, p) for s, e, p in line_mentions]
            else:
                mentions.extend(line_mentions)
            needles |= line_needles
            offset += len(line) + 1
        return Scanned("\n".join(line for _offset, line in lines), records, mentions, frozenset(needles), tuple(lines))

    def finditer(self, pattern: re.Pattern, scanned: Scanned) -> list[Found]:
        """Return what `pattern.finditer(scanned.text)` finds, as (start, end, groups) tuples.

        A line-safe pattern (linesafe.py) is searched once per distinct line and
        remembered, keyed by the folded line the line cache hands back (the same
        string object, whose hash Python keeps); any other searches the text.
        """
        safe = self._safe.get(pattern)
        if safe is None:
            safe = self._safe[pattern] = line_safe(pattern)
        if not safe:
            return [(m.start(), m.end(), (m.group(0), *m.groups())) for m in pattern.finditer(scanned.text)]
        found: list[Found] = []
        find = self._found
        for offset, line in scanned.lines:
            matches = find(pattern, line)
            if matches:
                if offset:
                    found += [(start + offset, end + offset, groups) for start, end, groups in matches]
                else:
                    found += matches
        return found


def _find_in_line(pattern: re.Pattern, line: str) -> tuple[Found, ...]:
    return tuple((m.start(), m.end(), (m.group(0), *m.groups())) for m in pattern.finditer(line))
