"""The dossier (档案/案卷): one per loan, holding the documents that prove it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.values import Actor, DocumentRef, Role, dossier_id_for


@dataclass(frozen=True)
class FiledDocument:
    """A document in the dossier and the loan event it evidences."""

    ref: DocumentRef
    stage: str
    evidences_id: UUID | None
    evidences_version: int | None


class Dossier(Aggregate):
    """The paper trail of one loan."""

    @staticmethod
    def create_id(loan_id: UUID) -> UUID:
        return dossier_id_for(loan_id)

    @classmethod
    def open(cls, *, loan_id: UUID, loan_no: str, borrower_name: str, actor: Actor) -> Self:
        """Open the dossier with the loan's disbursement."""
        return cls(
            loan_id=loan_id,
            loan_no=loan_no,
            borrower_name=borrower_name,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Opened")
    def __init__(
        self, *, loan_id: UUID, loan_no: str, borrower_name: str, actor_id: UUID, role: Role
    ) -> None:
        self.loan_id = loan_id
        self.loan_no = loan_no
        self.borrower_name = borrower_name
        self.documents: list[FiledDocument] = []

    def file(
        self,
        *,
        document: DocumentRef,
        stage: str,
        evidences_id: UUID | None,
        evidences_version: int | None,
        actor: Actor,
    ) -> None:
        """File a document (归档), naming the event it evidences.

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
    ) -> None:
        self.documents.append(FiledDocument(document, stage, evidences_id, evidences_version))

    def holds(self, sha256: str) -> bool:
        return any(d.ref.sha256 == sha256 for d in self.documents)
