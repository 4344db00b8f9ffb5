"""RFC 9162 Merkle tree: published test vectors, a reference implementation, and properties.

The known-answer vectors are the RFC 6962 ones shared by the public certificate-transparency code:

* google/certificate-transparency, ``cpp/merkletree/merkle_tree_test.cc`` — ``kInputs``,
  ``kSHA256EmptyTreeHash``, ``kSHA256Roots``, ``kSHA256Paths`` (leaf numbers there are 1-based) and
  ``kSHA256Proofs``;
* transparency-dev/merkle, ``testonly/constants.go`` — ``LeafInputs``, ``NodeHashes``,
  ``RootHashes``, ``CompactTrees``; and ``proof/verify_test.go`` — ``inclusionProofs`` (1-based
  too), ``consistencyProofs`` (which adds 6 → 7) and the corruption probes copied below.

Every constant is also recomputed here by ``_mth``/``_path``/``_subproof``, a direct transcription
of the RFC's recursive definitions written independently of ``storage.merkle``, so a mistyped
constant and a wrong implementation would both be caught.
"""

from __future__ import annotations

import hashlib
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    HashSizeError,
    MerkleFrontier,
    ProofError,
    TreeRangeError,
    check_consistency,
    check_inclusion,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)

# --- the RFC's definitions, transcribed (RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1) ---


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _mth(d: list[bytes]) -> bytes:
    if not d:
        return _sha256(b"")
    if len(d) == 1:
        return _sha256(b"\x00" + d[0])
    k = _k(len(d))
    return _sha256(b"\x01" + _mth(d[:k]) + _mth(d[k:]))


def _path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*_path(m, d[:k]), _mth(d[k:])]
    return [*_path(m - k, d[k:]), _mth(d[:k])]


def _subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [_mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*_subproof(m, d[:k], b), _mth(d[k:])]
    return [*_subproof(m - k, d[k:], False), _mth(d[:k])]


def _inclusion_shape(m: int, n: int) -> tuple[bool, ...]:
    """Root-to-leaf turns (True = right) of leaf m in a tree of n: all a verifier sees of them."""
    turns = []
    while n > 1:
        k = _k(n)
        turns.append(m >= k)
        m, n = (m - k, n - k) if m >= k else (m, k)
    return tuple(turns)


def _consistency_shape(m: int, n: int) -> tuple[tuple[bool, ...], bool]:
    """The turns of SUBPROOF(m, D[n], true) and whether it ends on the old root itself."""
    turns, whole = [], True
    while m != n:
        k = _k(n)
        turns.append(m > k)
        if m > k:
            m, n, whole = m - k, n - k, False
        else:
            n = k
    return tuple(turns), whole


# --- published vectors ---

H = bytes.fromhex
EMPTY_TREE_HASH = H("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
INPUTS = [
    H(""),
    H("00"),
    H("10"),
    H("2021"),
    H("3031"),
    H("40414243"),
    H("5051525354555657"),
    H("606162636465666768696a6b6c6d6e6f"),
]
# Roots of the trees of the first 1 … 8 inputs (kSHA256Roots; RootHashes()[1:]).
ROOTS = [
    H("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    H("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    H("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    H("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    H("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    H("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    H("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]
# NodeHashes(): complete subtrees of the 8-leaf tree, by level (0 = leaves), left to right.
NODE_HASHES = [
    [
        H("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        H("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        H("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        H("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        H("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        H("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        H("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [H("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]
NH = NODE_HASHES
# CompactTrees(): the frontier of each tree of 0 … 8 inputs, largest subtree first.
COMPACT_TREES = [
    [],
    [NH[0][0]],
    [NH[1][0]],
    [NH[1][0], NH[0][2]],
    [NH[2][0]],
    [NH[2][0], NH[0][4]],
    [NH[2][0], NH[1][2]],
    [NH[2][0], NH[1][2], NH[0][6]],
    [NH[3][0]],
]
# (leaf index, tree size, audit path): kSHA256Paths / inclusionProofs, leaf numbers made 0-based.
INCLUSION_VECTORS = [
    (0, 1, []),
    (
        0,
        8,
        [
            H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [H("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            H("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]
# (old size, new size, proof): kSHA256Proofs / consistencyProofs.
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        [
            H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            H("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]
SOME_HASH = H("abacaba000000000000000000000000000000000000000000060061e00123456")
LEAVES = [leaf_hash(d) for d in INPUTS]


def _root(size: int) -> bytes:
    return EMPTY_TREE_HASH if size == 0 else ROOTS[size - 1]


def test_published_vectors_agree_with_the_rfc_definitions() -> None:
    assert _sha256(b"") == EMPTY_TREE_HASH
    for n in range(1, 9):
        assert _mth(INPUTS[:n]) == ROOTS[n - 1]
    for level, hashes in enumerate(NODE_HASHES):
        width = 1 << level
        for i, expected in enumerate(hashes):
            assert _mth(INPUTS[i * width : (i + 1) * width]) == expected
    for index, size, path in INCLUSION_VECTORS:
        assert _path(index, INPUTS[:size]) == path
    for old, new, proof in CONSISTENCY_VECTORS:
        expected = [] if old == new else _subproof(old, INPUTS[:new], True)
        assert expected == proof


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    assert leaf_hash(b"") == NODE_HASHES[0][0]
    assert leaf_hash(b"") == _sha256(b"\x00")
    assert node_hash(LEAVES[0], LEAVES[1]) == NODE_HASHES[1][0]
    assert node_hash(LEAVES[0], LEAVES[1]) != leaf_hash(LEAVES[0] + LEAVES[1])


def test_roots_of_the_published_tree() -> None:
    assert EMPTY_ROOT == EMPTY_TREE_HASH
    assert root_hash([]) == EMPTY_TREE_HASH
    for n in range(1, 9):
        assert root_hash(LEAVES[:n]) == ROOTS[n - 1]


def test_frontier_matches_the_published_compact_trees() -> None:
    frontier = MerkleFrontier()
    assert frontier.nodes == ()
    assert frontier.root() == EMPTY_TREE_HASH
    for n, leaf in enumerate(LEAVES, start=1):
        frontier.append(leaf)
        assert frontier.size == n
        assert list(frontier.nodes) == COMPACT_TREES[n]
        assert frontier.root() == ROOTS[n - 1]


def test_subtree_hashes_of_the_published_tree() -> None:
    for level, hashes in enumerate(NODE_HASHES):
        width = 1 << level
        for i, expected in enumerate(hashes):
            assert subtree_hash(i * width, (i + 1) * width, LEAVES.__getitem__) == expected
    assert subtree_hash(3, 3, LEAVES.__getitem__) == EMPTY_TREE_HASH


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION_VECTORS)
def test_published_inclusion_proofs(index: int, size: int, path: list[bytes]) -> None:
    root, leaf = ROOTS[size - 1], LEAVES[index]
    assert inclusion_proof(index, size, LEAVES.__getitem__) == path
    assert verify_inclusion(leaf, index, size, path, root)

    # The corruption probes of transparency-dev/merkle proof/verify_test.go.
    probes = [
        (leaf, index - 1, size, path, root),
        (leaf, index + 1, size, path, root),
        (leaf, index ^ 2, size, path, root),
        (leaf, index, size * 2, path, root),
        (leaf, index, size // 2, path, root),
        (b"WrongLeaf", index, size, path, root),
        (leaf, index, size, path, EMPTY_TREE_HASH),
        (leaf, index, size, path, SOME_HASH),
        (leaf, index, size, [*path, b""], root),
        (leaf, index, size, [*path, root], root),
        (leaf, index, size, [b"", *path], root),
        (leaf, index, size, [root, *path], root),
    ]
    for i in range(len(path)):
        flipped = bytes([path[i][0] ^ 8]) + path[i][1:]
        probes.append((leaf, index, size, [*path[:i], flipped, *path[i + 1 :]], root))
    if path:
        probes.append((leaf, index, size, path[:-1], root))
    if len(path) > 1:
        probes.append((leaf, index, size, [path[0], SOME_HASH, *path[1:]], root))
    for probe in probes:
        assert not verify_inclusion(*probe), probe


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_published_consistency_proofs(old: int, new: int, proof: list[bytes]) -> None:
    old_root, new_root = ROOTS[old - 1], ROOTS[new - 1]
    assert consistency_proof(old, new, LEAVES.__getitem__) == proof
    assert verify_consistency(old, new, old_root, new_root, proof)
    if not proof:
        return

    wrong_root = b"WrongRoot"
    probes = [
        (old - 1, new, old_root, new_root, proof),
        (old + 1, new, old_root, new_root, proof),
        (old ^ 2, new, old_root, new_root, proof),
        (old, new * 2, old_root, new_root, proof),
        (old, new // 2, old_root, new_root, proof),
        (old, new, wrong_root, new_root, proof),
        (old, new, old_root, wrong_root, proof),
        (old, new, new_root, old_root, proof),
        (old, new, old_root, new_root, []),
        (old, new, old_root, new_root, [*proof, b""]),
        (old, new, old_root, new_root, [*proof, old_root]),
        (old, new, old_root, new_root, [*proof, new_root]),
        (old, new, old_root, new_root, [b"", *proof]),
        (old, new, old_root, new_root, [old_root, *proof]),
        (old, new, old_root, new_root, [new_root, *proof]),
        (old, new, old_root, new_root, [proof[0], *proof]),
        (old, new, old_root, new_root, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = bytes([proof[i][0] ^ 16]) + proof[i][1:]
        probes.append((old, new, old_root, new_root, [*proof[:i], flipped, *proof[i + 1 :]]))
    for probe in probes:
        assert not verify_consistency(*probe), probe


# --- edge cases ---


def test_single_leaf_tree_is_its_own_root_with_an_empty_proof() -> None:
    leaf = leaf_hash(b"data")
    assert root_hash([leaf]) == leaf
    assert inclusion_proof(0, 1, [leaf].__getitem__) == []
    assert verify_inclusion(leaf, 0, 1, [], leaf)
    assert not verify_inclusion(leaf, 0, 1, [], EMPTY_ROOT)
    assert not verify_inclusion(b"", 0, 1, [], leaf)
    assert not verify_inclusion(leaf, 0, 1, [leaf], leaf)


def test_cannot_prove_inclusion_in_an_empty_tree() -> None:
    with pytest.raises(TreeRangeError):
        inclusion_proof(0, 0, LEAVES.__getitem__)
    for index, size in [(0, 0), (1, 0), (2, 1), (-1, 1)]:
        with pytest.raises(ProofError):
            check_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)


@pytest.mark.parametrize(("index", "size"), [(8, 8), (9, 8), (-1, 8), (1, 1)])
def test_cannot_prove_a_leaf_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(TreeRangeError, match="outside a tree"):
        inclusion_proof(index, size, LEAVES.__getitem__)
    assert not verify_inclusion(SOME_HASH, index, size, [], ROOTS[size - 1])


def test_cannot_prove_consistency_with_a_larger_old_tree() -> None:
    with pytest.raises(TreeRangeError, match="larger than new tree size"):
        consistency_proof(5, 3, LEAVES.__getitem__)
    with pytest.raises(TreeRangeError, match="negative"):
        consistency_proof(-1, 3, LEAVES.__getitem__)
    with pytest.raises(ProofError, match="larger than new tree size"):
        check_consistency(5, 3, ROOTS[4], ROOTS[2], [])
    assert not verify_consistency(1, 0, EMPTY_ROOT, EMPTY_ROOT, [])


def test_consistency_of_a_tree_with_itself_needs_no_proof() -> None:
    for n in range(0, 9):
        assert consistency_proof(n, n, LEAVES.__getitem__) == []
        assert verify_consistency(n, n, _root(n), _root(n), [])
        assert not verify_consistency(n, n, _root(n), _root(n), [EMPTY_TREE_HASH])
    assert not verify_consistency(3, 3, ROOTS[2], ROOTS[3], [])
    with pytest.raises(ProofError, match="differ"):
        check_consistency(1, 1, EMPTY_TREE_HASH, SOME_HASH, [])


def test_every_tree_extends_the_empty_tree() -> None:
    assert consistency_proof(0, 8, LEAVES.__getitem__) == []
    assert verify_consistency(0, 8, EMPTY_TREE_HASH, ROOTS[7], [])
    assert not verify_consistency(0, 8, EMPTY_TREE_HASH, ROOTS[7], [EMPTY_TREE_HASH])
    # Stricter than transparency-dev/merkle, which accepts any old root for size 0: the empty
    # tree has exactly one root.
    with pytest.raises(ProofError, match="empty tree"):
        check_consistency(0, 8, SOME_HASH, ROOTS[7], [])


def test_upstream_trivial_consistency_table() -> None:
    # TestVerifyConsistency in transparency-dev/merkle proof/verify_test.go, with its 12-byte
    # "don't care" roots replaced by 32-byte hashes: this module rejects roots of the wrong size.
    root1, root2 = leaf_hash(b"don't care 1"), leaf_hash(b"don't care 2")
    empty, one = [], [EMPTY_TREE_HASH]
    for old, new, r1, r2, proof in [
        (0, 0, root1, root2, empty),
        (1, 1, root1, root2, empty),
        (1, 0, root1, root2, empty),
        (2, 1, root1, root2, empty),
        (1, 2, root1, root2, empty),
        (0, 0, EMPTY_TREE_HASH, root2, empty),
        (1, 1, EMPTY_TREE_HASH, root2, empty),
        (0, 0, EMPTY_TREE_HASH, EMPTY_TREE_HASH, one),
        (0, 1, EMPTY_TREE_HASH, EMPTY_TREE_HASH, one),
        (1, 1, EMPTY_TREE_HASH, EMPTY_TREE_HASH, one),
        (1, 1, b"short", b"short", empty),
    ]:
        assert not verify_consistency(old, new, r1, r2, proof), (old, new)
    for old, new, r1, r2 in [
        (0, 0, EMPTY_TREE_HASH, EMPTY_TREE_HASH),
        (0, 1, EMPTY_TREE_HASH, root2),
        (1, 1, root2, root2),
    ]:
        assert verify_consistency(old, new, r1, r2, empty), (old, new)


def test_proof_errors_say_what_is_wrong() -> None:
    _, size, path = INCLUSION_VECTORS[2]
    with pytest.raises(ProofError, match="has 2 hashes; leaf 5 of a tree of size 8 needs 3") as e:
        check_inclusion(LEAVES[5], 5, size, path[:-1], ROOTS[7])
    assert "needs 3" in e.value.reason
    with pytest.raises(ProofError, match="proof element 1 is 0 bytes"):
        check_inclusion(LEAVES[5], 5, size, [path[0], b"", path[2]], ROOTS[7])
    with pytest.raises(ProofError, match="different root"):
        check_inclusion(LEAVES[4], 5, size, path, ROOTS[7])
    old, new, proof = CONSISTENCY_VECTORS[2]
    with pytest.raises(ProofError, match="different old root"):
        check_consistency(old, new, ROOTS[4], ROOTS[7], proof)
    with pytest.raises(ProofError, match="different new root"):
        check_consistency(old, new, ROOTS[5], ROOTS[6], proof)
    with pytest.raises(ProofError, match="need 3"):
        check_consistency(old, new, ROOTS[5], ROOTS[7], [])


def test_building_refuses_values_that_are_not_hashes() -> None:
    with pytest.raises(HashSizeError):
        MerkleFrontier().append(b"an entry, not its leaf hash")
    with pytest.raises(HashSizeError):
        inclusion_proof(0, 2, [LEAVES[0], b"short"].__getitem__)
    with pytest.raises(HashSizeError):
        inclusion_proof(0, 4, LEAVES.__getitem__, subtree=lambda start, end: b"short")
    with pytest.raises(TreeRangeError):
        subtree_hash(3, 2, LEAVES.__getitem__)
    with pytest.raises(TreeRangeError):
        subtree_hash(-1, 2, LEAVES.__getitem__)


def test_frontier_resumes_from_its_saved_state() -> None:
    saved = MerkleFrontier()
    saved.extend(LEAVES[:5])
    resumed = MerkleFrontier(saved.size, saved.nodes)
    resumed.extend(LEAVES[5:])
    assert resumed.root() == ROOTS[7]
    with pytest.raises(TreeRangeError, match="frontier nodes"):
        MerkleFrontier(6, [NH[2][0]])
    with pytest.raises(TreeRangeError):
        MerkleFrontier(-1, [])
    with pytest.raises(HashSizeError):
        MerkleFrontier(1, [b"short"])


# --- properties over trees of up to 300 leaves ---

MAX_SIZE = 300
ENTRIES = [f"event {i}".encode() for i in range(2 * MAX_SIZE)]
LEAF_HASHES = [leaf_hash(e) for e in ENTRIES]
leaf_at = LEAF_HASHES.__getitem__


@cache
def reference_root(n: int) -> bytes:
    return _mth(ENTRIES[:n])


@st.composite
def leaf_in_tree(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, MAX_SIZE))
    return draw(st.integers(0, size - 1)), size


@st.composite
def tree_sizes(draw: st.DrawFn) -> tuple[int, int]:
    new = draw(st.integers(1, MAX_SIZE))
    return draw(st.integers(1, new)), new


def test_frontier_root_equals_the_reference_for_every_prefix() -> None:
    frontier = MerkleFrontier()
    assert frontier.root() == reference_root(0)
    for n in range(1, MAX_SIZE + 1):
        frontier.append(LEAF_HASHES[n - 1])
        assert frontier.root() == reference_root(n) == root_hash(LEAF_HASHES[:n]), n
        assert len(frontier.nodes) == n.bit_count()


@given(st.lists(st.binary(max_size=40), max_size=70), st.data())
def test_frontier_root_equals_root_hash_for_any_entries(
    entries: list[bytes], data: st.DataObject
) -> None:
    leaves = [leaf_hash(e) for e in entries]
    cut = data.draw(st.integers(0, len(leaves)))
    frontier = MerkleFrontier()
    for n, leaf in enumerate(leaves[:cut], start=1):
        frontier.append(leaf)
        assert frontier.root() == root_hash(leaves[:n])
    frontier = MerkleFrontier(frontier.size, frontier.nodes)
    frontier.extend(leaves[cut:])
    assert frontier.root() == root_hash(leaves) == _mth(entries)


@given(leaf_in_tree())
def test_inclusion_proof_is_the_rfc_path_and_verifies(case: tuple[int, int]) -> None:
    index, size = case
    proof = inclusion_proof(index, size, leaf_at)
    assert proof == _path(index, ENTRIES[:size])
    assert verify_inclusion(LEAF_HASHES[index], index, size, proof, reference_root(size))


@given(leaf_in_tree(), st.data())
def test_altered_inclusion_proof_element_fails(case: tuple[int, int], data: st.DataObject) -> None:
    index, size = case
    proof = inclusion_proof(index, size, leaf_at)
    if not proof:
        return
    i = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 8 * HASH_SIZE - 1))
    altered = bytearray(proof[i])
    altered[bit // 8] ^= 1 << (bit % 8)
    proof[i] = bytes(altered)
    assert not verify_inclusion(LEAF_HASHES[index], index, size, proof, reference_root(size))


@given(leaf_in_tree(), st.data())
def test_inclusion_proof_fails_for_another_leaf_index(
    case: tuple[int, int], data: st.DataObject
) -> None:
    index, size = case
    proof = inclusion_proof(index, size, leaf_at)
    other = data.draw(st.integers(-3, size + 3).filter(lambda i: i != index))
    root = reference_root(size)
    assert not verify_inclusion(LEAF_HASHES[index], other, size, proof, root)
    if 0 <= other < size:
        assert not verify_inclusion(LEAF_HASHES[other], other, size, proof, root)


@given(leaf_in_tree(), st.data())
def test_inclusion_proof_holds_at_another_size_only_along_the_same_path(
    case: tuple[int, int], data: st.DataObject
) -> None:
    # A proof fixes the turns from the root down to the leaf, not the tree size: leaf 0's proof in
    # a tree of 5 also verifies as leaf 0 of 8 (both paths turn left three times). Checkpoints sign
    # the size, so a verifier takes it from there.
    index, size = case
    proof = inclusion_proof(index, size, leaf_at)
    other = data.draw(st.integers(0, 2 * MAX_SIZE).filter(lambda s: s != size))
    same_path = index < other and _inclusion_shape(index, other) == _inclusion_shape(index, size)
    root = reference_root(size)
    assert verify_inclusion(LEAF_HASHES[index], index, other, proof, root) == same_path


def test_an_inclusion_proof_does_not_bind_the_tree_size() -> None:
    proof = inclusion_proof(0, 5, leaf_at)
    assert verify_inclusion(LEAF_HASHES[0], 0, 8, proof, reference_root(5))
    assert not verify_inclusion(LEAF_HASHES[0], 0, 8, proof, reference_root(8))


@given(leaf_in_tree(), st.sampled_from(["truncate", "extend", "prepend", "drop first"]))
def test_inclusion_proof_of_the_wrong_length_fails(case: tuple[int, int], change: str) -> None:
    index, size = case
    proof = inclusion_proof(index, size, leaf_at)
    if not proof and change in ("truncate", "drop first"):
        return
    root = reference_root(size)
    changed = {
        "truncate": proof[:-1],
        "extend": [*proof, root],
        "prepend": [LEAF_HASHES[index], *proof],
        "drop first": proof[1:],
    }[change]
    assert not verify_inclusion(LEAF_HASHES[index], index, size, changed, root)


@given(leaf_in_tree(), st.binary(min_size=HASH_SIZE, max_size=HASH_SIZE))
def test_inclusion_proof_fails_against_a_wrong_root_or_leaf(
    case: tuple[int, int], wrong: bytes
) -> None:
    index, size = case
    proof = inclusion_proof(index, size, leaf_at)
    root = reference_root(size)
    assert not verify_inclusion(LEAF_HASHES[index], index, size, proof, wrong)
    assert not verify_inclusion(wrong, index, size, proof, root)
    assert not verify_inclusion(LEAF_HASHES[index], index, size, proof, reference_root(size + 1))


@given(tree_sizes())
def test_consistency_proof_is_the_rfc_subproof_and_verifies(case: tuple[int, int]) -> None:
    old, new = case
    proof = consistency_proof(old, new, leaf_at)
    assert proof == ([] if old == new else _subproof(old, ENTRIES[:new], True))
    assert verify_consistency(old, new, reference_root(old), reference_root(new), proof)


@given(tree_sizes(), st.data())
def test_altered_consistency_proof_element_fails(
    case: tuple[int, int], data: st.DataObject
) -> None:
    old, new = case
    proof = consistency_proof(old, new, leaf_at)
    if not proof:
        return
    i = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 8 * HASH_SIZE - 1))
    altered = bytearray(proof[i])
    altered[bit // 8] ^= 1 << (bit % 8)
    proof[i] = bytes(altered)
    assert not verify_consistency(old, new, reference_root(old), reference_root(new), proof)


@given(tree_sizes(), st.data())
def test_consistency_proof_holds_at_other_sizes_only_along_the_same_path(
    case: tuple[int, int], data: st.DataObject
) -> None:
    old, new = case
    proof = consistency_proof(old, new, leaf_at)
    other_old = data.draw(st.integers(0, 2 * MAX_SIZE))
    other_new = data.draw(st.integers(0, 2 * MAX_SIZE))
    if (other_old, other_new) == (old, new):
        return
    old_root, new_root = reference_root(old), reference_root(new)
    if old == new:
        # The empty proof of a tree with itself holds for any other equal pair of sizes (the
        # roots are equal), except 0, whose root must be the empty one.
        same_path = other_old == other_new != 0
    else:
        same_path = 0 < other_old < other_new and _consistency_shape(
            other_old, other_new
        ) == _consistency_shape(old, new)
    assert verify_consistency(other_old, other_new, old_root, new_root, proof) == same_path


@given(tree_sizes(), st.sampled_from(["truncate", "extend", "prepend", "drop first"]))
def test_consistency_proof_of_the_wrong_length_fails(case: tuple[int, int], change: str) -> None:
    old, new = case
    proof = consistency_proof(old, new, leaf_at)
    if not proof and change in ("truncate", "drop first"):
        return
    old_root, new_root = reference_root(old), reference_root(new)
    changed = {
        "truncate": proof[:-1],
        "extend": [*proof, new_root],
        "prepend": [old_root, *proof],
        "drop first": proof[1:],
    }[change]
    assert not verify_consistency(old, new, old_root, new_root, changed)


@given(tree_sizes(), st.binary(min_size=HASH_SIZE, max_size=HASH_SIZE))
def test_consistency_proof_fails_against_a_wrong_root(case: tuple[int, int], wrong: bytes) -> None:
    old, new = case
    proof = consistency_proof(old, new, leaf_at)
    old_root, new_root = reference_root(old), reference_root(new)
    assert not verify_consistency(old, new, wrong, new_root, proof)
    assert not verify_consistency(old, new, old_root, wrong, proof)
    if old != new:
        assert not verify_consistency(old, new, new_root, old_root, proof)


@given(tree_sizes(), leaf_in_tree())
def test_proofs_from_a_subtree_store_match_and_ask_only_for_tree_nodes(
    sizes: tuple[int, int], leaf_case: tuple[int, int]
) -> None:
    asked: list[tuple[int, int, int]] = []

    def stored(start: int, end: int, *, tree_size: int) -> bytes:
        asked.append((start, end, tree_size))
        return subtree_hash(start, end, leaf_at)

    old, new = sizes
    index, size = leaf_case
    assert consistency_proof(
        old, new, leaf_at, subtree=lambda s, e: stored(s, e, tree_size=new)
    ) == consistency_proof(old, new, leaf_at)
    assert inclusion_proof(
        index, size, leaf_at, subtree=lambda s, e: stored(s, e, tree_size=size)
    ) == inclusion_proof(index, size, leaf_at)
    for start, end, tree_size in asked:
        width = end - start
        complete = width & (width - 1) == 0 and start % width == 0
        assert width > 1
        assert complete or end == tree_size, (start, end, tree_size)
