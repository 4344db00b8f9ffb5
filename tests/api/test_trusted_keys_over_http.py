"""``GET /api/v1/integrity/trusted-keys`` and the audit page: which keys ``dossier verify``
believes, named as people read them, and whether the archive signs with one of them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.values import Role
from storage.checkpoints import verifier_key
from storage.signing import Signer
from storage.statements import rotation
from tests.api.conftest import Api, encrypted_archive
from tests.api.console_harness import Console

PATH = "/integrity/trusted-keys"
ORIGIN = "dossier.example-bank"


def test_in_development_the_local_key_is_listed_and_anchored(api: Api) -> None:
    answer = api.get("auditor", PATH)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    signer = api.client.app.state.integrity.signer  # type: ignore[attr-defined]
    key_id = signer.public_key.key_id
    assert body["anchor"] == "local key"
    assert body["count"] == 1
    [key] = body["data"]
    assert key == {
        "name": "dossier",
        "key_id": key_id,
        "fingerprint": " ".join(key_id[i : i + 4] for i in range(0, 16, 4)),
        "vkey": verifier_key("dossier", signer.public_key),
        "public_key": signer.public_key.to_base64(),
        "source": "dev-local",
        "signs_now": True,
    }
    assert body["signing_key"] == {
        "key_id": key_id,
        "fingerprint": key["fingerprint"],
        "vkey": key["vkey"],
        "status": "anchored",
        "introduced_by": None,
    }
    for who in ("admin", "archhead"):
        assert api.get(who, PATH).status_code == 200, who
    for who in ("am", "reviewer", "archivist", "head"):
        refused = api.get(who, PATH)
        assert refused.status_code == 403, (who, refused.text)
    assert api.client.get(f"/api/v1{PATH}").status_code == 401


def test_configured_keys_are_listed_by_name_and_a_signing_key_outside_them_is_unanchored(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    published, bare = Signer.generate(), Signer.generate()
    archive = encrypted_archive(store_env, tmp_path)
    token = archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="AU", name="黄敏", branch="总行", roles=[Role.COMPLIANCE]),
    ).token
    assert token is not None
    headers = {"Authorization": f"Bearer {token.token}"}
    configured = f"{verifier_key(ORIGIN, published.public_key)}, {bare.public_key.to_base64()}"
    settings = Settings(
        data_dir=tmp_path,
        in_process_sealer=False,
        integrity_origin=ORIGIN,
        trusted_keys=configured,
    )
    try:
        with TestClient(create_app(settings, archive)) as client:
            body = client.get(f"/api/v1{PATH}", headers=headers).json()
            integrity = client.app.state.integrity  # type: ignore[attr-defined]
            local = integrity.signer
            # A rotation the published key signed, introducing the archive's key: believed as
            # verify believes it, through the chain, though not configured itself.
            moment = datetime.now(UTC)
            integrity.store.add_statement(
                rotation(published, local, origin=ORIGIN, tree_size=1, moment=moment), moment
            )
            rotated = client.get(f"/api/v1{PATH}", headers=headers).json()["signing_key"]
        assert body["anchor"] == "configured keys"
        assert [(k["name"], k["key_id"], k["source"], k["signs_now"]) for k in body["data"]] == [
            (ORIGIN, published.public_key.key_id, "configured", False),
            (None, bare.public_key.key_id, "configured", False),
        ]
        assert [k["vkey"] for k in body["data"]] == [
            verifier_key(ORIGIN, published.public_key),
            None,
        ]
        # The archive signs with the key it generated, which the bank never published.
        assert body["signing_key"]["key_id"] == local.public_key.key_id
        assert body["signing_key"]["status"] == "unanchored"
        assert body["signing_key"]["introduced_by"] is None
        assert rotated["status"] == "anchored"
        assert "rotation" in rotated["introduced_by"]

        # Its own key published and configured beside the others: anchored.
        settings = Settings(
            data_dir=tmp_path,
            in_process_sealer=False,
            integrity_origin=ORIGIN,
            trusted_keys=f"{configured}\n{verifier_key(ORIGIN, local.public_key)}",
        )
        with TestClient(create_app(settings, archive)) as client:
            body = client.get(f"/api/v1{PATH}", headers=headers).json()
        assert body["signing_key"]["status"] == "anchored"
        assert body["signing_key"]["introduced_by"] is None  # configured itself
        assert [k["signs_now"] for k in body["data"]] == [False, False, True]
    finally:
        archive.close()


def test_the_audit_page_shows_the_trusted_keys_by_name_and_fingerprint(console: Console) -> None:
    integrity = console.client.app.state.integrity  # type: ignore[attr-defined]
    key_id = integrity.signer.public_key.key_id
    fingerprint = " ".join(key_id[i : i + 4] for i in range(0, 16, 4))
    for role in (Role.AUDITOR, Role.ARCHIVE_HEAD):
        console.as_role(role)
        page = console.get("/audit")
        assert page.status_code == 200
        assert 'data-testid="trusted-keys"' in page.text, role
        assert f"<code>{fingerprint}</code>" in page.text
        assert 'data-testid="signing-anchored"' in page.text
    console.as_role(Role.ARCHIVIST)
    page = console.get("/audit")
    assert 'data-testid="trusted-keys"' not in page.text
