"""Field resolvers: queries, mutations and the connection fields that take arguments.

Everything else resolves by name (``fooBar`` -> attribute ``foo_bar``, or key ``fooBar`` of a
dict) through :func:`resolve_by_name`, so a schema with a renamed field simply gets null there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphql import GraphQLResolveInfo

from oc_bridge.sandbox import rules
from oc_bridge.sandbox.model import Invoice, Order, ProductVariant, Shipment, UserError
from oc_bridge.sandbox.pagination import Connection, paginate, paginate_seq
from oc_bridge.sandbox.rules import Outcome
from oc_bridge.sandbox.state import SandboxState

__all__ = ["RESOLVERS", "RequestContext", "resolve_by_name"]

Resolver = Callable[..., Any]

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_SNAKE: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What resolvers need besides their parent: the state and the public base URL."""

    state: SandboxState
    base_url: str


def resolve_by_name(source: Any, info: GraphQLResolveInfo, **_args: Any) -> Any:
    """Default resolver: dict key ``fooBar``, else attribute ``foo_bar`` (``None`` if absent)."""
    name = info.field_name
    if isinstance(source, dict):
        return source.get(name)
    attr = _SNAKE.get(name)
    if attr is None:
        attr = _SNAKE[name] = _CAMEL.sub("_", name).lower()
    return getattr(source, attr, None)


def _state(info: GraphQLResolveInfo) -> SandboxState:
    context: RequestContext = info.context
    return context.state


# --- queries ------------------------------------------------------------------------------------


def _account(_root: Any, info: GraphQLResolveInfo) -> Any:
    return _state(info).account


def _order(_root: Any, info: GraphQLResolveInfo, id: str) -> Order | None:
    return _state(info).orders_by_id.get(id)


def _orders(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection:
    state = _state(info)
    sort = args.get("sort") or "CREATED_AT_ASC"
    include_unconfirmed = bool(args.get("includeUnconfirmed"))
    include_cancelled = bool(args.get("includeCancelled"))
    is_fulfilled: bool | None = args.get("isFulfilled")
    since: datetime | None = args.get("updatedSince")
    # Field report (reference §4): an explicit `updatedSince: null` returned zero orders.
    null_since = "updatedSince" in args and since is None

    def match(order: Order) -> bool:
        if null_since:
            return False
        if not include_unconfirmed and not order.is_confirmed:
            return False
        if not include_cancelled and order.is_cancelled:
            return False
        if is_fulfilled is not None and order.is_fulfilled != is_fulfilled:
            return False
        return since is None or order.updated_at >= since

    keys, orders = state.sorted_orders(sort)
    filters = (include_unconfirmed, include_cancelled, is_fulfilled, since, null_since)
    return paginate(
        f"orders.{sort}",
        keys,
        orders,
        first=args.get("first"),
        after=args.get("after"),
        last=args.get("last"),
        before=args.get("before"),
        match=match,
        count=lambda: state.count_orders(filters, match),
        by_position=state.config.positional_cursors,
    )


def _webhooks(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection:
    return paginate_seq("webhooks", list(_state(info).webhooks.values()), args)


def _product_variants(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection:
    skus = args.get("skus")
    wanted = set(skus) if skus is not None else None

    def match(variant: ProductVariant) -> bool:
        return wanted is None or variant.sku in wanted

    return paginate_seq("variants", _state(info).variants, args, match if wanted else None)


def _product_variant_by_sku(_root: Any, info: GraphQLResolveInfo, sku: str) -> Any:
    return _state(info).variants_by_sku.get(sku)


def _customers(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Connection:
    channel = args.get("channel")
    match = (lambda c: c.channel == channel) if channel else None
    return paginate_seq("customers", _state(info).customers, args, match)


# --- nested connections -------------------------------------------------------------------------


def _order_products(order: Order, _info: GraphQLResolveInfo, **args: Any) -> Connection:
    return paginate_seq("lines", order.lines, args)


def _order_shipments(order: Order, _info: GraphQLResolveInfo, **args: Any) -> Connection:
    return paginate_seq("shipments", order.shipments, args)


def _invoices_of(kind: str | None) -> Resolver:
    def resolve(order: Order, _info: GraphQLResolveInfo, **args: Any) -> Connection:
        match = (lambda inv: inv.type == kind) if kind else None
        return paginate_seq("invoices", order.invoices, args, match)

    return resolve


def _shipment_products(shipment: Shipment, _info: GraphQLResolveInfo, **args: Any) -> Connection:
    return paginate_seq("shipment-products", shipment.items, args)


def _inventory_levels(variant: ProductVariant, _info: GraphQLResolveInfo, **args: Any) -> Any:
    return paginate_seq("inventory-levels", variant.inventory_levels, args)


def _pdf_url(invoice: Invoice, info: GraphQLResolveInfo) -> str:
    context: RequestContext = info.context
    return context.base_url + invoice.pdf_path


# --- mutations ----------------------------------------------------------------------------------


def _payload(key: str, outcome: Outcome[Any], data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: outcome.value if outcome.ok or key == "inventoryLevels" else None,
        "userErrors": outcome.user_errors,
        "clientMutationId": data.get("clientMutationId"),
    }


def _strict_order(state: SandboxState, order_id: str, path: str = "id") -> Order | Outcome[Any]:
    """GraphQL takes global IDs only (the admin endpoint also takes order numbers)."""
    order = state.orders_by_id.get(order_id)
    if order is None:
        return Outcome(None, [UserError([path], f"Order {order_id} does not exist")])
    return order


def _order_mutation(
    info: GraphQLResolveInfo, data: dict[str, Any], rule: Callable[[Order], Outcome[Any]]
) -> dict[str, Any]:
    found = _strict_order(_state(info), data["id"])
    outcome = found if isinstance(found, Outcome) else rule(found)
    return _payload("order", outcome, data)


def _order_confirm(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    return _order_mutation(info, input, lambda o: rules.confirm_order(_state(info), o))


def _order_cancel(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    return _order_mutation(
        info,
        input,
        lambda o: rules.cancel_order(_state(info), o, input.get("reason"), input.get("message")),
    )


def _order_mark_as_paid(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    return _order_mutation(
        info, input, lambda o: rules.mark_order_paid(_state(info), o, input["description"])
    )


def _order_update_estimated_delivery(
    _root: Any, info: GraphQLResolveInfo, input: dict[str, Any]
) -> Any:
    return _order_mutation(
        info,
        input,
        lambda o: rules.update_estimated_delivery(_state(info), o, input["estimatedDeliveryAt"]),
    )


def _shipment_create(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    state = _state(info)
    found = _strict_order(state, input["orderId"], "orderId")
    if isinstance(found, Outcome):
        return _payload("shipment", found, input)
    return _payload("shipment", rules.create_shipment(state, found, input), input)


def _shipment_ship(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    return _payload("shipment", rules.ship_shipment(_state(info), input), input)


def _webhook_create(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    return _payload("webhook", rules.create_webhook(_state(info), input), input)


def _webhook_delete(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    return _payload("deletedWebhookId", rules.delete_webhook(_state(info), input["id"]), input)


def _inventory_bulk_adjust(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    state = _state(info)
    with state.lock:
        state.inventory_mutations += 1
    outcome = rules.bulk_adjust_inventory(state, list(input["inventoryLevels"]))
    payload = _payload("inventoryLevels", outcome, input)
    payload["inventoryLevels"] = outcome.value or []
    return payload


def _customer_create(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    return _payload("customer", rules.create_customer(_state(info), input), input)


def _customer_update(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:
    return _payload("customer", rules.update_customer(_state(info), input), input)


#: (type, field) -> resolver; fields missing from a served schema are skipped.
RESOLVERS: dict[tuple[str, str], Resolver] = {
    ("Query", "account"): _account,
    ("Query", "order"): _order,
    ("Query", "orders"): _orders,
    ("Query", "webhooks"): _webhooks,
    ("Query", "productVariants"): _product_variants,
    ("Query", "productVariantBySku"): _product_variant_by_sku,
    ("Query", "customers"): _customers,
    ("Order", "products"): _order_products,
    ("Order", "shipments"): _order_shipments,
    ("Order", "invoices"): _invoices_of(None),
    ("Order", "agencyInvoices"): _invoices_of("DIRECT_INVOICE"),
    ("Order", "supplierInvoices"): _invoices_of("SUPPLIER_INVOICE"),
    ("Order", "supplierBills"): _invoices_of("COMMISSION_INVOICE"),
    ("Shipment", "products"): _shipment_products,
    ("ProductVariant", "inventoryLevels"): _inventory_levels,
    ("Invoice", "pdfUrl"): _pdf_url,
    ("Mutation", "orderConfirm"): _order_confirm,
    ("Mutation", "orderCancel"): _order_cancel,
    ("Mutation", "orderMarkAsPaid"): _order_mark_as_paid,
    ("Mutation", "orderUpdateEstimatedDelivery"): _order_update_estimated_delivery,
    ("Mutation", "shipmentCreate"): _shipment_create,
    ("Mutation", "shipmentShip"): _shipment_ship,
    ("Mutation", "webhookCreate"): _webhook_create,
    ("Mutation", "webhookDelete"): _webhook_delete,
    ("Mutation", "inventoryLevelBulkAdjust"): _inventory_bulk_adjust,
    ("Mutation", "customerCreate"): _customer_create,
    ("Mutation", "customerUpdate"): _customer_update,
}
