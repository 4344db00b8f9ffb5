"""What ``command_route`` makes of a command, seen over HTTP on SQLite and PostgreSQL.

A command named wholly by its path (a fixity check) takes no body:
its route reads none, so whatever a client sends along is ignored as it always was, and the
OpenAPI documents none.
"""

from __future__ import annotations

from pathlib import Path

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import STAFF, Api, disburse

LOAN = "DK2025000777"
NO_BODY = (
    ("/loans/{loan_no}/dossier/fixity-checks", "post"),
    ("/integrity/fixity-checks", "post"),
)


def test_a_command_that_takes_no_body_ignores_what_is_sent_along(api: Api) -> None:
    # A token's request has a body now (its name and days), every field optional: one sent
    # without a body still gets a token, of the default days.
    staff_no = STAFF["auditor"][0]
    issued = api.send("admin", f"/staff/{staff_no}/tokens", b"")
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    me = api.client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["staff_no"] == staff_no

    disburse(api, LOAN)
    checked = api.post("archivist", f"/loans/{LOAN}/dossier/fixity-checks", {"loan_no": "other"})
    assert checked.status_code == 201, checked.text
    assert (checked.json()["loan_no"], checked.json()["passed"]) == (LOAN, True)


def test_a_command_that_takes_no_body_documents_none(tmp_path: Path) -> None:
    paths = create_app(Settings(data_dir=tmp_path)).openapi()["paths"]
    for path, method in NO_BODY:
        assert "requestBody" not in paths[f"/api/v1{path}"][method], path
    assert "requestBody" in paths["/api/v1/staff/{staff_no}/roles"]["post"]
    assert "requestBody" in paths["/api/v1/staff/{staff_no}/tokens"]["post"]
