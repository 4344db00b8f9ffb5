"""The demo's tests: the registers of tests/projections (the demo's gaps, as they show there), and
one demo portfolio built once per test process and store kind for the tests that only read it.

Building the demo is the dearest part of these tests (a dozen loans, seconds of CPU each time);
the tests that read the portfolio back share one build of it per backend. SQLite: each test gets
its own copy of the built event store and blob folder. PostgreSQL: the tests read the built
schema itself (they record nothing). The test that compares two builds of the same seed still
builds its second one afresh.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.application import DossierArchive
from demo.portfolio import DemoSummary, build_portfolio
from storage.blobs import LocalBlobStore
from storage.eventstore import postgres_env, sqlite_env
from tests.postgres import fresh_schema
from tests.projections.conftest import registers  # noqa: F401 (the fixture)

LOANS = 12
"""The portfolio the shared build holds: a dozen loans show every fate (tests/demo)."""
SEED = 20260701
"""The seed the demo is built with by default (demo.portfolio.build_portfolio)."""


@dataclass(frozen=True)
class BuiltDemo:
    """The demo portfolio of ``LOANS`` loans and ``SEED``, built once: its store and blobs."""

    env: dict[str, str]
    blobs: Path
    summary: DemoSummary

    def open(self) -> DossierArchive:
        """The archive over the built portfolio (the caller closes it)."""
        return DossierArchive(self.env, blobs=LocalBlobStore(self.blobs))


class DemoBuilds:
    """The demo built at most once per store kind in this test process."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory, stack: ExitStack) -> None:
        self._tmp = tmp_path_factory
        self._stack = stack
        self._built: dict[str, BuiltDemo] = {}

    def of(self, kind: str, postgres_url: str | None = None) -> BuiltDemo:
        if kind not in self._built:
            folder = self._tmp.mktemp(f"demo-{kind}")
            if postgres_url is None:
                env = sqlite_env(folder / "events.sqlite")
            else:
                schema = self._stack.enter_context(fresh_schema(postgres_url, prefix="demo"))
                env = postgres_env(postgres_url, schema=schema)
            archive = DossierArchive(env, blobs=LocalBlobStore(folder / "blobs"))
            try:
                summary = build_portfolio(archive, loans=LOANS, seed=SEED)
            finally:
                archive.close()
            self._built[kind] = BuiltDemo(env, folder / "blobs", summary)
        return self._built[kind]


@pytest.fixture(scope="session")
def demo_builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoBuilds]:
    with ExitStack() as stack:
        yield DemoBuilds(tmp_path_factory, stack)


@pytest.fixture
def built_demo(
    store_env: dict[str, str],
    demo_builds: DemoBuilds,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> BuiltDemo:
    """The shared demo portfolio on the backend of ``store_env`` (SQLite and PostgreSQL), for a
    test that only reads it: on SQLite a copy of its own, on PostgreSQL the built schema."""
    if store_env["PERSISTENCE_MODULE"] != "eventsourcing.sqlite":
        return demo_builds.of("postgres", request.getfixturevalue("postgres_url"))
    built = demo_builds.of("sqlite")
    copy = tmp_path / "demo"
    copy.mkdir()
    source = Path(built.env["SQLITE_DBNAME"])
    for path in source.parent.glob(source.name + "*"):  # the database and any -wal / -shm
        shutil.copy2(path, copy / path.name)
    shutil.copytree(built.blobs, copy / "blobs")
    env = {**built.env, "SQLITE_DBNAME": str(copy / source.name)}
    return BuiltDemo(env, copy / "blobs", built.summary)
