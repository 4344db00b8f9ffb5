"""Document ingest, first cut: limits, sniffing, hashing — all before any event.

An upload is streamed into a spooled temporary file while it is hashed and
measured; nothing reaches the blob store until the command it belongs to has
passed every domain check.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, cast

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from archive.config import ArchiveConfig
from archive.errors import DocumentRejectedError, DocumentTooLargeError
from domain.values import DocumentRef

CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1024 * 1024

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
EXTENSIONS: dict[str, str] = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}


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


def _reject(zh: str, en: str, filename: str) -> DocumentRejectedError:
    return DocumentRejectedError(
        f"文档 {filename!r} 被拒收：{zh}", f"document {filename!r} refused: {en}"
    )


def check_filename(filename: str) -> str:
    """Refuse names that could be paths or that no person could read back."""
    name = unicodedata.normalize("NFC", filename or "").strip()
    if not name:
        raise _reject("缺少文件名", "it has no file name", filename)
    if len(name) > 200:
        raise _reject("文件名过长", "the file name is longer than 200 characters", name[:40])
    if any(c in name for c in "/\\") or name in {".", ".."} or name.startswith("."):
        raise _reject("文件名不能包含路径", "the file name must not contain a path", name)
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise _reject("文件名含有控制字符", "the file name contains control characters", name)
    return name


def sniff(head: bytes) -> str | None:
    """The media type that the leading bytes show, if it is one we accept."""
    for signature, media_type in SIGNATURES:
        if head.startswith(signature):
            return media_type
    return None


def _pdf_pages(file: BinaryIO, name: str) -> int:
    file.seek(0)
    try:
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted:
            raise _reject("PDF 已加密", "the PDF is encrypted", name)
        return len(reader.pages)
    except DocumentRejectedError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise _reject("PDF 无法解析", "the PDF cannot be parsed", name) from None


def stage(upload: Upload, config: ArchiveConfig) -> StagedDocument:
    """Check, hash and spool one upload; raise a bilingual 4xx-class error if refused."""
    config.document_type(upload.doc_type)
    name = check_filename(upload.filename)
    spool = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY))  # noqa: SIM115
    try:
        digest = hashlib.sha256()
        size = 0
        head = b""
        while chunk := upload.stream.read(CHUNK):
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
                "格式不在允许范围（PDF、JPEG、PNG、TIFF）",
                "its content is not an allowed format (PDF, JPEG, PNG, TIFF)",
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
        pages = _pdf_pages(spool, name) if media_type == "application/pdf" else None
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
def staged(uploads: list[Upload], config: ArchiveConfig) -> Iterator[list[StagedDocument]]:
    """Stage every upload, and always release the temporary files afterwards."""
    done: list[StagedDocument] = []
    try:
        for upload in uploads:
            done.append(stage(upload, config))
        yield done
    finally:
        for document in done:
            document.close()


def from_bytes(doc_type: str, filename: str, data: bytes) -> Upload:
    """An upload from bytes in memory (CLI, demo, tests)."""
    return Upload(doc_type=doc_type, filename=filename, stream=io.BytesIO(data))
