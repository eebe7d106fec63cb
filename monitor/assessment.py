"""The judgement of one item or event: what the classifier decided and the facts it found.

`Assessment` is the hand-over from `monitor` (judgement) to `responders`
(assignment, clocks). The first block of fields is the CONTRACT.md `classify`
record; the second block holds the facts the assignment rules of RULES.md
section 4 need (policy documents, superior requests, who is named).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["ItemInput", "Assessment", "CRITERIA", "SEVERITIES"]

# The five categories of 国办发〔2016〕61号 二, plus rumours (CONTRACT.md).
CRITERIA = ("policy_misread", "public_interest", "moral_bottom_line", "emergency_disaster", "superior_request", "rumor")
SEVERITIES = ("major_emergency", "general")


@dataclass(frozen=True)
class ItemInput:
    """One input record of `yuqing classify` / `POST /api/items` (CONTRACT.md), or an event's text."""

    id: str
    text: str
    title: str = ""
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    views: int | None = None
    reposts: int | None = None
    comments: int | None = None
    # Event signals when judging a merged event (1 for a single item).
    item_count: int = 1
    source_count: int = 1
    growth_per_hour: float = 0.0


@dataclass(frozen=True)
class Assessment:
    # --- the CONTRACT.md record fields ---
    priority: bool
    criteria: tuple[str, ...] = ()
    severity: str | None = None            # major_emergency | general | None (not a priority)
    especially_major: bool = False         # 特别重大的政务舆情: principal-leader overlay (RULES.md A-8)
    sentiment: float | None = None
    localities: tuple[str, ...] = ()       # full path names, most specific level, deduplicated
    sectors: tuple[str, ...] = ()          # ORG.md sector codes
    in_jurisdiction: bool | None = None
    rationale: tuple[str, ...] = ()        # Chinese reasons naming words, numbers and rule ids
    # 待研判: not sure enough to be a priority, not clear enough to drop; an officer decides.
    # A review item has priority False and severity None (CONTRACT.md); `provisional_severity` is the
    # severity its provisional clocks use (None: general).
    review: bool = False
    confidence: float | None = None        # 0-1: how sure the judge is of its priority / review / not verdict
    provisional_severity: str | None = None
    # --- facts for the assignment rules (RULES.md 4.2) ---
    national_policy: bool = False          # concerns a State Council / national ministry policy
    superior_request: bool = False         # a superior body ordered a response
    superior_order_at: datetime | None = None
    policy_documents: tuple[str, ...] = () # 《…》 titles of policy documents the item misreads (A-10..A-12)
    drafting_bodies: tuple[tuple[str, str], ...] = ()   # (locality, sector) named as drafting/issuing body
    named_bodies: tuple[tuple[str, str], ...] = ()      # (locality, sector|role) bodies named in the text
    # The main department's sector when the text shows no joint handling by several departments: in one
    # locality its department alone is the first body (A-2) and the other sectors' departments assist (A-7
    # "按照职责分工"). None: every listed sector's department owns its share, as for a manual case.
    lead_sector: str | None = None
    extra: dict = field(default_factory=dict)
