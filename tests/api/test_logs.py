"""One logging setup for every process (api/logs.py): a line from the standard library's
``logging`` and a structlog event come out in the same format, on standard error only; the CLI
sets it up before any command, so ``dossier seal --json`` keeps standard output for the
checkpoint while its log line goes to standard error in that format."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from api.logs import configure_logging
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from storage.checkpoints import Checkpoint

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"
CONSOLE_LINE = re.compile(
    rf"(?P<timestamp>{TIMESTAMP}) \[(?P<level>\w+)\s*\] (?P<event>.+?)\s+\[(?P<logger>[\w.]+)\]"
)


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    """Leave logging as the test found it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    config = structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)


def log_both_ways() -> None:
    logging.getLogger("archive.commands.disposition").warning(
        "blob %s is still under retention", "ab12"
    )
    structlog.get_logger("dossier.sealer").info("sealed", tree_size=3, key_id="k1")


def test_in_production_a_stdlib_record_and_a_structlog_event_are_alike_json_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info", json=True)
    log_both_ways()
    out, err = capsys.readouterr()
    assert out == ""
    stdlib, native = (json.loads(line) for line in err.splitlines())
    assert stdlib == {
        "event": "blob ab12 is still under retention",
        "level": "warning",
        "logger": "archive.commands.disposition",
        "timestamp": stdlib["timestamp"],
    }
    assert native == {
        "event": "sealed",
        "level": "info",
        "logger": "dossier.sealer",
        "timestamp": native["timestamp"],
        "tree_size": 3,
        "key_id": "k1",
    }
    for line in (stdlib, native):
        assert re.fullmatch(TIMESTAMP, line["timestamp"])


def test_in_development_both_are_alike_readable_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", json=False)
    log_both_ways()
    out, err = capsys.readouterr()
    assert out == ""
    stdlib, native = err.splitlines()
    first, second = CONSOLE_LINE.match(stdlib), CONSOLE_LINE.match(native)
    assert first is not None, stdlib
    assert second is not None, native
    assert (first["level"], first["event"], first["logger"]) == (
        "warning",
        "blob ab12 is still under retention",
        "archive.commands.disposition",
    )
    assert (second["level"], second["event"], second["logger"]) == (
        "info",
        "sealed",
        "dossier.sealer",
    )
    assert native.endswith("key_id=k1 tree_size=3")


def test_a_failure_carries_its_traceback_either_way(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info", json=True)
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        logging.getLogger("archive.core").exception("text extraction failed for %s", "k")
        structlog.get_logger("dossier.follower").exception("register batch failed; retrying")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["level"] for line in lines] == ["error", "error"]
    for line in lines:
        assert line["exception"].startswith("Traceback (most recent call last):")
        assert line["exception"].endswith("ZeroDivisionError: division by zero")


def test_below_the_level_nothing_is_written_and_a_second_setup_replaces_the_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("info", json=True)
    configure_logging("warning", json=True)
    logging.getLogger("archive.core").info("not shown")
    structlog.get_logger("dossier.sealer").info("not shown either")
    log_both_ways()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["logger"] for line in lines] == ["archive.commands.disposition"]


def test_seal_logs_to_stderr_in_the_one_format_and_prints_the_checkpoint_alone(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_LOG_LEVEL", "info")
    archive = open_archive(read_settings())
    try:
        archive.execute(
            CommandContext(SYSTEM_ID),
            EnrolStaff(staff_no="S1", name="测试员", branch="营业部", roles=[]),
        )
        events = sum(1 for _ in archive.recorder.select_notifications(start=1, limit=1000))
    finally:
        archive.close()
    sealed = CliRunner().invoke(app, ["seal", "--json"])
    assert sealed.exit_code == 0, sealed.output
    assert Checkpoint.from_json_text(sealed.stdout).tree_size == events
    logged = [m for m in map(CONSOLE_LINE.match, sealed.stderr.splitlines()) if m]
    assert [(m["level"], m["event"], m["logger"]) for m in logged] == [
        ("info", "sealed", "dossier.sealer")
    ]


def test_a_cli_command_logs_json_lines_with_its_run_as_request_id(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOSSIER_LOG_FORMAT", "json")
    archive = open_archive(read_settings())
    try:
        archive.execute(
            CommandContext(SYSTEM_ID),
            EnrolStaff(staff_no="S1", name="测试员", branch="营业部", roles=[]),
        )
    finally:
        archive.close()
    sealed = CliRunner().invoke(app, ["seal", "--json"])
    assert sealed.exit_code == 0, sealed.output
    # What the command tells its user (a key generated) is not a log line; every log line is JSON.
    [line] = [json.loads(text) for text in sealed.stderr.splitlines() if text.startswith("{")]
    assert (line["event"], line["logger"], line["command"]) == ("sealed", "dossier.sealer", "seal")
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert structlog.contextvars.get_contextvars() == {}, "the run's id ends with the command"
