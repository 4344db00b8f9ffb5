"""``dossier verify`` at the console: exit 0 intact, 1 with discrepancies, 2 when it cannot run.

The record is real (a loan disbursed with its PDFs, sealed into a checkpoint published to the
witness file beside the data) on SQLite and PostgreSQL (``data_dir``). Every run that was made
is recorded as an ``IntegrityVerification`` event, a failed one included; a token that may not
verify is refused before anything is read, in both languages, and records nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from api.composition import build_integrity
from archive.core import CommandContext
from domain.integrity import IntegrityVerification
from tests.factories import make_disbursement, make_upload

runner = CliRunner()
LOAN = "JJ-CLI-VERIFY-1"
CJK = re.compile(r"[\u4e00-\u9fff]")


def enrol(staff_no: str, name: str, role: str) -> str:
    added = runner.invoke(
        app, ["staff", "add", "--no", staff_no, "--name", name, "--branch", "总行", "--role", role]
    )
    assert added.exit_code == 0, added.output
    return added.output.strip().splitlines()[-1]


def verify(*args: str, token: str | None = None) -> Result:
    return runner.invoke(
        app,
        ["verify", *args, *(["--token", token] if token else [])],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


@pytest.fixture
def tokens(data_dir: Path) -> dict[str, str]:
    """Staff enrolled at the console, a loan with its documents, sealed and witnessed."""
    found = {
        "auditor": enrol("AU01", "黄敏", "auditor"),
        "compliance": enrol("CP01", "郑洁", "compliance"),
        "am": enrol("AM01", "张伟", "account_manager"),
    }
    settings = read_settings()
    archive = open_archive(settings)
    try:
        am = CommandContext(archive.authenticate(found["am"]))
        archive.execute(
            am,
            make_disbursement(LOAN),
            [make_upload("loan_contract", "借款合同"), make_upload("drawdown_receipt", "借据")],
        )
        archive.wait_for_text_extraction()
        integrity = build_integrity(settings, archive)
        try:
            integrity.sealer.catch_up()
            assert integrity.sealer.seal() is not None
        finally:
            integrity.close()
    finally:
        archive.close()
    assert settings.checkpoint_file.exists()
    return found


def recorded_runs(token: str) -> list[IntegrityVerification]:
    archive = open_archive(read_settings())
    try:
        ctx = CommandContext(archive.authenticate(token))
        return [
            archive.integrity_verification(ctx, UUID(str(n.originator_id)))
            for n in archive.notifications_of(IntegrityVerification.Recorded)  # type: ignore[attr-defined]
        ]
    finally:
        archive.close()


def a_blob(data_dir: Path) -> Path:
    return next(p for p in (data_dir / "blobs").rglob("*") if p.is_file() and "." not in p.name)


def as_json(answer: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(answer.stdout)
    return data


def test_an_intact_record_exits_0_and_the_run_is_recorded(tokens: dict[str, str]) -> None:
    answer = verify(token=tokens["auditor"])

    assert answer.exit_code == 0, answer.output
    assert "INTACT" in answer.stdout
    assert "完好" in answer.stdout
    [run] = recorded_runs(tokens["auditor"])
    assert run.intact
    assert run.events_checked > 0
    assert run.documents_checked == 2
    assert run.run_id.hex[:8] in answer.stdout.replace("-", "")


def test_json_output_is_the_report_with_the_recorded_runs_id(tokens: dict[str, str]) -> None:
    answer = verify("--json", token=tokens["compliance"])

    assert answer.exit_code == 0, answer.output
    report = as_json(answer)
    assert report["intact"] is True
    assert report["discrepancies"] == []
    assert report["documents_checked"] == 2
    assert report["tree_size"] > 0
    [run] = recorded_runs(tokens["compliance"])
    assert report["run_id"] == str(run.id)
    assert report["position"] > 0


def test_a_tampered_record_exits_1_names_the_document_and_is_recorded_all_the_same(
    tokens: dict[str, str], data_dir: Path
) -> None:
    blob = a_blob(data_dir)
    blob.write_bytes(b"not the document any more")

    answer = verify(token=tokens["auditor"])
    assert answer.exit_code == 1, answer.output
    assert "document_undecryptable" in answer.stdout
    assert f"{blob.parent.name}/{blob.name}" in answer.stdout
    assert "DISCREPANCIES" in answer.stdout

    blob.unlink()
    answered = verify("--json", token=tokens["auditor"])
    assert answered.exit_code == 1, answered.output
    report = as_json(answered)
    [finding] = report["discrepancies"]
    assert finding["check"] == "document_missing"
    assert finding["document"] == {"dossier_id": blob.parent.name, "sha256": blob.name}
    assert finding["detail"]
    assert CJK.search(finding["detail_zh"])

    runs = recorded_runs(tokens["auditor"])
    assert [r.intact for r in runs] == [False, False]
    assert runs[-1].discrepancies[0]["check"] == "document_missing"
    assert runs[-1].discrepancies[0]["document"] == f"{blob.parent.name}/{blob.name}"


def test_no_documents_checks_the_log_and_checkpoints_only(
    tokens: dict[str, str], data_dir: Path
) -> None:
    a_blob(data_dir).unlink()

    answer = verify("--json", "--no-documents", token=tokens["auditor"])

    assert answer.exit_code == 0, answer.output
    report = as_json(answer)
    assert report["documents"] is False
    assert report["documents_checked"] == 0


def test_an_account_managers_token_is_refused_in_both_languages_and_nothing_recorded(
    tokens: dict[str, str],
) -> None:
    answer = verify(token=tokens["am"])

    assert answer.exit_code == 2
    assert CJK.search(answer.output)
    assert re.search(r"[a-z]{4,} [a-z]{2,}", answer.output)
    assert "account_manager" in answer.output
    assert recorded_runs(tokens["auditor"]) == []


def test_no_token_a_bad_token_and_a_bad_option_exit_2(tokens: dict[str, str]) -> None:
    missing = verify()
    assert missing.exit_code == 2
    assert "token" in missing.output
    assert verify(token="dsr_not_a_token").exit_code == 2
    assert verify("--frobnicate", token=tokens["auditor"]).exit_code == 2
    assert recorded_runs(tokens["auditor"]) == []
