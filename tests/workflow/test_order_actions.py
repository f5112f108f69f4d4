"""ACCEPTANCE: ``oc-bridge orders confirm|cancel|mark-paid|set-delivery`` as a subprocess
against the sandbox."""

from __future__ import annotations

from workflow_bridge import WorkflowBridge, assert_ok


def test_confirm_one_or_more_orders(bridge: WorkflowBridge) -> None:
    first = bridge.sandbox.create_order(confirmed=False, lines=1)
    second = bridge.sandbox.create_order(confirmed=False, lines=2)
    result = bridge.run("orders", "confirm", first["id"], second["id"])
    assert_ok(result)
    assert f"order {first['number']} confirmed" in result.stdout
    assert bridge.order(first["id"])["isConfirmed"] and bridge.order(second["id"])["isConfirmed"]
    again = bridge.run("orders", "confirm", first["id"])
    assert_ok(again, 1)
    assert "cannot be confirmed" in again.stderr


def test_cancel_and_cancellation_request(bridge: WorkflowBridge) -> None:
    plain = bridge.sandbox.create_order(confirmed=True, lines=1)
    result = bridge.run("orders", "cancel", plain["id"], "--reason", "OUT_OF_STOCK",
                        "--message", "Sorry, sold out")
    assert_ok(result)
    assert "cancelled (CANCELLED)" in result.stdout
    assert bridge.order(plain["id"])["isCancelled"]

    shipped = bridge.sandbox.create_order(confirmed=True, lines=2)
    line = bridge.order(shipped["id"])["products"][0]
    with bridge.client() as client:
        client.create_shipment(shipped["id"], [(line["id"], 1)])
    result = bridge.run("orders", "cancel", shipped["id"], "--reason", "CUSTOMER")
    assert_ok(result)
    assert "CANCELLATION_REQUESTED" in result.stdout and "not cancelled yet" in result.stdout
    after = bridge.order(shipped["id"])
    assert after["status"] == "CANCELLATION_REQUESTED" and not after["isCancelled"]
    missing = bridge.run("orders", "cancel", shipped["id"])
    assert_ok(missing, 2)  # --reason is required


def test_mark_paid_refuses_an_order_already_paid(bridge: WorkflowBridge) -> None:
    created = bridge.sandbox.create_order(confirmed=False, lines=1)
    with bridge.sandbox.state.lock:  # an unpaid Order Portal order
        order = bridge.sandbox.state.orders_by_id[created["id"]]
        order.channel, order.is_paid, order.paid_at = "PORTAL", False, None
    result = bridge.run("orders", "mark-paid", created["id"], "--description", "Bank transfer")
    assert_ok(result)
    assert bridge.order(created["id"])["isPaid"]
    again = bridge.run("orders", "mark-paid", created["id"], "--description", "Cash")
    assert_ok(again, 1)
    assert f"order {created['number']} is already paid" in again.stderr
    assert_ok(bridge.run("orders", "mark-paid", created["id"]), 2)  # description required


def test_set_delivery_date_with_and_without_notification(bridge: WorkflowBridge) -> None:
    created = bridge.sandbox.create_order(confirmed=True, lines=1)
    result = bridge.run("orders", "set-delivery", created["id"], "2030-03-04")
    assert_ok(result)
    assert bridge.order(created["id"])["estimatedDeliveryAt"].startswith("2030-03-04T12:00")
    result = bridge.run("orders", "set-delivery", created["id"], "2030-03-05T09:30:00+01:00",
                        "--no-notify")
    assert_ok(result)
    assert "not notified" in result.stdout
    assert bridge.order(created["id"])["estimatedDeliveryAt"].startswith("2030-03-05T08:30")
    bad = bridge.run("orders", "set-delivery", created["id"], "2030-03-05T09:30")
    assert_ok(bad, 1)
    assert "time zone" in bad.stderr
