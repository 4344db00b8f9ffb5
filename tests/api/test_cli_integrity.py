"""`dossier check` on the demo portfolio, and `dossier keys rotate`, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive
from api.settings import Settings

runner = CliRunner()


def _token(data_dir: Path, role: str) -> str:
    for line in (data_dir / "demo-credentials.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#") and line.split("\t")[2] == role:
            return line.split("\t")[3]
    raise AssertionError(f"no {role} in the demo")


def test_check_passes_on_the_demo_and_names_a_damaged_document(data_dir: Path) -> None:
    built = runner.invoke(app, ["demo", "--loans", "3", "--seed", "7"])
    assert built.exit_code == 0, built.output
    token = _token(data_dir, "archivist")

    passed = runner.invoke(app, ["check", "--json", "--token", token])
    assert passed.exit_code == 0, passed.output
    report = json.loads(passed.stdout)
    assert report["passed"] is True
    assert report["documents"] > 10

    # `check` re-reads the dossiers' documents (a management paper's PDF is read back by verify).
    archive = open_archive(Settings())
    try:
        dossiers = {str(d) for d in archive.dossier_ids()}
    finally:
        archive.close()
    victim = sorted(
        p
        for p in (data_dir / "blobs").rglob("*")
        if p.suffix != ".text" and p.parent.name in dossiers
    )[-1]
    assert victim.is_file()
    data = bytearray(victim.read_bytes())
    data[100] ^= 0xFF
    victim.write_bytes(bytes(data))

    failed = runner.invoke(app, ["check", "--json", "--token", token])
    assert failed.exit_code == 1
    failures = json.loads(failed.stdout)["failures"]
    assert [f["sha256"] for f in failures] == [victim.name]
    assert failures[0]["status"] == "unreadable"

    anonymous = runner.invoke(app, ["check"])
    assert anonymous.exit_code == 2


def test_rotating_the_master_key_keeps_documents_readable_and_retires_the_old_key(
    data_dir: Path,
) -> None:
    assert runner.invoke(app, ["demo", "--loans", "2", "--seed", "3"]).exit_code == 0
    old_key = (data_dir / "master.key").read_bytes()
    token = _token(data_dir, "auditor")

    rotated = runner.invoke(app, ["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert "re-wrapped" in rotated.output
    assert (data_dir / "master.key").read_bytes() != old_key

    after = runner.invoke(app, ["check", "--json", "--token", token])
    assert after.exit_code == 0, after.output
    assert json.loads(after.stdout)["passed"] is True

    (data_dir / "old.key").write_bytes(old_key)
    stale = runner.invoke(
        app, ["staff", "list"], env={"DOSSIER_MASTER_KEY_FILE": str(data_dir / "old.key")}
    )
    assert stale.exit_code == 2
    assert "master key" in stale.output


def test_gc_keeps_every_cited_blob_of_the_demo(data_dir: Path) -> None:
    assert runner.invoke(app, ["demo", "--loans", "2", "--seed", "5"]).exit_code == 0
    before = sorted(p for p in (data_dir / "blobs").rglob("*") if p.is_file())
    swept = runner.invoke(app, ["gc", "--grace-hours", "1"])
    assert swept.exit_code == 0, swept.output
    assert "0 已删除 / removed" in swept.output
    after = sorted(p for p in (data_dir / "blobs").rglob("*") if p.is_file())
    assert after == before
