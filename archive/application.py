"""The one eventsourcing Application: one event store, one global sequence."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

from archive.commands import Command, handler_of
from archive.commands.borrowing import BorrowingCommands
from archive.commands.classification import ClassificationCommands
from archive.commands.collateral import CollateralCommands, CollateralQueries
from archive.commands.collection import CollectionCommands
from archive.commands.custody import CustodyCommands
from archive.commands.customers import CustomerCommands
from archive.commands.disposal import DisposalCommands
from archive.commands.disposition import DispositionCommands
from archive.commands.duties import DutyCommands
from archive.commands.feedback import FeedbackCommands
from archive.commands.guanhu import GuanhuCommands
from archive.commands.guarantees import GuaranteeCommands
from archive.commands.information import InformationCommands
from archive.commands.inspections import InspectionCommands
from archive.commands.integrity import FixityChecks
from archive.commands.lifecycle import LifecycleCommands
from archive.commands.login import LoginCommands
from archive.commands.losses import LossCommands
from archive.commands.monitoring import MonitoringCommands
from archive.commands.papers import PaperCommands
from archive.commands.partners import PartnerCommands
from archive.commands.responsibility import ResponsibilityCommands
from archive.commands.risk_control import RiskControlCommands
from archive.commands.scope import ScopeCommands
from archive.commands.staff import StaffCommands
from archive.commands.supervision import SupervisionCommands
from archive.commands.warnings import WarningCommands
from archive.commands.watch import WatchCommands
from archive.commands.workout import WorkoutCommands
from archive.commands.zones import ZoneCommands
from archive.core import CommandContext, expecting
from archive.documents.ingest import Upload
from archive.documents.sweeping import Sweeping
from archive.feed.importing import FeedCommands
from archive.feed.reading import FeedQueries
from archive.reading import ReadQueries
from archive.reports.bundles import BundleCommands
from archive.reports.compliance import ReportCommands
from archive.reports.risk import RiskReportCommands
from archive.rules import RulesCommands
from archive.verification import VerificationCommands
from domain.errors import DomainError, InvalidInputError

Outcome = Literal["ok", "refused", "failed"]
"""What became of a command: done, refused by a rule (a DomainError, answered 4xx), or failed."""

CommandObserver = Callable[[type[Command], Outcome, float, Any], None]
"""Told of every command executed in this process: its class, outcome, seconds taken and its
result (None unless it was done). It must not raise."""

_OBSERVERS: list[CommandObserver] = []


def observe_commands(observer: CommandObserver) -> None:
    """Tell ``observer`` of every command executed from now on (once, however often added)."""
    if observer not in _OBSERVERS:
        _OBSERVERS.append(observer)


class DossierArchive(
    StaffCommands,
    LoginCommands,
    LifecycleCommands,
    InspectionCommands,
    WarningCommands,
    ClassificationCommands,
    CollectionCommands,
    GuaranteeCommands,
    WorkoutCommands,
    WatchCommands,
    DisposalCommands,
    LossCommands,
    ZoneCommands,
    ResponsibilityCommands,
    InformationCommands,
    ScopeCommands,
    GuanhuCommands,
    CustomerCommands,
    DutyCommands,
    SupervisionCommands,
    RiskControlCommands,
    FeedbackCommands,
    PaperCommands,
    MonitoringCommands,
    PartnerCommands,
    CollateralCommands,
    CollateralQueries,
    DispositionCommands,
    BorrowingCommands,
    CustodyCommands,
    FeedCommands,
    FeedQueries,
    BundleCommands,
    ReadQueries,
    FixityChecks,
    Sweeping,
    VerificationCommands,
    RulesCommands,
    ReportCommands,
    RiskReportCommands,
):
    """Every command and read of the post-loan archive, over one event store."""

    # The name prefixes the PostgreSQL tables (dossierarchive_events) and eventsourcing's
    # per-application environment keys; fixed here so that it never follows a class rename.
    name = "DossierArchive"

    def execute(self, ctx: CommandContext, command: Command, uploads: Sequence[Upload] = ()) -> Any:
        """Hand ``command`` to the method that handles it, with its documents.

        The command's ``expected_version`` joins the caller's context (it must agree with the
        If-Match the caller sent); a command that files no documents refuses any. Every
        observer (``observe_commands``) is told what became of it.
        """
        started = time.perf_counter()
        outcome: Outcome = "failed"
        result: Any = None
        try:
            result = self._dispatch(ctx, command, uploads)
            outcome = "ok"
            return result
        except DomainError:
            outcome = "refused"
            raise
        finally:
            seconds = time.perf_counter() - started
            for observer in _OBSERVERS:
                observer(type(command), outcome, seconds, result)

    def _dispatch(self, ctx: CommandContext, command: Command, uploads: Sequence[Upload]) -> Any:
        handler = handler_of(type(command))
        ctx = expecting(ctx, command.expected_version)
        if type(command).files_documents:
            return handler(self, ctx, command, uploads)
        if uploads:
            raise InvalidInputError(
                "此操作不附文件；补充材料请通过 /dossier/documents 归档",
                "this command files no documents; file supplements through /dossier/documents",
                field=uploads[0].doc_type,
            )
        return handler(self, ctx, command)
