"""A fake feed that emits deterministic items (STYLE.md 7, like RD tests/fakeparser.py).

    feed = FakeFeed("晋中新闻")
    feed.item(1, title="太谷区停水")
    body = feed.rss()            # bytes, UTF-8 unless encoding= is given
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape


@dataclass
class FakeItem:
    guid: str | None
    title: str | None
    description: str | None
    link: str | None
    pub_date: str | None


@dataclass
class FakeFeed:
    title: str = "测试订阅"
    items: list[FakeItem] = field(default_factory=list)

    def item(self, n: int | None, *, title: str | None = "", description: str | None = "", link: str | None = "",
             pub_date: str | None = "Fri, 20 Nov 2026 08:30:00 +0800", guid: str | None = "") -> "FakeFeed":
        """Add an item; "" means a default derived from `n`, None leaves the element out."""
        self.items.append(FakeItem(
            guid=f"item-{n}" if guid == "" else guid,
            title=f"测试条目{n}号：山西省某地召开工作会议部署冬季供暖" if title == "" else title,
            description=f"第{n}条正文。会议要求各部门做好保障工作，编号{n * 7919}。" if description == "" else description,
            link=f"https://news.example.org/a/{n}.html" if link == "" else link,
            pub_date=pub_date,
        ))
        return self

    def rss(self, *, encoding: str = "utf-8", declare: str | None = "", raw_titles: bool = False) -> bytes:
        """Return RSS 2.0 bytes in `encoding`, declaring `declare` ("" = the same, None = no declaration)."""
        declared = encoding if declare == "" else declare
        head = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
        parts = [head, '<rss version="2.0"><channel>', f"<title>{escape(self.title)}</title>"]
        for it in self.items:
            parts.append("<item>")
            if it.title is not None:
                parts.append(f"<title>{it.title if raw_titles else escape(it.title)}</title>")
            if it.link is not None:
                parts.append(f"<link>{escape(it.link)}</link>")
            if it.guid is not None:
                parts.append(f"<guid>{escape(it.guid)}</guid>")
            if it.pub_date is not None:
                parts.append(f"<pubDate>{escape(it.pub_date)}</pubDate>")
            if it.description is not None:
                parts.append(f"<description>{escape(it.description)}</description>")
            parts.append("</item>")
        parts.append("</channel></rss>")
        return "".join(parts).encode(encoding)
