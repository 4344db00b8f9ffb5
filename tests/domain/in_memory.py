"""Just enough application to store domain aggregates and rebuild them through the transcoder."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

from archive.transcodings import register_domain_transcodings


class InMemoryAggregates(Application[UUID]):
    """An event-sourced application in memory that knows the domain's value types."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)


def in_memory() -> Iterator[InMemoryAggregates]:
    """An application in memory, closed when done (for a fixture to ``yield from``)."""
    application = InMemoryAggregates(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield application
    application.close()
