"""Listing changed orders by keyset on ``updatedSince``: no order is skipped when orders move.

Why not Relay cursors: under ``UPDATED_AT_ASC`` an order that is updated while a client pages
(the bridge confirms it, a retailer edits it) moves to the end of the list. Many Relay servers
use position-based cursors, so every later page then starts one order too far and the order
that slid into the gap is never returned.

How: every page is asked for afresh with ``updatedSince`` = the newest ``updatedAt`` read so far
minus :data:`WINDOW` (so an exclusive or second-rounded ``updatedSince`` still loses nothing),
sorted ``UPDATED_AT_ASC``, without ``after``. Orders read again inside the window are dropped by
``(id, updatedAt)``; an order updated since it was read comes back with its new ``updatedAt`` and
is yielded again. Why nothing is skipped: a full page holds every order whose ``updatedAt``
lies between the page's ``updatedSince`` and its last order, and the next page starts at or
before that last order; an order updated after a page was answered gets an ``updatedAt`` later
than anything on it, so a later page returns it. The listing ends with a page that is not full.

Ties: when one page is filled entirely by orders already read (more than a page of orders
updated within :data:`WINDOW`), the tie is paged by cursor instead until an order beyond it
appears; a position-based cursor could then skip an order of the tie, so :attr:`read_through`
stays before the tie and the next incremental pass reads it again.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from oc_bridge.models import OrderChange
from oc_bridge.orderchamp.pagination import Run
from oc_bridge.orderchamp.wire import connection_nodes, dig, make, page_info

__all__ = ["WINDOW", "OrderChanges"]

#: How far before the newest ``updatedAt`` read each next page starts: an exclusive
#: ``updatedSince`` still returns orders updated at that very moment, and one that rounds to
#: the second returns more repeats (dropped), never fewer orders.
WINDOW = timedelta(milliseconds=1)
_TIE_OPERATION = "OrderChangesAfter"


class OrderChanges(Iterator[OrderChange]):
    """Orders changed since ``updated_since`` (every order when None), oldest change first.

    An order appears again when it changed after it was read. After the iterator is exhausted,
    :attr:`complete` is True and :attr:`read_through` is the ``updatedAt`` up to which every
    change was read (None when nothing was listed): the value a saved cursor may advance to.
    :attr:`total_count` asks the server once (two points) how many orders the listing holds.
    ``page_size`` is asked before every page, so a page is sized from the bucket the client
    learned from the answers so far (the first answer's throttle status, not an assumption).
    """

    def __init__(
        self,
        run: Run,
        filters: Mapping[str, Any],
        *,
        updated_since: datetime | None,
        page_size: int | Callable[[], int],
    ) -> None:
        self._run = run
        self._filters = dict(filters)
        self._since = updated_since
        self._size = page_size if callable(page_size) else (lambda: page_size)
        self._total: int | None = None
        self.complete = False
        self.read_through: datetime | None = None
        self._cap: datetime | None = None
        self._pages = self._generate()

    def __iter__(self) -> OrderChanges:
        return self

    def __next__(self) -> OrderChange:
        return next(self._pages)

    @property
    def total_count(self) -> int:
        """How many orders match the listing's filters now (asked once)."""
        if self._total is None:
            data = self._run("OrdersCount", self._variables(self._since))
            total = dig(data, "orders").get("totalCount")
            self._total = total if isinstance(total, int) else 0
        return self._total

    def _variables(self, since: datetime | None) -> dict[str, Any]:
        return {**self._filters,
                "updatedSince": since.isoformat() if since is not None else None}

    def _generate(self) -> Iterator[OrderChange]:
        read: dict[str, datetime] = {}  # orders read inside the current window, for repeats
        newest: datetime | None = None
        since = self._since
        while True:
            size = self._size()
            variables = {**self._variables(since), "first": size, "sort": "UPDATED_AT_ASC"}
            nodes = connection_nodes(dig(self._run("OrderChanges", variables), "orders"))
            fresh = [change for change in map(_change, nodes)
                     if read.get(change.id) != change.updated_at]
            for change in fresh:
                read[change.id] = change.updated_at
                newest = change.updated_at if newest is None else max(newest, change.updated_at)
                yield change
            if len(nodes) < size:
                break
            assert newest is not None  # a full page holds at least one order read
            if since is not None and newest - WINDOW <= since:
                # The next page would start where this one did and return it again: more
                # than a page of orders share the window, so page them by cursor.
                newest, more = yield from self._page_tie(since, newest, read)
                if not more:
                    break
            since = newest - WINDOW
            read = {key: at for key, at in read.items() if at >= since}
        self.read_through = newest if self._cap is None or newest is None \
            else min(newest, self._cap)
        self.complete = True

    def _page_tie(self, since: datetime, newest: datetime,
                  read: dict[str, datetime],
                  ) -> Generator[OrderChange, None, tuple[datetime, bool]]:
        """More than a page of orders share the window at ``since``: page them by cursor until
        one beyond ``newest`` appears. Returns the newest ``updatedAt`` read, and False when
        the listing ended on the way."""
        self._cap = since if self._cap is None else min(self._cap, since)
        after: str | None = None
        while True:
            variables = {**self._variables(since), "first": self._size(), "after": after,
                         "sort": "UPDATED_AT_ASC"}
            connection = dig(self._run(_TIE_OPERATION, variables), "orders")
            nodes = connection_nodes(connection)
            beyond = False
            for change in map(_change, nodes):
                if read.get(change.id) == change.updated_at:
                    continue
                read[change.id] = change.updated_at
                beyond = beyond or change.updated_at > newest
                newest = max(newest, change.updated_at)
                yield change
            has_next, after = page_info(connection)
            if not has_next or not nodes:
                return newest, False
            if beyond:
                return newest, True


def _change(node: dict[str, Any]) -> OrderChange:
    return make(OrderChange, node)
