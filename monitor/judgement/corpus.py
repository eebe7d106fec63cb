"""The real labelled corpus: its splits, how they are drawn, and how they are read.

The corpus (tests/data/real/) holds real published items, a headline and at most 200 copied characters each,
with their source URL and date, labelled by the guide (tests/data/real/GUIDE.md). The collected records live in
`parts/*.jsonl`; `build_splits` draws `train.jsonl`, `dev.jsonl` and `test.jsonl` from them:

- a group is one source site in one month (site, YYYY-MM);
- groups holding near-copies of one another (character 3-gram Jaccard >= 0.5 on headline + text, e.g. one wire
  story on two portals) are joined, so no near-copy straddles two splits;
- URLs listed in `*tuning_urls.txt` (text used to write the place-reading tests) go to train;
- groups are taken in the order of a hash of their key and each goes to the split furthest below its share
  (70 / 15 / 15 by items), so the draw is reproducible and blind to the labels;
- the splits are stable: records drawn before stay where they were (`previous`), and a group holding a record
  that was read for tuning (train or dev) never lands in test.

The test split is scored only to report (`yuqing evaluate`); training and the choice of C and of the 待研判 band
read train and dev only.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

__all__ = ["load_split", "load_parts", "build_splits", "SPLITS", "group_key", "tuning_urls"]

SPLITS = ("train", "dev", "test")
SHARES = {"train": 0.70, "dev": 0.15, "test": 0.15}


def _read(path: Path) -> list[dict]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{number}: not JSON ({e.msg})") from e
            if not isinstance(rec, dict) or "label" not in rec:
                raise ValueError(f"{path}:{number}: not a labelled record")
            out.append(rec)
    return out


def load_split(folder: str | Path, name: str) -> list[dict]:
    """Return the records of split `name` (train, dev or test) of the corpus in `folder`."""
    if name not in SPLITS:
        raise ValueError(f"unknown split {name!r} (train, dev, test)")
    return _read(Path(folder) / f"{name}.jsonl")


def load_parts(folder: str | Path) -> list[dict]:
    """Return every collected record of `folder`/parts, in file and line order."""
    records = []
    for path in sorted((Path(folder) / "parts").glob("*.jsonl")):
        records.extend(_read(path))
    return records


def tuning_urls(folder: str | Path) -> set[str]:
    """Return the URLs listed in `folder`/*tuning_urls.txt (text read to write tests: kept in train)."""
    urls = set()
    for path in sorted(Path(folder).glob("*tuning_urls.txt")):
        urls.update(u.strip() for u in path.read_text(encoding="utf-8").splitlines() if u.strip() and not u.startswith("#"))
    return urls


def group_key(rec: dict) -> str:
    """Return the (site, month) group of a record."""
    site = (rec.get("site") or "").lower().removeprefix("www.")
    date = rec.get("date") or ""
    return f"{site}|{date[:7] if len(date) >= 7 else (date or 'undated')}"


def _grams(rec: dict) -> set[str]:
    text = f"{rec.get('title', '')}{rec.get('text', '')}".replace(" ", "")
    return {text[i:i + 3] for i in range(len(text) - 2)}


def build_splits(records: list[dict], tuning_urls: set[str] = frozenset(),
                 previous: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """Return the records of each split (see the module docstring).

    `previous` (record id -> split) keeps the splits stable as the corpus grows: a group holding a record drawn
    before goes where that record went, except that a group holding any record that was in train or dev never
    goes to test (what tuning read must not be scored as held out), so only new groups are drawn.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    keys = [group_key(r) for r in records]
    for k in keys:
        find(k)
    # Near-copies: candidates share a 3-gram of the headline (an inverted index keeps this linear in practice).
    grams = [_grams(r) for r in records]
    index: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        title = (r.get("title") or "").replace(" ", "")
        for g in {title[j:j + 3] for j in range(len(title) - 2)}:
            index[g].append(i)
    for i in range(len(records)):
        seen = set()
        title = (records[i].get("title") or "").replace(" ", "")
        for g in {title[j:j + 3] for j in range(len(title) - 2)}:
            for j in index[g]:
                if j <= i or j in seen:
                    continue
                seen.add(j)
                a, b = grams[i], grams[j]
                if a and b and len(a & b) / len(a | b) >= 0.5:
                    union(keys[i], keys[j])
    forced = {find(k) for k, r in zip(keys, records) if r.get("url") in tuning_urls}
    groups: dict[str, list[dict]] = defaultdict(list)
    for k, r in zip(keys, records):
        groups[find(k)].append(r)
    out: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for root in sorted(forced):
        out["train"].extend(groups.pop(root))
    if previous:
        for root in sorted(groups):
            before = {previous[r["id"]] for r in groups[root] if r["id"] in previous}
            if before:
                split = "train" if "train" in before else "dev" if "dev" in before else "test"
                out[split].extend(groups.pop(root))
    total = len(records)
    for root in sorted(groups, key=lambda k: hashlib.sha256(k.encode()).hexdigest()):
        deficit = {s: SHARES[s] * total - len(out[s]) for s in SPLITS}
        out[max(SPLITS, key=lambda s: (deficit[s], -SPLITS.index(s)))].extend(groups[root])
    for s in SPLITS:
        out[s].sort(key=lambda r: r["id"])
    return out
