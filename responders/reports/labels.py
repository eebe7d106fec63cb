"""Chinese labels of the codes a report shows (criteria, severity, clock kinds, sectors).

Why a table here and not the web layer's: `responders` may not import `yuqing`
(import direction monitor <- responders <- alerts <- yuqing), and the CLI renders
reports without the web package. Sector names are the assignment's own
(`responders.rules.wording`).
"""

from __future__ import annotations

from ..rules.wording import SECTOR_LABELS

__all__ = ["label", "CLOCK_LABELS", "CRITERIA", "SEVERITIES", "SECTORS", "SOURCE_STATES"]

CRITERIA = {
    "policy_misread": "政策误读", "public_interest": "涉及群众切身利益", "moral_bottom_line": "冲击道德底线",
    "emergency_disaster": "突发事件、灾害", "superior_request": "上级要求回应", "rumor": "谣言及不实信息",
}
SEVERITIES = {"major_emergency": "特别重大、重大突发事件", "general": "一般重点舆情"}
CLOCK_LABELS = {
    "first_release": "5小时内发布权威信息", "press_conference": "24小时内举行新闻发布会",
    "response": "48小时内回应", "all": "合计",
}
# Coordination roles are added for bodies that are not departments.
SECTORS = {**SECTOR_LABELS, "government_office": "政府办公厅（室）", "propaganda": "宣传部门", "cyberspace": "网信部门"}
SOURCE_STATES = {"down": "无法访问", "silent": "长时间无更新"}
_TABLES = {"criterion": CRITERIA, "severity": SEVERITIES, "clock": CLOCK_LABELS, "sector": SECTORS,
           "source": SOURCE_STATES}


def label(kind: str, code: str | None) -> str:
    """Return the Chinese label of `code` (the code itself when it has none)."""
    if code is None:
        return ""
    return _TABLES[kind].get(code, code)
