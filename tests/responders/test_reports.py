"""The 通报 figures over the hand-counted history of `report_history` (see its table)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from responders.reports import Body, InterviewRule, PeriodError, build_report, parse_period, percentile
from tests.responders.report_history import A, B, C, D, NOW, TAIGU, build_history, t

BA, BB, BC, BD = (Body(x["name"], x["locality"], x["sector"]) for x in (A, B, C, D))


@pytest.fixture
def report(session):
    build_history(session)
    return build_report(session, parse_period("2026-W47", now=NOW), now=NOW)


# --- periods ---------------------------------------------------------------------------------

def test_week_runs_from_monday_midnight_beijing_time():
    p = parse_period("2026-W47", now=NOW)
    assert (p.start, p.end) == (t(11, 16, 0), t(11, 23, 0))
    assert p.start == datetime(2026, 11, 15, 16, 0, tzinfo=timezone.utc)
    assert p.key == "2026-W47" and p.label == "2026年第47周（11月16日—11月22日）"


@pytest.mark.parametrize("name, key", [
    pytest.param("week", "2026-W47", id="last-complete-week"),
    pytest.param("day", "2026-11-22", id="yesterday"),
    pytest.param("month", "2026-10", id="last-month"),
    pytest.param("year", "2025", id="last-year"),
    pytest.param("this-week", "2026-W48", id="this-week"),
    pytest.param("2026-11", "2026-11", id="named-month"),
    pytest.param("2026-w1", "2026-W01", id="lower-case-week"),
])
def test_relative_and_named_periods_resolve_at_now(name, key):
    assert parse_period(name, now=NOW).key == key


def test_previous_of_january_is_december_of_the_year_before():
    assert parse_period("2026-01", now=NOW).previous().key == "2025-12"
    assert parse_period("2026-W01", now=NOW).previous().key == "2025-W52"


def test_a_day_just_after_midnight_beijing_is_that_day_not_the_utc_one():
    just_after = datetime(2026, 11, 22, 16, 30, tzinfo=timezone.utc)   # 11-23 00:30 in Beijing
    assert parse_period("today", now=just_after).key == "2026-11-23"


@pytest.mark.parametrize("bad", ["fortnight", "2026-13", "2026-W54", ""])
def test_bad_period_names_are_refused_with_the_text(bad):
    with pytest.raises(PeriodError, match="period"):
        parse_period(bad, now=NOW)


def test_percentile_is_nearest_rank():
    assert percentile([3.0, 14.0, 22.0, 54.0], 90) == 54.0
    assert percentile(list(map(float, range(1, 11))), 90) == 9.0
    assert percentile([], 90) is None


# --- cases ------------------------------------------------------------------------------------

def test_cases_are_counted_by_criterion_severity_and_sector_without_dismissed_or_drill(report):
    f = report.current
    assert f.cases_opened == 4 and f.dismissed == 1
    assert f.by_criterion == {"emergency_disaster": 1, "policy_misread": 1, "public_interest": 2, "rumor": 1}
    assert f.by_severity == {"general": 3, "major_emergency": 1}
    assert f.by_sector == {"education": 2, "emergency": 1, "health": 1}


def test_previous_period_is_beside_the_current_one(report):
    p = report.previous
    assert p.period.key == "2026-W46"
    assert p.cases_opened == 2
    assert p.by_severity == {"general": 1, "major_emergency": 1}


def test_cases_over_time_has_one_bar_per_local_day(report):
    assert report.current.cases_over_time == (
        ("11/16", 0), ("11/17", 1), ("11/18", 1), ("11/19", 1), ("11/20", 0), ("11/21", 0), ("11/22", 1))


# --- clocks -----------------------------------------------------------------------------------

def test_each_clock_kind_has_on_time_rate_median_and_p90(report):
    f = report.current
    fr, pc, resp, every = (f.clock(k) for k in ("first_release", "press_conference", "response", "all"))
    assert (fr.decided, fr.met, fr.on_time_rate, fr.median_hours, fr.p90_hours) == (1, 1, 1.0, 3.0, 3.0)
    assert (pc.decided, pc.met, pc.on_time_rate, pc.median_hours) == (1, 1, 1.0, 22.0)
    assert (resp.decided, resp.met, resp.overdue, resp.carried) == (3, 1, 2, 1)
    assert resp.on_time_rate == pytest.approx(1 / 3, abs=1e-4)
    assert (resp.median_hours, resp.p90_hours) == (34.0, 54.0)
    assert (every.decided, every.met, every.on_time_rate, every.median_hours, every.p90_hours) == (5, 3, 0.6, 18.0, 54.0)
    assert every.response_hours == (3.0, 14.0, 22.0, 54.0)


def test_a_clock_met_after_the_week_boundary_counts_in_the_week_it_was_met(report):
    # case 2: opened Sunday of W46, met Monday of W47 -> carried in W46, judged in W47.
    prev = report.previous
    assert prev.clock("response").decided == 0 and prev.clock("response").carried == 1
    assert report.current.body(BB).met == 1


def test_previous_week_counts_late_answers_and_ignores_replaced_clocks(report):
    p = report.previous
    fr = p.clock("first_release")
    assert (fr.decided, fr.met, fr.overdue, fr.median_hours) == (1, 0, 1, 6.0)
    every = p.clock("all")
    assert (every.decided, every.met, every.on_time_rate, every.median_hours, every.p90_hours) == (2, 1, 0.5, 14.5, 23.0)


def test_overdue_list_names_the_body_holding_the_case_at_the_deadline(report):
    rows = [(r.case_id, r.kind, r.bodies, r.late_hours, r.responded_at) for r in report.overdue]
    case3, case4 = report.overdue[0].case_id, report.overdue[1].case_id
    assert rows == [
        (case3, "response", (BC,), 72.0, None),                 # reassigned B -> C before its deadline
        (case4, "response", (BC,), 6.0, t(11, 21, 16)),         # joint: charged to the lead unit only
    ]


def test_a_case_reassigned_mid_clock_counts_as_opened_by_its_first_holder(report):
    f = report.current
    b, c = f.body(BB), f.body(BC)
    assert (b.cases, b.decided, b.met, b.overdue, b.on_time_rate) == (1, 1, 1, 0, 1.0)
    assert (c.cases, c.decided, c.met, c.overdue, c.unacknowledged, c.on_time_rate) == (1, 2, 0, 2, 2, 0.0)
    assert (f.body(BA).decided, f.body(BA).on_time_rate) == (2, 1.0)
    assert (f.body(BD).cases, f.body(BD).decided, f.body(BD).on_time_rate) == (1, 0, None)


def test_figures_per_locality(report):
    rows = {r.locality: (r.cases, r.decided, r.met, r.overdue, r.on_time_rate) for r in report.current.localities}
    assert rows == {
        "山西省太原市小店区": (1, 0, 0, 0, None),
        "山西省晋中市": (1, 2, 0, 2, 0.0),
        TAIGU: (2, 3, 3, 0, 1.0),
    }


# --- people and follow-up ---------------------------------------------------------------------

def test_acknowledgement_times_of_cases_opened_in_the_period(report):
    ack = report.current.acknowledgement
    assert (ack.cases, ack.acknowledged, ack.unacknowledged, ack.median_minutes, ack.p90_minutes) == (4, 3, 1, 20.0, 30.0)
    assert (report.previous.acknowledgement.median_minutes, report.previous.acknowledgement.p90_minutes) == (35.0, 60.0)


def test_interview_candidates_follow_the_configured_rule(report, session):
    [cand] = report.interview
    assert (cand.body, cand.overdue, cand.unacknowledged) == (BC, 2, 2)
    assert len(cand.reasons) == 2
    stricter = build_report(session, parse_period("2026-W47", now=NOW), now=NOW,
                            rule=InterviewRule(overdue=3, unacknowledged=3))
    assert stricter.interview == ()
    # Over four weeks, A's overdue 5 h clock of W46 joins: with overdue >= 1, A and C are candidates.
    wide = build_report(session, parse_period("2026-W47", now=NOW), now=NOW,
                        rule=InterviewRule(overdue=1, unacknowledged=9, window=timedelta(days=28)))
    assert [(c.body, c.overdue) for c in wide.interview] == [(BC, 2), (BA, 1)]


def test_rumour_referrals_and_sources_down(report):
    [ref] = report.referrals
    assert ref.to == ("晋中市公安局", "晋中市委网信办") and ref.at == t(11, 19, 15)
    assert report.current.rumour_referrals == 1 and report.previous.rumour_referrals == 0
    assert report.current.sources_down == 2
    assert [(o.source, o.kind, o.recovered_at) for o in report.outages] == [
        ("晋中日报RSS", "down", t(11, 18, 13)), ("太原新闻", "silent", None)]


# --- 国办发〔2014〕32号 indicators -------------------------------------------------------------

def _values(figures):
    return {i.code: i.value for i in figures.indicators}


def test_annual_report_indicators_count_each_hotspot_once_for_the_lead_unit(report):
    assert _values(report.current) == {"二(一)": 3, "1": 1, "1其中": None, "2": 1, "2其中": None,
                                       "3": 1, "4": 1, "5": 1}
    assert [i.unit for i in report.current.indicators] == ["次", "次", "次", "次", "次", "篇", "次", "次"]
    by_unit = {u.body: u.values for u in report.current.indicators_by_unit}
    assert by_unit == {
        BA: (1, 1, None, 1, None, 0, 0, 0),
        BB: (1, 0, None, 0, None, 0, 0, 1),     # case 2 only: nothing from the joint case 4
        BC: (1, 0, None, 0, None, 1, 1, 0),     # case 4: two Weibo posts are one event
    }


def test_a_hotspot_counts_in_the_period_of_its_first_response(report):
    assert _values(report.previous)["二(一)"] == 1     # case 8; its W47 online interview counts only as 2
    assert _values(report.current)["2"] == 1


def test_the_annual_figures_of_a_year_sum_the_weeks(session):
    build_history(session)
    year = build_report(session, parse_period("2026", now=NOW), now=NOW)
    assert _values(year.current) == {"二(一)": 4, "1": 2, "1其中": None, "2": 1, "2其中": None, "3": 1, "4": 1, "5": 1}
    assert year.current.cases_over_time[10] == ("11月", 6)


# --- locality subtree -------------------------------------------------------------------------

def test_a_county_report_keeps_its_cases_and_its_own_bodies(session):
    build_history(session)
    r = build_report(session, parse_period("2026-W47", now=NOW), now=NOW, locality_subtree=TAIGU)
    assert r.current.cases_opened == 3                     # cases 1, 3, 4 (4 also concerns 太谷区)
    assert {b.body for b in r.current.bodies} == {BA, BB}
    assert _values(r.current)["二(一)"] == 2                # case 4's lead unit is the city's: not counted here
    assert r.interview == ()                               # C is outside the subtree
    assert r.title.startswith(TAIGU)


def test_a_report_of_a_period_in_progress_says_so(session):
    build_history(session)
    r = build_report(session, parse_period("this-week", now=NOW), now=NOW)
    assert r.notes and r.current.cases_opened == 0


# --- rendering hostile text ----------------------------------------------------------------------

def test_hostile_titles_stay_inert_in_every_format(session):
    from responders.reports import render_csv, render_html, render_markdown

    cases = build_history(session)
    cases[3].title = '=HYPERLINK("http://x")<script>alert(1)</script>|[a](javascript:x)'
    session.add(cases[3])
    session.commit()
    r = build_report(session, parse_period("2026-W47", now=NOW), now=NOW)
    html = render_html(r)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = render_markdown(r)
    assert "\\<script\\>" in md and "\\|\\[a\\]" in md
    cells = [cell for row in csv.reader(io.StringIO(render_csv(r))) for cell in row]
    assert any("=HYPERLINK" in cell for cell in cells)
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


def test_csv_neutralises_formula_cells(session):
    from responders.reports import render_csv

    build_history(session)
    from responders.models import Case
    from sqlmodel import select
    case = session.exec(select(Case).where(Case.title == "晋中市中小学课时调整误读")).one()
    case.responsible = {**case.responsible, "lead": {**case.responsible["lead"], "name": "=cmd|' /C calc'!A0"}}
    session.add(case)
    session.commit()
    text = render_csv(build_report(session, parse_period("2026-W47", now=NOW), now=NOW))
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert not any(cell.startswith("=") for cell in cells)


def test_one_press_conference_recorded_for_two_clocks_counts_once(session):
    from responders.models import Response

    cases = build_history(session)
    # The 11-18 08:00 conference recorded again against the 48 h duty: same case, mode and time.
    session.add(Response(case_id=cases[1].id, clock_kind="response", mode="press_conference", at=t(11, 18, 8),
                         recorded_by="值班员", recorded_at=t(11, 18, 9)))
    session.commit()
    r = build_report(session, parse_period("2026-W47", now=NOW), now=NOW)
    assert _values(r.current)["1"] == 1 and _values(r.current)["二(一)"] == 3


# --- drills (issue 15.9) --------------------------------------------------------------------------

def test_a_report_asked_for_with_drills_counts_them_marked_drill_throughout(session):
    build_history(session)
    period = parse_period("2026-W47", now=NOW)
    plain = build_report(session, period, now=NOW)
    drills = build_report(session, period, now=NOW, drills=True)
    assert drills.current.cases_opened == plain.current.cases_opened + 1      # case 7, the drill
    assert drills.title.startswith("【演练】") and not plain.title.startswith("【演练】")
    assert any("演练" in n for n in drills.notes) and not any("演练" in n for n in plain.notes)
    drill_rows = [r for r in drills.overdue if r.title.startswith("【演练】")]
    assert drill_rows and not any(r.title.startswith("【演练】") for r in plain.overdue)
