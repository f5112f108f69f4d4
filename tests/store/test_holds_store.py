"""The ledger's holds (schema version 8): manual holds and waiting orders, on every backend
(the ``store_url`` fixture: SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from oc_bridge.store import Store, open_store
from oc_bridge.store.sql_holds import RELEASED_REASON


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def test_a_hold_is_placed_once_and_lifted_into_a_wait_due_now(store: Store) -> None:
    hold, added = store.place_hold("o1", order_number="OC-1", reason="check", actor="ann")
    assert added and hold.reason == "check" and hold.actor == "ann" and hold.held_at
    again, added_again = store.place_hold("o1", order_number="OC-1", reason="other", actor="bo")
    assert not added_again and again == hold
    assert store.list_holds() == [hold]
    lifted = store.lift_hold("o1", actor="bo")
    assert lifted == hold and store.get_hold("o1") is None
    wait = store.get_wait("o1")
    assert wait is not None and wait.reason == RELEASED_REASON and wait.order_number == "OC-1"
    assert [w.order_id for w in store.list_waits(due_by="9999")] == ["o1"]
    assert store.lift_hold("o1", actor="bo") is None
    states = [(a.state, a.message, a.actor) for a in store.recent_activity(10)]
    assert ("held", "check", "ann") in states and ("released", "released", "bo") in states


def test_waits_are_listed_soonest_first_and_cleared(store: Store) -> None:
    store.set_wait("o2", order_number="OC-2", due_at="2026-01-02T00:00:00.000000+00:00",
                   reason="r", since="2026-01-01T00:00:00.000000+00:00")
    store.set_wait("o1", order_number=None, due_at="2026-01-01T12:00:00.000000+00:00",
                   reason="r")
    assert [w.order_id for w in store.list_waits()] == ["o1", "o2"]
    assert [w.order_id for w in store.list_waits(
        due_by="2026-01-01T13:00:00.000000+00:00")] == ["o1"]
    store.set_wait("o1", order_number="OC-1", due_at="2026-01-03T00:00:00.000000+00:00",
                   reason="r2")
    moved = store.get_wait("o1")
    assert moved is not None and moved.reason == "r2" and moved.order_number == "OC-1"
    store.clear_wait("o1")
    store.clear_wait("o1")  # no-op
    assert [w.order_id for w in store.list_waits()] == ["o2"]
