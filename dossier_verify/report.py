"""What a verification found: one ``Problem`` per failed check, gathered in a ``Report``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One failed check: the bag file it concerns, a stable check name and what is wrong.

    ``file`` is a path relative to the bag's root (``data/events/17.state``); ``event`` is the
    notification id of the event concerned, if any. The text comes in English (``detail``) and
    Chinese (``detail_zh``).
    """

    file: str
    check: str
    detail: str
    detail_zh: str
    event: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "check": self.check, "detail": self.detail}


@dataclass
class Report:
    """The outcome of verifying one bag.

    ``events`` counts the events in the bag (``data/events/<id>.json``), ``documents`` the
    document files (``data/documents/*``); ``checkpoint`` holds the checkpoint's fields as read,
    with the public key that verified it (empty when there is no readable checkpoint).
    ``pinned`` says whether the auditor pinned a key (``--key``), ``anchored`` whether the bag's
    signed statement (or, in a bag of an earlier release, its checkpoint) is signed by it, and
    ``whole`` whether the statement shows the bag holds every event and file it should.
    """

    bag: str
    problems: list[Problem] = field(default_factory=list)
    events: int = 0
    documents: int = 0
    checkpoint: dict[str, Any] = field(default_factory=dict)
    bundle_version: int = 1
    pinned: bool = False
    anchored: bool = False
    whole: bool = False

    @property
    def ok(self) -> bool:
        """True when every check passed (with or without a pinned key)."""
        return not self.problems

    @property
    def verdict(self) -> str:
        """``failed``; ``unanchored`` (nothing wrong found, but no key pinned, so nothing says
        whose bag it is); ``old_format`` (anchored, but without a signed statement — a bag of
        an earlier release, or a later one relabelled as such — so it cannot prove it holds
        all of the loan's events and files as issued); or ``intact``."""
        if self.problems:
            return "failed"
        if not self.anchored:
            return "unanchored"
        return "intact" if self.whole else "old_format"

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verdict": self.verdict,
            "bundle_version": self.bundle_version,
            "anchored": self.anchored,
            "whole": self.whole,
            "problems": [p.as_json() for p in self.problems],
            "events": self.events,
            "documents": self.documents,
            "checkpoint": dict(self.checkpoint),
        }


class Problems:
    """A list of problems being collected, with a short way to add one."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def add(
        self, file: str, check: str, detail: str, detail_zh: str, event: int | None = None
    ) -> None:
        self.found.append(Problem(file, check, detail, detail_zh, event))

    def __len__(self) -> int:
        return len(self.found)
