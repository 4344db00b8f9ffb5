"""Builds the application from settings: the only place that wires adapters."""

from __future__ import annotations

from api.settings import Settings
from archive.application import DossierArchive
from archive.config import ArchiveConfig
from storage.blobs import LocalBlobStore
from storage.eventstore import ensure_postgres_schema, event_store_env


def build_archive(settings: Settings) -> DossierArchive:
    """The application over the configured event store and blob store."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = event_store_env(settings.event_store, settings.data_dir, settings.postgres_schema)
    if not settings.is_embedded and settings.postgres_schema:
        ensure_postgres_schema(settings.event_store, settings.postgres_schema)
    return DossierArchive(
        env,
        blobs=LocalBlobStore(settings.blob_dir),
        config=ArchiveConfig(max_upload_bytes=settings.max_upload_bytes),
    )
