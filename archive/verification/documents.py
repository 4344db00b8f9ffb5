"""Check e of ``dossier verify``: every cited document read back, decrypted and hashed.

As each ``DocumentFiled`` event (and each management paper drafted or revised) streams by, the document it cites is read from the blob store in
chunks, decrypted (authenticated, under its dossier's data key) and hashed; its SHA-256 and size
must be those the event names. A dossier destroyed by a lawful destruction (its ``Destroyed``
event founded on an executed batch: ``archive.verification.destructions``) has lost its key and
its blobs on purpose: there the check is the other way round — a blob still stored is a
discrepancy unless the batch's ``Completed`` event lists it as retained under object lock. A
``Destroyed`` event without such a batch excuses nothing.
"""

from __future__ import annotations

import hashlib
from typing import Final
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import get_topic

from archive.core import blob_key, left_after_destruction
from archive.verification.report import Finding, Findings
from domain.dossier import Dossier
from domain.papers import ManagementPaper
from domain.topics import stored_topics
from domain.values import DocumentRef
from storage.blobs import BlobNotFoundError, BlobStore
from storage.crypto import CiphertextIntegrityError
from storage.envelope import DataKeyNotFoundError

CHUNK: Final = 1024 * 1024
"""Bytes of a document read at a time."""

# Each with every topic the class's events were stored under before a module moved. A document
# is filed in a loan's dossier, or kept by the management paper it is (drafted, then revised):
# both under their aggregate's key, both read back here.
FILED: Final = (
    *stored_topics(get_topic(Dossier.DocumentFiled)),  # type: ignore[attr-defined]
    *stored_topics(get_topic(ManagementPaper.PaperDrafted)),  # type: ignore[attr-defined]
    *stored_topics(get_topic(ManagementPaper.PaperRevised)),  # type: ignore[attr-defined]
)


class DocumentChecks:
    """Each cited document read back, decrypted and hashed (check e)."""

    def __init__(self, blobs: BlobStore, mapper: Mapper[UUID], findings: Findings) -> None:
        self.blobs = blobs
        self.mapper = mapper
        self.findings = findings
        self.destroyed: set[UUID] = set()
        """Dossiers destroyed by a lawful batch (``archive.verification.destructions``)."""
        self.retained: set[str] = set()
        self.checked = 0
        self.destroyed_absent = 0

    def check(self, note: Notification) -> None:
        dossier_id = UUID(str(note.originator_id))
        try:
            ref = self.mapper.to_domain_event(note).document  # type: ignore[attr-defined]
            if not isinstance(ref, DocumentRef):
                raise TypeError("no document")
        except Exception as error:
            self.findings.add(
                Finding(
                    "document_event_unreadable",
                    f"the DocumentFiled event at position {note.id} cannot be read "
                    f"({type(error).__name__}), so its document cannot be checked",
                    f"位置 {note.id} 的归档事件无法解析，其文档无法核验",
                    position=note.id,
                    dossier_id=dossier_id,
                )
            )
            return
        if dossier_id in self.destroyed:
            self._check_destroyed(note, dossier_id, ref)
            return
        self.checked += 1
        problem = self._read(blob_key(dossier_id, ref.sha256), ref)
        if problem is not None:
            check, detail, detail_zh = problem
            self.findings.add(
                Finding(
                    check,
                    f"document {ref.sha256} ({ref.doc_type}, {ref.filename}) of dossier "
                    f"{dossier_id}, filed at position {note.id}: {detail}",
                    f"档案 {dossier_id} 中位置 {note.id} 归档的文档 {ref.sha256}（{ref.filename}）"
                    f"：{detail_zh}",
                    position=note.id,
                    dossier_id=dossier_id,
                    sha256=ref.sha256,
                )
            )

    def _read(self, key: str, ref: DocumentRef) -> tuple[str, str, str] | None:
        digest = hashlib.sha256()
        size = 0
        try:
            with self.blobs.open(key) as stream:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
        except BlobNotFoundError:
            return "document_missing", "it is missing from the blob store", "文档存储中缺失"
        except DataKeyNotFoundError:
            return (
                "document_key_missing",
                "its dossier's data key is gone, yet no lawful destruction of the dossier is "
                "recorded",
                "其档案的数据密钥已不存在，但没有任何合法的销毁记录",
            )
        except CiphertextIntegrityError:
            return (
                "document_undecryptable",
                "its stored ciphertext fails authenticated decryption: it was altered or replaced",
                "存储的密文未通过认证解密：已被改动或替换",
            )
        except Exception as error:
            return (
                "document_unreadable",
                f"it cannot be read ({type(error).__name__}: {error})",
                f"无法读取（{type(error).__name__}）",
            )
        if digest.hexdigest() != ref.sha256 or size != ref.size:
            return (
                "document_hash",
                f"its content hashes to {digest.hexdigest()} ({size} bytes), not to the "
                f"{ref.sha256} ({ref.size} bytes) its event names: it was replaced",
                f"其内容哈希为 {digest.hexdigest()}（{size} 字节），与事件记载不符：已被替换",
            )
        return None

    def _check_destroyed(self, note: Notification, dossier_id: UUID, ref: DocumentRef) -> None:
        self.destroyed_absent += 1
        for stored in left_after_destruction(self.blobs, dossier_id, ref.sha256, self.retained):
            self.findings.add(
                Finding(
                    "document_not_destroyed",
                    f"dossier {dossier_id} was destroyed, yet {stored} (filed at position "
                    f"{note.id}) is still stored and not recorded as retained by its destruction "
                    "batch: the destruction is unfinished or the blob was restored",
                    f"档案 {dossier_id} 已销毁，但 {stored} 仍在存储中，且销毁批次未记载其保留："
                    "销毁未完成或文件被恢复",
                    position=note.id,
                    dossier_id=dossier_id,
                    sha256=ref.sha256,
                )
            )
