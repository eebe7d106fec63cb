"""Render a report as JSON: every figure, with the previous period beside the current one.

Times are ISO 8601 in Asia/Shanghai with their offset; rates are fractions;
hours and minutes are numbers. Keys are the stable English names of the
dataclasses in `figures`, so a program can read them without the labels.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

from .figures import Body, Report
from .indicators import INDICATORS
from .periods import LOCAL_ZONE, Period

__all__ = ["report_data", "render_json"]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_ZONE).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Period):
        return {"key": value.key, "kind": value.kind, "label": value.label,
                "start": _plain(value.start), "end": _plain(value.end)}
    if isinstance(value, Body):
        return {"name": value.name, "locality": value.locality, "sector": value.sector}
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def report_data(report: Report) -> dict[str, Any]:
    """Return the report as plain JSON-able data."""
    data = _plain(report)
    data["period"] = _plain(report.period)
    codes = [code for code, _, _ in INDICATORS]
    for side in ("current", "previous"):
        for unit in data[side]["indicators_by_unit"]:
            unit["values"] = dict(zip(codes, unit["values"]))
        data[side]["cases_over_time"] = [{"label": label, "cases": n} for label, n in data[side]["cases_over_time"]]
    return data


def render_json(report: Report) -> str:
    return json.dumps(report_data(report), ensure_ascii=False, indent=2) + "\n"
