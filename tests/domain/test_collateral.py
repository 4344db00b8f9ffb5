"""Collateral (押品): registered on a loan; its title certificate (权证, custody tier 1) lodged,
taken out and returned by two archivists together; revalued; insured; released (注销).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.collateral import Collateral
from domain.errors import (
    InvalidInputError,
    InvalidTransitionError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.loan import Loan
from domain.values import (
    Actor,
    CertificateStatus,
    CollateralKind,
    CollateralStatus,
    DocumentRef,
    Party,
    Role,
    collateral_id_for,
)
from tests.domain.givens import day, event_names, repay
from tests.domain.in_memory import InMemoryAggregates, in_memory
from tests.factories import actor, disbursed_loan, doc, party

COLLATERAL_NO = "YP2025-0001"


def register(loan: Loan | None = None, **overrides: Any) -> Collateral:
    """An account manager registers a flat as collateral of ``loan`` (a new loan by default)."""
    params: dict[str, Any] = {
        "loan": loan or disbursed_loan(),
        "collateral_no": COLLATERAL_NO,
        "kind": CollateralKind.REAL_ESTATE,
        "description": "上海市浦东新区示例路 88 号 1201 室",
        "owner_name": "上海示例贸易有限公司",
        "appraised_value": Decimal("2500000.00"),
        "appraised_on": day(-20),
        "registration_no": "沪(2025)浦字不动产证明第0012345号",
        "registered_on": day(-5),
        "actor": actor(Role.ACCOUNT_MANAGER),
        "documents": [doc("mortgage_contract"), doc("valuation_report")],
    }
    params.update(overrides)
    return Collateral.register(**params)


def two_archivists() -> tuple[Actor, list[Party]]:
    """An archivist acting, and the two custodians present: that archivist and another."""
    me = actor(Role.ARCHIVIST)
    return me, [party(Role.ARCHIVIST, id=me.id), party(Role.ARCHIVIST)]


def lodge(collateral: Collateral, on: int = 0) -> list[Party]:
    me, custodians = two_archivists()
    collateral.lodge_certificate(
        certificate_no="他项权证 0012345",
        lodged_on=day(on),
        custodians=custodians,
        actor=me,
        documents=[doc("custody_form")],
    )
    return custodians


def take_out(collateral: Collateral, on: int = 30) -> None:
    me, custodians = two_archivists()
    collateral.take_out_certificate(
        taken_out_on=day(on), purpose="办理续贷抵押变更登记", custodians=custodians, actor=me
    )


def settled(loan: Loan) -> Loan:
    repay(loan, day(200), principal=str(loan.balance), interest="0")
    loan.settle(settled_on=day(200), actor=actor(Role.ACCOUNT_MANAGER))
    return loan


# ------------------------------------------------------------------------------ registration
def test_a_collateral_is_registered_on_a_loan_under_an_id_derived_from_loan_and_number() -> None:
    loan = disbursed_loan()
    am = actor(Role.ACCOUNT_MANAGER)

    collateral = register(loan, actor=am)

    assert collateral.id == collateral_id_for(loan.id, COLLATERAL_NO)
    assert collateral.id != collateral_id_for(disbursed_loan().id, COLLATERAL_NO)
    assert (collateral.loan_id, collateral.loan_no) == (loan.id, loan.loan_no)
    assert collateral.status is CollateralStatus.REGISTERED
    assert collateral.certificate_status is CertificateStatus.NOT_LODGED
    assert collateral.value == collateral.appraised_value == Decimal("2500000.00")
    (registered,) = collateral.pending_events
    assert type(registered).__name__ == "Registered"
    assert (registered.actor_id, registered.role) == (am.id, Role.ACCOUNT_MANAGER)
    assert [d.doc_type for d in registered.documents] == [
        "mortgage_contract",
        "valuation_report",
    ]


def test_the_number_is_stripped_before_it_names_the_collateral() -> None:
    loan = disbursed_loan()

    collateral = register(loan, collateral_no=f"  {COLLATERAL_NO} ")

    assert collateral.collateral_no == COLLATERAL_NO
    assert collateral.id == collateral_id_for(loan.id, COLLATERAL_NO)


def test_the_registration_number_may_be_empty_until_the_mortgage_is_registered() -> None:
    assert register(registration_no="").registration_no == ""


def test_collateral_cannot_be_registered_on_a_settled_loan() -> None:
    loan = settled(disbursed_loan())

    with pytest.raises(InvalidTransitionError) as refused:
        register(loan)

    assert "settled" in refused.value.en


@pytest.mark.parametrize("role", [Role.ARCHIVIST, Role.REVIEWER, Role.AUDITOR])
def test_only_the_lending_side_registers_collateral(role: Role) -> None:
    with pytest.raises(RoleNotPermittedError):
        register(actor=actor(role))


@pytest.mark.parametrize(
    "overrides",
    [
        {"collateral_no": "  "},
        {"collateral_no": "X" * 65},
        {"description": " "},
        {"owner_name": ""},
        {"appraised_value": Decimal("0")},
        {"appraised_value": Decimal("1.001")},
        {"registration_no": "9" * 65},
    ],
)
def test_a_malformed_registration_is_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        register(**overrides)


# ------------------------------------------------------------------ certificate custody
def test_the_certificate_is_lodged_taken_out_and_returned_by_two_custodians_each_time() -> None:
    collateral = register()

    custodians = lodge(collateral)
    assert collateral.certificate_status is CertificateStatus.IN_VAULT
    assert collateral.certificate_no == "他项权证 0012345"
    assert collateral.custodian_ids == [c.id for c in custodians]

    take_out(collateral)
    assert collateral.certificate_status is CertificateStatus.OUT
    assert collateral.out_purpose == "办理续贷抵押变更登记"

    me, again = two_archivists()
    collateral.return_certificate(returned_on=day(32), custodians=again, actor=me)
    assert collateral.certificate_status is CertificateStatus.IN_VAULT
    assert collateral.custodian_ids == [c.id for c in again]
    assert event_names(collateral) == [
        "Registered",
        "CertificateLodged",
        "CertificateTakenOut",
        "CertificateReturned",
    ]
    returned = collateral.pending_events[-1]
    assert returned.custodian_ids == [me.id, again[1].id]
    assert (returned.actor_id, returned.role) == (me.id, Role.ARCHIVIST)


def test_one_custodian_alone_cannot_lodge_the_certificate() -> None:
    collateral = register()
    me, custodians = two_archivists()

    with pytest.raises(SegregationOfDutiesError) as refused:
        collateral.lodge_certificate(
            certificate_no="0012345", lodged_on=day(0), custodians=custodians[:1], actor=me
        )

    assert "two different custodians" in refused.value.en
    assert collateral.certificate_status is CertificateStatus.NOT_LODGED


def test_the_same_person_named_twice_is_still_one_custodian() -> None:
    collateral = register()
    me, custodians = two_archivists()

    with pytest.raises(SegregationOfDutiesError):
        collateral.lodge_certificate(
            certificate_no="0012345",
            lodged_on=day(0),
            custodians=[custodians[0], custodians[0]],
            actor=me,
        )


def test_the_archivist_recording_a_movement_must_be_one_of_the_two_custodians() -> None:
    collateral = register()

    with pytest.raises(SegregationOfDutiesError) as refused:
        collateral.lodge_certificate(
            certificate_no="0012345",
            lodged_on=day(0),
            custodians=[party(Role.ARCHIVIST), party(Role.ARCHIVIST)],
            actor=actor(Role.ARCHIVIST),
        )

    assert "must be a custodian" in refused.value.en


def test_both_custodians_must_be_archivists_at_that_moment() -> None:
    collateral = register()
    me = actor(Role.ARCHIVIST)

    with pytest.raises(SegregationOfDutiesError):
        collateral.lodge_certificate(
            certificate_no="0012345",
            lodged_on=day(0),
            custodians=[party(Role.ARCHIVIST, id=me.id), party(Role.ACCOUNT_MANAGER)],
            actor=me,
        )


def test_more_than_two_custodians_is_malformed() -> None:
    collateral = register()
    me, custodians = two_archivists()

    with pytest.raises(InvalidInputError):
        collateral.lodge_certificate(
            certificate_no="0012345",
            lodged_on=day(0),
            custodians=[*custodians, party(Role.ARCHIVIST)],
            actor=me,
        )


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.ARCHIVE_HEAD, Role.BRANCH_HEAD])
def test_only_archivists_move_certificates(role: Role) -> None:
    collateral = register()
    someone = actor(role)

    with pytest.raises(RoleNotPermittedError):
        collateral.lodge_certificate(
            certificate_no="0012345",
            lodged_on=day(0),
            custodians=[party(Role.ARCHIVIST, id=someone.id), party(Role.ARCHIVIST)],
            actor=someone,
        )


def test_a_certificate_already_in_the_vault_cannot_be_lodged_again() -> None:
    collateral = register()
    lodge(collateral)

    with pytest.raises(InvalidTransitionError) as refused:
        lodge(collateral, on=1)

    assert refused.value.context["certificate_status"] == "in_vault"


def test_a_certificate_that_is_out_cannot_be_lodged_it_is_returned() -> None:
    collateral = register()
    lodge(collateral)
    take_out(collateral)

    with pytest.raises(InvalidTransitionError):
        lodge(collateral, on=40)


def test_a_certificate_never_lodged_cannot_be_taken_out() -> None:
    collateral = register()

    with pytest.raises(InvalidTransitionError):
        take_out(collateral)


def test_a_certificate_in_the_vault_cannot_be_returned() -> None:
    collateral = register()
    lodge(collateral)
    me, custodians = two_archivists()

    with pytest.raises(InvalidTransitionError):
        collateral.return_certificate(returned_on=day(5), custodians=custodians, actor=me)


def test_movements_cannot_go_back_in_time() -> None:
    collateral = register()
    lodge(collateral, on=10)

    with pytest.raises(InvalidInputError):
        take_out(collateral, on=9)
    with pytest.raises(InvalidInputError):
        lodge(register(), on=-6)  # before the collateral was registered


# ------------------------------------------------------------------ value and insurance
def test_a_revaluation_records_the_new_value_and_the_one_it_replaces() -> None:
    collateral = register()
    officer = actor(Role.POST_LOAN_OFFICER)

    collateral.revalue(
        revalued_on=day(180),
        value=Decimal("2100000.00"),
        actor=officer,
        documents=[doc("revaluation_report")],
    )

    assert collateral.value == Decimal("2100000.00")
    assert collateral.valued_on == day(180)
    revalued = collateral.pending_events[-1]
    assert type(revalued).__name__ == "Revalued"
    assert revalued.previous_value == Decimal("2500000.00")
    assert revalued.role is Role.POST_LOAN_OFFICER


def test_a_revaluation_cannot_predate_the_current_value_or_be_zero() -> None:
    collateral = register()
    am = actor(Role.ACCOUNT_MANAGER)

    with pytest.raises(InvalidInputError):
        collateral.revalue(revalued_on=day(-30), value=Decimal("1.00"), actor=am)
    with pytest.raises(InvalidInputError):
        collateral.revalue(revalued_on=day(30), value=Decimal("0.00"), actor=am)
    with pytest.raises(RoleNotPermittedError):
        collateral.revalue(revalued_on=day(30), value=Decimal("1.00"), actor=actor(Role.ARCHIVIST))


def test_insurance_is_renewed_lapses_and_is_renewed_again() -> None:
    collateral = register()
    am = actor(Role.ACCOUNT_MANAGER)
    assert collateral.insurance_status == "none"

    collateral.renew_insurance(
        policy_no="PICC-2025-001",
        insurer="中国人民财产保险股份有限公司",
        expires_on=date(2026, 1, 31),
        actor=am,
        documents=[doc("insurance_policy")],
    )
    assert collateral.insurance_status == "in_force"

    collateral.record_insurance_lapse(lapsed_on=date(2025, 6, 1), actor=am)
    assert collateral.insurance_status == "lapsed"
    assert collateral.insurance_lapsed_on == date(2025, 6, 1)

    collateral.renew_insurance(
        policy_no="PICC-2025-077",
        insurer="中国人民财产保险",
        expires_on=date(2026, 6, 30),
        actor=am,
    )
    assert collateral.insurance_status == "in_force"
    assert event_names(collateral)[-3:] == [
        "InsuranceRenewed",
        "InsuranceLapsed",
        "InsuranceRenewed",
    ]


def test_insurance_not_in_force_cannot_lapse() -> None:
    collateral = register()

    with pytest.raises(InvalidTransitionError):
        collateral.record_insurance_lapse(lapsed_on=day(30), actor=actor(Role.ACCOUNT_MANAGER))


def test_a_renewal_must_expire_later_than_the_policy_it_renews() -> None:
    collateral = register()
    am = actor(Role.ACCOUNT_MANAGER)
    collateral.renew_insurance(
        policy_no="P1", insurer="保险公司", expires_on=date(2026, 1, 31), actor=am
    )

    with pytest.raises(InvalidInputError):
        collateral.renew_insurance(
            policy_no="P2", insurer="保险公司", expires_on=date(2026, 1, 31), actor=am
        )


# ----------------------------------------------------------------------------- release
def test_before_settlement_the_branch_head_releases_the_collateral_and_its_certificate() -> None:
    loan = disbursed_loan()
    collateral = register(loan)
    lodge(collateral)

    collateral.release(
        released_on=day(60),
        reason="借款人以存单置换抵押物",
        loan=loan,
        actor=actor(Role.BRANCH_HEAD),
        documents=[doc("release_certificate")],
    )

    assert collateral.status is CollateralStatus.RELEASED
    assert collateral.certificate_status is CertificateStatus.RELEASED
    assert collateral.released_on == day(60)
    assert event_names(collateral)[-1] == "Released"


def test_before_settlement_an_account_manager_may_not_release_collateral() -> None:
    loan = disbursed_loan()
    collateral = register(loan)

    with pytest.raises(RoleNotPermittedError) as refused:
        collateral.release(
            released_on=day(60), reason="解押", loan=loan, actor=actor(Role.ACCOUNT_MANAGER)
        )

    assert refused.value.context["allowed"] == ["branch_head"]
    assert collateral.status is CollateralStatus.REGISTERED


def test_after_settlement_the_account_manager_releases_the_collateral() -> None:
    loan = disbursed_loan()
    collateral = register(loan)
    settled(loan)

    collateral.release(
        released_on=day(201), reason="贷款已结清", loan=loan, actor=actor(Role.ACCOUNT_MANAGER)
    )

    assert collateral.status is CollateralStatus.RELEASED


def test_collateral_cannot_be_released_while_its_certificate_is_out() -> None:
    loan = disbursed_loan()
    collateral = register(loan)
    lodge(collateral)
    take_out(collateral)

    with pytest.raises(InvalidTransitionError) as refused:
        collateral.release(
            released_on=day(60), reason="解押", loan=loan, actor=actor(Role.BRANCH_HEAD)
        )

    assert refused.value.context["certificate_status"] == "out"


def test_collateral_is_released_only_against_its_own_loan() -> None:
    collateral = register()

    with pytest.raises(InvalidInputError):
        collateral.release(
            released_on=day(60),
            reason="解押",
            loan=disbursed_loan(),
            actor=actor(Role.BRANCH_HEAD),
        )


AFTER_RELEASE: dict[str, Callable[[Collateral, Loan], None]] = {
    "lodge": lambda c, loan: lodge(c, on=90),
    "take_out": lambda c, loan: take_out(c, on=90),
    "revalue": lambda c, loan: c.revalue(
        revalued_on=day(90), value=Decimal("1.00"), actor=actor(Role.ACCOUNT_MANAGER)
    ),
    "renew_insurance": lambda c, loan: c.renew_insurance(
        policy_no="P9", insurer="保险公司", expires_on=day(400), actor=actor(Role.ACCOUNT_MANAGER)
    ),
    "record_insurance_lapse": lambda c, loan: c.record_insurance_lapse(
        lapsed_on=day(90), actor=actor(Role.ACCOUNT_MANAGER)
    ),
    "release": lambda c, loan: c.release(
        released_on=day(90), reason="再次注销", loan=loan, actor=actor(Role.BRANCH_HEAD)
    ),
}


@pytest.mark.parametrize("command", sorted(AFTER_RELEASE))
def test_after_release_nothing_more_is_recorded(command: str) -> None:
    loan = disbursed_loan()
    collateral = register(loan)
    collateral.renew_insurance(
        policy_no="P1", insurer="保险公司", expires_on=day(300), actor=actor(Role.ACCOUNT_MANAGER)
    )
    collateral.release(released_on=day(60), reason="置换", loan=loan, actor=actor(Role.BRANCH_HEAD))
    version = collateral.version

    with pytest.raises(InvalidTransitionError) as refused:
        AFTER_RELEASE[command](collateral, loan)

    assert "released" in refused.value.en
    assert collateral.version == version


# ------------------------------------------------------------------------------ round trip
@pytest.fixture
def store() -> Iterator[InMemoryAggregates]:
    yield from in_memory()


def test_a_collateral_rebuilt_from_its_events_equals_the_original(
    store: InMemoryAggregates,
) -> None:
    original = register()
    custodians = lodge(original)
    original.revalue(
        revalued_on=day(100), value=Decimal("2300000.50"), actor=actor(Role.ACCOUNT_MANAGER)
    )
    store.save(original)

    rebuilt: Collateral = store.repository.get(original.id)
    events = list(store.events.get(original.id))

    assert vars(rebuilt) == vars(original)
    assert rebuilt.kind is CollateralKind.REAL_ESTATE
    assert type(rebuilt.value) is Decimal
    assert type(rebuilt.registered_on) is date
    assert rebuilt.custodian_ids == [c.id for c in custodians]
    assert all(type(i) is UUID for i in events[1].custodian_ids)
    assert all(type(d) is DocumentRef for d in events[0].documents)
    assert events[2].previous_value == Decimal("2500000.00")
