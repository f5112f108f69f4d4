"""Lost-webhook judgement over a real ledger: a change no webhook brought counts once; one whose
webhook arrived (even after reconciliation handled it) does not; a young change waits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from oc_bridge.engine import SyncSummary
from oc_bridge.engine.lost_webhooks import PENDING_CURSOR, LostWebhooks
from oc_bridge.models import OrderChange
from oc_bridge.store import InboxDelivery, OrderSeen, Store, body_digest


def change(order_id: str, at: datetime) -> OrderChange:
    return OrderChange(id=order_id, updated_at=at)


def handled(store: Store, item: OrderChange) -> None:
    """What the engine records once it handled the order."""
    store.record_order(OrderSeen(order_id=item.id, number=f"N-{item.id}", status="X",
                                 updated_at=item.updated_at.isoformat(), digest="d",
                                 is_confirmed=True, is_cancelled=False))


def webhook(store: Store, order_id: str) -> None:
    body = json.dumps({"data": {"order": {"id": order_id}}})
    store.inbox_add([InboxDelivery(source="orderchamp", event="ORDER_UPDATED", body=body,
                                   digest=body_digest(body.encode()), order_id=order_id,
                                   group_key=order_id)])


def test_an_old_change_without_webhook_is_counted(store: Store) -> None:
    item = change("o1", datetime.now(UTC) - timedelta(minutes=5))
    lost = LostWebhooks(store, 60)
    summary = SyncSummary()
    assert lost.behind(item)
    handled(store, item)
    lost.picked_up(item, summary)
    lost.finish(summary)
    assert summary.repaired_by_reconcile == 1
    assert summary.repaired == [{"order_id": "o1", "number": "N-o1",
                                 "updated_at": item.updated_at.isoformat()}]
    assert "lost webhooks): 1" in "\n".join(summary.lines())


def test_a_received_webhook_is_not_lost_even_if_not_processed_yet(store: Store) -> None:
    item = change("o2", datetime.now(UTC) - timedelta(seconds=30))
    webhook(store, "o2")  # stored by the daemon, still pending in the inbox
    lost, summary = LostWebhooks(store, 60), SyncSummary()
    lost.picked_up(item, summary, now=datetime.now(UTC) + timedelta(minutes=5))
    assert summary.repaired_by_reconcile == 0


def test_an_older_webhook_does_not_cover_a_newer_change(store: Store) -> None:
    webhook(store, "o3")
    item = change("o3", datetime.now(UTC) + timedelta(minutes=10))  # changed after it
    lost, summary = LostWebhooks(store, 60), SyncSummary()
    lost.picked_up(item, summary, now=datetime.now(UTC) + timedelta(minutes=20))
    assert summary.repaired_by_reconcile == 1


def test_an_order_the_ledger_already_saw_at_this_change_is_not_behind(store: Store) -> None:
    item = change("o4", datetime.now(UTC) - timedelta(minutes=5))
    handled(store, item)
    assert not LostWebhooks(store, 60).behind(item)
    assert LostWebhooks(store, 60).behind(change("o4", item.updated_at + timedelta(seconds=1)))


def test_a_young_change_is_judged_by_a_later_pass(store: Store) -> None:
    now = datetime.now(UTC)
    late, lost_one = change("late", now), change("gone", now)
    first = SyncSummary()
    pass_one = LostWebhooks(store, 120)
    pass_one.picked_up(late, first, now=now)
    pass_one.picked_up(lost_one, first, now=now)
    pass_one.finish(first, now=now)
    assert first.repaired_by_reconcile == 0
    assert len(json.loads(store.get_cursor(PENDING_CURSOR) or "[]")) == 2
    webhook(store, "late")  # its webhook arrives after reconciliation handled the order
    second = SyncSummary()
    LostWebhooks(store, 120).finish(second, now=now + timedelta(seconds=60))
    assert second.repaired_by_reconcile == 0  # still too young
    third = SyncSummary()
    LostWebhooks(store, 120).finish(third, now=now + timedelta(seconds=121))
    assert [r["order_id"] for r in third.repaired] == ["gone"]
    assert store.get_cursor(PENDING_CURSOR) is None
