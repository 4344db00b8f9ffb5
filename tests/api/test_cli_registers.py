"""`dossier rebuild`: every register, or those named, rebuilt beside the live copies and swapped."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.cli_common import open_archive, read_settings
from api.composition import build_registers
from archive.demo.portfolio import build_portfolio
from projections.query import select_all

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
