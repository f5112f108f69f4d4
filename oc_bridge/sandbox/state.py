"""The sandbox's in-memory world: indexes, lookups, sorted order views and event emission.

One re-entrant lock (``state.lock``) guards every read and write; the GraphQL executor, the
admin endpoint and the Python API all take it. Business rules live in ``rules``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from oc_bridge.sandbox.config import SandboxConfig
from oc_bridge.sandbox.data import DataGenerator
from oc_bridge.sandbox.ids import global_id, parse_global_id, utc_now
from oc_bridge.sandbox.model import (
    Account,
    Customer,
    InventoryLevel,
    Invoice,
    Location,
    Order,
    OrderLine,
    ProductVariant,
    Shipment,
    Webhook,
)

__all__ = ["ORDER_SORTS", "Event", "SandboxState"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_TICK = timedelta(milliseconds=1)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICRO


#: Sort name -> ascending integer key of an order.
ORDER_SORTS: dict[str, Callable[[Order], tuple[int, int]]] = {
    "CREATED_AT_ASC": lambda o: (_micros(o.created_at), o.seq),
    "CREATED_AT_DESC": lambda o: (-_micros(o.created_at), -o.seq),
    "ID_ASC": lambda o: (o.seq, 0),
    "UPDATED_AT_ASC": lambda o: (_micros(o.updated_at), o.seq),
}


@dataclass(frozen=True, slots=True)
class Event:
    """Something webhook subscribers hear about (an order or invoice change)."""

    topic: str
    order: Order
    invoice: Invoice | None = None


EventListener = Callable[[Event, list[Webhook]], None]


class SandboxState:
    """Every object of the sandbox, indexed for lookups, generated from the config's seed."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], datetime] = utc_now) -> None:
        anchor = config.now or utc_now().replace(second=0, microsecond=0)
        self.config = config
        self.clock = clock
        self.lock = threading.RLock()
        self.generator = DataGenerator(config.seed, anchor, config.large_order_rate)
        data = self.generator.generate(config.orders, config.catalogue_size)
        self.account = Account(
            id=config.account_id,
            name=config.account_name,
            type="SUPPLIER",
            slug="-".join(config.account_name.lower().replace(".", "").split()),
        )
        self.locations: dict[str, Location] = {loc.id: loc for loc in data.locations}
        self.primary_location = data.locations[0]
        self.variants: list[ProductVariant] = data.variants
        self.variants_by_id = {v.id: v for v in self.variants}
        self.variants_by_sku = {v.sku: v for v in self.variants}
        self.inventory_levels: dict[str, InventoryLevel] = {
            level.id: level for v in self.variants for level in v.inventory_levels
        }
        self.customers: list[Customer] = data.customers
        self.customers_by_id = {c.id: c for c in self.customers}
        self.orders: list[Order] = []
        self.orders_by_id: dict[str, Order] = {}
        self.orders_by_number: dict[str, Order] = {}
        self.lines_by_id: dict[str, OrderLine] = {}
        self.shipments_by_id: dict[str, Shipment] = {}
        self.invoices_by_id: dict[str, Invoice] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.version = 0
        #: ``inventoryLevelBulkAdjust`` calls answered (stock tests count mutations).
        self.inventory_mutations = 0
        self._inserts = 0
        self._sorted: dict[str, tuple[int, list[tuple[int, int]], list[Order]]] = {}
        self._counts: dict[tuple[Any, ...], int] = {}
        self._listeners: list[EventListener] = []
        for order in data.orders:
            self.index_order(order)

    # --- indexing and lookups -----------------------------------------------------------------

    def index_order(self, order: Order) -> None:
        """Register a new order and everything hanging off it."""
        self.orders.append(order)
        self.orders_by_id[order.id] = order
        self.orders_by_number[order.number] = order
        for line in order.lines:
            self.lines_by_id[line.id] = line
        for shipment in order.shipments:
            self.shipments_by_id[shipment.id] = shipment
        for invoice in order.invoices:
            self.invoices_by_id[invoice.id] = invoice
        self._inserts += 1
        self.version += 1

    def find_order(self, ref: str) -> Order | None:
        """An order by global ID, by number (``OC-100001``) or by its plain sequence number."""
        ref = ref.strip()
        order = self.orders_by_id.get(ref) or self.orders_by_number.get(ref.upper())
        if order is None and ref.isdigit():
            order = self.orders_by_id.get(global_id("Order", int(ref)))
        if order is None:
            parsed = parse_global_id(ref)
            if parsed is not None and parsed[0] == "Order":
                order = self.orders_by_id.get(global_id("Order", parsed[1]))
        return order

    def now(self) -> datetime:
        """The sandbox's clock (UTC, millisecond precision)."""
        return self.clock()

    def touch(self, order: Order) -> datetime:
        """Bump ``updatedAt`` to now (strictly later than before) and return it."""
        moment = self.clock()
        if moment <= order.updated_at:
            moment = order.updated_at + _TICK
        order.updated_at = moment
        self.version += 1
        return moment

    def changed(self) -> None:
        """Note a change that is not an order update (inventory, webhooks, customers)."""
        self.version += 1

    # --- sorted views -------------------------------------------------------------------------

    def sorted_orders(self, sort: str) -> tuple[list[tuple[int, int]], list[Order]]:
        """Keys and orders in ``sort`` order (cached until something relevant changes)."""
        stamp = self.version if sort == "UPDATED_AT_ASC" else self._inserts
        cached = self._sorted.get(sort)
        if cached is not None and cached[0] == stamp:
            return cached[1], cached[2]
        key = ORDER_SORTS[sort]
        pairs = sorted(((key(o), o) for o in self.orders), key=itemgetter(0))
        keys = [k for k, _ in pairs]
        orders = [o for _, o in pairs]
        self._sorted[sort] = (stamp, keys, orders)
        return keys, orders

    def count_orders(self, filters: tuple[Any, ...], match: Callable[[Order], bool]) -> int:
        """Number of orders matching ``match``, cached per filter tuple and state version."""
        cache_key = (self.version, *filters)
        found = self._counts.get(cache_key)
        if found is None:
            if len(self._counts) > 256:
                self._counts.clear()
            found = sum(1 for o in self.orders if match(o))
            self._counts[cache_key] = found
        return found

    # --- events -------------------------------------------------------------------------------

    def subscribe(self, listener: EventListener) -> None:
        """Call ``listener(event, subscriptions)`` for every event (under the state lock)."""
        self._listeners.append(listener)

    def emit(self, topic: str, order: Order, invoice: Invoice | None = None) -> None:
        """Announce an event to listeners with the webhook subscriptions for its topic."""
        subscriptions = [w for w in self.webhooks.values() if w.topic == topic]
        event = Event(topic, order, invoice)
        for listener in self._listeners:
            listener(event, subscriptions)
