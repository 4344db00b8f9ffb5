"""`dossier rebuild`: every register, or those named, rebuilt beside the live copies and swapped;
a register that stops at an event it cannot apply is named, and the command exits 1."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from api.composition import build_registers
from demo.portfolio import build_portfolio
from domain.loan import Loan
from projections.query import select_all
from tests.api.test_cli_integrity import _token
from tests.projections.broken import EVENT_TYPE, record_a_malformed_repayment

runner = CliRunner()


def test_rebuild_reports_its_rate_and_leaves_registers_equal_to_the_live_ones(
    data_dir: Path,
) -> None:
    settings = read_settings()
    archive = open_archive(settings)
    try:
        build_portfolio(archive, loans=3)
        head = archive.recorder.max_notification_id()
        registers = build_registers(settings, archive)
        registers.follower.catch_up()
        ledger = registers.follower.projections["loan_ledger"]
        live = select_all(registers.service.store, ledger, "loans", with_history=True)
        registers.close()
    finally:
        archive.close()

    rebuilt = runner.invoke(app, ["rebuild", "loan_ledger", "warning_ledger"])

    assert rebuilt.exit_code == 0, rebuilt.output
    assert "events/s" in rebuilt.output
    assert "loan_ledger, warning_ledger" in rebuilt.output
    archive = open_archive(settings)
    try:
        registers = build_registers(settings, archive)
        try:
            store = registers.service.store
            assert store.positions()["loan_ledger"] == head
            assert select_all(store, ledger, "loans", with_history=True) == live
        finally:
            registers.close()
    finally:
        archive.close()


def test_rebuild_refuses_an_unknown_register_and_names_the_known_ones(data_dir: Path) -> None:
    refused = runner.invoke(app, ["rebuild", "no_such_register"])

    assert refused.exit_code == 2
    assert "no_such_register" in refused.output
    assert "loan_ledger" in refused.output


def test_rebuild_names_a_register_that_stops_at_an_event_and_the_others_serve(
    data_dir: Path,
) -> None:
    assert runner.invoke(app, ["demo", "--loans", "1", "--seed", "5"]).exit_code == 0
    settings = read_settings()
    archive = open_archive(settings)
    try:
        (note, *_) = archive.notifications_of(Loan.Disbursed)  # type: ignore[attr-defined]
        loan = archive.repository.get(note.originator_id)
        position = record_a_malformed_repayment(archive, loan.loan_no)
    finally:
        archive.close()

    rebuilt = runner.invoke(app, ["rebuild"], env={"COLUMNS": "240"})

    assert rebuilt.exit_code == 1, rebuilt.output
    assert "Traceback" not in rebuilt.output
    assert f"register accountability_trail has stopped at position {position - 1}" in " ".join(
        rebuilt.output.split()
    )
    assert EVENT_TYPE in rebuilt.output
    archive = open_archive(settings)
    try:
        registers = build_registers(settings, archive)
        try:
            positions = registers.service.store.positions()
        finally:
            registers.close()
    finally:
        archive.close()
    assert positions.pop("accountability_trail") == position - 1
    assert set(positions.values()) == {position}
    # The report and the tasks read other registers: they answer.
    head = _token(data_dir, "branch_head")
    env = {"DOSSIER_TOKEN": None, "COLUMNS": "240"}
    report = runner.invoke(app, ["report", "--format", "json", "--token", head], env=env)
    assert report.exit_code == 0, report.output
    tasks = runner.invoke(app, ["tasks", "--all", "--json", "--token", head], env=env)
    assert tasks.exit_code == 0, tasks.output
