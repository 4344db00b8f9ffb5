"""What waiting readers and a huge body cost the running server, each beside its floor.

Run ``.venv/bin/python bench/serve_limits.py [--loans 10] [--waiters 45] [--body-mb 300]``.
It runs ``dossier serve`` (uvicorn) in a subprocess on the embedded store (SQLite, local
blobs) in a temporary data directory — the first start loads the demo portfolio — and talks
to it over TCP as clients would:

* **waits** — the time of an ordinary read (``GET /api/v1/loans/{loan_no}``) while
  ``--waiters`` register reads with ``after=…&wait=30`` are open, beside the floor: the same
  read with no wait open (median of 10), as a ratio. Two cases: (a) ``after`` far beyond the
  head of the log (a position that does not exist), on a server whose follower runs;
  (b) ``after`` the newest position, on a server started without its follower
  (``DOSSIER_IN_PROCESS_FOLLOWER=false``, as when ``dossier follow`` is slow or down) after
  one more event was recorded: a real position the registers have not applied. It also
  reports how the waits ended (status, seconds).
* **body** — the server process's peak resident memory (``VmRSS`` from ``/proc``, sampled
  every 20 ms) while a ``--body-mb`` JSON body is sent chunked (no Content-Length) to
  ``POST /api/v1/loans``, beside the floor: its resident memory when idle just before. It
  reports how much of the body the server read before it answered, and the answer.

Linux only (``/proc``). A run takes about three minutes, most of it the demo and the waits.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import select
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAR = 99_999_999
MIB = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """``dossier serve`` in a subprocess."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def request(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: Any = None,
        timeout: float = 120,
    ) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=headers)
            answer = conn.getresponse()
            raw = answer.read()
        finally:
            conn.close()
        try:
            return answer.status, json.loads(raw) if raw else None
        except ValueError:
            return answer.status, raw

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")


@contextmanager
def serve(data_dir: Path, *, follower: bool = True, loans: int = 10) -> Iterator[Server]:
    port = _free_port()
    log = data_dir / f"serve-{port}.log"
    env = {
        **os.environ,
        "DOSSIER_DATA_DIR": str(data_dir),
        "DOSSIER_PORT": str(port),
        "DOSSIER_DEMO_LOANS": str(loans),
        "DOSSIER_LOG_LEVEL": "warning",
        "DOSSIER_IN_PROCESS_FOLLOWER": "true" if follower else "false",
    }
    for name in ("DOSSIER_EVENT_STORE", "DOSSIER_POSTGRES_SCHEMA", "DOSSIER_ENVIRONMENT"):
        env.pop(name, None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + 900
        while True:
            if process.poll() is not None:
                sys.exit(f"dossier serve exited:\n{log.read_text()[-3000:]}")
            try:
                if server.request("GET", "/api/v1/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit("dossier serve did not answer")
            time.sleep(0.5)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tokens(data_dir: Path) -> dict[str, str]:
    """The demo's first account in each role."""
    found: dict[str, str] = {}
    for line in (data_dir / "demo-credentials.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        _no, _name, role, token, *_password = line.split("\t")
        found.setdefault(role, token)
    return found


def head(server: Server) -> int:
    status, body = server.request("GET", "/api/v1/health")
    assert status == 200, body
    return int(body["position"])


def caught_up(server: Server, token: str, timeout: float = 600) -> None:
    """Wait until every register has applied the head of the log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = server.request("GET", "/api/v1/registers", token)
        assert status == 200, body
        if min(r["position"] for r in body["data"]) >= head(server):
            return
        time.sleep(1)
    sys.exit("the registers did not catch up")


def timed_get(server: Server, path: str, token: str) -> float:
    started = time.perf_counter()
    status, body = server.request("GET", path, token)
    elapsed = time.perf_counter() - started
    assert status == 200, (status, body)
    return elapsed


@dataclass
class Waits:
    """How an ordinary read fared while the waits were open, and how the waits ended."""

    case: str
    floor_ms: float
    read_ms: float
    ended: list[tuple[int, float]] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.read_ms / self.floor_ms


def floor_ms(server: Server, path: str, token: str, n: int = 10) -> float:
    timed_get(server, path, token)  # warm
    return statistics.median(timed_get(server, path, token) for _ in range(n)) * 1000


def with_waits(
    server: Server, case: str, read: str, wait_path: str, token: str, waiters: int
) -> Waits:
    floor = floor_ms(server, read, token)
    ended: list[tuple[int, float]] = []
    lock = threading.Lock()

    def waiter() -> None:
        started = time.perf_counter()
        try:
            status, _ = server.request("GET", wait_path, token, timeout=120)
        except OSError:
            status = 0
        with lock:
            ended.append((status, time.perf_counter() - started))

    threads = [threading.Thread(target=waiter) for _ in range(waiters)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # every wait has been sent
    read_ms = timed_get(server, read, token) * 1000
    for thread in threads:
        thread.join()
    return Waits(case, floor, read_ms, ended)


@dataclass
class Body:
    idle_mib: float
    peak_mib: float
    sent_mib: float
    status: str


def huge_body(server: Server, token: str, megabytes: int) -> Body:
    """Send a JSON body of ``megabytes`` MiB chunked, sampling the server's resident memory."""
    idle = server.rss_mib()
    peak = idle
    sampling = True

    def sample() -> None:
        nonlocal peak
        while sampling:
            peak = max(peak, server.rss_mib())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=120)
    sent = 0
    try:
        sock.sendall(
            (
                "POST /api/v1/loans HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
            ).encode()
        )
        chunk = b'{"loan_no": "' + b"x" * (MIB - 13)
        framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        answered = False
        for _ in range(megabytes):
            if select.select([sock], [], [], 0)[0]:
                answered = True  # the server has answered: it reads no more
                break
            sock.sendall(framed)
            sent += len(chunk)
        if not answered:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server closed the connection after answering
    try:
        status = sock.recv(200).split(b"\r\n", 1)[0].decode(errors="replace") or "(closed)"
    except OSError as error:
        status = f"({type(error).__name__})"
    finally:
        sock.close()
    time.sleep(2)  # a peak reached while the body is parsed
    sampling = False
    sampler.join()
    return Body(idle, peak, sent / MIB, status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=10, help="demo loans (default 10)")
    parser.add_argument("--waiters", type=int, default=45, help="open waits (default 45)")
    parser.add_argument("--body-mb", type=int, default=300, help="body size in MiB")
    args = parser.parse_args()
    print(f"{platform.node()} · Python {platform.python_version()} · {time.strftime('%Y-%m-%d')}")
    with tempfile.TemporaryDirectory(prefix="serve-limits-") as tmp:
        data = Path(tmp)
        started = time.monotonic()
        with serve(data, loans=args.loans) as server:
            reader = tokens(data)["auditor"]
            caught_up(server, reader)
        print(
            f"demo of {args.loans} loans loaded and followed in {time.monotonic() - started:.0f} s"
        )
        accounts = tokens(data)
        reader = accounts["auditor"]
        results: list[Waits] = []
        with serve(data) as server:
            status, listed = server.request("GET", "/api/v1/loans?limit=1", reader)
            assert status == 200, listed
            read = f"/api/v1/loans/{listed['data'][0]['loan_no']}"
            results.append(
                with_waits(
                    server,
                    "(a) after= beyond the log head",
                    read,
                    f"/api/v1/registers/loan_ledger?after={FAR}&wait=30",
                    reader,
                    args.waiters,
                )
            )
            body = huge_body(server, accounts["account_manager"], args.body_mb)
        with serve(data, follower=False) as server:
            status, answer = server.request(
                "POST",
                "/api/v1/staff",
                accounts["administrator"],
                {"staff_no": "B900", "name": "基准", "branch": "总行", "roles": ["auditor"]},
            )
            assert status == 201, answer
            results.append(
                with_waits(
                    server,
                    "(b) after= the newest position, follower stopped",
                    read,
                    f"/api/v1/registers/loan_ledger?after={head(server)}&wait=30",
                    reader,
                    args.waiters,
                )
            )
    print()
    print(f"Ordinary read (GET {read}) while {args.waiters} waits are open")
    print("| case | floor ms | read ms | ratio | waits ended (status × n, mean s) |")
    print("|---|--:|--:|--:|---|")
    for r in results:
        by_status: dict[int, list[float]] = {}
        for status, seconds in r.ended:
            by_status.setdefault(status, []).append(seconds)
        ended = ", ".join(
            f"{s} × {len(t)}, {statistics.mean(t):.2f} s" for s, t in sorted(by_status.items())
        )
        print(f"| {r.case} | {r.floor_ms:.1f} | {r.read_ms:,.1f} | {r.ratio:,.1f} | {ended} |")
    print()
    print(f"{args.body_mb} MiB chunked JSON body to POST /api/v1/loans")
    print("| idle RSS MiB (floor) | peak RSS MiB | ratio | MiB sent before the answer | answer |")
    print("|--:|--:|--:|--:|---|")
    print(
        f"| {body.idle_mib:.0f} | {body.peak_mib:.0f} | {body.peak_mib / body.idle_mib:.2f} "
        f"| {body.sent_mib:.0f} | {body.status} |"
    )


if __name__ == "__main__":
    main()
