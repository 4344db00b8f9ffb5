"""Witnesses' cosignatures of the bag's checkpoint (c2sp.org/tlog-cosignature), offline.

With ``--witness <vkey>`` (a witness's verifier key ``<name>+<key hash>+<base64(0x04 ‖ key)>``,
as ``dossier witness vkey`` prints it) and ``--quorum N``, the bag's checkpoint note must carry
at least N cosignatures that verify under those keys: timestamped Ed25519 signatures over
``cosignature/v1\\ntime <t>\\n`` followed by the note's text. Written again here, on purpose, from
the specification: the verifier imports nothing of the archive's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from dossier_verify import ed25519
from dossier_verify.formats import NoteSignature
from dossier_verify.report import Problems

COSIGNATURE_TYPE = 0x04
CHECKPOINT_FILE = "data/checkpoint.json"


class WitnessKeyError(ValueError):
    """Raised when a ``--witness`` value is not a cosignature/v1 verifier key."""


@dataclass(frozen=True)
class WitnessKey:
    name: str
    key_hash: bytes
    public_key: bytes

    def describe(self) -> str:
        return f"{self.name}+{self.key_hash.hex()}"


def read_witness_key(text: str) -> WitnessKey:
    """A witness's verifier key string; WitnessKeyError if it is not one of type 0x04."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3 or not parts[0] or any(c.isspace() for c in parts[0]):
        raise WitnessKeyError("not a verifier key <name>+<key hash>+<base64>")
    name, key_hash, encoded = parts
    try:
        raw = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise WitnessKeyError(f"the key of {name} is not base64") from None
    if len(raw) != 33 or raw[0] != COSIGNATURE_TYPE:
        raise WitnessKeyError(f"the key of {name} is not an Ed25519 cosignature/v1 key (0x04)")
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + raw).digest()[:4]
    if digest.hex() != key_hash:
        raise WitnessKeyError(f"the key hash {key_hash} is not that of the key of {name}")
    return WitnessKey(name, digest, raw[1:])


def _valid(witness: WitnessKey, text: bytes, signature: NoteSignature) -> bool | None:
    """None if the line is not this witness's; else whether its cosignature verifies."""
    if signature.name != witness.name or signature.key_hash != witness.key_hash:
        return None
    if len(signature.signature) != 8 + 64:
        return False
    timestamp = int.from_bytes(signature.signature[:8], "big")
    if timestamp >= 1 << 63:
        return False
    message = f"cosignature/v1\ntime {timestamp}\n".encode("ascii") + text
    return ed25519.verify(witness.public_key, message, signature.signature[8:])


def check_cosignatures(
    note: tuple[bytes, list[NoteSignature]] | None,
    tree_size: int,
    witnesses: Sequence[WitnessKey],
    quorum: int,
    problems: Problems,
) -> int:
    """Count the valid cosignatures of ``witnesses`` on the note; report what falls short."""
    if quorum <= 0 and not witnesses:
        return 0
    text, signatures = note if note is not None else (b"", [])
    signed = []
    for witness in witnesses:
        results = [_valid(witness, text, s) for s in signatures]
        if True in results:
            signed.append(witness)
        elif False in results:
            problems.add(
                CHECKPOINT_FILE,
                "checkpoint.cosignature",
                f"the cosignature of witness {witness.describe()} on the checkpoint of "
                f"{tree_size} events does not verify",
                f"见证方 {witness.describe()} 对树大小 {tree_size} 的检查点的联署签名验证失败",
            )
    if len(signed) < quorum:
        missing = ", ".join(w.describe() for w in witnesses if w not in signed) or "none given"
        problems.add(
            CHECKPOINT_FILE,
            "checkpoint.quorum",
            f"the checkpoint of {tree_size} events has {len(signed)} valid witness "
            f"cosignature(s) of the {quorum} required; missing: {missing}",
            f"树大小 {tree_size} 的检查点仅有 {len(signed)} 个有效见证联署，要求 {quorum} 个；"
            f"缺少：{missing}",
        )
    return len(signed)
