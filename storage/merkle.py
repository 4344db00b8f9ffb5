"""RFC 9162 Merkle tree hashing (the tree of RFC 6962): roots, inclusion and consistency proofs.

Pure functions over SHA-256 hashes; nothing here touches the database or the rest of the project.
The sealer, the integrity store and ``dossier verify`` use it. The standalone audit-bundle
verifier does not: ``dossier_verify/merkle.py`` is a separate implementation on purpose (a verifier
sharing this code would repeat its mistakes), held to this one by ``tests/verifier/test_merkle.py``.

Hashing (RFC 9162 §2.1.1)::

    leaf_hash(d)     = SHA-256(0x00 ‖ d)
    node_hash(l, r)  = SHA-256(0x01 ‖ l ‖ r)
    MTH({})          = SHA-256("")
    MTH(D[n])        = node_hash(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n

Everything that takes "leaf hashes" takes the 32-byte ``leaf_hash`` of each entry, never the entry
itself: ``root_hash(map(leaf_hash, entries))``.

Building: ``MerkleFrontier`` keeps one hash per set bit of the tree size (at most 64), so the root
of any number of streamed leaves is computed in O(log n) memory; its state can be saved and resumed.

Proving: ``inclusion_proof`` and ``consistency_proof`` need the hashes of some subtrees. By default
they compute each one from ``leaf(i)`` (about ``tree_size`` leaf reads per proof). A caller holding
stored subtree hashes passes ``subtree=`` instead; see ``SubtreeHashes`` for which ranges it is
asked for, and why a cache of complete subtrees never goes stale.

Verifying: ``check_inclusion`` and ``check_consistency`` return nothing when the proof holds and
raise ``ProofError`` with the reason when it does not, whatever is wrong (an index outside the
tree, a proof too short or too long, an element that is not 32 bytes, a root that does not match).
``verify_inclusion`` and ``verify_consistency`` are the same checks answering ``True``/``False``.
A proof binds the leaf's position in the tree, not the tree size: a verifier must take the size
from the signed checkpoint it trusts, never from the proof's own envelope.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
"""Bytes in every hash this module takes or returns (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root hash of the empty tree, MTH({}) = SHA-256 of the empty string."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

LeafHashes = Callable[[int], bytes]
"""``leaf(i)``: the leaf hash at index ``i`` (0-based), e.g. ``stored_hashes.__getitem__``."""

SubtreeHashes = Callable[[int, int], bytes]
"""``subtree(start, end)``: MTH of the leaves ``start`` … ``end - 1``.

The proof functions call it only with ranges that are nodes of the tree being proved (of size
``tree_size``, or ``new_size`` for consistency): either a complete subtree (``end - start`` a power
of two and ``start`` a multiple of it), or a subtree on the right edge (``end`` equal to the tree
size). A complete subtree's hash never changes as the log grows, so a store of complete-subtree
hashes (e.g. every 256-leaf tile) can answer those forever and fall back to ``subtree_hash`` for the
right-edge ones.
"""


class MerkleError(Exception):
    """Raised when a Merkle tree operation cannot be carried out."""


class TreeRangeError(MerkleError, ValueError):
    """Raised when a leaf index, leaf range or tree size to build from lies outside the tree."""


class HashSizeError(MerkleError, ValueError):
    """Raised when a value handed in as a hash to build from is not 32 bytes."""


class ProofError(MerkleError):
    """Raised when a proof does not prove what it is offered for; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf entry: SHA-256(0x00 ‖ data)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node from its children's hashes: SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (n ≥ 2): the RFC's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _ensure_hash(value: bytes, what: str) -> bytes:
    if len(value) != HASH_SIZE:
        raise HashSizeError(f"{what} is {len(value)} bytes, not a {HASH_SIZE}-byte hash")
    return value


class MerkleFrontier:
    """The right edge of a growing tree: enough to extend it and to compute its root.

    It holds the roots of the complete subtrees the tree decomposes into, largest first — one per
    set bit of ``size`` — so memory stays O(log n) however many leaves are appended. ``nodes`` and
    ``MerkleFrontier(size, nodes)`` save and resume that state, so a sealer need not re-read the
    log after a restart.
    """

    __slots__ = ("_nodes", "_size")

    def __init__(self, size: int = 0, nodes: Iterable[bytes] = ()) -> None:
        nodes = tuple(nodes)
        if size < 0:
            raise TreeRangeError(f"tree size {size} is negative")
        if len(nodes) != size.bit_count():
            raise TreeRangeError(
                f"a tree of size {size} has {size.bit_count()} frontier nodes, not {len(nodes)}"
            )
        for i, node in enumerate(nodes):
            _ensure_hash(node, f"frontier node {i}")
        self._size = size
        self._nodes = list(nodes)

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    @property
    def nodes(self) -> tuple[bytes, ...]:
        """The complete-subtree roots, largest first; with ``size``, the whole state."""
        return tuple(self._nodes)

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash (a ``leaf_hash``, not the entry) to the right of the tree."""
        node = _ensure_hash(leaf, "leaf hash")
        # Each trailing set bit of the old size is a complete subtree of the new leaf's size:
        # merge with it, as carrying in binary addition.
        carry = self._size
        while carry & 1:
            node = node_hash(self._nodes.pop(), node)
            carry >>= 1
        self._nodes.append(node)
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append each leaf hash in order."""
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """The root hash of the tree of ``size`` leaves; ``EMPTY_ROOT`` when there are none."""
        if not self._nodes:
            return EMPTY_ROOT
        # The RFC's split puts the largest complete subtree on the left at every level, so the
        # root folds the decomposition from the smallest (rightmost) subtree up.
        root = self._nodes[-1]
        for node in reversed(self._nodes[:-1]):
            root = node_hash(node, root)
        return root

    def __repr__(self) -> str:
        return f"MerkleFrontier(size={self._size})"


def root_hash(leaves: Iterable[bytes]) -> bytes:
    """MTH of a sequence of leaf hashes, streamed: O(log n) memory, whatever its length."""
    frontier = MerkleFrontier()
    frontier.extend(leaves)
    return frontier.root()


def subtree_hash(start: int, end: int, leaf: LeafHashes) -> bytes:
    """MTH of the leaves ``start`` … ``end - 1``, read one by one through ``leaf``.

    Reads ``end - start`` leaves in O(log n) memory; the empty range gives ``EMPTY_ROOT``.
    """
    if not 0 <= start <= end:
        raise TreeRangeError(f"leaf range [{start}, {end}) is not a range of leaf indices")
    return root_hash(leaf(i) for i in range(start, end))


def _subtree_source(leaf: LeafHashes, subtree: SubtreeHashes | None) -> SubtreeHashes:
    def node(start: int, end: int) -> bytes:
        if end - start == 1:
            value = leaf(start)
        elif subtree is not None:
            value = subtree(start, end)
        else:
            value = subtree_hash(start, end, leaf)
        return _ensure_hash(value, f"hash of leaves [{start}, {end})")

    return node


def inclusion_proof(
    leaf_index: int,
    tree_size: int,
    leaf: LeafHashes,
    *,
    subtree: SubtreeHashes | None = None,
) -> list[bytes]:
    """The audit path PATH(m, D[n]) of RFC 9162 §2.1.3.1 for leaf ``leaf_index`` of ``tree_size``.

    Ordered from the leaf's sibling up to the child of the root; empty for a tree of one leaf.
    ``leaf`` gives leaf hashes; ``subtree``, when given, gives the hashes of larger subtrees.
    """
    if tree_size < 1:
        raise TreeRangeError(f"a tree of size {tree_size} has no leaves to prove")
    if not 0 <= leaf_index < tree_size:
        raise TreeRangeError(f"leaf index {leaf_index} is outside a tree of size {tree_size}")
    node = _subtree_source(leaf, subtree)
    # Walk down from the root (D[start:end] holds the leaf), collecting each sibling; the RFC
    # lists them bottom-up.
    path: list[bytes] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = _split(end - start)
        if leaf_index < start + k:
            path.append(node(start + k, end))
            end = start + k
        else:
            path.append(node(start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(
    old_size: int,
    new_size: int,
    leaf: LeafHashes,
    *,
    subtree: SubtreeHashes | None = None,
) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1: the tree of ``new_size`` extends that of ``old_size``.

    Empty when ``old_size`` is 0 or equals ``new_size`` (nothing to prove). ``leaf`` and ``subtree``
    are read over the new tree, as for ``inclusion_proof``.
    """
    if old_size < 0:
        raise TreeRangeError(f"old tree size {old_size} is negative")
    if old_size > new_size:
        raise TreeRangeError(f"old tree size {old_size} is larger than new tree size {new_size}")
    if old_size in (0, new_size):
        return []
    node = _subtree_source(leaf, subtree)
    # SUBPROOF(m, D[start:end], whole) unrolled: `whole` stays true while D[start:end] is a left
    # prefix of the new tree, whose root the verifier already has as the old root.
    path: list[bytes] = []
    start, end, whole = 0, new_size, True
    while old_size - start != end - start:
        k = _split(end - start)
        if old_size - start <= k:
            path.append(node(start + k, end))
            end = start + k
        else:
            path.append(node(start, start + k))
            start += k
            whole = False
    if not whole:
        path.append(node(start, end))
    path.reverse()
    return path


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for i, element in enumerate(proof):
        if len(element) != HASH_SIZE:
            raise ProofError(f"proof element {i} is {len(element)} bytes, not {HASH_SIZE}")


def _inclusion_length(leaf_index: int, tree_size: int) -> int:
    # Levels where the path to the last leaf and the path to this leaf part ways, plus the
    # levels on the right edge where this leaf's subtree is a left child.
    inner = (leaf_index ^ (tree_size - 1)).bit_length()
    return inner + (leaf_index >> inner).bit_count()


def check_inclusion(
    leaf_hash: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``proof`` puts ``leaf_hash`` at ``leaf_index`` in the tree of that size and root.

    The algorithm of RFC 9162 §2.1.3.2. Returns nothing if so; raises ``ProofError`` otherwise.
    """
    if not 0 <= leaf_index < tree_size:
        raise ProofError(f"leaf index {leaf_index} is outside a tree of size {tree_size}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofError(f"leaf hash is {len(leaf_hash)} bytes, not {HASH_SIZE}")
    _check_proof_hashes(proof)
    expected = _inclusion_length(leaf_index, tree_size)
    if len(proof) != expected:
        raise ProofError(
            f"proof has {len(proof)} hashes; leaf {leaf_index} of a tree of size {tree_size} "
            f"needs {expected}"
        )
    # RFC 9162 §2.1.3.2 as written. Its own length checks (sn reaching 0 too early or not at all)
    # cannot fire after the exact count above, which is there to give a clearer reason.
    fn, sn, r = leaf_index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the root")
    if r != root:
        raise ProofError("proof leads to a different root hash")


def verify_inclusion(
    leaf_hash: bytes, leaf_index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``check_inclusion`` accepts the arguments: ``False`` where it would raise."""
    try:
        check_inclusion(leaf_hash, leaf_index, tree_size, proof, root)
    except ProofError:
        return False
    return True


def _consistency_length(old_size: int, new_size: int) -> int:
    # The inclusion path of the old tree's last leaf, minus the levels inside the old tree's
    # last complete subtree, plus that subtree's own hash unless it is the whole old tree.
    shift = (old_size & -old_size).bit_length() - 1
    length = _inclusion_length(old_size - 1, new_size) - shift
    return length if old_size == 1 << shift else length + 1


def check_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that ``proof`` shows the new tree (size and root) extends the old one.

    The algorithm of RFC 9162 §2.1.4.2 for 0 < old_size < new_size. Equal sizes need an empty proof
    and equal roots; from the empty tree, an empty proof and ``old_root == EMPTY_ROOT``. Returns
    nothing if the proof holds; raises ``ProofError`` otherwise.
    """
    if old_size < 0:
        raise ProofError(f"old tree size {old_size} is negative")
    if old_size > new_size:
        raise ProofError(f"old tree size {old_size} is larger than new tree size {new_size}")
    for what, value in (("old root", old_root), ("new root", new_root)):
        if len(value) != HASH_SIZE:
            raise ProofError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")
    _check_proof_hashes(proof)
    if old_size == 0 or old_size == new_size:
        if proof:
            raise ProofError(f"proof for sizes {old_size} → {new_size} must be empty")
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise ProofError("old root is not the root of the empty tree")
        if old_size == new_size and old_root != new_root:
            raise ProofError(f"roots of the same tree size {old_size} differ")
        return
    expected = _consistency_length(old_size, new_size)
    if len(proof) != expected:
        raise ProofError(
            f"proof has {len(proof)} hashes; sizes {old_size} → {new_size} need {expected}"
        )
    # RFC 9162 §2.1.4.2 as written; as for inclusion, its length checks back up the count above.
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("proof is longer than the path to the new root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the new root")
    if fr != old_root:
        raise ProofError("proof leads to a different old root hash")
    if sr != new_root:
        raise ProofError("proof leads to a different new root hash")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``check_consistency`` accepts the arguments: ``False`` where it would raise."""
    try:
        check_consistency(old_size, new_size, old_root, new_root, proof)
    except ProofError:
        return False
    return True
