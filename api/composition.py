"""Builds the application from settings: the only place that wires adapters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from api.metrics import CountedBlobStore, verification_ran
from api.settings import Settings
from archive import printing
from archive.application import DossierArchive
from archive.config import ArchiveConfig
from archive.core import CommandContext
from archive.reports.risk import RiskReport
from archive.rules import load_rules
from archive.verification import (
    ANCHOR_CONFIGURED,
    ANCHOR_LOCAL,
    ANCHOR_NONE,
    Progress,
    VerifiedRun,
)
from domain.portfolio import ReportPeriod
from domain.scope import RowScope
from projections.follower import Follower
from projections.portfolio import REGISTERS as PORTFOLIO_REGISTERS
from projections.registers import all_registers
from projections.service import RegisterService
from projections.store import register_store_beside
from storage.blobs import BlobStore, LocalBlobStore
from storage.checkpoints import CheckpointFormatError, TrustedKey, parse_trusted_keys
from storage.cosignatures import CosignerKey
from storage.crypto import MasterKey, load_master_key, write_master_key_file
from storage.envelope import EncryptingBlobStore, Envelope
from storage.eventstore import ensure_postgres_schema, event_store_env
from storage.keystore import KeyStore, key_store_for
from storage.s3.store import RetentionMode, S3BlobStore
from storage.sealing import IntegrityStore, Sealer, integrity_store_beside
from storage.signing import PublicKey, Signer
from storage.statements import KeyTrust, Standing
from storage.tlog_witness import WitnessClient
from storage.witness import FileWitness, S3Witness, Witness


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
    return s3_bucket(settings, None, settings.s3_retention_mode)


def s3_bucket(settings: Settings, bucket: str | None, retention_mode: RetentionMode) -> S3BlobStore:
    """The configured S3 endpoint's bucket ``bucket`` (the documents' by default), made ready."""
    assert settings.s3_endpoint
    assert settings.s3_bucket
    assert settings.s3_access_key
    assert settings.s3_secret_key
    store = S3BlobStore.connect(
        endpoint=settings.s3_endpoint,
        access_key=settings.s3_access_key.get_secret_value(),
        secret_key=settings.s3_secret_key.get_secret_value(),
        bucket=bucket or settings.s3_bucket,
        secure=settings.s3_secure,
        region=settings.s3_region,
        retention_mode=retention_mode,
    )
    store.ensure_bucket()
    return store


def build_archive(settings: Settings, master: MasterKey | None = None) -> DossierArchive:
    """The application over the configured event store, key store and blob store.

    Refuses to start, with a clear error, on a master key that does not unwrap the
    stored data keys.
    """
    # The font and colour profile every PDF is printed with: missing, the service stops here.
    printing.configure(font=settings.pdf_font, icc_profile=settings.pdf_icc_profile)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    rules, source = load_rules(settings.data_dir)  # a bad rules file stops here, naming the key
    if not settings.is_embedded and settings.postgres_schema:
        ensure_postgres_schema(settings.event_store, settings.postgres_schema)
    env = event_store_env(settings.event_store, settings.data_dir, settings.postgres_schema)
    keys = key_store(settings)
    try:
        envelope = Envelope(keys, master or master_key(settings).key)
        envelope.check()
        blobs = EncryptingBlobStore(CountedBlobStore(raw_blob_store(settings)), envelope)
    except BaseException:
        keys.close()
        raise
    archive = DossierArchive(
        env,
        blobs=blobs,
        config=ArchiveConfig(
            max_upload_bytes=settings.max_upload_bytes,
            extract_text=True,
            timezone=settings.timezone,
            future_date_tolerance_days=settings.future_date_tolerance_days,
            login_max_failures=settings.login_max_failures,
            login_lockout_minutes=settings.login_lockout_minutes,
            fed_by_core=settings.feed_enabled,
        ),
        on_close=(keys.close,),
        clock=rehearsal_clock(settings.clock),
    )
    try:
        archive.adopt_rules(rules, source=source)
    except BaseException:
        archive.close()
        raise
    return archive


def rehearsal_clock(start: datetime | None) -> Callable[[], datetime] | None:
    """A clock that reads ``start`` now and runs on from it (DOSSIER_CLOCK); None: real time."""
    if start is None:
        return None
    offset = start - datetime.now(UTC)
    return lambda: datetime.now(UTC) + offset


@dataclass
class Integrity:
    """The Merkle log's store, the sealer that extends and signs it, and where copies go."""

    store: IntegrityStore
    sealer: Sealer
    signer: Signer
    witness: Witness
    key_source: str
    """Where the signing key came from (a setting's name or a file path; never the key)."""
    generated: bool
    """The embedded mode generated the signing key on this start."""
    trusted: list[PublicKey]
    """The keys ``verify`` believes (``trusted_keys``)."""
    anchor: str
    """What those keys are: ``ANCHOR_CONFIGURED``, ``ANCHOR_LOCAL`` or ``ANCHOR_NONE``."""
    cosigners: list[CosignerKey] = field(default_factory=list)
    """The independent witnesses' keys ``verify`` counts cosignatures of."""
    quorum: int = 0
    """How many of them must have cosigned a checkpoint for it to count."""
    listed: tuple[ListedKey, ...] = ()
    """The same keys with their names and where each comes from, for people to read."""

    def signing_key_standing(self) -> Standing | None:
        """How ``verify`` believes the key the archive signs with now: as a trusted key, or
        introduced from one by the recorded rotations (``storage.statements.KeyTrust``, as
        verification reads them); None when it is not believed at all."""
        trust = KeyTrust(
            list(self.trusted), self.store.statements(), backwards=self.anchor == ANCHOR_LOCAL
        )
        return trust.standing(self.signer.public_key.key_id)

    def verify(
        self,
        archive: DossierArchive,
        ctx: CommandContext,
        *,
        documents: bool,
        progress: Progress | None = None,
    ) -> VerifiedRun:
        """Verify the whole record against this log, its witness copy and this signing key, and
        record the run (``DossierArchive.verify_integrity``): the API's, the console's and the
        CLI's verification alike."""
        run = archive.verify_integrity(
            ctx,
            store=self.store,
            witness=self.witness,
            trusted_keys=self.trusted,
            anchor=self.anchor,
            cosigners=self.cosigners,
            quorum=self.quorum,
            origin=self.sealer.origin,
            documents=documents,
            progress=progress,
        )
        verification_ran(run.report)
        return run

    def close(self) -> None:
        self.sealer.stop()
        self.store.close()


def signing_key(settings: Settings) -> tuple[Signer, str, bool]:
    """The configured checkpoint-signing key; in development, one generated into the data dir."""
    if settings.signing_key is not None:
        return (
            Signer.from_base64(settings.signing_key.get_secret_value()),
            "DOSSIER_SIGNING_KEY",
            False,
        )
    if settings.signing_key_file is not None:
        return Signer.from_file(settings.signing_key_file), str(settings.signing_key_file), False
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.generated_signing_key_file
    signer, generated = Signer.load_or_generate(path)
    return signer, str(path), generated


SOURCE_CONFIGURED = "configured"
"""A trusted key configured as one the bank published (``DOSSIER_TRUSTED_KEYS[_FILE]``)."""
SOURCE_DEV_LOCAL = "dev-local"
"""The archive's own signing key, trusted in development when no key is configured."""


@dataclass(frozen=True)
class ListedKey:
    """A key ``dossier verify`` believes, and where it comes from (``SOURCE_*``)."""

    trusted: TrustedKey
    source: str


def trusted_keys(settings: Settings, signer: Signer) -> tuple[list[PublicKey], str]:
    """The keys ``dossier verify`` believes, and what they are (``listed_trusted_keys``)."""
    listed, anchor = listed_trusted_keys(settings, signer)
    return [key.trusted.key for key in listed], anchor


def listed_trusted_keys(settings: Settings, signer: Signer) -> tuple[list[ListedKey], str]:
    """The keys ``dossier verify`` believes, each with its name and source, and what they are.

    The configured ones (``DOSSIER_TRUSTED_KEYS``, ``DOSSIER_TRUSTED_KEYS_FILE``): the bank's
    published keys. Without them, in development, the archive's own signing key ("anchored to
    the local key": whoever can replace that key file can re-sign the log), named by the log's
    origin; in production, none — every checkpoint is then unanchored, a discrepancy. Never a
    key because the witness or the database holds it.
    """
    configured = []
    if settings.trusted_keys:
        configured += parse_trusted_keys(settings.trusted_keys)
    if settings.trusted_keys_file is not None:
        try:
            text = settings.trusted_keys_file.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CheckpointFormatError(
                f"cannot read DOSSIER_TRUSTED_KEYS_FILE {settings.trusted_keys_file}: {error} "
                "(无法读取可信公钥文件)"
            ) from None
        configured += parse_trusted_keys(text)
    if configured:
        return [ListedKey(key, SOURCE_CONFIGURED) for key in configured], ANCHOR_CONFIGURED
    if settings.environment == "development":
        local = TrustedKey(settings.integrity_origin, signer.public_key)
        return [ListedKey(local, SOURCE_DEV_LOCAL)], ANCHOR_LOCAL
    return [], ANCHOR_NONE


def witness_for(settings: Settings) -> Witness:
    """Where every checkpoint is also kept, out of the database administrator's reach.

    On S3, one object per checkpoint under COMPLIANCE-mode Object Lock in a bucket of its own
    (so no listing or clean-up of documents ever meets it); otherwise an append-only file
    beside the data that ``dossier verify`` compares with the table.
    """
    if settings.blob_store != "s3":
        return FileWitness(settings.checkpoint_file)
    bucket = settings.s3_witness_bucket or f"{settings.s3_bucket}-checkpoints"
    return S3Witness(s3_bucket(settings, bucket, "COMPLIANCE"))


def build_integrity(settings: Settings, archive: DossierArchive) -> Integrity:
    """The integrity store beside the events and a sealer over the archive's log (not started)."""
    signer, source, generated = signing_key(settings)
    listed, anchor = listed_trusted_keys(settings, signer)
    trusted = [key.trusted.key for key in listed]
    witness = witness_for(settings)
    store = integrity_store_beside(archive.env, settings.data_dir)
    try:
        sealer = Sealer(
            archive.recorder,
            store,
            signer,
            settings.integrity_origin,
            witness,
            seal_every=settings.seal_every,
            seal_after=settings.seal_after_seconds,
            cosigners=[
                WitnessClient(url, key, timeout=settings.witness_timeout_seconds)
                for url, key in settings.witness_endpoints
            ],
        )
    except BaseException:
        store.close()
        raise
    return Integrity(
        store,
        sealer,
        signer,
        witness,
        source,
        generated,
        trusted,
        anchor,
        [key for _, key in settings.witness_endpoints],
        settings.witness_quorum,
        tuple(listed),
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
        # The search index key is made now, when the registers are, not at the first filing
        # the follower indexes: the key store changes at start only, never during a request.
        index_key = archive.search_index_key()
        projections = all_registers(
            archive.document_text,
            index_key=lambda: index_key,
            default_rules=load_rules(settings.data_dir)[0],
            timezone=settings.timezone,
        )
        follower = Follower(
            store, archive.recorder, archive.mapper, projections, zone=settings.timezone
        )
        follower.prepare()
    except BaseException:
        store.close()
        raise
    return Registers(RegisterService(store, projections, settings.timezone), follower)


def risk_report_drawer(
    settings: Settings, archive: DossierArchive
) -> Callable[[ReportPeriod, date, RowScope], RiskReport]:
    """What counts a risk-monitoring report's figures for the demo, which reads no register:
    the loan ledger beside the archive brought up to the log's head (the other registers catch
    up when the service starts), read as the API reads it."""
    from api.routers.portfolio import risk_report  # the routers import this module's callers

    def draw(period: ReportPeriod, on: date, data_scope: RowScope) -> RiskReport:
        store = register_store_beside(archive.env, settings.data_dir)
        try:
            ledger = [
                p
                for p in all_registers(
                    archive.document_text,
                    default_rules=load_rules(settings.data_dir)[0],
                    timezone=settings.timezone,
                )
                if p.name in PORTFOLIO_REGISTERS
            ]
            follower = Follower(
                store, archive.recorder, archive.mapper, ledger, zone=settings.timezone
            )
            follower.prepare()
            follower.catch_up()
            service = RegisterService(store, ledger, settings.timezone)
            return risk_report(
                service,
                period=period,
                on=on,
                branch=None,
                data_scope=data_scope,
                rules=archive.rule_set().portfolio,
            )
        finally:
            store.close()

    return draw
