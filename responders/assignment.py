"""First-responsible-body assignment (第一责任主体, RULES.md section 4).

Interface (stable): `assign(assessment, directory) -> Assignment`, and
`Assignment.to_record()` gives the CONTRACT.md `responsible` object.
`apply_override(...)` changes an assignment on an officer's word (reassign,
add a co-responder, name a lead). The rules live in `responders.rules`: one
module per rule set (`[directory] profile = "shanxi" | "guizhou" | "national"`)
and one engine that applies RULES.md 4.2/4.3 in order.
"""

from __future__ import annotations

import logging
import time

from monitor.assessment import Assessment

from .directory import Directory
from .rules.engine import decide
from .rules.override import apply_override
from .rules.records import RULES, Assignment, BodyRef, PersonRef

__all__ = ["BodyRef", "PersonRef", "Assignment", "assign", "apply_override", "RULES"]

logger = logging.getLogger(__name__)


def assign(assessment: Assessment, directory: Directory) -> Assignment:
    """Return who must respond to `assessment`, who coordinates, the leader behind them, and why (trace).

    None of the facts is trusted beyond what it says: when they are not enough (no
    locality, no sector, contradictions) the rule is `needs_triage` with candidates.
    """
    started = time.perf_counter()
    result = decide(assessment, directory)
    logger.debug("assigned rule=%s first=%s in %.2fms", result.rule, [b.name for b in result.first],
                 (time.perf_counter() - started) * 1000)
    return result
