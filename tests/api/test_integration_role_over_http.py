"""The integration identity (系统对接岗) over HTTP: enrolled by the administrator like anyone,
it reads no business data and holds no other role (docs/rules.md STF-01, STF-14)."""

from __future__ import annotations

from domain.values import Role
from tests.api.conftest import Api


def test_the_administrator_enrols_the_integration_identity_which_reads_no_business(
    api: Api,
) -> None:
    enrolled = api.post(
        "admin",
        "/staff",
        {"staff_no": "INT01", "name": "核心系统对接", "branch": "总行", "roles": ["integration"]},
    )
    assert enrolled.status_code == 201, enrolled.text
    token = {"Authorization": f"Bearer {enrolled.json()['token']}"}

    me = api.client.get("/api/v1/staff/me", headers=token)
    assert me.status_code == 200
    assert me.json()["roles"] == [Role.INTEGRATION.value]
    for path in ("/api/v1/loans", "/api/v1/registers/loan_ledger", "/api/v1/tasks/mine"):
        refused = api.client.get(path, headers=token)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["error"] == "role_not_permitted"
        assert "系统对接岗" in refused.json()["detail"]["zh"]
    staff = api.client.get("/api/v1/staff", headers=token)
    assert staff.status_code == 403


def test_the_integration_identity_is_never_given_a_business_or_the_administrator_s_role(
    api: Api,
) -> None:
    before = api.counts()
    both = api.post(
        "admin",
        "/staff",
        {
            "staff_no": "INT02",
            "name": "对接兼审计",
            "branch": "总行",
            "roles": ["integration", "auditor"],
        },
    )
    assert both.status_code == 403
    assert both.json()["error"] == "segregation_of_duties"
    assert api.counts() == before
    api.post(
        "admin",
        "/staff",
        {"staff_no": "INT03", "name": "核心系统对接", "branch": "总行", "roles": ["integration"]},
    )
    granted = api.post("admin", "/staff/INT03/roles", {"role": "account_manager"})
    assert granted.status_code == 403
    assert granted.json()["error"] == "segregation_of_duties"
