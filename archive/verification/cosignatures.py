"""Witnesses' cosignatures of the checkpoints, as ``dossier verify`` counts them (检查点联署法定数).

An independent witness cosigns a checkpoint only after checking that it extends the last one it
cosigned (c2sp.org/tlog-witness), so a checkpoint cosigned by enough witnesses cannot be one of
two diverging histories shown to different people. With ``quorum`` N > 0 a checkpoint counts
only when at least N of the configured witness keys have a cosignature on it that verifies.

A checkpoint lacking the quorum is a discrepancy naming it and the witnesses whose cosignature
is missing — unless a later checkpoint has the quorum: that one's witnesses checked it extends
everything before it, and the walk checks every checkpoint's root against the stored events,
so the earlier one is covered (a notice). A witness that was down at one seal thus costs only
until the next cosigned checkpoint. A cosignature that names a configured key and does not
verify is a discrepancy whatever the quorum.
"""

from __future__ import annotations

from collections.abc import Sequence

from archive.verification.report import Finding, Findings
from storage.checkpoints import Checkpoint
from storage.cosignatures import CosignerKey


def check_cosignatures(
    table: Sequence[Checkpoint],
    cosigners: Sequence[CosignerKey],
    quorum: int,
    findings: Findings,
    doubtful: set[int],
) -> None:
    """Count each checkpoint's valid cosignatures by ``cosigners``; report what falls short."""
    if quorum <= 0 and not cosigners:
        return
    valid: dict[int, set[str]] = {}
    for checkpoint in table:
        size = checkpoint.tree_size
        signed = valid.setdefault(size, set())
        if checkpoint.key_hash is None:
            continue  # the earlier format: no note, so no cosignature
        text = checkpoint.body()
        for key in cosigners:
            for cosignature in checkpoint.cosignatures:
                if not cosignature.is_by(key):
                    continue
                if cosignature.verify(key, text):
                    signed.add(key.describe())
                else:
                    doubtful.add(size)
                    findings.add(
                        Finding(
                            "cosignature_invalid",
                            f"the cosignature of witness {key.describe()} on the checkpoint of "
                            f"{size} events does not verify: it was forged or the checkpoint "
                            "was altered after it was cosigned",
                            f"见证方 {key.describe()} 对树大小 {size} 的检查点的联署签名验证失败："
                            "联署被伪造，或检查点在联署后被修改",
                            tree_size=size,
                        )
                    )
    if quorum <= 0:
        return
    met = [size for size, keys in valid.items() if len(keys) >= quorum]
    last = max(met, default=0)
    covered = [size for size, keys in valid.items() if len(keys) < quorum and size < last]
    if covered:
        findings.notice(
            Finding(
                "cosignature_covered",
                f"{len(covered)} checkpoint(s) lack {quorum} witness cosignature(s) (tree sizes "
                f"{covered[0]}–{covered[-1]}) but the cosigned checkpoint of {last} events, "
                "which extends them, has them",
                f"{len(covered)} 个检查点（树大小 {covered[0]}–{covered[-1]}）联署不足 {quorum} "
                f"个，但其后已联署的树大小 {last} 的检查点延续了它们",
                tree_size=last,
            )
        )
    for size in sorted(valid):
        keys = valid[size]
        if len(keys) >= quorum or size < last:
            continue
        missing = [key.describe() for key in cosigners if key.describe() not in keys]
        names = ", ".join(missing) or "none configured"
        doubtful.add(size)
        findings.add(
            Finding(
                "cosignature_quorum",
                f"the checkpoint of {size} events has {len(keys)} valid witness cosignature(s) "
                f"of the {quorum} required; missing: {names}",
                f"树大小 {size} 的检查点仅有 {len(keys)} 个有效的见证联署，要求 {quorum} 个；"
                f"缺少：{names}",
                tree_size=size,
            )
        )
