"""Checking a reported shipment against the Orderchamp order and turning its lines into
``(order line id, quantity)`` pairs for ``shipmentCreate``.

Rules: the order must be confirmed and not cancelled (nor have a cancellation request); a line
given by ``line_ref`` must be a line of the order; a line given by SKU matches the order's
lines with exactly that SKU (or, through the SKU map, the Orderchamp SKUs its warehouse SKU
stands for) and is allocated across them in order while they have unshipped
quantity; every quantity is at least 1 and never more than what is still unshipped (counting
what earlier lines of the same report already took). Every problem found is reported, each
with its exact reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from oc_bridge.canonical import ShippedLine
from oc_bridge.errors import MappingError
from oc_bridge.models import Order, OrderProduct, OrderStatus

__all__ = ["ShipmentRejected", "allocate_lines", "check_order_shippable"]


class ShipmentRejected(MappingError):
    """A reported shipment cannot be created as it is; the message lists every reason."""


def check_order_shippable(order: Order) -> None:
    """Raise :class:`ShipmentRejected` unless shipments may be created for ``order``."""
    if order.is_cancelled or order.status == OrderStatus.CANCELLED:
        raise ShipmentRejected(f"order {order.number} is cancelled")
    if order.status == OrderStatus.CANCELLATION_REQUESTED:
        raise ShipmentRejected(f"order {order.number} has a cancellation request")
    if not order.is_confirmed:
        raise ShipmentRejected(f"order {order.number} is not confirmed")


def _unshipped(product: OrderProduct) -> int:
    if product.unshipped_quantity is not None:
        return product.unshipped_quantity
    return product.quantity


def _same(sku: str) -> tuple[str, ...]:
    return (sku,)


def allocate_lines(order: Order, lines: Sequence[ShippedLine], *,
                   orderchamp_skus: Callable[[str], tuple[str, ...]] = _same,
                   ) -> list[tuple[str, int]]:
    """The ``(order line id, quantity)`` pairs for ``lines``, in the order's line order.

    ``orderchamp_skus`` turns a reported (warehouse) SKU into the Orderchamp SKUs it stands
    for (the SKU map reversed; default: the same SKU). Raises :class:`ShipmentRejected` naming
    every bad line, e.g. ``line SKU-123: quantity 5 exceeds unshipped 3 on order OC-100004``.
    """
    check_order_shippable(order)
    left = {p.id: _unshipped(p) for p in order.products}
    by_id = {p.id: p for p in order.products}
    taken: dict[str, int] = {}
    problems: list[str] = []
    for line in lines:
        label = line.line_ref or line.sku
        if line.quantity < 1:
            problems.append(f"line {label}: quantity {line.quantity} must be at least 1")
            continue
        if line.line_ref:
            product = by_id.get(line.line_ref)
            if product is None:
                problems.append(f"line {label}: not a line of order {order.number}")
                continue
            if line.sku and product.sku and product.sku not in orderchamp_skus(line.sku):
                problems.append(f"line {label}: SKU {line.sku} does not match the order line's "
                                f"SKU {product.sku} on order {order.number}")
                continue
            candidates = [product]
        else:
            skus = orderchamp_skus(line.sku or "")
            candidates = [p for p in order.products if p.sku is not None and p.sku in skus]
            if not candidates:
                problems.append(f"line {label}: SKU not on order {order.number}")
                continue
        available = sum(left[p.id] for p in candidates)
        if line.quantity > available:
            problems.append(f"line {label}: quantity {line.quantity} exceeds unshipped "
                            f"{available} on order {order.number}")
            continue
        need = line.quantity
        for product in candidates:
            share = min(need, left[product.id])
            if share:
                left[product.id] -= share
                taken[product.id] = taken.get(product.id, 0) + share
                need -= share
    if problems:
        raise ShipmentRejected("; ".join(problems))
    return [(p.id, taken[p.id]) for p in order.products if taken.get(p.id)]
