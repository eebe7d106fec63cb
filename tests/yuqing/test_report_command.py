"""`yuqing report` over the hand-counted history (tests/responders/report_history.py)."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from sqlmodel import Session

from tests.responders.report_history import NOW, TAIGU, build_history
from yuqing.cli import main

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture
def config_path(tmp_path, db_url, engine):
    with Session(engine) as session:
        build_history(session)
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "{db_url}"\n\n[directory]\ninclude = "{ROOT / "directory" / "shanxi.toml"}"\n',
                    encoding="utf-8")
    return path


def _run(capsys, config_path, *extra) -> tuple[int, str]:
    code = main(["report", "--config", str(config_path), "--period", "2026-W47", "--now", NOW.isoformat(), *extra])
    return code, capsys.readouterr().out


def test_json_has_the_hand_counted_figures(capsys, config_path):
    code, out = _run(capsys, config_path, "--format", "json")
    assert code == 0
    data = json.loads(out)
    cur, prev = data["current"], data["previous"]
    assert data["period"]["key"] == "2026-W47" and prev["period"]["key"] == "2026-W46"
    assert (cur["cases_opened"], prev["cases_opened"]) == (4, 2)
    every = next(c for c in cur["clocks"] if c["kind"] == "all")
    assert (every["decided"], every["met"], every["on_time_rate"], every["median_hours"], every["p90_hours"]) == \
        (5, 3, 0.6, 18.0, 54.0)
    assert [(o["bodies"][0]["name"], o["late_hours"]) for o in data["overdue"]] == [("晋中市教育局", 72.0), ("晋中市教育局", 6.0)]
    assert [c["body"]["name"] for c in data["interview"]] == ["晋中市教育局"]
    assert {i["code"]: i["value"] for i in cur["indicators"]}["二(一)"] == 3
    units = {u["body"]["name"]: u["values"] for u in cur["indicators_by_unit"]}
    assert units["晋中市教育局"]["4"] == 1 and units["晋中市太谷区教育局"]["4"] == 0
    assert cur["acknowledgement"]["median_minutes"] == 20.0


def test_csv_rows_carry_current_and_previous(capsys, config_path):
    code, out = _run(capsys, config_path, "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["section", "item", "locality", "metric", "current", "previous"]
    index = {(r[0], r[1], r[3]): (r[4], r[5]) for r in rows[1:]}
    assert index[("案件", "合计", "立案数")] == ("4", "2")
    assert index[("时限", "合计", "按时率(%)")] == ("60.0", "50.0")
    assert index[("时限", "48小时内回应", "回应用时中位数(小时)")] == ("34", "")
    assert index[("责任单位", "晋中市教育局", "超时")] == ("2", "0")
    assert index[("国办发〔2014〕32号", "二(一) 回应公众关注热点或重大舆情数", "次")] == ("3", "1")


def test_markdown_has_the_tables(capsys, config_path):
    code, out = _run(capsys, config_path, "--format", "md")
    assert code == 0
    assert out.startswith("# 政务舆情回应情况通报 2026年第47周")
    assert "| 合计 | 5（2） | 3（1） | 2（1） | 1（1） | 60.0%（50.0%） | 18（14.5） | 54（23） |" in out
    assert "| 晋中市教育局 | 山西省晋中市 | 2 | 2 | 超时2次（≥2）；升级提醒未确认2次（≥2） |" in out


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.svgs, self.text = 0, []

    def handle_starttag(self, tag, attrs):
        self.svgs += tag == "svg"

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_printable_with_three_charts(capsys, config_path, tmp_path):
    target = tmp_path / "out" / "通报.html"
    code, out = _run(capsys, config_path, "--format", "html", "--out", str(target))
    assert code == 0 and out == ""
    html = target.read_text(encoding="utf-8")
    assert "@page { size: A4" in html
    parser = _Collect()
    parser.feed(html)
    assert parser.svgs == 3
    text = "".join(parser.text)
    assert "各单位按时回应率" in text and "回应用时分布" in text and "立案数走势" in text
    assert "60.0%" in text and "晋中市教育局" in text


def test_csv_file_gets_a_byte_order_mark_for_excel(capsys, config_path, tmp_path):
    target = tmp_path / "r.csv"
    assert _run(capsys, config_path, "--format", "csv", "--out", str(target))[0] == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbfsection,")


def test_locality_limits_the_report_to_a_subtree(capsys, config_path):
    code, out = _run(capsys, config_path, "--format", "json", "--locality", TAIGU)
    assert code == 0
    data = json.loads(out)
    assert data["locality"] == TAIGU and data["current"]["cases_opened"] == 3
    assert {b["body"]["name"] for b in data["current"]["bodies"]} == {"晋中市太谷区应急管理局", "晋中市太谷区教育局"}


def test_a_bad_period_exits_2_naming_it(capsys, config_path):
    code = main(["report", "--config", str(config_path), "--period", "2026-W60", "--format", "json"])
    assert code == 2
    assert "2026-W60" in capsys.readouterr().err


@pytest.mark.parametrize("table, path", [
    pytest.param('weekly = "monday 9am"\nto = ["a@b.cn"]', "reports.weekly", id="bad-schedule"),
    pytest.param('to = ["not an address"]', "reports.to", id="bad-address"),
    pytest.param('[reports.interview]\noverdue = 0', "reports.interview.overdue", id="zero-threshold"),
])
def test_a_bad_reports_table_is_a_config_error_naming_the_key(tmp_path, table, path):
    from yuqing.config import ConfigError, load_config

    config = tmp_path / "config.toml"
    header = "" if table.startswith("[reports.") else "[reports]\n"
    config.write_text(f'[directory]\ninclude = "{ROOT / "directory" / "shanxi.toml"}"\n\n{header}{table}\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(config, environ={})
    assert [p.path for p in e.value.problems] == [path]
