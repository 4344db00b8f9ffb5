"""Signing in and out of the console, changing one's password, language and role.

``POST /login`` takes the form fields ``staff_no`` and ``password`` (and the form's CSRF
token). The application records every outcome against a known staff number on that person's
record; a staff number nobody holds records nothing there — it goes to the security log and
the ``dossier_console_login_failures{reason="unknown_staff_no"}`` metric only. Success opens a
fresh session (never one the browser brought along); a temporary password sends the person to
change it before anything else.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.metrics import CONSOLE_LOGIN_FAILURES, CONSOLE_LOGINS
from api.web.i18n import COOKIE, LANGUAGES, Translator, language_of
from api.web.render import render
from api.web.session import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    LoginRequired,
    ViewerDep,
    archive_of,
    check_csrf,
    live_session,
    login_csrf,
    now,
    safe_next,
    sessions_of,
    set_cookie,
    settings_of,
    timeouts,
)
from archive.commands.login import AccountLockedError, UnknownLoginError
from archive.errors import AuthenticationError
from domain.errors import DomainError
from domain.text import forbidden_character

log = structlog.get_logger("dossier.security")

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

FormText = Annotated[str, Form(max_length=200)]


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else "-"


def _login_page(
    request: Request,
    *,
    status: int = 200,
    next_path: str = "/",
    staff_no: str = "",
    error: str | None = None,
    errors: dict[str, str] | None = None,
    expired: bool = False,
    signed_out: bool = False,
) -> Response:
    token = login_csrf(request)
    response = render(
        request,
        "login.html",
        None,
        status=status,
        csrf=token,
        next_path=safe_next(next_path),
        staff_no=staff_no,
        error=error,
        errors=errors or {},
        expired=expired,
        signed_out=signed_out,
    )
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, path="/login")
    return response


@router.get("/login")
def login_form(
    request: Request, next: str = "/", expired: bool = False, signed_out: bool = False
) -> Response:
    try:
        session = live_session(request)
    except LoginRequired:
        session, expired = None, True
    if session is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_path=next, expired=expired, signed_out=signed_out)


@router.post("/login")
async def login(
    request: Request,
    staff_no: FormText = "",
    password: Annotated[str, Form(max_length=128)] = "",
    next: FormText = "/",
) -> Response:
    t = Translator(language_of(request))
    staff_no = staff_no.strip()
    errors: dict[str, str] = {}
    if not staff_no:
        errors["staff_no"] = t("Enter your staff number.")
    elif forbidden_character(staff_no) is not None:
        errors["staff_no"] = t("A staff number holds no control characters.")
    if not password:
        errors["password"] = t("Enter your password.")
    if errors:
        return _login_page(
            request, status=422, next_path=next, staff_no=staff_no[:32], errors=errors
        )
    archive = archive_of(request)
    source = _client(request)
    try:
        signed = await run_in_threadpool(archive.log_in, staff_no, password, source=source)
    except UnknownLoginError as refused:
        # Nobody holds this number: nothing goes into the sealed log, only here.
        CONSOLE_LOGIN_FAILURES.labels(reason="unknown_staff_no").inc()
        log.warning("console_login_unknown_staff_no", staff_no=staff_no[:32], source=source)
        return _refused(request, refused, next, staff_no)
    except AccountLockedError as refused:
        CONSOLE_LOGIN_FAILURES.labels(reason="locked").inc()
        log.warning("console_login_locked", staff_no=staff_no[:32], source=source)
        return _refused(request, refused, next, staff_no)
    except AuthenticationError as refused:
        CONSOLE_LOGIN_FAILURES.labels(reason=refused.code).inc()
        log.info("console_login_refused", staff_no=staff_no[:32], source=source)
        return _refused(request, refused, next, staff_no)
    CONSOLE_LOGINS.inc()
    store = sessions_of(request)
    moment = now(request)
    idle, absolute = timeouts(settings_of(request))
    await run_in_threadpool(store.purge, moment, idle=idle, absolute=absolute)
    brought = request.cookies.get(SESSION_COOKIE)
    if brought and (old := store.find(brought)) is not None:
        store.delete(old)
    secret, _session = store.create(signed.staff_id, role=None, now=moment)
    target = "/password" if signed.must_change_password else safe_next(next)
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, secret)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _refused(request: Request, refused: DomainError, next_path: str, staff_no: str) -> Response:
    t = Translator(language_of(request))
    return _login_page(
        request,
        status=401,
        next_path=next_path,
        staff_no=staff_no[:32],
        error=t.pick(refused.zh, refused.en),
    )


@router.post("/logout")
def logout(request: Request, viewer: ViewerDep) -> Response:
    archive_of(request).log_out(viewer.ctx)
    sessions_of(request).delete(viewer.session)
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password")
def password_form(request: Request, viewer: ViewerDep, changed: bool = False) -> Response:
    return render(request, "password.html", viewer, errors={}, changed=changed)


@router.post("/password")
def change_password(
    request: Request,
    viewer: ViewerDep,
    current_password: Annotated[str, Form(max_length=128)] = "",
    new_password: Annotated[str, Form(max_length=128)] = "",
    repeated: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    t = viewer.t
    errors: dict[str, str] = {}
    if not current_password:
        errors["current_password"] = t("Enter your current password.")
    if new_password != repeated:
        errors["repeated"] = t("The two new passwords differ.")
    if not errors:
        was_temporary = viewer.staff.password_temporary
        try:
            archive_of(request).change_password(
                viewer.ctx, current=current_password, new=new_password
            )
        except DomainError as refused:
            named = str(refused.context.get("field", ""))
            field = "current_password" if named == "current_password" else "new_password"
            errors[field] = t.pick(refused.zh, refused.en)
        else:
            # Whoever else held a session of this person is signed out.
            sessions_of(request).delete_for(viewer.staff.id, keep=viewer.session)
            target = "/" if was_temporary else "/password?changed=1"
            return RedirectResponse(target, status_code=303)
    return render(request, "password.html", viewer, status=422, errors=errors, changed=False)


@router.get("/language/{language}")
def choose_language(request: Request, language: str, next: str = "/") -> Response:
    """Remember the language chosen (a preference of the browser, not of the person)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if language in LANGUAGES:
        set_cookie(response, request, COOKIE, language)
    return response


@router.post("/role")
def choose_role(request: Request, viewer: ViewerDep, role: FormText = "") -> Response:
    """Act in one of the roles held (blank: the first that permits each task)."""
    chosen = next((r for r in viewer.roles if r.value == role), None)
    if role and chosen is None:
        refused = viewer.t("You do not hold the role %(role)s at this moment.", role=role[:32])
        return render(
            request, "error.html", viewer, status=422, title=viewer.t("Role"), message=refused
        )
    sessions_of(request).choose_role(viewer.session, chosen.value if chosen else None)
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return RedirectResponse("/", status_code=303)
