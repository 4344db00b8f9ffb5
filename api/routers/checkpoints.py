"""The Merkle log over HTTP (完整性证明): signed checkpoints, their public keys and the proofs
that tie an event to a checkpoint or one checkpoint to the next.

Everything here is hashes and signatures — no business data — so any signed-in business role
(and the administrator) may read it; sealing on demand is for the roles that verify
integrity. A checkpoint always comes with the public key that verifies it, but a client that
wants more than the server's word checks that key against one published out of band
(``dossier signing-key public``).
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.composition import Integrity
from api.deps import ArchiveDep, IntegrityDep, ReadCtx
from api.fields import MAX_INT
from api.integrity_schemas import (
    CheckpointPublic,
    CheckpointsPublic,
    ConsistencyProofJson,
    ConsistencyPublic,
    InclusionProofJson,
    InclusionPublic,
    PublicKeyPublic,
    PublicKeysPublic,
    SigningKeyStatus,
    TrustedKeyPublic,
    TrustedKeysPublic,
    fingerprint,
)
from domain.authorization import Action
from domain.errors import InvalidInputError
from storage.checkpoints import Checkpoint, verifier_key
from storage.sealing import CheckpointNotFoundError, IntegrityStore, NotSealedError

router = APIRouter(prefix="/integrity", tags=["integrity"])

TreeSize = Annotated[int, Path(ge=1, le=MAX_INT, description="the checkpoint's tree size")]


def _public(store: IntegrityStore, checkpoint: Checkpoint) -> CheckpointPublic:
    return CheckpointPublic.of(checkpoint, store.public_key(checkpoint.key_id))


@router.get("/checkpoints", response_model=CheckpointsPublic)
def list_checkpoints(
    archive: ArchiveDep,
    ctx: ReadCtx,
    integrity: IntegrityDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> CheckpointsPublic:
    """Every signed checkpoint, newest first."""
    archive.actor(ctx, Action.READ_INTEGRITY)
    store = integrity.store
    # The store reads every checkpoint (a few hundred bytes each); a paged query in the
    # store is due when there are millions of them.
    every = store.checkpoints()
    keys = {known.key_id: known.public_key for known in store.public_keys()}
    page = list(reversed(every))[offset : offset + limit]
    return CheckpointsPublic(
        data=[CheckpointPublic.of(c, keys[c.key_id]) for c in page],
        count=len(every),
        limit=limit,
        offset=offset,
    )


@router.get(
    "/checkpoints/latest",
    response_model=CheckpointPublic,
    responses={404: {"description": "尚无签名检查点 / nothing has been sealed yet"}},
)
def latest_checkpoint(
    archive: ArchiveDep, ctx: ReadCtx, integrity: IntegrityDep
) -> CheckpointPublic:
    """The checkpoint of the largest tree signed so far."""
    archive.actor(ctx, Action.READ_INTEGRITY)
    latest = integrity.store.latest_checkpoint()
    if latest is None:
        raise CheckpointNotFoundError("nothing has been sealed yet")
    return _public(integrity.store, latest)


@router.get("/checkpoints/{tree_size}", response_model=CheckpointPublic)
def one_checkpoint(
    tree_size: TreeSize, archive: ArchiveDep, ctx: ReadCtx, integrity: IntegrityDep
) -> CheckpointPublic:
    """The checkpoint of ``tree_size`` leaves."""
    archive.actor(ctx, Action.READ_INTEGRITY)
    return _public(integrity.store, integrity.store.checkpoint(tree_size))


@router.post(
    "/checkpoints",
    status_code=201,
    response_model=CheckpointPublic,
    responses={200: {"model": CheckpointPublic, "description": "nothing new: the latest"}},
)
def seal_now(
    response: Response, archive: ArchiveDep, ctx: ReadCtx, integrity: IntegrityDep
) -> CheckpointPublic:
    """Seal now: extend the Merkle log to the newest event and sign a checkpoint of it.

    201 with the new checkpoint; 200 with the latest one when no event came since.
    """
    archive.actor(ctx, Action.VERIFY_INTEGRITY)
    integrity.sealer.catch_up()
    made = integrity.sealer.seal()
    if made is None:
        made = integrity.store.latest_checkpoint()
        if made is None:
            raise CheckpointNotFoundError("the log is empty: nothing to seal")
        response.status_code = 200
    return _public(integrity.store, made)


@router.get("/trusted-keys", response_model=TrustedKeysPublic)
def trusted_keys(archive: ArchiveDep, ctx: ReadCtx, integrity: IntegrityDep) -> TrustedKeysPublic:
    """The keys ``dossier verify`` believes — the bank's published keys as configured, or in
    development the archive's own — and whether the archive's signing key is among them."""
    archive.actor(ctx, Action.READ_TRUSTED_KEYS)
    return trusted_keys_of(integrity)


def trusted_keys_of(integrity: Integrity) -> TrustedKeysPublic:
    """What ``GET /integrity/trusted-keys`` answers (the console shows the same)."""
    signing = integrity.signer.public_key
    standing = integrity.signing_key_standing()
    anchored = standing is not None and standing.until is None
    listed = [
        TrustedKeyPublic(
            name=key.trusted.name,
            key_id=key.trusted.key_id,
            fingerprint=fingerprint(key.trusted.key_id),
            vkey=(
                verifier_key(key.trusted.name, key.trusted.key)
                if key.trusted.name is not None
                else None
            ),
            public_key=key.trusted.key.to_base64(),
            source=key.source,
            signs_now=key.trusted.key_id == signing.key_id,
        )
        for key in integrity.listed
    ]
    return TrustedKeysPublic(
        anchor=integrity.anchor,
        signing_key=SigningKeyStatus(
            key_id=signing.key_id,
            fingerprint=fingerprint(signing.key_id),
            vkey=verifier_key(integrity.sealer.origin, signing),
            status="anchored" if anchored else "unanchored",
            introduced_by=standing.introduced_by if standing is not None else None,
        ),
        data=listed,
        count=len(listed),
    )


@router.get("/public-keys", response_model=PublicKeysPublic)
def public_keys(archive: ArchiveDep, ctx: ReadCtx, integrity: IntegrityDep) -> PublicKeysPublic:
    """Every key that ever signed a checkpoint here, oldest first, with when it first did."""
    archive.actor(ctx, Action.READ_INTEGRITY)
    keys = [PublicKeyPublic.of(known) for known in integrity.store.public_keys()]
    return PublicKeysPublic(data=keys, count=len(keys))


@router.get(
    "/proofs/inclusion",
    response_model=InclusionPublic,
    responses={
        404: {
            "description": "该事件尚未封存，或没有该树大小的检查点 / the event is not sealed "
            "yet, or there is no checkpoint of that size"
        }
    },
)
def inclusion(
    archive: ArchiveDep,
    ctx: ReadCtx,
    integrity: IntegrityDep,
    position: Annotated[
        int, Query(ge=1, le=MAX_INT, description="the event's position (notification id)")
    ],
    tree_size: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_INT,
            description="against this checkpoint (default: the first one that covers the event)",
        ),
    ] = None,
) -> InclusionPublic:
    """The audit path from the event at ``position`` to a signed checkpoint's root."""
    archive.actor(ctx, Action.READ_INTEGRITY)
    store = integrity.store
    if tree_size is not None:
        checkpoint = store.checkpoint(tree_size)
    else:
        covering = store.checkpoint_covering(position)
        if covering is None:
            raise NotSealedError(f"no checkpoint covers event {position} yet")
        checkpoint = covering
    proof = store.inclusion_proof(position, checkpoint.tree_size)
    return InclusionPublic(
        position=position,
        leaf_index=proof.leaf_index,
        leaf_hash=base64.b64encode(store.leaf_hash(proof.leaf_index)).decode("ascii"),
        checkpoint=_public(store, checkpoint),
        proof=InclusionProofJson.of(proof),
    )


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyPublic,
    responses={404: {"description": "没有该树大小的检查点 / no checkpoint of that size"}},
)
def consistency(
    archive: ArchiveDep,
    ctx: ReadCtx,
    integrity: IntegrityDep,
    first: Annotated[int, Query(ge=1, le=MAX_INT, description="the older checkpoint's size")],
    second: Annotated[int, Query(ge=1, le=MAX_INT, description="the newer checkpoint's size")],
) -> ConsistencyPublic:
    """The proof that the tree of checkpoint ``second`` extends that of checkpoint ``first``."""
    archive.actor(ctx, Action.READ_INTEGRITY)
    if first > second:
        raise InvalidInputError(
            f"first（{first}）不得大于 second（{second}）",
            f"first ({first}) must not be larger than second ({second})",
            field="first",
        )
    store = integrity.store
    older, newer = store.checkpoint(first), store.checkpoint(second)
    return ConsistencyPublic(
        first=_public(store, older),
        second=_public(store, newer),
        proof=ConsistencyProofJson.of(store.consistency_proof(first, second)),
    )
