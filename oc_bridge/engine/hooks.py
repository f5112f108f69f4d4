"""What the engine needs from its surroundings, as structural types (no import of the plugin
system or the HTTP client): :class:`~oc_bridge.plugins.PluginHost` satisfies
:class:`EngineHooks` and :class:`~oc_bridge.orderchamp.client.OrderchampClient` satisfies
:class:`OrderchampApi`; unit tests pass small fakes with the same methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from oc_bridge.canonical import FulfilmentOrder, ShipmentReport
from oc_bridge.models import Invoice, Order, OrderChange, Shipment
from oc_bridge.settings import Settings

__all__ = ["EngineHooks", "OrderChangeListing", "OrderchampApi"]


class EngineHooks(Protocol):
    """Mapping, routing and observers. Observers must not raise (the plugin host isolates
    failing plugins); the engine still guards against it."""

    def map_order(self, order: Order, *, instance: str, revision: int) -> FulfilmentOrder:
        """The canonical order for ``instance``; raises ``MappingError`` when impossible."""
        ...

    def route_order(self, order: Order, instances: Sequence[str], settings: Settings) -> list[str]:
        """The instances (a subset of ``instances``) the order goes to; empty: nowhere."""
        ...

    def notify_order_exported(
        self, *, instance: str, order: FulfilmentOrder, external_id: str | None
    ) -> None:
        """An order (at ``order.revision``) was recorded as exported to ``instance``."""
        ...

    def notify_shipment_reported(
        self, *, instance: str, shipment: ShipmentReport, shipment_id: str
    ) -> None:
        """A shipment was recorded as shipped in Orderchamp."""
        ...

    def notify_order_parked(
        self, *, kind: str, reference: str, instance: str | None, reason: str
    ) -> None:
        """Something was parked for a human."""
        ...


class OrderChangeListing(Protocol):
    """:class:`~oc_bridge.orderchamp.keyset.OrderChanges` as the engine sees it."""

    complete: bool
    read_through: datetime | None

    @property
    def total_count(self) -> int:
        """How many orders the listing holds (asked once)."""
        ...

    def __iter__(self) -> Iterator[OrderChange]:
        """The changes, oldest first."""
        ...


class OrderchampApi(Protocol):
    """The part of the Orderchamp client the engine uses: reading orders, shipments, and the
    workflow calls of the confirm, invoice, stock and delivery-date steps."""

    def iter_orders(
        self, *, include_unconfirmed: bool = False, include_cancelled: bool = False,
        is_fulfilled: bool | None = None, updated_since: datetime | None = None,
        sort: str = "CREATED_AT_ASC", with_lines: bool = True, page_size: int | None = None,
    ) -> Iterable[Order]:
        """Orders, lazily, all lines included."""
        ...

    def iter_order_changes(
        self, *, updated_since: datetime | None = None, include_unconfirmed: bool = False,
        include_cancelled: bool = False,
    ) -> OrderChangeListing:
        """Which orders changed, oldest change first, keyset-paged (nothing skipped)."""
        ...

    def get_order(
        self, order_id: str, *, with_shipments: bool = True, with_invoices: bool = False,
        full: bool = False, products_count: int | None = None, with_confirmed_at: bool = False,
    ) -> Order | None:
        """One order with all lines (and shipments); None when unknown. Lean fields unless
        ``full`` (``confirmedAt`` only ``with_confirmed_at``)."""
        ...

    def create_shipment(
        self, order_id: str, lines: Sequence[tuple[str, int]], *, method: str = "SHIP_YOURSELF",
        weight: int | None = None, client_mutation_id: str | None = None,
    ) -> Shipment:
        """``shipmentCreate``; never re-sent after an ambiguous failure."""
        ...

    def ship_shipment(
        self, shipment_id: str, *, is_tracked: bool, estimated_transit_days: int,
        tracking_number: str | None = None, tracking_url: str | None = None,
        carrier: str | None = None,
    ) -> Shipment:
        """``shipmentShip``."""
        ...

    def confirm_order(self, order_id: str) -> Order:
        """``orderConfirm``; the order's fields after the change, without lines."""
        ...

    def order_invoices(self, order_id: str) -> list[Invoice]:
        """Every invoice on the order."""
        ...

    def bulk_adjust_inventory(
        self, levels: Sequence[Mapping[str, Any]], *, client_mutation_id: str | None = None
    ) -> dict[str, Any]:
        """``inventoryLevelBulkAdjust`` of at most 100 items; per-item ``userErrors`` returned."""
        ...

    def update_estimated_delivery(
        self, order_id: str, estimated_delivery_at: datetime, *, notify_customer: bool = True
    ) -> Order:
        """``orderUpdateEstimatedDelivery``."""
        ...
