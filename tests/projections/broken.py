"""An event no register expects: what an older release, or a hand-edited store, may hold.

A repayment whose ``documents`` is a count, not the list of documents it cites — the shape
that once stopped every register (audit bundles of version 1). Registers that read it as a
list cannot apply it; those that never look at repayments are not concerned.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from eventsourcing.persistence import StoredEvent

from archive.application import DossierArchive
from domain.values import Role, loan_id_for

TOPIC = "domain.loan.core:LoanCore.RepaymentRecorded"
EVENT_TYPE = "LoanCore.RepaymentRecorded"


def record_a_malformed_repayment(app: DossierArchive, loan_no: str) -> int:
    """Append, as the next event of the loan, a repayment citing ``3`` instead of documents;
    return its position."""
    loan_id = loan_id_for(loan_no)
    version = len(app.recorder.select_events(loan_id)) + 1
    state = app.mapper.transcoder.encode(
        {
            "timestamp": datetime.now(UTC),
            "paid_on": datetime.now(UTC).date(),
            "principal": Decimal("100.00"),
            "interest": Decimal("1.00"),
            "on_time": True,
            "recovery": False,
            "documents": 3,
            "actor_id": loan_id,
            "role": Role.ACCOUNT_MANAGER,
        }
    )
    app.recorder.insert_events(
        [StoredEvent(originator_id=loan_id, originator_version=version, topic=TOPIC, state=state)]
    )
    return app.recorder.max_notification_id() or 0
