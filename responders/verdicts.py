"""The judge measured against the officers' verdicts in the deployment itself (live precision and recall).

Each case of the period (drills left out) is one of:
- opened by the judge as a priority (`opened_by == "system"`, not 待研判): kept unless an officer dismissed it
  (the latest label says not a priority);
- opened by the judge as 待研判: confirmed (by an officer, or by a later judgement of the event) or dismissed
  by an officer, or still undecided;
- opened by hand (手工立案): a priority opinion the judge did not open a case for, a miss.

Precision = kept priority cases / priority cases the judge opened. Recall = (kept priority + confirmed 待研判) /
(those + cases opened by hand): 待研判 counts as caught, as in `yuqing evaluate`. Undecided 待研判 cases count
in neither. `yuqing evaluate --decisions` prints these figures; the reports page shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from .labels import JudgementLabel
from .models import AuditEntry, Case

__all__ = ["LiveFigures", "live_figures"]


@dataclass(frozen=True)
class LiveFigures:
    priority_opened: int = 0       # cases the judge opened as priority
    priority_kept: int = 0         # of which not dismissed by an officer
    review_opened: int = 0         # 待研判 cases the judge opened
    review_confirmed: int = 0
    review_dismissed: int = 0
    manual: int = 0                # cases opened by hand: misses

    @property
    def precision(self) -> float | None:
        return self.priority_kept / self.priority_opened if self.priority_opened else None

    @property
    def recall(self) -> float | None:
        caught = self.priority_kept + self.review_confirmed
        return caught / (caught + self.manual) if caught + self.manual else None

    @property
    def review_undecided(self) -> int:
        return self.review_opened - self.review_confirmed - self.review_dismissed

    def as_dict(self) -> dict:
        return {"priority_opened": self.priority_opened, "priority_kept": self.priority_kept,
                "review_opened": self.review_opened, "review_confirmed": self.review_confirmed,
                "review_dismissed": self.review_dismissed, "review_undecided": self.review_undecided,
                "manual": self.manual, "precision": self.precision, "recall": self.recall}


def live_figures(session: Session, start: datetime, end: datetime) -> LiveFigures:
    """Return the figures of the cases opened in [start, end) (see the module docstring)."""
    cases = session.exec(select(Case.id, Case.opened_by, Case.status).where(Case.opened_at >= start, Case.opened_at < end,
                                                                Case.drill == False)).all()   # noqa: E712
    if not cases:
        return LiveFigures()
    ids = [c.id for c in cases]
    reviews = set()
    for case_id, detail in session.exec(select(AuditEntry.case_id, AuditEntry.detail).where(
            AuditEntry.case_id.in_(ids), AuditEntry.action == "open_case")).all():
        if (detail or {}).get("review"):
            reviews.add(case_id)
    verdict: dict[int, bool] = {}
    for case_id, priority in session.exec(select(JudgementLabel.case_id, JudgementLabel.priority).where(
            JudgementLabel.case_id.in_(ids)).order_by(JudgementLabel.created_at, JudgementLabel.id)).all():
        verdict[case_id] = priority           # the latest label is the officers' verdict
    counts = dict(priority_opened=0, priority_kept=0, review_opened=0, review_confirmed=0, review_dismissed=0,
                  manual=0)
    for case_id, opened_by, status in cases:
        if opened_by != "system":
            counts["manual"] += 1
        elif case_id in reviews:
            counts["review_opened"] += 1
            if case_id in verdict:
                counts["review_confirmed" if verdict[case_id] else "review_dismissed"] += 1
            elif status not in ("review", "dismissed"):
                counts["review_confirmed"] += 1     # confirmed by a later judgement (responders.review)
        else:
            counts["priority_opened"] += 1
            counts["priority_kept"] += verdict.get(case_id, True)
    return LiveFigures(**counts)
