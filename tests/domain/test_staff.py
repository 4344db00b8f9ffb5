"""Staff (人员): roles held over time, 三员分立, access tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import (
    AdministratorBusinessActionError,
    InvalidInputError,
    InvalidTransitionError,
    SegregationOfDutiesError,
)
from domain.staff import Staff
from domain.values import Role, staff_id_for
from tests.factories import actor

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def enrol(staff_no: str = "SH0001") -> Staff:
    return Staff.enrol(
        staff_no=staff_no, name="王晓明", branch="上海分行", actor=actor(Role.ADMINISTRATOR)
    )


def grant(staff: Staff, role: Role, at: datetime = T0) -> None:
    staff.grant_role(role=role, granted_at=at, actor=actor(Role.ADMINISTRATOR))


def revoke(staff: Staff, role: Role, at: datetime) -> None:
    staff.revoke_role(role=role, revoked_at=at, reason="岗位调整", actor=actor(Role.ADMINISTRATOR))


def test_an_administrator_enrols_a_person_under_a_deterministic_id() -> None:
    staff = enrol(" SH0001 ")

    assert staff.id == staff_id_for("SH0001")
    assert staff.staff_no == "SH0001"
    assert staff.current_roles == frozenset()


@pytest.mark.parametrize("staff_no", ["", "   ", "X" * 33, "SH\n01"])
def test_a_staff_number_must_be_one_to_thirty_two_printable_characters(staff_no: str) -> None:
    with pytest.raises(InvalidInputError):
        enrol(staff_no)


def test_a_business_user_may_not_enrol_staff() -> None:
    with pytest.raises(SegregationOfDutiesError):
        Staff.enrol(
            staff_no="SH0002", name="李四", branch="上海分行", actor=actor(Role.BRANCH_HEAD)
        )


def test_roles_are_held_from_their_grant_until_their_revocation() -> None:
    staff = enrol()
    granted, revoked = T0, T0 + timedelta(days=90)
    grant(staff, Role.ACCOUNT_MANAGER, granted)
    revoke(staff, Role.ACCOUNT_MANAGER, revoked)

    assert staff.roles_at(granted - timedelta(seconds=1)) == frozenset()
    assert staff.roles_at(granted) == {Role.ACCOUNT_MANAGER}
    assert staff.roles_at(granted + timedelta(days=30)) == {Role.ACCOUNT_MANAGER}
    assert staff.roles_at(revoked) == frozenset()
    assert staff.roles_at(revoked + timedelta(days=1)) == frozenset()
    assert staff.current_roles == frozenset()


def test_a_role_granted_again_after_revocation_leaves_the_gap_in_the_history() -> None:
    staff = enrol()
    grant(staff, Role.REVIEWER, T0)
    revoke(staff, Role.REVIEWER, T0 + timedelta(days=10))
    grant(staff, Role.REVIEWER, T0 + timedelta(days=20))

    assert staff.roles_at(T0 + timedelta(days=15)) == frozenset()
    assert staff.roles_at(T0 + timedelta(days=25)) == {Role.REVIEWER}
    assert staff.current_roles == {Role.REVIEWER}


def test_a_person_may_hold_several_business_roles() -> None:
    staff = enrol()

    grant(staff, Role.ACCOUNT_MANAGER)
    grant(staff, Role.POST_LOAN_OFFICER)

    assert staff.current_roles == {Role.ACCOUNT_MANAGER, Role.POST_LOAN_OFFICER}


def test_a_role_already_held_is_not_granted_twice() -> None:
    staff = enrol()
    grant(staff, Role.ACCOUNT_MANAGER)

    with pytest.raises(InvalidTransitionError):
        grant(staff, Role.ACCOUNT_MANAGER, T0 + timedelta(days=1))

    assert len(staff.spells) == 1


def test_an_administrator_may_not_also_hold_a_business_role() -> None:
    staff = enrol()
    grant(staff, Role.ADMINISTRATOR)

    with pytest.raises(SegregationOfDutiesError):
        grant(staff, Role.ACCOUNT_MANAGER)

    assert staff.current_roles == {Role.ADMINISTRATOR}


def test_a_business_user_may_not_also_be_made_administrator() -> None:
    staff = enrol()
    grant(staff, Role.AUDITOR)

    with pytest.raises(SegregationOfDutiesError):
        grant(staff, Role.ADMINISTRATOR)

    assert staff.current_roles == {Role.AUDITOR}


@pytest.mark.parametrize("other", [Role.ADMINISTRATOR, Role.ACCOUNT_MANAGER, Role.AUDITOR])
def test_the_integration_role_is_held_alone(other: Role) -> None:
    """三员分立: whoever imports the core feed neither administers the system nor does the
    business whose figures it records — in either order of granting."""
    first, second = enrol("SH0001"), enrol("SH0002")
    grant(first, Role.INTEGRATION)
    grant(second, other)

    with pytest.raises(SegregationOfDutiesError) as refused:
        grant(first, other)
    with pytest.raises(SegregationOfDutiesError):
        grant(second, Role.INTEGRATION)

    assert "系统对接岗" in refused.value.zh
    assert first.current_roles == {Role.INTEGRATION}
    assert second.current_roles == {other}


def test_once_the_business_role_is_revoked_the_person_may_become_administrator() -> None:
    staff = enrol()
    grant(staff, Role.AUDITOR, T0)
    revoke(staff, Role.AUDITOR, T0 + timedelta(days=1))

    grant(staff, Role.ADMINISTRATOR, T0 + timedelta(days=2))

    assert staff.current_roles == {Role.ADMINISTRATOR}


def test_a_business_user_may_not_grant_roles() -> None:
    staff = enrol()

    with pytest.raises(SegregationOfDutiesError) as refused:
        staff.grant_role(role=Role.REVIEWER, granted_at=T0, actor=actor(Role.BRANCH_HEAD))

    assert not isinstance(refused.value, AdministratorBusinessActionError)
    assert staff.spells == []


def test_an_administrator_may_not_grant_roles_to_themselves() -> None:
    staff = enrol()

    with pytest.raises(SegregationOfDutiesError):
        staff.grant_role(
            role=Role.ARCHIVIST, granted_at=T0, actor=actor(Role.ADMINISTRATOR, id=staff.id)
        )

    assert staff.spells == []


def test_revoking_a_role_not_held_is_refused() -> None:
    staff = enrol()
    grant(staff, Role.ACCOUNT_MANAGER)

    with pytest.raises(InvalidTransitionError):
        revoke(staff, Role.REVIEWER, T0 + timedelta(days=1))


def test_revoking_needs_a_reason() -> None:
    staff = enrol()
    grant(staff, Role.ACCOUNT_MANAGER)

    with pytest.raises(InvalidInputError):
        staff.revoke_role(
            role=Role.ACCOUNT_MANAGER,
            revoked_at=T0 + timedelta(days=1),
            reason=" ",
            actor=actor(Role.ADMINISTRATOR),
        )


def test_a_token_is_issued_as_a_hash_and_revoked() -> None:
    staff = enrol()
    token_id = uuid4()

    staff.issue_token(token_id=token_id, token_hash="ab" * 32, actor=actor(Role.ADMINISTRATOR))
    assert staff.token_hashes == {token_id: "ab" * 32}

    staff.revoke_token(token_id=token_id, actor=actor(Role.ADMINISTRATOR))
    assert staff.token_hashes == {}
    assert [type(e).__name__ for e in staff.pending_events][-2:] == [
        "TokenIssued",
        "TokenRevoked",
    ]


def test_revoking_an_unknown_or_revoked_token_is_refused() -> None:
    staff = enrol()
    token_id = uuid4()
    staff.issue_token(token_id=token_id, token_hash="ab" * 32, actor=actor(Role.ADMINISTRATOR))
    staff.revoke_token(token_id=token_id, actor=actor(Role.ADMINISTRATOR))

    with pytest.raises(InvalidTransitionError):
        staff.revoke_token(token_id=token_id, actor=actor(Role.ADMINISTRATOR))


def test_a_business_user_may_not_issue_tokens() -> None:
    staff = enrol()

    with pytest.raises(SegregationOfDutiesError):
        staff.issue_token(token_id=uuid4(), token_hash="ab" * 32, actor=actor(Role.COMPLIANCE))

    assert staff.token_hashes == {}
