"""Idempotency receipts: the first result of a command, saved with its events.

A receipt is an aggregate whose id is derived from the caller and their
``Idempotency-Key``; it is saved in the same ``save()`` as the command's own
events, so either both exist or neither does, and a retry that races the
original loses on the receipt's version instead of recording twice.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.values import NAMESPACE


@lru_cache(maxsize=1 << 16)  # the core's feed names each borrower twice as it books a loan
def _borrower_index_id(borrower_id: str) -> UUID:
    return uuid5(NAMESPACE, f"borrower:{borrower_id}")


class CommandReceipt(Aggregate):
    """The outcome of one command sent with an Idempotency-Key."""

    @staticmethod
    def create_id(actor_id: UUID, key: str) -> UUID:
        return uuid5(NAMESPACE, f"receipt:{actor_id}:{key}")

    @event("Recorded")
    def __init__(
        self, *, actor_id: UUID, key: str, fingerprint: str, result: dict[str, Any]
    ) -> None:
        self.actor_id = actor_id
        self.key = key
        self.fingerprint = fingerprint
        self.result = result


class BorrowerIndex(Aggregate):
    """The loans of one borrower, so borrower-wide floors can be computed."""

    @staticmethod
    def create_id(borrower_id: str) -> UUID:
        return _borrower_index_id(borrower_id)

    @event("Indexed")
    def __init__(self, *, borrower_id: str) -> None:
        self.borrower_id = borrower_id
        self.loan_ids: list[UUID] = []

    @event("LoanAdded")
    def add_loan(self, *, loan_id: UUID) -> None:
        self.loan_ids.append(loan_id)

    @classmethod
    def of_borrower(cls, borrower_id: str) -> BorrowerIndex:
        """``BorrowerIndex(borrower_id=...)``, the same ``Indexed`` event triggered without the
        decorator's look at the call's arguments (the core feed books thousands of loans)."""
        indexed = cls.Indexed  # type: ignore[attr-defined]
        return cls._create(indexed, id=cls.create_id(borrower_id), borrower_id=borrower_id)

    def add_booked_loan(self, loan_id: UUID) -> None:
        """:meth:`add_loan`'s ``LoanAdded`` event, triggered directly, likewise."""
        self.trigger_event(self.LoanAdded, loan_id=loan_id)  # type: ignore[attr-defined]

    @event("GradeNoted")
    def note_grade(self, *, loan_id: UUID, grade: str) -> None:
        """Note an approved grade, so approvals on one borrower's loans are serialised.

        The borrower-wide floor reads every loan of the borrower; two approvals on
        two of its loans at once would each read the other's old grade. Saving
        this event with each approval makes the second one a conflict instead.
        """
