"""RFC 9162 Merkle tree hashing and inclusion-proof verification, written for the verifier alone.

The project's sealer has its own implementation (``storage/merkle.py``). This one is separate on
purpose: a verifier that shared code with what it verifies would repeat that code's mistakes
instead of catching them. It follows the RFC's text directly:

    leaf hash      SHA-256(0x00 ‖ entry)            RFC 9162 §2.1.1
    node hash      SHA-256(0x01 ‖ left ‖ right)     RFC 9162 §2.1.1
    verification   the algorithm of §2.1.3.2
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32


class ProofError(Exception):
    """Raised when an inclusion proof does not lead to the root; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 ‖ entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion_proof(
    leaf: bytes, leaf_index: int, tree_size: int, audit_path: Sequence[bytes]
) -> bytes:
    """The root the audit path leads to from ``leaf`` at ``leaf_index`` in a tree of ``tree_size``.

    RFC 9162 §2.1.3.2 steps 1-4 and the length half of step 5; raises ``ProofError`` when the
    index lies outside the tree, an element is not a hash, or the path is too long or too short.
    """
    if tree_size < 1 or not 0 <= leaf_index < tree_size:
        raise ProofError(f"leaf index {leaf_index} is not in a tree of size {tree_size}")
    if len(leaf) != HASH_SIZE:
        raise ProofError(f"leaf hash is {len(leaf)} bytes, not {HASH_SIZE}")
    fn = leaf_index
    sn = tree_size - 1
    r = leaf
    for position, p in enumerate(audit_path):
        if len(p) != HASH_SIZE:
            raise ProofError(f"audit path element {position} is {len(p)} bytes, not {HASH_SIZE}")
        if sn == 0:
            raise ProofError(f"audit path has more than the {position} hashes it needs")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # A right-edge node whose sibling subtree is missing is promoted unchanged: skip the
            # levels where this node is a left child with no right sibling.
            while fn != 0 and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"audit path of {len(audit_path)} hashes stops short of the root")
    return r


def check_inclusion(
    leaf: bytes, leaf_index: int, tree_size: int, audit_path: Sequence[bytes], root: bytes
) -> None:
    """Check that the audit path proves ``leaf`` at ``leaf_index`` in the tree with ``root``.

    Returns nothing if it does; raises ``ProofError`` with the reason otherwise.
    """
    if root_from_inclusion_proof(leaf, leaf_index, tree_size, audit_path) != root:
        raise ProofError("audit path leads to a different root hash")


def verify_inclusion(
    leaf: bytes, leaf_index: int, tree_size: int, audit_path: Sequence[bytes], root: bytes
) -> bool:
    """``True`` if ``check_inclusion`` accepts, ``False`` if it raises ``ProofError``."""
    try:
        check_inclusion(leaf, leaf_index, tree_size, audit_path, root)
    except ProofError:
        return False
    return True
