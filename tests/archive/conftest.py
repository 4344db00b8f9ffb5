"""Fixtures of the application scenarios: the archive on each event store, and its staff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.application import DossierArchive
from archive.core import CommandContext
from storage.blobs import LocalBlobStore
from storage.crypto import MasterKey
from storage.envelope import EncryptingBlobStore, Envelope
from storage.keystore import SQLiteKeyStore
from tests.factories import make_staff


@pytest.fixture
def app(store_env: dict[str, str], tmp_path: Path) -> Iterator[DossierArchive]:
    """The whole application as the service builds it — documents encrypted under a data key
    per dossier, kept in a key store of their own — on a fresh event store (SQLite and
    PostgreSQL) and blob folder."""
    keys = SQLiteKeyStore(tmp_path / "keys.sqlite")
    blobs = EncryptingBlobStore(
        LocalBlobStore(tmp_path / "blobs"), Envelope(keys, MasterKey.generate())
    )
    archive = DossierArchive(store_env, blobs=blobs, on_close=(keys.close,))
    try:
        yield archive
    finally:
        archive.close()


@pytest.fixture
def staff(app: DossierArchive) -> dict[str, CommandContext]:
    """One enrolled, token-authenticated person per duty (see ``make_staff``)."""
    return make_staff(app)
