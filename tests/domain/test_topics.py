"""Moved event modules: every topic a class's events were ever stored under is known."""

from __future__ import annotations

import importlib.util

from domain.topics import MOVED, current, stored_topics


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
