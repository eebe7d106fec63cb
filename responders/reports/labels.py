"""Chinese labels of the codes a report shows (criteria, severity, clock kinds, sectors).

Why a table here and not the web layer's: `responders` may not import `yuqing`
(import direction monitor <- responders <- alerts <- yuqing), and the CLI renders
reports without the web package. Severities, criteria and sectors are the shared
vocabulary of pages, messages and reports (`responders.vocabulary`).
"""

from __future__ import annotations

from ..vocabulary import CRITERIA, SECTORS, SEVERITIES

__all__ = ["label", "CLOCK_LABELS", "CRITERIA", "SEVERITIES", "SECTORS", "SOURCE_STATES"]

CLOCK_LABELS = {
    "first_release": "5小时内发布权威信息", "press_conference": "24小时内举行新闻发布会",
    "response": "48小时内回应", "all": "合计",
}
SOURCE_STATES = {"down": "无法访问", "silent": "长时间无更新"}
_TABLES = {"criterion": CRITERIA, "severity": SEVERITIES, "clock": CLOCK_LABELS, "sector": SECTORS,
           "source": SOURCE_STATES}


def label(kind: str, code: str | None) -> str:
    """Return the Chinese label of `code` (the code itself when it has none)."""
    if code is None:
        return ""
    return _TABLES[kind].get(code, code)
