"""Fit message text into a receiver's size limit without breaking a character."""

from __future__ import annotations

__all__ = ["fit_bytes"]

_MORE = "\n……（内容过长，已截断，请打开案件页面查看全文）"


def fit_bytes(text: str, limit: int, *, tail: str = "") -> str:
    """Return `text` + `tail` cut so that its UTF-8 encoding has at most `limit` bytes.

    The tail (e.g. the @-mentions and the case link) always survives; the cut is
    marked so the reader knows to open the case page.
    """
    whole = text + tail
    if len(whole.encode("utf-8")) <= limit:
        return whole
    room = limit - len((_MORE + tail).encode("utf-8"))
    cut = text.encode("utf-8")[:max(room, 0)].decode("utf-8", errors="ignore")
    return cut + _MORE + tail
