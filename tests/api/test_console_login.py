"""Signing in to the web console: staff number and password, sessions behind an HttpOnly,
SameSite=Strict cookie, CSRF tokens on every form, idle and absolute timeouts, sign-out,
lock-out — and strangers who write nothing into the sealed log."""

from __future__ import annotations

from datetime import timedelta

import httpx

from archive.commands.login import SetPassword
from archive.commands.staff import GrantRole, IssueToken
from domain.values import Role
from tests.api.console_harness import CONSOLE, PASSWORD, PEOPLE, Console

AUDITOR = PEOPLE[Role.AUDITOR][0]


def _events(console: Console, staff_no: str) -> list[str]:
    return [e.type for e in console.archive.events_of(console.archive.staff(staff_no).id)]


def test_a_stranger_at_the_root_is_sent_to_the_chinese_sign_in(console: Console) -> None:
    first = console.get("/")
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=/"
    page = console.get("/login")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "工号" in page.text
    assert 'name="staff_no"' in page.text
    assert 'name="password"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_signing_in_opens_a_session_in_an_httponly_strict_cookie(console: Console) -> None:
    answer = console.sign_in(AUDITOR)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("dossier_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert console.sessions.count() == 1
    assert _events(console, AUDITOR)[-1] == "LoggedIn"
    workbench = console.get("/")
    assert workbench.status_code == 200
    assert "冯志明（C0931）" in workbench.text


def test_sign_in_goes_on_to_the_page_asked_for_but_never_off_site(console: Console) -> None:
    asked = console.get("/registers")
    assert asked.headers["location"] == "/login?next=/registers"
    token = console.csrf("/login?next=/registers")
    answer = console.post(
        "/login",
        {"staff_no": AUDITOR, "password": PASSWORD, "csrf_token": token, "next": "/registers"},
    )
    assert answer.headers["location"] == "/registers"
    console.client.cookies.clear()
    token = console.csrf("/login")
    away = console.post(
        "/login",
        {"staff_no": AUDITOR, "password": PASSWORD, "csrf_token": token, "next": "//evil.test/"},
    )
    assert away.headers["location"] == "/"


def test_missing_fields_are_shown_beside_the_form(console: Console) -> None:
    console.client.cookies.clear()
    token = console.csrf("/login")
    answer = console.post("/login", {"staff_no": "", "password": "", "csrf_token": token})
    assert answer.status_code == 422
    assert "请输入工号" in answer.text
    assert "请输入密码" in answer.text
    assert 'aria-invalid="true"' in answer.text


def test_a_wrong_password_is_refused_in_the_page_and_recorded(console: Console) -> None:
    answer = console.sign_in(AUDITOR, "Wrong2026guess")
    assert answer.status_code == 401
    assert "工号或密码不正确" in answer.text
    assert "Traceback" not in answer.text
    assert _events(console, AUDITOR)[-1] == "LoginFailed"
    assert console.sessions.count() == 0


def test_five_wrong_passwords_lock_sign_in(console: Console) -> None:
    for _ in range(4):
        assert console.sign_in(AUDITOR, "Wrong2026guess").status_code == 401
    locked = console.sign_in(AUDITOR, "Wrong2026guess")
    assert "账户已暂时锁定" in locked.text
    right = console.sign_in(AUDITOR, PASSWORD)
    assert right.status_code == 401
    assert "账户已暂时锁定" in right.text
    assert console.sessions.count() == 0
    assert _events(console, AUDITOR)[-6:] == ["LoginFailed"] * 6


def test_an_unknown_staff_number_writes_nothing_into_the_log(console: Console) -> None:
    before = console.get("/metrics").text
    head = console.archive.recorder.max_notification_id()
    answer = console.sign_in("Z9999", PASSWORD)
    assert answer.status_code == 401
    assert "工号或密码不正确" in answer.text  # what a wrong password is told
    assert console.archive.recorder.max_notification_id() == head
    after = console.get("/metrics").text
    line = 'dossier_console_login_failures_total{reason="unknown_staff_no"}'
    assert _count(after, line) == _count(before, line) + 1


def _count(metrics: str, line: str) -> float:
    for row in metrics.splitlines():
        if row.startswith(line):
            return float(row.split()[-1])
    return 0.0


def _change_password(console: Console, token: str, new: str, repeated: str) -> httpx.Response:
    """The temporary password changed to ``new``, typed again as ``repeated``."""
    form = {"current_password": "Temp2026start", "new_password": new, "repeated": repeated}
    return console.post("/password", form | {"csrf_token": token})


def test_a_temporary_password_must_be_changed_before_anything_else(console: Console) -> None:
    console.archive.execute(CONSOLE, SetPassword(staff_no=AUDITOR, password="Temp2026start"))
    answer = console.sign_in(AUDITOR, "Temp2026start")
    assert answer.headers["location"] == "/password"
    assert console.get("/loans").headers["location"] == "/password"
    token = console.csrf("/password")
    differ = _change_password(console, token, "Mine2026chosen", "Mine2026chosenX")
    assert differ.status_code == 422
    assert "两次输入的新密码不一致" in differ.text
    weak = _change_password(console, token, "short", "short")
    assert weak.status_code == 422
    assert "密码长度须为10至128个字符" in weak.text
    changed = _change_password(console, token, "Mine2026chosen", "Mine2026chosen")
    assert changed.headers["location"] == "/"
    assert console.get("/loans").status_code == 200
    assert _events(console, AUDITOR)[-1] == "PasswordChanged"


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    console: Console,
) -> None:
    console.as_role(Role.AUDITOR)
    head = console.archive.recorder.max_notification_id()
    refused = console.post("/logout", {})
    assert refused.status_code == 403
    assert "表单已失效" in refused.text
    forged = console.post("/logout", {"csrf_token": "not-the-token"})
    assert forged.status_code == 403
    assert console.archive.recorder.max_notification_id() == head
    assert console.get("/").status_code == 200  # still signed in
    # The sign-in form has its own token, bound to a cookie set with the form.
    console.client.cookies.clear()
    no_form = console.post("/login", {"staff_no": AUDITOR, "password": PASSWORD})
    assert no_form.status_code == 403
    assert console.sessions.count() == 1


def test_htmx_requests_carry_the_token_in_a_header(console: Console) -> None:
    console.archive.execute(CONSOLE, GrantRole(staff_no=AUDITOR, role=Role.COMPLIANCE))
    console.as_role(Role.AUDITOR)
    token = console.csrf("/")
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in console.get("/").text
    without = console.post("/role", {"role": "compliance"}, headers={"HX-Request": "true"})
    assert without.status_code == 403
    switched = console.post(
        "/role", {"role": "compliance"}, headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert switched.status_code == 204
    assert switched.headers["HX-Refresh"] == "true"
    page = console.get("/")
    assert '<option value="compliance" selected>合规</option>' in page.text


def test_an_idle_session_is_sent_to_sign_in_again(console: Console) -> None:
    console.as_role(Role.AUDITOR)
    console.later(timedelta(minutes=29))
    assert console.get("/loans").status_code == 200  # used: its idle time starts again
    console.later(timedelta(minutes=31))
    expired = console.get("/loans")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/login?next=/loans&expired=1"
    assert "会话已超时" in console.get(expired.headers["location"]).text
    assert console.sessions.count() == 0


def test_a_busy_session_still_ends_after_the_working_day(console: Console) -> None:
    console.as_role(Role.AUDITOR)
    answers = []
    for _ in range(17):  # a page every 29 minutes: never idle for long
        console.later(timedelta(minutes=29))
        answers.append(console.get("/"))
    served = [a.status_code for a in answers]
    assert served[:16] == [200] * 16  # 16 × 29 minutes = 7 h 44 min
    assert served[16] == 303  # 8 h 13 min: past the absolute timeout
    assert "expired=1" in answers[16].headers["location"]


def test_signing_out_ends_the_session_and_is_recorded(console: Console) -> None:
    console.as_role(Role.AUDITOR)
    token = console.csrf("/")
    answer = console.post("/logout", {"csrf_token": token})
    assert answer.headers["location"] == "/login?signed_out=1"
    assert console.sessions.count() == 0
    assert _events(console, AUDITOR)[-1] == "LoggedOut"
    assert console.get("/").status_code == 303


def test_a_stolen_cookie_value_from_the_table_signs_nobody_in(console: Console) -> None:
    console.as_role(Role.AUDITOR)
    live = console.client.cookies["dossier_session"]
    session = console.sessions.find(live)
    assert session is not None
    console.client.cookies.clear()
    console.client.cookies.set("dossier_session", session.id_hash)
    assert console.get("/").status_code == 303


def test_bearer_tokens_still_serve_the_api(console: Console) -> None:
    _result, token = console.archive.execute(CONSOLE, IssueToken(staff_no=AUDITOR))
    answer = console.client.get(
        "/api/v1/staff/me", headers={"Authorization": f"Bearer {token.token}"}
    )
    assert answer.status_code == 200
    assert answer.json()["staff_no"] == AUDITOR
    # … and the session cookie is no credential for the API.
    console.as_role(Role.AUDITOR)
    assert console.client.get("/api/v1/staff/me").status_code == 401


def test_an_administrator_sets_a_temporary_password_over_the_api(console: Console) -> None:
    _result, token = console.archive.execute(
        CONSOLE, IssueToken(staff_no=PEOPLE[Role.ADMINISTRATOR][0])
    )
    answer = console.client.post(
        f"/api/v1/staff/{AUDITOR}/password",
        json={"password": "Reset2026again"},
        headers={"Authorization": f"Bearer {token.token}"},
    )
    assert answer.status_code == 201, answer.text
    weak = console.client.post(
        f"/api/v1/staff/{AUDITOR}/password",
        json={"password": "weak"},
        headers={"Authorization": f"Bearer {token.token}"},
    )
    assert weak.status_code == 422
    assert weak.json()["context"]["field"] == "password"
    assert console.sign_in(AUDITOR, "Reset2026again").headers["location"] == "/password"
