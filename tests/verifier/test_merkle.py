"""The verifier's own RFC 9162 inclusion check against the sealer's proofs (``storage.merkle``).

The two implementations are independent on purpose; here they must agree: every proof the
sealer makes verifies, and any change to the leaf, index, size, path or root is refused.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier_verify import merkle
from storage import merkle as sealer


def _leaves(n: int) -> list[bytes]:
    return [sealer.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_the_hashes_are_rfc_9162s() -> None:
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert (
        merkle.node_hash(b"L" * 32, b"R" * 32)
        == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    )


@given(st.data())
def test_every_proof_the_sealer_makes_verifies_and_no_altered_one_does(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=70), label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    leaves = _leaves(size)
    root = sealer.root_hash(leaves)
    path = sealer.inclusion_proof(index, size, leaves.__getitem__)

    assert merkle.root_from_inclusion_proof(leaves[index], index, size, path) == root
    assert merkle.verify_inclusion(leaves[index], index, size, path, root)

    for position in range(len(path)):
        altered = list(path)
        altered[position] = bytes([path[position][0] ^ 1]) + path[position][1:]
        assert not merkle.verify_inclusion(leaves[index], index, size, altered, root)
    assert not merkle.verify_inclusion(leaves[index], index, size, [*path, root], root)
    if path:
        assert not merkle.verify_inclusion(leaves[index], index, size, path[:-1], root)
    other = (index + 1) % size
    if other != index:
        assert not merkle.verify_inclusion(leaves[other], index, size, path, root)
        assert not merkle.verify_inclusion(leaves[index], other, size, path, root)
    assert not merkle.verify_inclusion(
        leaves[index], index, size, path, hashlib.sha256(root).digest()
    )


@given(size=st.integers(min_value=2, max_value=70), grow=st.integers(min_value=1, max_value=40))
def test_a_proof_binds_the_tree_it_was_made_for(size: int, grow: int) -> None:
    leaves = _leaves(size + grow)
    small_root = sealer.root_hash(leaves[:size])
    index = size - 1
    path = sealer.inclusion_proof(index, size, leaves.__getitem__)
    big_root = sealer.root_hash(leaves)
    assert not merkle.verify_inclusion(leaves[index], index, size + grow, path, big_root)
    assert not merkle.verify_inclusion(leaves[index], index, size + grow, path, small_root)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (5, 5), (-1, 3), (7, 3)])
def test_an_index_outside_the_tree_is_refused(index: int, size: int) -> None:
    with pytest.raises(merkle.ProofError, match="not in a tree"):
        merkle.check_inclusion(b"x" * 32, index, size, [], b"x" * 32)


def test_elements_that_are_not_hashes_are_refused() -> None:
    leaves = _leaves(4)
    path = sealer.inclusion_proof(1, 4, leaves.__getitem__)
    with pytest.raises(merkle.ProofError, match="element 1"):
        merkle.check_inclusion(leaves[1], 1, 4, [path[0], path[1][:31]], sealer.root_hash(leaves))
    with pytest.raises(merkle.ProofError, match="leaf hash"):
        merkle.check_inclusion(b"short", 1, 4, path, sealer.root_hash(leaves))


def test_a_single_leaf_tree_needs_an_empty_path() -> None:
    leaf = _leaves(1)[0]
    assert merkle.verify_inclusion(leaf, 0, 1, [], leaf)
    assert not merkle.verify_inclusion(leaf, 0, 1, [leaf], merkle.node_hash(leaf, leaf))
