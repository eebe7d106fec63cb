"""The stages after ingestion, composed in one place so the daemon and `yuqing ingest` share them.

source -> item -> event (monitor) -> judgement (monitor) -> case, clocks (responders)
-> notifications (alerts). Each stage is a function `(session, now, ...)`.
"""

from __future__ import annotations

__all__ = ["after_ingest"]


def after_ingest(session, now, runtime) -> dict:
    """Judge events that need it and open cases for new priority events; return counts.

    Wired to the judgement and case stages as they land; returns {"events": n, "cases": n}.
    """
    return {"events": 0, "cases": 0}
