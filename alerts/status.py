"""Delivery state of a case's messages, for the case page and the API (issue 7 point 4)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from .models import DeliveryAttempt, Notification

__all__ = ["delivery_state", "STATUS_LABELS"]

STATUS_LABELS = {"pending": "排队中", "sending": "发送中", "retry": "等待重试", "sent": "已送达",
                 "failed": "发送失败", "suppressed": "演练未发送"}


def delivery_state(session: Session, case_id: int) -> list[dict[str, Any]]:
    """Return one record per message of the case, oldest first, with its attempts and the receivers' answers."""
    rows = session.exec(select(Notification).where(Notification.case_id == case_id).order_by(Notification.id)).all()
    ids = [r.id for r in rows]
    attempts: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for a in session.exec(select(DeliveryAttempt).where(DeliveryAttempt.notification_id.in_(ids))
                              .order_by(DeliveryAttempt.id)):
            attempts[a.notification_id].append({"at": a.at.isoformat(), "ok": a.ok, "permanent": a.permanent,
                                                "answer": a.answer, "error": a.error,
                                                "duration_ms": round(a.duration_ms, 1)})
    return [{
        "id": r.id, "kind": r.kind, "channel": r.channel, "channel_kind": r.channel_kind, "recipient": r.recipient,
        "address": r.address, "subject": r.subject, "status": r.status, "status_label": STATUS_LABELS.get(r.status, r.status),
        "attempts": r.attempts, "created_at": r.created_at.isoformat(),
        "next_attempt_at": r.next_attempt_at.isoformat() if r.status in ("pending", "retry") else None,
        "sent_at": r.sent_at.isoformat() if r.sent_at else None, "last_error": r.last_error, "drill": r.drill,
        "history": attempts[r.id],
    } for r in rows]
