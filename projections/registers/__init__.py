"""The registers (台账), one module each, and the list the follower feeds."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from projections.projection import Projection

# (dossier id, document sha256, media type) → the document's text, read from the stored
# document (never from an event), or None when it has none or its bytes are gone.
TextSource = Callable[[UUID, str, str], str | None]


def all_registers(text_source: TextSource | None = None) -> list[Projection]:
    """A fresh instance of every register, in the order they are listed."""
    from projections.registers.archive_catalogue import ArchiveCatalogue
    from projections.registers.circulation import CirculationRegister
    from projections.registers.classification import ClassificationRegister
    from projections.registers.collateral import CollateralRegister
    from projections.registers.destruction import DestructionRegister
    from projections.registers.loan_ledger import LoanLedger
    from projections.registers.npl import NonPerformingRegister
    from projections.registers.overdue import OverdueLedger
    from projections.registers.search import DocumentSearch
    from projections.registers.trail import AccountabilityTrail
    from projections.registers.warnings import WarningLedger

    registers: list[Projection] = [
        LoanLedger(),
        ClassificationRegister(),
        OverdueLedger(),
        NonPerformingRegister(),
        WarningLedger(),
        CollateralRegister(),
        ArchiveCatalogue(),
        CirculationRegister(),
        DestructionRegister(),
        AccountabilityTrail(),
        DocumentSearch(text_source),
    ]
    return registers
