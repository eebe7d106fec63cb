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

Line breaks have one definition, `LINE_BREAKS` (every character `str.splitlines`
breaks on): escaping flattens each of them in untrusted text, and the renderer
splits a rendered body with `split_lines` on exactly the same set. Before, the
escaper flattened only CR, LF, U+2028 and U+2029 while the renderer also split
on VT, FF, U+001C-U+001E and U+0085, so a feed's name could forge a line such as
"第一责任主体：…（已改派，无需回应）". Bidirectional overrides and isolates
(U+202A-U+202E, U+2066-U+2069) and other control characters are removed, so a
name cannot display reversed.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from markupsafe import Markup, escape

__all__ = ["FLAVOURS", "LINE_BREAKS", "escape_for", "split_lines", "safe_url", "Helpers"]

FLAVOURS = ("html", "markdown", "lark", "text")

_MD_SPECIALS = re.compile(r"([\\`*_\[\]()#|~])")
# Every character str.splitlines() breaks on; the one definition for escaping and for rendering.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAKS = re.compile(f"[{re.escape(LINE_BREAKS)}]+")
_SPLIT = re.compile(f"\r\n|[{re.escape(LINE_BREAKS)}]")
# Other C0/C1 controls and the bidi embeddings, overrides and isolates (and their marks): removed.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LARK_SPECIALS = {c: f"&#{ord(c)};" for c in "&<>*_~[]()#`\\|"}


def split_lines(text: str) -> list[str]:
    """Split a rendered body into lines on `LINE_BREAKS` (CRLF counts once), and on nothing else."""
    return _SPLIT.split(text)


def _flat(text: str) -> str:
    return _LINE_BREAKS.sub(" ", _INVISIBLE.sub("", text))


def _markdown(text: str) -> str:
    text = _flat(text)
    text = _MD_SPECIALS.sub(r"\\\1", text)
    return text.replace("<", "＜").replace(">", "＞")


def _lark(text: str) -> str:
    text = _flat(text)
    return "".join(_LARK_SPECIALS.get(c, c) for c in text)


def _text(text: str) -> str:
    return _flat(text)


def _html(text: str) -> str:
    # Line breaks too: the HTML part is shown with white-space: pre-line.
    return str(escape(_flat(text)))


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
