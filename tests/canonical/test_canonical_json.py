"""One canonical JSON: its bytes are the bytes every earlier writer produced.

Before ``canonical`` existed, five places wrote JSON to hash, sign or store it, each with its own
``json.dumps`` call. Their formulas are frozen below, exactly as they stood; every form of the
module must give the same text (or refuse with the same error) for a generated corpus and for real
objects: the packaged rule set, a signed checkpoint, an issued audit bundle's files, a command's
fingerprint, and what the store written by release b57aad6 holds (its checkpoints, every rule
set it recorded).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.composition import build_archive
from archive.application import DossierArchive
from archive.core import CommandContext, _fingerprint
from archive.rules import packaged_rules_text
from canonical import bundle_json, canonical_json, fingerprint_json
from domain.authorization import Action
from domain.rules import RuleSet
from domain.values import DocumentRef
from storage.checkpoints import Checkpoint, sign_checkpoint
from storage.signing import Signer
from tests.archive.test_bundles import (  # noqa: F401 (integrity: a fixture)
    Integrity,
    a_loan_with_documents_and_a_borrowing,
    integrity,
    issue,
)
from tests.test_release_store import FIXTURE as RELEASE
from tests.test_release_store import MANIFEST, settings_for, unpack


# ----------------------------------------------------- the formulas as they stood, frozen
def old_rules_json(data: Any) -> str:
    """domain/rules.py: the text a rule set's version hashes and its adoption records."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def old_checkpoint_json(data: Any) -> str:
    """storage/checkpoints.py, ``Checkpoint.to_json_text``."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def old_bundle_json(obj: Any) -> bytes:
    """archive/reports/bundles.py: every JSON file of an audit bundle."""
    text = json.dumps(
        obj,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=str,
    )
    return text.encode("utf-8")


def old_fingerprint_json(payload: Any) -> str:
    """archive/core.py: the text an idempotency receipt's fingerprint hashes."""
    return json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)


def old_test_bundle_json(obj: Any) -> bytes:
    """tests/verifier/bundles.py: the hand-made bundles' files."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


PAIRS: list[tuple[Callable[[Any], Any], Callable[[Any], Any]]] = [
    (canonical_json, old_rules_json),
    (canonical_json, old_checkpoint_json),
    (bundle_json, old_bundle_json),
    (fingerprint_json, old_fingerprint_json),
    (lambda obj: canonical_json(obj).encode(), old_test_bundle_json),
]


def outcome(write: Callable[[Any], Any], obj: Any) -> tuple[str, Any]:
    """What ``write`` makes of ``obj``: its output, or the kind of error it raises."""
    try:
        return ("wrote", write(obj))
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        return ("refused", type(exc))


# ------------------------------------------------------------------------- the corpus
text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["", "贷后档案", "借款合同 JJ2025031500042", "é\u0301", "\u2028", '\x00\x1f"\\']
    ),
    st.text(alphabet=st.characters(codec=None, categories=["Cs"]), max_size=2),  # lone surrogates
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
)
# What JSON has no type for: the lenient forms write str() of it, the strict ones refuse it.
foreign = st.one_of(
    st.uuids(),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.decimals(allow_nan=False, places=2, max_value=10**9, min_value=-(10**9)),
    st.just(Action.DISBURSE),
)
keys = st.one_of(text, st.integers(min_value=-5, max_value=5))
values = st.recursive(
    st.one_of(scalars, foreign),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(keys, inner, max_size=4),
        st.dictionaries(text, inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(obj=values)
def test_every_form_writes_what_the_formula_it_replaces_wrote(obj: Any) -> None:
    for new, old in PAIRS:
        assert outcome(new, obj) == outcome(old, obj), (new, old)


@settings(max_examples=200, deadline=None)
@given(obj=st.recursive(scalars, lambda inner: st.dictionaries(text, inner, max_size=4)))
def test_the_bundle_form_is_the_canonical_form_in_utf_8_wherever_both_write(obj: Any) -> None:
    strict, lenient = outcome(canonical_json, obj), outcome(bundle_json, obj)
    if strict[0] == "wrote" and lenient[0] == "wrote":
        assert lenient[1] == strict[1].encode("utf-8")


def test_the_forms_on_a_fixed_object_hash_to_the_values_recorded_before_the_change() -> None:
    obj = {
        "z": [1, 2.5, None, True],
        "a": {"规则": "贷后", "n": -0.0},
        "id": "6f1c2a52-3b1e-4d0a-9a43-2f0a3c5b7d11",
    }
    assert canonical_json(obj) == (
        '{"a":{"n":-0.0,"规则":"贷后"},"id":"6f1c2a52-3b1e-4d0a-9a43-2f0a3c5b7d11",'
        '"z":[1,2.5,null,true]}'
    )
    assert fingerprint_json(obj) == (
        '{"a": {"n": -0.0, "规则": "贷后"}, "id": "6f1c2a52-3b1e-4d0a-9a43-2f0a3c5b7d11", '
        '"z": [1, 2.5, null, true]}'
    )
    assert bundle_json(obj) == canonical_json(obj).encode("utf-8")
    assert canonical_json({"x": math.nan}) == '{"x":NaN}'
    with pytest.raises(ValueError, match="not JSON compliant"):
        bundle_json({"x": math.nan})
    with pytest.raises(TypeError):
        canonical_json({"id": UUID(int=1)})
    assert bundle_json({"id": UUID(int=1)}) == b'{"id":"00000000-0000-0000-0000-000000000001"}'


# ----------------------------------------------------------------------- real objects
def test_the_packaged_rule_set_keeps_its_version() -> None:
    import tomllib

    text = packaged_rules_text()
    expected = hashlib.sha256(old_rules_json(tomllib.loads(text)).encode("utf-8")).hexdigest()
    assert RuleSet.from_toml(text).version == expected


def test_a_signed_checkpoint_is_written_as_before() -> None:
    signer = Signer.generate()
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    checkpoint = sign_checkpoint(signer, "dossier.test-bank", 42, bytes(range(32)), moment)
    assert checkpoint.to_json_text() == old_checkpoint_json(checkpoint.to_json())


def test_a_command_fingerprint_is_the_one_receipts_already_hold() -> None:
    params = {
        "loan_no": "JJ2025031500042",
        "amount": Decimal("1200000.00"),
        "disbursed_on": date(2025, 3, 15),
        "borrower": "某某制造有限公司",
        "staff_id": UUID("4a0e1c6b-0a55-4a7e-9d0e-2b8f3d1c5e77"),
    }
    refs = [DocumentRef("loan_contract", "ab" * 32, 1234, "application/pdf", "借款合同.pdf")]
    payload = {
        "action": Action.DISBURSE.value,
        "params": params,
        "documents": [(r.doc_type, r.sha256, r.filename) for r in refs],
    }
    digest = hashlib.sha256(old_fingerprint_json(payload).encode()).hexdigest()
    assert _fingerprint(Action.DISBURSE, params, refs) == digest
    # Recorded before the change, from the formula above: receipts in stores hold such values.
    assert digest == "fb18439b8b596a04fb5e5c6f09c3f8eec9315404533c4989e9f9112baca99670"


def test_an_issued_bundles_files_are_written_as_before(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    a_loan_with_documents_and_a_borrowing(app, staff)
    issue(app, integrity, staff["auditor"], tmp_path / "bundle")
    files = sorted((tmp_path / "bundle" / "data").rglob("*.json"))
    assert len(files) > 5
    for path in files:
        written = path.read_bytes()
        assert written == old_bundle_json(json.loads(written)), path.name


# ------------------------------------------- the store written by release b57aad6
def test_the_release_stores_checkpoints_are_written_again_byte_for_byte() -> None:
    lines = (RELEASE / "store" / "checkpoints.jsonl").read_text("utf-8").splitlines()
    assert len(lines) >= 2
    for line in lines:
        assert Checkpoint.from_json_text(line).to_json_text() == line


def test_every_rule_set_the_release_recorded_hashes_to_its_recorded_version(
    tmp_path: Path,
) -> None:
    archive = build_archive(settings_for(unpack(tmp_path / "store")))
    try:
        adoptions = [
            archive.mapper.to_domain_event(note)
            for note in archive.recorder.select_notifications(start=1, limit=10_000)
            if note.topic.startswith("domain.rules:RulesInForce.")
        ]
    finally:
        archive.close()
    assert len(adoptions) == MANIFEST["rules_in_force"]["adoptions"]
    for adopted in adoptions:
        text = canonical_json(adopted.rules)
        assert text == old_rules_json(adopted.rules)
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == adopted.version
