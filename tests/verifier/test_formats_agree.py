"""The verifier's own copies of the signed byte formats give the archive's bytes.

``dossier_verify`` imports nothing of the project (auditors run it with the standard library
alone, and a verifier sharing the sealer's code would repeat its mistakes), so it writes the
leaf entry and the checkpoint body again from ``docs/integrity.md``. Here the two copies must
agree on every input: any drift would make every genuine bundle fail to verify.
"""

from __future__ import annotations

from datetime import UTC, datetime

from eventsourcing.persistence import Notification
from hypothesis import given
from hypothesis import strategies as st

from dossier_verify import formats
from storage import checkpoints, sealing

U64 = st.integers(min_value=0, max_value=2**64 - 1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC).replace(tzinfo=None)  # hypothesis bounds are naive


@given(
    nid=U64,
    originator=st.uuids(),
    version=U64,
    topic=st.text(max_size=40),
    state=st.binary(max_size=200),
)
def test_the_leaf_entry_is_the_sealers(
    nid: int, originator: object, version: int, topic: str, state: bytes
) -> None:
    note = Notification(
        id=nid, originator_id=originator, originator_version=version, topic=topic, state=state
    )
    assert formats.event_entry(nid, originator, version, topic, state) == sealing.event_entry(note)


@given(
    origin=st.text(min_size=1, max_size=30).filter(lambda s: s.isprintable() and s == s.strip()),
    tree_size=U64,
    root=st.binary(min_size=32, max_size=32),
    moment=st.datetimes(min_value=EPOCH, timezones=st.just(UTC)),
)
def test_the_checkpoint_body_is_the_signers(
    origin: str, tree_size: int, root: bytes, moment: datetime
) -> None:
    moment = moment.replace(microsecond=0)
    stamp = checkpoints.format_timestamp(moment)
    assert formats.checkpoint_body(origin, tree_size, root, stamp) == checkpoints.checkpoint_body(
        origin, tree_size, root, moment
    )


@given(
    origin=st.text(min_size=1, max_size=30).filter(
        lambda s: s.isprintable() and not any(c.isspace() for c in s) and "+" not in s
    ),
    tree_size=U64,
    root=st.binary(min_size=32, max_size=32),
    moment=st.datetimes(min_value=EPOCH, timezones=st.just(UTC)),
    key=st.binary(min_size=32, max_size=32),
)
def test_the_note_text_and_key_hash_are_the_signers(
    origin: str, tree_size: int, root: bytes, moment: datetime, key: bytes
) -> None:
    moment = moment.replace(microsecond=0)
    stamp = checkpoints.format_timestamp(moment)
    assert formats.note_body(origin, tree_size, root, stamp) == checkpoints.note_body(
        origin, tree_size, root, moment
    )
    assert formats.key_hash(origin, key).hex() == checkpoints.key_hash_of(origin, key)


def test_the_destruction_rules_are_the_archives() -> None:
    """The verifier's copy of who may take each step of a destruction batch, and of the roles
    its supervisors must hold, is the archive's (domain/disposition.py, authorization.py)."""
    from domain.authorization import BUSINESS_ROLES, PERMISSIONS, Action
    from domain.disposition import IT_ROLES, MIN_SUPERVISORS
    from dossier_verify import destruction

    steps = {
        "propose": Action.PROPOSE_DESTRUCTION,
        "approve": Action.APPROVE_DESTRUCTION,
        "compliance_approve": Action.COMPLIANCE_APPROVE_DESTRUCTION,
        "execute": Action.EXECUTE_DESTRUCTION,
    }
    assert set(destruction.PERMITTED) == set(steps)
    for step, action in steps.items():
        assert destruction.PERMITTED[step] == {r.value for r in PERMISSIONS[action]}
    assert {r.value for r in BUSINESS_ROLES} == destruction.BUSINESS_ROLES
    assert {r.value for r in IT_ROLES} == destruction.IT_ROLES
    assert destruction.MIN_SUPERVISORS == MIN_SUPERVISORS


def test_the_key_statements_are_read_as_the_archive_reads_them() -> None:
    """The verifier's copy of the key statements' signed bytes and of following a chain
    (dossier_verify/keys.py) believes the keys the archive's KeyTrust believes, up to the same
    tree sizes: a rotation, a rotation of the new key, and a revocation of the first."""
    from dossier_verify import keys
    from dossier_verify.report import Problems
    from storage import statements
    from storage.signing import Signer

    assert keys.SIGNED_HEADER == statements.SIGNED_HEADER
    assert keys.STATEMENT_FORMAT == statements.STATEMENT_FORMAT
    first, second, third, outsider = (Signer.generate() for _ in range(4))
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    chain = [
        statements.rotation(first, second, origin="o", tree_size=10, moment=moment),
        statements.rotation(second, third, origin="o", tree_size=20, moment=moment),
        statements.revocation(
            third, first.key_id, None, reason="r", origin="o", tree_size=5, moment=moment
        ),
        statements.rotation(outsider, Signer.generate(), origin="o", tree_size=30, moment=moment),
    ]
    archive = statements.KeyTrust([first.public_key], chain)
    problems = Problems()
    offline = keys.extend([first.public_key.raw], [s.to_json() for s in chain], problems)

    assert problems.found == []
    believed = {k: (s.key.raw, s.until) for k, s in archive.keys.items()}
    assert believed == {k: (s.key, s.until) for k, s in offline.items()}
    assert believed[first.key_id][1] == 5
    assert believed[second.key_id][1] == 20
    assert believed[third.key_id][1] is None
