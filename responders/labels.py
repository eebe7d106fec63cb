"""Officers' decisions stored as labels with the text that was judged (issue 14: learning from the deployment).

Every decision an officer makes about whether and how an opinion is a priority
opinion is a verdict the judge can learn from: confirming a 待研判 case,
dismissing a case (not a priority opinion), raising or lowering its severity,
and reassigning its first responsible body. Each writes one `JudgementLabel`
row in the action's own transaction, holding the officer's verdict as it stands
after the decision (priority, severity, places, sectors) and the event's merged
text as the judge read it (`monitor.judgement.stage.judged_inputs`), capped at
`MAX_TEXT` characters, so a label stays meaningful after the items are purged.

Why no labels for the system's own actions (the automatic upgrade, actor
"system"): they repeat the judge's verdict, and a model trained on its own
output learns nothing. Drill cases are labelled with `drill=True` so that
`load_labels` (and the trainer) leave them out.

`criteria` are not labelled: no officer action states them, and an empty list
means "not given", not "none" (the trainer must not read it as negatives).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Text
from sqlmodel import Field, Session, SQLModel, select

from monitor.judgement.stage import judged_inputs
from monitor.models import Event
from monitor.timestamps import UTCDateTime

__all__ = ["JudgementLabel", "DECISIONS", "MAX_TEXT", "record_label", "load_labels", "case_text"]

DECISIONS = ("confirm", "dismiss", "upgrade", "downgrade", "reassign")
MAX_TEXT = 4000
_SYSTEM = "system"


class JudgementLabel(SQLModel, table=True):
    """One officer decision about a case, with the verdict it states and the text it is about."""

    __tablename__ = "judgement_label"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=100)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="event.id")
    decision: str = Field(max_length=20)        # confirm | dismiss | upgrade | downgrade | reassign
    priority: bool                              # the officer's verdict: a priority opinion or not
    severity: str | None = Field(default=None, max_length=30)
    localities: list[str] | None = Field(default=None, sa_type=JSON)
    sectors: list[str] | None = Field(default=None, sa_type=JSON)
    reason: str = Field(default="", sa_type=Text)
    title: str = Field(default="", sa_type=Text)
    text: str = Field(default="", sa_type=Text)
    drill: bool = False


def case_text(session: Session, case) -> str:
    """Return the text the judge read for `case`: its event's merged text, or a manual case's description."""
    if case.event_id is not None:
        event = session.get(Event, case.event_id)
        if event is not None:
            judged = judged_inputs(session, [event]).get(event.id)
            if judged is not None and judged.text:
                return judged.text[:MAX_TEXT]
    return (case.description or case.title or "")[:MAX_TEXT]


def record_label(session: Session, now: datetime, *, case, actor: str, decision: str, priority: bool,
                 reason: str = "", severity: str | None = None, localities: list[str] | None = None,
                 sectors: list[str] | None = None) -> JudgementLabel | None:
    """Add the label of one decision about `case` to the session (the caller commits); None for the system's.

    Raises ValueError for an unknown `decision` (a programming error, not an officer's).
    """
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r} (one of {', '.join(DECISIONS)})")
    if actor == _SYSTEM:
        return None
    label = JudgementLabel(
        created_at=now, actor=actor, case_id=case.id, event_id=case.event_id, decision=decision, priority=priority,
        severity=severity if priority else None,
        localities=list(localities) if localities is not None else None,
        sectors=list(sectors) if sectors is not None else None,
        reason=reason or "", title=case.title or "", text=case_text(session, case), drill=bool(case.drill),
    )
    session.add(label)
    return label


def load_labels(session: Session, since: datetime | None = None, *, include_drill: bool = False,
                latest_only: bool = True) -> list[dict[str, Any]]:
    """Return the officers' labels, oldest decision first, as records for the trainer.

    Each record: ``{"id", "title", "text", "label": {"priority", "criteria", "severity",
    "localities", "sectors"}, "decided_at", "decision", "case_id", "event_id", "drill"}``;
    `id` is ``"decision-<label id>"``, `decided_at` ISO 8601 UTC, `criteria` always []
    (see the module docstring). `since` keeps decisions made at or after it. With
    `latest_only` (default) a case decided several times gives only its latest label:
    each label states the whole verdict after its decision, so the latest one is the
    officers' verdict. Drill labels are left out unless `include_drill`.
    """
    q = select(JudgementLabel).order_by(JudgementLabel.created_at, JudgementLabel.id)
    if since is not None:
        q = q.where(JudgementLabel.created_at >= since)
    if not include_drill:
        q = q.where(JudgementLabel.drill == False)  # noqa: E712
    rows = list(session.exec(q))
    if latest_only:
        last: dict[Any, int] = {}
        for i, row in enumerate(rows):
            key = ("case", row.case_id) if row.case_id is not None else ("label", row.id)
            last[key] = i
        rows = [rows[i] for i in sorted(last.values())]
    return [{
        "id": f"decision-{row.id}", "title": row.title, "text": row.text,
        "label": {"priority": row.priority, "criteria": [], "severity": row.severity,
                  "localities": row.localities, "sectors": row.sectors},
        "decided_at": row.created_at.isoformat(), "decision": row.decision,
        "case_id": row.case_id, "event_id": row.event_id, "drill": row.drill,
    } for row in rows]
