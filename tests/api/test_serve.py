"""`dossier serve` as `make run` starts it: demo on first start, data kept across restarts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "DOSSIER_DEMO_LOANS": "4", "DOSSIER_PORT": str(port)}
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_healthy(
    proc: subprocess.Popen[str], base: str, timeout: float = 180
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"dossier serve exited with {proc.returncode}:\n{output}")
        try:
            answer = httpx.get(f"{base}/api/v1/health", timeout=2)
            if answer.status_code == 200:
                health: dict[str, object] = answer.json()
                return health
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    proc.kill()
    pytest.fail("dossier serve did not answer in time")


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    try:
        output, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    return output


def _business_token(data_dir: Path) -> str:
    lines = (data_dir / "demo-credentials.txt").read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        _no, _name, role, token, *_password = line.split("\t")
        if role == "auditor":
            return token
    pytest.fail("the demo wrote no auditor account")


def test_serve_loads_the_demo_once_and_keeps_data_across_restarts(data_dir: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    first = _start(port)
    try:
        health = _wait_healthy(first, base)
        assert httpx.get(f"{base}/docs", timeout=5).status_code == 200
        spec = httpx.get(f"{base}/openapi.json", timeout=5).json()
        assert "/api/v1/loans/{loan_no}/inspections" in spec["paths"]
        assert "InspectionCreate" in spec["components"]["schemas"]
        token = _business_token(data_dir)
        loans = httpx.get(
            f"{base}/api/v1/loans", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).json()
        assert loans["count"] >= 4
        assert httpx.get(f"{base}/api/v1/loans", timeout=5).status_code == 401
    finally:
        _stop(first)
    position = health["position"]
    assert isinstance(position, int)
    assert position > 0
    # The core system's batches the demo imported are kept in the data directory, oldest first.
    batches = sorted((data_dir / "feed" / "inbox").glob("feed-*/batch.ctl"))
    assert batches, "the demo kept no core-banking batch"
    assert "business_date=" in batches[0].read_text(encoding="utf-8")

    second = _start(port)
    try:
        again = _wait_healthy(second, base)
        assert again["position"] == position, "a restart must neither lose nor reload data"
        loans_again = httpx.get(
            f"{base}/api/v1/loans", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).json()
        assert loans_again["count"] == loans["count"]
    finally:
        output = _stop(second)
    assert "demo not reloaded" in output
