"""Character tables that fold text for matching, and a fast test for the characters they change.

Both foldings of the product are built here: the ingest's (monitor.normalize:
keyword schemes, hashes, near-duplicate signatures) and the judgement's
(monitor.judgement.textfold: lexicons, place names, numerals). They map
Traditional characters to Simplified from OpenCC's own character dictionary
(`TSCharacters.txt`, first candidate of each entry, so the table stays as
current as the installed OpenCC data) and full-width digits and letters to
ASCII; they differ only in the full-width punctuation each adds (see the callers).

Why a character table and not OpenCC's converter: OpenCC's phrase conversion
costs ~800 µs per 300 characters in pure Python; `str.translate` with a table
costs ~1 µs, and `CharFinder` tells in a few ns per character that a text has
nothing to fold (nearly all mainland items), which skips even that.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

__all__ = ["ts_characters", "fullwidth_ascii", "CharFinder"]

# Full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ).
_FULLWIDTH_ALNUM = (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))


@lru_cache(maxsize=1)
def ts_characters() -> dict[int, str]:
    """Return {code point: Simplified character} for every single Traditional character OpenCC changes."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and parts[1] != parts[0]:
            table[ord(parts[0])] = parts[1]
    return table


def fullwidth_ascii(*extra: int) -> dict[int, str]:
    """Return {code point: ASCII} for full-width digits and letters, plus the full-width code points `extra`."""
    return {code: chr(code - 0xFEE0) for code in (*_FULLWIDTH_ALNUM, *extra)}


_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


class CharFinder:
    """Tell whether a text holds any of a set of characters, fast.

    Why a regex class of the BMP characters: it scans in C at a few ns per
    character, while `frozenset.isdisjoint(text)` and `str.translate(dict)`
    cost ~0.1-0.3 µs per character, and an Aho-Corasick automaton of the
    characters ~10 µs per 1,000. Only BMP characters go into the class: one
    astral character makes `re` fall back from its bitmap to a linear list of
    ranges (~100x slower); the astral ones are checked with a set, and only
    when the text has any.
    """

    def __init__(self, chars):
        chars = set(chars)
        self._bmp = re.compile("[" + "".join(re.escape(c) for c in sorted(chars) if ord(c) <= 0xFFFF) + "]")
        self._astral = frozenset(c for c in chars if ord(c) > 0xFFFF)

    def search(self, text: str) -> bool:
        if self._bmp.search(text) is not None:
            return True
        return bool(self._astral) and _ASTRAL.search(text) is not None and not self._astral.isdisjoint(text)
