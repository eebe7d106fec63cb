"""Search sources: one request per keyword scheme, JSON mapped by field paths, or a feed answer."""

from __future__ import annotations

import json
from datetime import timedelta

from werkzeug import Response

from monitor.config import SchemeConfig
from monitor.sources.search import scheme_query

from .feeds import FakeFeed


def json_endpoint(httpserver, seen):
    def handler(request):
        seen.append(dict(request.args))
        results = [
            {"docId": f"d-{len(seen)}-1", "title": "太谷区停水", "content": "<p>居民反映</p>", "link": "https://s.example/1",
             "pubTime": "2026-11-20 08:00", "siteName": "某论坛", "stats": {"read": 1200}},
            {"docId": f"d-{len(seen)}-2", "title": f"无关的内容{len(seen)}", "content": "本地新闻", "stats": {"read": "n/a"}},
            "garbage",
        ]
        return Response(json.dumps({"data": {"results": results}}, ensure_ascii=False), content_type="application/json")

    httpserver.expect_request("/api").respond_with_handler(handler)
    return httpserver.url_for("/api") + "?q={query}&since={since}"


def test_it_queries_once_per_scheme_and_maps_json_fields(httpserver, poller, clock):
    seen = []
    poller.settings.schemes = [SchemeConfig(name="停水", expression="(太谷|平遥)+停水"), SchemeConfig(name="欠薪", subjects=["欠薪", "讨薪"])]
    poller.add(kind="search", url=json_endpoint(httpserver, seen), interval="10m", items_path="data.results",
               fields={"id": "docId", "title": "title", "text": "content", "url": "link", "published": "pubTime",
                       "site": "siteName", "views": "stats.read"})
    poller.poll()
    assert [s["q"] for s in seen] == ["(太谷|平遥)+停水", "(欠薪|讨薪)"]
    assert seen[0]["since"] == ""
    items = {i.external_id: i for i in poller.items()}
    first = items["d-1-1"]
    assert (first.title, first.text, first.site, first.metrics) == ("太谷区停水", "居民反映", "某论坛", {"views": 1200})
    # Found by the endpoint for a scheme: counted as matching it even without the words.
    assert items["d-2-2"].matched_schemes == ["欠薪"]
    assert "not JSON objects" in poller.source().last_error
    poller.poll(advance=timedelta(minutes=11))
    assert seen[-1]["since"].startswith("2026-11-20T01:00:00")


def test_a_source_limited_to_some_schemes_queries_only_those(httpserver, poller):
    seen = []
    poller.settings.schemes = [SchemeConfig(name="停水", expression="停水"), SchemeConfig(name="欠薪", expression="欠薪")]
    poller.add(kind="search", url=json_endpoint(httpserver, seen), schemes=["欠薪"], items_path="data.results",
               fields={"id": "docId", "title": "title"})
    poller.poll()
    assert [s["q"] for s in seen] == ["欠薪"]


def test_a_search_answering_with_a_feed_is_read_as_one(httpserver, poller):
    httpserver.expect_request("/rss").respond_with_data(FakeFeed().item(1, title="平遥停暖").rss(), content_type="application/rss+xml")
    poller.add(kind="search", url=httpserver.url_for("/rss") + "?q={query}")
    poller.poll()
    assert [i.title for i in poller.items()] == ["平遥停暖"]


def test_one_failing_scheme_query_is_a_warning_while_another_succeeds(httpserver, poller):
    def handler(request):
        if request.args["q"] == "停水":
            return Response("boom", status=500)
        return Response(FakeFeed().item(1, title="欠薪讨薪").rss(), content_type="application/rss+xml")

    httpserver.expect_request("/mixed").respond_with_handler(handler)
    poller.settings.schemes = [SchemeConfig(name="停水", expression="停水"), SchemeConfig(name="欠薪", expression="欠薪")]
    poller.add(kind="search", url=httpserver.url_for("/mixed") + "?q={query}")
    poller.poll()
    source = poller.source()
    assert source.last_status == "partial" and "http_500" not in source.last_error and "HTTP 500" in source.last_error
    assert len(poller.items()) == 1


def test_the_query_of_a_scheme_with_word_lists_is_in_the_scheme_language():
    scheme = SchemeConfig(name="x", expression="晋中", regions=["太谷", "平遥"], subjects=["停水"], exclusions=["演练", "测试"])
    assert scheme_query(scheme) == "(晋中)+(太谷|平遥)+(停水)-(演练|测试)"
