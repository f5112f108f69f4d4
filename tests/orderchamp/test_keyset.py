"""The keyset listing of changed orders (``OrderChanges``): repeats, moves and ties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from oc_bridge.orderchamp import OrderchampClient
from oc_bridge.orderchamp.keyset import OrderChanges

from .helpers import FakeOrderchamp

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Listing:
    """A server-side order list sorted by (updatedAt, id) with offset cursors."""

    def __init__(self, fake: FakeOrderchamp, stamps: dict[str, datetime]) -> None:
        self.stamps = stamps
        self.requests: list[dict[str, Any]] = []
        self.after_page: Any = None
        fake.on("OrderChanges", self.changes)
        fake.on("OrderChangesAfter", self.summary_page)
        fake.on("OrdersCount", lambda v: {"data": {"orders": {"totalCount": len(self.stamps)}}})

    def _matching(self, variables: dict[str, Any]) -> list[tuple[datetime, str]]:
        since = variables.get("updatedSince")
        start = datetime.fromisoformat(since) if since else None
        return sorted((at, key) for key, at in self.stamps.items()
                      if start is None or at >= start)

    @staticmethod
    def _node(at: datetime, key: str) -> dict[str, Any]:
        return {"id": key, "updatedAt": at.isoformat(), "isCancelled": False, "productsCount": 1}

    def changes(self, variables: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(variables)
        page = self._matching(variables)[: variables["first"]]
        answer = {"data": {"orders": {"nodes": [self._node(*item) for item in page]}}}
        if self.after_page is not None:
            self.after_page(page)
        return answer

    def summary_page(self, variables: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(variables)
        start = int(variables.get("after") or 0)
        matching = self._matching(variables)
        page = matching[start : start + variables["first"]]
        end = start + len(page)
        return {"data": {"orders": {"pageInfo": {
            "hasNextPage": end < len(matching), "endCursor": str(end)},
            "nodes": [self._node(*item) for item in page]}}}


def _listing(client: OrderchampClient, since: datetime | None = None,
             size: int = 3) -> OrderChanges:
    return OrderChanges(client.execute, {"includeUnconfirmed": False, "includeCancelled": True},
                        updated_since=since, page_size=size)


def test_every_order_once_and_cursor_at_newest(client: OrderchampClient,
                                               fake: FakeOrderchamp) -> None:
    stamps = {f"Order:{i}": T0 + timedelta(minutes=i) for i in range(10)}
    listing = Listing(fake, stamps)
    changes = _listing(client)
    assert changes.total_count == 10
    assert [c.id for c in changes] == [f"Order:{i}" for i in range(10)]
    assert changes.complete and changes.read_through == T0 + timedelta(minutes=9)
    # keyset: no cursor is ever sent, each page starts a window before the newest read
    assert all("after" not in r for r in listing.requests)
    assert listing.requests[1]["updatedSince"] == (T0 + timedelta(minutes=2, milliseconds=-1)
                                                   ).isoformat()


def test_an_order_updated_mid_listing_comes_again(client: OrderchampClient,
                                                  fake: FakeOrderchamp) -> None:
    stamps = {f"Order:{i}": T0 + timedelta(minutes=i) for i in range(9)}
    listing = Listing(fake, stamps)
    moved: list[str] = []

    def move_first_read(page: list[tuple[datetime, str]]) -> None:
        if not moved:
            moved.append(page[0][1])
            stamps[page[0][1]] = T0 + timedelta(hours=1)

    listing.after_page = move_first_read
    seen = [(c.id, c.updated_at) for c in _listing(client)]
    assert sorted({key for key, _ in seen}) == sorted(stamps)
    assert seen[-1] == ("Order:0", T0 + timedelta(hours=1))
    assert len(seen) == 10


def test_more_ties_than_a_page_are_paged_by_cursor_and_hold_the_cursor_back(
        client: OrderchampClient, fake: FakeOrderchamp) -> None:
    tie = T0 + timedelta(minutes=5)
    stamps = {f"Order:{i}": T0 + timedelta(minutes=i) for i in range(3)}
    stamps.update({f"Order:tie-{i}": tie for i in range(7)})
    stamps.update({"Order:late": T0 + timedelta(minutes=9)})
    listing = Listing(fake, stamps)
    changes = _listing(client)
    ids = [c.id for c in changes]
    assert sorted(ids) == sorted(stamps) and len(ids) == len(set(ids))
    assert any("after" in r for r in listing.requests)  # the tie was paged by cursor
    # no page is asked for twice: a page that cannot move the keyset on goes to the cursor
    keys = [(c["operationName"], c["variables"].get("updatedSince"), c["variables"].get("after"))
            for c in fake.calls if c["operationName"].startswith("OrderChanges")]
    assert len(keys) == len(set(keys))
    assert changes.complete and changes.read_through is not None
    assert changes.read_through < tie  # the next incremental pass reads the tie again


def test_a_listing_that_ends_inside_a_tie_ends(client: OrderchampClient,
                                               fake: FakeOrderchamp) -> None:
    tie = T0 + timedelta(minutes=5)
    stamps = {f"Order:tie-{i}": tie for i in range(8)}
    listing = Listing(fake, stamps)
    changes = _listing(client)
    assert sorted(c.id for c in changes) == sorted(stamps)
    assert changes.complete and len(listing.requests) < 10
