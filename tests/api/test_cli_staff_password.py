"""``dossier staff password``: the administrator at the server sets a temporary console
password — typed twice, or made up and shown once — which signs the person in once and must
then be changed."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.composition import build_archive
from api.settings import Settings

runner = CliRunner()


def _enrol() -> None:
    added = runner.invoke(
        app,
        [
            "staff",
            "add",
            "--no",
            "AU7",
            "--name",
            "邓晨曦",
            "--branch",
            "总行",
            "--role",
            "auditor",
        ],
    )
    assert added.exit_code == 0, added.output


def test_a_generated_password_is_shown_once_and_signs_in_as_temporary(data_dir: Path) -> None:
    _enrol()
    answer = runner.invoke(app, ["staff", "password", "AU7", "--generate"])
    assert answer.exit_code == 0, answer.output
    password = answer.output.strip().splitlines()[-1]
    assert len(password) == 14
    archive = build_archive(Settings())
    try:
        signed = archive.log_in("AU7", password, source="console")
        assert signed.must_change_password
        assert archive.staff("AU7").password_hash != password
    finally:
        archive.close()


def test_a_typed_password_is_asked_twice_and_held_to_the_policy(data_dir: Path) -> None:
    _enrol()
    differ = runner.invoke(app, ["staff", "password", "AU7"], input="Typed2026first\nOther2026x\n")
    assert differ.exit_code == 2
    weak = runner.invoke(app, ["staff", "password", "AU7"], input="weak\nweak\n")
    assert weak.exit_code == 1
    assert "密码" in weak.output
    typed = runner.invoke(
        app, ["staff", "password", "AU7"], input="Typed2026first\nTyped2026first\n"
    )
    assert typed.exit_code == 0, typed.output
    unknown = runner.invoke(
        app, ["staff", "password", "NOBODY"], input="Typed2026first\nTyped2026first\n"
    )
    assert unknown.exit_code == 1
