"""The webhook adapter against the oc-bridge adapter contract suite, plus its own rules:
signatures, unreadable shipment records, paging, per-instance capabilities."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from conftest import SECRET
from fake_receiver import FakeReceiver
from oc_bridge.adapter import AdapterContext, Capability
from oc_bridge.canonical import FulfilmentOrder
from oc_bridge.errors import AuthenticationError
from oc_bridge.testing import ContractEnv, adapter_contract, make_fulfilment_order

from oc_bridge_webhook import WebhookAdapter, WebhookConfig


class ReceiverProbe:
    """The contract suite's window into the fake receiver (a ``WarehouseProbe``)."""

    #: The receiver refuses to cancel an order it reported shipped.
    rejects_late_cancellation = True

    def __init__(self, adapter: WebhookAdapter, env: ContractEnv) -> None:
        self.receiver: FakeReceiver = env.fixture("receiver")
        self.shipped = 0

    def orders_received(self, reference: str) -> int:
        held = self.receiver.orders.get(reference)
        return held.events.count("order.created") if held else 0

    def latest_revision(self, reference: str) -> int | None:
        held = self.receiver.orders.get(reference)
        return int(held.order["revision"]) if held else None

    def is_cancelled(self, reference: str) -> bool:
        held = self.receiver.orders.get(reference)
        return bool(held and held.cancelled)

    def ship(
        self,
        order: FulfilmentOrder,
        lines: list[tuple[str, int]] | None = None,
        tracking_number: str | None = "TRACK1",
        carrier: str | None = "PostNL",
    ) -> None:
        shipped = lines or [(line.line_ref, line.quantity) for line in order.lines]
        self.shipped += 1
        self.receiver.add_shipment({
            "id": f"S-{order.reference}-{self.shipped}",
            "order_ref": order.reference,
            "tracking_number": tracking_number,
            "carrier": carrier,
            "lines": [{"line_ref": ref, "quantity": quantity} for ref, quantity in shipped],
        })


def endpoints(env: ContractEnv) -> dict[str, Any]:
    """The ``[adapters.<instance>]`` table pointing at the fake receiver."""
    receiver: FakeReceiver = env.fixture("receiver")
    return {"orders_url": receiver.orders_url, "shipments_url": receiver.shipments_url,
            "secret": SECRET, "max_attempts": 1}


TestWebhookAdapterContract = adapter_contract(
    WebhookAdapter,
    options=endpoints,
    probe=ReceiverProbe,
    consumes_shipments=False,  # a cursor source: acknowledged shipments may come again
)


def build(tmp_path: Path, **options: Any) -> WebhookAdapter:
    config = WebhookConfig.model_validate({"secret": SECRET, "max_attempts": 1} | options)
    return WebhookAdapter(config, AdapterContext(
        instance="webhook", state_dir=tmp_path, logger=logging.getLogger("test")))


def test_a_wrong_secret_is_a_configuration_error(tmp_path: Path, receiver: FakeReceiver) -> None:
    adapter = build(tmp_path, orders_url=receiver.orders_url, secret="not-the-shared-secret")
    with pytest.raises(AuthenticationError):
        adapter.submit_order(make_fulfilment_order(2))
    assert receiver.rejected_signatures == 1 and receiver.orders == {}


def test_unreadable_records_become_problems_and_paging_follows_the_cursor(
    tmp_path: Path, receiver: FakeReceiver
) -> None:
    adapter = build(tmp_path, orders_url=receiver.orders_url,
                    shipments_url=receiver.shipments_url)
    good = {"id": "S1", "order_number": "1001", "lines": [{"sku": "A", "quantity": 1}]}
    receiver.add_shipment(good)
    receiver.add_shipment({"order_number": "1002", "lines": []})       # no id
    receiver.add_shipment({"id": "S3", "order_number": "1003", "lines": []})  # no lines
    receiver.add_shipment({**good, "id": "S4", "order_number": "1004"})
    pull = adapter.fetch_shipments(None)  # two pages of two
    assert [s.shipment_key for s in pull.shipments] == ["webhook:S1", "webhook:S4"]
    assert [p.source for p in pull.problems] == [
        f"{receiver.shipments_url} record 2", "shipment S3"]
    assert "needs at least one line" in pull.problems[1].message
    assert pull.problems[1].raw == {"id": "S3", "order_number": "1003", "lines": []}
    assert pull.cursor == "4"
    assert adapter.fetch_shipments(pull.cursor).shipments == []


def test_without_a_shipments_url_an_instance_does_not_pull_shipments() -> None:
    config = WebhookConfig(orders_url="https://example.invalid/orders", secret=SECRET)
    assert WebhookAdapter.capabilities_for(config) == frozenset(
        {Capability.SUBMIT_ORDERS, Capability.UPDATE_ORDERS, Capability.CANCEL_ORDERS})
