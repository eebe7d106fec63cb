from datetime import datetime, timedelta, timezone

import pytest

from monitor.entries import RawEntry, normalise_entry
from monitor.errors import RecordError
from monitor.normalize import (
    MAX_TEXT_CHARS, canonical_url, content_hash, fold, has_traditional, html_to_text, parse_published,
    simplify_and_fold, title_key, to_simplified,
)

NOW = datetime(2026, 11, 20, 5, 0, tzinfo=timezone.utc)


def test_it_drops_scripts_styles_and_tags_but_keeps_inline_words_together():
    markup = '<p>太谷区<b>停水</b></p><script>alert("x")</script><style>p{}</style><img src=x onerror=alert(1)><p>第二段</p>'
    assert html_to_text(markup) == "太谷区停水 第二段"


def test_it_decodes_entities_in_plain_text():
    assert html_to_text("A &amp; B &lt;script&gt;") == "A & B <script>"


def test_it_bounds_the_text():
    assert len(html_to_text("<p>" + "字" * 100_000 + "</p>")) == MAX_TEXT_CHARS


def test_it_folds_traditional_to_simplified_and_leaves_simplified_untouched():
    assert to_simplified("太谷區停水，居民無法用水", phrases=True) == "太谷区停水，居民无法用水"
    text = "太谷区停水"
    assert to_simplified(text) is text
    assert fold("ＡＢＣ停水") == "abc停水"



@pytest.mark.parametrize("text", ["", "ABC Def", "太谷区停水", "太谷區停水，居民無法用水", "ＡＢＣ停水", "後天干活", "𠀀字與𠀁", "Ｘ區"])
@pytest.mark.parametrize("phrases", [False, True])
def test_simplify_and_fold_answers_as_the_three_functions_apart(text, phrases):
    original = text if has_traditional(text) else None
    simplified = to_simplified(text, phrases=phrases)
    assert simplify_and_fold(text, phrases=phrases) == (original, simplified, fold(simplified))

@pytest.mark.parametrize("raw, expected", [
    pytest.param("2026-11-20 08:30", datetime(2026, 11, 20, 0, 30, tzinfo=timezone.utc), id="naive-is-beijing"),
    pytest.param("2026年11月20日 08:30", datetime(2026, 11, 20, 0, 30, tzinfo=timezone.utc), id="chinese-form"),
    pytest.param("Fri, 20 Nov 2026 08:00:00 +0800", datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc), id="rfc822"),
    pytest.param("2026-11-19T23:00:00Z", datetime(2026, 11, 19, 23, 0, tzinfo=timezone.utc), id="iso-utc"),
    pytest.param("Thu, 19 Nov 2026 20:00:00 -0300", datetime(2026, 11, 19, 23, 0, tzinfo=timezone.utc), id="rfc822-negative"),
    pytest.param("19 Nov 2026 23:00 GMT", datetime(2026, 11, 19, 23, 0, tzinfo=timezone.utc), id="rfc822-gmt-no-weekday"),
    pytest.param("Thu, 19 Nov 2026 23:00:00 EST", datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc), id="rfc822-named-zone"),
])
def test_it_parses_publication_times_with_shanghai_as_default_zone(raw, expected):
    assert parse_published(raw, None, now=NOW) == (expected, None)


def test_it_clamps_future_times_to_now():
    value, note = parse_published("2031-01-01 00:00", None, now=NOW)
    assert value == NOW and "future" in note


def test_it_accepts_a_few_minutes_of_publisher_clock_drift():
    value, note = parse_published((NOW + timedelta(minutes=3)).isoformat(), None, now=NOW)
    assert value == NOW + timedelta(minutes=3) and note is None


def test_it_drops_epoch_zero_times():
    value, note = parse_published("Thu, 01 Jan 1970 00:00:00 GMT", None, now=NOW)
    assert value is None and "1995" in note


def test_unparseable_times_are_none():
    assert parse_published("yesterday-ish", None, now=NOW) == (None, None)
    assert parse_published("Fri, 20 Nov 2026 08:00:00 +2500", None, now=NOW) == (None, None)    # no such zone
    assert parse_published("Fri, 20 Nov 2026 08:00:00 +2500", None, now=NOW) == (None, None)    # nor remembered


@pytest.mark.parametrize("url, expected", [
    pytest.param("HTTPS://News.Example.org:443/a/1.html?utm_source=wx&id=3&from=timeline#top",
                 "https://news.example.org/a/1.html?id=3", id="tracking-and-fragment"),
    pytest.param("http://example.org/a?b=2&a=1", "http://example.org/a?a=1&b=2", id="sorted-query"),
    pytest.param("javascript:alert(1)", None, id="javascript"),
    pytest.param("/relative/path", None, id="relative"),
    pytest.param("http://user:pw@example.org/a", None, id="credentials"),
    pytest.param("http://Example.org:8080", "http://example.org:8080/", id="port-kept-path-added"),
])
def test_canonical_urls_drop_tracking(url, expected):
    assert canonical_url(url) == expected


def test_the_content_hash_ignores_spacing():
    assert content_hash(fold("太谷 停水！"), fold("正文 。")) == content_hash(fold("太谷停水！"), fold("正文。"))


def test_the_title_key_drops_a_site_suffix():
    assert title_key(fold("太谷区多个小区停水居民生活受影响 - 新浪新闻")) == title_key(fold("太谷区多个小区停水居民生活受影响_网易"))
    assert title_key(fold("通知")) is None


def test_an_entry_without_title_takes_the_start_of_its_text():
    item = normalise_entry(RawEntry(external_id=None, content="<p>太谷区停水，居民反映强烈</p>"), now=NOW)
    assert item.title.startswith("太谷区停水")
    assert item.external_id == item.content_hash


def test_an_entry_with_neither_title_nor_text_is_refused():
    with pytest.raises(RecordError):
        normalise_entry(RawEntry(external_id="x", title="  ", content="<script>x</script>"), now=NOW)


def test_a_traditional_entry_keeps_its_original_title():
    item = normalise_entry(RawEntry(external_id="1", title="平遙古城門票調整", content="遊客質疑"), now=NOW)
    assert item.title == "平遥古城门票调整"
    assert item.original_title == "平遙古城門票調整"
    assert item.original_text == "遊客質疑" and item.text == "游客质疑"
