"""Render a report as Markdown (Chinese), for the IM robots' markdown and for pasting into documents.

Every value is escaped for Markdown table cells: case titles come from feeds,
and a ``|`` or ``[x](javascript:…)`` in a title must not break the table or
become a link.
"""

from __future__ import annotations

import re

import jinja2

from .figures import Report
from .view import report_context

__all__ = ["render_markdown", "md_escape"]

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!|~])")


def md_escape(value: object) -> str:
    """Return `value` as inert Markdown text on one line."""
    text = " ".join(str(value).split())
    return _SPECIAL.sub(r"\\\1", text)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("responders.reports", "templates"), autoescape=False,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, finalize=md_escape,
        keep_trailing_newline=True)


def render_markdown(report: Report) -> str:
    text = _environment().get_template("report.md.j2").render(report_context(report))
    return re.sub(r"\n{3,}", "\n\n", text)
