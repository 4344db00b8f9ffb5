"""Manifest paths as RFC 8493 §2.1.3 writes them: CR, LF and % percent-encoded, nothing else;
and never a path that leads outside the bag.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier_verify.bag import decode_manifest_path
from dossier_verify.check import verify_directory
from tests.verifier.bundles import seal, write_bundle


@pytest.mark.parametrize(
    ("encoded", "path"),
    [
        ("data/plain.txt", "data/plain.txt"),
        ("data/a%0Ab.txt", "data/a\nb.txt"),
        ("data/a%0db%0A.txt", "data/a\rb\n.txt"),
        ("data/100%25.txt", "data/100%.txt"),
        ("data/%2541.txt", "data/%41.txt"),
        ("data/合同 2026.pdf", "data/合同 2026.pdf"),
    ],
)
def test_percent_encoded_paths_are_decoded(encoded: str, path: str) -> None:
    assert decode_manifest_path(encoded) == path


@pytest.mark.parametrize(
    "encoded",
    [
        "../outside.txt",
        "data/../../outside.txt",
        "data/./x",
        "data//x",
        "/etc/passwd",
        "C:/x",
        "data\\..\\x",
        "data/%2E%2E/x",  # only CR, LF and % are ever encoded
        "data/50%.txt",  # a bare % is malformed
        "data/a%00b",
    ],
)
def test_malformed_or_escaping_paths_are_refused(encoded: str) -> None:
    assert decode_manifest_path(encoded) is None


def test_a_payload_name_with_a_line_break_and_a_percent_sign_round_trips(tmp_path: Path) -> None:
    bag = write_bundle(tmp_path / "bag").root
    odd = bag / "data" / "note\n100%.txt"
    odd.write_bytes(b"odd name")
    seal(bag)
    assert "data/note%0A100%25.txt" in (bag / "manifest-sha256.txt").read_text()
    problems = verify_directory(bag).problems
    # The manifests account for it; the bundle format does not know the file.
    assert [(p.file, p.check) for p in problems] == [("data/note\n100%.txt", "unexpected_file")]
