"""The console's left navigation: one entry per area, shown to whoever may use it.

An area is shown when the person, in the role they act in, may take one of the actions it
needs — the application's own permission check (:meth:`DossierArchive.permitted`), so a link is
never offered to a page that would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.web.i18n import N_
from domain.authorization import Action


@dataclass(frozen=True)
class Area:
    """A part of the console: where it is, its name (a message id) and who may use it."""

    key: str
    path: str
    label: str
    needs: frozenset[Action]
    """Any one of these lets a person use the area; none: everyone signed in."""

    def shown_to(self, allowed: frozenset[Action]) -> bool:
        return not self.needs or bool(self.needs & allowed)


AREAS: tuple[Area, ...] = (
    Area("workbench", "/", N_("Workbench"), frozenset()),
    Area("loans", "/loans", N_("Loan dossiers"), frozenset({Action.READ_BUSINESS})),
    Area("archive", "/archive", N_("Archive room"), frozenset({Action.READ_ARCHIVE_RECORDS})),
    Area(
        "desk",
        "/archive/desk",
        N_("Borrowing desk"),
        frozenset({Action.APPROVE_BORROWING, Action.CHECK_OUT_BORROWING, Action.RETURN_BORROWING}),
    ),
    Area(
        "audit",
        "/audit",
        N_("Audit"),
        frozenset({Action.READ_TRAIL, Action.VERIFY_INTEGRITY, Action.READ_TRUSTED_KEYS}),
    ),
    Area("compliance", "/compliance", N_("Compliance"), frozenset({Action.READ_COMPLIANCE_REPORT})),
    Area("portfolio", "/portfolio", N_("Portfolio"), frozenset({Action.READ_PORTFOLIO})),
    Area("registers", "/registers", N_("Registers"), frozenset({Action.READ_BUSINESS})),
    Area("feed", "/feed", N_("Core feed"), frozenset({Action.IMPORT_FEED, Action.READ_FEED})),
    Area("admin", "/admin", N_("Administration"), frozenset({Action.READ_STAFF})),
)
AREA = {a.key: a for a in AREAS}


def visible(allowed: frozenset[Action]) -> list[Area]:
    return [a for a in AREAS if a.shown_to(allowed)]
