"""Which keys ``dossier verify`` believes: the configured ones, else (development) the local key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.composition import trusted_keys
from api.settings import Settings
from storage.checkpoints import (
    CheckpointFormatError,
    parse_trusted_keys,
    parse_verifier_key,
    verifier_key,
)
from storage.signing import Signer

ORIGIN = "dossier.example-bank"


def production(**values: object) -> Settings:
    return Settings(
        environment="production",
        event_store="postgresql://dossier@localhost/dossier",
        master_key="x" * 44,
        signing_key="y" * 44,
        **values,  # type: ignore[arg-type]
    )


def test_a_verifier_key_string_names_its_key_and_a_wrong_hash_is_refused() -> None:
    signer = Signer.generate()
    text = verifier_key(ORIGIN, signer.public_key)
    trusted = parse_verifier_key(text)
    assert (trusted.name, trusted.key) == (ORIGIN, signer.public_key)
    assert parse_verifier_key(signer.public_key.to_base64()).key == signer.public_key
    name, _hash, encoded = text.split("+", 2)  # base64 may hold a '+' too
    with pytest.raises(CheckpointFormatError, match="key hash"):
        parse_verifier_key(f"{name}+00000000+{encoded}")
    with pytest.raises(CheckpointFormatError, match="neither"):
        parse_verifier_key("not-a-key")


def test_a_list_of_keys_takes_lines_commas_and_comments() -> None:
    one, two = Signer.generate(), Signer.generate()
    text = (
        f"# the bank's keys\n{verifier_key(ORIGIN, one.public_key)},"
        f" {verifier_key(ORIGIN, two.public_key)}  # rotated 2026\n"
    )
    assert [k.key for k in parse_trusted_keys(text)] == [one.public_key, two.public_key]


def test_configured_keys_are_the_anchor_and_the_local_key_is_not_added(tmp_path: Path) -> None:
    local, published = Signer.generate(), Signer.generate()
    settings = Settings(data_dir=tmp_path, trusted_keys=verifier_key(ORIGIN, published.public_key))
    assert trusted_keys(settings, local) == ([published.public_key], "configured keys")
    listed = tmp_path / "trusted.keys"
    listed.write_text(verifier_key(ORIGIN, published.public_key) + "\n")
    from_file = Settings(data_dir=tmp_path, trusted_keys_file=listed)
    assert trusted_keys(from_file, local) == ([published.public_key], "configured keys")


def test_development_trusts_the_local_key_and_production_nothing_unless_configured(
    tmp_path: Path,
) -> None:
    local = Signer.generate()
    assert trusted_keys(Settings(data_dir=tmp_path), local) == ([local.public_key], "local key")
    assert trusted_keys(production(data_dir=tmp_path), local) == ([], "unanchored")


def test_a_malformed_trusted_key_setting_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="DOSSIER_TRUSTED_KEYS"):
        Settings(trusted_keys="dossier+12345678+AAAA")


def test_the_file_witness_can_sit_elsewhere(tmp_path: Path) -> None:
    elsewhere = tmp_path / "other-disk" / "witness.jsonl"
    assert Settings(data_dir=tmp_path).checkpoint_file == tmp_path / "checkpoints.jsonl"
    assert Settings(data_dir=tmp_path, witness_file=elsewhere).checkpoint_file == elsewhere
