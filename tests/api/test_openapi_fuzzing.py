"""schemathesis over the whole OpenAPI, once per role of the demo: no 5xx, answers as documented.

`dossier serve` starts as `make run` does — the embedded store (SQLite and local files) with the
demo portfolio — and :mod:`tests.api.fuzzing_scenario` makes one valid request per operation
true on it. Then the schemathesis command line runs over every operation once for each role
(under segregation of duties no role reaches everything), signed in as one person of that role:
the examples phase sends those requests, the fuzzing phase generated ones, valid and invalid,
with a fixed seed and a few examples per operation. Its checks: no 5xx, every status, content
type and body as the OpenAPI documents them. And at least 90 % of the operations must answer
some role with a 2xx — a run that only collects refusals proves little.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from api.settings import Settings
from tests.api.fuzzing_scenario import PREFIX, RUNNERS, Scenario, credentials, prepare

pytestmark = pytest.mark.slow

SEED = 20261206
MAX_EXAMPLES = 5
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
REACH = 0.90
DEMO_LOANS = 4
"""The smallest demo; it holds about ten loans, one of every fate."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    """`dossier serve` on the demo: its address, data directory and log."""

    base_url: str
    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The service on the embedded store with the demo portfolio, as `make run` starts it."""
    port = _free_port()
    data_dir = tmp_path / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DOSSIER_") or k == "DOSSIER_TEST_POSTGRES_URL"
    }
    env |= {
        "DOSSIER_DATA_DIR": str(data_dir),
        "DOSSIER_DEMO_LOANS": str(DEMO_LOANS),
        "DOSSIER_PORT": str(port),
        "DOSSIER_LOG_LEVEL": "warning",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve"], env=env, stdout=out, stderr=out
        )
    server = Served(f"http://127.0.0.1:{port}", data_dir, log, process)
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                pytest.fail(f"dossier serve exited with {process.returncode}:\n{server.log_tail()}")
            try:
                if httpx.get(f"{server.base_url}{PREFIX}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"dossier serve did not answer in time:\n{server.log_tail()}")
            time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def with_examples(schema: dict[str, Any], scenario: Scenario) -> dict[str, Any]:
    """The OpenAPI with the scenario's requests as examples: each operation's own, and for
    the rest the scenario's values by parameter name (path and required parameters only)."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            example = scenario.examples.get((method.upper(), path))
            values = dict(scenario.parameters)
            if example is not None:
                values |= example.path | example.query
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                wanted = parameter["in"] == "path" or parameter.get("required", False)
                if (wanted or (example is not None and name in example.query)) and name in values:
                    parameter["example"] = values[name]
            if example is not None and example.body is not None:
                content = operation["requestBody"]["content"]
                content["application/json"]["example"] = example.body
    return schema


@dataclass
class Run:
    """What one role's run answered: status codes by operation, and schemathesis's report."""

    role: str
    statuses: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    output: str = ""


class Operations:
    """The OpenAPI's operations, to name the one a request was made to."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.templates = sorted(
            (
                (method.upper(), path, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"))
                for path, item in schema["paths"].items()
                for method in item
            ),
            key=lambda t: t[1].count("{"),  # the literal path first: /x/mine before /x/{id}
        )

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((method, path) for method, path, _ in self.templates)

    def __len__(self) -> int:
        return len(self.templates)

    def of(self, method: str, url: str) -> tuple[str, str] | None:
        path = urlsplit(url).path
        for candidate in (path, unquote(path)):
            for m, template, pattern in self.templates:
                if m == method and pattern.match(candidate):
                    return m, template
        return None


def run_schemathesis(
    role: str, schema_file: Path, base_url: str, token: str, out: Path, operations: Operations
) -> Run:
    """The schemathesis command line over every operation, signed in as ``token``."""
    reports = out / role
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", str(schema_file)),
        *("--url", base_url),
        *("--header", f"Authorization: Bearer {token}"),
        *("--phases", "examples,fuzzing"),
        *("--checks", ",".join(CHECKS)),
        *("--max-examples", str(MAX_EXAMPLES)),
        *("--seed", str(SEED)),
        *("--workers", "1"),
        *("--request-timeout", "60"),
        *("--generation-database", "none"),
        "--no-shrink",
        "--continue-on-failure",
        *("--report", "json,har"),
        *("--report-dir", str(reports)),
        "--no-color",
    ]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=out, capture_output=True, text=True, timeout=900, check=False
    )
    run = Run(role, seconds=time.monotonic() - started, output=done.stdout + done.stderr)
    [har] = reports.glob("har-*.json")
    [report] = reports.glob("json-*.json")
    statuses: dict[tuple[str, str], list[int]] = defaultdict(list)
    for entry in json.loads(har.read_text())["log"]["entries"]:
        method = entry["request"]["method"]
        operation = operations.of(method, entry["request"]["url"])
        statuses[operation or (method, entry["request"]["url"])].append(entry["response"]["status"])
    run.statuses = dict(statuses)
    run.report = json.loads(report.read_text())
    return run


def test_every_operation_for_every_role_answers_without_5xx_and_as_documented(
    served: Served, tmp_path: Path
) -> None:
    today = datetime.now(ZoneInfo(Settings().timezone)).date()
    scenario = prepare(served.base_url, served.data_dir / "demo-credentials.txt", today)
    schema = httpx.get(f"{served.base_url}/openapi.json", timeout=30).json()
    operations = Operations(schema)
    schema_file = tmp_path / "openapi.json"
    schema_file.write_text(json.dumps(with_examples(schema, scenario), ensure_ascii=False))
    tokens = credentials(served.data_dir / "demo-credentials.txt")

    runs = [
        run_schemathesis(role, schema_file, served.base_url, tokens[staff_no], tmp_path, operations)
        for role, staff_no in RUNNERS.items()
    ]

    requests = sum(len(s) for r in runs for s in r.statuses.values())
    server_errors = [
        (r.role, operation, status)
        for r in runs
        for operation, statuses in r.statuses.items()
        for status in statuses
        if status >= 500
    ]
    failures = [
        (r.role, f["code"], f["title"], f["count"], f.get("operations"))
        for r in runs
        for f in r.report.get("failures", [])
    ]
    errored = [(r.role, r.report["test_cases"]["errored"]) for r in runs]
    reached = {
        operation
        for r in runs
        for operation, statuses in r.statuses.items()
        if any(200 <= s < 300 for s in statuses)
    }
    unreached = sorted(set(operations) - reached)
    share = len(reached & set(operations)) / len(operations)
    summary = (
        f"{requests} requests over {len(operations)} operations and {len(runs)} roles in "
        f"{sum(r.seconds for r in runs):.0f} s ({', '.join(f'{r.role} {r.seconds:.0f} s' for r in runs)}); "
        f"{len(server_errors)} answers 5xx; {len(failures)} kinds of check failure; "
        f"{share:.1%} of the operations answered some role with a 2xx"
    )
    print(summary)
    print("operations no role got a 2xx from:", *unreached, sep="\n  ")

    assert not server_errors, f"{summary}\n{server_errors[:20]}\n{served.log_tail()}"
    assert all(count == 0 for _, count in errored), (summary, errored, runs[0].output[-3000:])
    assert not failures, (
        f"{summary}\n"
        + "\n".join(map(str, failures))
        + "\n"
        + "\n".join(r.output[-4000:] for r in runs if r.report.get("failures"))
    )
    assert share >= REACH, f"{summary}; no 2xx from: {unreached}"
