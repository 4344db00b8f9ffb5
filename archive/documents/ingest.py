"""Document ingest: limits, names, sniffing, format and safety checks, hashing — before any event.

An upload is streamed into a spooled temporary file while it is hashed and
measured; nothing reaches the blob store until the command it belongs to has
passed every domain check. A PDF is inspected by :mod:`archive.documents.pdfsafety`, an
OFD (GB/T 33190) by :mod:`archive.documents.ofdsafety`; a
JPEG, PNG or TIFF must have a complete, minimally valid header (checked here,
without an imaging library). Text for search is extracted only on request,
after the save (:meth:`StagedDocument.extract_text`), and never goes into an event.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import tempfile
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, cast

from archive.config import ArchiveConfig
from archive.documents.ofdsafety import extract_ofd_text, inspect_ofd
from archive.documents.pdfsafety import extract_text, has_markup, inspect_pdf
from archive.documents.pdfsafety import refusal as _reject
from archive.errors import DocumentTooLargeError
from domain.rules import RuleSet
from domain.values import DocumentRef

CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1024 * 1024

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    # An OFD is a ZIP package; no other ZIP is accepted, so the local header means OFD (its
    # layout is checked by inspect_ofd).
    (b"PK\x03\x04", "application/ofd"),
)
EXTENSIONS: dict[str, str] = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".ofd": "application/ofd",
}
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in "123456789"}
    | {f"lpt{n}" for n in "123456789"}
)
WINDOWS_FORBIDDEN = frozenset('<>:"|?*')
CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2}")
MAX_IMAGE_SEGMENTS = 100_000
PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


@dataclass(frozen=True)
class Upload:
    """A document as received: its declared type, its name and its bytes."""

    doc_type: str
    filename: str
    stream: BinaryIO
    declared_media_type: str | None = None


@dataclass
class StagedDocument:
    """A checked upload waiting, in a temporary file, for its command to pass."""

    ref: DocumentRef
    file: BinaryIO

    def reopen(self) -> BinaryIO:
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        self.file.close()

    def extract_text(self) -> str:
        """The document's text for search (PDF and OFD; bounded; never raises for a bad file).

        Meant to run after the command's save, off the request's critical path. The text
        goes to a search index, never into an event.
        """
        return extract_document_text(self.reopen(), self.ref.media_type)


TEXT_MEDIA_TYPES = frozenset({"application/pdf", "application/ofd"})
"""The formats whose text is extracted for search."""


def extract_document_text(file: BinaryIO, media_type: str) -> str:
    """The text of a PDF or an OFD for search ("" for other formats; never raises)."""
    if media_type == "application/ofd":
        return extract_ofd_text(file)
    if media_type == "application/pdf":
        return extract_text(file)
    return ""


def _misdecoded(name: str) -> bool:
    """True when the name is bytes decoded with the wrong charset, not text a person typed.

    Lone surrogates come from ``surrogateescape`` decoding, U+FFFD from ``errors="replace"``.
    A name made only of ASCII and Latin-1 letters whose Latin-1 bytes are valid UTF-8, or are
    GB2312 spelling a run of Chinese characters, is UTF-8 or GBK read as Latin-1 (mojibake),
    which is how a web framework decodes a multipart file name that is not UTF-8.
    """
    if "\ufffd" in name or any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        return True
    if not name.isascii() and all(ord(c) <= 0xFF for c in name):
        raw = name.encode("latin-1")
        for charset in ("utf-8", "gb2312"):
            try:
                decoded = raw.decode(charset)
            except UnicodeDecodeError:
                continue
            if charset == "utf-8" or CJK_RUN.search(decoded):
                return True
    return False


def check_filename(filename: str) -> str:
    """Refuse names that could be paths, that no person could read back, or that Windows
    could not store."""
    if _misdecoded(filename or ""):
        raise _reject(
            "文件名不是有效文本（来自非 UTF-8 编码的字节）",
            "the file name is not valid text (it was decoded from non-UTF-8 bytes)",
            filename,
        )
    name = unicodedata.normalize("NFC", filename or "").strip()
    if not name:
        raise _reject("缺少文件名", "it has no file name", filename)
    if len(name) > 200:
        raise _reject("文件名过长", "the file name is longer than 200 characters", name[:40])
    if any(c in name for c in "/\\") or name in {".", ".."}:
        raise _reject("文件名不能包含路径", "the file name must not contain a path", name)
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise _reject("文件名含有控制字符", "the file name contains control characters", name)
    stem, dot, _extension = name.rpartition(".")
    if dot and not stem.strip(" ."):
        raise _reject(
            "文件名只有扩展名", "the file name is only an extension (it has no name)", name
        )
    if name.startswith("."):
        raise _reject(
            "文件名不能以点开头（隐藏文件）", "the file name must not start with a dot", name
        )
    if any(c in WINDOWS_FORBIDDEN for c in name):
        raise _reject(
            '文件名含有 Windows 不允许的字符（< > : " | ? *）',
            'the file name contains a character Windows does not allow (< > : " | ? *)',
            name,
        )
    if name.split(".", 1)[0].rstrip(" ").lower() in WINDOWS_RESERVED:
        raise _reject(
            "文件名是 Windows 保留的设备名（如 CON、NUL）",
            "the file name is a device name reserved by Windows (such as CON or NUL)",
            name,
        )
    return name


def sniff(head: bytes) -> str | None:
    """The media type that the leading bytes show, if it is one we accept."""
    for signature, media_type in SIGNATURES:
        if head.startswith(signature):
            return media_type
    return None


def _read_exactly(file: BinaryIO, offset: int, length: int) -> bytes | None:
    file.seek(offset)
    data = file.read(length)
    return data if len(data) == length else None


def _check_png(file: BinaryIO, size: int, name: str) -> None:
    """A PNG: IHDR first with a correct CRC and valid values, chunks up to IEND, nothing after."""
    ihdr = _read_exactly(file, 8, 25)
    if ihdr is None or ihdr[:8] != b"\x00\x00\x00\rIHDR":
        raise _reject("PNG 图像缺少 IHDR 头", "the PNG image has no IHDR header", name)
    if struct.unpack(">I", ihdr[21:25])[0] != zlib.crc32(ihdr[4:21]):
        raise _reject("PNG 图像头校验失败", "the PNG image header fails its CRC check", name)
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", ihdr[8:21]
    )
    if (
        not 0 < width < 2**31
        or not 0 < height < 2**31
        or depth not in PNG_DEPTHS.get(colour, set())
        or (compression, filtering) != (0, 0)
        or interlace not in (0, 1)
    ):
        raise _reject("PNG 图像头数值无效", "the PNG image header has invalid values", name)
    offset, has_data = 33, False
    for _ in range(MAX_IMAGE_SEGMENTS):
        header = _read_exactly(file, offset, 8)
        if header is None:
            break
        length, kind = struct.unpack(">I4s", header)
        offset += 12 + length
        if length >= 2**31 or not kind.isalpha() or offset > size:
            break
        has_data = has_data or kind == b"IDAT"
        if kind == b"IEND":
            if not has_data:
                break
            if offset != size:
                raise _reject(
                    "PNG 图像结束标记（IEND）之后还有内容",
                    "it has content after the end of the PNG image (IEND)",
                    name,
                )
            return
    raise _reject(
        "PNG 图像不完整（缺少图像数据或结束标记）",
        "the PNG image is incomplete (no image data or no IEND)",
        name,
    )


def _check_jpeg(file: BinaryIO, size: int, name: str) -> None:
    """A JPEG: SOI, a valid frame header (SOF) before the scan (SOS), and EOI at the end."""
    offset, frame = 2, False
    for _ in range(MAX_IMAGE_SEGMENTS):
        marker = _read_exactly(file, offset, 4)
        if marker is None or marker[0] != 0xFF:
            break
        code = marker[1]
        if code == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if code == 0x01 or 0xD0 <= code <= 0xD7:  # markers without a length
            offset += 2
            continue
        length = struct.unpack(">H", marker[2:4])[0]
        if length < 2 or offset + 2 + length > size:
            break
        if 0xC0 <= code <= 0xCF and code not in (0xC4, 0xC8, 0xCC):
            sof = _read_exactly(file, offset + 4, 6)
            if sof is None:
                break
            _precision, _height, width, components = struct.unpack(">BHHB", sof)
            if width == 0 or components not in (1, 3, 4) or length != 8 + 3 * components:
                raise _reject(
                    "JPEG 图像帧头数值无效", "the JPEG image frame header is invalid", name
                )
            frame = True
        elif code == 0xDA:
            if not frame:
                break
            tail = _read_exactly(file, max(0, size - 64), min(size, 64)) or b""
            if not tail.rstrip(b"\x00\r\n").endswith(b"\xff\xd9"):
                raise _reject(
                    "JPEG 图像不以结束标记（EOI）结尾：文件不完整或后面附加了内容",
                    "the JPEG image does not end with its EOI marker "
                    "(truncated, or something is appended)",
                    name,
                )
            return
        offset += 2 + length
    raise _reject(
        "JPEG 图像不完整（缺少帧头 SOF 或扫描段 SOS）",
        "the JPEG image is incomplete (no SOF frame header before its scan)",
        name,
    )


def _check_tiff(file: BinaryIO, size: int, name: str) -> None:
    """A TIFF: the first IFD inside the file, with entries, including width and length."""
    order = "<" if _read_exactly(file, 0, 2) == b"II" else ">"
    first = _read_exactly(file, 4, 4)
    ifd = struct.unpack(order + "I", first)[0] if first else 0
    count_bytes = _read_exactly(file, ifd, 2) if 8 <= ifd <= size - 2 else None
    count = struct.unpack(order + "H", count_bytes)[0] if count_bytes else 0
    entries = _read_exactly(file, ifd + 2, 12 * count) if count else None
    if entries is None or ifd + 2 + 12 * count + 4 > size:
        raise _reject(
            "TIFF 图像目录（IFD）不在文件内或为空",
            "the TIFF image directory (IFD) is empty or outside the file",
            name,
        )
    tags = {struct.unpack(order + "H", entries[i : i + 2])[0] for i in range(0, len(entries), 12)}
    if not {256, 257} <= tags:
        raise _reject("TIFF 图像缺少宽度或高度", "the TIFF image has no width or length tag", name)


IMAGE_CHECKS = {"image/png": _check_png, "image/jpeg": _check_jpeg, "image/tiff": _check_tiff}


def stage(upload: Upload, config: ArchiveConfig, rules: RuleSet) -> StagedDocument:
    """Check, hash and spool one upload; raise a bilingual 4xx-class error if refused.

    Its document type must be in the catalogue of ``rules`` (the rules in force).
    """
    rules.document_type(upload.doc_type)
    name = check_filename(upload.filename)
    spool = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY))  # noqa: SIM115
    try:
        digest = hashlib.sha256()
        size = 0
        head = b""
        # Never read more than one byte past the limit: that byte proves the upload too large.
        while chunk := upload.stream.read(min(CHUNK, config.max_upload_bytes + 1 - size)):
            size += len(chunk)
            if size > config.max_upload_bytes:
                raise DocumentTooLargeError(
                    f"文档 {name!r} 超过上限 {config.max_upload_bytes} 字节",
                    f"document {name!r} is larger than the limit of "
                    f"{config.max_upload_bytes} bytes",
                )
            if len(head) < 16:
                head += chunk[:16]
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise _reject("文件为空", "the file is empty", name)
        media_type = sniff(head)
        if media_type is None or media_type not in config.allowed_media_types:
            raise _reject(
                "格式不在允许范围（PDF、OFD、JPEG、PNG、TIFF）",
                "its content is not an allowed format (PDF, OFD, JPEG, PNG, TIFF)",
                name,
            )
        extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if EXTENSIONS.get(extension) != media_type:
            raise _reject(
                f"扩展名与内容（{media_type}）不符",
                f"its extension does not match its content ({media_type})",
                name,
            )
        declared = (upload.declared_media_type or "").split(";")[0].strip().lower()
        if declared not in ("", "application/octet-stream", media_type):
            raise _reject(
                f"声明的类型 {declared} 与内容 {media_type} 不符",
                f"declared type {declared} does not match its content {media_type}",
                name,
            )
        pages: int | None = None
        if media_type == "application/pdf":
            pages = inspect_pdf(spool, name).pages
        elif media_type == "application/ofd":
            # No HTML-markup sniff here: the ZIP's stored XML parts may carry element names
            # such as <Title>, and a browser never sniffs a ZIP as HTML behind its header.
            pages = inspect_ofd(spool, name).pages
        else:
            spool.seek(0)
            if has_markup(spool.read(4096)):
                raise _reject(
                    "文件开头含有 HTML 标记（多格式伪装文件）",
                    "it has HTML markup in its first bytes (a polyglot file)",
                    name,
                )
            IMAGE_CHECKS[media_type](spool, size, name)
        ref = DocumentRef(
            doc_type=upload.doc_type,
            sha256=digest.hexdigest(),
            size=size,
            media_type=media_type,
            filename=name,
            pages=pages,
        )
    except BaseException:
        spool.close()
        raise
    return StagedDocument(ref, spool)


@contextmanager
def staged(
    uploads: list[Upload], config: ArchiveConfig, rules: Callable[[], RuleSet]
) -> Iterator[list[StagedDocument]]:
    """Stage every upload, and always release the temporary files afterwards.

    ``rules`` gives the rules in force; it is asked only when there is an upload to check.
    """
    done: list[StagedDocument] = []
    try:
        if uploads:
            in_force = rules()
            for upload in uploads:
                done.append(stage(upload, config, in_force))
        yield done
    finally:
        for document in done:
            document.close()


def from_bytes(doc_type: str, filename: str, data: bytes) -> Upload:
    """An upload from bytes in memory (CLI, demo, tests)."""
    return Upload(doc_type=doc_type, filename=filename, stream=io.BytesIO(data))
