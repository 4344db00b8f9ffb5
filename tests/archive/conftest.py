"""Fixtures of the application scenarios: the archive on each event store, and its staff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.application import DossierArchive
from archive.core import CommandContext
from storage.blobs import LocalBlobStore
from tests.factories import make_staff


@pytest.fixture
def app(store_env: dict[str, str], tmp_path: Path) -> Iterator[DossierArchive]:
    """The whole application on a fresh event store (SQLite and PostgreSQL) and blob folder."""
    archive = DossierArchive(store_env, blobs=LocalBlobStore(tmp_path / "blobs"))
    try:
        yield archive
    finally:
        archive.close()


@pytest.fixture
def staff(app: DossierArchive) -> dict[str, CommandContext]:
    """One enrolled, token-authenticated person per duty (see ``make_staff``)."""
    return make_staff(app)
