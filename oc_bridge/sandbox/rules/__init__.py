"""Orderchamp's business rules for every mutation, shared by GraphQL, admin and Python API.

Each function takes the state (the caller holds ``state.lock``) and plain input values and
returns an :class:`Outcome`: the changed object, or ``user_errors`` and no change at all.
Every change to an order bumps its ``updatedAt`` and emits the matching webhook events.
One module per subject: ``orders``, ``shipments``, ``webhooks``, ``inventory``, ``customers``.
"""

from __future__ import annotations

from oc_bridge.sandbox.rules.customers import create_customer, update_customer
from oc_bridge.sandbox.rules.inventory import MAX_INVENTORY_ITEMS, bulk_adjust_inventory
from oc_bridge.sandbox.rules.orders import (
    cancel_order,
    confirm_order,
    create_order,
    deliver_order,
    mark_order_paid,
    update_estimated_delivery,
    update_order,
)
from oc_bridge.sandbox.rules.outcome import Outcome
from oc_bridge.sandbox.rules.shipments import SHIPMENT_METHODS, create_shipment, ship_shipment
from oc_bridge.sandbox.rules.webhooks import create_webhook, delete_webhook

__all__ = [
    "MAX_INVENTORY_ITEMS",
    "SHIPMENT_METHODS",
    "Outcome",
    "bulk_adjust_inventory",
    "cancel_order",
    "confirm_order",
    "create_customer",
    "create_order",
    "create_shipment",
    "create_webhook",
    "delete_webhook",
    "deliver_order",
    "mark_order_paid",
    "ship_shipment",
    "update_customer",
    "update_estimated_delivery",
    "update_order",
]
