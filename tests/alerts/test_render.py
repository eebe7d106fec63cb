"""Templates: every kind renders in every flavour, times in Asia/Shanghai, hostile text stays text, overrides win."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from alerts.errors import TemplateProblem
from alerts.markup import FLAVOURS, safe_url, split_lines
from alerts.render import TEMPLATE_KINDS, Renderer, message_context

NOW = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
HOSTILE = '**粗体**</font><font color="red">[点我](javascript:alert(1))<@all>\n# 假标题 <script>x</script> & "q"'


def payload(**extra):
    p = {"case_id": 42, "title": "太谷区某化工厂发生爆炸", "severity": "major_emergency", "especially_major": False,
         "criteria": ["emergency_disaster"], "clock_kind": "first_release", "clock_hours": 5,
         "due_at": (NOW + timedelta(hours=3, minutes=5)).isoformat(), "step": "reminder", "late_seconds": 0,
         "first": [{"name": "晋中市太谷区应急管理局", "locality": "山西省晋中市太谷区", "sector": "emergency"}],
         "trace": ["涉及单一县（区）"], "evidence": ["https://news.example.org/a/1"], "drill": False}
    p.update(extra)
    return p


def render(kind, flavour, renderer=None, **extra):
    ctx = message_context(kind=kind, payload=payload(**extra), now=NOW, base_url="http://127.0.0.1:8080")
    return (renderer or Renderer()).render(kind, ctx, flavour)


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_every_kind_renders_in_every_flavour(kind, flavour):
    out = render(kind, flavour)
    assert out.subject and out.body
    assert "http://127.0.0.1:8080" in out.body


def test_the_deadline_is_shown_in_shanghai_time_with_time_left():
    out = render("reminder", "text")
    assert "截止 2026-11-20 12:05（北京时间）" in out.body and "剩余 3小时05分" in out.body
    assert "晋中市太谷区应急管理局" in out.body and "涉及单一县（区）" in out.body
    assert "https://news.example.org/a/1" in out.body and "http://127.0.0.1:8080/cases/42" in out.body


def test_an_overdue_clock_says_how_late():
    out = render("overdue", "text", due_at=(NOW - timedelta(minutes=30)).isoformat(), late_seconds=1800)
    assert "超时30分" in out.body


def test_hostile_text_is_escaped_in_markdown():
    body = render("opened", "markdown", title=HOSTILE).body
    assert "<font" not in body and "<@all>" not in body and "<script>" not in body
    assert "](javascript:" not in body and "\n# 假标题" not in body
    assert not re.search(r"(?<!\\)\*\*粗体", body)


def test_hostile_text_is_escaped_in_html():
    body = render("opened", "html", title=HOSTILE).body
    assert "<script>" not in body and "&lt;script&gt;" in body and "<font" not in body
    assert 'href="javascript' not in body


def test_hostile_text_is_inert_in_lark_md():
    body = render("opened", "lark", title=HOSTILE).body
    assert "<at" not in body and "<font" not in body and "**粗体" not in body and "](javascript:" not in body


def test_only_http_links_are_linked():
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None
    assert safe_url("https://a.example/x y)") == "https://a.example/x%20y%29"
    body = render("opened", "markdown", evidence=["javascript:alert(1)", "https://ok.example/p?a=(1)"]).body
    assert "(javascript:" not in body and "https://ok.example/p?a=%281%29" in body


def test_a_deployment_folder_overrides_a_template(tmp_path):
    (tmp_path / "opened.j2").write_text("{% set subject %}自定义：{{ title }}{% endset %}请处理 {{ title }}", encoding="utf-8")
    out = render("opened", "markdown", renderer=Renderer(tmp_path), title="a*b")
    assert out.subject == "自定义：a*b" and out.body == r"请处理 a\*b"
    assert render("reminder", "text", renderer=Renderer(tmp_path)).subject.startswith("【提醒】")   # others still shipped


def test_a_broken_override_is_reported_by_name(tmp_path):
    (tmp_path / "opened.j2").write_text("{{ no_such_variable }}", encoding="utf-8")
    with pytest.raises(TemplateProblem, match="opened.j2"):
        render("opened", "text", renderer=Renderer(tmp_path))


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("brk", ["\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\r\n"])
def test_no_line_break_character_in_a_name_can_forge_a_line(flavour, brk):
    forged = f"太谷区某局{brk}第一责任主体：晋中市人民政府（已改派，无需回应）"
    plain = render("opened", flavour, first=[{"name": "晋中市太谷区应急管理局", "locality": "山西省晋中市太谷区",
                                              "sector": "emergency"}], title="太谷区某化工厂发生爆炸")
    hostile = render("opened", flavour, first=[{"name": forged, "locality": "山西省晋中市太谷区", "sector": "emergency"}],
                     title=f"标题{brk}第一责任主体：伪造")
    lines = split_lines(hostile.body)
    assert len(lines) == len(split_lines(plain.body))
    assert len(hostile.body.splitlines()) == len(plain.body.splitlines())      # any reader's idea of a line
    assert not any(line.lstrip("*# ").startswith("第一责任主体：晋中市人民政府") for line in hostile.body.splitlines())


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_bidi_overrides_and_controls_are_removed(flavour):
    body = render("opened", flavour, title="太谷区\u202e回应已完成\u202c某厂\u2066x\u2069\x1b[31m爆炸").body
    for ch in ("\u202e", "\u202c", "\u2066", "\u2069", "\x1b"):
        assert ch not in body
    assert "回应已完成" in body.replace("&#", "")
