"""Response models of the Merkle log over HTTP: checkpoints, public keys and proofs.

Hashes, signatures and keys are standard padded base64, timestamps the RFC 3339 text that was
signed — the JSON of ``docs/integrity.md``, so that a client can check them with any
implementation of that document (``python -m dossier_verify`` among them).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from storage.checkpoints import Checkpoint, format_timestamp
from storage.proofs import ConsistencyProof, InclusionProof
from storage.sealing import KnownKey
from storage.signing import PublicKey


class CheckpointPublic(BaseModel):
    """A signed checkpoint (签名检查点), and the public key that verifies it."""

    origin: str = Field(description="the log's name")
    tree_size: int = Field(description="how many leaves (stored events) it commits to")
    root_hash: str = Field(description="base64 of the 32-byte Merkle root")
    timestamp: str = Field(description="RFC 3339 UTC, as signed")
    key_id: str = Field(description="first 8 bytes of SHA-256(public key), hex")
    signature: str = Field(description="base64 of the Ed25519 signature over the body")
    public_key: str = Field(description="base64 of the raw 32-byte Ed25519 public key")
    format: str = Field(
        description="c2sp.org/tlog-checkpoint (a signed note), or dossier-checkpoint/v1 for a "
        "checkpoint signed by an earlier release"
    )
    note: str | None = Field(
        default=None,
        description="the checkpoint as a C2SP signed note, for Go's note.Open and other C2SP "
        "tools; null for a checkpoint of the earlier format",
    )
    verifier_key: str | None = Field(
        default=None,
        description="the signed-note verifier key that opens the note: "
        "<origin>+<key hash hex>+<base64(0x01 ‖ public key)>; null for the earlier format",
    )

    @classmethod
    def of(cls, checkpoint: Checkpoint, key: PublicKey) -> CheckpointPublic:
        return cls(
            **checkpoint.to_json(),
            public_key=key.to_base64(),
            format=checkpoint.format,
            verifier_key=None if checkpoint.key_hash is None else checkpoint.verifier_key(key),
        )


class CheckpointsPublic(BaseModel):
    data: list[CheckpointPublic]
    count: int = Field(description="how many checkpoints there are in all")
    limit: int
    offset: int


class PublicKeyPublic(BaseModel):
    """A key that signed checkpoints here (验签公钥); old keys stay listed after a rotation."""

    key_id: str
    public_key: str = Field(description="base64 of the raw 32-byte Ed25519 public key")
    pem: str = Field(description="the same key as a PEM SubjectPublicKeyInfo")
    first_used: str = Field(description="RFC 3339 UTC: when it signed its first checkpoint")

    @classmethod
    def of(cls, known: KnownKey) -> PublicKeyPublic:
        return cls(
            key_id=known.key_id,
            public_key=known.public_key.to_base64(),
            pem=known.public_key.to_pem(),
            first_used=format_timestamp(known.first_used),
        )


class PublicKeysPublic(BaseModel):
    data: list[PublicKeyPublic]
    count: int


class TrustedKeyPublic(BaseModel):
    """A key ``dossier verify`` believes (可信公钥): one the bank published, or in development
    the archive's own."""

    name: str | None = Field(
        description="the key's name in its verifier key (the log's origin); null for a key "
        "configured as bare base64"
    )
    key_id: str = Field(description="first 8 bytes of SHA-256(public key), hex")
    fingerprint: str = Field(description="the key id in groups of four, for people to compare")
    vkey: str | None = Field(
        description="the signed-note verifier key <name>+<key hash hex>+<base64(0x01 ‖ key)>; "
        "null when the key has no name"
    )
    public_key: str = Field(description="base64 of the raw 32-byte Ed25519 public key")
    source: str = Field(
        description="configured (DOSSIER_TRUSTED_KEYS or DOSSIER_TRUSTED_KEYS_FILE), or "
        "dev-local (development with none configured: the archive's own signing key)"
    )
    signs_now: bool = Field(description="the archive signs its checkpoints with this key now")


class SigningKeyStatus(BaseModel):
    """The key the archive signs checkpoints with now, and whether verification believes it."""

    key_id: str
    fingerprint: str
    vkey: str = Field(description="its verifier key under the log's origin")
    status: str = Field(
        description="anchored (a trusted key, or one a chain of recorded rotations introduces "
        "from one, as dossier verify believes it) or unanchored (not, or rotated away or "
        "revoked: its checkpoints fail dossier verify)"
    )
    introduced_by: str | None = Field(
        default=None,
        description="the rotation statement that introduced it, when it is believed through "
        "one rather than configured itself",
    )


class TrustedKeysPublic(BaseModel):
    """The trusted keys (可信公钥) and whether the signing key is among them."""

    anchor: str = Field(
        description="what the trusted keys are: configured keys, local key (development, "
        "nothing configured) or unanchored (production, nothing configured)"
    )
    signing_key: SigningKeyStatus
    data: list[TrustedKeyPublic]
    count: int


def fingerprint(key_id: str) -> str:
    """A key id as people compare it: ``9951 add1 81e4 5416``."""
    return " ".join(key_id[i : i + 4] for i in range(0, len(key_id), 4))


class InclusionProofJson(BaseModel):
    """RFC 9162 §2.1.3, as ``docs/integrity.md`` writes it."""

    leaf_index: int
    tree_size: int
    audit_path: list[str]

    @classmethod
    def of(cls, proof: InclusionProof) -> InclusionProofJson:
        return cls.model_validate(proof.to_json())


class InclusionPublic(BaseModel):
    """That the event at ``position`` is leaf ``leaf_index`` of the checkpoint's tree."""

    position: int = Field(description="the event's notification id")
    leaf_index: int
    leaf_hash: str = Field(description="base64 of SHA-256(0x00 ‖ entry) of the stored event")
    checkpoint: CheckpointPublic
    proof: InclusionProofJson


class ConsistencyProofJson(BaseModel):
    """RFC 9162 §2.1.4, as ``docs/integrity.md`` writes it."""

    first: int
    second: int
    consistency_path: list[str]

    @classmethod
    def of(cls, proof: ConsistencyProof) -> ConsistencyProofJson:
        return cls.model_validate(proof.to_json())


class ConsistencyPublic(BaseModel):
    """That the tree of the ``second`` checkpoint extends the tree of the ``first``."""

    first: CheckpointPublic
    second: CheckpointPublic
    proof: ConsistencyProofJson
