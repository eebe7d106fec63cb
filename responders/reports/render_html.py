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

__all__ = ["render_html", "render_html_body", "report_charts", "report_css"]


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


def _render(report: Report, template: str) -> str:
    context = report_context(report)
    context["charts"] = report_charts(report)
    return _environment().get_template(template).render(context)


def render_html(report: Report) -> str:
    """Return the standalone page (styles inline)."""
    return _render(report, "report.html.j2")


def render_html_body(report: Report) -> Markup:
    """Return the report as one ``<div class="yq-report">`` for embedding in another page (styles: `report_css`)."""
    return Markup(_render(report, "report_body.html.j2"))


def report_css() -> str:
    """Return the report's stylesheet (every rule scoped to ``.yq-report``, plus the A4 ``@page``)."""
    return _environment().loader.get_source(_environment(), "report.css")[0]
