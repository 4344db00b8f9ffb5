"""Envelope encryption: master key loading, data-key wrapping, streamed document ciphertext."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.crypto import (
    HEADER_SIZE,
    MAGIC,
    SEGMENT_SIZE,
    TAG_SIZE,
    CiphertextIntegrityError,
    DataKey,
    DecryptingReader,
    EncryptingReader,
    MasterKey,
    MasterKeyError,
    PlaintextHashMismatchError,
    WrappedKey,
    WrongMasterKeyError,
    decrypt_stream,
    encrypt_stream,
    encrypted_size,
    load_master_key,
    unwrap_data_key,
    wrap_data_key,
    write_master_key_file,
)

SMALL = 16  # the smallest segment size: many segments from a few bytes
DOSSIER = uuid.UUID("6f1c2f7e-8a4b-4c1d-9e2f-0a1b2c3d4e5f")
KEY = DataKey(bytes(range(32)))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encrypt(data: bytes, segment_size: int = SEGMENT_SIZE, key: DataKey = KEY) -> bytes:
    return b"".join(
        encrypt_stream(key, DOSSIER, sha(data), io.BytesIO(data), segment_size=segment_size)
    )


def decrypt(
    ciphertext: bytes,
    sha256: str,
    dossier_id: uuid.UUID = DOSSIER,
    key: DataKey = KEY,
) -> bytes:
    with decrypt_stream(key, dossier_id, sha256, io.BytesIO(ciphertext)) as stream:
        return stream.read()


def segments(ciphertext: bytes, segment_size: int) -> list[bytes]:
    body = ciphertext[HEADER_SIZE:]
    step = segment_size + TAG_SIZE
    return [body[i : i + step] for i in range(0, len(body), step)]


class TestDocumentRoundTrip:
    @pytest.mark.parametrize(
        "size",
        [
            0,
            1,
            SEGMENT_SIZE - 1,
            SEGMENT_SIZE,
            SEGMENT_SIZE + 1,
            3 * SEGMENT_SIZE,
            3 * SEGMENT_SIZE + 7,
        ],
        ids=["empty", "one", "seg-1", "seg", "seg+1", "3seg", "3seg+7"],
    )
    def test_bytes_come_back_and_the_size_is_as_announced(self, size: int) -> None:
        data = os.urandom(size)
        ciphertext = encrypt(data)
        assert ciphertext.startswith(MAGIC)
        assert len(ciphertext) == encrypted_size(size)
        assert decrypt(ciphertext, sha(data)) == data

    def test_two_encryptions_of_one_document_differ(self) -> None:
        data = b"same document" * 100
        assert encrypt(data) != encrypt(data)

    def test_reader_gives_the_same_bytes_whatever_the_read_sizes(self) -> None:
        data = os.urandom(5 * SMALL + 3)
        reader = EncryptingReader(KEY, DOSSIER, sha(data), io.BytesIO(data), segment_size=SMALL)
        pieces = []
        for size in [1, 5, 17, 0, 100, 3, 1000]:
            pieces.append(reader.read(size))
        assert reader.read(10) == b""
        ciphertext = b"".join(pieces)
        assert len(ciphertext) == encrypted_size(len(data), SMALL)
        plain = DecryptingReader(KEY, DOSSIER, sha(data), io.BytesIO(ciphertext))
        buffer = bytearray(7)
        got = bytearray()
        while count := plain.readinto(buffer):
            got += buffer[:count]
        assert bytes(got) == data

    def test_the_encrypting_reader_leaves_the_source_open(self) -> None:
        source = io.BytesIO(b"caller's stream")
        with EncryptingReader(KEY, DOSSIER, sha(b"caller's stream"), source) as reader:
            reader.read()
        assert not source.closed

    def test_the_decrypting_stream_closes_its_source(self) -> None:
        source = io.BytesIO(encrypt(b"x"))
        with decrypt_stream(KEY, DOSSIER, sha(b"x"), source) as stream:
            assert stream.read() == b"x"
        assert source.closed

    def test_the_source_is_read_one_segment_at_a_time(self) -> None:
        class Counting(io.BytesIO):
            largest = 0

            def read(self, size: int | None = -1) -> bytes:
                self.largest = max(self.largest, -1 if size is None or size < 0 else size)
                return super().read(size)

        data = os.urandom(4 * SEGMENT_SIZE)
        source = Counting(data)
        ciphertext = EncryptingReader(KEY, DOSSIER, sha(data), source).read()
        assert len(ciphertext) == encrypted_size(len(data))
        assert source.largest == SEGMENT_SIZE

    def test_bytes_that_do_not_match_the_announced_hash_never_give_a_whole_ciphertext(
        self,
    ) -> None:
        data = os.urandom(3 * SMALL)
        reader = EncryptingReader(KEY, DOSSIER, sha(b"other"), io.BytesIO(data), segment_size=SMALL)
        with pytest.raises(PlaintextHashMismatchError, match="SHA-256"):
            reader.read()

    def test_a_malformed_hash_is_refused(self) -> None:
        with pytest.raises(ValueError, match="64 hexadecimal"):
            encrypt_stream(KEY, DOSSIER, "abc", io.BytesIO(b""))
        with pytest.raises(ValueError, match="64 hexadecimal"):
            decrypt_stream(KEY, DOSSIER, "z" * 64, io.BytesIO(b""))


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=8 * SMALL + 5), segment_size=st.sampled_from([SMALL, 33, 64]))
def test_any_bytes_round_trip(data: bytes, segment_size: int) -> None:
    assert decrypt(encrypt(data, segment_size), sha(data)) == data


@st.composite
def tampered(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """A document and its ciphertext with one kind of damage."""
    data = draw(st.binary(max_size=6 * SMALL + 5))
    ciphertext = encrypt(data, SMALL)
    kind = draw(st.sampled_from(["flip", "truncate", "append", "swap", "drop", "duplicate"]))
    parts = segments(ciphertext, SMALL)
    header = ciphertext[:HEADER_SIZE]
    if kind in ("swap", "drop", "duplicate") and len(parts) < 2:
        kind = "flip"
    if kind == "flip":
        position = draw(st.integers(0, len(ciphertext) - 1))
        bit = 1 << draw(st.integers(0, 7))
        damaged = bytearray(ciphertext)
        damaged[position] ^= bit
        return data, bytes(damaged)
    if kind == "truncate":
        return data, ciphertext[: draw(st.integers(0, len(ciphertext) - 1))]
    if kind == "append":
        return data, ciphertext + draw(st.binary(min_size=1, max_size=2 * (SMALL + TAG_SIZE)))
    i = draw(st.integers(0, len(parts) - 2))
    j = draw(st.integers(i + 1, len(parts) - 1))
    if kind == "swap":
        parts[i], parts[j] = parts[j], parts[i]
    elif kind == "drop":
        del parts[i]
    else:
        parts.insert(j, parts[i])
    return data, header + b"".join(parts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=tampered())
def test_any_damage_is_detected(case: tuple[bytes, bytes]) -> None:
    data, damaged = case
    with pytest.raises(CiphertextIntegrityError):
        decrypt(damaged, sha(data))


class TestAssociatedData:
    def test_another_dossier_cannot_read_the_document(self) -> None:
        data = b"contract" * 1000
        with pytest.raises(CiphertextIntegrityError, match="segment 0"):
            decrypt(encrypt(data), sha(data), dossier_id=uuid.uuid4())

    def test_the_document_cannot_pass_for_another_hash(self) -> None:
        data = b"contract" * 1000
        with pytest.raises(CiphertextIntegrityError):
            decrypt(encrypt(data), sha(b"another document"))

    def test_another_data_key_cannot_read_the_document(self) -> None:
        data = b"contract"
        with pytest.raises(CiphertextIntegrityError):
            decrypt(encrypt(data), sha(data), key=DataKey.generate())

    def test_plaintext_is_refused_as_not_encrypted(self) -> None:
        with pytest.raises(CiphertextIntegrityError, match="not an encrypted document"):
            decrypt(b"%PDF-1.7 plain document bytes", sha(b"x"))

    def test_segments_before_the_damage_are_readable_and_the_damaged_one_is_not(self) -> None:
        data = os.urandom(4 * SEGMENT_SIZE)
        damaged = bytearray(encrypt(data))
        damaged[HEADER_SIZE + 2 * (SEGMENT_SIZE + TAG_SIZE) + 5] ^= 1
        stream = decrypt_stream(KEY, DOSSIER, sha(data), io.BytesIO(bytes(damaged)))
        assert stream.read(2 * SEGMENT_SIZE) == data[: 2 * SEGMENT_SIZE]
        with pytest.raises(CiphertextIntegrityError, match="segment 2"):
            stream.read(SEGMENT_SIZE)
        with pytest.raises(CiphertextIntegrityError, match="segment 2"):
            stream.read()  # never a quiet end of file after the damage
        stream.close()
        with pytest.raises(ValueError, match="closed"):
            stream.read(1)


class TestDataKeyWrapping:
    def test_a_wrapped_key_unwraps_under_its_master_key(self) -> None:
        master, data_key = MasterKey.generate(), DataKey.generate()
        wrapped = wrap_data_key(master, DOSSIER, data_key)
        assert wrapped.master_key_id == master.key_id
        assert data_key.secret not in wrapped.blob
        assert unwrap_data_key(master, wrapped) == data_key

    def test_another_master_key_gets_a_clear_error_naming_both_ids(self) -> None:
        right, wrong = MasterKey.generate(), MasterKey.generate()
        wrapped = wrap_data_key(right, DOSSIER, DataKey.generate())
        with pytest.raises(WrongMasterKeyError) as caught:
            unwrap_data_key(wrong, wrapped)
        assert right.key_id in str(caught.value)
        assert wrong.key_id in str(caught.value)
        assert str(DOSSIER) in str(caught.value)

    def test_an_altered_or_moved_wrapped_key_is_refused(self) -> None:
        master = MasterKey.generate()
        wrapped = wrap_data_key(master, DOSSIER, DataKey.generate())
        altered = bytearray(wrapped.blob)
        altered[-1] ^= 1
        with pytest.raises(CiphertextIntegrityError):
            unwrap_data_key(master, WrappedKey(DOSSIER, master.key_id, bytes(altered)))
        with pytest.raises(CiphertextIntegrityError, match="another dossier"):
            unwrap_data_key(master, WrappedKey(uuid.uuid4(), master.key_id, wrapped.blob))
        with pytest.raises(CiphertextIntegrityError, match="malformed"):
            unwrap_data_key(master, WrappedKey(DOSSIER, master.key_id, wrapped.blob[:-1]))

    def test_keys_never_show_their_secret(self) -> None:
        master, data_key = MasterKey.generate(), DataKey.generate()
        for shown in (repr(master), str(master), repr(data_key), str(data_key)):
            assert master.secret.hex() not in shown
            assert data_key.secret.hex() not in shown
            assert repr(master.secret) not in shown
        assert master.key_id in repr(master)
        assert master.key_id == hashlib.sha256(master.secret).hexdigest()[:16]

    def test_keys_are_exactly_32_bytes(self) -> None:
        with pytest.raises(MasterKeyError):
            MasterKey(b"short")
        with pytest.raises(ValueError, match="32 bytes"):
            DataKey(b"x" * 31)


class TestMasterKeyLoading:
    SECRET = bytes(range(100, 132))

    @pytest.mark.parametrize(
        "text",
        [
            base64.b64encode(SECRET).decode(),
            base64.urlsafe_b64encode(SECRET).decode(),
            base64.urlsafe_b64encode(SECRET).decode().rstrip("="),
            "  " + base64.b64encode(SECRET).decode() + "\n",
        ],
        ids=["standard", "urlsafe", "unpadded", "whitespace"],
    )
    def test_from_the_environment_value(self, text: str) -> None:
        assert load_master_key(file=None, value=text).secret == self.SECRET

    def test_from_a_file_with_a_trailing_newline(self, tmp_path: Path) -> None:
        path = tmp_path / "master.key"
        path.write_text(base64.b64encode(self.SECRET).decode() + "\n")
        assert load_master_key(file=path, value=None).secret == self.SECRET

    def test_missing_says_which_settings_to_set(self) -> None:
        with pytest.raises(MasterKeyError) as caught:
            load_master_key(file=None, value=None)
        message = str(caught.value)
        assert "master key missing" in message
        assert "DOSSIER_MASTER_KEY" in message
        assert "DOSSIER_MASTER_KEY_FILE" in message

    def test_both_set_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(MasterKeyError, match="not both"):
            load_master_key(file=tmp_path / "k", value=base64.b64encode(self.SECRET).decode())

    @pytest.mark.parametrize(
        "secret_text",
        [
            base64.b64encode(b"k" * 16).decode(),
            base64.b64encode(b"k" * 33).decode(),
            base64.b64encode(b"k" * 31).decode(),
            "not base64 at all: kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
            "",
            "密钥" * 20,
        ],
        ids=["16-bytes", "33-bytes", "31-bytes", "garbage", "empty", "non-ascii"],
    )
    def test_wrong_content_is_refused_without_echoing_it(
        self, secret_text: str, tmp_path: Path
    ) -> None:
        with pytest.raises(MasterKeyError) as from_env:
            load_master_key(file=None, value=secret_text)
        assert "DOSSIER_MASTER_KEY is not 32 bytes of base64" in str(from_env.value)
        path = tmp_path / "master.key"
        path.write_text(secret_text)
        with pytest.raises(MasterKeyError) as from_file:
            load_master_key(file=path, value=None)
        assert f"master key file {path} is not 32 bytes of base64" in str(from_file.value)
        for error in (from_env.value, from_file.value):
            if secret_text.strip():
                assert secret_text.strip()[:12] not in str(error)

    def test_a_huge_or_binary_file_is_refused(self, tmp_path: Path) -> None:
        huge, binary = tmp_path / "huge", tmp_path / "binary"
        huge.write_bytes(b"A" * 100_000)
        binary.write_bytes(self.SECRET)
        for path in (huge, binary):
            with pytest.raises(MasterKeyError, match="is not 32 bytes of base64"):
                load_master_key(file=path, value=None)

    def test_a_missing_file_is_named(self, tmp_path: Path) -> None:
        with pytest.raises(MasterKeyError, match="does not exist"):
            load_master_key(file=tmp_path / "nowhere.key", value=None)


class TestMasterKeyFile:
    def test_written_with_mode_0600_and_read_back(self, tmp_path: Path) -> None:
        key = MasterKey.generate()
        path = tmp_path / "keys" / "master.key"
        write_master_key_file(path, key)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert load_master_key(file=path, value=None) == key
        assert sorted(p.name for p in path.parent.iterdir()) == ["master.key"]

    def test_an_existing_file_is_never_overwritten(self, tmp_path: Path) -> None:
        path = tmp_path / "master.key"
        first = MasterKey.generate()
        write_master_key_file(path, first)
        with pytest.raises(MasterKeyError, match="refusing to overwrite"):
            write_master_key_file(path, MasterKey.generate())
        assert load_master_key(file=path, value=None) == first
        assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]

    def test_mode_is_0600_whatever_the_umask(self, tmp_path: Path) -> None:
        previous = os.umask(0)
        try:
            write_master_key_file(tmp_path / "master.key", MasterKey.generate())
        finally:
            os.umask(previous)
        assert stat.S_IMODE((tmp_path / "master.key").stat().st_mode) == 0o600
