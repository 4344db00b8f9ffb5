"""``dossier report``: the compliance report at the console, built as the API builds it.

A corporate loan disbursed on Friday 10 January 2025 with no document at all; on 20 January
the branch head's report writes a PDF with the Chinese headings and the loan's gaps — its issue
recorded with the file's SHA-256 and purpose — a workbook whose summary counts them, and JSON.
Without ``--purpose`` no PDF is handed out. An account manager is
refused in both languages (exit 1); an unknown format or date exits 2 and writes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner, Result

from api.cli import app
from api.cli.common import open_archive, read_settings
from archive.reports.compliance import HEADINGS
from domain.compliance import IssuedReport
from tests.api.test_cli_tasks import LOAN, tokens  # noqa: F401 (the fixture)

runner = CliRunner()


def dossier(*args: str, token: str | None = None) -> Result:
    return runner.invoke(
        app,
        ["report", *args, *(["--token", token] if token else [])],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


def test_the_report_is_written_as_pdf_xlsx_and_json(
    tokens: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    head = tokens["head"]
    as_json = dossier("--on", "2025-01-20", "--format", "json", token=head)
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.output)
    summary = body["summary"]
    assert (summary["loans"], summary["dossiers_complete"]) == (1, 0)
    assert summary["missing"] == summary["required"] > 0
    assert {g["loan_no"] for g in body["gaps"]} == {LOAN}

    purpose = ("--purpose", "季度合规检查")
    written = dossier("--on", "2025-01-20", "-o", str(tmp_path / "r.pdf"), *purpose, token=head)
    assert written.exit_code == 0, written.output
    pdf = (tmp_path / "r.pdf").read_bytes()
    digest = hashlib.sha256(pdf).hexdigest()
    assert digest in written.output.replace("\n", "")
    archive = open_archive(read_settings())
    try:
        issued = [
            archive.mapper.to_domain_event(n)
            for n in archive.notifications_of(IssuedReport.Issued)  # type: ignore[attr-defined]
        ]
    finally:
        archive.close()
    assert [(e.sha256, e.size, e.purpose, e.format) for e in issued] == [
        (digest, len(pdf), "季度合规检查", "pdf")
    ]
    # Rebuilt from the position it was read at, the report is the same file.
    again = tmp_path / "again.json"
    position = str(issued[0].position)
    rebuilt = dossier(
        "--on", "2025-01-20", "--as-of-position", position, "-o", str(again), token=head
    )
    assert rebuilt.exit_code == 0, rebuilt.output
    assert json.loads(again.read_text())["position"] == issued[0].position
    again_pdf = tmp_path / "again.pdf"
    reissued = dossier(
        "--on",
        "2025-01-20",
        "--as-of-position",
        position,
        "-o",
        str(again_pdf),
        *purpose,
        token=head,
    )
    assert reissued.exit_code == 0, reissued.output
    assert again_pdf.read_bytes() == pdf
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(p.extract_text() for p in reader.pages).replace(" ", "")
    assert all(h.replace(" ", "") in text for h in HEADINGS)
    assert LOAN in text

    sheet = dossier("--on", "2025-01-20", "-o", str(tmp_path / "r.xlsx"), *purpose, token=head)
    assert sheet.exit_code == 0, sheet.output
    book = load_workbook(tmp_path / "r.xlsx")
    counted = {r[0]: r[1] for r in book["概要"].iter_rows(min_row=3, values_only=True)}
    assert counted["缺失 / missing"] == summary["missing"]

    table = dossier("--on", "2025-01-20", token=head)
    assert table.exit_code == 0, table.output
    assert HEADINGS[1] in table.output


def test_refusals_name_what_is_wrong_and_write_nothing(
    tokens: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    refused = dossier("--on", "2025-01-20", token=tokens["am"])
    assert refused.exit_code == 1, refused.output
    assert "read_compliance_report" in refused.output
    out = tmp_path / "r.doc"
    assert dossier("-o", str(out), "--purpose", "x", token=tokens["head"]).exit_code == 2
    assert dossier("--on", "20.01.2025", token=tokens["head"]).exit_code == 2
    assert not out.exists()
    unexplained = dossier("-o", str(tmp_path / "r.pdf"), token=tokens["head"])
    assert unexplained.exit_code == 2
    assert "--purpose" in unexplained.output
    assert not (tmp_path / "r.pdf").exists()
    kept = tmp_path / "kept.pdf"
    kept.write_bytes(b"an earlier report")
    again = dossier("-o", str(kept), "--purpose", "x", token=tokens["head"])
    assert again.exit_code == 2
    assert kept.read_bytes() == b"an earlier report", "an existing file is never overwritten"
    assert dossier("--on", "2025-01-20").exit_code == 2  # no token
