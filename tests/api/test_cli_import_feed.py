"""``dossier import feed``: the core system's day-end batches applied with the integration
identity's token, on SQLite and PostgreSQL.

A batch is applied and reconciled; applied again it records nothing; a refused batch is reported
(file, line, column, both languages) and records nothing; an import killed with SIGKILL at
random moments and run again ends with the same events as one clean import, and with the same
registers, followed live while it ran as the service follows the log, row by row apart from the
columns of recording time; two imports of the same batches at once apply each line once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from api.composition import build_registers
from archive.application import DossierArchive
from archive.feed.batch import REPAYMENTS
from archive.feed.sample import sample_batches
from archive.feed.writing import write_batch
from domain.feed import FeedBatch, FeedLedger
from projections.follower import Follower
from projections.query import select_all
from projections.store import RegisterStore
from projections.tables import AT, FROM, FROM_AT, POS, TO, TO_AT, UNTIL_AT, UNTIL_POS
from tests.postgres import fresh_schema

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
CHUNK = 50
"""Lines per save in the imports killed: small, for many saves in a small portfolio."""
IMPORTED_TOPICS = ("domain.loan", "domain.dossier", "domain.feed", "archive.receipts")


def enrol(staff_no: str, name: str, role: str) -> str:
    added = runner.invoke(
        app,
        ["staff", "add", "--no", staff_no, "--name", name, "--branch", "营业部", "--role", role],
    )
    assert added.exit_code == 0, added.output
    return added.output.strip().splitlines()[-1]


def dossier_import(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["import", "feed", *args, "--token", token],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


def opened() -> DossierArchive:
    return open_archive(read_settings())


def events() -> int:
    archive = opened()
    try:
        return archive.recorder.max_notification_id() or 0
    finally:
        archive.close()


def imported(archive: DossierArchive) -> list[tuple[Any, ...]]:
    """The events the import recorded, as (aggregate, version, topic, payload) in log order,
    the recording time left out."""
    found = []
    for n in archive.recorder.select_notifications(start=1, limit=10**9):
        if not n.topic.startswith(IMPORTED_TOPICS):
            continue
        event = archive.mapper.to_domain_event(n)
        payload = {
            k: v
            for k, v in vars(event).items()
            if k not in ("timestamp", "originator_version", "originator_id")
        }
        found.append(
            (n.originator_id, n.originator_version, n.topic, repr(sorted(payload.items())))
        )
    return found


@pytest.fixture
def tokens(data_dir: Path) -> dict[str, str]:
    return {
        "integration": enrol("0951", "核心系统对接", "integration"),
        "manager": enrol("0102", "林海燕", "account_manager"),
        "auditor": enrol("0931", "孙敏", "auditor"),
    }


@pytest.fixture
def portfolio(tmp_path: Path) -> list[Path]:
    return sample_batches(tmp_path / "feed", loans=30, days=12, manager_no="0102")


def test_batches_are_applied_reconciled_and_not_applied_twice(
    tokens: dict[str, str], portfolio: list[Path]
) -> None:
    done = dossier_import(*map(str, reversed(portfolio)), token=tokens["integration"])
    assert done.exit_code == 0, done.output
    assert "不平" not in done.output
    archive = opened()
    try:
        ledger = archive.repository.get(FeedLedger.create_id())
        assert isinstance(ledger, FeedLedger)
        assert [f"feed-{d:%Y%m%d}" for d in sorted(ledger.applied.values())] == [
            p.name for p in portfolio
        ]
        assert len(ledger.applied) == len(portfolio)
        for sha in ledger.applied:
            batch = archive.repository.get(FeedBatch.create_id(sha))
            assert isinstance(batch, FeedBatch)
            assert batch.balanced is True
    finally:
        archive.close()
    recorded = events()
    again = dossier_import(str(portfolio[0]), str(portfolio[-1]), token=tokens["integration"])
    assert again.exit_code == 0, again.output
    assert events() == recorded


def test_a_refused_batch_is_reported_and_records_nothing(
    tokens: dict[str, str], portfolio: list[Path], tmp_path: Path
) -> None:
    assert dossier_import(str(portfolio[0]), token=tokens["integration"]).exit_code == 0
    recorded = events()
    bad = write_batch(
        tmp_path / "bad",
        bank="云溪农商银行",
        business_date=date(2026, 1, 6),
        files={
            REPAYMENTS: [
                {
                    "reference": "X1",
                    "loan_no": "NO-SUCH",
                    "paid_on": "2026-01-06",
                    "principal": "1.00",
                    "interest": "0",
                    "penalty": "0",
                },
                {
                    "reference": "X2",
                    "loan_no": "NO-SUCH-2",
                    "paid_on": "2026-01-09",
                    "principal": "1.00",
                    "interest": "0",
                    "penalty": "0",
                },
            ]
        },
    )
    report = tmp_path / "report.json"
    refused = dossier_import(str(bad), "--report", str(report), token=tokens["integration"])
    assert refused.exit_code == 1, refused.output
    assert "nothing recorded" in refused.output
    problems = json.loads(report.read_text(encoding="utf-8"))["problems"]
    assert [(p["file"], p["line"], p["column"], p["code"]) for p in problems] == [
        (REPAYMENTS, 2, "loan_no", "unknown_loan"),
        (REPAYMENTS, 3, "paid_on", "date_after_business_date"),
    ]
    assert all(p["reason_zh"] and p["reason_en"] for p in problems)
    assert events() == recorded


def test_only_the_integration_identity_may_import(
    tokens: dict[str, str], portfolio: list[Path]
) -> None:
    for who in ("manager", "auditor"):
        refused = dossier_import(str(portfolio[0]), token=tokens[who])
        assert refused.exit_code == 1, refused.output
    assert events() <= 10  # the three enrolments, nothing of the batch


# ------------------------------------------------------------------ killed and run again
def _command(paths: list[Path], token: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "api.cli",
        "import",
        "feed",
        *map(str, paths),
        "--chunk-lines",
        str(CHUNK),
        "--token",
        token,
    ]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DOSSIER_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _kill_after(paths: list[Path], token: str, threshold: int) -> None:
    """Start an import and SIGKILL it once the log holds ``threshold`` events (or it ends)."""
    watching = opened()
    process = subprocess.Popen(
        _command(paths, token),
        env=_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while process.poll() is None and time.monotonic() < deadline:
            if (watching.recorder.max_notification_id() or 0) >= threshold:
                break
            time.sleep(0.01)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        watching.close()


RECORDING_TIME = frozenset({FROM, TO, FROM_AT, TO_AT, UNTIL_POS, UNTIL_AT, POS, AT})
"""A register row's columns of recording time: the log positions and times of its versions."""


def register_rows(store: RegisterStore, follower: Follower) -> dict[str, list[dict[str, Any]]]:
    """Every table of every register, history included, in its order, without the columns of
    recording time (positions, times, and the times of events a column holds)."""
    found = {}
    for projection in follower.projections.values():
        for spec in projection.tables:
            times = RECORDING_TIME | {
                c.name for c in spec.columns if isinstance(c.type, sa.DateTime)
            }
            rows = select_all(store, projection, spec.name, with_history=True)
            found[f"{projection.name}.{spec.name}"] = [
                {k: v for k, v in row.items() if k not in times} for row in rows
            ]
    return found


@contextmanager
def another_store(folder: Path) -> Iterator[None]:
    """The CLI's settings pointed, for a while, at a fresh store of the same kind in ``folder``:
    SQLite, or a new PostgreSQL schema."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DOSSIER_DATA_DIR", str(folder))
        url = os.environ.get("DOSSIER_EVENT_STORE")
        if not url:
            yield
            return
        with fresh_schema(url, create=False) as schema:  # the CLI creates it
            env.setenv("DOSSIER_POSTGRES_SCHEMA", schema)
            yield


def clean_import(
    batches: list[Path], folder: Path
) -> tuple[list[tuple[Any, ...]], dict[str, list[dict[str, Any]]]]:
    """One clean import by the CLI, in a store of its own with the same people (enrolled in the
    order the ``tokens`` fixture enrols them): its events, and its registers caught up after."""
    with another_store(folder):
        integration = enrol("0951", "核心系统对接", "integration")
        enrol("0102", "林海燕", "account_manager")
        enrol("0931", "孙敏", "auditor")
        done = dossier_import(*map(str, batches), "--chunk-lines", str(CHUNK), token=integration)
        assert done.exit_code == 0, done.output
        archive = opened()
        registers = build_registers(read_settings(), archive)
        try:
            registers.follower.catch_up()
            return imported(archive), register_rows(registers.service.store, registers.follower)
        finally:
            registers.close()
            archive.close()


def test_an_import_killed_at_random_moments_ends_as_one_clean_import(
    tokens: dict[str, str], tmp_path: Path
) -> None:
    batches = sample_batches(tmp_path / "big", loans=200, days=5, manager_no="0102")
    start = events()
    expected, expected_registers = clean_import(batches, tmp_path / "clean")
    total = len(expected)
    # The registers followed live while the imports are killed and run again, as the service
    # follows the log: small batches, so that their boundaries fall inside the chunks saved.
    settings = read_settings()
    watching = opened()
    registers = build_registers(settings, watching)
    try:
        registers.follower.batch_size = 37
        registers.follower.interval = 0.05
        registers.follower.start()
        rng = random.Random(os.environ.get("PYTEST_XDIST_WORKER", "seed"))
        for point in sorted(rng.sample(range(1, total), 2)):
            _kill_after(batches, tokens["integration"], start + point)
        finished = subprocess.run(
            _command(batches, tokens["integration"]),
            env=_env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert finished.returncode == 0, finished.stdout + finished.stderr
        registers.follower.stop()
        registers.follower.catch_up()
        head = watching.recorder.max_notification_id()
        assert set(registers.service.store.positions().values()) == {head}
        live = register_rows(registers.service.store, registers.follower)
    finally:
        registers.close()
        watching.close()
    archive = opened()
    try:
        found = imported(archive)
        versions: dict[Any, list[int]] = {}
        for aggregate, version, _topic, _payload in found:
            versions.setdefault(aggregate, []).append(version)
        assert all(v == list(range(1, len(v) + 1)) for v in versions.values())  # no gap, no twice
        assert found == expected
        ledger_batches = [a for a, _v, t, _p in found if t.endswith("FeedBatch.Started")]
        assert len(ledger_batches) == len(batches)
        for batch_id in ledger_batches:
            stored = archive.repository.get(batch_id)
            assert isinstance(stored, FeedBatch)
            assert stored.balanced is True
    finally:
        archive.close()
    # The registers kept live equal those of the clean import, row by row.
    assert live.keys() == expected_registers.keys()
    assert any(live["feed_batches.batches"])
    for table, rows in expected_registers.items():
        assert live[table] == rows, f"{table} differs from the clean import's"
    verified = runner.invoke(app, ["verify", "--token", tokens["auditor"]], env={"COLUMNS": "240"})
    assert verified.exit_code == 0, verified.output


def test_two_imports_of_the_same_batches_at_once_apply_each_line_once(
    tokens: dict[str, str], tmp_path: Path
) -> None:
    batches = sample_batches(tmp_path / "twice", loans=300, days=4, manager_no="0102")
    runs = [
        subprocess.Popen(
            _command(batches, tokens["integration"]),
            env=_env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=600)[0] for r in runs]
    assert any(r.returncode == 0 for r in runs), outputs
    archive = opened()
    try:
        found = imported(archive)
        keys = [(a, v) for a, v, _t, _p in found]
        assert len(keys) == len(set(keys))
        started = [a for a, _v, t, _p in found if t.endswith("FeedBatch.Started")]
        assert len(started) == len(set(started)) == len(batches)
    finally:
        archive.close()
    # Whichever stopped, running again completes what is left and records nothing twice.
    again = subprocess.run(
        _command(batches, tokens["integration"]),
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stdout + again.stderr
