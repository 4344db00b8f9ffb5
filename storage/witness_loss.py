"""A lost witness range, and its signed acknowledgement (见证副本缺失确认).

The integrity store records every checkpoint the witness acknowledged keeping
(``integrity_witnessed``); a witness that no longer holds one of them — emptied, cut short,
deleted, or replaced by a restore from a backup — fails ``dossier verify`` (``witness_lost``)
until someone the rules allow records a statement, signed with the archive's checkpoint key,
naming exactly what was lost (``acknowledge_witness_loss``). ``dossier verify`` then names the
statement, who recorded it and why, as a notice; a loss beyond what a statement names still
fails. ``dossier witness acknowledge-loss`` calls it; so can a restore that puts the stores back
behind the last published checkpoint, passing the checkpoints it knows are lost (``lost=``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.checkpoints import Checkpoint
from storage.integrity_store import IntegrityStore
from storage.signing import Signer
from storage.statements import WITNESS_LOSS, SignedStatement, sign_statement, witness_losses
from storage.witness import FileWitness, S3Witness, Witness, WitnessError


class NothingLostError(Exception):
    """Raised when there is no lost witness range left to acknowledge."""


@dataclass(frozen=True)
class LostCheckpoint:
    """A checkpoint the witness acknowledged keeping and no longer holds."""

    tree_size: int
    checkpoint: Checkpoint | None
    """The checkpoint table's copy (None if the table no longer holds it either)."""

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"tree_size": self.tree_size}
        if self.checkpoint is not None:
            entry["root_hash"] = base64.b64encode(self.checkpoint.root_hash).decode("ascii")
            entry["key_id"] = self.checkpoint.key_id
        return entry


@dataclass(frozen=True)
class WitnessLoss:
    """What the witness lost: the checkpoints, and the witness before and after."""

    lost: list[LostCheckpoint]
    before: dict[str, Any]
    """What the integrity store says the witness held: how many checkpoints, the latest."""
    after: dict[str, Any]
    """What it holds now: how many checkpoints, the latest, and (a file) its length in lines
    and bytes and the SHA-256 of its last line, the head of its hash chain."""

    @property
    def sizes(self) -> list[int]:
        return [lost.tree_size for lost in self.lost]


def witness_state(witness: Witness, held: Sequence[Checkpoint]) -> dict[str, Any]:
    """What the witness holds now, as a statement names it."""
    state: dict[str, Any] = {
        "kind": "file"
        if isinstance(witness, FileWitness)
        else "s3"
        if isinstance(witness, S3Witness)
        else type(witness).__name__,
        "checkpoints": len(held),
        "latest_tree_size": max((c.tree_size for c in held), default=None),
    }
    if isinstance(witness, FileWitness):
        try:
            content = witness.path.read_bytes()
        except FileNotFoundError:
            content = b""
        except OSError as error:
            raise WitnessError(f"cannot read {witness.path}: {error}") from None
        complete = content[: content.rfind(b"\n") + 1]
        lines = complete.splitlines()
        state["lines"] = len(lines)
        state["bytes"] = len(complete)
        state["head"] = hashlib.sha256(lines[-1]).hexdigest() if lines else None
    return state


def witness_loss(store: IntegrityStore, witness: Witness) -> WitnessLoss:
    """The checkpoints the witness acknowledged keeping that it no longer holds and that no
    statement recorded so far names; WitnessError if the witness cannot be read."""
    held = witness.read()
    witnessed = store.witnessed()
    table = {c.tree_size: c for c in store.checkpoints()}
    named = witness_losses(store.statements([WITNESS_LOSS]))
    present = {c.tree_size for c in held}
    lost = [
        LostCheckpoint(size, table.get(size))
        for size in witnessed
        if size not in present and size not in named
    ]
    latest = max(witnessed, default=None)
    before: dict[str, Any] = {"checkpoints": len(witnessed), "latest_tree_size": latest}
    if latest is not None and latest in table:
        before["latest_root_hash"] = base64.b64encode(table[latest].root_hash).decode("ascii")
    return WitnessLoss(lost, before, witness_state(witness, held))


def acknowledge_witness_loss(
    store: IntegrityStore,
    witness: Witness,
    signer: Signer,
    *,
    origin: str,
    reason: str,
    recorded_by: Mapping[str, Any],
    approved_by: Mapping[str, Any] | None,
    moment: datetime,
    lost: Sequence[Checkpoint] | None = None,
) -> SignedStatement:
    """Sign and record the statement that the witness lost what ``witness_loss`` finds (or, for
    a restore, the checkpoints ``lost``); NothingLostError when there is nothing to name."""
    loss = witness_loss(store, witness)
    found = loss.lost if lost is None else [LostCheckpoint(c.tree_size, c) for c in lost]
    if not found:
        raise NothingLostError(
            "the witness holds every checkpoint it acknowledged keeping, or a statement "
            "already names each one lost: there is nothing to acknowledge"
        )
    latest = store.latest_checkpoint()
    statement = sign_statement(
        signer,
        WITNESS_LOSS,
        {
            "lost": [entry.entry() for entry in found],
            "witness": {"before": loss.before, "after": loss.after},
            "reason": reason,
            "recorded_by": dict(recorded_by),
            "approved_by": None if approved_by is None else dict(approved_by),
        },
        origin=origin,
        tree_size=0 if latest is None else latest.tree_size,
        moment=moment,
    )
    return store.add_statement(statement, moment)
