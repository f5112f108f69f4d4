"""The ShipStation adapter: orders out through V1 ``createorders``, shipments back by polling
``/shipments`` + ``/fulfillments`` (or by webhook), stock through V2 ``/inventory``.

Every order is upserted under ``orderKey = "orderchamp:<order id>"``, so a retry or a repeated
submit after a crash updates the same ShipStation order instead of creating a second one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from oc_bridge.adapter import Adapter, AdapterContext, Capability, UnsupportedCapabilityError
from oc_bridge.canonical import (
    CancelOutcome,
    FulfilmentOrder,
    ShipmentOutcome,
    ShipmentPull,
    StockLevel,
    SubmitResult,
)
from oc_bridge.errors import (
    AuthenticationError,
    ClientRequestError,
    OcBridgeError,
    PermanentError,
)

from .client import ShipStationClient
from .config import ShipStationConfig
from .orders import OrderWriter, TooLateError
from .reported import ReportedShipments
from .shipments import FULFILLMENTS, SHIPMENTS, PullHandle, ShipmentReader

__all__ = ["WEBHOOK_EVENTS", "ShipStationAdapter"]

#: The webhook events whose resources are shipments oc-bridge reports.
WEBHOOK_EVENTS = ("SHIP_NOTIFY", "ITEM_SHIP_NOTIFY", "FULFILLMENT_SHIPPED")
_BASE_CAPABILITIES = frozenset({Capability.SUBMIT_ORDERS, Capability.UPDATE_ORDERS,
                                Capability.CANCEL_ORDERS, Capability.PULL_SHIPMENTS})


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


class ShipStationAdapter(Adapter[ShipStationConfig]):
    """ShipStation (V1 API, optional V2 key for stock). See ``docs/shipstation.md``.

    Capabilities are per instance (:meth:`capabilities_for`): ``STOCK_LEVELS`` only when
    ``api_key_v2`` is set.
    ``sleep``, ``clock`` and ``now`` are injectable so tests never really wait.
    """

    name: ClassVar[str] = "shipstation"
    Config: ClassVar[type[ShipStationConfig]] = ShipStationConfig
    capabilities: ClassVar[frozenset[Capability]] = _BASE_CAPABILITIES | {
        Capability.STOCK_LEVELS}

    def __init__(self, config: ShipStationConfig, context: AdapterContext, *,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], datetime] | None = None) -> None:
        super().__init__(config, context)
        self.client = ShipStationClient(config, sleep=sleep, clock=clock)
        self.reported = ReportedShipments(context.state_dir / "shipstation-reported.json")
        self.orders = OrderWriter(self.client, config)
        self.reader = ShipmentReader(self.client, config, self.reported,
                                     now or (lambda: datetime.now(UTC)))

    @classmethod
    def capabilities_for(cls, config: ShipStationConfig) -> frozenset[Capability]:
        """Only an instance with a V2 key can read stock."""
        if config.api_key_v2 is None:
            return _BASE_CAPABILITIES
        return cls.capabilities

    # --- orders ---------------------------------------------------------------------------

    @property
    def submit_batch_size(self) -> int:
        """Orders per ``createorders`` call (``batch_size``, at most 100)."""
        return self.config.batch_size

    def submit_orders(
        self, orders: Sequence[FulfilmentOrder]
    ) -> dict[str, SubmitResult | OcBridgeError]:
        """Submit many orders in ``createorders`` batches of ``batch_size`` (≤ 100).

        Returns, per ``order.reference``, a :class:`SubmitResult` or the error for that order
        alone (``RejectedError`` with ShipStation's message, ``MappingError``, or a transient
        error of its batch). Raises only ``ConfigurationError`` (bad credentials), which no
        order can get past.
        """
        return self.orders.upsert(orders, intent="submit")

    def submit_order(self, order: FulfilmentOrder) -> SubmitResult:
        """Submit one order (an upsert by ``orderKey``: idempotent on reference and revision).
        An order that already moved on in ShipStation (shipped) returns ``already_existed``."""
        return _single(self.orders.upsert([order], intent="submit"), order)

    def update_order(self, order: FulfilmentOrder, external_id: str | None) -> SubmitResult:
        """Re-send the whole order under the same ``orderKey``. ``RejectedError`` when the
        ShipStation order is no longer open (shipped or cancelled)."""
        return _single(self.orders.upsert([order], intent="update"), order)

    def cancel_order(
        self, order: FulfilmentOrder, external_id: str | None, reason: str | None
    ) -> CancelOutcome:
        """Upsert the order with ``orderStatus: cancelled``: accepted (also when it was
        already cancelled). Rejected when ShipStation no longer holds it open (shipped: only
        open orders can be changed, per its docs). ``RejectedError`` for ShipStation's other
        refusals (its message)."""
        try:
            result = _single(self.orders.upsert([order], intent="cancel", reason=reason), order)
        except TooLateError as exc:
            return CancelOutcome.rejected(str(exc))
        return CancelOutcome.accepted("already cancelled" if result.already_existed else None,
                                      external_id=result.external_id)

    # --- shipments ------------------------------------------------------------------------

    def fetch_shipments(self, cursor: str | None) -> ShipmentPull:
        """Label shipments and fulfillments created in (cursor - overlap, now]; the returned
        cursor is ``now`` as an ISO UTC timestamp. No cursor reads the last
        ``initial_lookback_days`` (oc-bridge's orders are all younger than its first pull)."""
        return self.reader.poll(cursor)

    def acknowledge_shipments(
        self, pull: ShipmentPull, outcomes: Sequence[ShipmentOutcome]
    ) -> None:
        """Remember shipments reported ok (to notice a later void) and voids already raised."""
        self.reported.add(o.shipment_key for o in outcomes if o.ok)
        if isinstance(pull.handle, PullHandle):
            self.reported.mark_void_raised(pull.handle.voided_keys)

    def handle_webhook(self, body: bytes) -> ShipmentPull:
        """Handle a ShipStation webhook delivery (``{"resource_url", "resource_type"}``).

        For ``SHIP_NOTIFY``, ``ITEM_SHIP_NOTIFY`` and ``FULFILLMENT_SHIPPED`` the resource is
        fetched with this instance's credentials, but only when it is on the configured
        ShipStation origin (scheme, host and port of ``base_url``); anything else raises
        ``PermanentError`` so credentials never go to a foreign host. Other events give an
        empty pull. Records are mapped exactly as by :meth:`fetch_shipments`; ``cursor`` is None.
        """
        try:
            payload = json.loads(body)
            url, event = str(payload["resource_url"]), str(payload.get("resource_type") or "")
        except (ValueError, TypeError, KeyError) as exc:
            raise PermanentError("not a ShipStation webhook body") from exc
        if event not in WEBHOOK_EVENTS:
            self.log.debug("ignoring ShipStation webhook %s", event)
            return ShipmentPull()
        if _origin(url) != _origin(self.config.base_url):
            raise PermanentError(f"resource_url host not allowed: {urlsplit(url).netloc}")
        base_path = urlsplit(self.config.base_url).path.rstrip("/")
        kind = urlsplit(url).path[len(base_path):].strip("/")
        if not urlsplit(url).path.startswith(base_path) or kind not in (SHIPMENTS, FULFILLMENTS):
            raise PermanentError(f"resource_url path not allowed: {urlsplit(url).path}")
        return self.reader.read(kind, self.client.get_resource(url))

    # --- webhooks -------------------------------------------------------------------------

    def list_webhooks(self) -> list[dict[str, Any]]:
        """The account's webhook subscriptions as ShipStation lists them."""
        return self.client.list_webhooks()

    def webhook_subscribe(self, target_url: str, event: str,
                          friendly_name: str = "oc-bridge") -> int:
        """Subscribe ``event`` to ``target_url`` (for the configured store); an existing
        subscription of the same event and URL is kept and its id returned."""
        for hook in self.list_webhooks():
            if hook.get("HookType") == event and hook.get("Url") == target_url:
                return int(hook["WebHookID"])
        return self.client.subscribe_webhook(target_url, event, friendly_name,
                                             self.config.store_id)

    def webhook_unsubscribe(self, webhook_id: int) -> None:
        """Delete a webhook subscription."""
        self.client.delete_webhook(webhook_id)

    # --- stock ----------------------------------------------------------------------------

    def fetch_stock(self) -> Iterable[StockLevel]:
        """Available stock per SKU from ``GET /v2/inventory`` (summed over warehouses and
        locations; ``reserved`` is ShipStation's ``allocated``)."""
        if self.client.v2 is None:
            raise UnsupportedCapabilityError("shipstation needs api_key_v2 for stock levels")
        totals: dict[str, dict[str, Any]] = {}
        for record in self.client.inventory():
            sku = str(record.get("sku") or "").strip()
            if not sku:
                continue
            total = totals.setdefault(sku, {"available": 0, "on_hand": 0, "reserved": 0,
                                            "warehouses": set()})
            total["available"] += int(record.get("available") or 0)
            total["on_hand"] += int(record.get("on_hand") or 0)
            total["reserved"] += int(record.get("allocated") or 0)
            total["warehouses"].add(record.get("inventory_warehouse_id"))
        as_of = datetime.now(UTC)
        return [StockLevel(sku=sku, available=t["available"], on_hand=t["on_hand"],
                           reserved=t["reserved"], as_of=as_of,
                           warehouse=next(iter(t["warehouses"])) if len(t["warehouses"]) == 1
                           else None)
                for sku, t in sorted(totals.items())]

    # --- housekeeping ---------------------------------------------------------------------

    def stores(self) -> list[dict[str, Any]]:
        """The account's ShipStation stores (``GET /stores``)."""
        return self.client.stores()

    def check(self) -> list[str]:
        """Credentials and ``store_id`` (one ``GET /stores``), plus the V2 key when set."""
        problems: list[str] = []
        try:
            stores = self.stores()
        except AuthenticationError as exc:
            return [f"ShipStation refused api_key/api_secret ({exc}); V1 needs a Gold plan"]
        except OcBridgeError as exc:
            return [f"ShipStation unreachable: {exc}"]
        ids = {s.get("storeId") for s in stores}
        if self.config.store_id is not None and self.config.store_id not in ids:
            problems.append(f"store_id {self.config.store_id} is not a store of this account "
                            f"(known: {', '.join(str(i) for i in sorted(ids, key=str))})")
        if self.client.v2 is not None:
            try:
                self.client.call_v2("/inventory", {"limit": 1})
            except (AuthenticationError, ClientRequestError) as exc:
                problems.append(f"ShipStation V2 refused api_key_v2: {exc}")
            except OcBridgeError as exc:
                problems.append(f"ShipStation V2 unreachable: {exc}")
        return problems

    def close(self) -> None:
        """Release HTTP connections."""
        self.client.close()


def _single(results: Mapping[str, SubmitResult | OcBridgeError],
            order: FulfilmentOrder) -> SubmitResult:
    result = results[order.reference]
    if isinstance(result, OcBridgeError):
        raise result
    return result
