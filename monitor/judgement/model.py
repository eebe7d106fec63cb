"""The learned half of the judgement: calibrated linear models over character n-grams and the rules' findings.

What it decides: the probability that an item is a priority opinion (需重点回应的政务舆情, 国办发〔2016〕61号
二) and, per criterion, that it falls in that category. `Judge` combines it with the rules: the rules stay
authoritative for what they state outright (severity thresholds, drills and plans excluded, the rumour
referral); the model decides what the lexicons cannot, and an uncertain probability becomes a 待研判 case.

Why a linear model over character n-grams (and not word segmentation or a neural model):
- Chinese news and posts are written without spaces and full of names the segmenters do not know; character
  1-4-grams need no segmenter and read Traditional text once it is folded to Simplified.
- With ~1,000 labelled real items, a regularised logistic regression is the model that does not overfit; its
  weights are readable, so the rationale can name the phrases that decided ("透水", "被困", "家属质疑").
- Calibrated (Platt scaling on out-of-fold scores), its probability can be compared with a configured 待研判 band.

Why inference is written here and not left to scikit-learn: the fitted weights are exported to a JSON file
of a few hundred kilobytes (`data/model.json`, built by `yuqing train`), the n-grams of the vocabulary are found
with one Aho-Corasick automaton (ahocorasick_rs, as the lexicon does), and the score is a sum of the weights
of the distinct n-grams found. That loads in milliseconds, keeps scikit-learn and SciPy (about 100 MB resident
and a second of import) out of the daemon, and costs a few microseconds per item. `features_of` (the
reference used in training) and the automaton give the same n-grams; a test holds them equal.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import ahocorasick_rs
import numpy as np

from ..assessment import CRITERIA

__all__ = ["TextModel", "ModelVerdict", "model_text", "features_of", "HEADS", "DENSE_FEATURES", "MODEL_FORMAT",
           "SHIPPED_MODEL", "DEPLOYMENT_MODEL"]

MODEL_FORMAT = 1
SHIPPED_MODEL = Path(__file__).parent / "data" / "model.json"
# The file name of a deployment's own retrained model in its state_dir (yuqing train --with-decisions).
DEPLOYMENT_MODEL = "judgement-model.json"
# The heads of the model: priority, then one per criterion (CONTRACT.md order).
HEADS = ("priority",) + CRITERIA
# Only the head of a text is read: the lead of a report says what happened; training items are a headline
# and at most 200 characters, and a model read on 4,000-character pages would weigh what it never saw.
MODEL_CHARS = 320
NGRAM_MIN, NGRAM_MAX = 1, 4
_SPACE = re.compile(r"\s+")

# The rules' findings the model reads beside the n-grams (computed by Judge.rule_state), in this order.
DENSE_FEATURES = tuple(
    [f"rule_fired:{c}" for c in CRITERIA] + [f"rule_score:{c}" for c in CRITERIA] + [
        "excluded_plan_or_drill", "suppressed_routine", "deaths", "trapped_or_missing", "injured",
        "impact_signals", "negative_sentiment", "places_none", "places_many", "outside_jurisdiction",
        "policy_document", "national_body",
    ])


def model_text(folded: str) -> str:
    """Return the part of a folded text the model reads: whitespace runs as one space, the first MODEL_CHARS."""
    return _SPACE.sub(" ", folded.strip()[:MODEL_CHARS * 2])[:MODEL_CHARS]


def features_of(text: str) -> set[str]:
    """Return the distinct character n-grams of `text` (already `model_text`): the training analyzer."""
    out = set()
    n = len(text)
    for size in range(NGRAM_MIN, NGRAM_MAX + 1):
        for i in range(n - size + 1):
            out.add(text[i:i + size])
    return out


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@dataclass(frozen=True, slots=True)
class ModelVerdict:
    probability: float                  # calibrated P(priority opinion)
    criteria: dict[str, float]          # calibrated P(criterion) per criterion
    phrases: tuple[str, ...]            # the text's spans that raised the priority score most


class TextModel:
    """A fitted model read from its JSON file; thread-safe to share (immutable after load)."""

    def __init__(self, doc: dict, *, origin: str = "model"):
        if doc.get("format") != MODEL_FORMAT:
            raise ValueError(f"{origin}: unsupported model format {doc.get('format')!r} (expected {MODEL_FORMAT})")
        heads = tuple(doc.get("heads", ()))
        if heads != HEADS:
            raise ValueError(f"{origin}: heads {heads} do not match {HEADS}")
        if tuple(doc.get("dense", ())) != DENSE_FEATURES:
            raise ValueError(f"{origin}: dense features do not match this version of the judge")
        self.version: str = doc["version"]
        self.origin = origin
        self.vocabulary: tuple[str, ...] = tuple(doc["vocabulary"])
        weights = doc["weights"]          # one row per n-gram: a weight per head
        if len(weights) != len(self.vocabulary) or any(len(row) != len(HEADS) for row in weights):
            raise ValueError(f"{origin}: weights do not match the vocabulary and heads")
        # Why NumPy: an item matches a few hundred n-grams and the score sums their rows for seven heads;
        # one indexed sum replaces ~2,000 Python additions (~200 -> ~20 us per item).
        self._weights = np.asarray(weights, dtype=np.float64).reshape(len(self.vocabulary), len(HEADS))
        self._priority_weight = self._weights[:, 0].tolist()
        self._dense = np.asarray(doc["dense_weights"], dtype=np.float64).reshape(len(DENSE_FEATURES), len(HEADS))
        self._intercept = np.asarray(doc["intercept"], dtype=np.float64)
        self._calibration = tuple((float(a), float(b)) for a, b in doc["calibration"])
        self.band = tuple(float(x) for x in doc.get("band", (0.5, 0.5)))
        self.info = doc.get("info", {})
        self._automaton = ahocorasick_rs.AhoCorasick(list(self.vocabulary)) if self.vocabulary else None

    @classmethod
    def load(cls, path: str | Path) -> "TextModel":
        """Return the model stored at `path`; raise ValueError naming the file when it is unusable."""
        path = Path(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"{path}: the judgement model does not load: {e}") from e
        try:
            return cls(doc, origin=str(path))
        except (KeyError, TypeError) as e:
            raise ValueError(f"{path}: the judgement model is incomplete: {e!r}") from e

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """Return (n-gram index, start, end) of every vocabulary n-gram in `text` (a `model_text`)."""
        if self._automaton is None:
            return []
        return self._automaton.find_matches_as_indexes(text, overlapping=True)

    def predict(self, text: str, dense: Sequence[float], *, explain: bool = True) -> ModelVerdict:
        """Return the calibrated verdict for `text` (a `model_text`) and the rules' `dense` findings."""
        found = self.matches(text)
        scores = self._intercept + np.asarray(dense, dtype=np.float64) @ self._dense
        if found:
            scores = scores + self._weights[list({m[0] for m in found})].sum(axis=0)
        probs = [_sigmoid(a * s + b) for s, (a, b) in zip(scores.tolist(), self._calibration)]
        phrases = self._phrases(text, found) if explain else ()
        return ModelVerdict(probs[0], dict(zip(CRITERIA, probs[1:])), phrases)

    def _phrases(self, text: str, found: list[tuple[int, int, int]], limit: int = 5) -> tuple[str, ...]:
        """Return the spans of `text` covered by n-grams that raise the priority score, strongest first.

        Overlapping positive n-grams are joined into one span ("透水" + "水事故" -> "透水事故"), so the
        rationale names phrases a person reads, not fragments.
        """
        # Single characters carry weight in the score but say nothing to a reader: phrases are built from
        # n-grams of two characters or more.
        weight = self._priority_weight
        positive = sorted((s, e, weight[i]) for i, s, e in found if e - s >= 2 and weight[i] > 0.05)
        spans: list[list] = []
        for s, e, w in positive:
            if spans and s < spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], e)
                spans[-1][2] = max(spans[-1][2], w)
            else:
                spans.append([s, e, w])
        spans.sort(key=lambda sp: -sp[2])
        out = []
        for s, e, _w in spans:
            phrase = text[s:e].strip()
            if len(phrase) >= 2 and phrase not in out:
                out.append(phrase[:12])
            if len(out) == limit:
                break
        return tuple(out)
