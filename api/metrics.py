"""Prometheus metrics of the service, served at ``/metrics`` (text exposition format).

One registry of the service's own (not the library's global one), so every app built in a
process — the tests build many — counts into the same collectors without registering twice.

Two kinds of metric:

- counted where the thing happens: requests (by route template, never the raw path, so the
  label values are bounded), commands (by class and outcome, through ``observe_commands``),
  fixity checks, verification runs and blob-store errors;
- read when scraped (``StateCollector``) from the app being served: each register's position
  against the log's head, the sealer's lag and the latest checkpoint's age, import jobs by
  state. Those reads go by key or by index (no scan of the log, the leaves or the registers);
  a read that fails leaves its metrics out and sets ``dossier_metrics_source_up`` to 0.

No label carries business data: route templates, class names, register names, statuses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, BinaryIO

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from archive.application import DossierArchive, Outcome, observe_commands
from archive.commands import Command
from archive.commands.integrity import CheckDossierFixity, CheckFixity, DossierFixity
from archive.verification.report import VerificationReport
from projections.health import readiness, sealing
from projections.service import RegisterService
from storage.blobs import BlobLockedError, BlobNotFoundError, BlobStore, InvalidBlobKeyError
from storage.integrity_store import IntegrityStore

log = structlog.get_logger("dossier.metrics")

REGISTRY = CollectorRegistry(auto_describe=True)

CONSOLE_LOGIN_FAILURES = Counter(
    "dossier_console_login_failures",
    "Refused sign-ins at the web console, by reason (unknown_staff_no is recorded nowhere else).",
    labelnames=["reason"],
    registry=REGISTRY,
)
CONSOLE_LOGINS = Counter(
    "dossier_console_logins", "Sign-ins at the web console.", registry=REGISTRY
)

HTTP_REQUESTS = Counter(
    "dossier_http_requests",
    "HTTP requests answered, by method, route template and status.",
    labelnames=["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "dossier_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    labelnames=["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
COMMANDS = Counter(
    "dossier_commands",
    "Commands executed, by command and outcome (ok, refused by a rule, failed).",
    labelnames=["command", "outcome"],
    registry=REGISTRY,
)
COMMAND_DURATION = Histogram(
    "dossier_command_duration_seconds",
    "Time to execute a command, by command.",
    labelnames=["command"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120),
    registry=REGISTRY,
)
FIXITY_RESULTS = Counter(
    "dossier_fixity_results",
    "Documents re-checked for fixity (四性检测), by result.",
    labelnames=["status"],
    registry=REGISTRY,
)
FIXITY_LAST_RUN = Gauge(
    "dossier_fixity_last_run_timestamp_seconds",
    "When the last fixity check in this process finished (Unix time).",
    registry=REGISTRY,
)
FIXITY_LAST_RUN_FAILED = Gauge(
    "dossier_fixity_last_run_failed_dossiers",
    "Dossiers that did not pass the last fixity check in this process.",
    registry=REGISTRY,
)
VERIFICATIONS = Counter(
    "dossier_verification_runs",
    "Integrity verification runs, by outcome (intact or discrepancies).",
    labelnames=["outcome"],
    registry=REGISTRY,
)
VERIFICATION_LAST_RUN = Gauge(
    "dossier_verification_last_run_timestamp_seconds",
    "When the last verification run in this process finished (Unix time).",
    registry=REGISTRY,
)
VERIFICATION_LAST_INTACT = Gauge(
    "dossier_verification_last_run_intact",
    "1 if the last verification run in this process found the record intact, else 0.",
    registry=REGISTRY,
)
VERIFICATION_LAST_DISCREPANCIES = Gauge(
    "dossier_verification_last_run_discrepancies",
    "Discrepancies the last verification run in this process found.",
    registry=REGISTRY,
)
VERIFICATION_LAST_EVENTS = Gauge(
    "dossier_verification_last_run_events_checked",
    "Events the last verification run in this process checked.",
    registry=REGISTRY,
)
BLOB_ERRORS = Counter(
    "dossier_blob_store_errors",
    "Blob store operations that failed (not a missing or locked object), by operation and error.",
    labelnames=["operation", "error"],
    registry=REGISTRY,
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_served(method: str, route: str | None, status: int, seconds: float) -> None:
    """Count one answered request under its route template (``unmatched`` for none)."""
    shown = method if method in _METHODS else "other"
    template = route or "unmatched"
    HTTP_REQUESTS.labels(shown, template, str(status)).inc()
    HTTP_DURATION.labels(shown, template).observe(seconds)


def command_executed(command: type[Command], outcome: Outcome, seconds: float, result: Any) -> None:
    """The archive's command observer: count the command, and a fixity check's results."""
    COMMANDS.labels(command.__name__, outcome).inc()
    COMMAND_DURATION.labels(command.__name__).observe(seconds)
    if outcome == "ok" and command in (CheckFixity, CheckDossierFixity):
        checked: list[DossierFixity] = [result] if isinstance(result, DossierFixity) else result
        for dossier in checked:
            for found in dossier.results:
                FIXITY_RESULTS.labels(found.status.value).inc()
        FIXITY_LAST_RUN.set(time.time())
        FIXITY_LAST_RUN_FAILED.set(sum(1 for dossier in checked if not dossier.passed))


observe_commands(command_executed)


def verification_ran(report: VerificationReport) -> None:
    """Note a finished verification run."""
    VERIFICATIONS.labels("intact" if report.intact else "discrepancies").inc()
    VERIFICATION_LAST_RUN.set(report.finished_at.timestamp())
    VERIFICATION_LAST_INTACT.set(1 if report.intact else 0)
    VERIFICATION_LAST_DISCREPANCIES.set(report.discrepancy_count)
    VERIFICATION_LAST_EVENTS.set(report.events_checked)


# ------------------------------------------------------------------------ read when scraped
@dataclass(frozen=True)
class Served:
    """What the running app serves, for the metrics read at scrape time."""

    archive: DossierArchive
    registers: RegisterService
    integrity: IntegrityStore
    feed_jobs: Any
    """``api.feed_jobs.FeedJobs`` (its ``listed()``)."""
    max_lag_seconds: float
    max_seal_lag_seconds: float


JOB_STATES = ("queued", "running", "applied", "refused", "failed")


class StateCollector(Collector):
    """Metrics read from the served app when scraped (none while no app is serving)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._served: Served | None = None

    def attach(self, served: Served) -> None:
        with self._lock:
            self._served = served

    def detach(self, served: Served) -> None:
        with self._lock:
            if self._served is served:
                self._served = None

    def describe(self) -> Iterator[Metric]:
        return iter(())  # read at scrape time: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            served = self._served
        if served is None:
            return
        up = GaugeMetricFamily(
            "dossier_metrics_source_up",
            "1 if the metrics of this source could be read at this scrape, else 0.",
            labels=["source"],
        )
        for source, read in (
            ("registers", _registers),
            ("sealer", _sealer),
            ("import_jobs", _jobs),
        ):
            try:
                families = read(served)
            except Exception as error:
                log.warning("metrics_read_failed", source=source, error_type=type(error).__name__)
                up.add_metric([source], 0)
                continue
            up.add_metric([source], 1)
            yield from families
        yield up


def _registers(served: Served) -> Sequence[Metric]:
    found = readiness(
        served.registers.store,
        served.archive.recorder,
        served.archive.mapper,
        list(served.registers.projections),
        max_lag_seconds=served.max_lag_seconds,
    )
    head = GaugeMetricFamily("dossier_log_head_position", "Position of the newest event.")
    head.add_metric([], found.head)
    position = GaugeMetricFamily(
        "dossier_register_position", "Log position each register has applied.", labels=["register"]
    )
    behind = GaugeMetricFamily(
        "dossier_register_behind_events",
        "Log positions between a register's position and the head (follower lag).",
        labels=["register"],
    )
    lag = GaugeMetricFamily(
        "dossier_register_lag_seconds",
        "How long the oldest event a register has not applied has waited (0 at the head).",
        labels=["register"],
    )
    failed = GaugeMetricFamily(
        "dossier_register_failed",
        "1 if a register has stopped at an event it cannot apply, else 0.",
        labels=["register"],
    )
    for r in found.registers:
        position.add_metric([r.name], r.position)
        behind.add_metric([r.name], r.behind)
        lag.add_metric([r.name], r.lag_seconds or 0.0)
        failed.add_metric([r.name], 1 if r.failure is not None else 0)
    return [head, position, behind, lag, failed]


def _sealer(served: Served) -> Sequence[Metric]:
    now = datetime.now(UTC)
    found = sealing(
        served.integrity,
        served.archive.recorder,
        served.archive.mapper,
        max_lag_seconds=served.max_seal_lag_seconds,
        now=now,
    )
    unsealed = GaugeMetricFamily(
        "dossier_sealer_unsealed_events",
        "Log positions after the last event the latest signed checkpoint covers.",
    )
    unsealed.add_metric([], found.unsealed)
    lag = GaugeMetricFamily(
        "dossier_sealer_lag_seconds",
        "How long the first event no checkpoint covers has waited (0 when all are sealed).",
    )
    lag.add_metric([], found.lag_seconds or 0.0)
    size = GaugeMetricFamily(
        "dossier_checkpoint_tree_size", "Events the latest signed checkpoint covers."
    )
    size.add_metric([], found.tree_size)
    families: list[Metric] = [unsealed, lag, size]
    age = found.checkpoint_age(now)
    if age is not None:
        last = GaugeMetricFamily(
            "dossier_checkpoint_age_seconds", "How long ago the latest checkpoint was signed."
        )
        last.add_metric([], age)
        families.append(last)
    return families


def _jobs(served: Served) -> Sequence[Metric]:
    counts = dict.fromkeys(JOB_STATES, 0)
    for job in served.feed_jobs.listed():
        counts[job.status] = counts.get(job.status, 0) + 1
    jobs = GaugeMetricFamily(
        "dossier_import_jobs",
        "Core-feed import jobs this process remembers, by state.",
        labels=["state"],
    )
    for state, count in counts.items():
        jobs.add_metric([state], count)
    return [jobs]


STATE = StateCollector()
REGISTRY.register(STATE)


def exposition() -> tuple[bytes, str]:
    """The metrics as Prometheus reads them, and their content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


# ------------------------------------------------------------------------ blob store errors
_ANSWERS = (BlobNotFoundError, InvalidBlobKeyError, BlobLockedError)
"""What a blob store says about an object, not a failure of the store."""


class CountedBlobStore(BlobStore):
    """A blob store whose failures are counted in ``dossier_blob_store_errors``."""

    def __init__(self, inner: BlobStore) -> None:
        self._inner = inner

    @property
    def inner(self) -> BlobStore:
        return self._inner

    def _call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self._inner, operation)(*args, **kwargs)
        except _ANSWERS:
            raise
        except Exception as error:
            BLOB_ERRORS.labels(operation, type(error).__name__).inc()
            raise

    def put(self, key: str, data: BinaryIO, *, retain_until: datetime | None = None) -> bool:
        result: bool = self._call("put", key, data, retain_until=retain_until)
        return result

    def open(self, key: str) -> BinaryIO:
        stream: IO[bytes] = self._call("open", key)
        return stream  # type: ignore[return-value]

    def exists(self, key: str) -> bool:
        result: bool = self._call("exists", key)
        return result

    def delete(self, key: str) -> None:
        self._call("delete", key)

    def keys(self) -> Iterator[str]:
        try:
            yield from self._inner.keys()
        except Exception as error:
            BLOB_ERRORS.labels("keys", type(error).__name__).inc()
            raise

    def count(self) -> int:
        result: int = self._call("count")
        return result

    def set_retention(self, key: str, until: datetime) -> None:
        self._call("set_retention", key, until)

    def set_legal_hold(self, key: str, on: bool) -> None:
        self._call("set_legal_hold", key, on)

    def legal_hold(self, key: str) -> bool:
        result: bool = self._call("legal_hold", key)
        return result

    def modified(self, key: str) -> datetime:
        result: datetime = self._call("modified", key)
        return result

    def check(self) -> None:
        self._call("check")
