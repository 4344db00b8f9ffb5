"""Fixtures shared by every test tier: a fresh, empty event store on each backend."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import pytest
from argon2 import PasswordHasher
from hypothesis import settings

from archive.application import DossierArchive
from archive.commands import login
from archive.core import CommandContext
from storage.eventstore import postgres_env, sqlite_env
from tests.factories import encrypted_archive, make_staff
from tests.parked_registers import PARKING, install
from tests.postgres import fresh_schema
from tests.storage.seaweed import s3_store, seaweedfs  # noqa: F401 (fixtures)

DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"

# No test survives a crash of the PostgreSQL server, so no commit of theirs waits for the
# server's write-ahead log to reach the disk: a commit is as atomic and as visible at once as
# ever, and only a crash of the server could lose it. libpq reads PGOPTIONS for every connection
# of this process and of the processes it starts (`dossier serve`, `dossier follow`, …).
if "synchronous_commit" not in os.environ.get("PGOPTIONS", ""):
    os.environ["PGOPTIONS"] = f"{os.environ.get('PGOPTIONS', '')} -c synchronous_commit=off".strip()

# Register tables on PostgreSQL come from the previous test's, emptied, when they can.
# No test asserts a timing: hypothesis's per-example deadline (200 ms) would, and fails an example
# that a loaded machine merely ran slowly.
settings.register_profile("dossier", deadline=None)
settings.load_profile("dossier")

install()


@pytest.fixture(scope="session", autouse=True)
def parked_register_tables() -> Iterator[None]:
    """Drop the parking schemas of the register tables when the session ends."""
    yield
    PARKING.drop()


@pytest.fixture(scope="session", autouse=True)
def production_hasher() -> Iterator[PasswordHasher]:
    """The service's password hasher; the test processes hash with argon2id at its least cost.

    Every demo person has a password and every console test signs in: at the service's
    parameters that is tens of milliseconds a time, minutes over the suite. A hash names its
    own parameters, so one made here verifies in a served process as well, and the other way.
    tests/archive/test_login.py checks the service's parameters on the hasher yielded here.
    """
    production = login.HASHER
    login.HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    login._decoy.cache_clear()
    try:
        yield production
    finally:
        login.HASHER = production
        login._decoy.cache_clear()


def _redacted(url: str) -> str:
    """The URL with any password masked, fit for an error message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test PostgreSQL server (``DOSSIER_TEST_POSTGRES_URL`` overrides the default).

    When the server cannot be reached the test fails in CI (``CI=true``) and is skipped
    elsewhere. Checked once per session; pytest reuses the outcome for every test.
    """
    url = os.environ.get("DOSSIER_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)
    try:
        import psycopg  # imported here, not at the top, so SQLite tests run without libpq
    except ImportError as error:
        _unreachable(url, error)
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        _unreachable(url, error)
    return url


def _unreachable(url: str, error: Exception) -> NoReturn:
    unavailable(
        f"PostgreSQL is not reachable at {_redacted(url)} ({type(error).__name__}: {error}). "
        "Start it, or point DOSSIER_TEST_POSTGRES_URL at a server with a database you may use."
    )


def unavailable(message: str) -> NoReturn:
    """A service the tests need is missing: they fail in CI, and are skipped elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    ids=["sqlite", "postgres"],
)
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The eventsourcing ``env`` of a fresh, empty event store.

    SQLite: a file in the test's temporary directory. PostgreSQL: a schema of its own,
    ``t_<uuid hex>``, created here (eventsourcing expects it to exist) and dropped with
    everything in it afterwards, so tests may run in parallel on one database.
    """
    if request.param == "sqlite":
        yield sqlite_env(tmp_path / "events.sqlite")
        return

    url: str = request.getfixturevalue("postgres_url")
    with fresh_schema(url) as schema:
        yield postgres_env(url, schema=schema)


@pytest.fixture
def app(store_env: dict[str, str], tmp_path: Path) -> Iterator[DossierArchive]:
    """The whole application as the service builds it — documents encrypted under a data key
    per dossier, kept in a key store of their own — on a fresh event store (SQLite and
    PostgreSQL) and blob folder."""
    archive = encrypted_archive(store_env, tmp_path)
    try:
        yield archive
    finally:
        archive.close()


@pytest.fixture
def staff(app: DossierArchive) -> dict[str, CommandContext]:
    """One enrolled, token-authenticated person per duty (see ``make_staff``)."""
    return make_staff(app)
