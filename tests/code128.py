"""Reading the Code 128 barcodes a PDF draws, as a scanner would: the bars' widths and the gaps
between them, in modules, matched against the symbology's patterns (ReportLab's own table of
them), the check character verified. Only what our labels use: start code B or C, code sets B
and C, no shifts."""

from __future__ import annotations

from typing import Any

from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.graphics.barcode.code128 import _patterns

CODE = {pattern: value for value, pattern in _patterns.items()}
START_B, START_C, CODE_B, CODE_C, STOP = 104, 105, 100, 99, 106


def _bar_groups(reader: PdfReader) -> list[list[tuple[float, float]]]:
    """Each barcode drawn on the first page: its bars as (x, width), left to right."""
    page = reader.pages[0]
    stream = ContentStream(page.get_contents(), reader)
    groups: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] | None = None
    for args, op in stream.operations:
        if op == b"q":
            current = []
            groups.append(current)
        elif op == b"re" and current is not None:
            x, _y, w, _h = (float(a) for a in args)
            current.append((x, w))
    return [sorted(g) for g in groups if len(g) > 10]


def _runs(bars: list[tuple[float, float]]) -> str:
    """The bars and spaces as pattern letters: ``B`` a bar two modules wide, ``a`` a space of one."""
    module = min(w for _x, w in bars)
    letters = []
    for n, (x, w) in enumerate(bars):
        letters.append(chr(ord("A") - 1 + round(w / module)))
        if n + 1 < len(bars):
            gap = bars[n + 1][0] - (x + w)
            letters.append(chr(ord("a") - 1 + round(gap / module)))
    return "".join(letters)


def _decode(runs: str) -> str:
    symbols = [runs[i : i + 6] for i in range(0, len(runs) - 7, 6)]
    values: list[Any] = [CODE.get(s) for s in symbols]
    stop = runs[len(symbols) * 6 :]
    if None in values or CODE.get(stop) != STOP:
        raise ValueError(f"not Code 128: {runs}")
    *data, check = values
    if sum([data[0], *(i * v for i, v in enumerate(data[1:], start=1))]) % 103 != check:
        raise ValueError("the check character does not match")
    text, code_set = [], {START_B: "B", START_C: "C"}[data[0]]
    for value in data[1:]:
        if value == CODE_B:
            code_set = "B"
        elif value == CODE_C:
            code_set = "C"
        elif code_set == "B":
            text.append(chr(value + 32))
        else:
            text.append(f"{value:02d}")
    return "".join(text)


def barcodes(content: bytes) -> list[str]:
    """What each Code 128 barcode on the PDF's first page encodes, top to bottom as drawn."""
    import io

    reader = PdfReader(io.BytesIO(content))
    return [_decode(_runs(bars)) for bars in _bar_groups(reader)]
