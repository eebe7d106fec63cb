"""The 通报 page, its downloads and /api/reports, over the hand-counted history."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import Session, select

from tests.responders.report_history import NOW, TAIGU, build_history


@pytest.fixture
def history(engine, clock):
    clock.set(NOW)
    with Session(engine) as session:
        build_history(session)


def test_signed_out_visitors_are_sent_to_login(browser, history):
    answer = browser().get("/reports?period=2026-W47")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_the_page_shows_the_report_with_its_three_charts(browser, users, history):
    page = browser("officer").get("/reports?period=2026-W47")
    assert page.status_code == 200
    html = page.text
    assert html.count("<svg") == 3
    assert "各单位按时回应率" in html and "立案数走势" in html and "回应用时分布" in html
    assert "60.0%" in html and "晋中市教育局" in html
    assert '<link rel="stylesheet" href="/reports/report.css">' in html
    assert "<style" not in html                      # the app's CSP allows no inline style
    css = browser("officer").get("/reports/report.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and ".yq-report" in css.text


def test_downloads_in_every_format(browser, users, history):
    b = browser("supervisor")
    html = b.get("/reports/download?period=2026-W47&format=html")
    assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
    assert "script-src" not in html.headers["content-security-policy"]       # no script may run in it
    assert "style-src 'unsafe-inline'" in html.headers["content-security-policy"]
    assert "@page { size: A4" in html.text
    rows = list(csv.reader(io.StringIO(b.get("/reports/download?period=2026-W47&format=csv").text.lstrip("\ufeff"))))
    assert ["案件", "合计", "", "立案数", "4", "2"] in rows
    md = b.get("/reports/download?period=2026-W47&format=md")
    assert md.headers["content-type"].startswith("text/markdown") and "| 合计 | 5（2）" in md.text
    data = b.get("/reports/download?period=2026-W47&format=json").json()
    assert data["current"]["cases_opened"] == 4


def test_locality_and_bad_periods(browser, users, history):
    b = browser("officer")
    page = b.get("/reports", params={"period": "2026-W47", "locality": TAIGU})
    assert page.status_code == 200 and f"{TAIGU}政务舆情回应情况通报" in page.text
    bad = b.get("/reports?period=2026-W99")
    assert bad.status_code == 422 and "2026-W99" in bad.text


def test_liaison_accounts_may_not_read_the_report(browser, users, history):
    assert browser("liaison").get("/reports?period=2026-W47").status_code == 403


def test_api_reports_needs_a_token_and_answers_json(app, users, history, token_of):
    from fastapi.testclient import TestClient

    client = TestClient(app)
    assert client.get("/api/reports?period=2026-W47").status_code == 401
    answer = client.get("/api/reports?period=2026-W47", headers={"Authorization": f"Bearer {token_of('officer')}"})
    assert answer.status_code == 200
    assert answer.json()["current"]["clocks"][-1]["on_time_rate"] == 0.6
    assert "/api/reports" in client.get("/api/openapi.json").json()["paths"]


def test_the_page_shows_the_judges_figures_against_the_officers_verdicts(browser, users, history, engine):
    from responders.labels import JudgementLabel
    from responders.models import Case
    from responders.verdicts import live_figures
    from responders.reports import parse_period

    with Session(engine) as session:
        period = parse_period("2026-W47", now=NOW, zone="Asia/Shanghai")
        cases = [c for c in session.exec(select(Case)).all() if period.start <= c.opened_at < period.end and not c.drill]
        system = [c for c in cases if c.opened_by == "system"]
        assert system, "the history has cases the judge opened"
        session.add(JudgementLabel(created_at=NOW, actor="值班员甲", case_id=system[0].id, decision="dismiss",
                                   priority=False, title=system[0].title, text=system[0].title))
        session.commit()
        f = live_figures(session, period.start, period.end)
    html = browser("officer").get("/reports?period=2026-W47").text
    assert "研判准确率（以值班员裁定为准）" in html
    assert f"{f.priority_opened} 件，未被排除 {f.priority_kept} 件" in html
    assert f"{f.precision * 100:.1f}%" in html and f.priority_kept == f.priority_opened - 1
