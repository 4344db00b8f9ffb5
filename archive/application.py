"""The one eventsourcing Application: one event store, one global sequence."""

from __future__ import annotations

from archive.accountability import AccountabilityCommands
from archive.bundles import BundleCommands
from archive.circulation import CirculationCommands
from archive.collateral import CollateralCommands, CollateralQueries
from archive.compliance_report import ReportCommands
from archive.custody import CustodyCommands
from archive.destruction import DestructionCommands
from archive.fixity import FixityChecks
from archive.grading import GradingCommands
from archive.lending import LendingCommands
from archive.monitoring import MonitoringCommands
from archive.reading import ReadQueries
from archive.rules import RulesCommands
from archive.staffing import StaffCommands
from archive.sweeping import Sweeping
from archive.verification import VerificationCommands
from archive.workout import WorkoutCommands


class DossierArchive(
    StaffCommands,
    LendingCommands,
    MonitoringCommands,
    GradingCommands,
    WorkoutCommands,
    AccountabilityCommands,
    CollateralCommands,
    CollateralQueries,
    DestructionCommands,
    CirculationCommands,
    CustodyCommands,
    BundleCommands,
    ReadQueries,
    FixityChecks,
    Sweeping,
    VerificationCommands,
    RulesCommands,
    ReportCommands,
):
    """Every command and read of the post-loan archive, over one event store."""

    # The name prefixes the PostgreSQL tables (dossierarchive_events) and eventsourcing's
    # per-application environment keys; fixed here so that it never follows a class rename.
    name = "DossierArchive"
