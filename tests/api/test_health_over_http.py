"""Liveness and readiness over HTTP, and a register that stopped at an event.

``/health`` once said ``ok`` while every register was stuck one event short of the log. Now
``/health/live`` (and its alias ``/health``) says only that the process answers, and
``/health/ready`` reports each register's position against the log's head: 503 when one has
stopped at an event it cannot apply — naming the position and the event's class, never the
business the event carries — or has left an event unapplied longer than allowed. The stopped
register answers its reads 503 ``register_failed`` at once; the others go on answering.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from archive.application import DossierArchive
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.values import Role
from storage.blobs import LocalBlobStore
from tests.api.conftest import Api, disburse
from tests.projections.broken import EVENT_TYPE, record_a_malformed_repayment

TRAIL = "accountability_trail"


def poll(client: Any, path: str, until: Any, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(path)
        if until(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def test_live_and_ready_need_no_token_and_ready_names_every_register_at_the_head(
    api: Api,
) -> None:
    disburse(api, "HL-001")
    client = api.client
    head = api.archive.recorder.max_notification_id()

    for path in ("/api/v1/health", "/api/v1/health/live"):
        live = client.get(path)
        assert live.status_code == 200
        assert live.json() == {"status": "ok", "position": head}
    ready = poll(
        client,
        "/api/v1/health/ready",
        lambda a: a.status_code == 200 and all(r["behind"] == 0 for r in a.json()["registers"]),
    )

    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert (body["status"], body["head"]) == ("ready", head)
    assert {r["name"] for r in body["registers"]} == set(api.client.app.state.registers.projections)  # type: ignore[attr-defined]
    assert all(r["position"] == head and r["behind"] == 0 for r in body["registers"])
    assert all(r["ready"] and r["failure"] is None for r in body["registers"])
    assert body["follower"]["in_process"] is True
    assert body["follower"]["running"] is True
    assert body["max_lag_seconds"] == Settings().ready_max_lag_seconds
    assert "HL-001" not in ready.text


def test_a_register_that_stopped_answers_503_and_readiness_names_it(api: Api) -> None:
    disburse(api, "HL-002")
    position = record_a_malformed_repayment(api.archive, "HL-002")
    client = api.client

    # The failure is committed with the register's position; the follower notes it as its
    # last error a moment later, once the transaction is over: wait for both.
    ready = poll(
        client,
        "/api/v1/health/ready",
        lambda a: a.status_code == 503 and a.json()["follower"]["last_error"] is not None,
    )

    assert ready.status_code == 503, ready.text
    body = ready.json()
    assert body["status"] == "not_ready"
    registers = {r["name"]: r for r in body["registers"]}
    trail = registers.pop(TRAIL)
    assert (trail["position"], trail["ready"]) == (position - 1, False)
    assert trail["failure"]["position"] == position
    assert trail["failure"]["event_type"] == EVENT_TYPE
    assert trail["failure"]["error_type"] == "builtins.TypeError"
    # The others follow: they have applied the event the trail could not.
    assert all(r["position"] == position and r["ready"] for r in registers.values())
    assert body["follower"]["last_error"]["register_name"] == TRAIL
    # Positions and class names only: not the error's message, nor the loan.
    assert "not iterable" not in ready.text
    assert "HL-002" not in ready.text
    assert client.get("/api/v1/health/live").status_code == 200

    started = time.monotonic()
    refused = api.get("auditor", f"/registers/{TRAIL}?after={position}&wait=30")
    assert time.monotonic() - started < 10  # at once, not after the 30 s asked
    assert refused.status_code == 503
    error = refused.json()
    assert error["error"] == "register_failed"
    assert error["context"]["register"] == TRAIL
    assert error["context"]["position"] == position
    assert error["context"]["event_type"] == EVENT_TYPE
    assert EVENT_TYPE in error["detail"]["en"]
    assert EVENT_TYPE in error["detail"]["zh"]
    for path in (f"/registers/{TRAIL}", f"/registers/{TRAIL}/loans/HL-002"):
        assert api.get("auditor", path).json()["error"] == "register_failed"

    ledger = api.get("auditor", f"/registers/loan_ledger?after={position}&loan_no=HL-002")
    assert ledger.status_code == 200, ledger.text
    assert ledger.json()["position"] == position


@pytest.fixture
def idle(store_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[TestClient, DossierArchive]]:
    """The API with no follower in its process (``dossier follow`` would run elsewhere) and a
    lag of half a second allowed."""
    archive = DossierArchive(store_env, blobs=LocalBlobStore(tmp_path / "blobs"))
    settings = Settings(
        data_dir=tmp_path,
        in_process_sealer=False,
        in_process_follower=False,
        ready_max_lag_seconds=0.5,
    )
    with TestClient(create_app(settings, archive)) as client:
        yield client, archive
    archive.close()


def test_ready_answers_503_once_an_event_waits_longer_than_the_lag_allowed(
    idle: tuple[TestClient, DossierArchive],
) -> None:
    client, archive = idle
    assert client.get("/api/v1/health/ready").status_code == 200  # an empty log: nothing waits

    archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="AM001", name="张伟", branch="城东支行", roles=[Role.ACCOUNT_MANAGER]),
    )
    head = archive.recorder.max_notification_id()
    time.sleep(0.6)
    late = client.get("/api/v1/health/ready")

    assert late.status_code == 503, late.text
    body = late.json()
    assert body["follower"] == {
        "in_process": False,
        "running": False,
        "failing": False,
        "last_error": None,
    }
    for register in body["registers"]:
        assert (register["position"], register["behind"]) == (0, head)
        assert register["lag_seconds"] >= 0.5
        assert register["ready"] is False
        assert register["failure"] is None
