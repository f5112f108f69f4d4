"""The Orderchamp GraphQL client: typed methods over the operations folder.

Every method sends documents from :mod:`oc_bridge.orderchamp.operations` through one
:class:`~oc_bridge.orderchamp.execution.Executor` (cost, rate-limit bucket, retries, answer
checks), converts answers into :mod:`oc_bridge.models` and raises only errors from
:mod:`oc_bridge.errors`. Mutations are never re-sent after an ambiguous failure: the caller gets
:class:`~oc_bridge.errors.AmbiguousMutationError` and must re-read state before deciding.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import SecretStr

from oc_bridge.errors import MalformedResponseError, PermanentError
from oc_bridge.http import HttpClient
from oc_bridge.models import Account, Customer, Invoice, Order, ProductVariant, Shipment, Webhook
from oc_bridge.orderchamp.bucket import LeakyBucket
from oc_bridge.orderchamp.execution import SERVICE, ClientStats, Executor
from oc_bridge.orderchamp.keyset import OrderChanges
from oc_bridge.orderchamp.operations import Operation, load_operation
from oc_bridge.orderchamp.pagination import (
    MAX_PAGE,
    OrderIterator,
    complete_lines,
    fetch_shipments,
    fit_page_size,
    iter_nodes,
    order_page_sizes,
)
from oc_bridge.orderchamp.wire import (
    connection_nodes,
    dig,
    invoice_from_wire,
    make,
    order_from_wire,
    raise_user_errors,
    shipment_from_wire,
)

__all__ = ["MAX_INVENTORY_BATCH", "OrderchampClient"]


MAX_INVENTORY_BATCH = 100
"""Orderchamp's recommended batch size for ``inventoryLevelBulkAdjust``."""


def _input(**fields: Any) -> dict[str, Any]:
    """A mutation input object without the fields left as None (omitted, not nulled)."""
    return {key: value for key, value in fields.items() if value is not None}


class OrderchampClient:
    """A client for one Orderchamp token. Use as a context manager or call :meth:`close`.

    ``throttle=False`` switches the client-side bucket off (the server's ``Throttled`` answers
    are still waited out and retried). ``http`` lets the caller supply a configured
    :class:`~oc_bridge.http.HttpClient`; the token is added to its secrets.
    """

    def __init__(
        self,
        api_url: str,
        token: str | SecretStr,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        bucket_size: int = 1000,
        restore_rate: float = 50.0,
        budget_share: float = 1.0,
        max_query_cost: int = 2000,
        max_attempts: int = 5,
        throttle: bool = True,
        http: HttpClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        self._own_http = http is None
        self.http = http or HttpClient(
            api_url, service=SERVICE, timeout=timeout, secrets=(secret,),
            max_attempts=max_attempts, sleep=sleep,
        )
        self.bucket = (
            LeakyBucket(bucket_size, restore_rate, share=budget_share, clock=clock, sleep=sleep)
            if throttle else None
        )
        self.max_query_cost = max_query_cost
        self._executor = Executor(
            api_url, secret, http=self.http, bucket=self.bucket,
            max_query_cost=max_query_cost, restore_rate=restore_rate,
        )

    # -- core ------------------------------------------------------------------------------------

    @property
    def stats(self) -> ClientStats:
        """Requests, points and throttling totals since this client was made."""
        return self._executor.stats

    @property
    def page_budget(self) -> int:
        """The most points one page may request: within ``max_query_cost`` and the bucket."""
        if self.bucket is None:
            return self.max_query_cost
        return min(self.max_query_cost, int(self.bucket.capacity))

    def execute(
        self, operation_name: str, variables: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Run the named operation from the operations folder and return its ``data``.

        Variables set to None are omitted. Raises ``PermanentError`` locally when the requested
        cost exceeds ``max_query_cost``, ``GraphQLError`` for GraphQL errors,
        ``MalformedResponseError`` for answers without JSON ``data``; ``Throttled`` and other
        transient failures are retried (queries only, for ambiguous ones).
        """
        return self._executor.run(load_operation(operation_name), variables)

    def execute_operation(
        self, operation: Operation, variables: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Run an :class:`Operation` not in the folder; only the schema introspection does."""
        return self._executor.run(operation, variables)

    def mutate(
        self, operation_name: str, variables: Mapping[str, Any], payload_field: str
    ) -> dict[str, Any]:
        """Run a mutation and return ``data[payload_field]``.

        Raises ``UserErrorsError`` (``mutation`` = ``payload_field``, each item with field path
        and message) when the payload's ``userErrors`` is not empty.
        """
        payload = dig(self.execute(operation_name, variables), payload_field)
        if not isinstance(payload, dict):
            raise MalformedResponseError(f"{operation_name}: {payload_field} is not an object",
                                         service=SERVICE)
        raise_user_errors(payload_field, payload)
        return payload

    def close(self) -> None:
        """Release the HTTP session (when this client created it)."""
        if self._own_http:
            self.http.close()

    def __enter__(self) -> OrderchampClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- account and orders ----------------------------------------------------------------------

    def account(self) -> Account:
        """The account that owns the token (``type`` is ``SUPPLIER`` for a supplier)."""
        return make(Account, dig(self.execute("Account"), "account"))

    def order_status(self, order_id: str) -> dict[str, Any] | None:
        """Where one order stands now: ``status``, ``isPaid``, ``estimatedDeliveryAt`` and
        ``updatedAt`` (five points, the ``OrderStatus`` document); None for an unknown order.
        The values are Orderchamp's, unconverted (times as ISO text)."""
        node = dig(self.execute("OrderStatus", {"id": order_id}), "order", allow_null=True)
        return dict(node) if isinstance(node, dict) else None

    def iter_orders(
        self,
        *,
        include_unconfirmed: bool = False,
        include_cancelled: bool = False,
        is_fulfilled: bool | None = None,
        updated_since: datetime | None = None,
        sort: str = "CREATED_AT_ASC",
        with_lines: bool = True,
        page_size: int | None = None,
    ) -> OrderIterator:
        """Orders, lazily, page by page; ``.total_count`` is known after the first page.

        ``with_lines``: every order holds all its lines and every field; otherwise the light
        field set (number, status, dates, flags, company, currency, total, ``products_count``).
        Page sizes come from the cost rule unless ``page_size`` (orders per page) is given.
        ``updated_since`` must be time-zone aware; when None it is not sent at all.
        """
        if updated_since is not None and updated_since.tzinfo is None:
            raise ValueError("updated_since must be time-zone aware")
        variables = {
            "sort": sort,
            "includeUnconfirmed": include_unconfirmed,
            "includeCancelled": include_cancelled,
            "isFulfilled": is_fulfilled,
            "updatedSince": updated_since.isoformat() if updated_since else None,
        }
        budget = self.page_budget
        if with_lines:
            orders, lines = order_page_sizes(budget, page_size)
        else:
            orders = page_size or fit_page_size("OrdersSummaryPage", {}, "first", budget)
            lines = 0
        return OrderIterator(self.execute, variables, with_lines=with_lines,
                             orders_per_page=max(1, orders), lines_per_order=lines, budget=budget)

    def iter_order_changes(
        self,
        *,
        updated_since: datetime | None = None,
        include_unconfirmed: bool = False,
        include_cancelled: bool = False,
    ) -> OrderChanges:
        """Which orders changed since ``updated_since`` (all when None), oldest change first:
        id, ``updatedAt``, ``isCancelled`` and ``productsCount`` only (about five points an
        order). Paged by keyset, so an order updated while the listing runs is never skipped
        (it comes again, later); see :mod:`oc_bridge.orderchamp.keyset`."""
        if updated_since is not None and updated_since.tzinfo is None:
            raise ValueError("updated_since must be time-zone aware")
        filters = {"includeUnconfirmed": include_unconfirmed,
                   "includeCancelled": include_cancelled}

        def page_size() -> int:  # from the bucket as last learned (limit may have changed)
            size = fit_page_size("OrderChanges", {}, "first", self.page_budget)
            if size < 1:
                raise PermanentError(f"a page of order changes does not fit in "
                                     f"{self.page_budget} points")
            return size

        return OrderChanges(self.execute, filters, updated_since=updated_since,
                            page_size=page_size)

    def get_order(
        self,
        order_id: str,
        *,
        with_shipments: bool = True,
        with_invoices: bool = False,
        full: bool = False,
        products_count: int | None = None,
        with_confirmed_at: bool = False,
    ) -> Order | None:
        """One order with all its lines (and shipments with their lines); None if unknown.

        By default only the fields export, auto-confirm and shipment checks read are fetched
        (the ``OrderLean`` fragment); ``full=True`` fetches every field (``OrderDetail``), for
        commands that show the order. ``products_count`` (from :meth:`iter_order_changes`)
        sizes the line page exactly; without it a two-point ``OrderSize`` asks first.
        ``with_confirmed_at`` adds ``confirmedAt`` to the lean fields (one point; the
        ``sync.hold_minutes`` gate reads it).
        """
        budget = self.page_budget
        if full:
            return self._full_order(order_id, with_shipments, with_invoices, budget)
        if products_count is None:
            size = dig(self.execute("OrderSize", {"id": order_id}), "order", allow_null=True)
            if size is None:
                return None
            products_count = int(size.get("productsCount") or 0)
        most = fit_page_size("OrderLean", {}, "productsFirst", budget, upper=MAX_PAGE)
        if products_count <= most:
            operation, first = "OrderLean", max(1, products_count)
        else:
            operation = "OrderLeanPaged"
            first = fit_page_size(operation, {}, "productsFirst", budget, upper=MAX_PAGE)
        variables: dict[str, Any] = {"id": order_id, "productsFirst": first}
        if with_confirmed_at:
            variables["withConfirmedAt"] = True
        node = dig(self.execute(operation, variables), "order", allow_null=True)
        if node is None:
            return None
        total = node.get("productsCount")
        total = total if isinstance(total, int) else None
        products = dig(node, "products")
        if operation == "OrderLeanPaged":
            lines = complete_lines(self.execute, order_id, products, total=total,
                                   budget=budget, operation="OrderLinesPage")
        else:
            lines = connection_nodes(products)
            if total is not None and total > len(lines):
                # Lines were added since the order was counted: the page has no cursor.
                lines = complete_lines(self.execute, order_id, None, total=total,
                                       budget=budget, operation="OrderLinesPage")
        return self._with_extras(node, lines, with_shipments, with_invoices, budget)

    def _full_order(self, order_id: str, with_shipments: bool, with_invoices: bool,
                    budget: int) -> Order | None:
        lines_first = fit_page_size("Order", {}, "productsFirst", budget)
        node = dig(self.execute("Order", {"id": order_id, "productsFirst": lines_first}),
                   "order", allow_null=True)
        if node is None:
            return None
        total = node.get("productsCount")
        lines = complete_lines(self.execute, order_id, dig(node, "products"),
                               total=total if isinstance(total, int) else None, budget=budget)
        return self._with_extras(node, lines, with_shipments, with_invoices, budget)

    def _with_extras(self, node: dict[str, Any], lines: list[dict[str, Any]],
                     with_shipments: bool, with_invoices: bool, budget: int) -> Order:
        order_id = str(node.get("id"))
        shipments: list[Shipment] = []
        if with_shipments:
            shipments = fetch_shipments(self.execute, order_id, line_count=len(lines),
                                        budget=budget)
        invoices = self.order_invoices(order_id) if with_invoices else []
        return order_from_wire(node, lines=lines, shipments=shipments, invoices=invoices)

    def order_invoices(self, order_id: str) -> list[Invoice]:
        """Every invoice on the order (empty for an unknown order)."""
        nodes = iter_nodes(self.execute, "OrderInvoices", {"id": order_id}, ("order", "invoices"),
                           budget=self.page_budget)
        return [invoice_from_wire(node, order_id) for node in nodes]

    def _order_mutation(self, name: str, field: str, **fields: Any) -> Order:
        payload = self.mutate(name, {"input": _input(**fields)}, field)
        return order_from_wire(dig(payload, "order"))

    def confirm_order(self, order_id: str) -> Order:
        """Confirm (we have the stock); returns the order's fields after the change, no lines."""
        return self._order_mutation("OrderConfirm", "orderConfirm", id=order_id)

    def cancel_order(
        self, order_id: str, *, reason: str | None = None, message: str | None = None
    ) -> Order:
        """Cancel; the status may become ``CANCELLATION_REQUESTED``. No lines returned."""
        return self._order_mutation("OrderCancel", "orderCancel", id=order_id, reason=reason,
                                    message=message)

    def mark_order_paid(self, order_id: str, description: str) -> Order:
        """Mark an Order Portal order paid, saying how. No lines returned."""
        return self._order_mutation("OrderMarkAsPaid", "orderMarkAsPaid", id=order_id,
                                    description=description)

    def update_estimated_delivery(
        self, order_id: str, estimated_delivery_at: datetime, *, notify_customer: bool = True
    ) -> Order:
        """Change the estimated delivery (aware datetime); the customer is e-mailed by default."""
        if estimated_delivery_at.tzinfo is None:
            raise ValueError("estimated_delivery_at must be time-zone aware")
        return self._order_mutation(
            "OrderUpdateEstimatedDelivery", "orderUpdateEstimatedDelivery", id=order_id,
            estimatedDeliveryAt=estimated_delivery_at.isoformat(), notifyCustomer=notify_customer,
        )

    # -- shipments -------------------------------------------------------------------------------

    def create_shipment(
        self,
        order_id: str,
        lines: Sequence[tuple[str, int]],
        *,
        method: str = "SHIP_YOURSELF",
        weight: int | None = None,
        client_mutation_id: str | None = None,
    ) -> Shipment:
        """Create a shipment of ``(order line id, quantity)`` pairs; returns it with its lines.

        Never re-sent after an ambiguous failure (``AmbiguousMutationError``): a duplicate
        shipment cannot be undone, so the caller must re-read the order first.
        """
        if not lines:
            raise ValueError("a shipment needs at least one line")
        products = [{"orderProductId": line_id, "quantity": qty} for line_id, qty in lines]
        variables = {
            "input": _input(orderId=order_id, method=method, weight=weight, products=products,
                            clientMutationId=client_mutation_id),
            "productsFirst": len(products),
        }
        payload = self.mutate("ShipmentCreate", variables, "shipmentCreate")
        return shipment_from_wire(dig(payload, "shipment"))

    def ship_shipment(
        self,
        shipment_id: str,
        *,
        is_tracked: bool,
        estimated_transit_days: int,
        tracking_number: str | None = None,
        tracking_url: str | None = None,
        carrier: str | None = None,
    ) -> Shipment:
        """Mark a shipment shipped; the returned shipment's ``products`` are not selected."""
        payload = self.mutate("ShipmentShip", {"input": _input(
            id=shipment_id, isTracked=is_tracked, estimatedTransitDays=estimated_transit_days,
            trackingNumber=tracking_number, trackingUrl=tracking_url, carrier=carrier,
        )}, "shipmentShip")
        return shipment_from_wire(dig(payload, "shipment"))

    # -- webhooks --------------------------------------------------------------------------------

    def list_webhooks(self) -> list[Webhook]:
        """Every webhook subscription of the token."""
        nodes = iter_nodes(self.execute, "Webhooks", {}, ("webhooks",), budget=self.page_budget)
        return [make(Webhook, node) for node in nodes]

    def create_webhook(self, topic: str, endpoint: str, *, template: str | None = None) -> Webhook:
        """Subscribe ``endpoint`` to ``topic`` (e.g. ``ORDER_UPDATED``)."""
        payload = self.mutate("WebhookCreate", {"input": _input(
            topic=topic, endpoint=endpoint, template=template)}, "webhookCreate")
        return make(Webhook, dig(payload, "webhook"))

    def delete_webhook(self, webhook_id: str) -> str:
        """Remove a subscription; returns the deleted id."""
        payload = self.mutate("WebhookDelete", {"input": {"id": webhook_id}}, "webhookDelete")
        deleted = payload.get("deletedWebhookId")
        return deleted if isinstance(deleted, str) else webhook_id

    # -- products, inventory and customers -------------------------------------------------------

    def iter_product_variants(self, skus: Sequence[str] | None = None) -> Iterator[ProductVariant]:
        """Variants, lazily; only the given SKUs when ``skus`` is given (asked in batches)."""
        budget = self.page_budget
        if skus is None:
            for node in iter_nodes(self.execute, "ProductVariants", {}, ("productVariants",),
                                   budget=budget):
                yield make(ProductVariant, node)
            return
        batch = fit_page_size("ProductVariants", {}, "first", budget)
        wanted = list(dict.fromkeys(skus))
        for start in range(0, len(wanted), batch):
            chunk = wanted[start : start + batch]
            for node in iter_nodes(self.execute, "ProductVariants", {"skus": chunk},
                                   ("productVariants",), budget=budget, page_size=len(chunk)):
                yield make(ProductVariant, node)

    def bulk_adjust_inventory(
        self, levels: Sequence[Mapping[str, Any]], *, client_mutation_id: str | None = None
    ) -> dict[str, Any]:
        """Send up to 100 ``{sku | productVariantId, action, adjustment, locationId?}`` items.

        Returns the wire payload (``inventoryLevels``, ``userErrors``, ``clientMutationId``):
        items fail individually, so their ``userErrors`` are the caller's to inspect, not
        raised. A relative ``ADJUST`` must never be replayed after an ambiguous failure.
        """
        if len(levels) > MAX_INVENTORY_BATCH:
            raise ValueError(f"at most {MAX_INVENTORY_BATCH} inventory levels per call")
        variables = {"input": _input(inventoryLevels=[dict(level) for level in levels],
                                     clientMutationId=client_mutation_id)}
        payload = dig(self.execute("InventoryLevelBulkAdjust", variables),
                      "inventoryLevelBulkAdjust")
        return dict(payload)

    def iter_customers(self, channel: str | None = None) -> Iterator[Customer]:
        """Customers, lazily; only one sales channel (``MARKETPLACE``, ``DROPSHIPPING``,
        ``PORTAL``) when given."""
        for node in iter_nodes(self.execute, "Customers", {"channel": channel}, ("customers",),
                               budget=self.page_budget):
            yield make(Customer, node)

    def create_customer(
        self,
        *,
        company_name: str,
        locale: str,
        email: str,
        country: str,
        phone: str | None = None,
        vat_number: str | None = None,
        address: Mapping[str, Any] | None = None,
    ) -> Customer:
        """Create an Order Portal customer; ``address`` uses the wire's camelCase keys."""
        payload = self.mutate("CustomerCreate", {"input": _input(
            companyName=company_name, locale=locale, email=email, country=country, phone=phone,
            vatNumber=vat_number, address=dict(address) if address else None,
        )}, "customerCreate")
        return make(Customer, dig(payload, "customer"))

    def update_customer(
        self,
        customer_id: str,
        *,
        company_name: str | None = None,
        locale: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        vat_number: str | None = None,
        address: Mapping[str, Any] | None = None,
    ) -> Customer:
        """Change the given fields of a customer (fields left None are not sent)."""
        payload = self.mutate("CustomerUpdate", {"input": _input(
            id=customer_id, companyName=company_name, locale=locale, email=email, phone=phone,
            vatNumber=vat_number, address=dict(address) if address else None,
        )}, "customerUpdate")
        return make(Customer, dig(payload, "customer"))
