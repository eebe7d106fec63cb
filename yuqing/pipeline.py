"""The stages after ingestion, composed in one place so the daemon, `yuqing ingest` and
`POST /api/items` share them.

source -> item -> event (monitor) -> judgement (monitor.judgement) -> case, clocks and
ladder steps (responders) -> ClockEvent -> notifications (alerts, in their own jobs).
Each stage is a function `(session, now, ...)`; this module only orders them and
commits between batches.
"""

from __future__ import annotations

import logging

from monitor.incidents import merge_incidents
from monitor.judgement import judge_pending_events
from responders.cases import events_with_cases, open_cases_for_judged, review_event_ids
from responders.casemerge import absorb_reviews
from responders.regrade import upgrade_cases_for_judged
from responders.review import promote_reviews_for_judged

logger = logging.getLogger(__name__)

__all__ = ["after_ingest", "BATCH"]

BATCH = 200


def after_ingest(session, now, runtime) -> dict:
    """Judge every event that needs it, merge reports of one incident, open and upgrade cases; commit each batch.

    Per batch: judgement (monitor.judgement); incident merging (monitor.incidents:
    a new priority event without a case joins an older event of the same
    incident, which is flagged and judged again in a later pass of this loop);
    case opening for the rest; then the automatic upgrade of open cases whose
    event is now judged more severe (responders.regrade, RULES.md N-7: never a
    downgrade). Returns {"judged", "merged", "cases", "upgraded"} counts, zeros
    when there was nothing to do (cheap: one indexed query).
    """
    judged_total = merged_total = cases_total = upgraded_total = 0
    window = runtime.config.monitor.dedupe_window
    while True:
        judged = judge_pending_events(session, now, runtime.judge, limit=BATCH)
        if not judged:
            break
        # 待研判 events too: a review event judged again must not open a second case.
        with_cases = events_with_cases(session, [e.id for e, a in judged if a.priority or a.review])
        remaining = merge_incidents(session, now, judged, window=window, with_cases=with_cases,
                                    review_events=review_event_ids(session))
        cases = open_cases_for_judged(session, now, remaining, directory=runtime.directory, config=runtime.config.clocks,
                                      drill=runtime.config.drill, with_cases=with_cases)
        regrade = {e.id: a for e, a in remaining if e.id in with_cases}
        # Read before the commit expires the cases (reading them after would cost a query each).
        opened = [(case.id, case.title[:60], case.severity, case.rule) for case in cases]
        session.commit()
        upgraded = upgrade_cases_for_judged(session, now, regrade, config=runtime.config.clocks)
        # A 待研判 case whose event is now judged a priority is confirmed (the judge is sure now).
        upgraded += promote_reviews_for_judged(session, now, regrade, config=runtime.config.clocks)
        # A clear report opening a priority case takes in the 待研判 case of the same story (one story, one case).
        absorb_reviews(session, now, [case_id for case_id, *_rest in opened], config=runtime.config.clocks,
                       window=window)
        judged_total += len(judged)
        merged_total += len(judged) - len(remaining)
        cases_total += len(cases)
        upgraded_total += len(upgraded)
        for line in opened:
            logger.info("case %s opened: %s (%s, %s)", *line)
    runtime.settle_new_loads()
    return {"judged": judged_total, "merged": merged_total, "cases": cases_total, "upgraded": upgraded_total}
