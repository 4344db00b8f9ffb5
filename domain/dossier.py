"""The dossier (档案/案卷): one per loan, holding the documents that prove it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.custody.retention import DossierCustody
from domain.errors import (
    AlreadyDestroyedError,
    DocumentDestroyedError,
    InvalidInputError,
    NotFoundError,
)
from domain.values import (
    Actor,
    DocumentRef,
    FixityStatus,
    ReadPurpose,
    Role,
    dossier_id_for,
)


@dataclass(frozen=True)
class FixityResult:
    """What re-checking one document found."""

    sha256: str
    doc_type: str
    status: FixityStatus
    detail: str
    destruction_batch_id: UUID | None = None
    """The batch that destroyed the document's dossier, for a destroyed document."""
    destroyed_on: date | None = None

    @property
    def failed(self) -> bool:
        return not self.status.passes

    def as_dict(self) -> dict[str, str]:
        found = {
            "sha256": self.sha256,
            "doc_type": self.doc_type,
            "status": self.status.value,
            "detail": self.detail,
        }
        if self.destruction_batch_id is not None:
            found["destruction_batch_id"] = str(self.destruction_batch_id)
        if self.destroyed_on is not None:
            found["destroyed_on"] = self.destroyed_on.isoformat()
        return found


@dataclass(frozen=True)
class FiledDocument:
    """A document in the dossier and the loan event it evidences."""

    ref: DocumentRef
    stage: str
    evidences_id: UUID | None
    evidences_version: int | None


class Dossier(DossierCustody):
    """The paper trail of one loan; what the archive office records is :class:`DossierCustody`."""

    @staticmethod
    def create_id(loan_id: UUID) -> UUID:
        return dossier_id_for(loan_id)

    @classmethod
    def open(
        cls,
        *,
        loan_id: UUID,
        loan_no: str,
        borrower_name: str,
        actor: Actor,
        opened_on: date | None = None,
    ) -> Self:
        """Open the dossier with the loan's disbursement, on its value date (``opened_on``)."""
        # What ``cls(...)`` does, without the metaclass's look at each call's arguments: the
        # core's feed opens thousands in a batch.
        return cls._create(
            cls.Opened,  # type: ignore[attr-defined]
            id=cls.create_id(loan_id),
            loan_id=loan_id,
            loan_no=loan_no,
            borrower_name=borrower_name,
            actor_id=actor.id,
            role=actor.role,
            opened_on=opened_on,
        )

    @event("Opened")
    def __init__(
        self,
        *,
        loan_id: UUID,
        loan_no: str,
        borrower_name: str,
        actor_id: UUID,
        role: Role,
        opened_on: date | None = None,
    ) -> None:
        # ``opened_on`` dates the opening (业务日期); dossiers opened before it was carried
        # have none.
        self.loan_id = loan_id
        self.loan_no = loan_no
        self.borrower_name = borrower_name
        self.documents: list[FiledDocument] = []
        self.reads = 0
        self.last_fixity_passed: bool | None = None
        self.destroyed_in: UUID | None = None
        self.destroyed_on: date | None = None
        self._init_custody()

    def file(
        self,
        *,
        document: DocumentRef,
        stage: str,
        evidences_id: UUID | None,
        evidences_version: int | None,
        actor: Actor,
        filed_on: date | None = None,
    ) -> None:
        """File a document (归档), naming the event it evidences, on that event's business
        date (``filed_on``; none for a document filed on its own: the day it is recorded).

        Documents that come with a loan command are authorised by that command;
        a document filed on its own (a supplement) needs the filing permission.
        """
        if evidences_id is None:
            authorize(actor, Action.FILE_DOCUMENT)
        self._document_filed(
            document=document,
            stage=stage,
            evidences_id=evidences_id,
            evidences_version=evidences_version,
            actor_id=actor.id,
            role=actor.role,
            filed_on=filed_on,
        )

    @event("DocumentFiled")
    def _document_filed(
        self,
        *,
        document: DocumentRef,
        stage: str,
        evidences_id: UUID | None,
        evidences_version: int | None,
        actor_id: UUID,
        role: Role,
        filed_on: date | None = None,
    ) -> None:
        self.documents.append(FiledDocument(document, stage, evidences_id, evidences_version))

    def holds(self, sha256: str) -> bool:
        return any(d.ref.sha256 == sha256 for d in self.documents)

    def filed(self, sha256: str) -> FiledDocument:
        for document in self.documents:
            if document.ref.sha256 == sha256:
                return document
        raise NotFoundError(
            f"档案中没有哈希为 {sha256} 的文档", f"the dossier holds no document {sha256}"
        )

    def custody_tier_of(self, sha256: str) -> int:
        """The custody tier of a filed document: 1 for title certificates and securities
        (held like cash, lent only with the branch head's approval), 2 otherwise.

        Decided at cataloguing from the document types configured as tier 1; before the
        dossier is catalogued it is not known (NotCataloguedError).
        """
        document = self.filed(sha256)
        entry = self.check_catalogued()
        return 1 if document.ref.doc_type in entry.tier1_doc_types else 2

    def record_read(
        self,
        *,
        sha256: str,
        purpose: ReadPurpose,
        copy_sha256: str,
        watermarked: bool,
        actor: Actor,
    ) -> None:
        """Record that a person read a document's content, and the copy they got (调阅留痕).

        Reading the original needs the right to read originals — except for a format no
        watermark can be put on (OFD), which every reader is handed as it is.
        """
        unstampable = any(d.ref.sha256 == sha256 and not d.ref.stampable for d in self.documents)
        plain = watermarked or unstampable
        authorize(actor, Action.READ_DOCUMENT if plain else Action.READ_ORIGINAL)
        self.check_not_destroyed()
        self.filed(sha256)
        self._document_read(
            sha256=sha256,
            purpose=purpose,
            copy_sha256=copy_sha256,
            watermarked=watermarked,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("DocumentRead")
    def _document_read(
        self,
        *,
        sha256: str,
        purpose: ReadPurpose,
        copy_sha256: str,
        watermarked: bool,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.reads += 1

    def record_fixity_check(self, *, results: list[FixityResult], actor: Actor) -> None:
        """Record the outcome of re-checking every document (四性检测): the check is evidence too."""
        authorize(actor, Action.CHECK_FIXITY)
        known = {d.ref.sha256 for d in self.documents}
        if {r.sha256 for r in results} != known:
            raise InvalidInputError(
                "检测结果须覆盖档案中的全部文档",
                "a fixity check must report on every document of the dossier",
            )
        failed = [r for r in results if r.failed]
        self._fixity_checked(
            passed=not failed,
            results=[r.as_dict() for r in results],
            actor_id=actor.id,
            role=actor.role,
        )

    @event("FixityChecked")
    def _fixity_checked(
        self, *, passed: bool, results: list[dict[str, str]], actor_id: UUID, role: Role
    ) -> None:
        self.last_fixity_passed = passed

    # ------------------------------------------------------------ destruction (销毁)
    def check_not_destroyed(self) -> None:
        """Refuse with 410 Gone once the dossier's content was destroyed."""
        if self.destroyed_in is not None:
            raise DocumentDestroyedError(
                f"该档案已于销毁批次 {self.destroyed_in} 中销毁，文档内容不复存在",
                f"the dossier was destroyed in destruction batch {self.destroyed_in}: "
                "its documents are gone",
                destruction_batch_id=str(self.destroyed_in),
            )

    def destroy(
        self,
        *,
        batch_id: UUID,
        register_entry: dict[str, Any],
        supervisors: list[UUID],
        it_supervisor: UUID | None,
        destroyed_on: date,
        actor: Actor,
    ) -> None:
        """Record the destruction of the dossier's content: what existed stays as evidence."""
        authorize(actor, Action.EXECUTE_DESTRUCTION)
        if self.destroyed_in is not None:
            raise AlreadyDestroyedError(
                "该档案已销毁", "the dossier was destroyed already", batch_id=str(self.destroyed_in)
            )
        self._destroyed(
            batch_id=batch_id,
            documents=[
                {
                    "sha256": d.ref.sha256,
                    "doc_type": d.ref.doc_type,
                    "filename": d.ref.filename,
                    "pages": d.ref.pages,
                    "size": d.ref.size,
                }
                for d in self.documents
            ],
            register_entry=dict(register_entry),
            supervisors=list(supervisors),
            it_supervisor=it_supervisor,
            destroyed_on=destroyed_on,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Destroyed")
    def _destroyed(
        self,
        *,
        batch_id: UUID,
        documents: list[dict[str, Any]],
        register_entry: dict[str, Any],
        supervisors: list[UUID],
        it_supervisor: UUID | None,
        destroyed_on: date,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.destroyed_in = batch_id
        self.destroyed_on = destroyed_on
