"""The dossier (档案): one per loan, each document linked to the event it evidences."""

from __future__ import annotations

import pytest

from domain.dossier import Dossier
from domain.errors import AdministratorBusinessActionError, RoleNotPermittedError
from domain.values import DocumentRef, Role, dossier_id_for
from tests.factories import actor, disbursed_loan, doc


def open_dossier() -> Dossier:
    loan = disbursed_loan(loan_no="JJ2025000042")
    return Dossier.open(
        loan_id=loan.id,
        loan_no=loan.loan_no,
        borrower_name=loan.borrower_name,
        actor=actor(Role.ACCOUNT_MANAGER),
    )


def test_a_dossier_is_opened_under_an_id_derived_from_its_loan() -> None:
    loan = disbursed_loan()

    dossier = Dossier.open(
        loan_id=loan.id,
        loan_no=loan.loan_no,
        borrower_name=loan.borrower_name,
        actor=actor(Role.ACCOUNT_MANAGER),
    )

    assert dossier.id == dossier_id_for(loan.id)
    assert dossier.loan_no == loan.loan_no
    assert dossier.documents == []


def test_filing_a_document_with_a_loan_command_records_the_event_it_evidences() -> None:
    loan = disbursed_loan()
    dossier = open_dossier()
    contract = doc("loan_contract")
    disbursed = loan.pending_events[0]

    dossier.file(
        document=contract,
        stage="disbursement",
        evidences_id=disbursed.originator_id,
        evidences_version=disbursed.originator_version,
        actor=actor(Role.RISK_MANAGER),  # authorised by the loan command it came with
    )

    filed = dossier.documents[-1]
    assert filed.ref == contract
    assert (filed.evidences_id, filed.evidences_version) == (loan.id, 1)
    assert dossier.holds(contract.sha256)
    recorded = dossier.pending_events[-1]
    assert type(recorded).__name__ == "DocumentFiled"
    assert recorded.evidences_id == loan.id


def file_supplement(dossier: Dossier, supplement: DocumentRef, role: Role) -> None:
    """A supplement filed on its own, evidencing no event, by someone in ``role``."""
    dossier.file(
        document=supplement,
        stage="supplement",
        evidences_id=None,
        evidences_version=None,
        actor=actor(role),
    )


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.POST_LOAN_OFFICER, Role.ARCHIVIST])
def test_a_supplement_filed_on_its_own_by_a_filing_role_is_accepted(role: Role) -> None:
    dossier = open_dossier()
    supplement = doc("insurance_policy")

    file_supplement(dossier, supplement, role)

    assert dossier.holds(supplement.sha256)


@pytest.mark.parametrize("role", [Role.RISK_MANAGER, Role.AUDITOR, Role.COMPLIANCE])
def test_a_supplement_filed_on_its_own_needs_the_filing_permission(role: Role) -> None:
    dossier = open_dossier()
    supplement = doc("insurance_policy")

    with pytest.raises(RoleNotPermittedError):
        file_supplement(dossier, supplement, role)

    assert not dossier.holds(supplement.sha256)


def test_an_administrator_may_not_file_documents() -> None:
    dossier = open_dossier()

    with pytest.raises(AdministratorBusinessActionError):
        dossier.file(
            document=doc(),
            stage="supplement",
            evidences_id=None,
            evidences_version=None,
            actor=actor(Role.ADMINISTRATOR),
        )
