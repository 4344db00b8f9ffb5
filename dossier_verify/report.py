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
    """

    bag: str
    problems: list[Problem] = field(default_factory=list)
    events: int = 0
    documents: int = 0
    checkpoint: dict[str, Any] = field(default_factory=dict)
    anchored: bool = False
    """Whether the checkpoint was checked against trusted keys given (``--key``)."""

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": [p.as_json() for p in self.problems],
            "events": self.events,
            "documents": self.documents,
            "checkpoint": dict(self.checkpoint),
            "anchored": self.anchored,
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
