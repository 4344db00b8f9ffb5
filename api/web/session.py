"""Who is looking at the console: the session behind the cookie, its timeouts, its CSRF token.

The browser holds the session's secret in an HttpOnly, SameSite=Strict cookie; the table
(:mod:`storage.sessions`) holds its hash, the CSRF token every form and htmx request must send
back, and the role chosen. A session idle longer than ``DOSSIER_SESSION_IDLE_MINUTES`` or open
longer than ``DOSSIER_SESSION_ABSOLUTE_MINUTES`` ends, and the person is sent to sign in again.
Time is the archive's clock, so a rehearsal clock moves sessions on too.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import Response

from api.settings import Settings
from api.web.i18n import Translator, language_of
from archive.application import DossierArchive
from archive.core import CommandContext
from domain.authorization import Action
from domain.errors import NotFoundError
from domain.staff import Staff
from domain.values import Role
from storage.sessions import Session, SessionStore, expired

SESSION_COOKIE = "dossier_session"
LOGIN_CSRF_COOKIE = "dossier_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
TOUCH_EVERY = timedelta(seconds=15)
"""A session's last use is written at most this often (its idle time is that much coarser)."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """Raised when a console page is asked for without a live session."""

    def __init__(self, *, expired: bool = False, next_path: str = "/") -> None:
        super().__init__("sign-in required")
        self.expired = expired
        self.next_path = next_path


class PasswordChangeRequired(Exception):
    """Raised when a person signed in with a temporary password asks for any other page."""


class CsrfRefused(Exception):
    """Raised when a form or htmx request does not carry the session's CSRF token."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, their session, and what the application lets them do now."""

    staff: Staff
    session: Session
    ctx: CommandContext
    allowed: frozenset[Action]
    t: Translator

    def can(self, action: Action) -> bool:
        return action in self.allowed

    @property
    def roles(self) -> list[Role]:
        """The roles held now, in Role's order."""
        held = self.staff.current_roles
        return [r for r in Role if r in held]

    @property
    def chosen_role(self) -> Role | None:
        return self.ctx.role

    @property
    def display_name(self) -> str:
        return f"{self.staff.name}（{self.staff.staff_no}）"


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def archive_of(request: Request) -> DossierArchive:
    archive: DossierArchive = request.app.state.archive
    return archive


def sessions_of(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.sessions
    return store


def now(request: Request) -> datetime:
    """The service's now: the archive's clock (a rehearsal clock moves sessions on too)."""
    return archive_of(request).clock()


def timeouts(settings: Settings) -> tuple[timedelta, timedelta]:
    return (
        timedelta(minutes=settings.session_idle_minutes),
        timedelta(minutes=settings.session_absolute_minutes),
    )


def requested_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def safe_next(path: str | None) -> str:
    """A path on this site to go on to after signing in; anything else is the workbench."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def login_url(next_path: str, *, expired: bool = False) -> str:
    target = f"/login?next={quote(safe_next(next_path), safe='/')}"
    return target + ("&expired=1" if expired else "")


def live_session(request: Request) -> Session | None:
    """The session the cookie names, if there is one and it has not timed out; a timed-out
    one is deleted and reported as LoginRequired(expired=True)."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    store = sessions_of(request)
    session = store.find(secret)
    if session is None:
        return None
    moment = now(request)
    idle, absolute = timeouts(settings_of(request))
    if expired(session, moment, idle=idle, absolute=absolute):
        store.delete(session)
        raise LoginRequired(expired=True, next_path=requested_path(request))
    if moment - session.last_seen_at > TOUCH_EVERY:
        store.touch(session, moment)
    return session


def role_of(session: Session, staff: Staff) -> Role | None:
    """The role the session chose, if the person still holds it."""
    if session.role is None:
        return None
    chosen = next((r for r in Role if r.value == session.role), None)
    return chosen if chosen in staff.current_roles else None


def viewer(request: Request) -> Viewer:
    """The signed-in person; LoginRequired without a live session, PasswordChangeRequired
    while a temporary password is unchanged (except on the pages that change it)."""
    session = live_session(request)
    if session is None:
        raise LoginRequired(next_path=requested_path(request))
    archive = archive_of(request)
    try:
        staff = archive.staff_by_id(session.staff_id)
    except NotFoundError:
        sessions_of(request).delete(session)
        raise LoginRequired(next_path=requested_path(request)) from None
    if staff.password_temporary and request.url.path not in ("/password", "/logout"):
        raise PasswordChangeRequired()
    ctx = CommandContext(staff.id, role_of(session, staff))
    return Viewer(
        staff=staff,
        session=session,
        ctx=ctx,
        allowed=archive.permitted(ctx),
        t=Translator(language_of(request)),
    )


ViewerDep = Annotated[Viewer, Depends(viewer)]


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request without the CSRF token of its session — or, for the
    sign-in form, of the cookie set with the form. The token comes in the ``csrf_token``
    form field or the ``X-CSRF-Token`` header (htmx sends it on every request)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if request.url.path == "/login":
        expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    else:
        secret = request.cookies.get(SESSION_COOKIE)
        session = sessions_of(request).find(secret) if secret else None
        expected = session.csrf_token if session is not None else None
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, path: str = "/"
) -> None:
    """An HttpOnly, SameSite=Strict cookie (Secure in production), living as long as the
    browser does: the session's timeouts are kept on the server."""
    response.set_cookie(
        name,
        value,
        path=path,
        httponly=True,
        samesite="strict",
        secure=settings_of(request).environment == "production",
    )


def login_csrf(request: Request) -> str:
    """The sign-in form's CSRF token: the cookie's, or a new one."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
