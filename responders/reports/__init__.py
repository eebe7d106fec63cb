"""The periodic 通报: response statistics per period, body and locality, and the 32号 indicators.

Computation (`build_report`) is a pure read over the responders' and monitor's
rows; the renderers (`render_json`, `render_csv`, `render_markdown`,
`render_html`, SVG charts in `charts`) turn a `Report` into the four formats.
Both the CLI (`yuqing report`) and the web UI use these and nothing else.
"""

from .compute import CLOCK_KINDS, build_report, median, percentile
from .config import InterviewRule, ReportsConfig, parse_weekly
from .figures import (
    AckStats, Body, BodyStats, ClockStats, Figures, Indicator, InterviewCandidate, LocalityStats, OverdueClock,
    Referral, Report, SourceOutage, UnitIndicators,
)
from .indicators import INDICATORS
from .periods import Period, PeriodError, parse_period

__all__ = [
    "build_report", "CLOCK_KINDS", "median", "percentile", "InterviewRule", "ReportsConfig", "parse_weekly",
    "AckStats", "Body", "BodyStats", "ClockStats", "Figures", "Indicator", "InterviewCandidate", "LocalityStats",
    "OverdueClock", "Referral", "Report", "SourceOutage", "UnitIndicators", "INDICATORS", "Period", "PeriodError",
    "parse_period",
]

from .render_csv import render_csv  # noqa: E402
from .render_html import render_html, render_html_body, report_charts, report_css  # noqa: E402
from .render_json import render_json, report_data  # noqa: E402
from .render_md import render_markdown  # noqa: E402

RENDERERS = {"html": render_html, "md": render_markdown, "csv": render_csv, "json": render_json}
__all__ += ["render_csv", "render_html", "render_html_body", "report_css", "report_charts", "render_json", "report_data", "render_markdown", "RENDERERS"]
