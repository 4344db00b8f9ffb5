"""The ``dossier`` command line: staff administration at the console, settings checks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from api.cli import app
from api.cli import demo as cli_demo
from api.composition import build_archive
from api.settings import Settings
from storage.sessions import session_store_beside

runner = CliRunner()


def test_staff_add_prints_a_working_token_once_and_list_shows_roles(data_dir: Path) -> None:
    added = runner.invoke(
        app,
        [
            "staff",
            "add",
            "--no",
            "AM9",
            "--name",
            "周杰",
            "--branch",
            "城东支行",
            "--role",
            "account_manager",
        ],
    )
    assert added.exit_code == 0, added.output
    token = added.output.strip().splitlines()[-1]
    assert token.startswith("dsr_")

    from api.composition import build_archive
    from api.settings import Settings

    archive = build_archive(Settings())
    try:
        staff_id = archive.authenticate(token)
        assert archive.staff_by_id(staff_id).staff_no == "AM9"
    finally:
        archive.close()

    listed = runner.invoke(app, ["staff", "list"])
    assert listed.exit_code == 0
    assert "AM9" in listed.output
    assert "account_manager" in listed.output
    assert token not in listed.output


def test_staff_grant_and_revoke_change_roles_and_refusals_exit_non_zero(data_dir: Path) -> None:
    assert (
        runner.invoke(
            app, ["staff", "add", "--no", "X1", "--name", "吴磊", "--branch", "营业部"]
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["staff", "grant", "X1", "risk_manager"]).exit_code == 0
    twice = runner.invoke(app, ["staff", "grant", "X1", "risk_manager"])
    assert twice.exit_code == 1
    assert "already holds" in twice.output
    admin = runner.invoke(app, ["staff", "grant", "X1", "administrator"])
    assert admin.exit_code == 1
    assert "administrator" in admin.output
    assert (
        runner.invoke(app, ["staff", "revoke", "X1", "risk_manager", "--reason", "调岗"]).exit_code
        == 0
    )
    listed = runner.invoke(app, ["staff", "list"])
    assert "risk_manager" not in listed.output
    unknown = runner.invoke(app, ["staff", "grant", "X1", "janitor"])
    assert unknown.exit_code != 0


INTEGRATION = ("--role", "integration")


def test_staff_add_enrols_the_integration_identity_which_holds_no_other_role(
    data_dir: Path,
) -> None:
    added = runner.invoke(
        app,
        [
            "staff",
            "add",
            "--no",
            "INT1",
            "--name",
            "核心系统对接",
            "--branch",
            "总行",
            *INTEGRATION,
        ],
    )
    assert added.exit_code == 0, added.output
    assert "integration" in added.output
    listed = runner.invoke(app, ["staff", "list"])
    assert "INT1" in listed.output
    assert "integration" in listed.output
    # 三员分立: whoever imports the core feed does no business and administers nothing.
    for other in ("account_manager", "administrator"):
        refused = runner.invoke(app, ["staff", "grant", "INT1", other])
        assert refused.exit_code == 1
        assert "integration" in refused.output
    enrol_both = ["staff", "add", "--no", "INT2", "--name", "对接二", "--branch", "总行"]
    both = runner.invoke(app, [*enrol_both, *INTEGRATION, "--role", "auditor"])
    assert both.exit_code == 1
    assert "INT2" not in runner.invoke(app, ["staff", "list"]).output


def test_production_refuses_the_embedded_event_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOSSIER_EVENT_STORE", raising=False)
    monkeypatch.setenv("DOSSIER_ENVIRONMENT", "production")
    answer = runner.invoke(app, ["staff", "list"])
    assert answer.exit_code == 2
    assert "PostgreSQL" in answer.output


def test_the_demo_refuses_a_data_directory_that_is_not_empty(data_dir: Path) -> None:
    assert (
        runner.invoke(
            app, ["staff", "add", "--no", "Y1", "--name", "郑洁", "--branch", "营业部"]
        ).exit_code
        == 0
    )
    answer = runner.invoke(app, ["demo", "--loans", "1"])
    assert answer.exit_code == 1
    assert "not empty" in answer.output


def test_production_refuses_to_start_without_a_master_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DOSSIER_ENVIRONMENT", "production")
    monkeypatch.setenv("DOSSIER_EVENT_STORE", "postgresql://dossier@127.0.0.1:5432/test")
    monkeypatch.delenv("DOSSIER_MASTER_KEY", raising=False)
    monkeypatch.delenv("DOSSIER_MASTER_KEY_FILE", raising=False)
    answer = runner.invoke(app, ["staff", "list"])
    assert answer.exit_code == 2
    assert "DOSSIER_MASTER_KEY" in answer.output
    assert not (tmp_path / "master.key").exists()


def test_a_malformed_master_key_is_a_clear_error_at_start(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_MASTER_KEY", "not-a-key")
    answer = runner.invoke(app, ["staff", "list"])
    assert answer.exit_code == 2
    assert "master key" in answer.output
    assert "not-a-key" not in answer.output


def test_production_refuses_a_rehearsal_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from typing import Any

    from pydantic import ValidationError

    from api.settings import Settings
    from storage.crypto import MasterKey

    monkeypatch.delenv("DOSSIER_CLOCK", raising=False)
    production: dict[str, Any] = {
        "environment": "production",
        "event_store": "postgresql://dossier@127.0.0.1:5432/test",
        "master_key": MasterKey.generate().to_base64(),
        "signing_key": MasterKey.generate().to_base64(),  # any 32 bytes make an Ed25519 seed
    }
    assert Settings(**production).clock is None  # the same settings on real time start
    with pytest.raises(ValueError, match="DOSSIER_CLOCK") as refused:
        Settings(**production, clock="2056-03-01T09:00:00+08:00")
    assert isinstance(refused.value, ValidationError)
    assert "生产环境不得设置模拟时钟" in str(refused.value)


def test_in_development_dossier_clock_starts_the_archive_at_that_instant_and_runs_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time
    from datetime import UTC, datetime, timedelta

    from api.composition import build_archive
    from api.settings import Settings

    monkeypatch.setenv("DOSSIER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOSSIER_ENVIRONMENT", raising=False)
    monkeypatch.delenv("DOSSIER_EVENT_STORE", raising=False)
    monkeypatch.setenv("DOSSIER_CLOCK", "2056-03-01T09:00:00+08:00")
    start = datetime(2056, 3, 1, 1, 0, tzinfo=UTC)
    archive = build_archive(Settings())
    try:
        first = archive.clock()
        assert first.utcoffset() == timedelta(0)
        assert start <= first < start + timedelta(seconds=5)
        time.sleep(0.05)
        later = archive.clock()
        assert first + timedelta(seconds=0.04) <= later < start + timedelta(seconds=5)
    finally:
        archive.close()


def _commands(*group: str) -> set[str]:
    """The commands and sub-groups of ``dossier GROUP…``, as the command line dispatches them."""
    command = typer.main.get_command(app)
    for name in group:
        assert isinstance(command, TyperGroup)
        command = command.commands[name]
    assert isinstance(command, TyperGroup)
    return set(command.commands)


def test_each_area_has_its_group_and_the_archive_group_keeps_all_three() -> None:
    custody = {"transfer", "defect", "catalogue", "hold", "appraisal", "retention"}
    borrowing = {"request", "approve", "reject", "check-out", "return", "close", "copy", "show"}
    disposition = {"propose", "approve", "compliance-approve", "execute", "show", "register"}

    assert custody | {"past-retention"} == _commands("custody")
    assert borrowing | {"list", "overdue"} == _commands("borrowing")
    assert disposition == _commands("disposition")
    archive = _commands("archive")
    assert custody | {"past-retention", "borrow", "overdue", "destruction"} == archive
    assert borrowing <= _commands("archive", "borrow")
    assert disposition == _commands("archive", "destruction")


def _without_the_demo_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As in an installed wheel: no ``demo`` to import, and none beside the installed ``api``;
    the data in ``tmp_path / "var"``, in development, on the embedded store."""
    monkeypatch.setitem(sys.modules, "demo", None)
    monkeypatch.setattr(cli_demo, "SOURCE", tmp_path / "site-packages")
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DOSSIER_ENVIRONMENT", raising=False)
    monkeypatch.delenv("DOSSIER_EVENT_STORE", raising=False)


def test_without_the_demo_package_the_demo_command_refuses_and_opens_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_the_demo_package(tmp_path, monkeypatch)

    answer = runner.invoke(app, ["demo", "--loans", "1"])

    assert answer.exit_code == 2
    said = " ".join(answer.output.split())
    assert "the demo package is not installed" in said
    assert "pip install -e ." in said
    assert not (tmp_path / "var").exists()


def test_without_the_demo_package_the_first_start_goes_on_with_an_empty_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_the_demo_package(tmp_path, monkeypatch)
    settings = Settings()
    archive = build_archive(settings)
    try:
        with cli_demo.console.capture() as printed:
            cli_demo.load_demo_on_first_start(archive, settings)

        assert "starting with an empty store" in " ".join(printed.get().split())
        assert cli_demo._is_empty(archive)
    finally:
        archive.close()


def test_with_the_feed_enabled_the_demo_is_not_loaded_since_it_books_loans_by_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DOSSIER_FEED_ENABLED", "true")
    monkeypatch.delenv("DOSSIER_ENVIRONMENT", raising=False)
    monkeypatch.delenv("DOSSIER_EVENT_STORE", raising=False)

    answer = runner.invoke(app, ["demo", "--loans", "1"])
    assert answer.exit_code == 2
    assert "DOSSIER_FEED_ENABLED" in " ".join(answer.output.split())
    assert not (tmp_path / "var").exists()

    settings = Settings()
    archive = build_archive(settings)
    try:
        with cli_demo.console.capture() as printed:
            cli_demo.load_demo_on_first_start(archive, settings)
        said = " ".join(printed.get().split())
        assert "the core-banking feed is enabled" in said
        assert "starting with an empty store" in said
        assert cli_demo._is_empty(archive)
    finally:
        archive.close()


def test_staff_tokens_are_issued_named_listed_with_their_uses_and_revoked(data_dir: Path) -> None:
    added = runner.invoke(
        app, ["staff", "add", "--no", "IT9", "--name", "核心对接", "--branch", "总行"]
    )
    assert added.exit_code == 0, added.output
    issued = runner.invoke(app, ["staff", "token", "IT9", "--name", "日终文件", "--days", "30"])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[-1]
    token_id = token.split("_")[2]
    assert "valid until" in issued.stderr
    # A use through the command line is counted as a request's is.
    runner.invoke(app, ["tasks", "--token", token])
    runner.invoke(app, ["tasks", "--token", token])
    archive = build_archive(Settings())
    sessions = session_store_beside(archive.env, Settings().data_dir)
    try:
        uses = sessions.token_uses(archive.staff("IT9").id)
    finally:
        sessions.close()
        archive.close()
    assert [u.uses for u in uses.values()] == [2]

    listed = runner.invoke(app, ["staff", "tokens", "IT9"])
    assert listed.exit_code == 0, listed.output
    assert "日终文件" in listed.output
    assert "有效 live" in listed.output
    assert "（2 次 / uses）" in listed.output
    assert token not in listed.output

    too_long = runner.invoke(app, ["staff", "token", "IT9", "--days", "400"])
    assert too_long.exit_code == 2
    bad_id = runner.invoke(app, ["staff", "revoke-token", "IT9", "nope", "--reason", "x"])
    assert bad_id.exit_code == 2
    uuid = f"{token_id[:8]}-{token_id[8:12]}-{token_id[12:16]}-{token_id[16:20]}-{token_id[20:]}"
    revoked = runner.invoke(app, ["staff", "revoke-token", "IT9", uuid, "--reason", "对接更换"])
    assert revoked.exit_code == 0, revoked.output
    archive = build_archive(Settings())
    try:
        with pytest.raises(Exception, match="invalid or revoked"):
            archive.authenticate(token)
    finally:
        archive.close()
    listed = runner.invoke(app, ["staff", "tokens", "IT9"])
    assert "已吊销 revoked" in listed.output
    assert "对接更换" in listed.output
