"""Page, font and paragraph styles of the demo documents (the font registered lazily, once)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from types import MappingProxyType
from typing import Any, TypeVar
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph

FONT = "STSong-Light"


PAGE_W, PAGE_H = A4


MARGIN = 20 * mm


WIDTH = PAGE_W - 2 * MARGIN  # 170 mm of usable width


RED = colors.Color(0.80, 0.08, 0.08)


LABEL_BG = colors.Color(0.93, 0.93, 0.93)


GREY = colors.Color(0.35, 0.35, 0.35)


Flowables = list[Any]


@cache
def registered_font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@cache
def _styles() -> dict[str, ParagraphStyle]:
    font = registered_font()

    def style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=leading, wordWrap="CJK", **kw
        )

    return {
        "title": style("title", 19, 25, alignment=TA_CENTER, spaceAfter=1 * mm),
        "org": style("org", 13, 19, alignment=TA_CENTER, spaceAfter=1 * mm),
        "subtitle": style("subtitle", 10, 14, alignment=TA_CENTER, textColor=GREY),
        "docno": style("docno", 10, 14, alignment=TA_RIGHT, spaceAfter=1.5 * mm),
        "h": style("h", 12, 17, spaceBefore=2.5 * mm, spaceAfter=1.5 * mm),
        "body": style("body", 10.5, 16.5, alignment=TA_JUSTIFY, firstLineIndent=21),
        "plain": style("plain", 10.5, 16.5, alignment=TA_JUSTIFY),
        "item": style("item", 10.5, 16.5, alignment=TA_JUSTIFY, leftIndent=21),
        "right": style("right", 10.5, 17.5, alignment=TA_RIGHT),
        "center": style("center", 10.5, 17.5, alignment=TA_CENTER),
        "cell": style("cell", 9.5, 13.5, alignment=TA_LEFT),
        "cellc": style("cellc", 9.5, 13.5, alignment=TA_CENTER),
        "cellr": style("cellr", 9.5, 13.5, alignment=TA_RIGHT),
        "cellh": style("cellh", 10, 14, alignment=TA_CENTER),
        "small": style("small", 8.5, 12, textColor=GREY),
    }


def para(text: str, style: str = "body") -> Any:
    """A paragraph of plain text (escaped; newlines become line breaks)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), _styles()[style])


def paras(texts: Sequence[str], style: str = "body") -> Flowables:
    return [para(t, style) for t in texts]


Builder = TypeVar("Builder", bound=Callable[..., Flowables])


def by_type(*builders: Builder) -> Mapping[str, Builder]:
    """The documents a module draws, by type: each builder is named ``_<document type>``."""
    return MappingProxyType({b.__name__.removeprefix("_"): b for b in builders})
