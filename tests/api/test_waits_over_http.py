"""Bounded waits: what readers waiting for the registers can hold of the server.

- A read that waits for a position beyond the head of the log is refused at once (409, naming
  the head): nothing will ever be recorded there by waiting.
- Readers waiting for a position the registers have not applied yet hold none of the worker
  threads that serve everyone else: a plain loan read answers while 45 of them wait.
"""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.settings import Settings
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.values import Role
from projections.follower import Follower
from tests.api.conftest import Api, disburse
from tests.factories import encrypted_archive

LOAN = "DK2025000301"
CJK = re.compile(r"[\u4e00-\u9fff]")
WAITERS = 45
"""More than the server's worker threads (40), as in the report that found the defect."""


def _follower(api: Api) -> Follower:
    follower: Follower = api.client.app.state.follower  # type: ignore[attr-defined]
    return follower


def _record_one_more(api: Api) -> int:
    """Record an event (a staff member enrolled); its position."""
    answer = api.post(
        "admin",
        "/staff",
        {
            "staff_no": f"T{uuid.uuid4().hex[:8]}",
            "name": "测试",
            "branch": "城东支行",
            "roles": ["auditor"],
        },
    )
    assert answer.status_code == 201, answer.text
    return api.counts()[0]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/registers/loan_ledger?after={beyond}&wait=30", {}),
        ("/registers/loan_ledger?as_of_position={beyond}&wait=30", {}),
        ("/registers/loan_ledger?wait=30", {"X-Dossier-After": "{beyond}"}),
        ("/registers/accountability_trail/loans/" + LOAN + "?after={beyond}&wait=30", {}),
        ("/registers/document_search/search?q=合同&after={beyond}&wait=30", {}),
        ("/tasks?after={beyond}&wait=30", {}),
        ("/tasks/mine?after={beyond}&wait=30", {}),
        ("/reports/compliance?as_of_position={beyond}&wait=30", {}),
    ],
    ids=["after", "as_of_position", "header", "trail", "search", "tasks", "mine", "report"],
)
def test_waiting_for_a_position_beyond_the_log_head_is_refused_at_once_naming_the_head(
    api: Api, path: str, headers: dict[str, str]
) -> None:
    disburse(api, LOAN)
    head = api.counts()[0]
    beyond = 99_999_999
    started = time.monotonic()
    answer = api.get(
        "auditor",
        path.format(beyond=beyond),
        headers={k: v.format(beyond=beyond) for k, v in headers.items()},
    )
    elapsed = time.monotonic() - started
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert body["error"] == "position_beyond_head"
    assert body["context"] == {"position": beyond, "head": head}
    assert str(head) in body["detail"]["en"]
    assert str(head) in body["detail"]["zh"]
    assert CJK.search(body["detail"]["zh"])
    # The request asks to wait 30 s: an answer well inside that is a refusal, not a wait (the
    # margin leaves room for a loaded machine).
    assert elapsed < 15, f"refused after {elapsed:.1f} s: it waited instead of refusing"


def test_a_position_the_registers_have_not_applied_is_waited_for_then_answers_503(
    api: Api,
) -> None:
    _follower(api).stop()
    position = _record_one_more(api)
    answer = api.get("officer", f"/registers/loan_ledger?after={position}&wait=0.2")
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "1"
    assert answer.json()["error"] == "register_behind"
    assert answer.json()["context"]["position"] == position
    _follower(api).start()
    answer = api.get("officer", f"/registers/loan_ledger?after={position}&wait=10")
    assert answer.status_code == 200, answer.text


@pytest.fixture
def served(store_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Api, FastAPI]]:
    """The API served by uvicorn in a thread, as ``dossier serve`` runs it (a real event loop
    and its pool of 40 worker threads), on a fresh store; an account manager and a post-loan
    officer enrolled over HTTP. The harness's client is an ``httpx.Client`` to it."""
    archive = encrypted_archive(store_env, tmp_path)
    admin = archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="ADM01", name="系统管理员", branch="总行", roles=[Role.ADMINISTRATOR]),
    ).token
    assert admin is not None
    app = create_app(Settings(data_dir=tmp_path, in_process_sealer=False), archive)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        with httpx.Client(base_url=base, timeout=90) as client:
            harness = Api(client, archive, {"admin": {"Authorization": f"Bearer {admin.token}"}})  # type: ignore[arg-type]
            for who in ("am", "officer"):
                answer = harness.enrol(who)
                assert answer.status_code == 201, answer.text
            yield harness, app
    finally:
        server.should_exit = True
        thread.join(timeout=90)
        sock.close()
        archive.close()


def test_readers_waiting_for_the_registers_hold_no_thread_a_plain_read_needs(
    served: tuple[Api, FastAPI],
) -> None:
    api, app = served
    disburse(api, LOAN)
    # The registers stop one event short of the log, as when the follower is slow or down.
    follower: Follower = app.state.follower
    follower.stop()
    position = _record_one_more(api)
    answers: list[tuple[int, float]] = []

    def wait_for_the_registers() -> None:
        answer = api.get("officer", f"/registers/loan_ledger?after={position}&wait=20")
        answers.append((answer.status_code, time.monotonic()))

    waiters = [threading.Thread(target=wait_for_the_registers) for _ in range(WAITERS)]
    for waiter in waiters:
        waiter.start()
    time.sleep(1.5)  # every waiter has sent its request and is waiting
    assert answers == [], "the waiters must still be waiting: the registers are behind"
    started = time.monotonic()
    loan = api.get("officer", f"/loans/{LOAN}")
    read_at = time.monotonic()
    assert loan.status_code == 200, loan.text
    assert answers == [], (
        f"the plain read took {read_at - started:.1f} s and answered only once the waits had "
        "ended: they held the threads it needed"
    )
    follower.start()
    for waiter in waiters:
        waiter.join(timeout=60)
    assert len(answers) == WAITERS
    assert {status for status, _ in answers} == {200}
    assert all(at > read_at for _, at in answers)
