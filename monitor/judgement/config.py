"""Configuration of the judgement stage (`[judgement]` in config.toml).

TOML example::

    [judgement]
    lexicons = ["judgement/lexicon-local.toml"]   # extra terms, patterns, sectors (layout of data/*.toml)
    places = ["judgement/places-local.toml"]      # extra place aliases, blockers, common words
    sentiment = "borderline"                       # borderline | never | always (see sentiment.py)

    [judgement.severity.production_safety.major]   # override one national threshold
    deaths = 10

Paths are relative to the config file's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from monitor.configtypes import Frozen

__all__ = ["JudgementConfig", "judgement_problems"]


class JudgementConfig(Frozen):
    lexicons: list[str] = []
    places: list[str] = []
    severity: dict[str, dict[str, Any]] = {}
    # "never" by default: SnowNLP's model costs ~400 MB resident, and the learned model now settles the
    # borderline items SnowNLP was consulted for (same held-out figures on the real corpus; monitor.judgement.sentiment).
    sentiment: Literal["borderline", "never", "always"] = "never"
    classifier: str = Field(default="rules-v1", min_length=1, max_length=100)
    # The learned model: "" = the shipped data/model.json, "none" = rules only, else a path (yuqing train --out).
    model: str = Field(default="", max_length=1000)
    # The 待研判 band [low, high) of the model's probability; empty = the band stored in the model file.
    review_band: list[float] = Field(default=[], max_length=2)


def judgement_problems(config: JudgementConfig, base_dir: str | Path = ".") -> list[tuple[tuple, str]]:
    """Return (key path, message) for each extension file that is missing or does not load."""
    from .judge import Judge   # the real loaders, so a check passes exactly when the daemon would start

    problems: list[tuple[tuple, str]] = []
    for key in ("lexicons", "places"):
        for i, name in enumerate(getattr(config, key)):
            path = Path(base_dir) / name
            if not path.is_file():
                problems.append(((key, i), f"file not found: {path}"))
    if not problems and (config.lexicons or config.places or config.severity):
        try:
            Judge.from_config(config, None, base_dir=base_dir)
        except (ValueError, KeyError, TypeError) as e:
            problems.append(((), f"judgement data does not load: {e}"))
    return problems
