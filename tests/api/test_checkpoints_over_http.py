"""Signed checkpoints and proofs over HTTP: what a client fetches, it can check for itself —
the signature with the returned key, every event against the root, one checkpoint against the
next — and the service refuses clearly what is not sealed or not there."""

from __future__ import annotations

import base64
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Notification
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from archive.application import DossierArchive
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.values import Role
from storage.blobs import LocalBlobStore
from storage.checkpoints import Checkpoint
from storage.merkle import check_consistency, check_inclusion
from storage.sealing import event_leaf_hash, integrity_store_beside
from storage.signing import PublicKey
from tests.api.conftest import Api, disburse

FIRST_LOAN = "DK2025000501"
SECOND_LOAN = "DK2025000502"


def _events(archive: DossierArchive) -> list[Notification]:
    return list(archive.recorder.select_notifications(start=1, limit=1_000_000))


def _checked(answer: Any) -> Checkpoint:
    """The checkpoint of an answer, after checking its signature with the key that came with it."""
    body = dict(answer.json())
    key = PublicKey.from_base64(body.pop("public_key"))
    checkpoint = Checkpoint.from_json(body)
    checkpoint.check(key)
    return checkpoint


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _refused(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["error"] == code
    assert body["detail"]["zh"]
    assert body["detail"]["en"]


def test_a_checkpoint_sealed_on_demand_is_signed_and_proves_every_event(api: Api) -> None:
    _refused(api.get("auditor", "/integrity/checkpoints/latest"), 404, "checkpoint_not_found")
    disburse(api, FIRST_LOAN)
    events = _events(api.archive)

    sealed = api.post("auditor", "/integrity/checkpoints")
    assert sealed.status_code == 201, sealed.text
    checkpoint = _checked(sealed)
    assert checkpoint.tree_size == len(events)
    assert api.get("am", "/integrity/checkpoints/latest").json() == sealed.json()
    assert api.get("am", f"/integrity/checkpoints/{len(events)}").json() == sealed.json()
    forged = replace(checkpoint, tree_size=len(events) - 1)
    assert not forged.verify(PublicKey.from_base64(sealed.json()["public_key"]))
    assert sealed.json()["format"] == "c2sp.org/tlog-checkpoint"
    assert sealed.json()["note"] == checkpoint.note()
    assert sealed.json()["verifier_key"] == checkpoint.verifier_key(
        PublicKey.from_base64(sealed.json()["public_key"])
    )

    [key] = api.get("am", "/integrity/public-keys").json()["data"]
    assert key["key_id"] == checkpoint.key_id
    assert key["public_key"] == sealed.json()["public_key"]
    assert PublicKey.from_pem(key["pem"]).key_id == checkpoint.key_id
    assert key["first_used"] == sealed.json()["timestamp"]

    for index, event in enumerate(events):
        answer = api.get("am", "/integrity/proofs/inclusion", params={"position": event.id})
        assert answer.status_code == 200, answer.text
        proof = answer.json()
        assert proof["checkpoint"] == sealed.json()
        assert proof["leaf_index"] == proof["proof"]["leaf_index"] == index
        recomputed = event_leaf_hash(event)
        assert _b64(proof["leaf_hash"]) == recomputed
        check_inclusion(
            recomputed,
            index,
            checkpoint.tree_size,
            [_b64(h) for h in proof["proof"]["audit_path"]],
            checkpoint.root_hash,
        )

    again = api.post("admin", "/integrity/checkpoints")
    assert again.status_code == 200, "nothing new: the latest checkpoint, not a second one"
    assert again.json() == sealed.json()


def test_a_later_checkpoint_extends_the_earlier_one_and_proves_old_events_too(api: Api) -> None:
    disburse(api, FIRST_LOAN)
    first = _checked(api.post("auditor", "/integrity/checkpoints"))
    position = disburse(api, SECOND_LOAN)["position"]

    unsealed = api.get("am", "/integrity/proofs/inclusion", params={"position": position})
    _refused(unsealed, 404, "not_sealed")
    assert "封存" in unsealed.json()["detail"]["zh"]
    assert "not sealed" in unsealed.json()["detail"]["en"]

    second = _checked(api.post("admin", "/integrity/checkpoints"))
    assert second.tree_size == len(_events(api.archive)) > first.tree_size
    consistency = api.get(
        "auditor",
        "/integrity/proofs/consistency",
        params={"first": first.tree_size, "second": second.tree_size},
    )
    assert consistency.status_code == 200, consistency.text
    body = consistency.json()
    assert Checkpoint.from_json({k: v for k, v in body["first"].items() if k != "public_key"}) == (
        first
    )
    check_consistency(
        first.tree_size,
        second.tree_size,
        first.root_hash,
        second.root_hash,
        [_b64(h) for h in body["proof"]["consistency_path"]],
    )

    covering = api.get("am", "/integrity/proofs/inclusion", params={"position": position}).json()
    assert covering["checkpoint"]["tree_size"] == second.tree_size
    oldest = _events(api.archive)[0]
    against_second = api.get(
        "am",
        "/integrity/proofs/inclusion",
        params={"position": oldest.id, "tree_size": second.tree_size},
    ).json()
    check_inclusion(
        event_leaf_hash(oldest),
        0,
        second.tree_size,
        [_b64(h) for h in against_second["proof"]["audit_path"]],
        second.root_hash,
    )

    listed = api.get("am", "/integrity/checkpoints").json()
    assert listed["count"] == 2
    assert [c["tree_size"] for c in listed["data"]] == [second.tree_size, first.tree_size]
    page = api.get("am", "/integrity/checkpoints", params={"limit": 1, "offset": 1}).json()
    assert [c["tree_size"] for c in page["data"]] == [first.tree_size]


def test_what_is_not_sealed_or_not_there_is_refused_clearly(api: Api) -> None:
    disburse(api, FIRST_LOAN)
    sealed = _checked(api.post("auditor", "/integrity/checkpoints"))
    head = api.archive.recorder.max_notification_id() or 0

    def inclusion(**params: Any) -> Any:
        return api.get("am", "/integrity/proofs/inclusion", params=params)

    _refused(inclusion(position=head + 1000), 404, "not_sealed")
    _refused(inclusion(position=1, tree_size=sealed.tree_size + 7), 404, "checkpoint_not_found")
    _refused(api.get("am", "/integrity/checkpoints/999999"), 404, "checkpoint_not_found")
    for bad in ({"position": 0}, {"position": "abc"}, {"position": 2**64}, {}):
        _refused(inclusion(**bad), 422, "invalid_input")
    _refused(inclusion(position=1, tree_size=-1), 422, "invalid_input")
    _refused(api.get("am", "/integrity/checkpoints/latest-ish"), 422, "invalid_input")
    _refused(
        api.get("am", "/integrity/proofs/consistency", params={"first": 3, "second": 2}),
        422,
        "invalid_input",
    )
    _refused(
        api.get(
            "am",
            "/integrity/proofs/consistency",
            params={"first": 1, "second": sealed.tree_size},
        ),
        404,
        "checkpoint_not_found",
    )


def test_anyone_signed_in_reads_checkpoints_but_only_verifiers_seal_on_demand(api: Api) -> None:
    disburse(api, FIRST_LOAN)
    refused = api.post("am", "/integrity/checkpoints")
    _refused(refused, 403, "role_not_permitted")
    assert api.integrity.store.latest_checkpoint() is None, "a refusal seals nothing"
    assert api.post("auditor", "/integrity/checkpoints").status_code == 201
    for who in ("am", "archivist", "head", "admin"):
        assert api.get(who, "/integrity/checkpoints/latest").status_code == 200, who
    for path in ("/integrity/checkpoints", "/integrity/public-keys"):
        _refused(api.client.get(f"/api/v1{path}"), 401, "unauthenticated")
    _refused(api.client.post("/api/v1/integrity/checkpoints"), 401, "unauthenticated")
    _refused(
        api.client.get("/api/v1/integrity/proofs/inclusion", params={"position": 1}),
        401,
        "unauthenticated",
    )


def test_the_in_process_sealer_seals_after_commands_and_once_more_on_shutdown(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    archive = DossierArchive(store_env, blobs=LocalBlobStore(tmp_path / "blobs"))
    token = archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="AD", name="管理员", branch="总行", roles=[Role.ADMINISTRATOR]),
    ).token
    assert token is not None
    admin = {"Authorization": f"Bearer {token.token}"}
    settings = Settings(data_dir=tmp_path, seal_after_seconds=0.2)
    try:
        with TestClient(create_app(settings, archive)) as client:
            integrity = client.app.state.integrity  # type: ignore[attr-defined]
            answer = client.post(
                "/api/v1/staff",
                json={"staff_no": "AU1", "name": "黄敏", "branch": "总行", "roles": ["auditor"]},
                headers=admin,
            )
            assert answer.status_code == 201, answer.text
            deadline = time.monotonic() + 15
            while (latest := integrity.store.latest_checkpoint()) is None or (
                latest.tree_size < len(_events(archive))
            ):
                assert time.monotonic() < deadline, "the sealer did not seal the new events"
                time.sleep(0.05)
            integrity.sealer.seal_after = 3600.0  # from here on only the final seal seals
            answer = client.post(
                "/api/v1/staff",
                json={"staff_no": "AU2", "name": "林峰", "branch": "总行", "roles": ["auditor"]},
                headers=admin,
            )
            assert answer.status_code == 201, answer.text
        store = integrity_store_beside(archive.env, tmp_path)
        try:
            final = store.latest_checkpoint()
            assert final is not None
            assert final.tree_size == len(_events(archive)), "stopping seals what was left"
            store.check_checkpoint(final)
        finally:
            store.close()
    finally:
        archive.close()


def test_a_signing_key_that_revoked_itself_seals_nothing_and_says_so(api: Api) -> None:
    from datetime import UTC, datetime

    from storage.statements import revocation

    disburse(api, FIRST_LOAN)
    assert api.post("auditor", "/integrity/checkpoints").status_code == 201
    signer = api.integrity.sealer.signer
    latest = api.integrity.store.latest_checkpoint()
    assert latest is not None
    now = datetime.now(UTC)
    api.integrity.store.add_statement(
        revocation(
            signer,
            signer.key_id,
            signer.public_key,
            reason="compromised",
            origin=latest.origin,
            tree_size=latest.tree_size,
            moment=now,
        ),
        now,
    )
    disburse(api, SECOND_LOAN)

    _refused(api.post("auditor", "/integrity/checkpoints"), 503, "signing_key_retired")
    assert api.integrity.store.latest_checkpoint() == latest
