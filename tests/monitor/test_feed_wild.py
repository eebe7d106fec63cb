"""Feeds as they are in the wild (issue 17): one test per defect, each on both parsing paths where both apply.

The feedparser path is forced by breaking the XML after the last item (`_broken`):
feedparser's loose parser still recovers every item, the fast path refuses it.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import Session, select

from monitor.entries import RawEntry, normalise_entry
from monitor.errors import FeedError
from monitor.ingest import expand_targets, ingest_targets
from monitor.models import Item, Source
from monitor.normalize import parse_published
from monitor.sources import parse_document
from monitor.sources._fastxml import parse_fast
from yuqing.config import load_config

CONFIG = str(Path(__file__).resolve().parents[2] / "config.toml")
NOW = datetime(2026, 11, 20, 5, 0, tzinfo=timezone.utc)
URL = "https://news.example.org/feeds/rss.xml"

MRSS = "http://search.yahoo.com/mrss/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
ATOM = "http://www.w3.org/2005/Atom"


def rss(items: str, *, namespaces: str = "", site: str = "晋中新闻") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"{namespaces}><channel><title>{site}</title>'
            f"{items}</channel></rss>")


def _broken(doc: str) -> str:
    """`doc` made malformed after its items, so that only feedparser reads it."""
    end = doc.rindex("</channel>") if "</channel>" in doc else doc.rindex("</feed>")
    return doc[:end] + "<broken & </channel></rss>"


def both(doc: str, **kwargs) -> list:
    """Return the normalised items of `doc` by the fast path and by feedparser; assert the fast path took it."""
    body = doc.encode("utf-8")
    assert parse_fast(body, kwargs.get("url")) is not None, "the fast path should read this document"
    fast = parse_document(body, **kwargs)
    slow = parse_document(_broken(doc).encode("utf-8"), **kwargs)
    assert any("malformed XML" in w for w in slow.warnings)
    return [[normalise_entry(e, now=NOW) for e in d.entries] for d in (fast, slow)]


def via_feedparser(doc: str, **kwargs) -> list:
    """Return the normalised items of `doc`, which the fast path must hand to feedparser."""
    body = doc.encode("utf-8")
    assert parse_fast(body, kwargs.get("url")) is None, "the fast path must leave this document to feedparser"
    return [normalise_entry(e, now=NOW) for e in parse_document(body, **kwargs).entries]


def _ingest(engine, targets):
    return asyncio.run(ingest_targets(engine, NOW, [str(t) for t in targets], settings=load_config(CONFIG, environ={})))


GOOD = rss("<item><guid>g1</guid><title>太原市迎泽区明日停水通知</title><description>正文</description></item>").encode()


# 1 -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,reason", [
    (codecs.BOM_UTF8, "empty"),
    (codecs.BOM_UTF16_LE, "empty"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "nested too deeply"),
])
def test_a_document_that_breaks_a_parser_is_a_parse_error_of_that_document(body, reason):
    with pytest.raises(FeedError) as caught:
        parse_document(body)
    assert caught.value.status == "parse_error" and reason in str(caught.value)


def test_a_crashing_document_costs_ingest_only_itself_and_is_recorded_on_its_source(tmp_path, engine):
    (tmp_path / "a_bom_only.xml").write_bytes(codecs.BOM_UTF8)
    (tmp_path / "b_deep.json").write_bytes(b"[" * 100_000)
    (tmp_path / "c_good.xml").write_bytes(GOOD)
    report = _ingest(engine, [tmp_path])
    assert report.items == 1 and len(report.errors) == 2
    with Session(engine) as session:
        rows = {r.name.rsplit("/", 1)[-1]: r for r in session.scalars(select(Source))}
        assert rows["a_bom_only.xml"].last_status == rows["b_deep.json"].last_status == "parse_error"
        assert "nested too deeply" in rows["b_deep.json"].last_error
        assert rows["c_good.xml"].last_status == "ok"


def test_a_folder_source_with_a_crashing_file_still_reads_the_others(tmp_path, poller):
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "a.json").write_bytes(b"[" * 100_000)
    (folder / "b.xml").write_bytes(GOOD)
    poller.add(kind="file", path=str(folder))
    poller.poll()
    source = poller.source()
    assert source.last_status == "partial" and "a.json" in source.last_error
    assert [i.title for i in poller.items()] == ["太原市迎泽区明日停水通知"]


# 2 -----------------------------------------------------------------------------------------------

TRADITIONAL = rss("".join(
    f"<item><guid>t{n}</guid><title>《11月的蕭邦》周杰倫第{n}張專輯</title>"
    f"<description>這張專輯收錄了十二首歌曲，臺灣與香港的樂迷反應熱烈。發行當週即登上銷售排行榜冠軍。</description></item>"
    for n in range(3)), site="News")


@pytest.mark.parametrize("label", [None, "gb2312", "utf-8"])
def test_big5_undeclared_or_mislabelled_is_read_as_big5(label):
    doc = TRADITIONAL.replace('encoding="utf-8"', f'encoding="{label}"' if label else "")
    body = doc.encode("big5")
    parsed = parse_document(body)
    titles = [normalise_entry(e, now=NOW).original_title for e in parsed.entries]
    assert titles == [f"《11月的蕭邦》周杰倫第{n}張專輯" for n in range(3)]
    assert parsed.warnings and "CP950" in parsed.warnings[0]


def test_gb18030_undeclared_stays_gb18030():
    doc = rss("<item><guid>s1</guid><title>太原市迎泽区部分小区明日停水，请居民提前储水</title>"
              "<description>供水公司将于明日上午八时起对管网进行检修，预计停水十二小时。</description></item>")
    parsed = parse_document(doc.replace(' encoding="utf-8"', "").encode("gb18030"))
    assert parsed.entries[0].title == "太原市迎泽区部分小区明日停水，请居民提前储水"


def test_text_that_still_looks_garbled_is_marked_on_the_source(httpserver, poller):
    # Declared GB2312, with bytes that are neither GB18030 nor Big5 in the title: replaced, and said so.
    body = rss("<item><guid>p1</guid><title>通知XX</title></item>").replace("utf-8", "gb2312").encode("gb18030")
    body = body.replace(b"XX", b"\xff\xff")
    httpserver.expect_request("/gb.xml").respond_with_data(body, content_type="application/rss+xml")
    poller.add(url=httpserver.url_for("/gb.xml"))
    poller.poll()
    source = poller.source()
    assert source.last_status == "partial" and "may be garbled" in source.last_error
    assert len(poller.items()) == 1


# 3 -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("label,codec,text", [
    ("big5", "cp950", "價格上漲10€，民眾反映強烈"),             # € is CP950, not Big5
    ("shift_jis", "cp932", "①東京都の停電について"),              # ① is CP932 (NEC), not Shift_JIS
    ("euc-kr", "cp949", "똠방각하 서울 정전 안내"),                # 똠 is CP949 (UHC), not EUC-KR
    ("tis-620", "cp874", "“ประกาศ” งดจ่ายน้ำประปา"),               # the quotes are CP874, not TIS-620
    ("gb2312", "gb18030", "镕基同志在太原考察"),                     # 镕 is GBK, not GB2312
])
def test_a_declared_charset_is_read_as_its_superset(label, codec, text):
    body = rss(f"<item><guid>x</guid><title>{text}</title></item>", site="News").replace("utf-8", label).encode(codec)
    parsed = parse_document(body)
    assert parsed.entries[0].title == text and parsed.warnings == []


def test_one_stray_byte_in_a_declared_charset_costs_only_that_character():
    doc = rss("".join(f"<item><guid>b{n}</guid><title>臺北市停電通知第{n}號</title></item>" for n in range(3)), site="News").replace("utf-8", "big5")
    # A4 80 is no Big5 character, but GB18030 reads it (and so the whole document): it must stay one bad character.
    body = doc.encode("cp950").replace("第1號".encode("cp950"), "第".encode("cp950") + b"\xa4\x80" + "號".encode("cp950"))
    parsed = parse_document(body)
    titles = [e.title for e in parsed.entries]
    assert titles[0] == "臺北市停電通知第0號" and titles[2] == "臺北市停電通知第2號"
    assert titles[1].replace("\ufffd", "") == "臺北市停電通知第號" and "\ufffd" in titles[1]
    assert "undecodable bytes" in parsed.warnings[0]


# 4 -----------------------------------------------------------------------------------------------

YOUTUBE = (f'<feed xmlns="{ATOM}" xmlns:media="{MRSS}"><title>频道</title><entry><id>yt:video:1</id>'
           '<title>太原市政府新闻发布会</title><link rel="alternate" href="https://www.example.com/watch?v=1"/>'
           '<published>2026-11-20T08:00:00+08:00</published><media:group><media:title>太原市政府新闻发布会</media:title>'
           '<media:description>发布会介绍了冬季供暖保障措施。</media:description></media:group></entry></feed>')


@pytest.mark.parametrize("doc,field,expected", [
    (YOUTUBE, "text", "发布会介绍了冬季供暖保障措施。"),
    (rss(f"<item><guid>i1</guid><title>播客</title><itunes:summary>本期讨论停水问题。</itunes:summary></item>",
         namespaces=f' xmlns:itunes="{ITUNES}"'), "text", "本期讨论停水问题。"),
    (rss(f"<item><guid>d1</guid><dc:title>只有都柏林核心标题</dc:title></item>", namespaces=f' xmlns:dc="{DC}"'),
     "title", "只有都柏林核心标题"),
    (rss(f"<item><guid>d2</guid><title>标题</title><dc:description>都柏林核心摘要</dc:description></item>",
         namespaces=f' xmlns:dc="{DC}"'), "text", "都柏林核心摘要"),
    (rss(f'<item><guid isPermaLink="false">a1</guid><title>标题</title><atom:link href="https://news.example.org/a1.html"/></item>',
         namespaces=f' xmlns:atom="{ATOM}"'), "url", "https://news.example.org/a1.html"),
    (rss(f"<item><guid>a2</guid><title>标题</title><atom:published>2026-11-20T08:00:00+08:00</atom:published></item>",
         namespaces=f' xmlns:atom="{ATOM}"'), "published_at", datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)),
    (rss(f"<item><guid>a3</guid><title>标题</title><dcterms:modified>2026-11-20T08:00:00+08:00</dcterms:modified></item>",
         namespaces=f' xmlns:dcterms="{DCTERMS}"'), "published_at", datetime(2026, 11, 20, 0, 0, tzinfo=timezone.utc)),
    (rss('<item><guid>x1</guid><title>标题</title><body xmlns="http://www.w3.org/1999/xhtml"><p>XHTML 正文</p></body></item>'),
     "text", "XHTML 正文"),
])
def test_elements_the_fast_path_does_not_read_go_to_feedparser(doc, field, expected):
    items = via_feedparser(doc)
    assert len(items) == 1 and getattr(items[0], field) == expected


def test_the_fast_path_and_feedparser_store_equal_items_for_what_the_fast_path_reads():
    doc = rss(f'<item><guid>e1</guid><title>太原&amp;晋中</title><link>https://news.example.org/e1.html</link>'
              f'<pubDate>Fri, 20 Nov 2026 08:30:00 +0800</pubDate><dc:creator>记者甲</dc:creator>'
              f'<description>&lt;p&gt;正文&lt;b&gt;停水&lt;/b&gt;&lt;/p&gt;</description><category>民生</category></item>',
              namespaces=f' xmlns:dc="{DC}"')
    fast, slow = both(doc)
    assert fast == slow and fast[0].text == "正文停水" and fast[0].author == "记者甲"


def test_blogger_style_atom_takes_the_fast_path_and_equals_feedparser():
    doc = (f'<feed xmlns="{ATOM}" xmlns:thr="http://purl.org/syndication/thread/1.0" xmlns:media="{MRSS}">'
           '<title>博客</title><entry><id>tag:blog,1999:post-1</id><published>2026-11-20T08:00:00+08:00</published>'
           '<category scheme="http://www.blogger.com/atom/ns#" term="生活"/><title type="text">停水的一天</title>'
           '<content type="html">&lt;p&gt;今天小区停水。&lt;/p&gt;</content>'
           '<link rel="replies" type="text/html" href="https://blog.example.org/1#comments"/>'
           '<link rel="alternate" type="text/html" href="https://blog.example.org/2026/11/1.html"/>'
           '<author><name>博主</name><email>noreply@example.org</email></author>'
           '<media:thumbnail url="https://img.example.org/1.jpg" height="72" width="72"/><thr:total>3</thr:total></entry></feed>')
    fast, slow = both(doc)
    assert fast == slow
    assert (fast[0].title, fast[0].text, fast[0].url, fast[0].author) == (
        "停水的一天", "今天小区停水。", "https://blog.example.org/2026/11/1.html", "博主 (noreply@example.org)")    # as feedparser writes it


# 5 -----------------------------------------------------------------------------------------------

def test_items_after_the_channel_are_read():
    doc = ('<?xml version="1.0"?><rss version="2.0"><channel><title>晋中</title></channel>'
           + "".join(f"<item><guid>o{n}</guid><title>频道之外的第{n}条</title></item>" for n in range(9)) + "</rss>")
    items = [normalise_entry(e, now=NOW) for e in parse_document(doc.encode()).entries]
    assert [i.title for i in items] == [f"频道之外的第{n}条" for n in range(9)]


def test_an_atom_document_without_entries_goes_to_feedparser():
    doc = f'<feed xmlns="{ATOM}"><title>x</title><item><title>不是 entry 的条目</title></item></feed>'
    assert parse_fast(doc.encode()) is None


# 6 -----------------------------------------------------------------------------------------------

def test_relative_links_are_resolved_against_the_feed_url():
    doc = rss("<item><guid>r1</guid><title>相对链接</title><link>/news/1.html</link></item>"
              "<item><guid>r2</guid><title>相对链接二</title><link>2.html</link></item>")
    for items in both(doc, url=URL):
        assert [i.url for i in items] == ["https://news.example.org/news/1.html", "https://news.example.org/feeds/2.html"]


def test_relative_links_are_resolved_against_xml_base_first():
    doc = (f'<feed xmlns="{ATOM}" xml:base="https://blog.example.org/zh/"><title>博客</title>'
           '<entry><id>x1</id><title>第一篇</title><link href="posts/1.html"/></entry>'
           '<entry xml:base="/other/"><id>x2</id><title>第二篇</title><link href="2.html"/></entry></feed>')
    items = via_feedparser(doc, url=URL)        # one resolver of xml:base: feedparser's
    assert [i.url for i in items] == ["https://blog.example.org/zh/posts/1.html", "https://blog.example.org/other/2.html"]
    relative = doc.replace(' xml:base="https://blog.example.org/zh/"', ' xml:base="zh/"')
    assert via_feedparser(relative, url=URL)[0].url == "https://news.example.org/feeds/zh/posts/1.html"


def test_guids_are_kept_as_written_when_links_are_resolved():
    doc = rss("<item><guid>item-1</guid><title>标题</title><link>/a/1.html</link></item>"
              "<item><guid>abc123</guid><title>没有链接</title></item>")
    for items in both(doc, url=URL):
        assert [i.external_id for i in items] == ["item-1", "abc123"]
        assert [i.url for i in items] == ["https://news.example.org/a/1.html", None]     # a guid is no relative link


# 7 -----------------------------------------------------------------------------------------------

def test_an_atom_entry_takes_its_own_link_not_its_sources():
    doc = (f'<feed xmlns="{ATOM}"><title>星球</title><entry><id>p1</id><title>转载的文章</title>'
           '<source><id>blog</id><title>原博客</title><link rel="alternate" href="https://blog.example.org/"/></source>'
           '<link rel="alternate" href="https://blog.example.org/2026/11/post.html"/></entry></feed>')
    for items in both(doc):
        assert items[0].url == "https://blog.example.org/2026/11/post.html"


# 8 -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("codec,bom", [
    ("utf-32-le", codecs.BOM_UTF32_LE), ("utf-32-be", codecs.BOM_UTF32_BE), ("utf-32-le", b""), ("utf-32-be", b""),
    ("utf-16-le", b""), ("utf-16-be", b""),
])
def test_utf16_and_utf32_are_sniffed(codec, bom):
    doc = rss("<item><guid>u1</guid><title>太原市停水通知</title></item>").replace('encoding="utf-8"', 'encoding="utf-16"' if "16" in codec else "")
    parsed = parse_document(bom + doc.encode(codec))
    assert [e.title for e in parsed.entries] == ["太原市停水通知"] and parsed.warnings == []


# 9 -----------------------------------------------------------------------------------------------

def test_undeclared_latin1_is_read_as_windows_1252():
    doc = rss("<item><guid>l1</guid><title>Café à Paris – “déjà vu”</title>"
              "<description>Müller était là, où l'été brûle.</description></item>", site="News").replace(' encoding="utf-8"', "")
    parsed = parse_document(doc.encode("cp1252"))
    item = normalise_entry(parsed.entries[0], now=NOW)
    assert (item.title, item.text) == ("Café à Paris – “déjà vu”", "Müller était là, où l'été brûle.")


# 10 ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("title,expected", [
    ("History of the &lt;blink&gt; tag", "History of the <blink> tag"),
    ("&lt;/example&gt;", "</example>"),
    ("if a &lt; b then", "if a < b then"),
    ("&lt;b&gt;停水&lt;/b&gt;通知", "停水通知"),
    ("&lt;b&gt;&lt;/b&gt;", "<b></b>"),
])
def test_plain_text_titles_keep_their_angle_brackets_and_never_become_empty(title, expected):
    doc = rss(f"<item><guid>t1</guid><title>{title}</title><description>正文</description></item>")
    for items in both(doc):
        assert items[0].title == expected


def test_base64_content_is_decoded():
    payload = base64.b64encode("<p>太原市停水通知正文</p>".encode()).decode()
    doc = (f'<feed xmlns="{ATOM}"><title>x</title><entry><id>b1</id><title>标题</title>'
           f'<content type="application/octet-stream">{payload}</content></entry></feed>')
    assert via_feedparser(doc)[0].text == "太原市停水通知正文"


# 11 ----------------------------------------------------------------------------------------------

def test_two_locations_sharing_their_first_200_characters_are_two_sources(tmp_path, engine):
    folder = tmp_path / ("深" * 60 + "d" * 60)
    folder.mkdir()
    first, second = folder / ("f" * 100 + "1.xml"), folder / ("f" * 100 + "2.xml")
    first.write_bytes(GOOD)
    second.write_bytes(GOOD.replace(b"g1", b"g2").replace("停水".encode(), "停电".encode()))
    assert len(f"ingest:{first}") > 200 and str(first)[:200] == str(second)[:200]
    report = _ingest(engine, [first, second])
    assert report.items == 2 and report.new_items == 2 and not report.errors
    with Session(engine) as session:
        rows = list(session.scalars(select(Source)))
        assert len(rows) == 2 and len({r.name for r in rows}) == 2 and all(len(r.name) <= 200 for r in rows)
        assert {r.config["path"] for r in rows} == {str(first), str(second)}
        assert len(session.scalars(select(Item)).all()) == 2
    again = _ingest(engine, [first, second])         # the same rows are found again
    assert again.new_items == 0 and again.items == 2


def test_long_search_urls_sharing_their_first_200_characters_are_two_sources():
    base = "https://search.example.org/s?q=" + "太原市停水" * 40
    names = [name for name, _kind, _location in expand_targets([base + "&page=1", base + "&page=2"])]
    assert len(set(names)) == 2 and all(len(n) <= 200 for n in names)
    assert expand_targets(["https://news.example.org/rss.xml"])[0][0] == "ingest:https://news.example.org/rss.xml"


# 12 ----------------------------------------------------------------------------------------------

def test_site_and_author_are_reduced_to_text():
    item = normalise_entry(RawEntry(external_id="m1", title="标题", content="正文",
                                    author='<script>alert(1)</script><b>张三</b>',
                                    site='<img src=x onerror="alert(1)">晋中新闻 &amp; 网'), now=NOW)
    assert (item.author, item.site) == ("张三", "晋中新闻 & 网")
    assert normalise_entry(RawEntry(external_id="m2", title="标题", author="<script>x()</script>"), now=NOW).author is None


# 13 ----------------------------------------------------------------------------------------------

def test_c1_character_references_are_read_as_windows_1252():
    doc = rss("<item><guid>c1</guid><title>太原&#150;晋中 &#x93;停水&#x94; &#128;5</title></item>")
    for items in both(doc):
        assert items[0].title == "太原–晋中 “停水” €5"


@pytest.mark.parametrize("raw", ["Fri, 20 Nov 2026 08:30:00 CST", "2026-11-20 08:30:00 CST", "Fri Nov 20 08:30:00 CST 2026"])
def test_cst_is_china_standard_time(raw):
    value, note = parse_published(raw, None, now=NOW)
    assert value == datetime(2026, 11, 20, 0, 30, tzinfo=timezone.utc) and note is None
