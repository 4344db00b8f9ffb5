"""What every benchmark measures with: percentiles, peak memory, a PostgreSQL schema of its own,
and a child process for a phase measured alone.

``python bench/<name>.py`` puts bench/ first on ``sys.path``, so the benchmarks import this
module as ``measure`` (as bench/verify.py imports ``rebuild``). Importing it also puts the
repository on ``sys.path``, after everything else: the development install maps only the shipped
packages, and the benchmarks use the ``demo`` package beside them (its PDFs, staff, portfolio).
"""

from __future__ import annotations

import json
import resource
import secrets
import statistics
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from storage.eventstore import ensure_postgres_schema  # noqa: E402 (after the path is set)


def percentile(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception:
        return False
    return True


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema ``bench_<random>`` for one run, dropped with everything in it after."""
    import psycopg
    from psycopg import sql

    schema = f"bench_{secrets.token_hex(6)}"
    ensure_postgres_schema(url, schema)
    try:
        yield schema
    finally:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute("SET lock_timeout = '10s'")
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def run_child(script: str, name: str, spec: Mapping[str, Any], tmp: Path) -> dict[str, Any]:
    """Run ``script --child <spec file>`` in a fresh interpreter and return the JSON it wrote.

    The spec is written to ``<tmp>/<name>-spec.json`` with ``result`` set to
    ``<tmp>/<name>-result.json``, where the child writes what it measured.
    """
    spec = {**spec, "result": str(tmp / f"{name}-result.json")}
    spec_path = tmp / f"{name}-spec.json"
    spec_path.write_text(json.dumps(spec), "utf-8")
    command = [sys.executable, str(Path(script).resolve()), "--child", str(spec_path)]
    subprocess.run(command, check=True)  # noqa: S603 (a benchmark script, fixed arguments)
    result: dict[str, Any] = json.loads(Path(spec["result"]).read_text("utf-8"))
    return result
