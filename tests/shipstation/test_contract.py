"""The adapter contract suite against the fake ShipStation, with and without a V2 key, built by
the public factory exactly as a third-party author would."""

from __future__ import annotations

import re
from typing import Any

from fakes.shipstation.clock import ManualClock
from fakes.shipstation.server import FakeShipStation
from oc_bridge_shipstation.adapter import ShipStationAdapter
from oc_bridge_shipstation.mapping import order_key

from oc_bridge.canonical import FulfilmentOrder
from oc_bridge.testing import ContractEnv, adapter_contract

_REVISION = re.compile(r"revision (\d+)")


class ShipStationProbe:
    """:class:`oc_bridge.testing.WarehouseProbe` over the fake ShipStation's store."""

    #: A label or a fulfilment closes the order: ShipStation refuses to cancel it (docs).
    rejects_late_cancellation = True

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


def _options(env: ContractEnv, **extra: Any) -> dict[str, Any]:
    fake: FakeShipStation = env.fixture("fake")
    return {"api_key": "key", "api_secret": "secret", "base_url": fake.base_url,
            "store_id": 12345, "base_url_v2": fake.base_url_v2, **extra}


def _clock(env: ContractEnv) -> dict[str, Any]:
    """The fake's manual clock, so rate-limit waits never really sleep."""
    clock: ManualClock = env.fixture("clock")
    return {"sleep": clock.sleep, "clock": clock.now, "now": env.fixture("wall")}


def _probe(adapter: ShipStationAdapter, env: ContractEnv) -> ShipStationProbe:
    return ShipStationProbe(env.fixture("fake"))


#: Full capabilities (a V2 key is configured).
TestShipStationContract = adapter_contract(
    ShipStationAdapter, options=lambda env: _options(env, api_key_v2="v2key"), probe=_probe,
    adapter_kwargs=_clock, instance="shipstation",
    consumes_shipments=False)  # a cursor source: acknowledged shipments may come again

#: Without a V2 key: no stock levels, and fetch_stock refuses.
TestShipStationV1OnlyContract = adapter_contract(
    ShipStationAdapter, options=_options, probe=_probe, adapter_kwargs=_clock,
    instance="shipstation", consumes_shipments=False)
