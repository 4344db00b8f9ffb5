"""What the archive prints its PDFs with: an embedded Chinese font, and PDF/A-2b for its own
forms and reports.

**The font.** A PDF that names a font without embedding it is drawn with whatever font the
reader has; without a Chinese one every character is a box. ReportLab embeds TrueType outlines
only (an OpenType/CFF font such as Noto CJK is refused), so every PDF the archive draws embeds
a subset of a TrueType CJK font: WenQuanYi Zen Hei (文泉驿正黑, Debian's ``fonts-wqy-zenhei``)
where Debian installs it, or the file named by ``DOSSIER_PDF_FONT``. A missing font stops the
service at start and any drawing with :class:`PrintingSetupError` naming the file and the
package — never a silent fall-back to a font the reader must supply.

**PDF/A-2b** (ISO 19005-2, level B): :func:`as_pdfa` turns a PDF drawn here into an archival one —
XMP metadata stating ``pdfaid:part`` 2 and ``pdfaid:conformance`` B and repeating the
document information, an sRGB output intent carrying its ICC profile (Debian's
``icc-profiles-free``, or ``DOSSIER_PDF_ICC_PROFILE``), a file identifier derived from the
content, nothing encrypted. It reads no clock, so the same form is still the same bytes.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "WenQuanYiZenHei"
"""The name the embedded face is registered (and subset) under."""

FONT_PATHS: Sequence[Path] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),  # Debian, Ubuntu: fonts-wqy-zenhei
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),  # Fedora, Arch
)
"""Where the font is looked for when ``DOSSIER_PDF_FONT`` names none."""

ICC_PATHS: Sequence[Path] = (
    Path("/usr/share/color/icc/sRGB.icc"),  # Debian, Ubuntu: icc-profiles-free
    Path("/usr/share/color/icc/colord/sRGB.icc"),  # colord
)
"""Where the sRGB profile of the output intent is looked for when ``DOSSIER_PDF_ICC_PROFILE``
names none."""


class PrintingSetupError(RuntimeError):
    """The font or the colour profile the archive prints with is missing or unusable."""


@dataclass
class _Setup:
    font: Path | None = None
    icc: Path | None = None
    registered: Path | None = None


_setup = _Setup()


def configure(*, font: Path | None = None, icc_profile: Path | None = None) -> None:
    """Print with ``font`` and ``icc_profile`` (None: the known locations), checking both now,
    so a service missing either refuses to start rather than fail its first form."""
    _setup.font = font
    _setup.icc = icc_profile
    font_name()
    icc_profile_bytes()


def _found(
    chosen: Path | None, known: Sequence[Path], what: str, setting: str, package: str
) -> Path:
    if chosen is not None:
        if not chosen.is_file():
            raise PrintingSetupError(
                f"{setting} 指定的{what}不存在：{chosen} / "
                f"the {what} {setting} names does not exist: {chosen}"
            )
        return chosen
    for path in known:
        if path.is_file():
            return path
    raise PrintingSetupError(
        f"找不到打印 PDF 用的{what}（已查找 {', '.join(map(str, known))}）：请安装 Debian 软件包 "
        f"{package}，或以 {setting} 指定文件 / no {what} to print PDFs with (looked for "
        f"{', '.join(map(str, known))}): install the Debian package {package} or name the file "
        f"in {setting}"
    )


def font_path() -> Path:
    """The TrueType file the archive's PDFs embed."""
    return _found(
        _setup.font, FONT_PATHS, "中文 TrueType 字体", "DOSSIER_PDF_FONT", "fonts-wqy-zenhei"
    )


def font_name() -> str:
    """The embedded Chinese face, registered with ReportLab on first use (and again when
    another file is configured); raises :class:`PrintingSetupError` when it is missing."""
    path = font_path()
    if _setup.registered != path:
        try:
            face = TTFont(FONT, str(path), subfontIndex=0)
        except Exception as error:  # ReportLab refuses CFF outlines and broken files alike
            raise PrintingSetupError(
                f"字体文件无法嵌入（须为 TrueType 轮廓）：{path} / the font cannot be embedded "
                f"(TrueType outlines are needed): {path}: {error}"
            ) from error
        pdfmetrics.registerFont(face)
        _setup.registered = path
    return FONT


def icc_profile_bytes() -> bytes:
    """The sRGB ICC profile of the output intent."""
    path = _found(
        _setup.icc, ICC_PATHS, "sRGB 色彩配置文件", "DOSSIER_PDF_ICC_PROFILE", "icc-profiles-free"
    )
    data = path.read_bytes()
    if len(data) < 132 or data[16:20] != b"RGB ":
        raise PrintingSetupError(
            f"不是 RGB 的 ICC 配置文件：{path} / not an RGB ICC profile: {path}"
        )
    return data


# --------------------------------------------------------------------------------- PDF/A-2b
def _xmp_date(value: str) -> str:
    """A PDF date (``D:20000101000000+00'00'``) as XMP writes it; ReportLab's invariant
    drawings are dated 2000-01-01 UTC."""
    text = value.removeprefix("D:")
    rest = text[14:].replace("'", "")
    offset = "+0000" if rest in ("", "Z") else (rest + "00")[:5]
    return datetime.strptime(text[:14] + offset, "%Y%m%d%H%M%S%z").isoformat()


def _xmp(info: dict[str, str], document_id: str) -> bytes:
    """The XMP packet: PDF/A identification and the document information repeated."""

    def tag(name: str, key: str) -> str:
        return f"<{name}>{escape(info[key])}</{name}>" if info.get(key) else ""

    title = (
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(info["/Title"])}</rdf:li>'
        "</rdf:Alt></dc:title>"
        if info.get("/Title")
        else ""
    )
    creator = (
        f"<dc:creator><rdf:Seq><rdf:li>{escape(info['/Author'])}</rdf:li></rdf:Seq></dc:creator>"
        if info.get("/Author")
        else ""
    )
    subject = (
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(info["/Subject"])}'
        "</rdf:li></rdf:Alt></dc:description>"
        if info.get("/Subject")
        else ""
    )
    dates = "".join(
        f"<xmp:{name}>{_xmp_date(info[key])}</xmp:{name}>"
        for name, key in (("CreateDate", "/CreationDate"), ("ModifyDate", "/ModDate"))
        if info.get(key)
    )
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">'
        "<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>"
        "</rdf:Description>"
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:format>application/pdf</dc:format>{title}{creator}{subject}"
        "</rdf:Description>"
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
        f"{dates}{tag('xmp:CreatorTool', '/Creator')}"
        "</rdf:Description>"
        '<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">'
        f"{tag('pdf:Producer', '/Producer')}{tag('pdf:Keywords', '/Keywords')}"
        "</rdf:Description>"
        '<rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">'
        f"<xmpMM:DocumentID>uuid:{document_id}</xmpMM:DocumentID>"
        "</rdf:Description>"
        "</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )
    return packet.encode("utf-8")


def as_pdfa(pdf: bytes) -> bytes:
    """``pdf``, drawn here with every font embedded, as PDF/A-2b: its XMP metadata, its sRGB
    output intent and a file identifier from its content; the same input gives the same
    bytes."""
    reader = PdfReader(io.BytesIO(pdf))
    if reader.is_encrypted:
        raise ValueError("an encrypted PDF cannot be made PDF/A")
    writer = PdfWriter(clone_from=reader)
    digest = hashlib.sha256(pdf).digest()
    document_id = (
        f"{digest[:4].hex()}-{digest[4:6].hex()}-{digest[6:8].hex()}-"
        f"{digest[8:10].hex()}-{digest[10:16].hex()}"
    )
    raw_info: Mapping[str, Any] = reader.metadata or {}
    # ReportLab's placeholders for what was not set are left out of both.
    placeholders = ("", "unspecified", "(unspecified)", "anonymous")
    info = {str(k): str(v) for k, v in raw_info.items() if str(v) not in placeholders}
    # The information dictionary keeps only what the XMP repeats (PDF/A-2 6.6.3).
    kept = ("/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/Producer")
    writer.metadata = {k: v for k, v in info.items() if k in kept} | {
        k: str(raw_info[k]) for k in ("/CreationDate", "/ModDate") if k in raw_info
    }

    metadata = StreamObject()
    metadata._data = _xmp(info, document_id)  # uncompressed, as PDF/A asks
    metadata.update(
        {NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")}
    )
    root = writer.root_object
    root[NameObject("/Metadata")] = writer._add_object(metadata)

    profile = DecodedStreamObject()
    profile.set_data(icc_profile_bytes())
    profile[NameObject("/N")] = NumberObject(3)
    profile_ref = writer._add_object(profile.flate_encode())
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): profile_ref,
        }
    )
    root[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])

    file_id = ByteStringObject(digest[:16])
    writer._ID = ArrayObject([file_id, file_id])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
