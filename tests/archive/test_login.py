"""Signing in with a staff number and a password (登录), as the console does it.

An administrator sets a temporary password; the person signs in, is told to change it, and
changes it. Wrong passwords are recorded on the person's record and, five in a row, lock
sign-in for a while; a staff number nobody holds records nothing at all.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from archive.application import DossierArchive
from archive.commands.login import (
    AccountLockedError,
    LoginRefusedError,
    SetPassword,
    UnknownLoginError,
    generate_password,
)
from archive.commands.staff import GrantRole, RevokeRole
from archive.core import SYSTEM_ID, CommandContext
from archive.errors import AuthenticationError
from domain.errors import (
    AdministratorBusinessActionError,
    InvalidInputError,
    SegregationOfDutiesError,
)
from domain.staff import check_password
from domain.values import LoginFailure, Role

CONSOLE = CommandContext(SYSTEM_ID)
TEMPORARY = "Kaishi2026start"
CHOSEN = "Yunxi2026chosen"


def _events(app: DossierArchive, staff_no: str) -> list[str]:
    return [e.type.rsplit(".", 1)[-1] for e in app.events_of(app.staff(staff_no).id)]


def test_a_temporary_password_signs_in_and_must_be_changed(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(CONSOLE, SetPassword(staff_no="auditor", password=TEMPORARY))

    first = app.log_in("auditor", TEMPORARY, source="10.1.2.3")
    assert first.must_change_password
    assert (first.staff_no, first.name) == ("auditor", "赵敏")

    app.change_password(staff["auditor"], current=TEMPORARY, new=CHOSEN)
    again = app.log_in("auditor", CHOSEN, source="10.1.2.3")
    assert not again.must_change_password
    with pytest.raises(LoginRefusedError):
        app.log_in("auditor", TEMPORARY, source="10.1.2.3")
    assert _events(app, "auditor")[-5:] == [
        "PasswordSet",
        "LoggedIn",
        "PasswordChanged",
        "LoggedIn",
        "LoginFailed",
    ]


def test_only_the_hash_is_recorded(app: DossierArchive, staff: dict[str, CommandContext]) -> None:
    app.execute(CONSOLE, SetPassword(staff_no="reviewer", password=TEMPORARY))
    stored = app.recorder.select_events(app.staff("reviewer").id)
    assert all(TEMPORARY.encode() not in record.state for record in stored)
    assert app.staff("reviewer").password_hash is not None
    assert app.staff("reviewer").password_hash.startswith("$argon2id$")  # type: ignore[union-attr]


def test_the_service_hashes_with_the_owasp_parameters(production_hasher: PasswordHasher) -> None:
    """argon2id, 19 MiB, two passes, one lane (the tests themselves hash at less cost)."""
    hashed = production_hasher.hash(TEMPORARY)
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert production_hasher.verify(hashed, TEMPORARY)
    assert (
        production_hasher.time_cost,
        production_hasher.memory_cost,
        production_hasher.parallelism,
    ) == (2, 19 * 1024, 1)


def test_five_wrong_passwords_lock_sign_in_even_with_the_right_one(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(CONSOLE, SetPassword(staff_no="reviewer", password=TEMPORARY))
    for _ in range(4):
        with pytest.raises(LoginRefusedError):
            app.log_in("reviewer", "Wrong2026guess", source="10.9.9.9")
    assert app.staff("reviewer").failed_logins == 4
    with pytest.raises(AccountLockedError):
        app.log_in("reviewer", "Wrong2026guess", source="10.9.9.9")
    with pytest.raises(AccountLockedError):
        app.log_in("reviewer", TEMPORARY, source="10.9.9.9")
    failures = [
        e.data for e in app.events_of(app.staff("reviewer").id) if e.type.endswith("LoginFailed")
    ]
    assert [f["reason"] for f in failures] == ["wrong_password"] * 5 + ["locked"]
    assert failures[4]["locked_until"] is not None
    assert failures[-1]["source"] == "10.9.9.9"


def test_the_lock_lifts_after_its_time_and_the_count_starts_again(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(CONSOLE, SetPassword(staff_no="reviewer", password=TEMPORARY))
    for _ in range(4):
        with pytest.raises(LoginRefusedError):
            app.log_in("reviewer", "Wrong2026guess", source="-")
    with pytest.raises(AccountLockedError):
        app.log_in("reviewer", "Wrong2026guess", source="-")
    real = app.clock
    app.clock = lambda: real() + timedelta(minutes=app.config.login_lockout_minutes, seconds=1)
    assert app.log_in("reviewer", TEMPORARY, source="-").staff_no == "reviewer"
    with pytest.raises(LoginRefusedError):
        app.log_in("reviewer", "Wrong2026guess", source="-")
    assert app.staff("reviewer").failed_logins == 1


def test_an_administrator_setting_a_new_password_lifts_a_lock(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(CONSOLE, SetPassword(staff_no="reviewer", password=TEMPORARY))
    for _ in range(4):
        with pytest.raises(LoginRefusedError):
            app.log_in("reviewer", "Wrong2026guess", source="-")
    with pytest.raises(AccountLockedError):
        app.log_in("reviewer", "Wrong2026guess", source="-")
    app.execute(staff["administrator"], SetPassword(staff_no="reviewer", password="Reset2026again"))
    assert app.log_in("reviewer", "Reset2026again", source="-").must_change_password


def test_an_unknown_staff_number_records_nothing(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    head = app.recorder.max_notification_id()
    with pytest.raises(UnknownLoginError) as refused:
        app.log_in("nobody-9999", TEMPORARY, source="203.0.113.7")
    assert app.recorder.max_notification_id() == head
    # The caller is told exactly what a wrong password is told.
    assert (refused.value.zh, refused.value.en) == (LoginRefusedError().zh, LoginRefusedError().en)


def test_no_password_set_is_refused_and_recorded(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    with pytest.raises(LoginRefusedError):
        app.log_in("auditor", TEMPORARY, source="-")
    failed = app.events_of(app.staff("auditor").id)
    assert [e.data.get("reason") for e in failed][-1] == LoginFailure.NO_PASSWORD.value


def test_someone_holding_no_role_cannot_sign_in(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(CONSOLE, SetPassword(staff_no="reviewer", password=TEMPORARY))
    app.execute(CONSOLE, RevokeRole(staff_no="reviewer", role=Role.REVIEWER, reason="调离"))
    with pytest.raises(AuthenticationError) as refused:
        app.log_in("reviewer", TEMPORARY, source="-")
    assert "岗位" in refused.value.zh


def test_only_an_administrator_sets_passwords_and_never_their_own(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    with pytest.raises(SegregationOfDutiesError):
        app.execute(staff["branch_head"], SetPassword(staff_no="auditor", password=TEMPORARY))
    with pytest.raises(SegregationOfDutiesError):
        app.execute(
            staff["administrator"], SetPassword(staff_no="administrator", password=TEMPORARY)
        )
    # … and the administrator still reads no business (三员分立).
    with pytest.raises(AdministratorBusinessActionError):
        app.list_loans(staff["administrator"])


def test_weak_passwords_are_refused_before_anything_is_recorded(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    head = app.recorder.max_notification_id()
    for weak in ("short1", "onlyletterslong", "1234567890123", "auditor2026abc"):
        with pytest.raises(InvalidInputError) as refused:
            app.execute(CONSOLE, SetPassword(staff_no="auditor", password=weak))
        assert refused.value.context["field"] == "password"
    assert app.recorder.max_notification_id() == head


def test_changing_needs_the_current_password_and_a_different_new_one(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(CONSOLE, SetPassword(staff_no="auditor", password=TEMPORARY))
    with pytest.raises(InvalidInputError) as wrong:
        app.change_password(staff["auditor"], current="Not2026mine", new=CHOSEN)
    assert wrong.value.context["field"] == "current_password"
    with pytest.raises(InvalidInputError) as same:
        app.change_password(staff["auditor"], current=TEMPORARY, new=TEMPORARY)
    assert same.value.context["field"] == "new_password"
    assert app.staff("auditor").password_temporary


def test_logout_is_recorded_in_the_role_acted_in(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.log_out(staff["auditor"])
    last = app.events_of(app.staff("auditor").id)
    logged_out = [e for e in last if e.type.endswith("LoggedOut")]
    assert len(logged_out) == 1
    assert logged_out[0].role == Role.AUDITOR.value


def test_generated_passwords_pass_the_policy() -> None:
    for _ in range(50):
        check_password(generate_password(), "0102")


def test_the_password_is_kept_out_of_an_idempotency_receipt(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    command = SetPassword(staff_no="auditor", password=TEMPORARY)
    assert "password" not in command.params()
    keyed = CommandContext(SYSTEM_ID, idempotency_key="set-auditor-password")
    first = app.execute(keyed, command)
    again = app.execute(keyed, command)
    assert again.replayed
    assert again.position == first.position
    stored = app.recorder.select_notifications(start=1, limit=10_000)
    assert all(TEMPORARY.encode() not in n.state for n in stored)


def test_a_long_used_record_is_not_replayed_from_its_start_at_each_load(
    app: DossierArchive, staff: dict[str, CommandContext], store_env: dict[str, str]
) -> None:
    """Every sign-in and sign-out is an event on the person's record and every page loads it:
    after the first load, a load reads only the events stored since, yet returns the record a
    full replay gives — changes made by another process included — as a copy of its own."""
    app.set_password(CONSOLE, SetPassword(staff_no="auditor", password=CHOSEN), temporary=False)
    for _ in range(30):
        signed = app.log_in("auditor", CHOSEN, source="10.1.2.3")
        app.log_out(CommandContext(signed.staff_id))
    first = app.staff("auditor")
    assert first.version > 60

    read_after: list[int | None] = []
    get = app.events.get

    def spying(originator_id: object, *args: object, **kwargs: object) -> object:
        read_after.append(kwargs.get("gt"))  # type: ignore[arg-type]
        return get(originator_id, *args, **kwargs)  # type: ignore[arg-type]

    app.events.get = spying  # type: ignore[method-assign]
    other = DossierArchive(store_env, blobs=app.blobs)  # another process on the same store
    try:
        other.execute(CONSOLE, GrantRole(staff_no="auditor", role=Role.COMPLIANCE))
    finally:
        other.close()
    app.log_in("auditor", CHOSEN, source="10.1.2.3")

    now = app.staff("auditor")
    assert read_after
    assert all(gt is not None and gt >= first.version for gt in read_after)
    assert now.version == first.version + 2
    assert Role.COMPLIANCE in now.current_roles
    replayed = app.repository.get(now.id)
    assert vars(now) == vars(replayed)
    now.name = "改过的副本"
    assert app.staff("auditor").name == replayed.name
