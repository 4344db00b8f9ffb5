"""Settings of the application itself: upload limits, formats, the bank's time zone.

The rules a bank may configure — the document-type catalogue, sub-grades, reference-code
parts, deadlines, owners — are not here: they are the rule set in force (``domain.rules``,
read by commands through ``ArchiveCore.rule_set``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArchiveConfig:
    """Configuration of the application: limits, formats, time zone, background work."""

    max_upload_bytes: int = 50 * 1024 * 1024
    minimum_retention_years: int = 10
    """Every stored object is locked at least this long (the shortest retention class, D10,
    counts from the year after settlement, so no dossier's retention ends sooner). Where the
    store supports it (S3 Object Lock) not even its administrator can delete it earlier;
    destruction when retention ends deletes the dossier's data key instead."""
    timezone: str = "Asia/Shanghai"
    """The bank's time zone: which calendar day "today" is for the archive's own checks."""
    future_date_tolerance_days: int = 0
    """How many days after today the date of something that happened may lie (domain.dates):
    0, the default, allows up to today in the bank's calendar."""
    login_max_failures: int = 5
    """Wrong passwords in a row that lock a person's sign-in (登录失败锁定)…"""
    login_lockout_minutes: int = 15
    """… for this long; an administrator setting a new password lifts it sooner."""
    fed_by_core: bool = False
    """The core-banking feed is enabled (DOSSIER_FEED_ENABLED): what the core system owns —
    disbursements, repayments, arrears, settlement — comes only from its day-end batches, and
    recording it by hand is refused (``fed_by_core``). Extensions and write-offs stay manual."""
    extract_text: bool = False
    """Extract the text of stored PDFs in the background (the service turns this on)."""
    allowed_media_types: frozenset[str] = frozenset(
        {"application/pdf", "application/ofd", "image/jpeg", "image/png", "image/tiff"}
    )
