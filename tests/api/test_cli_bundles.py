"""`dossier bundle` on the demo portfolio, checked where an auditor checks it, and
`dossier verify-bundle`, which needs nothing but the bag.

The bundle is made through the command line, then verified by the standalone verifier in a
fresh virtualenv that holds nothing but ``dossier_verify`` — it passes, and fails, naming the
file, once one byte of one document is changed. An account manager is refused and nothing is
written; a destination that exists is never overwritten.
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path
from uuid import UUID

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive
from api.settings import Settings
from archive.core import CommandContext
from domain.loan import Loan
from tests.api.test_cli_integrity import _token
from tests.verifier.bundles import b64, fresh_verifier, raw_public_key, write_bundle

runner = CliRunner()


def verify_offline(python: Path, bag: Path, key: str) -> tuple[int, dict[str, object]]:
    done = subprocess.run(
        [str(python), "-I", "-m", "dossier_verify", str(bag), "--json", "--key", key],
        cwd=bag.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout)


def a_loan_with_documents(data_dir: Path) -> str:
    """A demo loan whose dossier still holds documents."""
    archive = open_archive(Settings())
    try:
        auditor = CommandContext(archive.authenticate(_token(data_dir, "auditor")))
        for note in archive.notifications_of(Loan.Disbursed):  # type: ignore[attr-defined]
            loan = archive.repository.get(UUID(str(note.originator_id)))
            assert isinstance(loan, Loan)
            dossier = archive.get_dossier(auditor, loan.loan_no)
            if dossier.documents and dossier.destroyed_in is None:
                return loan.loan_no
    finally:
        archive.close()
    raise AssertionError("no demo loan with documents")


def test_a_bundle_made_at_the_console_verifies_in_a_fresh_virtualenv(
    data_dir: Path, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["demo", "--loans", "2", "--seed", "11"]).exit_code == 0
    loan_no = a_loan_with_documents(data_dir)
    auditor = _token(data_dir, "auditor")
    out = tmp_path / "bundle"
    args = ["bundle", loan_no, "--purpose", "监管检查 / supervisory inspection", "--out", str(out)]

    refused = runner.invoke(app, [*args, "--token", _token(data_dir, "account_manager")])
    assert refused.exit_code == 1, refused.output
    assert not out.exists()
    assert runner.invoke(app, args).exit_code == 2  # no token
    assert not out.exists()

    made = runner.invoke(app, [*args, "--token", auditor])
    assert made.exit_code == 0, made.output
    fields = dict(line.split(": ", 1) for line in made.stdout.splitlines() if ": " in line)
    assert Path(fields["path"]) == out
    assert int(fields["tree_size"]) > 0
    again = runner.invoke(app, [*args, "--token", auditor])
    assert again.exit_code == 2, again.output  # never overwritten

    published = runner.invoke(app, ["signing-key", "public"])
    assert published.exit_code == 0, published.output
    key = published.stdout.strip().splitlines()[-1]
    python = fresh_verifier(tmp_path / "venv")
    status, report = verify_offline(python, out, key)
    assert status == 0, report
    assert report["ok"] is True
    assert report["verdict"] == "intact"
    assert report["documents"] >= 1
    assert report["checkpoint"]["key_id"] == fields["key_id"]  # type: ignore[index]

    document = sorted((out / "data/documents").iterdir())[0]
    data = bytearray(document.read_bytes())
    data[len(data) // 2] ^= 0x01
    document.write_bytes(bytes(data))
    status, report = verify_offline(python, out, key)
    assert status == 1
    assert {p["file"] for p in report["problems"]} == {  # type: ignore[attr-defined]
        f"data/documents/{document.name}"
    }

    zipped = tmp_path / "bundle.zip"
    made = runner.invoke(
        app, ["bundle", loan_no, "--purpose", "诉讼举证", "--out", str(zipped), "--token", auditor]
    )
    assert made.exit_code == 0, made.output
    with zipfile.ZipFile(zipped) as archive:
        assert "bundle/data/checkpoint.json" in archive.namelist()
    checked = runner.invoke(app, ["verify-bundle", str(zipped), "--key", key])
    assert checked.exit_code == 0, checked.output
    assert "Verdict: INTACT" in checked.stdout
    unpinned = runner.invoke(app, ["verify-bundle", str(zipped)])
    assert unpinned.exit_code == 3, unpinned.output
    assert "Verdict: UNANCHORED" in unpinned.stdout


def test_verify_bundle_needs_no_data_directory_or_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Settings that would refuse to load: the alias must never read them.
    monkeypatch.setenv("DOSSIER_ENVIRONMENT", "production")
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(tmp_path / "nowhere"))
    bundle = write_bundle(tmp_path / "bag")
    bag = bundle.root
    key = b64(raw_public_key(bundle.key))

    old = runner.invoke(app, ["verify-bundle", str(bag), "--key", key])
    assert old.exit_code == 4, old.output  # a bag of an earlier release: not shown whole
    assert "Verdict: OLD FORMAT" in old.stdout
    passed = runner.invoke(app, ["verify-bundle", str(bag), "--key", key, "--accept-old-format"])
    assert passed.exit_code == 0, passed.output
    assert "Verdict: PASS AS OLD FORMAT" in passed.stdout
    whole = runner.invoke(app, ["verify-bundle", str(bag), "--key", key, "--require-whole"])
    assert whole.exit_code == 1, whole.output  # a bag of an earlier release: not shown whole
    as_json = runner.invoke(app, ["verify-bundle", str(bag), "--json"])
    assert json.loads(as_json.stdout)["ok"] is True

    checkpoint = bag / "data/checkpoint.json"
    checkpoint.write_bytes(checkpoint.read_bytes().replace(b'"tree_size":20', b'"tree_size":21'))
    failed = runner.invoke(app, ["verify-bundle", str(bag), "--json"])
    assert failed.exit_code == 1
    assert "data/checkpoint.json" in {p["file"] for p in json.loads(failed.stdout)["problems"]}

    assert runner.invoke(app, ["verify-bundle", str(tmp_path / "missing")]).exit_code == 2
    assert not (tmp_path / "nowhere").exists()
