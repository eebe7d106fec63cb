"""Render a message kind's Jinja2 template into a channel's flavour of markup.

One template per message kind lives in `alerts/templates/<kind>.j2` (Chinese). A
deployment overrides any of them by putting a file of the same name into
``[alerts] templates_dir``; the shipped ones stay the fallback. A template sets
``subject`` with ``{% set subject %}...{% endset %}`` and its output is the body.

Why render once per flavour rather than write one template per channel: the
wording is the office's to change in one place; what differs per channel is only
escaping and a few markup helpers (`alerts.markup`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from monitor.timestamps import SHANGHAI, format_duration
from responders.vocabulary import CRITERIA, SEVERITIES, severity_words

from .errors import TemplateProblem
from .markup import FLAVOURS, Helpers, escape_for, split_lines

__all__ = ["Renderer", "Rendered", "message_context", "SEVERITY_LABELS", "CLOCK_LABELS"]

SEVERITY_LABELS = SEVERITIES       # one vocabulary with the pages and the 通报 (responders.vocabulary)
CLOCK_LABELS = {
    "first_release": "发布权威信息（5小时内，国办发〔2016〕61号）",
    "press_conference": "举行新闻发布会（24小时内，国办发〔2016〕61号）",
    "response": "作出回应（48小时内，国办发〔2016〕61号）",
}
CRITERIA_LABELS = CRITERIA
KIND_LABELS = {
    "opened": "新案件", "reminder": "回应时限提醒", "leader": "升级提醒", "overdue": "已超时",
    "confirmed": "已确认回应", "reassigned": "责任主体变更", "source_down": "信息源异常", "report": "通报",
    "other": "通知", "test": "测试消息",
}
# Officers' actions that share the "other" template: their own heading.
_STEP_LABELS = {"regraded": "级别调整", "closed": "案件办结", "dismissed": "案件撤销（不作为重点舆情）"}
TEMPLATE_KINDS = ("opened", "reminder", "leader", "overdue", "confirmed", "reassigned", "source_down", "report", "other", "test")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _local(value: str | datetime | None) -> datetime | None:
    if not value:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(SHANGHAI)


def message_context(*, kind: str, payload: dict[str, Any], now: datetime, base_url: str,
                    recipient: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the template variables for one message (display times in Asia/Shanghai).

    `payload` is a `ClockEvent.payload` (or a source-notice or report payload); missing
    keys get neutral defaults so an override template can rely on every name existing.
    """
    due = _local(payload.get("due_at"))
    left = (due - now) if due else None
    case_id = payload.get("case_id")
    first = payload.get("first") or []
    return {
        "kind": kind,
        "kind_label": KIND_LABELS.get(kind, kind),
        "case_id": case_id,
        "case_url": f"{base_url.rstrip('/')}/cases/{case_id}" if case_id is not None else base_url,
        "title": payload.get("title") or "",
        "severity": payload.get("severity"),
        "severity_label": severity_words(payload.get("severity"), bool(payload.get("especially_major"))),
        "major": payload.get("severity") == "major_emergency" or bool(payload.get("especially_major")),
        "criteria": [CRITERIA_LABELS.get(c, c) for c in payload.get("criteria") or []],
        "clock_kind": payload.get("clock_kind"),
        "clock_label": CLOCK_LABELS.get(payload.get("clock_kind"), payload.get("clock_kind") or ""),
        "clock_hours": payload.get("clock_hours"),
        "due_local": due.strftime("%Y-%m-%d %H:%M") if due else "",
        "time_left": format_duration(left) if left is not None else "",
        "overdue": left is not None and left.total_seconds() < 0,
        "late": format_duration(timedelta(seconds=float(payload.get("late_seconds") or 0))),
        "step": payload.get("step") or kind,
        "first": [b.get("name", "") for b in first],
        "trace": list(payload.get("trace") or []),
        "evidence": list(payload.get("evidence") or []),
        "drill": bool(payload.get("drill")),
        "recipient": (recipient or {}).get("name"),
        "now_local": now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        "source": payload.get("source") or "",
        "detail": payload.get("detail") or "",
        "notice": payload.get("notice") or "",
        "summary": list(payload.get("summary") or []),
        "period": payload.get("period") or "",
        "report_url": payload.get("report_url") or "",
        "text": payload.get("text") or "",
        # An officer's action: what was done (a response's mode, time, link, who recorded it), one line each.
        "note_lines": [line for line in str(payload.get("note") or "").splitlines() if line.strip()],
        # The clock this message is about no longer counts: no time left to show.
        "stopped": (payload.get("step") or kind) in ("confirmed", "closed", "dismissed"),
        "step_label": _STEP_LABELS.get(payload.get("step") or "", ""),
    }


class Renderer:
    """Render templates in every flavour; built once per config (no global environment)."""

    def __init__(self, templates_dir: str | Path | None = None):
        loaders: list[jinja2.BaseLoader] = []
        if templates_dir:
            loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
        loaders.append(jinja2.PackageLoader("alerts", "templates"))
        loader = jinja2.ChoiceLoader(loaders)
        self._envs: dict[str, jinja2.Environment] = {}
        for flavour in FLAVOURS:
            env = jinja2.Environment(
                loader=loader, autoescape=(flavour == "html"), undefined=jinja2.StrictUndefined,
                trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                finalize=_finalizer(flavour),
            )
            env.globals.update(Helpers(flavour).export())
            self._envs[flavour] = env

    def render(self, kind: str, context: dict[str, Any], flavour: str) -> Rendered:
        """Return the subject (always plain text) and the body in `flavour`.

        Raises TemplateProblem naming the template when it is missing or fails.
        """
        name = f"{kind if kind in TEMPLATE_KINDS else 'other'}.j2"
        try:
            template = self._envs[flavour].get_template(name)
            module = template.make_module(context)
            body = str(module)
            subject_template = self._envs["text"].get_template(name)
            subject = str(getattr(subject_template.make_module(context), "subject", "")).strip()
        except jinja2.TemplateError as e:
            raise TemplateProblem(f"template {name} ({flavour}): {e}") from e
        subject = " ".join(subject.split())
        if context.get("drill") and "【演练】" not in subject:
            subject = "【演练】" + subject      # a drill is visible in every mailbox's list of subjects
        return Rendered(subject=subject, body=_tidy(body))


def _finalizer(flavour: str):
    def finalize(value: object) -> str:
        if isinstance(value, Markup):
            return value
        # Markup, so that HTML autoescaping does not escape the escaped text again.
        return Markup(escape_for(flavour, value))
    return finalize


def _tidy(body: str) -> str:
    lines = [line.rstrip() for line in split_lines(body.strip())]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out)
