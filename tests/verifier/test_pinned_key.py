"""``--key`` takes the bank's key in each form the archive prints it: base64 of the raw key
(``dossier signing-key public``), PEM (``--pem``), the signed-note verifier key (``--vkey``), or a
file holding any of them; anything else is a usage error, never a silent pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier_verify import main
from dossier_verify.statement import KeyFormatError, read_pinned_key
from storage.checkpoints import verifier_key
from storage.signing import Signer
from tests.verifier.bundles import b64, raw_public_key, write_bundle


def test_every_form_the_archive_prints_reads_as_the_same_key(tmp_path: Path) -> None:
    key = Signer.generate().public_key
    forms = [key.to_base64(), key.to_pem(), verifier_key("dossier.example-bank", key)]
    for form in forms:
        assert read_pinned_key(form) == key.raw, form
        file = tmp_path / "key.txt"
        file.write_text(form + "\n")
        assert read_pinned_key(str(file)) == key.raw, form


@pytest.mark.parametrize(
    "bad", ["", "not a key", "QUJD", "-----BEGIN PUBLIC KEY-----\nQUJD\n-----END"]
)
def test_anything_else_is_refused(bad: str) -> None:
    with pytest.raises(KeyFormatError):
        read_pinned_key(bad)


def test_a_key_in_no_known_form_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = write_bundle(tmp_path / "bag")
    assert main([str(bundle.root), "--key", "QUJD"]) == 2
    assert "cannot read --key" in capsys.readouterr().err
    assert main([str(bundle.root), "--key", b64(raw_public_key(bundle.key))]) == 4  # old format


def test_missing_versions_are_told_as_runs_however_large_the_head() -> None:
    from uuid import uuid4

    from dossier_verify.statement import Aggregate

    aggregate = Aggregate("loan", uuid4(), 2**63, None)
    assert aggregate.missing({1, 2, 5}) == [(3, 4), (6, 2**63)]
    listed = Aggregate("staff", uuid4(), None, (1, 2, 4, 5, 9))
    assert listed.missing({1, 5}) == [(2, 2), (4, 4), (9, 9)]
