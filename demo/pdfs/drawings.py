"""Drawings on the page: the red seal (公章) and the on-site photographs."""

from __future__ import annotations

import math
import random
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from demo.pdfs.style import GREY, RED, WIDTH, registered_font


def seal_drawing(org: str, label: str = "", size: float = 36 * mm) -> Any:
    """A round red seal: the organisation's name round the rim, a star, a label beneath."""
    font = registered_font()
    d = Drawing(size, size)
    c = size / 2
    r = size / 2 - 1.5
    d.add(Circle(c, c, r, strokeColor=RED, strokeWidth=2.4, fillColor=None))
    star: list[float] = []
    for k in range(10):
        radius = r * (0.24 if k % 2 == 0 else 0.095)
        angle = math.radians(90 + k * 36)
        star += [c + radius * math.cos(angle), c + radius * math.sin(angle)]
    d.add(Polygon(star, fillColor=RED, strokeColor=None))
    n = max(1, len(org))
    font_size = min(10.5, 2 * math.pi * r * 0.62 / n)
    span = min(250.0, max(150.0, 2.3 * n * font_size))
    ring = r - font_size - 1.2
    for i, ch in enumerate(org):
        deg = 90 + span / 2 - (span * i / (n - 1) if n > 1 else -span / 2)
        angle = math.radians(deg)
        x, y = c + ring * math.cos(angle), c + ring * math.sin(angle)
        rot = math.radians(deg - 90)
        g = Group(
            String(0, 0, ch, fontName=font, fontSize=font_size, fillColor=RED, textAnchor="middle")
        )
        g.transform = (math.cos(rot), math.sin(rot), -math.sin(rot), math.cos(rot), x, y)
        d.add(g)
    if label:
        d.add(
            String(
                c,
                c - r * 0.62,
                label,
                fontName=font,
                fontSize=min(7.5, 2 * r / len(label)),
                fillColor=RED,
                textAnchor="middle",
            )
        )
    return d


def _box(d: Any, x: float, y: float, w: float, h: float, fill: Any, line: float = 0.5) -> None:
    style: dict[str, Any] = {"fillColor": fill, "strokeColor": GREY if line else None}
    style["strokeWidth"] = line
    d.add(Rect(x, y, w, h, **style))


def photo(caption: str, stamp: str, seed: int, *, interior: bool = False) -> Any:
    """A placeholder photograph: a framed sketch (building or workshop) and a date stamp."""
    font = registered_font()
    rng = random.Random(seed)
    w, h = WIDTH, 88 * mm
    grey = colors.Color
    d = Drawing(w, h)
    _box(d, 0, 0, w, h, grey(0.86, 0.88, 0.9), 1)
    if interior:
        _box(d, 0, 0, w, h * 0.38, grey(0.62, 0.62, 0.6), 0)  # floor
        for k in range(5):  # ceiling lamps
            x = w * (0.1 + 0.2 * k)
            d.add(Line(x, h, x, h * 0.9, strokeColor=GREY, strokeWidth=0.6))
            _box(d, x - 12, h * 0.87, 24, 6, grey(0.98, 0.95, 0.8))
        for k in range(3):  # machines
            x = w * (0.08 + 0.3 * k) + rng.uniform(-6, 6)
            mw, mh = w * rng.uniform(0.18, 0.24), h * rng.uniform(0.28, 0.4)
            _box(d, x, h * 0.3, mw, mh, grey(0.35, 0.5, 0.62), 0.8)
            _box(d, x + mw * 0.1, h * 0.3 + mh * 0.55, mw * 0.35, mh * 0.3, grey(0.2, 0.22, 0.25))
            _box(d, x + mw * 0.6, h * 0.3 + mh * 0.6, mw * 0.25, mh * 0.15, grey(0.9, 0.7, 0.2))
        for k in range(6):  # stacked goods
            _box(d, w * 0.8 + (k % 2) * 22, h * 0.12 + (k // 2) * 16, 20, 14, grey(0.75, 0.6, 0.4))
    else:
        _box(d, 0, 0, w, h * 0.32, grey(0.72, 0.74, 0.7), 0)  # ground
        x0, y0 = w * rng.uniform(0.12, 0.3), h * 0.32
        bw, bh = w * 0.45, h * 0.42
        _box(d, x0, y0, bw, bh, grey(0.8, 0.78, 0.74), 0.8)
        for k in range(5):  # saw-tooth roof
            a, b = x0 + bw * k / 5, x0 + bw * (k + 1) / 5
            d.add(
                Polygon(
                    [a, y0 + bh, b, y0 + bh, b, y0 + bh + 10],
                    fillColor=grey(0.6, 0.62, 0.66),
                    strokeColor=GREY,
                    strokeWidth=0.6,
                )
            )
        for k in range(6):  # windows
            _box(
                d,
                x0 + 8 + k * (bw - 16) / 6,
                y0 + bh * 0.55,
                (bw - 16) / 6 - 6,
                bh * 0.22,
                grey(0.55, 0.65, 0.75),
                0.4,
            )
        _box(d, x0 + bw * 0.4, y0, bw * 0.2, bh * 0.42, grey(0.45, 0.45, 0.48), 0.4)  # gate
        tx = x0 + bw + w * 0.12
        d.add(Line(tx, y0, tx, h * 0.55, strokeColor=grey(0.4, 0.3, 0.2), strokeWidth=3))
        d.add(Circle(tx, h * 0.6, h * 0.09, fillColor=grey(0.45, 0.6, 0.4), strokeColor=None))
    d.add(String(8, h - 14, "［照片］" + caption, fontName=font, fontSize=9, fillColor=GREY))
    d.add(
        String(
            w - 8,
            8,
            stamp,
            fontName="Helvetica-Bold",
            fontSize=11,
            fillColor=grey(1, 0.55, 0.1),
            textAnchor="end",
        )
    )
    return d
