"""The one SeaweedFS launcher (bench/seaweed.py) the tests and the benchmarks share.

Stopping is terminate, wait, kill: a server that ignores SIGTERM is killed after the grace, one
that obeys stops at once. A ``weed`` that dies before it is ready is reported with its log.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import seaweed

IGNORES_SIGTERM = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)
OBEYS_SIGTERM = "import time\nprint('ready', flush=True)\ntime.sleep(60)\n"


def started(code: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"
    process.stdout.close()
    return process


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace() -> None:
    process = started(IGNORES_SIGTERM)
    began = time.monotonic()
    seaweed.stop_process(process, grace=0.5)
    assert process.returncode == -signal.SIGKILL
    assert 0.5 <= time.monotonic() - began < 5


def test_a_process_that_obeys_sigterm_stops_without_being_killed() -> None:
    process = started(OBEYS_SIGTERM)
    began = time.monotonic()
    seaweed.stop_process(process, grace=10)
    assert process.returncode == -signal.SIGTERM
    assert time.monotonic() - began < 5


def test_a_weed_that_dies_before_it_is_ready_is_reported_with_its_log(tmp_path: Path) -> None:
    fake = tmp_path / "weed"
    fake.write_text("#!/bin/sh\necho 'the volume server could not start: boom'\nexit 3\n")
    fake.chmod(0o755)
    directory = tmp_path / "run"
    directory.mkdir()
    with pytest.raises(seaweed.StartError) as caught:
        seaweed.start(fake, directory, attempts=1, timeout=10)
    assert "exited with code 3 before it was ready" in str(caught.value)
    assert "boom" in str(caught.value)
