"""Checkpoint signing keys and the checkpoint format: what an auditor needs to check a signature."""

from __future__ import annotations

import base64
import hashlib
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from storage.checkpoints import (
    Checkpoint,
    CheckpointFormatError,
    checkpoint_body,
    key_hash_of,
    note_body,
    sign_checkpoint,
    verifier_key,
)
from storage.cosignatures import CosignerKey, cosign
from storage.signing import (
    BadSignatureError,
    PublicKey,
    Signer,
    SigningKeyError,
    key_id_of,
    write_signing_key_file,
)

SEED = bytes(range(32))
ROOT = hashlib.sha256(b"a root").digest()
NOON = datetime(2026, 11, 22, 23, 50, tzinfo=UTC)


def test_key_id_is_the_first_eight_bytes_of_the_public_keys_sha256_in_hex() -> None:
    signer = Signer.from_seed(SEED)
    raw = Ed25519PrivateKey.from_private_bytes(SEED).public_key().public_bytes_raw()
    assert signer.public_key.raw == raw
    assert signer.key_id == hashlib.sha256(raw).hexdigest()[:16] == key_id_of(raw)
    assert len(signer.key_id) == 16


def test_a_seed_in_base64_standard_or_url_safe_gives_the_same_key() -> None:
    standard = base64.b64encode(SEED).decode()
    url_safe = base64.urlsafe_b64encode(SEED).decode().rstrip("=")
    assert Signer.from_base64(standard).key_id == Signer.from_seed(SEED).key_id
    assert Signer.from_base64(f"  {url_safe}\n").key_id == Signer.from_seed(SEED).key_id


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not base64!",
        base64.b64encode(b"\x01" * 31).decode(),
        base64.b64encode(SEED * 2).decode(),
    ],
)
def test_a_seed_that_is_not_base64_of_32_bytes_is_refused_without_echoing_it(value: str) -> None:
    with pytest.raises(SigningKeyError, match="32-byte seed") as caught:
        Signer.from_base64(value)
    if value:
        assert value not in str(caught.value)


def test_the_embedded_mode_generates_a_key_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "var" / "signing.key"

    signer, generated = Signer.load_or_generate(path)
    again, generated_again = Signer.load_or_generate(path)

    assert generated is True
    assert generated_again is False
    assert again.key_id == signer.key_id
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Signer.from_file(path).key_id == signer.key_id
    assert list(path.parent.iterdir()) == [path]  # no staging file left behind


def test_a_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "signing.key"
    first = Signer.generate()
    write_signing_key_file(path, first)

    with pytest.raises(FileExistsError):
        write_signing_key_file(path, Signer.generate())

    assert Signer.from_file(path).key_id == first.key_id


def test_a_pkcs8_pem_key_file_as_openssl_writes_it_is_read(tmp_path: Path) -> None:
    private = Ed25519PrivateKey.from_private_bytes(SEED)
    path = tmp_path / "ed25519.pem"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    assert Signer.from_file(path).key_id == Signer.from_seed(SEED).key_id


def test_a_key_file_that_is_missing_encrypted_or_not_ed25519_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="does not exist"):
        Signer.from_file(tmp_path / "absent.key")

    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    with pytest.raises(SigningKeyError, match="encrypted"):
        Signer.from_file(encrypted)

    ecdsa = tmp_path / "p256.pem"
    ecdsa.write_bytes(
        generate_private_key(SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(SigningKeyError, match="not Ed25519"):
        Signer.from_file(ecdsa)

    garbage = tmp_path / "garbage.key"
    garbage.write_text("hello\n")
    with pytest.raises(SigningKeyError, match="neither"):
        Signer.from_file(garbage)


def test_the_public_key_exports_as_raw_base64_and_as_pem() -> None:
    signer = Signer.from_seed(SEED)
    public = signer.public_key

    assert base64.b64decode(public.to_base64()) == public.raw
    assert PublicKey.from_base64(public.to_base64()) == public
    assert public.to_pem().startswith("-----BEGIN PUBLIC KEY-----")
    assert PublicKey.from_pem(public.to_pem()) == public
    loaded = serialization.load_pem_public_key(public.to_pem().encode())
    assert isinstance(loaded, Ed25519PublicKey)
    assert loaded.public_bytes_raw() == public.raw


def test_a_signer_never_prints_its_secret() -> None:
    signer = Signer.from_seed(SEED)
    assert repr(signer) == f"Signer(key_id={signer.key_id!r})"
    assert base64.b64encode(SEED).decode() not in repr(signer)


def test_a_signature_verifies_with_the_exported_key_and_fails_on_any_other_message() -> None:
    signer = Signer.generate()
    exported = PublicKey.from_base64(signer.public_key.to_base64())
    signature = signer.sign(b"body")

    exported.check(b"body", signature)
    assert exported.verify(b"body", signature)
    assert not exported.verify(b"bodY", signature)
    with pytest.raises(BadSignatureError, match=exported.key_id):
        exported.check(b"body", signature[:-1] + bytes([signature[-1] ^ 1]))
    assert not Signer.generate().public_key.verify(b"body", signature)


def test_the_checkpoint_body_is_exactly_the_five_documented_lines() -> None:
    body = checkpoint_body("dossier.example-bank", 1234, ROOT, NOON)
    assert body == (
        b"dossier-checkpoint/v1\n"
        b"dossier.example-bank\n"
        b"1234\n" + base64.b64encode(ROOT) + b"\n"
        b"2026-11-22T23:50:00Z\n"
    )


def legacy_checkpoint(signer: Signer, origin: str, tree_size: int, root: bytes) -> Checkpoint:
    """A checkpoint as earlier releases signed it: over the ``dossier-checkpoint/v1`` body."""
    body = checkpoint_body(origin, tree_size, root, NOON)
    return Checkpoint(origin, tree_size, root, NOON, signer.key_id, signer.sign(body))


def test_a_checkpoint_is_a_c2sp_signed_note_with_the_time_as_an_extension_line() -> None:
    signer = Signer.from_seed(SEED)
    checkpoint = sign_checkpoint(signer, "dossier.example-bank/log", 1234, ROOT, NOON)
    raw = signer.public_key.raw
    key_hash = hashlib.sha256(b"dossier.example-bank/log\n\x01" + raw).digest()[:4]
    assert checkpoint.key_hash == key_hash.hex() == key_hash_of("dossier.example-bank/log", raw)
    text = (
        "dossier.example-bank/log\n1234\n"
        + base64.b64encode(ROOT).decode()
        + "\ntime 2026-11-22T23:50:00Z\n"
    )
    assert (
        checkpoint.body()
        == text.encode()
        == note_body("dossier.example-bank/log", 1234, ROOT, NOON)
    )
    signature = base64.b64encode(key_hash + checkpoint.signature).decode()
    assert checkpoint.note() == f"{text}\n\u2014 dossier.example-bank/log {signature}\n"
    signer.public_key.check(text.encode(), checkpoint.signature)
    assert verifier_key("dossier.example-bank/log", signer.public_key) == (
        f"dossier.example-bank/log+{key_hash.hex()}+" + base64.b64encode(b"\x01" + raw).decode()
    )


def test_a_signed_checkpoint_round_trips_through_its_json_and_still_verifies() -> None:
    signer = Signer.from_seed(SEED)
    taken_at = datetime(2026, 11, 23, 7, 50, 0, 987654, tzinfo=timezone(timedelta(hours=8)))

    checkpoint = sign_checkpoint(signer, "dossier.example-bank", 1234, ROOT, taken_at)

    assert checkpoint.timestamp == NOON  # UTC, cut to whole seconds
    assert checkpoint.key_id == signer.key_id
    data = checkpoint.to_json()
    assert data == {
        "origin": "dossier.example-bank",
        "tree_size": 1234,
        "root_hash": base64.b64encode(ROOT).decode(),
        "timestamp": "2026-11-22T23:50:00Z",
        "key_id": signer.key_id,
        "signature": base64.b64encode(checkpoint.signature).decode(),
        "note": checkpoint.note(),
    }
    assert checkpoint.to_json_text().startswith('{"key_id":')  # canonical: sorted, compact
    again = Checkpoint.from_json_text(checkpoint.to_json_text())
    assert again == checkpoint
    assert Checkpoint.from_note(checkpoint.note(), signer.key_id) == checkpoint
    signer.public_key.check(again.body(), again.signature)
    again.check(PublicKey.from_pem(signer.public_key.to_pem()))


def test_a_checkpoint_of_the_earlier_format_still_reads_and_verifies() -> None:
    signer = Signer.from_seed(SEED)
    checkpoint = legacy_checkpoint(signer, "dossier 旧日志", 1234, ROOT)  # spaces were allowed
    assert checkpoint.key_hash is None
    assert checkpoint.format == "dossier-checkpoint/v1"
    data = checkpoint.to_json()
    assert "note" not in data
    again = Checkpoint.from_json_text(checkpoint.to_json_text())
    assert again == checkpoint
    again.check(signer.public_key)
    with pytest.raises(CheckpointFormatError, match="not a signed note"):
        again.note()


def test_an_origin_with_a_space_or_a_plus_cannot_name_the_notes_key() -> None:
    for origin in ("dossier bank", "dossier+bank", "dossier\u3000bank"):
        with pytest.raises(CheckpointFormatError, match=r"no space and no|printable"):
            sign_checkpoint(Signer.generate(), origin, 1, ROOT, NOON)


def test_a_note_whose_fields_or_text_were_altered_is_refused() -> None:
    signer = Signer.generate()
    checkpoint = sign_checkpoint(signer, "dossier.example-bank", 10, ROOT, NOON)
    data = checkpoint.to_json()
    note = data["note"]
    with pytest.raises(CheckpointFormatError, match="do not say"):
        Checkpoint.from_json({**data, "tree_size": 11})
    with pytest.raises(CheckpointFormatError, match="do not say"):
        Checkpoint.from_json({**data, "note": note.replace("\n10\n", "\n11\n", 1)})
    for broken, complaint in (
        (note.replace("\n\n", "\n"), "blank line|four lines"),
        (note.replace("time ", "at "), "time <timestamp>"),
        (note + note.splitlines()[-1] + "\n", "exactly one signature"),
        (note.replace("\u2014 ", "- "), "em dash"),
        (note.replace("\u2014 dossier.example-bank", "\u2014 other"), "not by its origin"),
        (note.rstrip("\n"), "ending in a newline"),
    ):
        with pytest.raises(CheckpointFormatError, match=complaint):
            Checkpoint.from_json({**data, "note": broken})
    # Fields and note altered alike: well formed, but the signature no longer holds.
    altered = note.replace("\n10\n", "\n11\n", 1)
    forged = Checkpoint.from_json({**data, "tree_size": 11, "note": altered})
    with pytest.raises(BadSignatureError):
        forged.check(signer.public_key)


def test_a_note_checked_with_a_key_of_another_key_hash_says_so() -> None:
    signer = Signer.generate()
    checkpoint = sign_checkpoint(signer, "dossier.example-bank", 10, ROOT, NOON)
    renamed = Checkpoint(**{**checkpoint.__dict__, "key_hash": key_hash_of("x", b"\0" * 32)})
    assert not renamed.verify(signer.public_key)
    with pytest.raises(CheckpointFormatError, match="key hash"):
        renamed.check(signer.public_key)


def test_the_standalone_verifiers_ed25519_accepts_the_signature() -> None:
    ed25519 = pytest.importorskip("dossier_verify.ed25519")
    signer = Signer.generate()
    checkpoint = sign_checkpoint(signer, "dossier.example-bank", 7, ROOT, NOON)
    assert ed25519.verify(signer.public_key.raw, checkpoint.body(), checkpoint.signature)


def test_a_checkpoint_of_the_earlier_format_altered_in_any_field_fails_verification() -> None:
    signer = Signer.generate()
    checkpoint = legacy_checkpoint(signer, "dossier.example-bank", 10, ROOT)
    data = checkpoint.to_json()
    alterations = {
        "origin": "dossier.other-bank",
        "tree_size": 11,
        "root_hash": base64.b64encode(hashlib.sha256(b"other").digest()).decode(),
        "timestamp": "2026-11-22T23:50:01Z",
    }
    for field, value in alterations.items():
        altered = Checkpoint.from_json({**data, field: value})
        assert not altered.verify(signer.public_key), field
        with pytest.raises(BadSignatureError):
            altered.check(signer.public_key)


def test_a_checkpoint_checked_with_another_key_names_both_key_ids() -> None:
    checkpoint = sign_checkpoint(Signer.generate(), "o", 1, ROOT, NOON)
    other = Signer.generate().public_key
    assert not checkpoint.verify(other)
    with pytest.raises(CheckpointFormatError, match=other.key_id):
        checkpoint.check(other)


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("root_hash", base64.b64encode(b"short").decode(), "root hash"),
        ("root_hash", "not base64!", "root_hash"),
        ("signature", base64.b64encode(b"x" * 63).decode(), "signature"),
        ("timestamp", "2026-11-22 23:50:00", "RFC 3339"),
        ("timestamp", "2026-11-22T23:50:00+08:00", "RFC 3339"),
        ("timestamp", "2026-02-30T23:50:00Z", "valid date"),
        ("tree_size", "12", "natural number"),
        ("tree_size", -1, "natural number"),
        ("tree_size", True, "natural number"),
        ("key_id", "ABCDEF0123456789", "hex"),
        ("origin", "two\nlines", "printable"),
        ("origin", "", "printable"),
    ],
)
def test_a_malformed_checkpoint_is_refused_saying_which_field(
    field: str, value: object, complaint: str
) -> None:
    data = sign_checkpoint(Signer.generate(), "o", 1, ROOT, NOON).to_json()
    with pytest.raises(CheckpointFormatError, match=complaint):
        Checkpoint.from_json({**data, field: value})


def test_a_checkpoint_missing_a_field_or_not_json_is_refused() -> None:
    data = sign_checkpoint(Signer.generate(), "o", 1, ROOT, NOON).to_json()
    del data["signature"]
    with pytest.raises(CheckpointFormatError, match="lacks signature"):
        Checkpoint.from_json(data)
    with pytest.raises(CheckpointFormatError, match="not valid JSON"):
        Checkpoint.from_json_text("{")
    with pytest.raises(CheckpointFormatError, match="JSON object"):
        Checkpoint.from_json_text("[1]")


def test_a_naive_or_fractional_timestamp_is_refused_in_a_checkpoint() -> None:
    checkpoint = sign_checkpoint(Signer.generate(), "o", 1, ROOT, NOON)
    with pytest.raises(CheckpointFormatError, match="timezone-aware"):
        Checkpoint(**{**checkpoint.__dict__, "timestamp": NOON.replace(tzinfo=None)})
    with pytest.raises(CheckpointFormatError, match="whole seconds"):
        Checkpoint(**{**checkpoint.__dict__, "timestamp": NOON.replace(microsecond=1)})


def test_a_note_reads_back_with_its_witnesses_cosignatures_after_the_logs_signature() -> None:
    signer = Signer.generate()
    witness = Signer.generate()
    checkpoint = sign_checkpoint(signer, "dossier.example-bank", 10, ROOT, NOON)
    cosignature = cosign(witness, "witness.example", checkpoint.body(), 1_796_000_000)
    cosigned = checkpoint.with_cosignatures((cosignature,))
    note = cosigned.note()
    assert note == checkpoint.note() + cosignature.line()
    again = Checkpoint.from_json({**checkpoint.to_json(), "note": note})
    assert again == checkpoint  # the same checkpoint: cosignatures are not what it says
    assert again.cosignatures == (cosignature,)
    key = CosignerKey("witness.example", witness.public_key)
    assert cosignature.verify(key, checkpoint.body())
    assert not cosignature.verify(key, checkpoint.body().replace(b"\n10\n", b"\n11\n"))
    assert CosignerKey.parse(key.vkey()) == key
    with pytest.raises(CheckpointFormatError, match="cosignature"):
        Checkpoint.from_json({**checkpoint.to_json(), "note": note[:-20] + "\n"})
