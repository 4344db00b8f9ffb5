"""Merkle proofs over the stored log (证明), and the stored subtree hashes that keep them cheap.

``InclusionProof`` and ``ConsistencyProof`` are RFC 9162's (§2.1.3, §2.1.4), with the JSON of
``docs/integrity.md``; ``Subtrees`` builds them from the leaf and node tables.

A proof needs the hashes of O(log n) subtrees; hashing each from its leaves would read about
``tree_size`` leaves per proof. So the sealer stores, in the same transaction as the leaves,
the hash of every *complete* subtree of 256 leaves or more: table ``integrity_nodes``, keyed by
``(level, node_index)`` for the leaves ``[node_index·2^level, (node_index+1)·2^level)``, about
n/128 rows (7,800 for a million leaves). A complete subtree never changes as the log grows, so
those rows never go stale.

Any node a proof asks for (``storage.merkle.SubtreeHashes``) is then put together from at most
one stored node per level plus fewer than 256 leaves, read in one range query, at the right
edge: a proof in a tree of a million leaves reads a few dozen rows. A small in-process LRU
keeps the stored nodes recently read, so that a bundle of many proofs against one checkpoint
reads each once. A table was chosen over an LRU alone because an LRU starts cold: the first
proof after every restart would read all the leaves.

Rows missing where the caller's tree size says there must be some raise
``storage.merkle.TreeRangeError``; callers check sizes first, so that means damaged tables.
"""

from __future__ import annotations

import base64
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa

from storage.merkle import (
    TreeRangeError,
    consistency_proof,
    inclusion_proof,
    node_hash,
    root_hash,
)

TILE_LEVEL: Final = 8
"""Complete subtrees of 2**TILE_LEVEL leaves and more are stored."""
TILE_SIZE: Final = 1 << TILE_LEVEL
NODE_CACHE_SIZE: Final = 4096
"""Stored subtree hashes kept in memory (about 0.5 MB)."""


@dataclass(frozen=True)
class InclusionProof:
    """RFC 9162 §2.1.3: the audit path of leaf ``leaf_index`` in the tree of ``tree_size``."""

    leaf_index: int
    tree_size: int
    audit_path: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "tree_size": self.tree_size,
            "audit_path": [_b64(h) for h in self.audit_path],
        }


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 §2.1.4: the tree of ``second`` leaves extends the tree of ``first``."""

    first: int
    second: int
    consistency_path: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "second": self.second,
            "consistency_path": [_b64(h) for h in self.consistency_path],
        }


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


class _NodeCache:
    """A bounded LRU of stored subtree hashes, keyed by (level, node_index)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, int]) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[int, int], value: bytes) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Subtrees:
    """Leaf and subtree hashes read from the leaf and node tables, within a caller's connection."""

    def __init__(self, leaves: sa.Table, nodes: sa.Table, cache_size: int = NODE_CACHE_SIZE):
        self.leaves = leaves
        self.nodes = nodes
        self._cache = _NodeCache(cache_size)

    def forget(self) -> None:
        """Drop the cached nodes (after the tables were rebuilt)."""
        self._cache.clear()

    # ------------------------------------------------------------------------------ writing
    def store_finished(self, conn: sa.Connection, old_size: int, new_size: int) -> None:
        """Store every complete subtree of 256+ leaves that growing the tree finished.

        The leaves up to ``new_size`` must already be in ``conn``.
        """
        for tile in range(old_size // TILE_SIZE, new_size // TILE_SIZE):
            self._store_tile(conn, tile)

    def _store_tile(self, conn: sa.Connection, tile: int) -> None:
        start = tile * TILE_SIZE
        level, index = TILE_LEVEL, tile
        value = root_hash(self.leaf_range(conn, start, start + TILE_SIZE))
        conn.execute(self.nodes.insert().values(level=level, node_index=index, hash=value))
        while index & 1:  # a right child: its left sibling was stored when it was finished
            # Read uncached: a row written in this transaction may yet be rolled back.
            sibling = self.node(conn, level, index - 1, cache=False)
            value = node_hash(sibling, value)
            level, index = level + 1, index >> 1
            conn.execute(self.nodes.insert().values(level=level, node_index=index, hash=value))

    # ------------------------------------------------------------------------------ reading
    def leaf(self, conn: sa.Connection, leaf_index: int) -> bytes:
        found = conn.execute(
            sa.select(self.leaves.c.leaf_hash).where(self.leaves.c.leaf_index == leaf_index)
        ).scalar_one_or_none()
        if found is None:
            raise TreeRangeError(f"there is no leaf {leaf_index}")
        return bytes(found)

    def leaf_range(self, conn: sa.Connection, start: int, end: int) -> list[bytes]:
        rows = conn.execute(
            sa.select(self.leaves.c.leaf_hash)
            .where(self.leaves.c.leaf_index >= start, self.leaves.c.leaf_index < end)
            .order_by(self.leaves.c.leaf_index)
        ).all()
        if len(rows) != end - start:
            raise TreeRangeError(f"leaves {start} to {end - 1} are not all stored")
        return [bytes(row.leaf_hash) for row in rows]

    def node(self, conn: sa.Connection, level: int, index: int, *, cache: bool = True) -> bytes:
        """The stored hash of leaves ``[index·2^level, (index+1)·2^level)``, level >= 8."""
        cached = self._cache.get((level, index)) if cache else None
        if cached is not None:
            return cached
        found = conn.execute(
            sa.select(self.nodes.c.hash).where(
                self.nodes.c.level == level, self.nodes.c.node_index == index
            )
        ).scalar_one_or_none()
        if found is None:
            raise TreeRangeError(f"no stored subtree at level {level}, index {index}")
        value = bytes(found)
        if cache:
            self._cache.put((level, index), value)
        return value

    def hash(self, conn: sa.Connection, start: int, end: int, *, cache: bool = True) -> bytes:
        """MTH of leaves [start, end): stored complete subtrees plus a short run of leaves.

        A node of an RFC 9162 tree starts at a multiple of the smallest power of two that is
        at least its size, so it splits into aligned complete subtrees, one per set bit of its
        size, largest first; those of 256 leaves or more are stored. Any other range is hashed
        from its leaves. ``cache=False`` reads every stored node from the table.
        """
        size = end - start
        if size <= 0:
            return root_hash(())
        capacity = 1 << (size - 1).bit_length()
        if start % capacity or size < TILE_SIZE:
            return root_hash(self.leaf_range(conn, start, end))
        pieces: list[bytes] = []
        position = start
        for level in range(size.bit_length() - 1, TILE_LEVEL - 1, -1):
            if size >> level & 1:
                pieces.append(self.node(conn, level, position >> level, cache=cache))
                position += 1 << level
        if position < end:  # fewer than 256 leaves left, in aligned pieces of their own
            tail = self.leaf_range(conn, position, end)
            offset = 0
            for level in range(TILE_LEVEL - 1, -1, -1):
                if (end - position) >> level & 1:
                    pieces.append(root_hash(tail[offset : offset + (1 << level)]))
                    offset += 1 << level
        # Fold as MerkleFrontier.root does: the largest subtree is leftmost at every level.
        value = pieces[-1]
        for piece in reversed(pieces[:-1]):
            value = node_hash(piece, value)
        return value

    # ------------------------------------------------------------------------------- proofs
    def inclusion(self, conn: sa.Connection, leaf_index: int, tree_size: int) -> InclusionProof:
        """The audit path of leaf ``leaf_index`` in the tree of ``tree_size`` stored leaves."""
        path = inclusion_proof(
            leaf_index,
            tree_size,
            lambda i: self.leaf(conn, i),
            subtree=lambda start, end: self.hash(conn, start, end),
        )
        return InclusionProof(leaf_index, tree_size, tuple(path))

    def consistency(self, conn: sa.Connection, first: int, second: int) -> ConsistencyProof:
        """The proof that the tree of ``second`` stored leaves extends the tree of ``first``."""
        path = consistency_proof(
            first,
            second,
            lambda i: self.leaf(conn, i),
            subtree=lambda start, end: self.hash(conn, start, end),
        )
        return ConsistencyProof(first, second, tuple(path))
