"""Reading the core-banking feed's record: the batches applied, their progress and 对账.

The ledger (:class:`domain.feed.FeedLedger`) names every batch started, in the order it was
applied; each batch (:class:`domain.feed.FeedBatch`) holds how far its import went and, once
applied, its reconciliation. Read straight from the aggregates: a handful of batches a day.
"""

from __future__ import annotations

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from archive.core import ArchiveCore, CommandContext
from domain.authorization import Action
from domain.feed import FeedBatch, FeedLedger


class FeedQueries(ArchiveCore):
    """The batches the archive took from the core system."""

    def feed_batches(self, ctx: CommandContext, *, limit: int = 100) -> list[FeedBatch]:
        """The batches applied (and the one under way, if an import stopped part-way), the
        latest business date first, at most ``limit``."""
        self.actor(ctx, Action.READ_FEED)
        try:
            found: Aggregate = self.repository.get(FeedLedger.create_id())
        except AggregateNotFoundError:
            return []
        assert isinstance(found, FeedLedger)
        order = list(found.applied)
        if found.in_progress is not None and found.in_progress[0] not in found.applied:
            order.append(found.in_progress[0])
        # Applied in business-date order, corrections after the batch they correct: the ledger's
        # order, newest first.
        batches: list[FeedBatch] = []
        for sha in reversed(order[-limit:] if limit > 0 else []):
            batch: Aggregate = self.repository.get(FeedBatch.create_id(sha))
            assert isinstance(batch, FeedBatch)
            batches.append(batch)
        return batches
