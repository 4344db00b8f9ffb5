"""What an operator watches: ``/metrics`` and ``/health/ready`` of the running service.

A command shows in the metrics under its route's template (never the raw path with the loan
number), under its command class with its outcome, and the registers' and the sealer's lag are
read when the metrics are scraped. Readiness names each check; it fails while a register is
held behind the log, while events wait too long for a checkpoint, and while the blob store
cannot be reached — and recovers when they catch up or the store is back.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.logs import configure_logging
from api.metrics import CountedBlobStore
from api.settings import Settings
from archive.application import DossierArchive
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.values import Role
from projections.follower import Follower
from storage.s3.store import S3BlobStore
from tests.api.conftest import DISBURSEMENT, Api, disburse, pdf
from tests.api.served import app_serving
from tests.factories import encrypted_archive

Samples = dict[str, list[tuple[dict[str, str], float]]]


def scrape(client: TestClient, **headers: str) -> Samples:
    """Every sample of ``/metrics``, by sample name: (labels, value)."""
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    found: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        found.setdefault(family.name, [])
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample ``name`` with exactly ``labels`` (0 when there is none yet)."""
    return sum(v for found, v in samples.get(name, []) if found == labels)


def test_after_a_command_the_metrics_name_its_route_template_command_and_registers(
    api: Api,
) -> None:
    before = scrape(api.client)
    disburse(api, "HL-101")
    assert api.get("am", "/loans/HL-101").status_code == 200
    twice = disburse_again(api, "HL-101")
    assert twice.status_code == 409, twice.text

    after = scrape(api.client)

    requests = "dossier_http_requests_total"
    posted = {"method": "POST", "route": "/api/v1/loans", "status": "201"}
    read = {"method": "GET", "route": "/api/v1/loans/{loan_no}", "status": "200"}
    assert value(after, requests, **posted) == value(before, requests, **posted) + 1
    assert value(after, requests, **read) == value(before, requests, **read) + 1
    assert all("HL-101" not in labels["route"] for labels, _ in after[requests])
    timed = {"method": "GET", "route": "/api/v1/loans/{loan_no}"}
    assert value(after, "dossier_http_request_duration_seconds_count", **timed) >= 1
    assert any(
        labels.get("le") == "+Inf" and labels["route"] == "/api/v1/loans"
        for labels, _ in after["dossier_http_request_duration_seconds_bucket"]
    )

    commands = "dossier_commands_total"
    for outcome in ("ok", "refused"):
        labels = {"command": "Disburse", "outcome": outcome}
        assert value(after, commands, **labels) == value(before, commands, **labels) + 1
    assert value(after, "dossier_command_duration_seconds_count", command="Disburse") >= 2

    names = set(api.client.app.state.registers.projections)  # type: ignore[attr-defined]
    for family in ("dossier_register_behind_events", "dossier_register_lag_seconds"):
        assert {labels["register"] for labels, _ in after[family]} == names
    head = api.archive.recorder.max_notification_id()
    assert value(after, "dossier_log_head_position") == head
    assert value(after, "dossier_sealer_unsealed_events") == head  # nothing sealed yet
    assert "dossier_checkpoint_age_seconds" not in after
    assert {labels["state"] for labels, _ in after["dossier_import_jobs"]} == {
        "queued",
        "running",
        "applied",
        "refused",
        "failed",
    }
    for source in ("registers", "sealer", "import_jobs"):
        assert value(after, "dossier_metrics_source_up", source=source) == 1
    for family in (
        "dossier_blob_store_errors",
        "dossier_fixity_results",
        "dossier_fixity_last_run_timestamp_seconds",
        "dossier_verification_runs",
        "dossier_verification_last_run_intact",
    ):
        assert family in after, family

    checked = api.post("archivist", "/loans/HL-101/dossier/fixity-checks")
    assert checked.is_success, checked.text
    verified = api.post("auditor", "/integrity/verifications", {"documents": False})
    assert verified.status_code == 201, verified.text
    assert api.post("auditor", "/integrity/checkpoints").status_code == 201
    sealed = scrape(api.client)
    fixity = "dossier_fixity_results_total"
    assert value(sealed, fixity, status="intact") == value(after, fixity, status="intact") + 2
    assert value(sealed, "dossier_fixity_last_run_failed_dossiers") == 0
    assert value(sealed, "dossier_fixity_last_run_timestamp_seconds") > 0
    runs = "dossier_verification_runs_total"
    assert value(sealed, runs, outcome="intact") == value(after, runs, outcome="intact") + 1
    assert value(sealed, "dossier_verification_last_run_intact") == 1
    assert value(sealed, "dossier_verification_last_run_events_checked") >= head
    head = api.archive.recorder.max_notification_id()
    assert value(sealed, "dossier_sealer_unsealed_events") == 0
    assert value(sealed, "dossier_checkpoint_tree_size") == head
    assert value(sealed, "dossier_checkpoint_age_seconds") >= 0


def disburse_again(api: Api, loan_no: str) -> Any:
    """The same disbursement a second time: refused, the loan exists."""
    body = {**DISBURSEMENT, "loan_no": loan_no}
    contract = (f"借款合同-{loan_no}.pdf", pdf(f"loan contract {loan_no}"), "application/pdf")
    receipt = (f"借据-{loan_no}.pdf", pdf(f"receipt {loan_no}"), "application/pdf")
    return api.upload(
        "am", "/loans", body, [("loan_contract", contract), ("drawdown_receipt", receipt)]
    )


@pytest.fixture
def held(
    store_env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[TestClient, DossierArchive, Settings]]:
    """The API with no follower or sealer in its process, small lags allowed, a staff enrolled."""
    archive = encrypted_archive(store_env, tmp_path)
    settings = Settings(
        data_dir=tmp_path,
        in_process_sealer=False,
        in_process_follower=False,
        ready_max_lag_seconds=0.3,
        ready_max_seal_lag_seconds=0.3,
        metrics_token="scraper-secret",
    )
    with TestClient(app_serving(settings, archive)) as client:
        archive.execute(
            CommandContext(SYSTEM_ID),
            EnrolStaff(
                staff_no="AM001", name="张伟", branch="城东支行", roles=[Role.ACCOUNT_MANAGER]
            ),
        )
        yield client, archive, settings
    archive.close()


def checks(answer: Any) -> dict[str, bool]:
    return {c["name"]: c["ok"] for c in answer.json()["checks"]}


def test_ready_fails_while_one_register_is_held_behind_and_recovers_when_it_catches_up(
    held: tuple[TestClient, DossierArchive, Settings],
) -> None:
    client, archive, _ = held
    app: Any = client.app
    everything = app.state.follower
    kept_back = "accountability_trail"
    others = [p for name, p in everything.projections.items() if name != kept_back]
    Follower(everything.store, archive.recorder, archive.mapper, others).catch_up()
    head = archive.recorder.max_notification_id()
    time.sleep(0.4)  # the held register's first unapplied event now waits past the 0.3 s allowed

    behind = client.get("/api/v1/health/ready")

    assert behind.status_code == 503, behind.text
    assert checks(behind) == {
        "event_store": True,
        "blob_store": True,
        "key_store": True,
        "registers": False,
        "follower": True,  # it runs elsewhere (`dossier follow`)
        "sealer": False,  # nothing seals either: the events wait for a checkpoint
    }
    registers = {r["name"]: r for r in behind.json()["registers"]}
    assert (registers[kept_back]["ready"], registers[kept_back]["behind"]) == (False, head)
    assert all(r["ready"] and r["behind"] == 0 for n, r in registers.items() if n != kept_back)
    metrics = scrape(client, Authorization="Bearer scraper-secret")
    assert value(metrics, "dossier_register_behind_events", register=kept_back) == head
    assert value(metrics, "dossier_register_lag_seconds", register=kept_back) >= 0.3
    assert value(metrics, "dossier_register_behind_events", register=others[0].name) == 0

    everything.catch_up()
    app.state.integrity.sealer.catch_up()
    assert app.state.integrity.sealer.seal() is not None
    ready = client.get("/api/v1/health/ready")

    assert ready.status_code == 200, ready.text
    assert set(checks(ready).values()) == {True}
    assert ready.json()["sealer"]["unsealed_events"] == 0
    assert ready.json()["sealer"]["checkpoint_tree_size"] == head


def test_metrics_need_the_scrapers_token_when_one_is_set(
    held: tuple[TestClient, DossierArchive, Settings],
) -> None:
    client, _, _ = held
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.json()["error"] == "metrics_token_required"
        assert "DOSSIER_METRICS_TOKEN" in refused.json()["detail"]["en"]
    assert client.get("/metrics", headers={"Authorization": "Bearer scraper-secret"}).is_success


def test_ready_fails_while_the_blob_folder_is_gone_and_recovers_when_it_is_back(
    held: tuple[TestClient, DossierArchive, Settings], tmp_path: Path
) -> None:
    client, _, _ = held
    app: Any = client.app
    app.state.follower.catch_up()
    app.state.integrity.sealer.catch_up()
    app.state.integrity.sealer.seal()
    assert client.get("/api/v1/health/ready").status_code == 200
    blobs = tmp_path / "blobs"
    shutil.move(blobs, tmp_path / "elsewhere")

    gone = client.get("/api/v1/health/ready")

    assert gone.status_code == 503, gone.text
    assert [c for c in gone.json()["checks"] if not c["ok"]] == [
        {"name": "blob_store", "ok": False, "error_type": "storage.blobs.BlobStoreError"}
    ]
    shutil.move(tmp_path / "elsewhere", blobs)
    assert client.get("/api/v1/health/ready").status_code == 200


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_ready_fails_while_the_s3_endpoint_does_not_answer_and_the_error_is_counted(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    unreachable = S3BlobStore.connect(
        endpoint=f"127.0.0.1:{closed_port()}",
        access_key="dossier",
        secret_key="dossier-secret",
        bucket="documents",
        secure=False,
    )
    archive = DossierArchive(store_env, blobs=CountedBlobStore(unreachable))
    settings = Settings(data_dir=tmp_path, in_process_sealer=False)
    try:
        with TestClient(app_serving(settings, archive)) as client:
            before = scrape(client)
            answer = client.get("/api/v1/health/ready")
            after = scrape(client)
    finally:
        archive.close()

    assert answer.status_code == 503, answer.text
    failed = [c for c in answer.json()["checks"] if not c["ok"]]
    assert [c["name"] for c in failed] == ["blob_store"]
    assert failed[0]["error_type"].startswith("storage.blobs.")
    errors = "dossier_blob_store_errors_total"
    counted = [labels for labels, _ in after[errors] if labels["operation"] == "check"]
    assert counted, after.get(errors)
    assert (
        sum(value(after, errors, **labels) - value(before, errors, **labels) for labels in counted)
        == 1
    )


@pytest.fixture
def json_logs() -> Iterator[None]:
    """Log lines as JSON for the test; logging left as it was found."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    config = structlog.get_config()
    configure_logging("info", json=True)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)


def test_every_line_logged_while_a_request_is_answered_is_json_with_its_request_id(
    held: tuple[TestClient, DossierArchive, Settings],
    tmp_path: Path,
    json_logs: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client, _, _ = held
    shutil.move(tmp_path / "blobs", tmp_path / "elsewhere")  # the check logs why it failed
    capsys.readouterr()

    answer = client.get("/api/v1/health/ready", headers={"X-Request-ID": "req-42"})
    made_up = client.get("/api/v1/health/live")

    assert answer.headers["X-Request-ID"] == "req-42"
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    mine = [line for line in lines if line.get("request_id") == "req-42"]
    assert {line["event"] for line in mine} >= {"readiness_check_failed", "request"}
    [request] = [line for line in mine if line["event"] == "request"]
    assert (request["route"], request["status"], request["logger"]) == (
        "/api/v1/health/ready",
        503,
        "dossier.http",
    )
    other = [line for line in lines if line["event"] == "request" and line is not request]
    assert [line["request_id"] for line in other] == [made_up.headers["X-Request-ID"]]
    assert len(made_up.headers["X-Request-ID"]) == 32
