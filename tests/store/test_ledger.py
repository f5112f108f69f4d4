"""The ledger on every backend: transactions, threads, and every state transition.

Each test takes the ``store`` fixture (or ``store_url``) and so runs once on SQLite and once on
PostgreSQL (a fresh database of its own; skipped with the reason when no server is
configured). Backend specifics: test_sqlite_store.py and test_postgres_store.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from oc_bridge.store import (
    ORDERCHAMP_SOURCE,
    ExportOperation,
    ExportState,
    InboxDelivery,
    OrderSeen,
    ParkedKind,
    ShipmentState,
    Store,
    body_digest,
    open_store,
)
from oc_bridge.store.sql_extras import ACTIVITY_KEEP
from oc_bridge.store.sql_store import SqlStore


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def _submit(store: Store, order_id: str = "o1", instance: str = "csv", revision: int = 1,
            digest: str = "d1") -> None:
    store.begin_export(instance, order_id, order_number="OC-1", state=ExportState.SUBMITTING,
                       operation=ExportOperation.SUBMIT, revision=revision, digest=digest,
                       fingerprint='{"fields": {}, "lines": {}}')


# --- transactions and threads -----------------------------------------------------------------

def test_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        _submit(store)
        store.set_cursor("x", "1")
        raise RuntimeError("boom")
    assert store.get_export("csv", "o1") is None
    assert store.get_cursor("x") is None
    assert store.recent_activity() == []


def test_nested_transactions_join_the_outer_one(store: Store) -> None:
    with store.transaction():
        with store.transaction():
            store.set_cursor("a", "1")
        store.set_cursor("b", "2")
    assert (store.get_cursor("a"), store.get_cursor("b")) == ("1", "2")


def test_a_caught_inner_failure_does_not_undo_the_outer_transaction(store: Store) -> None:
    with store.transaction():
        store.set_cursor("a", "1")
        try:
            with store.transaction():
                store.set_cursor("b", "2")
                raise ValueError("inner")
        except ValueError:
            pass
    assert (store.get_cursor("a"), store.get_cursor("b")) == ("1", "2")


def test_threads_and_a_second_connection(store: Store, store_url: str) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                _submit(store, order_id=f"o{n}-{i}")
                store.finish_export("csv", f"o{n}-{i}", state=ExportState.EXPORTED)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.counts().exports == {"exported": 120}
    with open_store(store_url) as other:  # another process would see the same
        assert other.counts().exports == {"exported": 120}


# --- orders seen and cursors ------------------------------------------------------------------


def test_orders_seen_and_lookup_by_number(store: Store) -> None:
    seen = OrderSeen(order_id="o1", number="OC-1", status="AWAITING_FULFILMENT",
                     updated_at="2026-01-01T00:00:00+00:00", digest="x", is_confirmed=True,
                     is_cancelled=False)
    store.record_order(seen)
    store.record_order(OrderSeen(**{**seen.__dict__, "status": "CANCELLED",
                                    "is_cancelled": True}))
    got = store.get_order("o1")
    assert got is not None and got.status == "CANCELLED" and got.is_cancelled and got.seen_at
    assert store.find_order_id("OC-1") == "o1"
    assert store.find_order_id("OC-404") is None
    assert store.counts().orders_seen == 1


def test_cursors(store: Store) -> None:
    assert store.get_cursor("orders") is None
    store.set_cursor("orders", "a")
    store.set_cursor("orders", "b")
    assert store.get_cursor("orders") == "b"
    store.set_cursor("orders", None)
    assert store.get_cursor("orders") is None


# --- exports ----------------------------------------------------------------------------------


def test_export_submit_update_cancel(store: Store) -> None:
    _submit(store)
    rec = store.get_export("csv", "o1")
    assert rec is not None and rec.state == ExportState.SUBMITTING
    assert (rec.revision, rec.pending_revision, rec.pending_digest) == (None, 1, "d1")
    assert rec.maybe_in_backend
    rec = store.finish_export("csv", "o1", state=ExportState.EXPORTED, external_id="f1")
    assert (rec.state, rec.revision, rec.digest, rec.external_id) == ("exported", 1, "d1", "f1")
    assert rec.pending_revision is None
    store.begin_export("csv", "o1", order_number="OC-1", state=ExportState.UPDATING,
                       operation=ExportOperation.UPDATE, revision=2, digest="d2",
                       fingerprint=None)
    rec = store.finish_export("csv", "o1", state=ExportState.EXPORTED)
    assert (rec.revision, rec.digest, rec.external_id) == (2, "d2", "f1")
    store.begin_export("csv", "o1", order_number="OC-1", state=ExportState.CANCELLING,
                       operation=ExportOperation.CANCEL, revision=None, digest=None,
                       fingerprint=None)
    rec = store.finish_export("csv", "o1", state=ExportState.CANCELLED)
    assert (rec.state, rec.revision, rec.digest) == ("cancelled", 2, "d2")
    states = [a.state for a in reversed(store.recent_activity(10))]
    assert states == ["submitting", "exported", "updating", "exported", "cancelling", "cancelled"]
    assert all(a.order_number == "OC-1" for a in store.recent_activity(10))


def test_export_failures_park_and_reset(store: Store) -> None:
    _submit(store)
    rec = store.fail_export("csv", "o1", order_number="OC-1", operation=ExportOperation.SUBMIT,
                            error="timeout", park=False, sent=True)
    assert (rec.state, rec.attempts, rec.last_error, rec.pending_revision) == \
        ("failed", 1, "timeout", 1)
    rec = store.fail_export("csv", "o1", order_number="OC-1", operation=ExportOperation.SUBMIT,
                            error="rejected", park=True, sent=False)
    assert (rec.state, rec.attempts, rec.pending_revision) == ("parked", 2, None)
    assert not rec.maybe_in_backend
    rec = store.reset_export("csv", "o1")
    assert rec is not None and (rec.state, rec.attempts) == ("failed", 0)
    assert store.reset_export("csv", "o1").state == "failed"  # only parked rows are reset
    # a failure before any intent (mapping) creates the row
    rec = store.fail_export("csv", "o2", order_number="OC-2", operation=ExportOperation.SUBMIT,
                            error="no SKU", park=True, sent=False)
    assert (rec.state, rec.revision, rec.pending_revision) == ("parked", None, None)
    assert [r.order_id for r in store.list_exports([ExportState.PARKED])] == ["o2"]
    assert [r.instance for r in store.exports_for_order("o1")] == ["csv"]


# --- shipments --------------------------------------------------------------------------------


def test_shipment_steps(store: Store) -> None:
    rec = store.receive_shipment("csv", "k1", report_json="{}", order_id=None,
                                 order_number="OC-1")
    assert (rec.state, rec.lines, rec.create_started) == ("received", (), False)
    rec = store.receive_shipment("csv", "k1", report_json='{"v": 2}', order_id="o1",
                                 order_number="OC-1")
    assert rec.report_json == '{"v": 2}' and rec.order_id == "o1"
    rec = store.begin_shipment_create("csv", "k1", order_id="o1", order_number="OC-1",
                                      lines=[("l1", 2), ("l2", 1)])
    assert rec.state == "creating" and rec.lines == (("l1", 2), ("l2", 1))
    assert rec.create_started and rec.oc_shipment_id is None
    # a re-delivered report never replaces one whose create step started
    again = store.receive_shipment("csv", "k1", report_json="{}", order_id="o1",
                                   order_number="OC-1")
    assert again.state == "creating" and again.report_json == '{"v": 2}'
    rec = store.record_shipment_created("csv", "k1", "S1")
    assert (rec.state, rec.oc_shipment_id) == ("created", "S1") and rec.create_done_at
    assert store.claimed_shipment_ids("o1") == {"S1"}
    rec = store.begin_shipment_ship("csv", "k1")
    assert rec.state == "shipping" and rec.ship_intent_at
    rec = store.record_shipment_shipped("csv", "k1")
    assert rec.state == "shipped" and rec.ship_done_at
    states = [a.state for a in reversed(store.recent_activity(10))]
    assert states == ["received", "received", "creating", "created", "shipping", "shipped"]
    assert store.counts().shipments == {"shipped": 1}


def test_shipment_failures(store: Store) -> None:
    store.receive_shipment("csv", "k1", report_json="{}", order_id="o1", order_number="OC-1")
    store.begin_shipment_create("csv", "k1", order_id="o1", order_number="OC-1",
                                lines=[("l1", 1)])
    rec = store.fail_shipment("csv", "k1", error="timeout", park=False)
    assert (rec.state, rec.attempts, rec.lines) == ("failed", 1, (("l1", 1),))
    rec = store.fail_shipment("csv", "k1", error="timeout", park=True)
    assert (rec.state, rec.attempts) == ("parked", 2)
    assert [r.shipment_key for r in store.list_shipments([ShipmentState.PARKED])] == ["k1"]
    rec = store.reset_shipment("csv", "k1")
    assert rec is not None and (rec.state, rec.attempts) == ("failed", 0)
    assert store.reset_shipment("csv", "nope") is None


# --- parked items and activity ----------------------------------------------------------------


def test_parked_items_are_not_duplicated(store: Store) -> None:
    first = store.park(ParkedKind.SHIPMENT, "k1", instance="csv", reason="bad", payload="{}",
                       order_number="OC-1")
    second = store.park(ParkedKind.SHIPMENT, "k1", instance="csv", reason="still bad")
    assert first.id == second.id and second.reason == "still bad" and second.payload == "{}"
    other = store.park(ParkedKind.ORDER, "o1", instance=None, reason="no route")
    assert other.id != first.id
    assert store.find_open_parked(ParkedKind.ORDER, "o1", None) == other
    assert [p.id for p in store.list_parked()] == [first.id, other.id]
    closed = store.resolve_parked(first.id, "fixed")
    assert closed is not None and closed.resolved_at and closed.resolution == "fixed"
    assert store.resolve_parked(first.id, "again") is None
    assert store.resolve_parked_for(ParkedKind.ORDER, "o1", None, "routed") == 1
    assert store.list_parked() == []
    assert len(store.list_parked(include_resolved=True)) == 2
    counts = store.counts()
    assert (counts.parked_open, counts.parked_resolved) == (0, 2)
    again = store.park(ParkedKind.SHIPMENT, "k1", instance="csv", reason="bad again")
    assert again.id not in (first.id, other.id)


def test_activity_log_is_bounded(store: SqlStore) -> None:
    assert ACTIVITY_KEEP >= 100_000  # weeks of history on a busy account
    keep = store.activity_keep = 200  # the same rule, small enough to run quickly
    store.record_action("order", "o-first", "forget", actor="cli:ann", message="kept")
    with store.transaction():
        for i in range(keep + 50):
            store.set_cursor("c", str(i))
            store._activity("export", f"o{i}", "exported", order_number=f"OC-{i}",
                            instance="csv")
    rows = store._query("SELECT COUNT(*) AS n FROM activity WHERE actor IS NULL")
    assert rows[0]["n"] <= keep + 1
    assert store.recent_activity(1)[0].order_number == f"OC-{keep + 49}"
    # an operator's action is the audit trail: never pruned
    [action] = store.activity_for_order("o-first", None)
    assert (action.reference, action.state, action.actor) == ("o-first", "forget", "cli:ann")


# --- claims -----------------------------------------------------------------------------------


def test_claims_take_renew_release_and_take_over(store: Store) -> None:
    assert store.claim("export:csv:o1", "a:1:x", lease_seconds=60)
    assert store.claim("export:csv:o1", "a:1:x", lease_seconds=60)  # a renewal
    assert not store.claim("export:csv:o1", "b:2:y", lease_seconds=60)
    assert not store.claim("export:csv:o1", "b:2:y", lease_seconds=60, dead_owner="c:3:z")
    assert store.renew_claim("export:csv:o1", "a:1:x", lease_seconds=60)
    assert not store.renew_claim("export:csv:o1", "b:2:y", lease_seconds=60)
    assert store.claim("export:csv:o1", "b:2:y", lease_seconds=60, dead_owner="a:1:x")
    taken = store.get_claim("export:csv:o1")
    assert taken is not None and (taken.owner, taken.takeovers) == ("b:2:y", 1)
    assert not store.renew_claim("export:csv:o1", "a:1:x", lease_seconds=60)  # lost
    assert not store.release_claim("export:csv:o1", "a:1:x")
    assert store.claim("job:reconcile", "a:1:x", lease_seconds=-5)  # already expired
    assert store.claim("job:reconcile", "b:2:y", lease_seconds=60)
    assert [c.name for c in store.list_claims()] == ["export:csv:o1", "job:reconcile"]
    assert store.release_claim("export:csv:o1", "b:2:y")
    assert store.get_claim("export:csv:o1") is None
    assert store.claim("stale", "a:1:x", lease_seconds=-7200)
    assert store.prune_claims(3600) == 1 and store.get_claim("stale") is None
    assert [a.state for a in store.recent_activity(5)].count("taken over") == 2


def test_one_claim_has_one_winner_across_connections(store_url: str) -> None:
    stores = [open_store(store_url) for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    won: list[str] = []

    def take(number: int) -> None:
        barrier.wait()
        for name in ("shipment:csv:P1", "shipment:csv:P2"):
            if stores[number].claim(name, f"h:{number}:r", lease_seconds=60):
                won.append(name)

    threads = [threading.Thread(target=take, args=(n,)) for n in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for s in stores:
        s.close()
    assert sorted(won) == ["shipment:csv:P1", "shipment:csv:P2"]


def test_one_claim_has_one_winner_across_threads_of_one_store(store: Store) -> None:
    barrier = threading.Barrier(8)
    won: list[str] = []

    def take(number: int) -> None:
        barrier.wait()
        for name in ("job:reconcile:csv", "job:reconcile:rest"):
            if store.claim(name, f"h:{number}:r", lease_seconds=60):
                won.append(name)

    threads = [threading.Thread(target=take, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == ["job:reconcile:csv", "job:reconcile:rest"]


# --- webhook inbox ----------------------------------------------------------------------------


def _deliveries(order_id: str, n: int) -> list[InboxDelivery]:
    out = []
    for i in range(n):
        body = f'{{"order": "{order_id}", "n": {i}}}'
        out.append(InboxDelivery(source=ORDERCHAMP_SOURCE, event="orders/update",
                                 order_id=order_id, invoice_id=None, group_key=order_id,
                                 digest=body_digest(body.encode()), body=body,
                                 headers_json="{}"))
    return out


def test_inbox_stores_a_redelivery_once_and_leases_whole_groups(store: Store) -> None:
    assert store.inbox_add(_deliveries("A", 2)) == [True, True]
    assert store.inbox_add(_deliveries("A", 3)) == [False, False, True]
    store.inbox_add(_deliveries("B", 1))
    first = store.inbox_lease("w1", lease_seconds=60)
    assert [i.order_id for i in first] == ["A", "A", "A"]
    assert store.inbox_lease("w2", lease_seconds=60)[0].order_id == "B"
    assert store.inbox_lease("w3", lease_seconds=60) == []
    store.inbox_release(first[:1])
    store.inbox_retry(first[1:2], "timeout", delay_seconds=0)
    store.inbox_complete(first[2:])
    counts = store.inbox_counts()
    assert counts == {"pending": 2, "leased": 1, "done": 1}
    again = store.inbox_lease("w4", lease_seconds=60)
    assert sorted(i.id for i in again) == sorted(i.id for i in first[:2])
    released = store.inbox_get(first[0].id)
    assert released is not None and released.attempts == 1  # the released lease not counted
    store.inbox_park(again, "bad payload")
    assert store.inbox_counts()["parked"] == 2


def test_inbox_workers_never_lease_one_order_twice(store: Store) -> None:
    for order in "ABCDEFGH":
        store.inbox_add(_deliveries(order, 3))
    barrier = threading.Barrier(4)
    leased: list[list[str]] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        barrier.wait()
        while items := store.inbox_lease(f"w{n}", lease_seconds=60):
            with lock:
                leased.append([i.order_id or "" for i in items])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(group[0] for group in leased) == list("ABCDEFGH")
    assert all(len(group) == 3 and len(set(group)) == 1 for group in leased)


def test_order_history_look_ups_and_forget(store: Store) -> None:
    _submit(store, "o1")
    store.finish_export("csv", "o1", state=ExportState.EXPORTED, external_id="f1.csv")
    store.receive_shipment("csv", "k1", report_json="{}", order_id=None, order_number="OC-1")
    with store.transaction():
        store.fail_export("csv", "o1", order_number="OC-1", operation=ExportOperation.UPDATE,
                          error="changed", park=True, sent=False)
        item = store.park(ParkedKind.ORDER, "o1", instance="csv", reason="changed: notes",
                          order_number="OC-1")
    store.record_action("order", "o1", "resync", actor="cli:ann", order_number="OC-1",
                        message="adapter all")
    events = store.activity_for_order("o1", "OC-1")
    assert [(e.kind, e.state) for e in events] == [
        ("export", "submitting"), ("export", "exported"), ("shipment", "received"),
        ("order", "parked"), ("order", "resync")]
    assert events[-1].actor == "cli:ann" and events[0].actor is None
    assert [s.shipment_key for s in store.shipments_for_order("o1", "OC-1")] == ["k1"]
    assert [p.id for p in store.parked_for_order("o1", "OC-1")] == [item.id]

    before = store.forget_export("csv", "o1", actor="cli:bob", note="warehouse lost it")
    assert before is not None and before.revision == 1
    rec = store.get_export("csv", "o1")
    assert (rec.state, rec.operation, rec.revision, rec.pending_revision, rec.external_id) == (
        ExportState.FAILED, ExportOperation.SUBMIT, None, 2, None)
    assert store.get_parked(item.id).resolution == "forgotten by cli:bob"
    last = store.activity_for_order("o1", None)[-1]
    assert (last.state, last.actor, last.message) == ("forgotten", "cli:bob",
                                                      "warehouse lost it")
    assert store.forget_export("csv", "o1", actor="cli:bob", note="gone", reexport=False)
    assert store.get_export("csv", "o1") is None
    assert store.forget_export("csv", "o1", actor="cli:bob", note="again") is None


@pytest.mark.postgres
def test_postgres_leasers_skip_each_others_rows_and_never_split_an_order(
        pg_store_url: str) -> None:
    """Replicas lease side by side: a worker whose candidate row another transaction holds
    skips it (FOR UPDATE SKIP LOCKED) instead of waiting, and an order held mid-lease by one
    transaction is never leased by another."""
    from oc_bridge.store import open_store

    first, second = open_store(pg_store_url), open_store(pg_store_url)
    try:
        first.inbox_add(_deliveries("A", 2) + _deliveries("B", 2))
        with first.transaction():  # the first replica is in the middle of leasing order A
            mine = first.inbox_lease("r1", lease_seconds=60)
            assert {i.order_id for i in mine} == {"A"}
            # meanwhile: not blocked by A's locked rows, and never given A
            theirs = second.inbox_lease("r2", lease_seconds=60)
            assert {i.order_id for i in theirs} == {"B"} and len(theirs) == 2
            assert second.inbox_lease("r3", lease_seconds=60) == []
        assert first.inbox_counts() == {"leased": 4}
    finally:
        first.close()
        second.close()
