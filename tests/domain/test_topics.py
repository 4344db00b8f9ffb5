"""Moved event modules: every topic a class's events were ever stored under is known."""

from __future__ import annotations

import importlib.util

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import resolve_topic

from archive.transcodings import register_moved_topics
from domain.custody.transfers import DossierTransfers
from domain.dossier import Dossier
from domain.topics import MOVED, SPLIT, class_topics, current, stored_topics


def test_each_moved_module_exists_only_under_its_new_name() -> None:
    for old, new in MOVED.items():
        assert importlib.util.find_spec(current(new)) is not None, new
        assert importlib.util.find_spec(old) is None, f"{old} still exists beside {new}"


def test_a_moved_class_is_read_under_its_topic_today_and_the_one_it_was_stored_under() -> None:
    old, new = next(iter(MOVED.items()))

    topics = stored_topics(f"{new}:Aggregate.Event")

    assert topics == (f"{new}:Aggregate.Event", f"{old}:Aggregate.Event")


def test_a_class_of_a_module_that_never_moved_has_one_topic() -> None:
    assert stored_topics("domain.staff:Staff.Enrolled") == ("domain.staff:Staff.Enrolled",)


def test_a_split_class_is_read_under_its_topic_today_and_the_class_it_was_split_from() -> None:
    new, old = next(iter(SPLIT.items()))

    topics = stored_topics(f"{new}.Event")

    assert topics == (f"{new}.Event", f"{old}.Event")


def test_each_class_split_off_exists_and_declares_events() -> None:
    for new in SPLIT:
        declared = [
            name
            for name, value in vars(resolve_topic(new)).items()
            if isinstance(value, type) and issubclass(value, DomainEvent)
        ]
        assert declared, new


def test_an_event_stored_before_the_split_resolves_to_the_class_that_declares_it_today() -> None:
    register_moved_topics()

    stored = resolve_topic("domain.custody:DossierCustody.TransferListed")

    assert stored is DossierTransfers.TransferListed  # type: ignore[attr-defined]
    assert "domain.custody:DossierCustody.TransferListed" in class_topics(
        Dossier.TransferListed  # type: ignore[attr-defined]
    )
