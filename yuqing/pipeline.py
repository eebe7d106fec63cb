"""The stages after ingestion, composed in one place so the daemon, `yuqing ingest` and
`POST /api/items` share them.

source -> item -> event (monitor) -> judgement (monitor.judgement) -> case, clocks and
ladder steps (responders) -> ClockEvent -> notifications (alerts, in their own jobs).
Each stage is a function `(session, now, ...)`; this module only orders them and
commits between batches.
"""

from __future__ import annotations

import logging

from monitor.judgement import judge_pending_events
from responders.cases import open_cases_for_judged

logger = logging.getLogger(__name__)

__all__ = ["after_ingest", "BATCH"]

BATCH = 200


def after_ingest(session, now, runtime) -> dict:
    """Judge every event that needs it and open cases for new priority events; commit each batch.

    Returns {"judged": events judged, "cases": cases opened}. Returns zeros when there
    was nothing to do (cheap: one indexed query).
    """
    judged_total = cases_total = 0
    while True:
        judged = judge_pending_events(session, now, runtime.judge, limit=BATCH)
        if not judged:
            break
        cases = open_cases_for_judged(session, now, judged, directory=runtime.directory,
                                      config=runtime.config.clocks, drill=runtime.config.drill)
        session.commit()
        judged_total += len(judged)
        cases_total += len(cases)
        for case in cases:
            logger.info("case %s opened: %s (%s, %s)", case.id, case.title[:60], case.severity, case.rule)
    return {"judged": judged_total, "cases": cases_total}
