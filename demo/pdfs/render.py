"""Rendering: one document type, its facts and an optional appendix, as PDF bytes."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    SimpleDocTemplate,
)

from demo.pdfs import (
    collateral,
    collection,
    contracts,
    monitoring,
    origination,
    responsibility,
    workout,
    writeoff,
)
from demo.pdfs.appendix import appendix
from demo.pdfs.facts import Facts, facts_for
from demo.pdfs.style import FONT, GREY, MARGIN, PAGE_H, PAGE_W, Flowables, registered_font
from demo.pdfs.titles import DOCUMENT_TITLES

_SIMPLE_BUILDERS: Mapping[str, Callable[[Facts], Flowables]] = MappingProxyType(
    {
        **origination.DOCUMENTS,
        **contracts.DOCUMENTS,
        **collateral.DOCUMENTS,
        **monitoring.DOCUMENTS,
        **collection.DOCUMENTS,
        **workout.DOCUMENTS,
        **writeoff.DOCUMENTS,
        **responsibility.DOCUMENTS,
    }
)
_SEEDED_BUILDERS: Mapping[str, Callable[[Facts, int], Flowables]] = MappingProxyType(
    {**origination.SEEDED_DOCUMENTS, **monitoring.SEEDED_DOCUMENTS}
)


def _check_type(doc_type: str) -> None:
    if doc_type not in DOCUMENT_TITLES:
        known = ", ".join(sorted(DOCUMENT_TITLES))
        raise ValueError(f"unknown document type {doc_type!r}; known types: {known}")


def _decorate(f: Facts, cn_title: str) -> Callable[[Any, Any], None]:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(GREY)
        canvas.setStrokeColor(GREY)
        canvas.setLineWidth(0.5)
        top = PAGE_H - 12 * mm
        canvas.drawString(MARGIN, top, f"{f.bank}　信贷档案　{cn_title}")
        canvas.drawRightString(PAGE_W - MARGIN, top, f"借据号：{f.loan_no}")
        canvas.line(MARGIN, top - 2 * mm, PAGE_W - MARGIN, top - 2 * mm)
        canvas.line(MARGIN, 14 * mm, PAGE_W - MARGIN, 14 * mm)
        canvas.drawCentredString(PAGE_W / 2, 9 * mm, f"第 {doc.page} 页")
        canvas.drawString(MARGIN, 9 * mm, f"借款人：{f.borrower}")
        canvas.drawRightString(PAGE_W - MARGIN, 9 * mm, "演示样本数据")
        canvas.restoreState()

    return draw


def _unwrap(flowable: Any) -> Flowables:
    """The content of a KeepTogether (they must not nest: an inner one forces a page break)."""
    if isinstance(flowable, KeepTogether):
        content: Flowables = flowable._content  # type: ignore[attr-defined]
        return list(content)
    return [flowable]


def _build(
    doc_type: str, fields: Mapping[str, str], seed: int, units: int, compress: bool
) -> bytes:
    registered_font()
    f = facts_for(doc_type, fields, seed)
    if doc_type in _SEEDED_BUILDERS:
        story = _SEEDED_BUILDERS[doc_type](f, seed)
    else:
        story = _SIMPLE_BUILDERS[doc_type](f)
    if len(story) >= 2:  # never leave the sign-off alone on the last page
        story[-2:] = [KeepTogether([*_unwrap(story[-2]), *_unwrap(story[-1])])]
    story += appendix(f, doc_type, units, seed)
    cn, en = DOCUMENT_TITLES[doc_type]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=22 * mm,
        bottomMargin=20 * mm,
        title=f"{cn}（{f.loan_no}）",
        author=f.bank,
        subject=f"{en} — {f.borrower}",
        keywords=[doc_type, f.loan_no],
        creator="Dossier",
        producer="Dossier demo documents",
        invariant=1,
        pageCompression=1 if compress else 0,
        lang="zh-CN",
    )
    decorate = _decorate(f, cn)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()


def render_document(doc_type: str, fields: Mapping[str, str], *, seed: int = 0) -> bytes:
    """Render one document of type ``doc_type`` as PDF bytes.

    ``fields`` supplies the facts (borrower, loan_no, amounts, dates, names, findings...; see the
    module docstring); missing fields get plausible defaults derived deterministically from
    ``seed``. The output is byte-for-byte deterministic for the same arguments.

    Raises ValueError for an unknown ``doc_type``.
    """
    _check_type(doc_type)
    return _build(doc_type, fields, seed, 0, True)


def render_padded(doc_type: str, fields: Mapping[str, str], *, size: int, seed: int = 0) -> bytes:
    """Like `render_document`, padded with realistic appendix pages to at least ``size`` bytes.

    The appendix is a repayment schedule and account statement, or meeting minutes for reports
    and approvals; pages are stored uncompressed. The result is a valid PDF, deterministic for
    the same arguments, and usually within a few kilobytes above ``size``.
    """
    _check_type(doc_type)
    base = _build(doc_type, fields, seed, 0, False)
    if len(base) >= size:
        return base
    slack = max(2048, size // 32)
    lo, hi = 0, 0  # appendix sizes known to be too small / big enough (0: none yet)
    best = b""
    units = 8
    for _ in range(16):
        pdf = _build(doc_type, fields, seed, units, False)
        if len(pdf) >= size:
            hi, best = units, pdf
            if len(pdf) - size <= slack or hi - lo <= 1:
                return pdf
            units = (lo + hi) // 2
        else:
            lo = units
            if hi:
                units = (lo + hi + 1) // 2
            else:
                per_unit = max(1.0, (len(pdf) - len(base)) / units)
                units += max(1, math.ceil((size - len(pdf)) / per_unit))
    while not best:  # pragma: no cover - the search converges long before this
        units *= 2
        pdf = _build(doc_type, fields, seed, units, False)
        best = pdf if len(pdf) >= size else b""
    return best
