"""Turn what must be said (a ClockEvent, a source notice, a report) into outbox rows.

Who gets a message (RULES.md W-1..W-4, ORG.md "People and roles"):

1. every recipient with an email address, through the email channel marked
   ``people = true`` (their own mailbox);
2. every group channel whose ``bodies`` match a recipient's body or one of the
   case's first responsible bodies (``payload.first``); a robot channel @-mentions
   the recipients of its bodies by mobile number or IM id;
3. a recipient reached by neither goes to ``[alerts] fallback_channel``, and so does
   a person's message that later fails permanently (see `alerts.outbox`).

Each row's idempotency key is ``case:clock:step:recipient:channel``, so expanding the
same clock step twice (a retried transaction, a duplicate event) adds nothing.
Quiet hours (``[alerts] quiet_hours``, Asia/Shanghai) postpone rows to the end of the
quiet span, except for major emergencies (重大突发事件, 特别重大), which are never held.

`plan_messages` is pure and returns immutable `Planned` intents; `store_planned`
writes them. Why: the routing decisions are tested without a database, and the
same writer serves clock events, source notices and reports.
"""

from __future__ import annotations

import logging
from pathlib import Path
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from monitor.models import Source, SourceNotice
from monitor.timestamps import SHANGHAI
from responders.directory import Directory
from responders.models import ClockEvent

from .channels import Mentions, channel_class
from .config import AlertsConfig, EmailConfig
from .models import Notification
from .render import Renderer, message_context

logger = logging.getLogger(__name__)

__all__ = ["Planned", "RoutingContext", "plan_messages", "store_planned", "expand_clock_events",
           "expand_source_notices", "queue_message", "body_matches", "quiet_until", "render_row_fields",
           "routing_context", "on_duty_officers"]

GROUP = "@group"


@dataclass(frozen=True)
class RoutingContext:
    """Everything routing needs from the configuration, built once per config."""

    alerts: AlertsConfig
    channels: tuple
    renderer: Renderer
    base_url: str
    # A drill deployment (`drill = true`): every message it plans is a drill message, whatever made it
    # (a case opened by any path, a source notice, a report), so none can page real people unmarked.
    drill: bool = False

    def channel(self, name: str):
        return next((c for c in self.channels if c.name == name and not c.disabled), None)

    def people_channel(self) -> EmailConfig | None:
        return next((c for c in self.channels if isinstance(c, EmailConfig) and c.people and not c.disabled), None)


@dataclass(frozen=True)
class Planned:
    """One outbox row to write (an intent; `store_planned` makes it a row)."""

    key: str
    kind: str
    channel: str
    channel_kind: str
    recipient: str | None
    to: tuple[str, ...]
    mentions: Mentions
    subject: str
    body: str
    extra: dict[str, Any] = field(default_factory=dict)
    next_attempt_at: datetime | None = None
    drill: bool = False


def body_matches(patterns: list[str], body: tuple[str, str] | None) -> bool:
    """Return True when a channel's ``bodies`` patterns cover `body` (locality, sector_or_role)."""
    if body is None:
        return False
    locality, what = body
    for p in patterns:
        if p == "*":
            return True
        loc, _, sub = p.partition("/")
        if loc == locality and sub in ("*", what):
            return True
    return False


def quiet_until(now: datetime, alerts: AlertsConfig, *, major: bool) -> datetime | None:
    """Return when the quiet span containing `now` ends, or None (not quiet, no quiet hours, or major)."""
    span = alerts.quiet_span()
    if span is None or major:
        return None
    start, end = span
    local = now.astimezone(SHANGHAI)
    t = local.time()
    if start == end:
        return None
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_at = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if end_at <= local:
        end_at += timedelta(days=1)
    return end_at.astimezone(now.tzinfo)


def _body_of(record: dict[str, Any]) -> tuple[str, str] | None:
    body = record.get("body")
    if isinstance(body, (list, tuple)) and len(body) == 2 and all(body):
        return (str(body[0]), str(body[1]))
    if record.get("locality") and (record.get("sector") or record.get("role")):
        return (record["locality"], record.get("sector") or record.get("role"))
    return None


def _mentions_for(channel_kind: str, people: list[dict[str, Any]]) -> Mentions:
    names, mobiles, ids = [], [], []
    for p in people:
        own_id = p.get(channel_kind)
        if own_id:
            ids.append(str(own_id))
        elif p.get("mobile") and channel_kind in ("wecom", "dingtalk"):
            mobiles.append(str(p["mobile"]))
        else:
            continue
        names.append(str(p.get("name") or ""))
    return Mentions(names=tuple(names), mobiles=tuple(dict.fromkeys(mobiles)), **{channel_kind: tuple(dict.fromkeys(ids))}) \
        if channel_kind in ("wecom", "dingtalk", "feishu") else Mentions()


def render_row_fields(ctx: RoutingContext, *, channel, kind: str, payload: dict[str, Any], now: datetime,
                      recipient: dict[str, Any] | None) -> tuple[str, str, dict[str, Any]]:
    """Return (subject, body, extra) of one message rendered for `channel`'s flavour."""
    variables = message_context(kind=kind, payload=payload, now=now, base_url=ctx.base_url, recipient=recipient)
    flavour = channel_class(channel.kind).flavour
    main = ctx.renderer.render(kind, variables, flavour)
    extra: dict[str, Any] = {"case_url": variables["case_url"], "severity": payload.get("severity"),
                             "event": payload, "recipient_record": recipient}
    extra["text"] = main.body if flavour == "text" else ctx.renderer.render(kind, variables, "text").body
    if channel.kind == "email":
        extra["html"] = ctx.renderer.render(kind, variables, "html").body
    return main.subject, main.body, extra


def plan_messages(ctx: RoutingContext, *, kind: str, payload: dict[str, Any], recipients: list[dict[str, Any]],
                  key_base: str, now: datetime) -> list[Planned]:
    """Return the rows for one thing to say (steps 1-3 of the module docstring).

    `key_base` is ``case:clock:step``; the recipient and channel complete the key.
    """
    drill = bool(payload.get("drill")) or ctx.drill
    if drill and not payload.get("drill"):
        payload = {**payload, "drill": True}       # the templates mark it 【演练】
    major = payload.get("severity") == "major_emergency" or bool(payload.get("especially_major"))
    hold = quiet_until(now, ctx.alerts, major=major)
    planned: list[Planned] = []
    reached: set[str] = set()

    def add(channel, recipient_name: str | None, to: tuple[str, ...], mentions: Mentions, person: dict | None):
        subject, body, extra = render_row_fields(ctx, channel=channel, kind=kind, payload=payload, now=now, recipient=person)
        planned.append(Planned(
            key=f"{key_base}:{recipient_name or GROUP}:{channel.name}", kind=kind, channel=channel.name,
            channel_kind=channel.kind, recipient=recipient_name, to=to, mentions=mentions, subject=subject,
            body=body, extra=extra, next_attempt_at=hold, drill=drill))

    people_channel = ctx.people_channel()
    if people_channel is not None and people_channel.takes(kind):
        for person in recipients:
            if person.get("email"):
                add(people_channel, str(person.get("name") or person["email"]), (str(person["email"]),), Mentions(), person)
                reached.add(str(person.get("name")))

    bodies = {b for b in (_body_of(r) for r in recipients) if b}
    bodies |= {b for b in (_body_of(f) for f in payload.get("first") or []) if b}
    for channel in ctx.channels:
        if channel.disabled or not channel.bodies or not channel.takes(kind):
            continue
        if "*" not in channel.bodies and not any(body_matches(channel.bodies, b) for b in bodies):
            continue
        members = [r for r in recipients if body_matches(channel.bodies, _body_of(r))]
        mentions = _mentions_for(channel.kind, members) if getattr(channel, "mentions", False) else Mentions()
        # A member of a body whose group gets the message counts as reached, mentioned or not.
        reached.update(str(m.get("name")) for m in members)
        to = tuple(channel.to) if isinstance(channel, EmailConfig) else ()
        add(channel, None, to, mentions, None)

    fallback = ctx.channel(ctx.alerts.fallback_channel) if ctx.alerts.fallback_channel else None
    if fallback is not None and fallback.takes(kind):
        for person in recipients:
            name = str(person.get("name") or "")
            if name and name not in reached:
                to = (str(person["email"]),) if fallback.kind == "email" and person.get("email") else ()
                to = to or (tuple(fallback.to) if isinstance(fallback, EmailConfig) else ())
                add(fallback, name, to, _mentions_for(fallback.kind, [person]), person)
    return planned


def store_planned(session: Session, planned: list[Planned], *, now: datetime, event_id: int | None,
                  case_id: int | None) -> list[Notification]:
    """Add rows for the intents whose key is new; return the added rows (not committed)."""
    if not planned:
        return []
    keys = [p.key for p in planned]
    existing = set(session.exec(select(Notification.key).where(Notification.key.in_(keys))).all())
    rows = []
    for p in planned:
        if p.key in existing:
            continue
        existing.add(p.key)
        row = Notification(
            key=p.key, event_id=event_id, case_id=case_id, kind=p.kind, channel=p.channel, channel_kind=p.channel_kind,
            recipient=p.recipient, address=", ".join(p.to) or None, subject=p.subject, body=p.body,
            payload={**p.extra, "to": list(p.to), "mentions": p.mentions.to_dict()},
            status="pending", created_at=now, next_attempt_at=p.next_attempt_at or now, drill=p.drill)
        session.add(row)
        rows.append(row)
    return rows


def _claim(session: Session, model, row_id: int, now: datetime) -> bool:
    # Compare-and-swap: another expander that got there first makes rowcount 0 (HC Flip.processed).
    result = session.exec(update(model).where(model.id == row_id, model.processed_at.is_(None)).values(processed_at=now))
    return result.rowcount == 1


def expand_clock_events(session: Session, now: datetime, ctx: RoutingContext, *, limit: int = 100) -> int:
    """Write the outbox rows of up to `limit` unprocessed ClockEvents; return how many were processed.

    Each event is marked processed in the same transaction that writes its rows, so a
    crash leaves either both or neither. Returns 0 when there was nothing to do.
    """
    ids = session.exec(select(ClockEvent.id).where(ClockEvent.processed_at.is_(None)).order_by(ClockEvent.id).limit(limit)).all()
    done = 0
    for event_id in ids:
        event = session.get(ClockEvent, event_id)
        payload = dict(event.payload or {})
        case_id = event.case_id if event.case_id is not None else payload.get("case_id")
        payload.setdefault("case_id", case_id)
        clock = event.clock_id if event.clock_id is not None else (payload.get("clock_kind") or "-")
        step = f"s{event.step_id}" if event.step_id is not None else f"{event.kind}.e{event.id}"
        try:
            planned = plan_messages(ctx, kind=event.kind, payload=payload, recipients=list(event.recipients or []),
                                    key_base=f"{case_id}:{clock}:{step}", now=now)
        except Exception:
            # A template that raises must not block every later event: leave this one
            # unprocessed for the next run and log it (it shows on /metrics as a job failure).
            session.rollback()
            logger.exception("clock event %s: cannot plan its messages", event_id)
            continue
        if not _claim(session, ClockEvent, event_id, now):
            session.rollback()
            continue
        rows = store_planned(session, planned, now=now, event_id=event_id, case_id=case_id)
        session.commit()
        done += 1
        logger.info("clock event %s (%s, case %s): %d message(s) queued", event_id, event.kind, case_id, len(rows))
    return done


_NOTICE_LABELS = {"down": "中断", "silent": "长时间无更新", "recovered": "已恢复"}


def on_duty_officers(directory: Directory, now: datetime) -> list:
    """Return the coordination office's officers on duty at `now` (all officers when the rota covers no one)."""
    office = (directory.jurisdiction, "government_office")
    officers = directory.people(office, "officer")
    local = now.astimezone(SHANGHAI)
    minute = local.hour * 60 + local.minute
    on_duty = set()
    for shift in directory.rota:
        start = shift.start.hour * 60 + shift.start.minute
        if local.weekday() in shift.weekdays and start <= minute < shift.end_minutes:
            on_duty.add(shift.officer)
    chosen = [p for p in officers if p.name in on_duty]
    return chosen or officers


def _person_record(person) -> dict[str, Any]:
    return {"name": person.name, "role": person.role, "locality": person.locality,
            "body": list(person.body) if person.body else None, "email": person.email, "mobile": person.mobile,
            "wecom": person.wecom, "dingtalk": person.dingtalk, "feishu": person.feishu}


def expand_source_notices(session: Session, now: datetime, ctx: RoutingContext, directory: Directory, *,
                          limit: int = 100) -> int:
    """Queue a message to the coordination office for each unprocessed SourceNotice; return how many.

    Recipients: the on-duty officers and the liaison of the jurisdiction's government
    office (本级政府办公厅（室）, the coordinator, RULES.md W-1), plus its group channels.
    """
    ids = session.exec(select(SourceNotice.id).where(SourceNotice.processed_at.is_(None)).order_by(SourceNotice.id).limit(limit)).all()
    office = (directory.jurisdiction, "government_office")
    body = directory.body(*office)
    people = on_duty_officers(directory, now) + directory.people(office, "liaison")
    recipients = [_person_record(p) for p in people]
    done = 0
    for notice_id in ids:
        notice = session.get(SourceNotice, notice_id)
        source = session.get(Source, notice.source_id)
        payload = {"case_id": None, "source": source.name if source else f"#{notice.source_id}",
                   "notice": _NOTICE_LABELS.get(notice.kind, notice.kind), "detail": notice.detail,
                   "first": [{"name": body.name if body else "", "locality": office[0], "role": office[1]}]}
        planned = plan_messages(ctx, kind="source_down", payload=payload, recipients=recipients,
                                key_base=f"source{notice.source_id}:{notice.kind}:n{notice_id}", now=now)
        if not _claim(session, SourceNotice, notice_id, now):
            session.rollback()
            continue
        rows = store_planned(session, planned, now=now, event_id=None, case_id=None)
        session.commit()
        done += 1
        logger.info("source notice %s (%s %s): %d message(s) queued", notice_id, notice.kind, payload["source"], len(rows))
    return done


def queue_message(session: Session, now: datetime, ctx: RoutingContext, *, kind: str, payload: dict[str, Any],
                  recipients: list[dict[str, Any]], key_base: str) -> list[Notification]:
    """Queue any other message (a 通报 report, ...) with the same routing; commits; returns the new rows."""
    planned = plan_messages(ctx, kind=kind, payload=payload, recipients=recipients, key_base=key_base, now=now)
    rows = store_planned(session, planned, now=now, event_id=None, case_id=payload.get("case_id"))
    session.commit()
    return rows


def routing_context(alerts: AlertsConfig, channels, *, base_url: str, base_dir: str = ".",
                    drill: bool = False) -> RoutingContext:
    """Return the RoutingContext of a configuration (templates_dir is relative to the config's folder).

    `drill`: the deployment's `drill` flag; every message then is a drill message.
    """
    templates = None
    if alerts.templates_dir:
        templates = Path(alerts.templates_dir)
        templates = templates if templates.is_absolute() else Path(base_dir) / templates
    return RoutingContext(alerts=alerts, channels=tuple(channels), renderer=Renderer(templates),
                          base_url=alerts.base_url or base_url, drill=drill)
