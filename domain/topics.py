"""The topics of stored events whose classes have moved since they were stored.

An event is stored with its topic, ``module:Class.Event``
(``domain.custody:DossierCustody.HoldPlaced``), and read back by resolving that topic to a class. Moving a module that defines
events changes the topic new events are stored under; events stored before keep the old one,
byte for byte (the Merkle log hashes them as stored). Every such move is listed in
:data:`MOVED`, old module → new module, so that

* the application registers each old module name with eventsourcing (``register_topic``, in
  :mod:`archive.application`): an old topic then resolves to the class where it now lives;
* code that selects or dispatches on topic strings (the registers' handlers, reads of one event
  class from the log) asks :func:`stored_topics` for every topic an event class may be stored
  under, not only the current one.

A module is listed here before it is moved, and never taken off: stores written before the move
hold its old topics for ever. Moving an event class to another module under the same name is a
module move as well (list the old module).

A class whose events were shared out among several classes (a layer split by area) is listed in
:data:`SPLIT`, each new class → the class that declared its events before: the application
registers each old event topic as the event class of the same name on the new class, and
:func:`stored_topics` names it. Renaming an event itself is not supported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

MOVED: Final[Mapping[str, str]] = MappingProxyType(
    {
        # Destruction batches (销毁批次): the disposition area.
        "domain.destruction": "domain.disposition",
        # The Loan's five-level classification layer.
        "domain.loan.classifying": "domain.loan.classification",
    }
)
"""Old module → the module its event classes went to (which may itself have moved later)."""

SPLIT: Final[Mapping[str, str]] = MappingProxyType(
    {
        # The dossier's custody layer (档案室), one class until it was split by area.
        "domain.custody.transfers:DossierTransfers": "domain.custody:DossierCustody",
        "domain.custody.retention:DossierCustody": "domain.custody:DossierCustody",
    }
)
"""A class today (``module:Class``) → the class that declared its events before the split."""


def current(module: str) -> str:
    """Where the event classes of ``module`` are defined today."""
    while module in MOVED:
        module = MOVED[module]
    return module


def stored_topics(topic: str) -> tuple[str, ...]:
    """``topic`` (a class's topic today) and every topic its events were stored under before.

    >>> stored_topics("domain.disposition:DestructionBatch.Executed")[1]
    'domain.destruction:DestructionBatch.Executed'
    >>> stored_topics("domain.custody.retention:DossierCustody.HoldPlaced")[1]
    'domain.custody:DossierCustody.HoldPlaced'

    """
    module, _, name = topic.partition(":")
    older = [old for old, new in MOVED.items() if new == module]
    topics = [topic]
    while older:
        old = older.pop(0)
        topics.append(f"{old}:{name}")
        older.extend(o for o, n in MOVED.items() if n == old)
    owner, _, event_name = name.rpartition(".")
    split_from = SPLIT.get(f"{module}:{owner}")
    if split_from is not None:
        topics.extend(stored_topics(f"{split_from}.{event_name}"))
    return tuple(topics)


def class_topics(event_class: type) -> tuple[str, ...]:
    """Every topic events of ``event_class`` may be stored under.

    An aggregate built as a chain of classes stores an event under the class that declared it
    (``LoanCore.RepaymentRecorded``) while code may name it on a later class of the chain
    (``Loan.RepaymentRecorded``): the topics of the class and of every same-named class it
    derives from, each with the topics it had before a move or split (:func:`stored_topics`).
    """
    topics: list[str] = []
    for base in event_class.__mro__:
        if base.__name__ == event_class.__name__:
            topics.extend(stored_topics(f"{base.__module__}:{base.__qualname__}"))
    return tuple(dict.fromkeys(topics))
