"""Server-side SVG charts for the dashboard: no JavaScript, no chart library, no CDN.

Each function returns an ``<svg>`` element as Markup, with every label escaped, a ``<title>``
per mark (the value on hover and for screen readers) and presentation attributes only (the
CSP forbids inline ``style``).
"""
from __future__ import annotations

import textwrap

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 180, 28
COLORS = {"approved": "#1e7b34", "pending": "#c98a00", "rejected": "#b00020", "spam": "#555555",
          "deleted": "#9a9a9a", "1": "#b00020", "2": "#d9622b", "3": "#c98a00", "4": "#6a9a2a",
          "5": "#1e7b34"}
# hbars: the label column ends where the bars start (x=230); at font-size 11 about 36
# characters of Vietnamese text fit in it (Chromium: about 5.8 units a character), so longer
# names wrap onto lines LINE_H apart.
LABEL_CHARS, LINE_H = 36, 13


def _svg(body: list[str], label: str, height: int = HEIGHT) -> Markup:
    return Markup(f'<svg class="chart" role="img" aria-label="{escape(label)}" '
                  f'viewBox="0 0 {WIDTH} {height}" width="100%" '
                  f'xmlns="http://www.w3.org/2000/svg">{"".join(body)}</svg>')


def _axis(labels: list[str], every: int = 2) -> list[str]:
    step = (WIDTH - 2 * PAD) / max(1, len(labels))
    return [f'<text x="{PAD + step * (i + .5):.1f}" y="{HEIGHT - 6}" font-size="10" '
            f'text-anchor="middle" fill="#555">{escape(t)}</text>'
            for i, t in enumerate(labels) if i % every == 0 or i == len(labels) - 1]


def line_chart(values: list[float], labels: list[str], label: str, unit: str = "") -> Markup:
    """A polyline of ``values`` (one per label) with its maximum marked on the axis."""
    top = max(values, default=0) or 1
    step = (WIDTH - 2 * PAD) / max(1, len(values))
    points = [(PAD + step * (i + .5), HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD))
              for i, v in enumerate(values)]
    body = [f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
            f'stroke="#bbb"/>',
            f'<text x="{PAD}" y="12" font-size="10" fill="#555">max {top:g}{escape(unit)}</text>',
            '<polyline fill="none" stroke="#1a5fb4" stroke-width="2" points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>']
    body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1a5fb4"><title>'
             f'{escape(labels[i])}: {values[i]:g}{escape(unit)}</title></circle>'
             for i, (x, y) in enumerate(points)]
    return _svg(body + _axis(labels), label)


def stacked_bars(labels: list[str], series: dict[str, list[int]], names: dict[str, str],
                 label: str) -> Markup:
    """One bar per label, stacked by series (colours from :data:`COLORS`)."""
    totals = [sum(s[i] for s in series.values()) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    step = (WIDTH - 2 * PAD) / max(1, len(labels))
    body = [f'<text x="{PAD}" y="12" font-size="10" fill="#555">max {top}</text>']
    for i, day in enumerate(labels):
        y = HEIGHT - PAD
        for key, values in series.items():
            h = values[i] / top * (HEIGHT - 2 * PAD)
            if values[i]:
                y -= h
                body.append(f'<rect x="{PAD + step * i + 2:.1f}" y="{y:.1f}" '
                            f'width="{max(1.0, step - 4):.1f}" height="{h:.1f}" '
                            f'fill="{COLORS.get(key, "#888")}"><title>{escape(day)} · '
                            f'{escape(names.get(key, key))}: {values[i]}</title></rect>')
    return _svg(body + _axis(labels), label)


def _label_lines(name: str) -> list[str]:
    """``name`` broken at spaces into lines that fit the label column (SVG text does not wrap)."""
    return textwrap.wrap(name, LABEL_CHARS, break_long_words=True) or [""]


def hbars(rows: list[tuple[str, float, str]], label: str, maximum: float | None = None,
          color: str = "#1a5fb4") -> Markup:
    """Horizontal bars: ``(name, value, text shown after the bar)`` per row; a long name wraps
    onto as many lines as it needs left of its bar, never cut."""
    top = maximum or max((v for _, v, _ in rows), default=0) or 1
    body, y = [], 4
    for name, value, text in rows:
        lines = _label_lines(name)
        row_h = max(22, LINE_H * len(lines) + 9)
        mid = y + row_h / 2  # the bar and its text sit level with the middle of the label
        w = value / top * (WIDTH - 330)
        spans = "".join(f'<tspan x="0" y="{mid + 4 + LINE_H * (i - (len(lines) - 1) / 2):.1f}">'
                        f'{escape(line)}</tspan>' for i, line in enumerate(lines))
        body.append(f'<text class="label" font-size="11" fill="#222">{spans}</text>'
                    f'<rect x="230" y="{mid - 7:.1f}" width="{w:.1f}" height="14" fill="{color}">'
                    f'<title>{escape(name)}: {escape(text)}</title></rect>'
                    f'<text x="{236 + w:.1f}" y="{mid + 4:.1f}" font-size="11" fill="#222">'
                    f'{escape(text)}</text>')
        y += row_h
    return _svg(body, label, max(22, y - 4) + 8)
