"""Order rules: create, confirm, cancel, mark paid, delivery estimate, retailer changes."""

from __future__ import annotations

from datetime import datetime, timedelta

from oc_bridge.sandbox.model import Order, OrderLine
from oc_bridge.sandbox.rules.outcome import Outcome, fail, order_or_error
from oc_bridge.sandbox.state import SandboxState

__all__ = [
    "cancel_order",
    "confirm_order",
    "create_order",
    "deliver_order",
    "mark_order_paid",
    "update_estimated_delivery",
    "update_order",
]


def create_order(
    state: SandboxState,
    *,
    confirmed: bool = True,
    lines: int | None = None,
    skus: list[str] | None = None,
    note: str | None = None,
    reference: str | None = None,
) -> Order:
    """A new order from a random retailer (``ValueError`` for unknown SKUs or bad counts)."""
    if lines is not None and lines < 1:
        raise ValueError("lines must be at least 1")
    generator = state.generator
    customer = generator.rng.choice(state.customers)
    order = generator.new_order(state.now(), customer, line_count=lines, skus=skus)
    if note is not None:
        order.note = note
    if reference is not None:
        order.reference = reference
    state.index_order(order)
    state.emit("ORDER_CREATED", order)
    if confirmed:
        _confirm(state, order)
    return order


def _confirm(state: SandboxState, order: Order) -> None:
    moment = state.touch(order)
    order.is_confirmed, order.confirmed_at, order.status = True, moment, "AWAITING_FULFILMENT"
    if not order.is_paid and order.channel != "PORTAL":
        # Orderchamp collects marketplace payments itself; portal suppliers mark them paid.
        order.is_paid, order.paid_at, order.payment_status = True, moment, "PAID"
    if order.estimated_delivery_at is None:
        order.estimated_delivery_at = moment + timedelta(days=5)
    invoice = state.generator.new_invoice(order, "DIRECT_INVOICE", moment)
    state.invoices_by_id[invoice.id] = invoice
    state.emit("ORDER_CONFIRMED", order)
    state.emit("ORDER_UPDATED", order)
    state.emit("INVOICE_CREATED", order, invoice)


def confirm_order(state: SandboxState, ref: Order | str) -> Outcome[Order]:
    """Confirm an ``AWAITING_CONFIRMATION`` order; creates its direct invoice."""
    found = order_or_error(state, ref)
    if isinstance(found, Outcome):
        return found
    if found.is_cancelled:
        return fail(["id"], "Order is cancelled")
    if found.status != "AWAITING_CONFIRMATION":
        return fail(["id"], f"Order cannot be confirmed: status is {found.status}")
    _confirm(state, found)
    return Outcome(found)


def cancel_order(
    state: SandboxState, ref: Order | str, reason: str | None = None, message: str | None = None
) -> Outcome[Order]:
    """Cancel an order; one with shipments only gets ``CANCELLATION_REQUESTED``."""
    found = order_or_error(state, ref)
    if isinstance(found, Outcome):
        return found
    if found.is_cancelled:
        return fail(["id"], "Order is already cancelled")
    if found.status == "CANCELLATION_REQUESTED":
        return fail(["id"], "Cancellation was already requested")
    if found.status == "COMPLETED":
        return fail(["id"], "A completed order cannot be cancelled")
    found.cancellation_reason, found.cancellation_message = reason, message
    moment = state.touch(found)
    if found.shipments:
        found.status = "CANCELLATION_REQUESTED"
        state.emit("ORDER_UPDATED", found)
        return Outcome(found)
    found.status, found.is_cancelled, found.cancelled_at = "CANCELLED", True, moment
    if found.is_paid:
        found.payment_status = "REFUNDED"
    state.emit("ORDER_CANCELLED", found)
    state.emit("ORDER_UPDATED", found)
    return Outcome(found)


def mark_order_paid(
    state: SandboxState, ref: Order | str, description: str | None
) -> Outcome[Order]:
    """Order Portal: the supplier collected payment itself (``description`` says how)."""
    found = order_or_error(state, ref)
    if isinstance(found, Outcome):
        return found
    if not description or not description.strip():
        return fail(["description"], "Description can't be blank")
    if found.is_cancelled:
        return fail(["id"], "Order is cancelled")
    if found.is_paid:
        return fail(["id"], "Order is already paid")
    moment = state.touch(found)
    found.is_paid, found.paid_at, found.payment_status = True, moment, "PAID"
    found.payment_description = description.strip()
    state.emit("ORDER_UPDATED", found)
    return Outcome(found)


def update_estimated_delivery(
    state: SandboxState, ref: Order | str, estimated: datetime
) -> Outcome[Order]:
    """Change ``estimatedDeliveryAt`` (not before the order was placed)."""
    found = order_or_error(state, ref)
    if isinstance(found, Outcome):
        return found
    if found.is_cancelled:
        return fail(["id"], "Order is cancelled")
    if estimated < found.created_at:
        return fail(["estimatedDeliveryAt"], "Estimated delivery must be after the order date")
    found.estimated_delivery_at = estimated
    state.touch(found)
    state.emit("ORDER_UPDATED", found)
    return Outcome(found)


def update_order(
    state: SandboxState,
    ref: Order | str,
    *,
    note: str | None = None,
    reference: str | None = None,
    quantities: dict[str, int] | None = None,
) -> Outcome[Order]:
    """Retailer-side change: note, reference, or line quantities (unconfirmed orders only).

    ``quantities`` maps a line's global ID, SKU or 0-based index to its new quantity (>= 1).
    With nothing to change the order is only touched (``updatedAt`` bumped, ORDER_UPDATED).
    """
    found = order_or_error(state, ref)
    if isinstance(found, Outcome):
        return found
    changes: list[tuple[OrderLine, int]] = []
    for key, quantity in (quantities or {}).items():
        line = _find_line(found, key)
        if line is None:
            return fail(["lines", key], f"Order has no line {key}")
        if quantity < 1:
            return fail(["lines", key, "quantity"], "Quantity must be at least 1")
        changes.append((line, quantity))
    if changes and found.status != "AWAITING_CONFIRMATION":
        return fail(["lines"], "Only unconfirmed orders can change their lines")
    if note is not None:
        found.note = note
    if reference is not None:
        found.reference = reference
    for line, quantity in changes:
        line.quantity = line.unshipped_quantity = quantity
        line.reprice()
    if changes:
        state.generator.reprice(found)
    state.touch(found)
    state.emit("ORDER_UPDATED", found)
    return Outcome(found)


def _find_line(order: Order, key: str) -> OrderLine | None:
    for line in order.lines:
        if key in (line.id, line.sku):
            return line
    if key.isdigit() and int(key) < len(order.lines):
        return order.lines[int(key)]
    return None


def deliver_order(state: SandboxState, ref: Order | str) -> Outcome[Order]:
    """Retailer marks a fully shipped order delivered: ``COMPLETED``."""
    found = order_or_error(state, ref)
    if isinstance(found, Outcome):
        return found
    if found.status != "AWAITING_DELIVERY":
        return fail(["id"], f"Order cannot be delivered: status is {found.status}")
    moment = state.touch(found)
    found.status, found.delivered_at = "COMPLETED", moment
    state.emit("ORDER_UPDATED", found)
    return Outcome(found)
