"""Builds the application from settings: the only place that wires adapters."""

from __future__ import annotations

from dataclasses import dataclass

from api.settings import Settings
from archive.application import DossierArchive
from archive.config import ArchiveConfig
from projections.follower import Follower
from projections.registers import all_registers
from projections.service import RegisterService
from projections.store import register_store_beside
from storage.blobs import BlobStore, LocalBlobStore
from storage.crypto import MasterKey, load_master_key, write_master_key_file
from storage.envelope import EncryptingBlobStore, Envelope
from storage.eventstore import ensure_postgres_schema, event_store_env
from storage.keystore import KeyStore, key_store_for
from storage.s3 import S3BlobStore


@dataclass(frozen=True)
class MasterKeySource:
    """The master key and where it came from (never the key itself in messages)."""

    key: MasterKey
    description: str
    generated: bool


def master_key(settings: Settings) -> MasterKeySource:
    """The configured master key; in development, one generated into the data directory."""
    value = settings.master_key.get_secret_value() if settings.master_key else None
    if value is not None or settings.master_key_file is not None:
        key = load_master_key(file=settings.master_key_file, value=value)
        where = "DOSSIER_MASTER_KEY" if value is not None else str(settings.master_key_file)
        return MasterKeySource(key, where, generated=False)
    path = settings.generated_master_key_file
    generated = False
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        write_master_key_file(path, MasterKey.generate())
        generated = True
    return MasterKeySource(load_master_key(file=path, value=None), str(path), generated)


def key_store(settings: Settings) -> KeyStore:
    return key_store_for(settings.event_store, settings.data_dir, settings.postgres_schema)


def raw_blob_store(settings: Settings) -> BlobStore:
    """The blob store holding ciphertext: local files or an S3 bucket."""
    if settings.blob_store == "local":
        return LocalBlobStore(settings.blob_dir)
    assert settings.s3_endpoint
    assert settings.s3_bucket
    assert settings.s3_access_key
    assert settings.s3_secret_key
    store = S3BlobStore.connect(
        endpoint=settings.s3_endpoint,
        access_key=settings.s3_access_key.get_secret_value(),
        secret_key=settings.s3_secret_key.get_secret_value(),
        bucket=settings.s3_bucket,
        secure=settings.s3_secure,
        region=settings.s3_region,
        retention_mode=settings.s3_retention_mode,
    )
    store.ensure_bucket()
    return store


def build_archive(settings: Settings, master: MasterKey | None = None) -> DossierArchive:
    """The application over the configured event store, key store and blob store.

    Refuses to start, with a clear error, on a master key that does not unwrap the
    stored data keys.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not settings.is_embedded and settings.postgres_schema:
        ensure_postgres_schema(settings.event_store, settings.postgres_schema)
    env = event_store_env(settings.event_store, settings.data_dir, settings.postgres_schema)
    keys = key_store(settings)
    try:
        envelope = Envelope(keys, master or master_key(settings).key)
        envelope.check()
        blobs = EncryptingBlobStore(raw_blob_store(settings), envelope)
    except BaseException:
        keys.close()
        raise
    return DossierArchive(
        env,
        blobs=blobs,
        config=ArchiveConfig(max_upload_bytes=settings.max_upload_bytes, extract_text=True),
        on_close=(keys.close,),
    )


@dataclass
class Registers:
    """The registers' read side and the follower that feeds them."""

    service: RegisterService
    follower: Follower

    def close(self) -> None:
        self.follower.stop()
        self.service.store.close()


def build_registers(settings: Settings, archive: DossierArchive) -> Registers:
    """The registers beside the archive's event store, and their follower (not yet started).

    Each register's tables are created if missing, and rebuilt if its version changed.
    """
    store = register_store_beside(archive.env, settings.data_dir)
    try:
        projections = all_registers(archive.document_text)
        follower = Follower(store, archive.recorder, archive.mapper, projections)
        follower.prepare()
    except BaseException:
        store.close()
        raise
    return Registers(RegisterService(store, projections, settings.timezone), follower)
