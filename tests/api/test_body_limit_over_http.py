"""Bounded bodies: a request body is limited by the bytes that arrive, not by what the client
declares. A chunked body is refused (413) at the first chunk past the limit, before it is held
in memory, and nothing is recorded; a JSON command, which carries no documents, has a small
limit of its own.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import DISBURSEMENT, Api, limited_archive, pdf

CJK = re.compile(r"[\u4e00-\u9fff]")
JSON_LIMIT = 16 * 1024


@dataclass
class Sent:
    """What the app answered to a body sent in chunks, and how much of the body it read."""

    status: int
    body: dict[str, Any]
    read: int


def send_in_chunks(api: Api, path: str, headers: dict[str, str], chunks: Iterator[bytes]) -> Sent:
    """POST ``chunks`` straight to the ASGI app, one message each with no declared length, as
    the server passes a chunked body on, counting the bytes the app asks for."""
    app = api.client.app
    read = 0
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal read
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (k.lower().encode(), v.encode())
            for k, v in {**headers, "Transfer-Encoding": "chunked"}.items()
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return Sent(answer["status"], json.loads(answer["body"] or b"{}"), read)


def _padding(prefix: bytes, size: int, total: int) -> Iterator[bytes]:
    yield prefix
    for _ in range(total // size):
        yield b"x" * size


def test_a_chunked_json_body_is_refused_at_the_limit_without_reading_the_rest(api: Api) -> None:
    before = api.counts()
    chunk = 64 * 1024
    sent = send_in_chunks(
        api,
        "/api/v1/staff",
        {**api.headers["admin"], "Content-Type": "application/json"},
        _padding(b'{"staff_no": "X", "name": "', chunk, 300 * 1024 * 1024),
    )
    assert sent.status == 413, sent.body
    assert sent.body["error"] == "request_too_large"
    assert CJK.search(sent.body["detail"]["zh"])
    assert sent.body["detail"]["en"]
    limit = sent.body["context"]["limit"]
    assert limit == Settings().max_json_bytes
    assert sent.read <= limit + chunk, f"{sent.read} bytes read of a body limited to {limit}"
    assert api.counts() == before


def test_a_json_body_larger_than_any_command_is_refused_by_its_declared_length(api: Api) -> None:
    before = api.counts()
    huge = b'{"purpose": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    answer = api.send("admin", "/staff", huge)
    assert answer.status_code == 413, answer.text[:300]
    assert answer.json()["error"] == "request_too_large"
    assert api.counts() == before


@pytest.fixture
def small_limits(store_env: dict[str, str], tmp_path: Path) -> Iterator[Api]:
    """The API with documents of at most 4,000 bytes and JSON of at most 16 KiB; an account
    manager enrolled."""
    limit = 4000
    archive, token = limited_archive(store_env, tmp_path, limit)
    assert token is not None
    settings = Settings(
        data_dir=tmp_path,
        max_upload_bytes=limit,
        max_json_bytes=JSON_LIMIT,
        in_process_sealer=False,
    )
    try:
        with TestClient(create_app(settings, archive)) as client:
            api = Api(client, archive, {"admin": {"Authorization": f"Bearer {token.token}"}})
            api.enrol("am")
            yield api
    finally:
        archive.close()


def _multipart(files: int, size: int, data: dict[str, Any]) -> tuple[bytes, str]:
    """A multipart body: the command and ``files`` documents of ``size`` bytes."""
    request = httpx.Request(
        "POST",
        "http://testserver/api/v1/loans",
        data={"data": json.dumps(data, ensure_ascii=False)},
        files=[
            ("loan_contract", (f"c{i}.pdf", b"%PDF-1.4\n" + b"0" * size, "application/pdf"))
            for i in range(files)
        ],
    )
    return request.read(), request.headers["Content-Type"]


def test_a_chunked_multipart_body_is_refused_at_the_limit_without_reading_the_rest(
    small_limits: Api,
) -> None:
    api = small_limits
    before = api.counts()
    whole, content_type = _multipart(20, 10_000, {**DISBURSEMENT, "loan_no": "DK2025009999"})
    limit = 4000 * 20 + JSON_LIMIT
    assert len(whole) > 2 * limit
    chunk = 8 * 1024
    sent = send_in_chunks(
        api,
        "/api/v1/loans",
        {**api.headers["am"], "Content-Type": content_type},
        (whole[i : i + chunk] for i in range(0, len(whole), chunk)),
    )
    assert sent.status == 413, sent.body
    assert sent.body["error"] == "request_too_large"
    assert sent.body["context"]["limit"] == limit
    assert sent.read <= limit + chunk
    assert api.counts() == before


def test_a_chunked_multipart_command_within_the_limit_is_served(small_limits: Api) -> None:
    """The guard counts what arrives; it does not get in the way of an ordinary upload."""
    api = small_limits
    request = httpx.Request(
        "POST",
        "http://testserver/api/v1/loans",
        data={"data": json.dumps({**DISBURSEMENT, "loan_no": "DK2025009998"})},
        files=[
            ("loan_contract", ("借款合同.pdf", pdf("contract"), "application/pdf")),
            ("drawdown_receipt", ("借据.pdf", pdf("receipt"), "application/pdf")),
        ],
    )
    whole = request.read()
    sent = send_in_chunks(
        api,
        "/api/v1/loans",
        {**api.headers["am"], "Content-Type": request.headers["Content-Type"]},
        (whole[i : i + 1024] for i in range(0, len(whole), 1024)),
    )
    assert sent.status == 201, sent.body
    assert sent.read == len(whole)
