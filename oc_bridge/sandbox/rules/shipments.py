"""Shipment rules: create for unshipped quantities, ship once, complete the order."""

from __future__ import annotations

from typing import Any

from oc_bridge.sandbox.model import Order, OrderLine, Shipment, UserError
from oc_bridge.sandbox.rules.outcome import Outcome, fail, order_or_error
from oc_bridge.sandbox.state import SandboxState

__all__ = ["SHIPMENT_METHODS", "create_shipment", "ship_shipment"]


SHIPMENT_METHODS = ("SHIP_YOURSELF", "ORDERCHAMP")


def create_shipment(
    state: SandboxState, ref: Order | str, data: dict[str, Any]
) -> Outcome[Shipment]:
    """Create a shipment for still unshipped quantities of a confirmed, live order.

    ``data`` holds ``method``, optional ``weight`` and ``products`` (``orderProductId``,
    ``quantity``) as in ``ShipmentCreateInput``.
    """
    found = order_or_error(state, ref, "orderId")
    if isinstance(found, Outcome):
        return found
    order = found
    if order.is_cancelled or order.status == "CANCELLATION_REQUESTED":
        return fail(["orderId"], "Order is cancelled")
    if not order.is_confirmed:
        return fail(["orderId"], "Order is not confirmed")
    method = data.get("method")
    if method not in SHIPMENT_METHODS:
        return fail(["method"], f"Method must be one of {', '.join(SHIPMENT_METHODS)}")
    weight = data.get("weight")
    if weight is not None and weight < 0:
        return fail(["weight"], "Weight cannot be negative")
    products = data.get("products") or []
    if not products:
        return fail(["products"], "At least one product is required")
    errors: list[UserError] = []
    wanted: dict[str, int] = {}
    lines: dict[str, OrderLine] = {}
    for index, item in enumerate(products):
        path = ["products", str(index)]
        line = state.lines_by_id.get(str(item.get("orderProductId")))
        if line is None or line.order is not order:
            errors.append(
                UserError([*path, "orderProductId"], "Order product does not belong to this order")
            )
            continue
        quantity = int(item.get("quantity", 0))
        if quantity < 1:
            errors.append(UserError([*path, "quantity"], "Quantity must be at least 1"))
            continue
        wanted[line.id] = wanted.get(line.id, 0) + quantity
        lines[line.id] = line
        if wanted[line.id] > line.unshipped_quantity:
            errors.append(
                UserError(
                    [*path, "quantity"],
                    f"Quantity {wanted[line.id]} exceeds the unshipped quantity "
                    f"{line.unshipped_quantity} of {line.sku}",
                )
            )
    if errors:
        return Outcome(None, errors)
    moment = state.touch(order)
    shipment = state.generator.new_shipment(
        order, [(lines[key], qty) for key, qty in wanted.items()], moment, method, weight
    )
    state.shipments_by_id[shipment.id] = shipment
    order.status = "FULFILMENT_IN_PROGRESS"
    state.emit("ORDER_UPDATED", order)
    return Outcome(shipment)


def ship_shipment(state: SandboxState, data: dict[str, Any]) -> Outcome[Shipment]:
    """Mark a shipment shipped (once); completes the order when everything is shipped."""
    shipment = state.shipments_by_id.get(str(data.get("id", "")))
    if shipment is None:
        return fail(["id"], f"Shipment {data.get('id')} does not exist")
    order = shipment.order
    if shipment.is_shipped:
        return fail(["id"], "Shipment is already shipped")
    if order.is_cancelled:
        return fail(["id"], "Order is cancelled")
    is_tracked = bool(data.get("isTracked"))
    tracking_number = (data.get("trackingNumber") or "").strip() or None
    transit = data.get("estimatedTransitDays")
    if is_tracked and tracking_number is None:
        return fail(["trackingNumber"], "A tracked shipment needs a tracking number")
    if not is_tracked and (transit is None or transit < 1):
        return fail(
            ["estimatedTransitDays"],
            "An untracked shipment needs estimated transit days of at least 1",
        )
    if transit is not None and transit < 0:
        return fail(["estimatedTransitDays"], "Estimated transit days cannot be negative")
    moment = state.touch(order)
    shipment.is_shipped, shipment.shipped_at, shipment.is_tracked = True, moment, is_tracked
    shipment.tracking_number = tracking_number
    shipment.tracking_url = data.get("trackingUrl")
    shipment.carrier = data.get("carrier")
    shipment.estimated_transit_days = transit
    everything_shipped = all(line.unshipped_quantity == 0 for line in order.lines) and all(
        s.is_shipped for s in order.shipments
    )
    invoice = None
    if everything_shipped and order.status != "CANCELLATION_REQUESTED":
        order.status, order.is_fulfilled = "AWAITING_DELIVERY", True
        if order.channel != "PORTAL":
            invoice = state.generator.new_invoice(order, "COMMISSION_INVOICE", moment)
            state.invoices_by_id[invoice.id] = invoice
    state.emit("ORDER_UPDATED", order)
    if invoice is not None:
        state.emit("INVOICE_CREATED", order, invoice)
    return Outcome(shipment)
