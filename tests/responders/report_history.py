"""A small, hand-countable history for the report tests (weeks 2026-W46 and 2026-W47, Asia/Shanghai).

W47 = Mon 2026-11-16 00:00 to Mon 2026-11-23 00:00 Beijing time. Bodies:
A 太谷区应急管理局, B 太谷区教育局, C 晋中市教育局, D 小店区卫生健康局.

| case | opened (local)  | severity | holder                 | clocks (local times)                                         |
|------|-----------------|----------|------------------------|--------------------------------------------------------------|
| 1    | W47 11-17 10:00 | major    | A                      | first_release met 13:00 (3 h, recorded 15:30 after the deadline); press_conference met 11-18 08:00 (22 h) |
| 2    | W46 11-15 20:00 | general  | B                      | response due 11-17 20:00, met 11-16 10:00 (14 h): spans the week boundary |
| 3    | W47 11-18 09:00 | general  | B, reassigned to C 11-19 12:00 | response due 11-20 09:00, overdue, never answered; leader + overdue steps unacknowledged |
| 4    | W47 11-19 10:00 | general  | lead C, co-responder B | response due 11-21 10:00, answered late 11-21 16:00 (54 h), recorded 17:00 |
| 5    | W47 11-22 20:00 | general  | D                      | response due 11-24 20:00, still running: carried            |
| 6    | W47 11-18 12:00 | general  | D, dismissed           | response stopped 11-18 14:00 (void)                          |
| 7    | W47 11-18 12:00 | general  | A, drill               | response overdue (never counted)                             |
| 8    | W46 11-10 08:00 | major    | A                      | first_release overdue, answered 14:00 (6 h); press_conference met 11-11 07:00 (23 h); a replaced response clock |
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from monitor.models import Source, SourceNotice
from responders.models import AuditEntry, Case, Clock, ClockStep, Response

CST = ZoneInfo("Asia/Shanghai")
A = {"name": "晋中市太谷区应急管理局", "locality": "山西省晋中市太谷区", "sector": "emergency"}
B = {"name": "晋中市太谷区教育局", "locality": "山西省晋中市太谷区", "sector": "education"}
C = {"name": "晋中市教育局", "locality": "山西省晋中市", "sector": "education"}
D = {"name": "太原市小店区卫生健康局", "locality": "山西省太原市小店区", "sector": "health"}
TAIGU = "山西省晋中市太谷区"
# The instant the reports are made: Monday 2026-11-23 09:00 Beijing time.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CST).astimezone(timezone.utc)


def t(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Return 2026-month-day hour:minute Beijing time as aware UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=CST).astimezone(timezone.utc)


def _case(session, *, title, opened, severity, criteria, sectors, localities, first, lead=None, co=(),
          status="open", drill=False, ack=None) -> Case:
    case = Case(title=title, opened_at=opened, severity=severity, criteria=criteria, sectors=sectors,
                localities=localities, status=status, drill=drill, acknowledged_at=ack,
                first_body="、".join(b["name"] for b in first),
                responsible={"rule": "single_locality", "first": list(first), "lead": lead,
                             "co_responders": list(co), "coordinators": [], "leader": None, "trace": []})
    session.add(case)
    session.flush()
    return case


def _clock(session, case, kind, hours, started, *, status, stopped=None) -> Clock:
    clock = Clock(case_id=case.id, kind=kind, hours=hours, started_at=started,
                  due_at=started + timedelta(hours=hours), status=status, stopped_at=stopped)
    session.add(clock)
    session.flush()
    return clock


def _response(session, case, kind, mode, at) -> None:
    session.add(Response(case_id=case.id, clock_kind=kind, mode=mode, at=at, recorded_by="值班员",
                         recorded_at=at))


def build_history(session) -> dict[int, Case]:
    """Insert the history of the module docstring; return the cases by number."""
    c = {}
    c[1] = _case(session, title="太谷区化工厂爆炸", opened=t(11, 17, 10), severity="major_emergency",
                 criteria=["emergency_disaster"], sectors=["emergency"], localities=[TAIGU], first=[A],
                 ack=t(11, 17, 10, 30))
    # Answered at 13:00 in time, recorded only at 15:30 after the deadline: still met, 3 h.
    _clock(session, c[1], "first_release", 5, t(11, 17, 10), status="met", stopped=t(11, 17, 15, 30))
    _clock(session, c[1], "press_conference", 24, t(11, 17, 10), status="met", stopped=t(11, 18, 8))
    _response(session, c[1], "first_release", "authoritative_info", t(11, 17, 13))
    _response(session, c[1], "press_conference", "press_conference", t(11, 18, 8))

    c[2] = _case(session, title="太谷区学校食堂涨价", opened=t(11, 15, 20), severity="general",
                 criteria=["public_interest"], sectors=["education"], localities=[TAIGU], first=[B],
                 ack=t(11, 15, 21))
    _clock(session, c[2], "response", 48, t(11, 15, 20), status="met", stopped=t(11, 16, 10))
    _response(session, c[2], "response", "media_interview", t(11, 16, 10))

    c[3] = _case(session, title="太谷区某校收费传言", opened=t(11, 18, 9), severity="general",
                 criteria=["public_interest", "rumor"], sectors=["education"], localities=[TAIGU], first=[C])
    clock3 = _clock(session, c[3], "response", 48, t(11, 18, 9), status="overdue")
    # The shape `responders.actions.reassign` writes.
    session.add(AuditEntry(case_id=c[3].id, at=t(11, 19, 12), actor="值班员", action="reassign",
                           detail={"reason": "涉及全市学校", "old_first": [B],
                                   "new": {"first": [C], "lead": None, "co_responders": []}}))
    for step, fired in (("leader", t(11, 20, 1)), ("overdue", t(11, 20, 9))):
        session.add(ClockStep(clock_id=clock3.id, case_id=c[3].id, step=step, due_at=fired, status="fired",
                              fired_at=fired))
    session.add(AuditEntry(case_id=c[3].id, at=t(11, 19, 15), actor="值班员", action="refer_rumor",
                           detail={"to": ["晋中市公安局", "晋中市委网信办"], "evidence": ["https://example.org/p/3"]}))

    c[4] = _case(session, title="晋中市中小学课时调整误读", opened=t(11, 19, 10), severity="general",
                 criteria=["policy_misread"], sectors=["education"],
                 localities=["山西省晋中市榆次区", TAIGU], first=[C], lead=C, co=[B], ack=t(11, 19, 10, 20))
    clock4 = _clock(session, c[4], "response", 48, t(11, 19, 10), status="overdue", stopped=t(11, 21, 17))
    session.add(ClockStep(clock_id=clock4.id, case_id=c[4].id, step="leader", due_at=t(11, 21, 2), status="fired",
                          fired_at=t(11, 21, 2), acknowledged_at=t(11, 21, 3)))
    _response(session, c[4], "response", "weibo_wechat", t(11, 21, 16))
    _response(session, c[4], "response", "authoritative_info", t(11, 21, 16))
    _response(session, c[4], "response", "weibo_wechat", t(11, 22, 10))

    c[5] = _case(session, title="小店区医院排队", opened=t(11, 22, 20), severity="general",
                 criteria=["public_interest"], sectors=["health"], localities=["山西省太原市小店区"], first=[D],
                 ack=t(11, 22, 20, 5))
    _clock(session, c[5], "response", 48, t(11, 22, 20), status="running")

    c[6] = _case(session, title="小店区误报", opened=t(11, 18, 12), severity="general", criteria=["public_interest"],
                 sectors=["health"], localities=["山西省太原市小店区"], first=[D], status="dismissed")
    _clock(session, c[6], "response", 48, t(11, 18, 12), status="stopped", stopped=t(11, 18, 14))

    c[7] = _case(session, title="演练案件", opened=t(11, 18, 12), severity="general", criteria=["public_interest"],
                 sectors=["emergency"], localities=[TAIGU], first=[A], drill=True)
    _clock(session, c[7], "response", 48, t(11, 18, 12), status="overdue")

    c[8] = _case(session, title="太谷区山火", opened=t(11, 10, 8), severity="major_emergency",
                 criteria=["emergency_disaster"], sectors=["emergency"], localities=[TAIGU], first=[A],
                 ack=t(11, 10, 8, 10))
    _clock(session, c[8], "first_release", 5, t(11, 10, 8), status="overdue", stopped=t(11, 10, 14))
    _clock(session, c[8], "press_conference", 24, t(11, 10, 8), status="met", stopped=t(11, 11, 7))
    _clock(session, c[8], "response", 48, t(11, 10, 8), status="replaced", stopped=t(11, 10, 9))
    _response(session, c[8], "first_release", "authoritative_info", t(11, 10, 14))
    _response(session, c[8], "press_conference", "press_conference", t(11, 11, 7))
    _response(session, c[8], "response", "online_interview", t(11, 16, 15))

    created = t(11, 1, 0)
    down = Source(name="晋中日报RSS", kind="feed", url="https://example.org/jz.xml", created_at=created)
    quiet = Source(name="太原新闻", kind="feed", url="https://example.org/ty.xml", created_at=created)
    session.add_all([down, quiet])
    session.flush()
    session.add_all([
        SourceNotice(source_id=down.id, created_at=t(11, 18, 11), kind="down", detail="HTTP 503"),
        SourceNotice(source_id=down.id, created_at=t(11, 18, 13), kind="recovered"),
        SourceNotice(source_id=quiet.id, created_at=t(11, 20, 8), kind="silent", detail="24小时无新条目"),
    ])
    session.commit()
    return c
