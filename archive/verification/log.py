"""Checks a and b of ``dossier verify``: the stored events merged with their leaves.

The walk reads the events and the leaves side by side, by notification id. An event whose
recomputed leaf differs from the stored one was changed (or its leaf row was: ``LeafOrEvent``
tells which once the checkpoints have been checked); a leaf without its event marks a deleted
event, or, past the last event, a log cut short; an event without a leaf inside the sealed range
was inserted. Consecutive findings of one kind become one finding over a range, so that one
forged event that shifted a thousand others is one line, not a thousand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Final, Protocol

from eventsourcing.persistence import Notification

from archive.verification.report import Finding, Findings, UnsealedTail
from storage.sealing import event_leaf_hash

UNDECODABLE: Final = (ValueError, TypeError, AttributeError)
"""What the event store or the entry raises on a stored row it cannot decode."""
UNREADABLE: Final = "\x00unreadable"
"""The topic of the placeholder for a stored row the event store cannot decode."""


class StoredLeaf(Protocol):
    """A leaf as the integrity store reads it (``storage.integrity_store.Leaf``)."""

    @property
    def index(self) -> int: ...
    @property
    def notification_id(self) -> int: ...
    @property
    def hash(self) -> bytes: ...


class Walk:
    """The events merged with the leaves by notification id (checks a and b).

    ``merge`` yields each event after comparing it; ``hash`` is then its recomputed leaf hash.
    """

    def __init__(self, findings: Findings, covered: int) -> None:
        self.findings = findings
        self.covered = covered
        self.events = 0
        self.last_position = 0
        self.hash = b""
        self._tail: list[int] = []  # [count, first, last]

    def merge(
        self, events: Iterator[Notification], leaves: Iterable[StoredLeaf]
    ) -> Iterator[Notification]:
        leaf_iter = iter(leaves)
        leaf = next(leaf_iter, None)
        expected_index = 0
        for note in events:
            while leaf is not None and leaf.notification_id < note.id:
                self._leaf_without_event(leaf.notification_id, last=False)
                expected_index = self._check_index(leaf.index, expected_index)
                leaf = next(leaf_iter, None)
            self.events += 1
            self.last_position = note.id
            self.hash = _leaf_hash(note)
            unreadable = note.topic == UNREADABLE
            if leaf is not None and leaf.notification_id == note.id:
                expected_index = self._check_index(leaf.index, expected_index)
                if unreadable:
                    self.findings.along_log("event_unreadable", note.id, _unreadable)
                elif self.hash != leaf.hash:
                    self.findings.along_log("event_altered", note.id, _altered, self.events)
                else:
                    self.findings.break_run()
                leaf = next(leaf_iter, None)
            elif unreadable:
                self.findings.along_log("event_unreadable", note.id, _unreadable)
            elif leaf is not None:
                self.findings.along_log("event_inserted", note.id, _inserted, self.events)
            elif self.events <= self.covered:
                self.findings.along_log("leaf_missing", note.id, _leafless)
            else:
                self.findings.break_run()
            if self.events > self.covered:
                self._in_tail(note.id)
            yield note
        while leaf is not None:
            self._leaf_without_event(leaf.notification_id, last=True)
            expected_index = self._check_index(leaf.index, expected_index)
            leaf = next(leaf_iter, None)

    def _leaf_without_event(self, position: int, *, last: bool) -> None:
        if last:
            self.findings.along_log("log_truncated", position, _truncated)
        else:
            self.findings.along_log("event_missing", position, _missing)

    def _check_index(self, index: int, expected: int) -> int:
        if index != expected:
            self.findings.break_run()
            self.findings.add(
                Finding(
                    "leaf_table",
                    f"the leaf table skips from leaf {expected - 1} to leaf {index}: leaves were "
                    "deleted from the integrity store",
                    f"叶子表从第 {expected - 1} 个叶子跳到第 {index} 个：完整性存储中的叶子被删除",
                )
            )
        return index + 1

    def _in_tail(self, position: int) -> None:
        if not self._tail:
            self._tail = [0, position, position]
        self._tail[0] += 1
        self._tail[2] = position

    def tail(self) -> UnsealedTail | None:
        if not self._tail:
            return None
        count, first, last = self._tail
        return UnsealedTail(count, first, last)


class LeafOrEvent:
    """Tell an edited leaf row from an edited event.

    An event that no longer matches its leaf, but lies under a sound signed checkpoint whose
    root the stored events still reproduce, is as it was sealed: the leaf row was edited.
    """

    def __init__(self, table_sizes: list[int], held: set[int]) -> None:
        self.table_sizes = table_sizes
        self.held = held

    def __call__(self, finding: Finding) -> Finding:
        if finding.check not in _LEAF_OR_EVENT or finding.ordinals is None:
            return finding
        covering = [s for s in self.table_sizes if s >= finding.ordinals[1]]
        if not covering or covering[0] not in self.held:
            return finding
        first = finding.position or 0
        last = first if finding.through is None else finding.through
        what, what_zh = _LEAF_OR_EVENT[finding.check]
        return replace(
            finding,
            check="leaf_table",
            detail=f"the leaf rows of {_span(first, last, finding.count)} in the integrity "
            f"store {what}, yet the events still hash to the signed checkpoint of "
            f"{covering[0]} events: the leaf table was edited, the events are as sealed",
            detail_zh=f"完整性存储中位置 {first}–{last} 的叶子{what_zh}，而事件仍与覆盖 "
            f"{covering[0]} 个事件的签名检查点一致：被改动的是叶子表，事件与封存时相同",
        )


_LEAF_OR_EVENT = {
    "event_altered": ("no longer match their events", "与事件不符"),
    "event_inserted": ("are missing", "缺失"),
}


def _leaf_hash(note: Notification) -> bytes:
    try:
        return event_leaf_hash(note)
    except UNDECODABLE:
        # A field outside the entry's range cannot have been sealed: it matches no leaf.
        return hashlib.sha256(b"unhashable:" + str(note.id).encode()).digest()


def _span(first: int, last: int, count: int) -> str:
    return f"{count} events from position {first} to {last}"


def _altered(first: int, last: int, count: int) -> tuple[str, str]:
    if count == 1:
        return (
            f"the stored event at position {first} no longer hashes to its sealed leaf: its "
            "state, topic, aggregate, version or position was changed",
            f"位置 {first} 的事件与封存时的叶子哈希不符：其内容、类型、聚合、版本或位置被改动",
        )
    return (
        f"{_span(first, last, count)} no longer hash to their sealed leaves: they were changed, "
        "reordered or renumbered (an event forged into the log shifts those after it)",
        f"位置 {first}–{last} 的 {count} 个事件与封存时的叶子哈希不符：被修改、重排或重新编号"
        "（伪造插入的事件会使其后事件整体移位）",
    )


def _unreadable(first: int, last: int, count: int) -> tuple[str, str]:
    return (
        f"the event store cannot read {_span(first, last, count)}: the stored rows were "
        "damaged or edited (e.g. an aggregate id that is no longer a UUID)",
        f"事件库无法读取位置 {first}–{last} 的 {count} 个事件：存储的记录被损坏或改动",
    )


def _missing(first: int, last: int, count: int) -> tuple[str, str]:
    if count == 1:
        return (
            f"the sealed event at position {first} is missing from the event store: it was deleted",
            f"位置 {first} 的已封存事件在事件库中缺失：已被删除",
        )
    return (
        f"{_span(first, last, count)} were sealed but are missing from the event store",
        f"位置 {first}–{last} 的 {count} 个已封存事件在事件库中缺失",
    )


def _inserted(first: int, last: int, count: int) -> tuple[str, str]:
    if count == 1:
        return (
            f"the event at position {first} lies inside the sealed range but has no leaf: it "
            "was inserted after sealing",
            f"位置 {first} 的事件位于已封存范围内却没有叶子：系封存后插入",
        )
    return (
        f"{_span(first, last, count)} lie inside the sealed range but have no leaves: they were "
        "inserted after sealing",
        f"位置 {first}–{last} 的 {count} 个事件位于已封存范围内却没有叶子：系封存后插入",
    )


def _truncated(first: int, last: int, count: int) -> tuple[str, str]:
    return (
        f"the log ends before its sealed leaves do: {_span(first, last, count)} were sealed "
        "and are gone (the tail of the log was cut off)",
        f"事件日志短于已封存的叶子：位置 {first}–{last} 的 {count} 个已封存事件不复存在（日志尾部被截断）",
    )


def _leafless(first: int, last: int, count: int) -> tuple[str, str]:
    return (
        f"{_span(first, last, count)} are covered by a checkpoint but have no leaf: the leaf "
        "table lost rows",
        f"位置 {first}–{last} 的 {count} 个事件已被检查点覆盖却没有叶子：叶子表丢失了记录",
    )
