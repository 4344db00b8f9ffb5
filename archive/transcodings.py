"""How domain value types are written into, and read back from, stored events — and how the
topics of events stored before their module moved are read back (:mod:`domain.topics`)."""

from __future__ import annotations

import importlib
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import JSONTranscoder, Transcoding
from eventsourcing.utils import register_topic, resolve_topic

from domain import values
from domain.topics import MOVED, SPLIT, current
from domain.values import DocumentRef, LabelledEnum


class DateAsISO(Transcoding):
    """A business date as ``YYYY-MM-DD``."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    """An enum member as its value, under the enum's own name."""

    def __init__(self, enum: type[Enum]) -> None:
        self.type = enum
        self.name = f"enum:{enum.__name__}"

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        member: Enum = self.type(data)
        return member


class DocumentRefAsDict(Transcoding):
    """A cited document as a plain mapping of its metadata."""

    type = DocumentRef
    name = "document_ref"

    def encode(self, obj: DocumentRef) -> dict[str, Any]:
        return obj.as_dict()

    def decode(self, data: dict[str, Any]) -> DocumentRef:
        return DocumentRef.from_dict(data)


def _enums() -> list[type[Enum]]:
    found: list[type[Enum]] = []
    for obj in vars(values).values():
        if isinstance(obj, type) and issubclass(obj, LabelledEnum) and obj is not LabelledEnum:
            found.append(obj)
    return found


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    """Register every transcoding the domain's events need."""
    transcoder.register(DateAsISO())
    transcoder.register(DocumentRefAsDict())
    for enum in _enums():
        transcoder.register(EnumAsValue(enum))


def register_moved_topics() -> None:
    """Let eventsourcing resolve the topics of events stored before their module moved.

    Each old module of :data:`domain.topics.MOVED` is registered as the module its event
    classes are defined in today, so that a topic naming the old module resolves to the class
    of the same name in the new one; each event an old class of :data:`domain.topics.SPLIT`
    declared is registered as the event class of the same name that declares it today.
    Idempotent.
    """
    for old in MOVED:
        register_topic(old, importlib.import_module(current(old)))
    for new, old in SPLIT.items():
        cls = resolve_topic(new)
        for name, value in vars(cls).items():
            declared = not any(hasattr(base, name) for base in cls.__bases__)
            if declared and isinstance(value, type) and issubclass(value, DomainEvent):
                register_topic(f"{old}.{name}", value)
