"""Reading the registers as people ask for them: by name, as of a date, after a position.

People are held by id and shown by name: :meth:`RegisterService.display` looks up, in the staff
directory, everyone a page or an export names, so that each reads ``姓名（工号）``.

"As of" a date means as the register stood at the end of that day in the bank's time zone, by
the time each event was recorded (what the register showed then, not what was later
back-dated into it); "as of" a position is exact. Read-your-writes: a reader that has just
recorded an event at position P asks for ``after=P`` and waits, up to a timeout, until the
register has applied it (over HTTP on the event loop, holding no worker thread: ``wait_async``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from domain.display import moment
from domain.scope import RowScope
from projections import export
from projections.errors import RegisterBehindError, RegisterQueryError, UnknownRegisterError
from projections.export import Display
from projections.follower import applied_in, has_applied, wait_for
from projections.projection import Listing, Projection
from projections.query import AsOf, Page, Search, select_page
from projections.registers.staff import names_of
from projections.store import RegisterState, RegisterStore
from projections.waiting import SharedStatus, wait_until

MAX_WAIT_SECONDS = 30.0
EXPORT_LIMIT = 1_000_000
DIRECTORY = "staff_directory"
"""The register that names the people other registers hold by id."""


@dataclass(frozen=True)
class Selection:
    """A register listing chosen by name, with its projection."""

    projection: Projection
    listing_name: str
    listing: Listing


class RegisterService:
    """The registers' read side: lookup, waiting, "as of", pages and exports."""

    def __init__(
        self, store: RegisterStore, projections: Sequence[Projection], zone: str = "Asia/Shanghai"
    ) -> None:
        self.store = store
        self.projections = {p.name: p for p in projections}
        self.zone = ZoneInfo(zone)
        self._shared = SharedStatus(store.status)

    def select(self, name: str, listing: str | None = None) -> Selection:
        projection = self.projections.get(name)
        if projection is None:
            raise UnknownRegisterError(
                f"没有名为 {name} 的登记簿", f"there is no register named {name!r}", register=name
            )
        listing_name = listing or next(iter(projection.listings))
        chosen = projection.listings.get(listing_name)
        if chosen is None:
            raise UnknownRegisterError(
                f"登记簿 {name} 没有 {listing_name} 列表",
                f"register {name!r} has no listing {listing_name!r}",
                register=name,
                listing=listing_name,
            )
        return Selection(projection, listing_name, chosen)

    def positions(self) -> dict[str, int]:
        return self.store.positions()

    def status(self) -> dict[str, RegisterState]:
        """Each register's position and, if it has stopped at an event, its failure."""
        return self.store.status()

    def applied(self, names: Sequence[str], position: int | None) -> bool:
        """Whether every named register has applied ``position`` (one read, never waits).

        Raises RegisterFailedError when one has stopped at an event: it serves no reads, and
        waiting for it would be waiting for nothing.
        """
        return has_applied(self.store, names, position or 0)

    def wait(self, names: Sequence[str], position: int | None, timeout: float) -> None:
        """Return once every named register has applied ``position``; else RegisterBehindError,
        or at once RegisterFailedError if one has stopped at an event."""
        if position is None or position <= 0:
            self.applied(names, 0)
            return
        timeout = min(max(timeout, 0.0), MAX_WAIT_SECONDS)
        if not wait_for(self.store, names, position, timeout):
            raise _behind(position, min(self.store.positions().get(n, 0) for n in names))

    async def wait_async(
        self,
        names: Sequence[str],
        position: int | None,
        timeout: float,
        *,
        head: Callable[[], int],
    ) -> None:
        """``wait`` as a coroutine that holds no thread while it waits; a position beyond
        ``head()`` (the log's newest) is refused at once with PositionBeyondHeadError."""
        if position is None or position <= 0:
            applied_in(await self._shared.get(), names, 0)  # refuses a failed register
            return
        timeout = min(max(timeout, 0.0), MAX_WAIT_SECONDS)
        if not await wait_until(self._shared, names, position, timeout, head):
            current = await self._shared.get()
            raise _behind(position, min(s.position if (s := current.get(n)) else 0 for n in names))

    def as_of(self, as_of: str | None, as_of_position: int | None, on: date | None = None) -> AsOf:
        """Parse ``as_of`` (记录时点, recording time: a date — the end of that day in the bank's
        zone — or a timestamp) beside ``on`` (业务日期, the business date asked about)."""
        if as_of_position is not None and as_of_position < 0:
            raise RegisterQueryError(
                "as_of_position 不能为负", "as_of_position must not be negative"
            )
        at = self._cutoff(as_of) if as_of else None
        today = datetime.now(self.zone).date()
        if on is not None and on > today:
            raise RegisterQueryError(
                f"业务日期（on）{on} 晚于今日 {today}：尚未到来的日子没有状态可查",
                f"the business date (on) {on} is after today, {today} in the bank's calendar: "
                "a day that has not come has no state yet",
                field="on",
            )
        return AsOf(position=as_of_position, at=at, on=on)

    def about(self, point: AsOf) -> list[tuple[str, str]]:
        """Which two times a read used, as an export states them (label, value)."""
        if point.at is not None:
            recorded = moment(point.at, self.zone)
        elif point.position is not None:
            recorded = f"日志位置 / log position {point.position}"
        else:
            recorded = "现在 / now"
        if point.at is not None and point.position is not None:
            recorded += f"；日志位置 / log position {point.position}"
        return [
            (
                "业务日期 / business date (on)",
                point.on.isoformat() if point.on else "最新 / latest",
            ),
            ("记录时点 / recorded as of (as_of)", recorded),
        ]

    def _cutoff(self, text: str) -> datetime | None:
        """The record time (naive UTC) ``text`` names; None for the end of the last day there
        is (everything recorded)."""
        try:
            if len(text.strip()) == 10:
                day = date.fromisoformat(text.strip())
                if day >= date.max:
                    return None
                end = datetime.combine(day + timedelta(days=1), time(0), self.zone)
                return (end - timedelta(microseconds=1)).astimezone(UTC).replace(tzinfo=None)
            moment = datetime.fromisoformat(text.strip())
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self.zone)
            return moment.astimezone(UTC).replace(tzinfo=None)
        except (ValueError, OverflowError):
            raise RegisterQueryError(
                f"记录时点（as_of）须为存在的日期（2025-06-30）或时间戳：{text}",
                f"as_of (recorded as of) must be a date that exists (2025-06-30) or an ISO "
                f"timestamp, not {text!r}",
                field="as_of",
            ) from None

    def display(
        self, columns: Sequence[sa.Column[Any]], rows: Sequence[Mapping[str, Any]]
    ) -> Display:
        """How to show ``rows`` to people: the bank's zone, and the name of every person the
        rows hold by id in ``columns``, looked up in the staff directory."""
        ids = export.people_in(columns, rows)
        directory = self.projections.get(DIRECTORY)
        names = names_of(self.store, directory, ids) if ids and directory is not None else {}
        return Display(self.zone, names)

    def page(
        self,
        selection: Selection,
        *,
        scope: RowScope,
        as_of: AsOf,
        filters: Mapping[str, str],
        order_by: Sequence[str],
        limit: int,
        offset: int,
        search: Search | None = None,
    ) -> Page:
        """One page of the listing: the rows of the loans ``scope`` reaches, filtered, sorted."""
        return select_page(
            self.store,
            selection.projection,
            selection.listing.table,
            scope=scope,
            as_of=as_of,
            filters=filters,
            order_by=order_by or selection.listing.order_by,
            limit=limit,
            offset=offset,
            search=search,
        )

    def export(
        self,
        selection: Selection,
        fmt: str,
        *,
        scope: RowScope,
        as_of: AsOf,
        filters: Mapping[str, str],
        order_by: Sequence[str],
        coded: Mapping[str, Mapping[str, str]] | None = None,
    ) -> bytes:
        """The whole listing (in ``scope``, filtered, as of) as CSV or XLSX with Chinese headers;
        ``coded`` labels the codes of the bank's own (the sub-grades of the rules in force)."""
        spec = selection.projection.specs()[selection.listing.table]
        rows: list[dict[str, Any]] = []
        while len(rows) < EXPORT_LIMIT:
            page = self.page(
                selection,
                scope=scope,
                as_of=as_of,
                filters=filters,
                order_by=order_by,
                limit=1_000,
                offset=len(rows),
            )
            rows += page.rows
            if len(page.rows) < 1_000:
                break
        columns = spec.exported()
        display = replace(self.display(columns, rows), coded=coded or {})
        if fmt == "csv":
            return export.to_csv(columns, rows, display)
        about = self.about(as_of)
        about += [(f"筛选 / filter {name}", value) for name, value in filters.items()]
        about.append(
            (
                "台账已处理至日志位置 / log position applied",
                str(self.positions().get(selection.projection.name, 0)),
            )
        )
        about.append(("导出时间 / exported at", moment(datetime.now(UTC), self.zone)))
        return export.to_xlsx(selection.listing.title_zh, columns, rows, display, about=about)


def _behind(position: int, reached: int) -> RegisterBehindError:
    return RegisterBehindError(
        f"登记簿尚未处理到位置 {position}（当前 {reached}），请稍后重试",
        f"the register has not reached position {position} yet (it is at {reached}); retry shortly",
        position=position,
        reached=reached,
    )
