"""The adapter contract suite against the fake ShipStation, with and without a V2 key."""

from __future__ import annotations

import re

import pytest
from fakes.shipstation.server import FakeShipStation
from oc_bridge_shipstation.adapter import ShipStationAdapter
from oc_bridge_shipstation.mapping import order_key

from oc_bridge.canonical import FulfilmentOrder
from oc_bridge.testing import AdapterContract

from .conftest import AdapterFactory

_REVISION = re.compile(r"revision (\d+)")


class ShipStationProbe:
    """:class:`oc_bridge.testing.WarehouseProbe` over the fake ShipStation's store."""

    def __init__(self, fake: FakeShipStation) -> None:
        self.fake = fake

    def _ours(self, reference: str) -> list[dict[str, object]]:
        return [o for o in self.fake.store.orders.values()
                if (o.get("advancedOptions") or {}).get("customField1") == reference]

    def orders_received(self, reference: str) -> int:
        return len(self._ours(reference))

    def latest_revision(self, reference: str) -> int | None:
        order = self.fake.store.orders.get(order_key(reference))
        match = _REVISION.search(str(order.get("internalNotes"))) if order else None
        return int(match.group(1)) if match else None

    def is_cancelled(self, reference: str) -> bool:
        order = self.fake.store.orders.get(order_key(reference))
        return bool(order and order["orderStatus"] == "cancelled")

    def ship(self, order: FulfilmentOrder, lines: list[tuple[str, int]] | None = None,
             tracking_number: str | None = "TRACK1", carrier: str | None = "PostNL") -> None:
        key = order_key(order.reference)
        if tracking_number is None and lines is None:
            # Marked shipped by hand, without a label: a fulfillment.
            self.fake.store.mark_shipped(key, tracking_number="", carrier=carrier or "")
            return
        self.fake.store.create_label(key, dict(lines) if lines is not None else None,
                                     tracking_number=tracking_number or "",
                                     carrier=carrier or "")

    def set_stock(self, sku: str, available: int) -> None:
        self.fake.set_stock(sku, available)


class TestShipStationContract(AdapterContract):
    """Full capabilities (a V2 key is configured)."""

    consumes_shipments = False  # a cursor source: acknowledged shipments may come again

    @pytest.fixture
    def adapter(self, make_adapter: AdapterFactory) -> ShipStationAdapter:
        return make_adapter(api_key_v2="v2key")

    @pytest.fixture
    def warehouse(self, fake: FakeShipStation) -> ShipStationProbe:
        return ShipStationProbe(fake)


class TestShipStationV1OnlyContract(TestShipStationContract):
    """Without a V2 key: no stock levels, and fetch_stock refuses."""

    @pytest.fixture
    def adapter(self, make_adapter: AdapterFactory) -> ShipStationAdapter:
        return make_adapter()
