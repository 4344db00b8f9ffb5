"""``dossier import documents MANIFEST``: the scanned documents of a digitisation (数字化加工),
filed in their loans' dossiers by the archivist with her token.

A manifest lists real PDFs (ReportLab), a PNG, a PDF that is not one, a page count the digitiser
got wrong, a loan the archive does not know, a path that leaves the manifest's folder, a type
the catalogue lacks, a type at the wrong stage and a file that is not there: the good lines are
filed, each refused line is reported with its line, column and reason in both languages, and
the command exits 1. Run again, the manifest files nothing new. A GB18030 manifest is read with
``--encoding GB18030``; a caller who may not file documents is refused whole.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from archive.core import CommandContext
from domain.dossier import Dossier
from tests.factories import make_disbursement, make_pdf, make_png, make_upload

runner = CliRunner()
LOAN = "JJ-CLI-IMPORT-1"
HEADER = ["file", "loan_no", "doc_type", "stage", "pages", "title"]


def enrol(staff_no: str, name: str, role: str) -> str:
    added = runner.invoke(
        app,
        ["staff", "add", "--no", staff_no, "--name", name, "--branch", "营业部", "--role", role],
    )
    assert added.exit_code == 0, added.output
    return added.output.strip().splitlines()[-1]


def dossier_import(*args: str, token: str | None) -> Result:
    return runner.invoke(
        app,
        ["import", "documents", *args, *(["--token", token] if token else [])],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


def stored() -> tuple[int, int]:
    """(events, blobs) in the store."""
    archive = open_archive(read_settings())
    try:
        return archive.recorder.max_notification_id() or 0, archive.blobs.count()
    finally:
        archive.close()


def filed() -> list[tuple[str, str, str, int | None]]:
    """The loan's dossier as (doc_type, stage, filename, pages), in filing order."""
    archive = open_archive(read_settings())
    try:
        loan = archive.loan(LOAN)
        return [
            (d.ref.doc_type, d.stage, d.ref.filename, d.ref.pages)
            for d in archive.dossier_of(loan).documents
        ]
    finally:
        archive.close()


def write_manifest(folder: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([HEADER, *rows])
    path = folder / "manifest.csv"
    path.write_bytes(out.getvalue().encode(encoding))
    return path


@pytest.fixture
def tokens(data_dir: Path) -> dict[str, str]:
    """An account manager who disbursed the loan, an archivist and an auditor."""
    tokens = {
        "am": enrol("AM01", "张伟", "account_manager"),
        "archivist": enrol("AR01", "孙悦", "archivist"),
        "auditor": enrol("AU01", "黄敏", "auditor"),
    }
    archive = open_archive(read_settings())
    try:
        archive.execute(
            CommandContext(archive.authenticate(tokens["am"])),
            make_disbursement(LOAN),
            [make_upload("loan_contract", "借款合同", pages=3), make_upload("drawdown_receipt")],
        )
    finally:
        archive.close()
    return tokens


@pytest.fixture
def scans(tmp_path: Path) -> Path:
    """The digitiser's folder: scans beside the manifest, one file outside it."""
    folder = tmp_path / "scans"
    (folder / "box1").mkdir(parents=True)
    (folder / "box1" / "0001.pdf").write_bytes(make_pdf("保证合同 扫描件", pages=3))
    (folder / "box1" / "0002.png").write_bytes(make_png())
    (folder / "box1" / "0003.pdf").write_bytes(b"%PDF-1.7\n" + b"not a pdf at all\n" * 40)
    (folder / "box1" / "0004.pdf").write_bytes(make_pdf("抵押合同 扫描件", pages=2))
    (folder / "box1" / "0005.pdf").write_bytes(make_pdf("另一笔贷款的合同"))
    (tmp_path / "outside.pdf").write_bytes(make_pdf("清单目录之外"))
    (folder / "box1" / "0006.pdf").write_bytes(make_pdf("审批书 扫描件"))
    return folder


def test_good_lines_are_filed_refused_lines_reported_and_a_rerun_files_nothing_new(
    tokens: dict[str, str], scans: Path, tmp_path: Path
) -> None:
    manifest = write_manifest(
        scans,
        [
            ["box1/0001.pdf", LOAN, "guarantee_contract", "disbursement", "3", "保证合同"],
            ["box1\\0002.png", LOAN, "site_photo", "inspection", "1", ""],
            ["box1/0003.pdf", LOAN, "mortgage_contract", "disbursement", "1", ""],
            ["box1/0004.pdf", LOAN, "mortgage_contract", "disbursement", "5", ""],
            ["box1/0005.pdf", "JJ-NO-SUCH-LOAN", "loan_contract", "disbursement", "1", ""],
            ["../outside.pdf", LOAN, "approval", "disbursement", "1", ""],
            ["box1/0006.pdf", LOAN, "no_such_type", "disbursement", "1", ""],
            ["box1/0006.pdf", LOAN, "approval", "inspection", "1", ""],
            ["box1/0009.pdf", LOAN, "approval", "disbursement", "1", ""],
            ["box1/0006.pdf", LOAN, "approval", "disbursement", "", ""],
        ],
    )
    before = filed()
    report = tmp_path / "refused.json"
    answer = dossier_import(str(manifest), "--report", str(report), token=tokens["archivist"])
    assert answer.exit_code == 1, answer.output
    assert "filed" in answer.output
    assert "refused" in answer.output

    assert filed() == [
        *before,
        ("guarantee_contract", "disbursement", "保证合同.pdf", 3),
        ("site_photo", "inspection", "0002.png", None),
    ]
    problems = json.loads(report.read_text(encoding="utf-8"))["problems"]
    assert [(p["file"], p["line"], p["column"], p["code"]) for p in problems] == [
        ("manifest.csv", 4, "file", "document_rejected"),
        ("manifest.csv", 5, "pages", "page_count_mismatch"),
        ("manifest.csv", 6, "loan_no", "unknown_loan"),
        ("manifest.csv", 7, "file", "path_outside_manifest"),
        ("manifest.csv", 8, "doc_type", "unknown_doc_type"),
        ("manifest.csv", 9, "stage", "stage_not_allowed"),
        ("manifest.csv", 10, "file", "file_missing"),
        ("manifest.csv", 11, "pages", "missing_value"),
    ]
    mismatch = problems[1]
    assert mismatch["reason_zh"] == "清单记为 5 页，PDF 实有 2 页"
    assert mismatch["reason_en"] == "the manifest says 5 pages; the PDF has 2"
    assert "PDF" in problems[0]["reason_zh"]
    assert "PDF" in problems[0]["reason_en"]

    # Run again with the refused lines taken out: nothing new, nothing refused, exit 0.
    events = stored()
    good = write_manifest(
        scans,
        [
            ["box1/0001.pdf", LOAN, "guarantee_contract", "disbursement", "3", "保证合同"],
            ["box1/0002.png", LOAN, "site_photo", "inspection", "1", ""],
        ],
    )
    again = dossier_import(str(good), token=tokens["archivist"])
    assert again.exit_code == 0, again.output
    assert stored() == events
    assert len(filed()) == len(before) + 2
    summary = " ".join(again.output.split())
    assert "skipped (already filed) │ 2" in summary
    assert "filed │ 0" in summary


def test_the_documents_are_stored_encrypted_and_a_race_past_the_hash_check_files_once(
    tokens: dict[str, str], scans: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = write_manifest(
        scans, [["box1/0001.pdf", LOAN, "guarantee_contract", "disbursement", "3", ""]]
    )
    first = dossier_import(str(manifest), token=tokens["archivist"])
    assert first.exit_code == 0, first.output
    scan = (scans / "box1" / "0001.pdf").read_bytes()
    assert not any(scan[:200] in p.read_bytes() for p in data_dir.rglob("*") if p.is_file())

    # A second run that checked the dossier before the first saved (here: a check that sees
    # nothing) files under the same idempotency key, (loan, hash): the first filing is replayed.
    monkeypatch.setattr(Dossier, "holds", lambda self, sha256: False)
    events = stored()
    again = dossier_import(str(manifest), token=tokens["archivist"])
    assert again.exit_code == 0, again.output
    assert stored() == events
    assert "skipped (already filed) │ 1" in " ".join(again.output.split())


def test_a_gb18030_manifest_is_read_with_its_encoding_and_refused_whole_without_it(
    tokens: dict[str, str], scans: Path, tmp_path: Path
) -> None:
    manifest = write_manifest(
        scans,
        [["box1/0006.pdf", LOAN, "approval", "disbursement", "1", "审批书（扫描）"]],
        encoding="gb18030",
    )
    before = stored()
    report = tmp_path / "refused.csv"
    as_utf8 = dossier_import(str(manifest), "--report", str(report), token=tokens["archivist"])
    assert as_utf8.exit_code == 1, as_utf8.output
    assert stored() == before
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["文件 file", "行号 line", "列 column", "代码 code", "原因 reason_zh",
                       "Reason reason_en"]  # fmt: skip
    assert rows[1][:4] == ["manifest.csv", "2", "", "bad_encoding"]

    answer = dossier_import(str(manifest), "--encoding", "GB18030", token=tokens["archivist"])
    assert answer.exit_code == 0, answer.output
    assert filed()[-1] == ("approval", "disbursement", "审批书（扫描）.pdf", 1)


def test_a_caller_who_may_not_file_documents_is_refused_whole(
    tokens: dict[str, str], scans: Path
) -> None:
    manifest = write_manifest(scans, [["box1/0006.pdf", LOAN, "approval", "disbursement", "1"]])
    before = stored()
    auditor = dossier_import(str(manifest), token=tokens["auditor"])
    assert auditor.exit_code == 1, auditor.output
    assert "auditor" in auditor.output
    no_token = dossier_import(str(manifest), token=None)
    assert no_token.exit_code == 2
    assert stored() == before


def test_a_manifest_without_a_required_column_files_nothing(
    tokens: dict[str, str], scans: Path, tmp_path: Path
) -> None:
    path = scans / "manifest.csv"
    path.write_text("file,loan_no,doc_type,stage\nbox1/0006.pdf,X,approval,disbursement\n")
    before = stored()
    report = tmp_path / "refused.json"
    answer = dossier_import(str(path), "--report", str(report), token=tokens["archivist"])
    assert answer.exit_code == 1
    assert stored() == before
    problems = json.loads(report.read_text(encoding="utf-8"))["problems"]
    assert [(p["line"], p["column"], p["code"]) for p in problems] == [
        (1, "pages", "missing_column")
    ]
