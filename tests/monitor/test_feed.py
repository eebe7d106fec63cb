"""Feed sources against a real HTTP server on loopback: every bad-input case of issue 3."""

from __future__ import annotations

import gzip
import json
import time
import zlib
from datetime import timedelta

import pytest
from werkzeug import Response

from monitor.config import MonitorConfig

from .feeds import FakeFeed

RSS = "application/rss+xml; charset=utf-8"


def serve(httpserver, path, body, content_type=RSS, **headers):
    httpserver.expect_request(path).respond_with_data(body, content_type=content_type, headers=headers)
    return httpserver.url_for(path)


def test_it_stores_the_items_of_a_feed_and_records_success(httpserver, poller, clock):
    feed = FakeFeed().item(1).item(2, title="太谷区部分小区停水").item(3)
    poller.add(url=serve(httpserver, "/rss", feed.rss()), interval="5m")
    report = poller.poll()
    assert (report.polled, report.items, report.new_items) == (1, 3, 3)
    source = poller.source()
    assert source.last_status == "ok" and source.last_error is None and source.consecutive_failures == 0
    assert source.last_new_item_at == clock.now()
    # 5 minutes with ±10% jitter
    assert timedelta(minutes=4, seconds=30) <= source.next_poll_at - clock.now() <= timedelta(minutes=5, seconds=30)
    titles = [i.title for i in poller.items()]
    assert "太谷区部分小区停水" in titles
    matched = [i for i in poller.items() if i.event_id]
    assert len(matched) == 3 and all(i.matched_schemes == ["供暖"] for i in matched)


def test_malformed_xml_keeps_the_recovered_items_and_shows_the_error(httpserver, poller):
    body = FakeFeed().item(1).item(2).rss()[:-len("</channel></rss>")] + "<item><title>坏条目 & <b>未闭合</item>".encode()
    poller.add(url=serve(httpserver, "/bad.xml", body))
    poller.poll()
    source = poller.source()
    assert source.last_status == "partial"
    assert "malformed XML" in source.last_error
    assert {"item-1", "item-2"} <= {i.external_id for i in poller.items()}


def test_garbage_is_a_parse_error_on_the_source(httpserver, poller):
    poller.add(url=serve(httpserver, "/garbage", b"<rss><<<>>>\x00\x01 not xml at all", content_type="application/xml"))
    poller.poll()
    source = poller.source()
    assert source.last_status == "parse_error" and source.consecutive_failures == 1
    assert "not a readable feed" in source.last_error
    assert poller.items() == []


def test_an_html_page_served_as_feed_is_named_with_the_feed_it_advertises(httpserver, poller):
    page = '<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="/real.xml"></head><body>首页</body></html>'
    poller.add(url=serve(httpserver, "/page", page.encode(), content_type="text/html; charset=utf-8"))
    poller.poll()
    source = poller.source()
    assert source.last_status == "not_a_feed"
    assert "HTML page" in source.last_error and "/real.xml" in source.last_error


@pytest.mark.parametrize("encoding, declare, shown", [
    ("gbk", "utf-8", "GB18030"),          # GBK declared as UTF-8
    ("utf-8", "gbk", "body is UTF-8"),    # UTF-8 declared as GBK
])
def test_a_wrongly_declared_encoding_is_read_as_chinese_and_the_mismatch_is_shown(httpserver, poller, encoding, declare, shown):
    body = FakeFeed().item(1, title="太谷区停水通知").rss(encoding=encoding, declare=declare)
    poller.add(url=serve(httpserver, "/wrong", body, content_type="application/xml"))
    poller.poll()
    assert poller.items()[0].title == "太谷区停水通知"
    source = poller.source()
    assert source.last_status == "partial" and shown in source.last_error


def test_a_feed_without_any_encoding_declaration_is_still_read(httpserver, poller):
    body = FakeFeed().item(1, title="平遥古城停暖").rss(encoding="gb18030", declare=None)
    poller.add(url=serve(httpserver, "/noenc", body, content_type="text/xml"))
    poller.poll()
    assert poller.items()[0].title == "平遥古城停暖"


def test_a_charset_in_the_http_header_is_honoured(httpserver, poller):
    body = FakeFeed(title="臺灣新聞").item(1, title="臺北停水", description="自來水公司搶修").rss(encoding="big5", declare=None)
    poller.add(url=serve(httpserver, "/big5", body, content_type="application/rss+xml; charset=big5"))
    poller.poll()
    item = poller.items()[0]
    assert item.title == "台北停水" and item.original_title == "臺北停水"


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """200 MB of zeros, gzip-compressed to ~200 KB."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [z.compress(block) for _ in range(200)]
    parts.append(z.flush())
    return b"".join(parts)


def test_a_gzip_bomb_is_cut_at_the_size_cap(httpserver, poller, gzip_bomb):
    httpserver.expect_request("/bomb").respond_with_data(gzip_bomb, content_type=RSS, headers={"Content-Encoding": "gzip"})
    poller.add(url=httpserver.url_for("/bomb"))
    poller.poll()
    source = poller.source()
    assert source.last_status == "too_large"
    assert "10,485,760" in source.last_error


def test_a_gzip_encoded_feed_is_read(httpserver, poller):
    body = gzip.compress(FakeFeed().item(1).item(2).rss())
    httpserver.expect_request("/gz").respond_with_data(body, content_type=RSS, headers={"Content-Encoding": "gzip"})
    poller.add(url=httpserver.url_for("/gz"))
    poller.poll()
    assert len(poller.items()) == 2


def test_a_100_mb_body_is_cut_while_streaming(httpserver, poller):
    sent = {"bytes": 0}

    def body():
        yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>'
        chunk = b"<!-- " + b"x" * 65_000 + b" -->"
        while sent["bytes"] < 100 * 1024 * 1024:
            sent["bytes"] += len(chunk)
            yield chunk

    httpserver.expect_request("/huge").respond_with_handler(lambda request: Response(body(), content_type=RSS))
    poller.add(url=httpserver.url_for("/huge"))
    poller.poll()
    assert poller.source().last_status == "too_large"
    # The client hung up long before the server had produced 100 MB.
    assert sent["bytes"] < 60 * 1024 * 1024


def test_items_without_title_or_link_are_kept_and_empty_ones_rejected(httpserver, poller):
    feed = (FakeFeed().item(1, title=None, description="太谷区停水，居民反映强烈")
            .item(2, link=None).item(3, title=None, description=None, guid="empty"))
    poller.add(url=serve(httpserver, "/gaps", feed.rss()))
    poller.poll()
    items = {i.external_id: i for i in poller.items()}
    assert items["item-1"].title.startswith("太谷区停水")
    assert items["item-2"].url is None
    assert "empty" not in items
    source = poller.source()
    assert source.last_status == "partial" and "'empty'" in source.last_error


def test_duplicate_ids_are_stored_once(httpserver, poller):
    feed = FakeFeed().item(1).item(2, guid="item-1", title="同一编号的另一条").item(3)
    poller.add(url=serve(httpserver, "/dups", feed.rss()), interval="1m")
    poller.poll()
    assert [i.external_id for i in poller.items()] == ["item-1", "item-3"]
    assert "repeat an id" in poller.source().last_error
    report = poller.poll(advance=timedelta(minutes=2))
    assert report.new_items == 0 and len(poller.items()) == 2


def test_far_future_and_far_past_times_are_clamped_or_dropped(httpserver, poller, clock):
    feed = (FakeFeed().item(1, pub_date="Sat, 01 Jan 2099 00:00:00 +0800")
            .item(2, pub_date="Thu, 01 Jan 1970 00:00:00 GMT").item(3, pub_date="明天上午"))
    poller.add(url=serve(httpserver, "/times", feed.rss()))
    poller.poll()
    items = {i.external_id: i for i in poller.items()}
    assert items["item-1"].published_at == clock.now()
    assert items["item-2"].published_at is None
    assert items["item-3"].published_at is None
    assert "future" in poller.source().last_error


def test_hostile_markup_in_titles_never_reaches_the_stored_title(httpserver, poller):
    hostile = '<script>alert(1)</script>太谷<img src=x onerror="alert(2)">停水<iframe src="//evil"></iframe>'
    feed = FakeFeed().item(1, title=hostile, description='<a href="javascript:alert(3)">正文</a>')
    poller.add(url=serve(httpserver, "/xss", feed.rss()))
    poller.poll()
    item = poller.items()[0]
    assert item.title == "太谷停水"
    assert item.text == "正文"
    assert "<" not in item.title + item.text


def test_a_json_feed_is_read(httpserver, poller):
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "j1", "title": "太谷停暖", "content_html": "<p>居民<b>投诉</b></p>", "url": "https://j.example.org/1",
         "date_published": "2026-11-20T08:00:00+08:00", "authors": [{"name": "记者甲"}]},
        "not an object",
    ]}
    poller.add(url=serve(httpserver, "/feed.json", json.dumps(doc, ensure_ascii=False).encode(), content_type="application/feed+json"))
    poller.poll()
    item = poller.items()[0]
    assert (item.title, item.text, item.author) == ("太谷停暖", "居民投诉", "记者甲")
    assert "not JSON objects" in poller.source().last_error


def test_conditional_get_turns_an_unchanged_feed_into_not_modified(httpserver, poller):
    body = FakeFeed().item(1).rss()
    httpserver.expect_request("/cond", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    httpserver.expect_request("/cond").respond_with_data(body, content_type=RSS, headers={"ETag": '"v1"'})
    poller.add(url=httpserver.url_for("/cond"), interval="1m")
    poller.poll()
    assert poller.source().etag == '"v1"'
    report = poller.poll(advance=timedelta(minutes=2))
    assert report.not_modified == 1
    assert poller.source().last_status == "not_modified"


def test_more_than_five_redirects_is_an_error(httpserver, poller):
    for n in range(7):
        httpserver.expect_request(f"/r{n}").respond_with_data("", status=302, headers={"Location": f"/r{n + 1}"})
    poller.add(url=httpserver.url_for("/r0"))
    poller.poll()
    assert poller.source().last_status == "too_many_redirects"


def test_a_server_that_does_not_answer_in_time_is_a_timeout(httpserver, poller):
    def slow(request):
        time.sleep(2.5)   # the test server's thread, not domain code
        return Response(FakeFeed().item(1).rss(), content_type=RSS)

    httpserver.expect_request("/slow").respond_with_handler(slow)
    poller.settings.monitor = MonitorConfig(read_timeout=timedelta(seconds=1), connect_timeout=timedelta(seconds=1))
    poller.add(url=httpserver.url_for("/slow"))
    poller.poll()
    assert poller.source().last_status == "timeout"


def test_failures_back_off_exponentially_and_success_resets(httpserver, poller, clock):
    httpserver.expect_request("/flaky").respond_with_data("gone", status=404)
    poller.add(url=httpserver.url_for("/flaky"), interval="1m")
    waits = []
    for _ in range(3):
        poller.poll()
        source = poller.source()
        waits.append(source.next_poll_at - clock.now())
        clock.set(source.next_poll_at)
    assert poller.source().last_status == "http_404" and poller.source().consecutive_failures == 3
    assert [round(w / timedelta(minutes=1)) for w in waits] == [1, 2, 4]
    httpserver.clear()
    serve(httpserver, "/flaky", FakeFeed().item(1).rss())
    poller.poll()
    assert poller.source().consecutive_failures == 0 and poller.source().last_status == "ok"


def test_raw_markup_elements_inside_titles_are_reduced_to_text(httpserver, poller):
    feed = FakeFeed().item(1, title="太谷<script>alert(1)</script><b>停水</b>", description="正文")
    poller.add(url=serve(httpserver, "/raw", feed.rss(raw_titles=True)))
    poller.poll()
    assert poller.items()[0].title == "太谷停水"


def test_atom_and_rss_1_0_feeds_are_read(httpserver, poller):
    atom = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
            '<entry><id>tag:a,2026:1</id><title type="html">&lt;b&gt;平遥&lt;/b&gt;停暖</title>'
            '<link rel="alternate" href="https://a.example/1"/><updated>2026-11-20T08:00:00+08:00</updated>'
            '<content type="html">&lt;p&gt;居民投诉&lt;/p&gt;</content><author><name>甲</name></author></entry></feed>')
    rdf = ('<?xml version="1.0" encoding="utf-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://r.example/">'
           '<title>R</title><link>https://r.example/</link><description>d</description></channel>'
           '<item rdf:about="https://r.example/1"><title>太谷停水</title><link>https://r.example/1</link>'
           '<description>正文</description><dc:date>2026-11-20T07:00:00+08:00</dc:date></item></rdf:RDF>')
    poller.add("atom", url=serve(httpserver, "/atom", atom.encode(), content_type="application/atom+xml"))
    poller.add("rdf", url=serve(httpserver, "/rdf", rdf.encode(), content_type="application/rdf+xml"))
    poller.poll()
    a, r = poller.items("atom")[0], poller.items("rdf")[0]
    assert (a.external_id, a.title, a.text, a.url, a.author) == ("tag:a,2026:1", "平遥停暖", "居民投诉", "https://a.example/1", "甲")
    assert a.published_at.isoformat() == "2026-11-20T00:00:00+00:00"
    assert (r.title, r.url) == ("太谷停水", "https://r.example/1")
    assert r.published_at.isoformat() == "2026-11-19T23:00:00+00:00"


def test_an_entity_expansion_bomb_is_not_expanded(httpserver, poller):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    doc = (f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel><title>t</title>'
           '<item><title>&lol9;</title><guid>bomb</guid></item><item><title>太谷停水</title><guid>ok</guid></item></channel></rss>')
    poller.add(url=serve(httpserver, "/lol", doc.encode(), content_type="application/xml"))
    poller.poll()
    items = {i.external_id: i for i in poller.items()}
    assert items["ok"].title == "太谷停水"
    assert all(len(i.title) < 100 for i in items.values())
    assert "amplification" in poller.source().last_error
