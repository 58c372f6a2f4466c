"""Bar charts drawn on the server as inline SVG: no script, no library, nothing fetched. Each chart is an
image with a text alternative; the numbers themselves are always in a table beside it."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.admin.pages import Html, el

WIDTH, HEIGHT = 640, 240
TOP, BOTTOM, SIDE = 24, 34, 12  # room for the value above a bar, the label under it, and the edges


@dataclass(frozen=True)
class Bar:
    """One bar: its label under it, its height's value, and the text shown above it (empty: none)."""

    label: str
    value: float
    shown: str


def _bar(bar: Bar, x: float, width: float, scale: float, base: float) -> Html:
    height = bar.value * scale
    centre = x + width / 2
    parts = [
        el("rect", x=f"{x:.1f}", y=f"{base - height:.1f}", width=f"{width:.1f}", height=f"{height:.1f}",
           rx="3", class_="bar"),  # fmt: skip
        el("text", bar.label, x=f"{centre:.1f}", y=str(HEIGHT - BOTTOM + 20), text_anchor="middle",
           class_="label"),  # fmt: skip
    ]
    if bar.shown:
        parts.append(
            el("text", bar.shown, x=f"{centre:.1f}", y=f"{base - height - 6:.1f}", text_anchor="middle",
               class_="value")  # fmt: skip
        )
    return el("g", *parts)


def bar_chart(title: str, bars: list[Bar], top: float, rtl: bool = False) -> Html:
    """Bars from 0 to `top`, in order (right to left when `rtl`, as an Arabic reader reads a row)."""
    base = HEIGHT - BOTTOM
    scale = (base - TOP) / top if top > 0 else 0
    ordered = list(reversed(bars)) if rtl else bars
    slot = (WIDTH - 2 * SIDE) / max(len(ordered), 1)
    width = slot * 0.6
    drawn = [
        _bar(bar, SIDE + i * slot + (slot - width) / 2, width, scale, base) for i, bar in enumerate(ordered)
    ]
    axis = el("line", x1=str(SIDE), y1=str(base), x2=str(WIDTH - SIDE), y2=str(base), class_="axis")
    return el(
        "svg",
        el("title", title),
        axis,
        *drawn,
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {WIDTH} {HEIGHT}",
        role="img",
        aria_label=title,
        class_="chart",
        direction="ltr",
    )
