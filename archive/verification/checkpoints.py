"""Checkpoints, their keys and their witness, as ``dossier verify`` checks them (checks c and d).

Everything here runs before the walk over the log, on what is small: the checkpoint table, the
key table and the witness's copies. What it cannot decide alone — whether each checkpoint's
root is the root of the stored events at its size — it hands to the walk as ``RootChecks``.

Which keys are believed: only ``trusted`` — the bank's published keys, as configured
(``DOSSIER_TRUSTED_KEYS``), or in development the archive's own signing key ("anchored to the
local key"). Never a key because the key table or the witness holds it: whoever can write both
could otherwise re-sign the whole log with a fresh key. A checkpoint signed by any other key is
a discrepancy naming that key even when its signature holds; with no trusted key at all, the
checkpoints are *unanchored*, a discrepancy too.

Keys rotated or revoked (``storage.statements``): a key is also believed when a chain of
rotation statements, each signed by the key it retires (and cosigned by the next), leads to it
from a trusted key; a key rotated away or revoked signs no checkpoint larger than the tree size
its statement gives. A statement that is not signed by a key believed then, or whose signature
does not hold, is a discrepancy (``statement_key``, ``statement_signature``).

What the witness must hold: every checkpoint the integrity store records as acknowledged by it
(``integrity_witnessed``). A witness emptied, cut short, deleted or unreadable once a
checkpoint was handed to it is a discrepancy naming what is missing — unless a believed,
signed witness-loss statement names the checkpoint (its tree size and root): then a notice
naming the statement, who recorded it and why.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Final

from archive.verification.report import Finding, Findings
from storage.checkpoints import Checkpoint, CheckpointFormatError, format_timestamp
from storage.integrity_store import IntegrityStore, SealError, UnknownKeyError
from storage.merkle import EMPTY_ROOT, MerkleError, MerkleFrontier, check_consistency
from storage.signing import BadSignatureError, PublicKey, SigningKeyError
from storage.statements import KeyTrust, SignedStatement, witness_losses
from storage.witness import Witness, WitnessError


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass
class RootChecks:
    """The roots the walk must find at each tree size, and what it found."""

    expected: dict[int, list[tuple[str, Checkpoint]]] = field(default_factory=dict)
    """Tree size → (where the checkpoint is kept: "table" or "witness", the checkpoint)."""
    checked: int = 0
    held: set[int] = field(default_factory=set)
    """Tree sizes of table checkpoints whose root the stored events reproduce."""

    @property
    def table_sizes(self) -> list[int]:
        return sorted(s for s, kept in self.expected.items() if any(w == "table" for w, _ in kept))

    def expect(self, source: str, checkpoint: Checkpoint) -> None:
        self.expected.setdefault(checkpoint.tree_size, []).append((source, checkpoint))

    @property
    def covered(self) -> int:
        """The largest tree size any checkpoint, kept or witnessed, commits to."""
        return max(self.expected, default=0)

    def at(self, size: int, frontier: MerkleFrontier, findings: Findings) -> None:
        """Compare the root of the first ``size`` stored events with the checkpoints of that size."""
        for source, checkpoint in self.expected.get(size, ()):
            self.checked += 1
            root = frontier.root() if size else EMPTY_ROOT
            if root == checkpoint.root_hash:
                if source == "table":
                    self.held.add(size)
            else:
                findings.add(
                    Finding(
                        "checkpoint_root",
                        f"the {source}'s checkpoint of {size} events is signed over root "
                        f"{b64(checkpoint.root_hash)}, but the first {size} stored events hash "
                        f"to {b64(root)}: an event it covers was altered, removed or inserted",
                        f"{_SOURCE_ZH[source]}中覆盖 {size} 个事件的检查点所签根哈希与现存前 "
                        f"{size} 个事件重新计算的根哈希不符：其覆盖的事件被修改、删除或插入",
                        tree_size=size,
                    )
                )

    def beyond(self, events: int, findings: Findings) -> None:
        """Checkpoints larger than the log that was read: the events they cover are gone."""
        for size in sorted(s for s in self.expected if s > events):
            for source, _checkpoint in self.expected[size]:
                self.checked += 1
                findings.add(
                    Finding(
                        "checkpoint_root",
                        f"the {source}'s checkpoint covers {size} events but the log holds only "
                        f"{events}: sealed events were removed or the events rolled back",
                        f"{_SOURCE_ZH[source]}中的检查点覆盖 {size} 个事件，而事件日志仅存 "
                        f"{events} 个：已封存的事件被删除或数据库被回滚",
                        tree_size=size,
                    )
                )


_SOURCE_ZH = {"table": "检查点表", "witness": "见证副本"}

ANCHOR_CONFIGURED: Final = "configured keys"
"""The trusted keys are the ones configured as the bank's published keys."""
ANCHOR_LOCAL: Final = "local key"
"""The trusted key is the archive's own signing key (development, nothing configured)."""
ANCHOR_NONE: Final = "unanchored"
"""No key is trusted: no checkpoint can be believed."""


def key_name(checkpoint: Checkpoint) -> str:
    """The checkpoint's key as a finding names it: key id, and the note's key hash."""
    if checkpoint.key_hash is None:
        return f"key {checkpoint.key_id}"
    return f"key {checkpoint.key_id} (key hash {checkpoint.key_hash})"


def _statement_size(statement: SignedStatement) -> int | None:
    try:
        return statement.tree_size
    except ValueError:
        return None


def _person(entry: object) -> str:
    """A person a statement names: name and staff number, or id."""
    if not isinstance(entry, dict):
        return ""
    name = entry.get("name") or entry.get("id") or ""
    number = entry.get("staff_no")
    role = entry.get("role")
    shown = f"{name} ({number})" if number else str(name)
    return f"{shown} as {role}" if role else shown


def _sizes(sizes: Sequence[int]) -> str:
    shown = ", ".join(str(size) for size in sizes[:10])
    return shown + (f", … ({len(sizes)} in all)" if len(sizes) > 10 else "")


class CheckpointChecks:
    """Signatures, keys, origin, witness and consistency of the checkpoints (not their roots)."""

    def __init__(
        self,
        store: IntegrityStore,
        findings: Findings,
        *,
        trusted: Iterable[PublicKey] = (),
        anchor: str | None = None,
        origin: str | None = None,
        witness_configured: bool = True,
        statements: Sequence[SignedStatement] = (),
    ) -> None:
        self.store = store
        self.findings = findings
        self.trusted = {key.key_id: key for key in trusted}
        self.anchor = anchor or (ANCHOR_CONFIGURED if self.trusted else ANCHOR_NONE)
        self.trust = KeyTrust(
            list(self.trusted.values()), statements, backwards=self.anchor == ANCHOR_LOCAL
        )
        self.losses_named = witness_losses(self.trust.believed)
        self.lost_acknowledged: set[int] = set()
        self.witness_configured = witness_configured
        self.acknowledged: set[int] = set()
        self.origin = origin
        self._keys: dict[str, PublicKey | None] = {}
        self.doubtful: set[int] = set()
        """Tree sizes of checkpoints with any finding: not to be relied on for anything else."""

    # --------------------------------------------------------------------------- reading
    def read_witness(self, witness: Witness | None) -> list[Checkpoint] | None:
        """The witness's checkpoints; None (and a finding) when there is none or it fails."""
        if witness is None:
            self.findings.notice(
                Finding(
                    "no_witness",
                    "no witness is configured: the checkpoints are only as safe as the database",
                    "未配置见证副本：检查点与数据库同样可被改写",
                )
            )
            return None
        try:
            return witness.read()
        except WitnessError as error:
            self.findings.add(
                Finding(
                    "witness_unreadable",
                    f"the witness's copies of the checkpoints cannot be read: {error}",
                    f"无法读取检查点见证副本：{error}",
                )
            )
            return None

    def key(self, key_id: str) -> PublicKey | None:
        """The key the key table holds under ``key_id`` (None if it holds none)."""
        if key_id not in self._keys:
            try:
                self._keys[key_id] = self.store.public_key(key_id)
            except (UnknownKeyError, SigningKeyError):
                self._keys[key_id] = None
        return self._keys[key_id]

    # --------------------------------------------------------------------------- checking
    def check(
        self, table: Sequence[Checkpoint], witnessed: Sequence[Checkpoint] | None, sealed: int
    ) -> RootChecks:
        """Check everything but the roots; answer the roots the walk must check."""
        roots = RootChecks()
        if not self.trusted and (table or witnessed):
            self.findings.add(
                Finding(
                    "unanchored",
                    "no trusted key is configured (DOSSIER_TRUSTED_KEYS, or dossier_verify "
                    "--trusted-keys): the checkpoints are not anchored to the bank's published "
                    "keys, and whoever can write the database and the witness could have "
                    "re-signed them",
                    "未配置可信公钥（DOSSIER_TRUSTED_KEYS）：检查点未锚定到银行公布的公钥，"
                    "能同时改写数据库与见证副本者即可重新签名",
                )
            )
        for problem in self.trust.problems:
            self.findings.add(
                Finding(
                    problem.check,
                    problem.detail,
                    problem.detail_zh,
                    tree_size=_statement_size(problem.statement),
                )
            )
        for checkpoint in table:
            self._check_one(checkpoint, "table")
            roots.expect("table", checkpoint)
        self._check_lost(table, witnessed)
        if witnessed is not None:
            kept = {c.tree_size: c for c in table}
            for checkpoint in self._compare(table, witnessed):
                # In the witness only: its signature and root are checked all the same.
                self._check_one(checkpoint, "witness")
            for checkpoint in witnessed:
                if kept.get(checkpoint.tree_size) != checkpoint:
                    roots.expect("witness", checkpoint)
        self._check_times(table, witnessed or ())
        self._check_consistency(table, sealed)
        return roots

    def _check_lost(
        self, table: Sequence[Checkpoint], witnessed: Sequence[Checkpoint] | None
    ) -> None:
        """Every checkpoint the witness acknowledged keeping must still be there."""
        self.acknowledged = set(self.store.witnessed())
        if not self.acknowledged:
            return
        if witnessed is None:
            if self.witness_configured:
                return  # unreadable: already a discrepancy
            lost = sorted(self.acknowledged)
            detail = "no witness is configured"
            detail_zh = "未配置见证副本"
        else:
            lost = sorted(self.acknowledged - {c.tree_size for c in witnessed})
            detail = (
                "the witness holds no checkpoint at all (emptied or deleted)"
                if not witnessed
                else f"the witness holds {len(witnessed)} checkpoint(s) (cut short or replaced)"
            )
            detail_zh = (
                "见证副本已无任何检查点（被清空或删除）"
                if not witnessed
                else "见证副本被截短或替换"
            )
        lost = self._acknowledged(lost, table)
        if not lost:
            return
        self._add(
            "witness_lost",
            lost[-1],
            f"{detail}, but {len(lost)} checkpoint(s) it acknowledged keeping are gone from it "
            f"(tree sizes {_sizes(lost)})",
            f"{detail_zh}：其曾确认保存的 {len(lost)} 个检查点已不在其中（树大小 {_sizes(lost)}）",
        )

    def _acknowledged(self, lost: list[int], table: Sequence[Checkpoint]) -> list[int]:
        """The lost tree sizes no believed statement names (with the table's root, when the
        table still holds the checkpoint); a notice for each statement that names some."""
        kept = {c.tree_size: b64(c.root_hash) for c in table}
        by_statement: dict[int, tuple[SignedStatement, list[int]]] = {}
        left = []
        for size in lost:
            match = next(
                (
                    statement
                    for statement, root in self.losses_named.get(size, ())
                    if size not in kept or root == kept[size]
                ),
                None,
            )
            if match is None:
                left.append(size)
                continue
            self.lost_acknowledged.add(size)
            by_statement.setdefault(id(match), (match, []))[1].append(size)
        for statement, sizes in by_statement.values():
            data = statement.fields()
            who = _person(data.get("recorded_by"))
            approved = _person(data.get("approved_by"))
            also = f", approved by {approved}" if approved else ""
            also_zh = f"，经 {approved} 批准" if approved else ""
            reason = str(data.get("reason", ""))
            self.findings.notice(
                Finding(
                    "witness_loss_acknowledged",
                    f"the witness no longer holds {len(sizes)} checkpoint(s) it acknowledged "
                    f"keeping (tree sizes {_sizes(sizes)}); the loss is acknowledged by "
                    f"{statement.describe()}, signed by key {statement.key_id}, recorded by "
                    f"{who}{also} at {data.get('time')}: {reason}",
                    f"见证副本已无其曾确认保存的 {len(sizes)} 个检查点（树大小 {_sizes(sizes)}）；"
                    f"此缺失已由{statement.describe()}确认（密钥 {statement.key_id} 签名，"
                    f"{who} 于 {data.get('time')} 记录{also_zh}）：{reason}",
                    tree_size=sizes[-1],
                )
            )
        return left

    def _check_times(self, table: Sequence[Checkpoint], witnessed: Sequence[Checkpoint]) -> None:
        """Checkpoint times never go backwards as the tree grows."""
        every = {c.tree_size: c for c in witnessed}
        every.update((c.tree_size, c) for c in table)
        ordered = [every[size] for size in sorted(every)]
        for old, new in pairwise(ordered):
            if new.timestamp < old.timestamp:
                self._add(
                    "checkpoint_time",
                    new.tree_size,
                    f"the checkpoint of {new.tree_size} events is dated "
                    f"{format_timestamp(new.timestamp)}, before the checkpoint of "
                    f"{old.tree_size} events ({format_timestamp(old.timestamp)}): checkpoint "
                    "times go backwards",
                    f"树大小 {new.tree_size} 的检查点时间 {format_timestamp(new.timestamp)} 早于"
                    f"树大小 {old.tree_size} 的检查点（{format_timestamp(old.timestamp)}）："
                    "检查点时间倒退",
                )

    def _check_one(self, checkpoint: Checkpoint, source: str) -> None:
        size, key_id, where = checkpoint.tree_size, checkpoint.key_id, _SOURCE_ZH[source]
        if self.origin is not None and checkpoint.origin != self.origin:
            self._add(
                "checkpoint_origin",
                size,
                f"the {source}'s checkpoint of {size} events names log {checkpoint.origin!r}, "
                f"not {self.origin!r}",
                f"{where}中树大小 {size} 的检查点属于日志 {checkpoint.origin!r}，而非 {self.origin!r}",
            )
        standing = self.trust.standing(key_id)
        trusted = None if standing is None else standing.key
        stored = self.key(key_id)
        key = trusted or stored
        if standing is not None and standing.until is not None and size > standing.until:
            self._add(
                "checkpoint_key",
                size,
                f"the {source}'s checkpoint of {size} events is signed by {key_name(checkpoint)}, "
                f"which signs nothing after tree size {standing.until}: it was rotated away or "
                f"revoked by {standing.ended_by}",
                f"{where}中树大小 {size} 的检查点由密钥 {key_id} 签名，而该密钥已于树大小 "
                f"{standing.until} 之后停用（{standing.ended_by}：轮换或吊销）",
            )
        if trusted is None and self.trusted:
            held = "" if stored is not None else "; the key table does not hold it either"
            self._add(
                "checkpoint_key",
                size,
                f"the {source}'s checkpoint of {size} events is signed by {key_name(checkpoint)}, "
                f"which is not among the trusted keys ({self.anchor}){held}",
                f"{where}中树大小 {size} 的检查点由不受信任的密钥 {key_id}"
                f"（密钥哈希 {checkpoint.key_hash or '—'}）签名",
            )
        elif key is None:
            self._add(
                "checkpoint_key",
                size,
                f"the {source}'s checkpoint of {size} events is signed by {key_name(checkpoint)}, "
                "which the key table does not hold",
                f"{where}中树大小 {size} 的检查点由密钥 {key_id} 签名，而密钥表中没有该密钥",
            )
        if key is None:
            return
        try:
            checkpoint.check(key)
        except (BadSignatureError, CheckpointFormatError) as error:
            self._add(
                "checkpoint_signature",
                size,
                f"the {source}'s checkpoint of {size} events does not verify: {error}",
                f"{where}中树大小 {size} 的检查点签名验证失败",
            )

    def _compare(
        self, table: Sequence[Checkpoint], witnessed: Sequence[Checkpoint]
    ) -> list[Checkpoint]:
        """Table against witness, both ways; answer the witnessed checkpoints the table lacks."""
        kept = {c.tree_size: c for c in table}
        seen: dict[int, Checkpoint] = {}
        only_witnessed: list[Checkpoint] = []
        for checkpoint in witnessed:
            size = checkpoint.tree_size
            earlier = seen.setdefault(size, checkpoint)
            if earlier != checkpoint:
                self._add(
                    "witness_mismatch",
                    size,
                    f"the witness holds two different checkpoints of {size} events",
                    f"见证副本中有两个不同的树大小 {size} 的检查点",
                )
                continue
            if earlier is not checkpoint:
                continue
            stored = kept.get(size)
            if stored is None:
                only_witnessed.append(checkpoint)
                self._add(
                    "witness_missing",
                    size,
                    f"the witness holds a checkpoint of {size} events that the checkpoint table "
                    "does not: the table was rolled back or the row deleted",
                    f"见证副本中有树大小 {size} 的检查点，而检查点表中没有：检查点表被回滚或该行被删除",
                )
            elif stored != checkpoint:
                self._add(
                    "witness_mismatch",
                    size,
                    f"the checkpoint of {size} events in the table differs from the witness's "
                    f"copy (table: key {stored.key_id}, root {b64(stored.root_hash)}; witness: "
                    f"key {checkpoint.key_id}, root {b64(checkpoint.root_hash)})",
                    f"检查点表中树大小 {size} 的检查点与见证副本不一致",
                )
        latest_witnessed = max(seen, default=0)
        latest_kept = max(kept, default=0)
        if latest_witnessed > latest_kept:
            self._add(
                "rollback",
                latest_witnessed,
                f"the latest checkpoint in the table covers {latest_kept} events but the "
                f"witness's covers {latest_witnessed}: the database was rolled back to an older "
                "copy",
                f"检查点表中最新的检查点仅覆盖 {latest_kept} 个事件，而见证副本中的覆盖 "
                f"{latest_witnessed} 个：数据库被回滚到旧副本",
            )
        pending = [
            size
            for size in sorted(kept)
            if size > latest_witnessed and size not in self.acknowledged
        ]
        if pending:
            # Stored, not yet handed over (a seal in progress, or the process stopped between
            # the two): the sealer publishes them again at its next seal. Their keys are still
            # checked, so a forged row among them does not pass as pending.
            self.findings.notice(
                Finding(
                    "unwitnessed_latest",
                    f"{len(pending)} checkpoint(s) after the last witnessed one (tree sizes "
                    f"{pending[0]}–{pending[-1]}) are not in the witness yet; the sealer "
                    "publishes them at its next seal",
                    f"最后一个已见证检查点之后的 {len(pending)} 个检查点（树大小 {pending[0]}–"
                    f"{pending[-1]}）尚未写入见证副本，封存程序将在下次封存时补写",
                    tree_size=pending[-1],
                )
            )
        for size in sorted(kept):
            if size in seen or size > latest_witnessed or size in self.lost_acknowledged:
                continue
            self._add(
                "unwitnessed",
                size,
                f"the checkpoint of {size} events in the table is missing from the witness, "
                "which holds later ones: it was not made by the sealer",
                f"检查点表中树大小 {size} 的检查点不在见证副本中（见证副本已有更新的检查点）："
                "它不是封存程序生成的",
            )
        return only_witnessed

    def _check_consistency(self, table: Sequence[Checkpoint], sealed: int) -> None:
        """Each checkpoint's tree extends the one before, by the store's consistency proof."""
        beyond = [c.tree_size for c in table if c.tree_size > sealed]
        if beyond:
            self._add(
                "leaf_table",
                beyond[0],
                f"the checkpoint of {beyond[0]} events covers more leaves than the leaf table "
                f"holds ({sealed}): the integrity store lost leaves",
                f"树大小 {beyond[0]} 的检查点覆盖的叶子多于叶子表现存的 {sealed} 个：完整性存储丢失了叶子",
            )
        within = [c for c in table if c.tree_size <= sealed]
        for old, new in pairwise(within):
            try:
                proof = self.store.consistency_proof(old.tree_size, new.tree_size)
                check_consistency(
                    old.tree_size,
                    new.tree_size,
                    old.root_hash,
                    new.root_hash,
                    proof.consistency_path,
                )
            except (SealError, MerkleError, ValueError) as error:
                self._add(
                    "checkpoint_consistency",
                    new.tree_size,
                    f"the stored consistency proof from {old.tree_size} to {new.tree_size} "
                    f"events does not hold: {error}",
                    f"从 {old.tree_size} 到 {new.tree_size} 个事件的一致性证明不成立",
                )

    def _add(self, check: str, size: int, detail: str, detail_zh: str) -> None:
        self.doubtful.add(size)
        self.findings.add(Finding(check, detail, detail_zh, tree_size=size))
