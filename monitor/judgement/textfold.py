"""Fold text for the judgement's matching: Traditional to Simplified characters, full-width ASCII to ASCII.

Place names, lexicon terms and numerals need only the character mapping
(monitor.charfold: OpenCC's character table, applied with `str.translate`), and
most items are already Simplified: a `CharFinder` test skips the translation
for them. Unlike the ingest's folding (monitor.normalize.fold) this one keeps
the case of Latin letters (the lexicons are written in the case they mean) and
also folds the full-width decimal point, per cent and plus signs of figures
(６．２级, ３０％).
"""

from __future__ import annotations

from functools import lru_cache

from ..charfold import CharFinder, fullwidth_ascii, ts_characters

__all__ = ["fold"]


@lru_cache(maxsize=1)
def _table() -> tuple[dict[int, str], CharFinder]:
    # Chinese punctuation stays: it is the same in Traditional and Simplified text.
    table = {**ts_characters(), **fullwidth_ascii(0xFF0E, 0xFF05, 0xFF0B)}
    return table, CharFinder(chr(code) for code in table)


def fold(text: str) -> str:
    """Return `text` with Traditional characters and full-width ASCII folded."""
    table, finder = _table()
    if not finder.search(text):
        return text
    return text.translate(table)
