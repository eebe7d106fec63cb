"""Judgement: priority criteria, severity, sectors and localities of items and events (issue 4).

Public names: `Judge` (build once with `Judge.from_config`, then `assess(item, now)`),
`JudgementConfig` (the `[judgement]` table), `judge_pending_events` (the daemon's stage),
`Gazetteer` (the place matcher on its own).
"""

from .config import JudgementConfig, judgement_problems
from .gazetteer import Gazetteer
from .judge import Judge
from .stage import judge_pending_events

__all__ = ["Judge", "JudgementConfig", "judgement_problems", "Gazetteer", "judge_pending_events"]
