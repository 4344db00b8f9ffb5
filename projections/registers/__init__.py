"""The registers (台账), one module each, and the list the follower feeds."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain.rules import RuleSet
from projections.projection import Projection

# (dossier id, document sha256, media type) → the document's text, read from the stored
# document (never from an event), or None when it has none or its bytes are gone.
TextSource = Callable[[UUID, str, str], str | None]


def all_registers(
    text_source: TextSource | None = None,
    *,
    index_key: Callable[[], bytes | None] | None = None,
    default_rules: RuleSet | None = None,
    timezone: str = "Asia/Shanghai",
) -> list[Projection]:
    """A fresh instance of every register, in the order they are listed.

    ``index_key`` gives the key of the document search's term hashes (from the key store).

    ``default_rules`` judge the log before its first ``RulesInForce`` event (default: the
    shipped rules); ``timezone`` is the bank's, in which record times become business dates.
    """
    from projections.registers.assessment import AssessmentRegister
    from projections.registers.borrowing import CirculationRegister
    from projections.registers.classification import ClassificationRegister
    from projections.registers.collateral import CollateralRegister
    from projections.registers.collection import OverdueLedger
    from projections.registers.custody import ArchiveCatalogue
    from projections.registers.customers import CustomerFileRegister
    from projections.registers.disposition import DestructionRegister
    from projections.registers.feed import FeedBatchRegister
    from projections.registers.feedback import FeedbackRegister
    from projections.registers.filing.completeness.register import CompletenessRegister
    from projections.registers.filing.search import DocumentSearch
    from projections.registers.guanhu import CustomerRegister
    from projections.registers.inspections import InspectionRegister
    from projections.registers.lifecycle import LoanLedger
    from projections.registers.monitoring import MonitoringRegister
    from projections.registers.papers import PaperRegister
    from projections.registers.partners import PartnerRegister
    from projections.registers.repayments import RepaymentRegister
    from projections.registers.responsibility import AccountabilityTrail
    from projections.registers.risk_control import RiskControlRegister
    from projections.registers.scope import ScopeRegister
    from projections.registers.staff import StaffDirectory
    from projections.registers.supervision import SupervisionRegister
    from projections.registers.tasks import WorkQueue
    from projections.registers.warnings import WarningLedger
    from projections.registers.workout import NonPerformingRegister
    from projections.registers.zones import ZoneRegister

    registers: list[Projection] = [
        LoanLedger(default_rules),
        ClassificationRegister(),
        OverdueLedger(),
        NonPerformingRegister(),
        WarningLedger(default_rules),
        CollateralRegister(),
        ArchiveCatalogue(),
        CirculationRegister(),
        DestructionRegister(),
        CompletenessRegister(default_rules, timezone),
        WorkQueue(default_rules, timezone),
        AccountabilityTrail(),
        StaffDirectory(),
        DocumentSearch(text_source, index_key=index_key),
        ScopeRegister(),
        CustomerRegister(default_rules),
        SupervisionRegister(),
        PaperRegister(),
        MonitoringRegister(),
        ZoneRegister(default_rules),
        RiskControlRegister(),
        InspectionRegister(),
        AssessmentRegister(),
        FeedbackRegister(),
        CustomerFileRegister(timezone),
        PartnerRegister(),
        RepaymentRegister(),
        FeedBatchRegister(),
    ]
    return registers
