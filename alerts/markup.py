"""Per-channel escaping of untrusted text (titles, body names, URLs that came from feeds).

Each channel speaks its own markup, so one template is rendered once per *flavour*:

- ``html``: email HTML part; Jinja2 autoescaping.
- ``markdown``: WeCom and DingTalk robots. Inline markdown specials are backslash-escaped,
  ``<``/``>`` become full-width so a feed cannot inject ``<font>`` tags or WeCom
  ``<@userid>`` mentions, and line breaks become spaces so it cannot start a heading.
- ``lark``: Feishu ``lark_md`` inside a card; specials become numeric character
  references, which lark_md decodes for display and never interprets as markup.
  The card itself is built as a dict and serialised with `json.dumps`.
- ``text``: plain text (email alternative part, WeCom ``text``, webhook JSON).

The helpers `bold` and `link` return `markupsafe.Markup`, which every flavour's
finalizer passes through unchanged; everything else printed by a template is escaped.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from markupsafe import Markup, escape

__all__ = ["FLAVOURS", "escape_for", "safe_url", "Helpers"]

FLAVOURS = ("html", "markdown", "lark", "text")

_MD_SPECIALS = re.compile(r"([\\`*_\[\]()#|~])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
_LARK_SPECIALS = {c: f"&#{ord(c)};" for c in "&<>*_~[]()#`\\|"}


def _markdown(text: str) -> str:
    text = _LINE_BREAKS.sub(" ", text)
    text = _MD_SPECIALS.sub(r"\\\1", text)
    return text.replace("<", "＜").replace(">", "＞")


def _lark(text: str) -> str:
    text = _LINE_BREAKS.sub(" ", text)
    return "".join(_LARK_SPECIALS.get(c, c) for c in text)


def _text(text: str) -> str:
    return _LINE_BREAKS.sub(" ", text)


def _html(text: str) -> str:
    # Line breaks too: the HTML part is shown with white-space: pre-line.
    return str(escape(_LINE_BREAKS.sub(" ", text)))


_ESCAPERS = {"html": _html, "markdown": _markdown, "lark": _lark, "text": _text}


def escape_for(flavour: str, value: object) -> str:
    """Return `value` as text that displays literally in `flavour` (Markup passes through)."""
    if isinstance(value, Markup):
        return str(value)
    return _ESCAPERS[flavour]("" if value is None else str(value))


def safe_url(url: object) -> str | None:
    """Return `url` percent-encoded for use inside markup, or None unless it is http(s).

    Why: an evidence link comes from a feed; ``javascript:`` or a ``)`` that closes a
    markdown link early must not survive into any channel.
    """
    text = str(url or "").strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(text, safe=":/?#@!$&'*+,;=%~-._")


class Helpers:
    """The markup helpers a template calls; one instance per flavour."""

    def __init__(self, flavour: str):
        self.flavour = flavour

    def bold(self, text: object) -> Markup:
        inner = escape_for(self.flavour, text)
        if self.flavour == "html":
            return Markup(f"<strong>{inner}</strong>")
        if self.flavour in ("markdown", "lark"):
            return Markup(f"**{inner}**")
        return Markup(inner)

    def link(self, text: object, url: object) -> Markup:
        """Return a link; an unsafe URL is shown as inert text instead."""
        href = safe_url(url)
        label = escape_for(self.flavour, text)
        if href is None:
            return Markup(label + escape_for(self.flavour, "（链接无效）"))
        if self.flavour == "html":
            return Markup(f'<a href="{escape(href)}">{label}</a>')
        if self.flavour == "markdown":
            return Markup(f"[{label}]({href.replace('(', '%28').replace(')', '%29')})")
        if self.flavour == "lark":
            return Markup(f"[{label}]({href.replace('(', '%28').replace(')', '%29')})")
        return Markup(href if str(text).strip() == str(url).strip() else f"{label} {href}")

    def export(self) -> dict:
        return {"bold": self.bold, "link": self.link, "flavour": self.flavour}
