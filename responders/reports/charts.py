"""Server-side SVG charts of a report: on-time rate per body, cases over time, time to response.

Hand-written SVG, no library and no external service: three chart shapes are
a few dozen lines, print crisply on A4, and work in the mail, the web page and
the saved HTML file alike. Every text is escaped (body names and case titles
can come from feeds); the result is `Markup` ready to embed inline.
"""

from __future__ import annotations

from markupsafe import Markup, escape

__all__ = ["rate_bars", "count_columns", "histogram", "RESPONSE_BUCKETS"]

_FONT = 'font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif"'
_GOOD, _BAD, _NEUTRAL, _INK, _GRID = "#2e7d32", "#c62828", "#1565c0", "#222", "#ccc"
# Time-to-response buckets in hours: the 5 h, 24 h and 48 h deadlines are bucket edges (RULES.md T-1..T-3).
RESPONSE_BUCKETS = ((0, 1), (1, 5), (5, 12), (12, 24), (24, 48), (48, None))


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    t = escape(title)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" {_FONT} font-size="12">')
    return Markup(head + f"<title>{t}</title>" + "".join(body) + "</svg>")


def _text(x: float, y: float, s: object, *, anchor: str = "start", size: int = 12, fill: str = _INK) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">{escape(str(s))}</text>'


def rate_bars(rows: list[tuple[str, float | None]], *, title: str = "各单位按时回应率", width: int = 640) -> Markup:
    """Return horizontal bars, one per (label, rate in [0, 1] or None = nothing decided)."""
    label_w, bar_h, gap, top = 230, 18, 6, 28
    height = top + max(1, len(rows)) * (bar_h + gap) + 24
    span = width - label_w - 60
    out = [_text(0, 16, title, size=14)]
    for pct in (0, 50, 100):
        x = label_w + span * pct / 100
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="{_GRID}"/>')
        out.append(_text(x, height - 6, f"{pct}%", anchor="middle", size=10))
    if not rows:
        out.append(_text(label_w, top + 14, "本期无应判定的时限"))
    for i, (name, rate) in enumerate(rows):
        y = top + i * (bar_h + gap)
        short = name if len(name) <= 16 else name[:15] + "…"
        out.append(_text(label_w - 6, y + bar_h - 5, short, anchor="end"))
        if rate is None:
            out.append(_text(label_w + 4, y + bar_h - 5, "—", fill="#777"))
            continue
        w = max(1.0, span * rate)
        colour = _GOOD if rate >= 0.9 else (_NEUTRAL if rate >= 0.6 else _BAD)
        out.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
        out.append(_text(label_w + w + 4, y + bar_h - 5, f"{rate * 100:.0f}%"))
    return _svg(width, height, title, out)


def count_columns(rows: list[tuple[str, int]], *, title: str = "立案数走势", width: int = 640, height: int = 220) -> Markup:
    """Return vertical columns, one per (label, count), with the count above each column."""
    left, top, bottom = 30, 28, 36
    plot_h = height - top - bottom
    top_value = max([c for _, c in rows] + [1])
    step = (width - left - 10) / max(1, len(rows))
    out = [_text(0, 16, title, size=14),
           f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="{_INK}"/>']
    every = max(1, len(rows) // 12)
    for i, (name, count) in enumerate(rows):
        h = plot_h * count / top_value
        x = left + i * step + step * 0.15
        out.append(f'<rect x="{x:.1f}" y="{height - bottom - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="{_NEUTRAL}"/>')
        if count:
            out.append(_text(x + step * 0.35, height - bottom - h - 3, count, anchor="middle", size=10))
        if i % every == 0:
            out.append(_text(x + step * 0.35, height - bottom + 14, name, anchor="middle", size=10))
    return _svg(width, height, title, out)


def _bucket_label(lo: float, hi: float | None) -> str:
    return f"≥{lo:g}小时" if hi is None else f"{lo:g}–{hi:g}小时"


def histogram(hours: list[float] | tuple[float, ...], *, title: str = "回应用时分布", width: int = 640) -> Markup:
    """Return the distribution of time to response over `RESPONSE_BUCKETS` (a bucket holds lo <= h < hi)."""
    counts = [sum(1 for h in hours if h >= lo and (hi is None or h < hi)) for lo, hi in RESPONSE_BUCKETS]
    return count_columns([(_bucket_label(lo, hi), n) for (lo, hi), n in zip(RESPONSE_BUCKETS, counts)],
                         title=title, width=width)
