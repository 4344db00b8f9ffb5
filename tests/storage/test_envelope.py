"""Documents encrypted at rest: what reaches the disk, crypto-shredding, master key rotation."""

from __future__ import annotations

import base64
import hashlib
import io
import random
import threading
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

import pytest
from reportlab.pdfgen.canvas import Canvas

from storage.blobs import BlobNotFoundError, InMemoryBlobStore, InvalidBlobKeyError, LocalBlobStore
from storage.crypto import (
    MAGIC,
    SEGMENT_SIZE,
    CiphertextIntegrityError,
    DataKey,
    MasterKey,
    MasterKeyError,
    PlaintextHashMismatchError,
    WrappedKey,
    WrongMasterKeyError,
    load_master_key,
    wrap_data_key,
    write_master_key_file,
)
from storage.envelope import (
    DataKeyNotFoundError,
    EncryptingBlobStore,
    Envelope,
    KeyDestroyedError,
    parse_document_key,
    rotate_master_key,
)
from storage.keystore import InMemoryKeyStore, SQLiteKeyStore
from tests.storage.streams import GeneratedStream

MIB = 1024 * 1024
FIXED = uuid.UUID("0b5f3c1e-2d4a-4e6f-8a9b-1c2d3e4f5a6b")


class Setup:
    """A data directory laid out as in production: master key file, key store, blob root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.master_key_file = root / "master.key"
        write_master_key_file(self.master_key_file, MasterKey.generate())
        self.master = load_master_key(file=self.master_key_file, value=None)
        self.keys = SQLiteKeyStore(root / "keys.sqlite")
        self.blob_root = root / "blobs"
        self.local = LocalBlobStore(self.blob_root)
        self.envelope = Envelope(self.keys, self.master)
        self.store = EncryptingBlobStore(self.local, self.envelope)

    def put(self, content: bytes, dossier_id: uuid.UUID | None = None) -> str:
        key = document_key(content, dossier_id)
        assert self.store.put(key, io.BytesIO(content)) is True
        return key

    def raw_files(self) -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in sorted(self.root.rglob("*")) if p.is_file()}


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


def document_key(content: bytes, dossier_id: uuid.UUID | None = None) -> str:
    return f"{dossier_id or uuid.uuid4()}/{hashlib.sha256(content).hexdigest()}"


def pdf_with(marker: str) -> bytes:
    """A small uncompressed, reproducible PDF whose page text contains ``marker`` verbatim."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pageCompression=0, invariant=True)
    canvas.drawString(72, 720, f"Loan contract {marker}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class TestAtRest:
    def test_no_stored_byte_gives_the_document_away(self, setup: Setup) -> None:
        marker = f"MARKER-{uuid.uuid4().hex}"
        pdf = pdf_with(marker)
        assert marker.encode() in pdf, "the marker must be visible in the plaintext PDF"
        key = setup.put(pdf)
        stored = [p for p in setup.blob_root.rglob("*") if p.is_file()]
        assert len(stored) == 1
        for content in setup.raw_files().values():
            assert marker.encode() not in content
            assert b"%PDF" not in content
        assert stored[0].read_bytes().startswith(MAGIC)
        assert setup.store.get(key) == pdf

    def test_the_data_key_is_never_stored_in_clear(self, setup: Setup) -> None:
        dossier_id = uuid.uuid4()
        setup.put(pdf_with("secret"), dossier_id)
        secret = setup.envelope.data_key(dossier_id, create=False).secret
        forms = [secret, secret.hex().encode(), base64.b64encode(secret)]
        forms.append(base64.urlsafe_b64encode(secret))
        for path, content in setup.raw_files().items():
            for form in forms:
                assert form not in content, f"the data key is readable in {path.name}"
        master_file = setup.master_key_file.read_bytes()
        assert setup.master.secret not in b"".join(setup.raw_files().values()) + master_file

    def test_round_trip_of_many_documents_across_dossiers(self, setup: Setup) -> None:
        dossier_a, dossier_b = uuid.uuid4(), uuid.uuid4()
        contents = [b"", b"x", bytes(SEGMENT_SIZE), random.randbytes(3 * SEGMENT_SIZE + 1)]
        keys = [setup.put(c, d) for c in contents for d in (dossier_a, dossier_b)]
        assert setup.keys.count() == 2
        for key, content in zip(keys, [c for c in contents for _ in range(2)], strict=True):
            with setup.store.open(key) as stream:
                assert stream.read() == content
        assert sorted(setup.store.keys()) == sorted(keys)
        assert setup.store.count() == len(keys)

    def test_a_second_put_of_a_key_keeps_the_first_and_reads_nothing(self, setup: Setup) -> None:
        key = setup.put(b"first")
        unread = GeneratedStream(10, seed=10)
        assert setup.store.put(key, cast(BinaryIO, unread)) is False
        assert unread.largest_request == 0
        assert setup.store.get(key) == b"first"

    def test_bytes_that_do_not_match_the_key_hash_are_not_stored(self, setup: Setup) -> None:
        key = document_key(b"what was announced")
        with pytest.raises(PlaintextHashMismatchError):
            setup.store.put(key, io.BytesIO(b"what was sent" * 10_000))
        assert not setup.store.exists(key)
        assert list(setup.local.keys()) == []
        assert list((setup.blob_root / ".staging").iterdir()) == []

    @pytest.mark.parametrize(
        "key",
        [
            "single",
            "a/b/c.pdf",
            f"{FIXED}/{'A' * 64}",
            f"{str(FIXED).upper()}/{'a' * 64}",
            f"{FIXED.hex}/{'a' * 64}",
            f"{FIXED}/{'a' * 63}",
            f"{FIXED}/{'a' * 64}/x",
        ],
        ids=[
            "one-segment",
            "three-segments",
            "upper-hash",
            "upper-uuid",
            "bare-uuid",
            "short-hash",
            "extra-segment",
        ],
    )
    def test_only_dossier_and_hash_keys_are_accepted(self, setup: Setup, key: str) -> None:
        with pytest.raises(InvalidBlobKeyError, match="<dossier-uuid>/<sha256-hex>"):
            setup.store.put(key, io.BytesIO(b"x"))
        with pytest.raises(InvalidBlobKeyError):
            setup.store.open(key)

    def test_parse_document_key(self) -> None:
        dossier_id = uuid.uuid4()
        assert parse_document_key(f"{dossier_id}/{'0' * 64}") == (dossier_id, "0" * 64)

    def test_extra_put_arguments_reach_the_inner_store(self) -> None:
        class Recording(InMemoryBlobStore):
            seen: dict[str, Any]

            def put(self, key: str, data: BinaryIO, **kw: Any) -> bool:
                self.seen = kw
                return super().put(key, data)

        inner = Recording()
        store = EncryptingBlobStore(inner, Envelope(InMemoryKeyStore(), MasterKey.generate()))
        key = document_key(b"doc")
        until = datetime(2036, 1, 1, tzinfo=UTC)
        assert store.put(key, io.BytesIO(b"doc"), retain_until=until) is True
        assert inner.seen == {"retain_until": until}
        assert store.inner is inner
        assert inner.get(key).startswith(MAGIC)

    def test_retention_and_legal_holds_are_the_inner_stores(self) -> None:
        class Holding(InMemoryBlobStore):
            def __init__(self) -> None:
                super().__init__()
                self.calls: list[tuple[str, str, object]] = []

            def set_retention(self, key: str, until: datetime) -> None:
                self.calls.append(("retention", key, until))

            def set_legal_hold(self, key: str, on: bool) -> None:
                self.calls.append(("hold", key, on))

            def legal_hold(self, key: str) -> bool:
                return True

        inner = Holding()
        store = EncryptingBlobStore(inner, Envelope(InMemoryKeyStore(), MasterKey.generate()))
        key, until = document_key(b"doc"), datetime(2036, 1, 1, tzinfo=UTC)
        store.set_retention(key, until)
        store.set_legal_hold(key, True)
        assert store.legal_hold(key) is True
        assert inner.calls == [("retention", key, until), ("hold", key, True)]

    def test_tampered_ciphertext_is_caught_on_read(self, setup: Setup) -> None:
        content = random.randbytes(2 * SEGMENT_SIZE)
        key = setup.put(content)
        path = setup.blob_root.joinpath(*key.split("/"))
        damaged = bytearray(path.read_bytes())
        damaged[-40] ^= 0x01
        path.write_bytes(bytes(damaged))
        with pytest.raises(CiphertextIntegrityError), setup.store.open(key) as stream:
            stream.read()

    def test_a_missing_blob_is_not_found(self, setup: Setup) -> None:
        with pytest.raises(BlobNotFoundError):
            setup.store.open(document_key(b"never stored"))


class TestCryptoShredding:
    def test_after_the_key_is_deleted_the_ciphertext_stays_and_nobody_can_read_it(
        self, setup: Setup
    ) -> None:
        destroyed, kept = uuid.uuid4(), uuid.uuid4()
        gone = setup.put(pdf_with("destroy me"), destroyed)
        stays = setup.put(pdf_with("keep me"), kept)
        assert setup.keys.delete(destroyed) is True
        with pytest.raises(KeyDestroyedError, match=str(destroyed)):
            setup.store.open(gone)
        with pytest.raises(KeyDestroyedError):
            setup.store.get(gone)
        assert setup.local.exists(gone)
        assert setup.local.get(gone).startswith(MAGIC)
        assert setup.store.get(stays) == pdf_with("keep me")

    def test_no_document_can_be_added_to_a_destroyed_dossier(self, setup: Setup) -> None:
        dossier_id = uuid.uuid4()
        setup.put(b"first", dossier_id)
        setup.keys.delete(dossier_id)
        key = document_key(b"after destruction", dossier_id)
        with pytest.raises(KeyDestroyedError):
            setup.store.put(key, io.BytesIO(b"after destruction"))
        assert not setup.store.exists(key)

    def test_a_document_whose_key_was_never_there_is_not_called_destroyed(
        self, setup: Setup
    ) -> None:
        key = setup.put(b"orphan")
        other = EncryptingBlobStore(setup.local, Envelope(InMemoryKeyStore(), setup.master))
        with pytest.raises(DataKeyNotFoundError, match="no data key") as caught:
            other.open(key)
        assert not isinstance(caught.value, KeyDestroyedError)


class TestDataKeys:
    def test_concurrent_writers_of_one_dossier_share_one_key(self) -> None:
        keys = InMemoryKeyStore()
        envelopes = [Envelope(keys, MasterKey(bytes(32))) for _ in range(8)]
        dossier_id, found = uuid.uuid4(), []
        barrier = threading.Barrier(len(envelopes))

        def fetch(envelope: Envelope) -> None:
            barrier.wait()
            found.append(envelope.data_key(dossier_id, create=True))

        workers = [threading.Thread(target=fetch, args=(e,)) for e in envelopes]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len(found) == 8
        assert len({key.secret for key in found}) == 1
        assert keys.count() == 1

    def test_the_loser_of_a_race_uses_the_winners_key(self) -> None:
        master, dossier_id, winners = MasterKey.generate(), uuid.uuid4(), DataKey.generate()

        class Raced(InMemoryKeyStore):
            """Another writer stores its key between our get and our add."""

            def add(self, wrapped: WrappedKey) -> bool:
                super().add(wrap_data_key(master, dossier_id, winners))
                return super().add(wrapped)

        assert Envelope(Raced(), master).data_key(dossier_id, create=True) == winners

    def test_without_create_a_missing_key_is_an_error(self) -> None:
        envelope = Envelope(InMemoryKeyStore(), MasterKey.generate())
        with pytest.raises(DataKeyNotFoundError):
            envelope.data_key(uuid.uuid4(), create=False)

    def test_check_passes_on_an_empty_store_and_with_the_right_key(self, setup: Setup) -> None:
        Envelope(InMemoryKeyStore(), MasterKey.generate()).check()
        setup.put(b"doc")
        setup.envelope.check()


class TestRotation:
    def test_every_document_opens_under_the_new_key_and_the_old_one_fails_clearly(
        self, setup: Setup
    ) -> None:
        documents = {setup.put(pdf_with(f"doc {i}")): pdf_with(f"doc {i}") for i in range(6)}
        ciphertext_before = {p: c for p, c in setup.raw_files().items() if "blobs" in p.parts}
        new = MasterKey.generate()
        assert rotate_master_key(setup.keys, setup.master, new) == 6
        assert {p: c for p, c in setup.raw_files().items() if "blobs" in p.parts} == (
            ciphertext_before
        ), "rotation must not touch the documents"

        rotated = Envelope(setup.keys, new)
        rotated.check()
        store = EncryptingBlobStore(setup.local, rotated)
        for key, content in documents.items():
            assert store.get(key) == content

        stale = Envelope(setup.keys, setup.master)
        with pytest.raises(WrongMasterKeyError) as caught:
            stale.check()
        assert new.key_id in str(caught.value)
        assert setup.master.key_id in str(caught.value)
        with pytest.raises(WrongMasterKeyError):
            EncryptingBlobStore(setup.local, stale).get(next(iter(documents)))

    def test_rotating_to_the_same_key_is_refused(self, setup: Setup) -> None:
        with pytest.raises(MasterKeyError, match="old"):
            rotate_master_key(setup.keys, setup.master, setup.master)

    def test_a_second_rotation_only_rewraps_keys_it_missed(self, setup: Setup) -> None:
        setup.put(b"before")
        new = MasterKey.generate()
        rotate_master_key(setup.keys, setup.master, new)
        setup.put(b"added by a process still on the old key")
        assert rotate_master_key(setup.keys, setup.master, new) == 1
        for wrapped in setup.keys:
            assert wrapped.master_key_id == new.key_id


class TestBoundedMemory:
    def test_a_20_mib_document_is_streamed_not_read_whole(self, setup: Setup) -> None:
        size = 20 * MIB
        source = GeneratedStream(size, seed=size)
        expected = hashlib.sha256(GeneratedStream(size, seed=size).read(size)).hexdigest()
        key = f"{uuid.uuid4()}/{expected}"
        tracemalloc.start()
        try:
            assert setup.store.put(key, cast(BinaryIO, source)) is True
            _, peak_put = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            digest = hashlib.sha256()
            with setup.store.open(key) as stream:
                while chunk := stream.read(MIB):
                    digest.update(chunk)
            _, peak_open = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert source.largest_request <= SEGMENT_SIZE
        assert digest.hexdigest() == expected
        assert peak_put < 6 * MIB, f"put held {peak_put / MIB:.1f} MiB at once"
        assert peak_open < 6 * MIB, f"open held {peak_open / MIB:.1f} MiB at once"
