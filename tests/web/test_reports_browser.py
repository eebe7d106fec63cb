"""The 通报 page in headless Chromium: the three SVG charts render, the stylesheet applies, no CSP violation."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from tests.responders.report_history import NOW, build_history

from .conftest import PASSWORD
from .test_browser import page, server  # noqa: F401  (fixtures: uvicorn on loopback, a Chromium page)

pytestmark = pytest.mark.browser


def test_the_charts_show_in_the_browser(runtime, users, page, engine, clock):  # noqa: F811
    clock.set(NOW)
    with Session(engine) as session:
        build_history(session)
    page.goto("/login")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    page.click("text=通报")
    page.wait_for_url(re.compile(r"/reports$"))
    page.fill("input[name=period]", "2026-W47")
    page.click(".report-filter button[type=submit]")
    page.wait_for_url(re.compile(r"period=2026-W47"))

    for chart in ("#chart-bodies", "#chart-cases", "#chart-response-time"):
        box = page.locator(f"{chart} svg").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 80, chart
    bars = page.locator("#chart-bodies svg rect")
    assert bars.count() == 3                      # A, B and C had clocks judged; D had none
    assert page.locator("#chart-cases svg rect").count() == 7
    collapse = page.eval_on_selector(".yq-report table", "t => getComputedStyle(t).borderCollapse")
    assert collapse == "collapse"                 # /reports/report.css applied
    assert page.problems == []                    # no script error, no CSP violation
