"""Access tokens over HTTP: named, expiring, listed with their last use, revoked with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import Api


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_is_named_expires_is_listed_with_its_uses_and_is_revoked(api: Api) -> None:
    issued = api.post("admin", "/staff/AU001/tokens", {"name": "审计取数", "valid_days": 7})
    assert issued.status_code == 201, issued.text
    token, token_id = issued.json()["token"], issued.json()["token_id"]
    expires = datetime.fromisoformat(issued.json()["expires_at"])
    assert abs(expires - (api.archive.wall_clock() + timedelta(days=7))) < timedelta(minutes=1)

    for _ in range(3):
        me = api.client.get("/api/v1/staff/me", headers=bearer(token))
        assert me.status_code == 200, me.text
        assert me.json()["staff_no"] == "AU001"

    listed = api.get("admin", "/staff/AU001/tokens")
    assert listed.status_code == 200, listed.text
    by_id = {t["token_id"]: t for t in listed.json()["data"]}
    mine = by_id[token_id]
    assert (mine["name"], mine["status"], mine["status_zh"]) == ("审计取数", "live", "有效")
    assert mine["uses"] == 3
    assert mine["last_used_at"] is not None
    assert "（" in mine["issued_by"]  # 姓名（工号）, not an id
    # The enrolment's token, used by the fixture's own requests, is listed beside it.
    assert len(by_id) == 2
    assert token not in listed.text  # never the token itself

    revoked = api.post(
        "admin", f"/staff/AU001/tokens/{token_id}/revoke", {"reason": "审计项目结束"}
    )
    assert revoked.status_code == 201, revoked.text
    refused = api.client.get("/api/v1/staff/me", headers=bearer(token))
    assert refused.status_code == 401
    listed = {t["token_id"]: t for t in api.get("admin", "/staff/AU001/tokens").json()["data"]}
    assert listed[token_id]["status"] == "revoked"
    assert listed[token_id]["revoke_reason"] == "审计项目结束"
    assert listed[token_id]["revoked_by"]
    assert listed[token_id]["uses"] == 3  # the refused request is not a use

    again = api.post("admin", f"/staff/AU001/tokens/{token_id}/revoke", {"reason": "再次"})
    assert again.status_code == 409, again.text


def test_an_expired_token_is_refused_saying_so(api: Api) -> None:
    issued = api.post("admin", "/staff/AU001/tokens", {"valid_days": 1}).json()
    token = issued["token"]
    assert api.client.get("/api/v1/staff/me", headers=bearer(token)).status_code == 200

    # Tokens age on real time, not on the archive's (rehearsal) clock.
    api.archive.clock = lambda: datetime(2056, 3, 1, 9, tzinfo=UTC)
    assert api.client.get("/api/v1/staff/me", headers=bearer(token)).status_code == 200
    real = api.archive.wall_clock
    api.archive.wall_clock = lambda: real() + timedelta(days=1, minutes=1)
    refused = api.client.get("/api/v1/staff/me", headers=bearer(token))
    assert refused.status_code == 401, refused.text
    assert "expired" in refused.json()["detail"]["en"]
    assert "过期" in refused.json()["detail"]["zh"]
    listed = {t["token_id"]: t for t in api.get("admin", "/staff/AU001/tokens").json()["data"]}
    assert listed[issued["token_id"]]["status"] == "expired"


def test_token_requests_out_of_range_are_refused_and_record_nothing(api: Api) -> None:
    before = api.counts()
    for body in ({"valid_days": 0}, {"valid_days": 367}, {"name": ""}, {"colour": "red"}):
        answer = api.post("admin", "/staff/AU001/tokens", body)
        assert answer.status_code == 422, (body, answer.text)
    unknown = api.post(
        "admin",
        "/staff/AU001/tokens/00000000-0000-0000-0000-000000000001/revoke",
        {"reason": "无"},
    )
    assert unknown.status_code == 404, unknown.text
    assert api.counts() == before


def test_only_the_administrator_issues_and_revokes_and_business_roles_cannot_list(
    api: Api,
) -> None:
    assert api.post("auditor", "/staff/AU001/tokens", {}).status_code == 403
    assert api.get("am", "/staff/AU001/tokens").status_code == 403
    # Auditors read who holds access, as they read the staff list.
    assert api.get("auditor", "/staff/AM001/tokens").status_code == 200
