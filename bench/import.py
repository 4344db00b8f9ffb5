"""The core-banking feed's import rate beside the library's own batched save of the same events.

What is measured, on a fresh store (SQLite file or a PostgreSQL schema of its own):

- **import**: ``archive.import_feed`` over a sample portfolio written as day-end batches
  (``archive/feed/sample.py``: the first day books the loans, each later day brings instalments,
  arrears and settlements), with the integration identity — checking, rehearsing, applying,
  saving every ``--chunk`` lines with the batch's progress, reconciling. RSS (``VmRSS``) is
  sampled when 10 %, 50 % and 100 % of the lines are applied.
- **floor**: the very events the import recorded, read back and saved again into a second fresh
  store of the same kind through the application's ``save()`` — the library's batched save — in
  as many saves as the import made. The ratio import/floor is what the import's own work costs.

Run: ``python bench/import.py --loans 20000 --days 60 --store sqlite`` (or ``--store postgres``
with ``--postgres-url``). Prints events/s of both, the ratio and the RSS samples.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import measure
from measure import postgres_reachable, postgres_schema

from archive.application import DossierArchive
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from archive.feed.importing import CHUNK_LINES, Progress
from archive.feed.sample import sample_batches
from domain.values import Role
from storage.blobs import LocalBlobStore
from storage.eventstore import postgres_env, sqlite_env


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def archive_on(env: dict[str, str], tmp: Path) -> DossierArchive:
    return DossierArchive(env, blobs=LocalBlobStore(tmp / "blobs"))


def staffed(archive: DossierArchive) -> CommandContext:
    console = CommandContext(SYSTEM_ID)
    contexts = {}
    for no, name, role in (
        ("0951", "核心系统对接", Role.INTEGRATION),
        ("0102", "林海燕", Role.ACCOUNT_MANAGER),
    ):
        issued = archive.execute(
            console, EnrolStaff(staff_no=no, name=name, branch="营业部", roles=[role])
        ).token
        assert issued is not None
        contexts[no] = CommandContext(archive.authenticate(issued.token))
    return contexts["0951"]


BLOCK_SAVES = 100  # saves decoded ahead of the floor's timed loop, at most


def _pages(archive: DossierArchive, start: int, end: int, size: int = 5000) -> Any:
    """The notifications after ``start`` up to ``end``, ``size`` at a time."""
    position = start
    while position < end:
        page = archive.recorder.select_notifications(
            start=position + 1, limit=min(size, end - position)
        )
        if not page:
            return
        yield page
        position = page[-1].id


def run(
    env: dict[str, str], floor_env: dict[str, str], args: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    # No batch may be dated after today: a long history starts as many days ago as it covers.
    first = min(date(2026, 1, 5), datetime.now(UTC).date() - timedelta(days=args.days + 2))
    batches = sample_batches(
        tmp / "feed", loans=args.loans, days=args.days, start=first, manager_no="0102"
    )
    lines = sum(max(0, sum(1 for _ in f.open("rb")) - 1) for b in batches for f in b.glob("*.csv"))
    archive = archive_on(env, tmp / "import")
    try:
        feed = staffed(archive)
        start = archive.recorder.max_notification_id() or 0
        marks = {int(lines * share): share for share in (0.1, 0.5)}
        rss: dict[str, float] = {"start": rss_mib()}
        applied = [0]
        last: list[Any] = [None, 0]  # the batch's date, its lines done

        def progress(p: Progress) -> None:
            if p.business_date != last[0]:  # a new batch: the one before is done
                applied[0] += last[1]
            last[:] = [p.business_date, p.lines_done]
            done = applied[0] + p.lines_done
            for mark, share in list(marks.items()):
                if done >= mark:
                    rss[f"{int(share * 100)}%"] = rss_mib()
                    del marks[mark]

        began = time.perf_counter()
        outcomes = archive.import_feed(feed, batches, progress=progress, chunk_lines=args.chunk)
        seconds = time.perf_counter() - began
        rss["100%"] = rss_mib()
        end = archive.recorder.max_notification_id() or 0
    finally:
        archive.close()  # and with it the aggregates the import kept, which the floor has not
    assert all(o.balanced for o in outcomes), "a batch did not reconcile"
    count = end - start
    reader = archive_on(env, tmp / "import")
    try:
        saves = sum(
            1
            for page in _pages(reader, start, end)
            for n in page
            if n.topic.endswith(("Progressed", "Started"))
        )
        # The floor: the same events saved again, in as many saves as the import made. They are
        # read back and decoded BLOCK_SAVES saves' worth at a time (not timed), then saved back to
        # back, so memory stays flat at 10 M events.
        floor = archive_on(floor_env, tmp / "floor")
        try:
            size = max(1, count // max(1, saves))
            floor_seconds = 0.0
            for block in _pages(reader, start, end, size * BLOCK_SAVES):
                events = [reader.mapper.to_domain_event(n) for n in block]
                # What the harness holds is set aside from the collector, as the import sets aside
                # what it holds: the floor's saves are not charged for traversing it.
                gc.collect()
                gc.freeze()
                began = time.perf_counter()
                for n in range(0, len(events), size):
                    floor.save(*events[n : n + size])
                floor_seconds += time.perf_counter() - began
                gc.unfreeze()
                del events
        finally:
            floor.close()
    finally:
        reader.close()
    return {
        "batches": len(batches),
        "lines": lines,
        "events": count,
        "seconds": seconds,
        "rate": count / seconds,
        "floor_rate": count / floor_seconds,
        "rss": rss,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--loans", type=int, default=5000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--chunk", type=int, default=CHUNK_LINES)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as name:
        tmp = Path(name)
        if args.store == "sqlite":
            result = run(
                sqlite_env(tmp / "import.sqlite"), sqlite_env(tmp / "floor.sqlite"), args, tmp
            )
        else:
            if not postgres_reachable(args.postgres_url):
                print(f"PostgreSQL unreachable at {args.postgres_url}", file=sys.stderr)
                return 2
            with postgres_schema(args.postgres_url) as a, postgres_schema(args.postgres_url) as b:
                result = run(
                    postgres_env(args.postgres_url, schema=a),
                    postgres_env(args.postgres_url, schema=b),
                    args,
                    tmp,
                )
    rss = "  ".join(f"{k} {v:.0f} MiB" for k, v in result["rss"].items())
    print(
        f"{args.store}: {result['batches']} batches, {result['lines']:,} lines, "
        f"{result['events']:,} events in {result['seconds']:.1f} s\n"
        f"  import {result['rate']:,.0f} events/s   floor (batched save of the same events) "
        f"{result['floor_rate']:,.0f} events/s   ratio {result['rate'] / result['floor_rate']:.2f}\n"
        f"  RSS {rss}"
    )
    return 0


if __name__ == "__main__":
    assert measure  # the repository on sys.path
    raise SystemExit(main())
