"""Fit the judgement model (model.py) from labelled records: `yuqing train` and `make model` call `train`.

Input records are the corpus layout (tests/data/real/*.jsonl: `title`, `text`, `label` with `priority`
and `criteria`). Each record is first read by the rules (a `Judge` without a model): the model learns from
the same folded lead text and rule findings it will see at run time (`extra["model_input"]`).

The fit, per head (priority and each criterion): a binary bag of character 1-4-grams (min_df 2) and the
rules' findings, L2-regularised logistic regression (liblinear, balanced classes), then Platt scaling on
5-fold out-of-fold scores so that probabilities are calibrated. The regularisation C is chosen on the dev
split's log-loss; the 待研判 band on the out-of-fold probabilities of the training split together with the
dev split's, so the band is not fitted to the items that trained the weights. The test split is never read
here. The same records and seed give the same file: liblinear is seeded, folds are seeded, the vocabulary is
sorted, and numbers are rounded before they are written.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime

from ..assessment import CRITERIA
from .judge import Judge
from .model import DENSE_FEATURES, HEADS, MODEL_FORMAT, NGRAM_MAX, NGRAM_MIN, TextModel, _sigmoid, features_of
from .record import parse_input

__all__ = ["train", "TrainResult", "choose_band", "model_inputs", "BandTargets"]

C_GRID = (1.0, 3.0, 10.0)


@dataclass(frozen=True)
class BandTargets:
    recall: float = 0.97          # of priority opinions, caught as priority or review
    precision: float = 0.90       # of `priority`
    review_share: float = 0.15    # of all items


@dataclass
class TrainResult:
    doc: dict
    figures: dict = field(default_factory=dict)     # what `yuqing train` prints
    # The held-out points the band was chosen on: (probability, gold priority, rules authoritative, rules fired).
    held_out: list = field(default_factory=list, repr=False)

    def text(self) -> str:
        return json.dumps(self.doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def model_inputs(rules: Judge, records: list[dict], now: datetime) -> list[tuple[str, list[float], bool]]:
    """Return (lead text, rule findings, rules authoritative) of each record, read by the rules alone."""
    out = []
    for rec in records:
        item = parse_input({k: v for k, v in rec.items() if k not in ("label", "split")})
        out.append(tuple(rules.assess(item, now).extra["model_input"]))
    return out


def _targets(records: list[dict]) -> list[list[int]]:
    """Return one 0/1 vector per head."""
    ys = [[1 if r["label"]["priority"] else 0 for r in records]]
    for c in CRITERIA:
        ys.append([1 if r["label"]["priority"] and c in r["label"].get("criteria", []) else 0 for r in records])
    return ys


def _round(x: float, digits: int = 5) -> float:
    v = round(float(x), digits)
    return 0.0 if v == 0 else v


def choose_band(probs: list[float], gold: list[bool], authority: list[bool], fired: list[bool],
                targets: BandTargets = BandTargets()) -> tuple[tuple[float, float], dict]:
    """Return the band (low, high) and its figures on these held-out probabilities.

    The decision simulated is Judge._decide's: the rules' authority or p >= high makes a priority; below high,
    p >= low or a criterion the rules found makes 待研判.
    Among bands that meet every target, the one with the smallest review share (then the best recall).
    When none meets them all, recall and precision come first: the band that meets both with the smallest
    review share. Why the review share gives way first: a missed priority opinion is a clock that never
    starts, while a 待研判 item costs an officer a look; and the corpus is half near misses chosen to look like
    priority opinions, so its review share is far above a live feed's, where most items are plainly not
    priority and fall below the band. Failing that, the review share and precision targets with the best
    recall; failing that, the best recall + precision.
    """
    n = len(probs)
    grid = [i / 100 for i in range(2, 99)]
    best, best_key = (0.5, 0.5), None
    for hi in grid:
        for lo in grid:
            if lo > hi:
                break
            tp = fp = caught = review = positives = 0
            for p, g, a, r in zip(probs, gold, authority, fired):
                positives += g
                if a or p >= hi:
                    tp += g
                    fp += not g
                    caught += g
                elif p >= lo or r:
                    review += 1
                    caught += g
            recall = caught / positives if positives else 1.0
            precision = tp / (tp + fp) if tp + fp else 1.0
            share = review / n if n else 0.0
            ok_share, ok_prec, ok_rec = share <= targets.review_share, precision >= targets.precision, recall >= targets.recall
            if ok_share and ok_prec and ok_rec:
                key = (4, -share, recall, precision)
            elif ok_prec and ok_rec:
                key = (3, -share, recall, precision)
            elif ok_share and ok_prec:
                key = (2, recall, precision, -share)
            else:
                key = (1, recall + precision, -share, 0)
            if best_key is None or key > best_key:
                best_key, best = key, (lo, hi)
                figures = {"recall": round(recall, 4), "precision": round(precision, 4), "review_share": round(share, 4)}
    return best, figures


def _fit_head(X, y, C: float, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    positives = sum(y)
    if positives < 5 or positives > len(y) - 5:
        prior = min(max(positives / len(y), 1e-3), 1 - 1e-3)
        return None, (0.0, math.log(prior / (1 - prior))), None
    clf = LogisticRegression(C=C, solver="liblinear", class_weight="balanced", random_state=seed, max_iter=2000)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    oof = cross_val_predict(clf, X, y, cv=folds, method="decision_function")
    platt = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000).fit(oof.reshape(-1, 1), y)
    clf.fit(X, y)
    return clf, (float(platt.coef_[0][0]), float(platt.intercept_[0])), oof


def _matrix(inputs, vectorizer=None):
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    texts = [t for t, _d, _a in inputs]
    if vectorizer is None:
        vectorizer = CountVectorizer(analyzer=features_of, binary=True, min_df=2, dtype=np.float64)
        grams = vectorizer.fit_transform(texts)
    else:
        grams = vectorizer.transform(texts)
    dense = sparse.csr_matrix(np.array([d for _t, d, _a in inputs], dtype=np.float64))
    return sparse.hstack([grams, dense], format="csr"), vectorizer


def _log_loss(probs, y) -> float:
    eps = 1e-6
    return -sum(math.log(max(eps, p if t else 1 - p)) for p, t in zip(probs, y)) / max(1, len(y))


def train(records: list[dict], dev: list[dict], rules: Judge, now: datetime, *, seed: int = 20261204,
          version: str | None = None, targets: BandTargets = BandTargets()) -> TrainResult:
    """Return the model document fitted on `records` (C and band chosen as the module docstring says)."""
    inputs = model_inputs(rules, records, now)
    dev_inputs = model_inputs(rules, dev, now) if dev else []
    ys = _targets(records)
    X, vectorizer = _matrix(inputs)
    Xd = _matrix(dev_inputs, vectorizer)[0] if dev_inputs else None
    vocab = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    n_vocab = len(vocab)

    # An officer's decision states priority and severity, not the criteria (responders.labels): such records
    # train the priority head only.
    known = [i for i, r in enumerate(records) if "decision" not in r]
    Xk = X[known]

    def fit_all(C: float):
        return [_fit_head(X, ys[0], C, seed)] + [_fit_head(Xk, [y[i] for i in known], C, seed) for y in ys[1:]]

    chosen_C, heads = C_GRID[0], None
    if Xd is not None:
        dev_y = _targets(dev)[0]
        best = None
        for C in C_GRID:
            fitted = fit_all(C)
            clf, (a, b), _ = fitted[0]
            probs = [_sigmoid(a * s + b) for s in clf.decision_function(Xd)] if clf is not None else [0.5] * len(dev)
            loss = _log_loss(probs, dev_y)
            if best is None or loss < best:
                best, chosen_C, heads = loss, C, fitted
    else:
        chosen_C, heads = 1.0, fit_all(1.0)

    weights = [[0.0] * len(HEADS) for _ in range(n_vocab)]
    dense_weights = [[0.0] * len(HEADS) for _ in DENSE_FEATURES]
    intercept, calibration = [], []
    for h, (clf, (a, b), _oof) in enumerate(heads):
        if clf is None:
            intercept.append(0.0)
            calibration.append([0.0, _round(b)])
            continue
        coef = clf.coef_[0]
        for j in range(n_vocab):
            weights[j][h] = _round(coef[j])
        for k in range(len(DENSE_FEATURES)):
            dense_weights[k][h] = _round(coef[n_vocab + k])
        intercept.append(_round(clf.intercept_[0]))
        calibration.append([_round(a), _round(b)])
    kept = [j for j in range(n_vocab) if any(abs(w) >= 1e-4 for w in weights[j])]
    digest = hashlib.sha256()
    for rec in records:
        digest.update(json.dumps([rec.get("id"), rec.get("title"), rec.get("text"), rec["label"]],
                                 ensure_ascii=False, sort_keys=True).encode())
    corpus_hash = digest.hexdigest()[:12]
    doc = {
        "format": MODEL_FORMAT,
        "version": version or f"lr-{corpus_hash}-s{seed}",
        "heads": list(HEADS),
        "dense": list(DENSE_FEATURES),
        "vocabulary": [vocab[j] for j in kept],
        "weights": [weights[j] for j in kept],
        "dense_weights": dense_weights,
        "intercept": intercept,
        "calibration": calibration,
        "band": [0.5, 0.5],
        "info": {"records": len(records), "dev_records": len(dev), "seed": seed, "C": chosen_C,
                 "corpus_sha256_12": corpus_hash, "ngrams": [NGRAM_MIN, NGRAM_MAX], "min_df": 2,
                 "positives": sum(ys[0])},
    }
    # The band, on held-out probabilities: out-of-fold for the training records, the fitted model for dev.
    clf, (a, b), oof = heads[0]
    held_p = [_sigmoid(a * s + b) for s in oof] if oof is not None else [0.5] * len(records)
    held_gold = [bool(y) for y in ys[0]]
    held_auth = [auth for _t, _d, auth in inputs]
    held_fired = [any(d[:len(CRITERIA)]) for _t, d, _a in inputs]
    model = TextModel(doc)
    for (text, dense, auth), rec in zip(dev_inputs, dev):
        held_p.append(model.predict(text, dense, explain=False).probability)
        held_gold.append(bool(rec["label"]["priority"]))
        held_auth.append(auth)
        held_fired.append(any(dense[:len(CRITERIA)]))
    band, figures = choose_band(held_p, held_gold, held_auth, held_fired, targets)
    doc["band"] = [band[0], band[1]]
    doc["info"]["band_figures_held_out"] = figures
    return TrainResult(doc, {"C": chosen_C, "band": band, "held_out": figures, "vocabulary": len(kept),
                             "records": len(records), "dev": len(dev)},
                       list(zip(held_p, held_gold, held_auth, held_fired)))
