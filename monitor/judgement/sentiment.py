"""News sentiment: a fast lexicon scorer, with SnowNLP consulted only where it can change a decision.

Why a lexicon first: SnowNLP is trained on shopping reviews; on internet news it
flags negative items at F1 ~0.5 against ~0.72 for a lexicon scorer, and it runs
~120 texts/s (DEPENDENCIES.md), so it cannot be the main signal at 1,000 items/s.

Since the learned model (model.py) the default is `mode = "never"`: SnowNLP's model holds ~400 MB resident
(the daemon's budget is 300 MB), and the model, which reads the lexicon score among the rules' findings, now
settles the borderline items SnowNLP was consulted for; on the real corpus's held-out items both modes give the
same recall and review share (bench/README.md). A deployment may still choose "borderline".

Where SnowNLP is used (`mode = "borderline"`): sentiment is worth at
most one point in one criterion (public_interest's impact, and never alone: the
topic group and at least one other impact point are required). SnowNLP runs
only for an item whose public_interest score sits exactly one point below the
threshold with the topic present and the lexicon score not already negative,
i.e. the only case in which its answer can flip the outcome. Its score is then
averaged with the lexicon's. `mode = "never"` skips it; `"always"` blends it for
every item (slow; for comparison runs).
"""

from __future__ import annotations

import math
from functools import lru_cache

from . import snowfast

__all__ = ["lexicon_score", "snownlp_score", "snownlp_loaded"]


def lexicon_score(hits, negators: tuple[str, ...]) -> float:
    """Return 0..1 (0 negative) from the sentiment terms in `hits`; 0.5 when none."""
    pos = neg = 0.0
    text = hits.text
    last = {n[-1] for n in negators}      # a cheap first test before the prefix checks
    for start, term, weight in hits.sentiment:
        flipped = start > 0 and text[start - 1] in last and any(
            text.startswith(n, start - len(n)) for n in negators if start >= len(n))
        value = -weight if flipped else weight
        if value > 0:
            pos += value
        else:
            neg -= value
    return round(0.5 + 0.5 * math.tanh((pos - neg) / 3.0), 3)


def snownlp_score(text: str) -> float:
    """Return SnowNLP's positive probability for `text` (its first 200 characters)."""
    return _snownlp_prefix(text[:200])


@lru_cache(maxsize=4096)
def _snownlp_prefix(prefix: str) -> float:
    # Why a cache: an event is judged again each time it grows or takes a merged report, and its
    # first 200 characters (its first item) rarely change. Why snowfast and not SnowNLP(text): the
    # same number ~3x faster (SnowNLP's model, 1.6 s and ~420 MB on first use: only when a decision needs it).
    return snowfast.sentiment(prefix)


def snownlp_loaded() -> bool:
    """Return whether SnowNLP's model has been loaded in this process (it is loaded on first use)."""
    return snowfast.loaded()
