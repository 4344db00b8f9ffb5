"""Every PDF the archive draws carries its Chinese font, and its own forms and reports are
PDF/A-2b; reports issued with an earlier renderer still draw to their recorded SHA-256.

- Rendered by poppler (``pdftoppm``) under a fontconfig that lists no font at all, the first
  page of each form matches its committed reference image (a mean pixel difference, not
  bytes) and has ink where its Chinese title is (``pdftotext -bbox`` says where): the reader's
  fonts play no part. A report drawn as earlier releases did (the CID font, not embedded)
  fails the same check — which is what this change is for.
- The PDF/A-2b rules veraPDF would check first, read with pypdf: XMP ``pdfaid`` part 2,
  conformance B; an output intent with an ICC stream; every font with its outlines embedded
  (``FontFile2``/``FontFile3``); no ``/Encrypt``; a file identifier in the trailer.
- ``tests/fixtures/renderers/hashes.json`` holds the SHA-256 of two reports as the previous
  release drew them; today's code, asked for those renderers, draws the same bytes.

``DOSSIER_WRITE_PRINTED_REFERENCES=1`` rewrites the reference images (look at them first).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from archive import printing
from archive.documents.copies import watermarked_copy
from archive.reports import compliance, risk
from domain.compliance import ReportFormat
from tests.archive.printed import FORMS
from tests.fixtures.renderers.reports import compliance_report, risk_report

REFERENCES = Path(__file__).parent / "printed_references"
HASHES = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "renderers" / "hashes.json").read_text("utf-8")
)
DPI = 50
MEAN_DIFFERENCE = 2.0
"""The largest mean difference (0–255 grey) of a page from its reference: antialiasing of
another poppler stays well below; a page with its text missing or boxed is far above."""
TITLE_INK = 0.08
"""The least share of dark pixels in the box of a Chinese title (glyph strokes)."""

NO_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a machine with no font at all: a fontconfig file with no <dir>."""
    for tool in ("pdftoppm", "pdftotext"):
        assert shutil.which(tool), f"{tool} (Debian package poppler-utils) is needed"
    home = tmp_path_factory.mktemp("nofonts")
    conf = home / "fonts.conf"
    conf.write_text(NO_FONTS.format(cache=home / "cache"), "utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": str(home)}


def first_page(pdf: bytes, env: dict[str, str], tmp: Path) -> Image.Image:
    source = tmp / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(DPI),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            source,
            tmp / "page",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    return Image.open(tmp / "page.png").convert("L")


def title_box(pdf: bytes, title: str, env: dict[str, str], tmp: Path) -> tuple[int, ...]:
    """Where on the first page (in pixels at :data:`DPI`) the word holding ``title`` lies."""
    source = tmp / "words.pdf"
    source.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", source, "-"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for found in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html,
    ):
        if title in found.group(5):
            return tuple(round(float(v) * DPI / 72) for v in found.groups()[:4])
    raise AssertionError(f"{title} is not on the first page")


def ink(image: Image.Image, box: tuple[int, ...]) -> float:
    """The share of dark pixels in ``box``."""
    crop = image.crop(box)
    histogram = crop.histogram()
    return sum(histogram[:128]) / max(1, crop.width * crop.height)


def difference(image: Image.Image, reference: Image.Image) -> float:
    assert image.size == reference.size
    return float(ImageStat.Stat(ImageChops.difference(image, reference)).mean[0])


@pytest.mark.parametrize("name", sorted(FORMS))
def test_each_form_shows_its_chinese_where_no_font_is_installed(
    name: str, bare: dict[str, str], tmp_path: Path
) -> None:
    title, draw = FORMS[name]
    pdf = draw()
    page = first_page(pdf, bare, tmp_path)
    reference_file = REFERENCES / f"{name}.png"
    if os.environ.get("DOSSIER_WRITE_PRINTED_REFERENCES") == "1":
        REFERENCES.mkdir(exist_ok=True)
        page.save(reference_file, optimize=True)
    reference = Image.open(reference_file).convert("L")
    assert difference(page, reference) < MEAN_DIFFERENCE
    box = title_box(pdf, title, bare, tmp_path)
    assert ink(page, box) > TITLE_INK, f"no glyphs where {title} is printed"
    assert ink(reference, box) > TITLE_INK


def test_a_report_drawn_as_before_shows_no_chinese_where_no_font_is_installed(
    bare: dict[str, str], tmp_path: Path
) -> None:
    """The check above fails for what earlier releases drew: the CID font STSong-Light was
    named, never embedded, and on a machine without it the title is not there."""
    title, draw = FORMS["compliance_report"]
    old = compliance.render(compliance_report(), ReportFormat.PDF, renderer=2)
    page = first_page(old, bare, tmp_path)
    reference = Image.open(REFERENCES / "compliance_report.png").convert("L")
    assert difference(page, reference) > MEAN_DIFFERENCE
    # Same page, same place for the title (poppler cannot even read the old one's words).
    assert ink(page, title_box(draw(), title, bare, tmp_path)) < TITLE_INK / 4


# ----------------------------------------------------------------------------- PDF/A rules
def fonts_of(resources: Any, seen: set[int] | None = None) -> list[DictionaryObject]:
    """Every font dictionary reachable from a page's resources (form XObjects and Type 3
    glyph resources included; the descendants of a Type 0 font in its place)."""
    seen = set() if seen is None else seen
    found: list[DictionaryObject] = []
    resources = resources.get_object() if resources is not None else None
    if not isinstance(resources, DictionaryObject):
        return found
    for ref in (resources.get("/Font") or DictionaryObject()).values():
        if isinstance(ref, IndirectObject):
            if ref.idnum in seen:
                continue
            seen.add(ref.idnum)
        font = ref.get_object()
        if font.get("/Subtype") == "/Type0":
            found.extend(d.get_object() for d in font["/DescendantFonts"])
        else:
            found.append(font)
        if "/Resources" in font:
            found.extend(fonts_of(font["/Resources"], seen))
    for ref in (resources.get("/XObject") or DictionaryObject()).values():
        xobject = ref.get_object()
        if xobject.get("/Subtype") == "/Form":
            found.extend(fonts_of(xobject.get("/Resources"), seen))
    return found


def unembedded_fonts(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    fonts = [font for page in reader.pages for font in fonts_of(page.get("/Resources"))]
    assert fonts, "no font at all"
    missing = []
    for font in fonts:
        if font.get("/Subtype") == "/Type3":
            continue  # glyphs drawn in the file itself
        descriptor = font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            missing.append(str(font.get("/BaseFont")).lstrip("/"))
    return missing


def pdfa_faults(pdf: bytes) -> list[str]:
    """What breaks the PDF/A-2b rules checked here (empty: none)."""
    faults: list[str] = []
    reader = PdfReader(io.BytesIO(pdf))
    trailer = reader.trailer
    if "/Encrypt" in trailer:
        faults.append("encrypted")
    ids = trailer.get("/ID")
    if ids is None or len(ids) != 2 or any(len(bytes(i.original_bytes)) < 16 for i in ids):
        faults.append("no file identifier")
    root = reader.trailer["/Root"].get_object()
    metadata = root.get("/Metadata")
    xmp = metadata.get_object().get_data().decode("utf-8") if metadata is not None else ""
    if not re.search(r"<pdfaid:part>2</pdfaid:part>", xmp):
        faults.append("XMP pdfaid:part is not 2")
    if not re.search(r"<pdfaid:conformance>B</pdfaid:conformance>", xmp):
        faults.append("XMP pdfaid:conformance is not B")
    title = (reader.metadata or {}).get("/Title")
    if title and f'<rdf:li xml:lang="x-default">{title}</rdf:li>' not in xmp:
        faults.append("the XMP does not repeat the title")
    intents = [i.get_object() for i in root.get("/OutputIntents") or []]
    good = [
        i
        for i in intents
        if i.get("/S") == "/GTS_PDFA1"
        and "/DestOutputProfile" in i
        and i["/DestOutputProfile"].get_object().get("/N") == 3
        and i["/DestOutputProfile"].get_object().get_data()[36:40] == b"acsp"
    ]
    if not good:
        faults.append("no output intent with an RGB ICC profile")
    missing = unembedded_fonts(pdf)
    if missing:
        faults.append(f"fonts not embedded: {', '.join(missing)}")
    return faults


@pytest.mark.parametrize("name", sorted(FORMS))
def test_each_form_keeps_the_pdfa_2b_rules(name: str) -> None:
    pdf = FORMS[name][1]()
    assert pdfa_faults(pdf) == []
    assert FORMS[name][1]() == pdf, "the same form is the same bytes"


def test_the_checks_find_what_earlier_releases_drew_wanting() -> None:
    """Renderer 2 of the compliance report (the CID font, no XMP, no output intent) breaks
    the rules the check above reads: the check can fail."""
    old = compliance.render(compliance_report(), ReportFormat.PDF, renderer=2)
    faults = pdfa_faults(old)
    assert "XMP pdfaid:part is not 2" in faults
    assert "no output intent with an RGB ICC profile" in faults
    assert any(f.startswith("fonts not embedded:") and "STSong-Light" in f for f in faults)


def test_a_watermarked_copy_embeds_the_font_of_its_stamp() -> None:
    source = FORMS["guarantor_notice"][1]()
    copy = watermarked_copy(io.BytesIO(source), "application/pdf", ["冯志明（E1001）", "审计"])
    assert unembedded_fonts(copy) == []
    assert "冯志明" in PdfReader(io.BytesIO(copy)).pages[0].extract_text()


# ----------------------------------------------------------------------- the font's setup
def test_a_missing_font_stops_printing_with_a_clear_message(tmp_path: Path) -> None:
    try:
        with pytest.raises(printing.PrintingSetupError, match="DOSSIER_PDF_FONT"):
            printing.configure(font=tmp_path / "none.ttc")
        not_a_font = tmp_path / "font.ttf"
        not_a_font.write_bytes(b"not a font")
        with pytest.raises(printing.PrintingSetupError, match="TrueType"):
            printing.configure(font=not_a_font)
        with pytest.raises(printing.PrintingSetupError, match="DOSSIER_PDF_ICC_PROFILE"):
            printing.configure(icc_profile=tmp_path / "none.icc")
    finally:
        printing.configure()
    assert printing.font_name() == printing.FONT


def test_no_font_in_the_known_places_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printing, "FONT_PATHS", (Path("/nonexistent/wqy-zenhei.ttc"),))
    with pytest.raises(printing.PrintingSetupError, match="fonts-wqy-zenhei"):
        printing.font_path()


# ------------------------------------------------------------------------ earlier renderers
def test_reports_drawn_by_the_previous_release_draw_to_the_same_sha256() -> None:
    """The SHA-256 recorded with a report issued before the font was embedded is what today's
    code draws with the renderer recorded with it; today's renderer draws another file."""
    report = compliance_report()
    for renderer, digest in HASHES["compliance"].items():
        drawn = compliance.render(report, ReportFormat.PDF, renderer=int(renderer))
        assert hashlib.sha256(drawn).hexdigest() == digest, f"compliance renderer {renderer}"
    for renderer, digest in HASHES["risk"].items():
        drawn = risk.render(risk_report(), ReportFormat.PDF, renderer=int(renderer))
        assert hashlib.sha256(drawn).hexdigest() == digest, f"risk renderer {renderer}"
    assert str(compliance.RENDERER) not in HASHES["compliance"]
    assert str(risk.RENDERER) not in HASHES["risk"]
    today = compliance.render(report, ReportFormat.PDF)
    assert hashlib.sha256(today).hexdigest() not in HASHES["compliance"].values()
    assert pdfa_faults(today) == []
