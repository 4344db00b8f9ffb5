"""Whatever a bag's JSON files hold, the verifier reports problems; it never crashes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier_verify.check import verify_directory
from tests.verifier.bundles import canonical_json, write_bundle

JSON_FILES = [
    "data/checkpoint.json",
    "data/public-keys.json",
    "data/documents.json",
    "data/events/7.json",
    "data/proofs/7.json",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bundle(tmp_path_factory.mktemp("hostile") / "bag").root


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    file=st.sampled_from(JSON_FILES),
    content=st.one_of(json_values.map(canonical_json), st.binary(max_size=64)),
)
def test_any_json_file_replaced_by_anything_is_reported_not_crashed_on(
    pristine: Path, tmp_path: Path, file: str, content: bytes
) -> None:
    bag = tmp_path / "bag"
    shutil.rmtree(bag, ignore_errors=True)
    shutil.copytree(pristine, bag)
    if (bag / file).read_bytes() == content:
        return
    (bag / file).write_bytes(content)
    report = verify_directory(bag)
    assert not report.ok
    assert file in {p.file for p in report.problems}


@pytest.mark.parametrize(
    "content",
    [
        b'{"origin": "\\ud800"}',  # a lone surrogate: valid JSON, no UTF-8 bytes
        b"[" * 100_000,  # nested past the recursion limit
        b'{"tree_size": ' + b"9" * 5000 + b"}",  # longer than int() converts
        b'{"tree_size": NaN}',
        b"\xef\xbb\xbf{}",  # a byte-order mark
    ],
)
def test_pathological_json_is_reported(pristine: Path, tmp_path: Path, content: bytes) -> None:
    bag = shutil.copytree(pristine, tmp_path / "bag")
    (bag / "data/checkpoint.json").write_bytes(content)
    report = verify_directory(bag)
    assert "data/checkpoint.json" in {
        p.file for p in report.problems if p.check in ("json", "format")
    }
