"""Render a report as a printable A4 HTML page with inline SVG charts (Chinese).

The page is self-contained (styles and charts inline, no script, no external
asset), so the same file prints from a browser, travels as a mail body or
attachment, and is embedded by the web UI. Autoescaping is on: case titles and
body names come from feeds and the directory.
"""

from __future__ import annotations

import jinja2
from markupsafe import Markup

from .charts import count_columns, histogram, rate_bars
from .figures import Report
from .view import report_context

__all__ = ["render_html", "report_charts"]


def report_charts(report: Report) -> dict[str, Markup]:
    """Return the three charts of a report as inline SVG."""
    cur = report.current
    bodies = [(b.body.name, b.on_time_rate) for b in sorted(cur.bodies, key=lambda b: (-b.decided, b.body)) if b.decided]
    return {
        "bodies": rate_bars(bodies[:25]),
        "cases": count_columns(list(cur.cases_over_time)),
        "histogram": histogram(cur.clock("all").response_hours),
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("responders.reports", "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(report: Report) -> str:
    context = report_context(report)
    context["charts"] = report_charts(report)
    return _environment().get_template("report.html.j2").render(context)
