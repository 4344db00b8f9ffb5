"""After an audit bundle is issued over HTTP, the registers keep following the log.

The bundle's event once stopped every register one position short of the log's head, for good:
reads with ``after=`` waited in vain, ``dossier rebuild``, ``dossier report`` and
``dossier tasks`` crashed. Here a bundle is issued over HTTP on the demo portfolio (SQLite and
PostgreSQL); every register reaches the head, the trail shows the issue, readiness says ready,
and the console's rebuild gives registers equal to the live ones, row by row, history included.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app
from api.cli.common import open_archive, read_settings
from api.composition import build_registers
from api.settings import Settings
from projections.query import select_all
from tests.api.test_cli_bundles import a_loan_with_documents
from tests.api.test_cli_integrity import _token

runner = CliRunner()


def every_register(settings: Settings) -> tuple[dict[str, int], dict[str, Any]]:
    """Each register's position, and each of its tables with its whole history."""
    archive = open_archive(settings)
    try:
        registers = build_registers(settings, archive)
        try:
            store = registers.service.store
            tables = {
                (name, spec.name): select_all(store, projection, spec.name, with_history=True)
                for name, projection in registers.follower.projections.items()
                for spec in projection.tables
            }
            return store.positions(), tables
        finally:
            registers.close()
    finally:
        archive.close()


def test_after_an_audit_bundle_every_register_reaches_the_head_and_the_console_works(
    data_dir: Path,
) -> None:
    assert runner.invoke(app, ["demo", "--loans", "2", "--seed", "11"]).exit_code == 0
    loan_no = a_loan_with_documents(data_dir)
    settings = read_settings()
    auditor = {"Authorization": f"Bearer {_token(data_dir, 'auditor')}"}

    with TestClient(create_app(settings.model_copy(update={"in_process_sealer": False}))) as client:
        issued = client.post(
            f"/api/v1/loans/{loan_no}/audit-bundles",
            json={"purpose": "年度审计 / annual audit"},
            headers=auditor,
        )
        assert issued.status_code == 201, issued.text
        head = client.get("/api/v1/health").json()["position"]

        # Read-your-writes on the trail: it has applied the bundle's event.
        trail = client.get(
            "/api/v1/registers/accountability_trail",
            params={"after": head, "wait": 20, "position": head},
            headers=auditor,
        )
        assert trail.status_code == 200, trail.text
        assert [(r["event"], r["aggregate"]) for r in trail.json()["data"]] == [
            ("Issued", "audit_bundle")
        ]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            listed = client.get("/api/v1/registers", headers=auditor).json()["data"]
            if all(r["position"] == head for r in listed):
                break
            time.sleep(0.05)
        assert {r["name"]: r["position"] for r in listed} == {r["name"]: head for r in listed}
        ready = client.get("/api/v1/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["head"] == head

    positions, live = every_register(settings)
    assert set(positions.values()) == {head}

    rebuilt = runner.invoke(app, ["rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    positions, again = every_register(settings)
    assert set(positions.values()) == {head}
    for key, rows in live.items():
        assert again[key] == rows, f"{key} differs after the rebuild"

    env = {"DOSSIER_TOKEN": None, "COLUMNS": "240"}
    head_token = _token(data_dir, "branch_head")
    report = runner.invoke(app, ["report", "--format", "json", "--token", head_token], env=env)
    assert report.exit_code == 0, report.output
    tasks = runner.invoke(app, ["tasks", "--all", "--json", "--token", head_token], env=env)
    assert tasks.exit_code == 0, tasks.output
