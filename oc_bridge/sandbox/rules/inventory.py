"""Inventory rules: bulk SET/ADJUST by SKU or variant ID, at most 100 items per call."""

from __future__ import annotations

from typing import Any

from oc_bridge.sandbox.model import InventoryLevel, UserError
from oc_bridge.sandbox.rules.outcome import Outcome, fail
from oc_bridge.sandbox.state import SandboxState

__all__ = ["MAX_INVENTORY_ITEMS", "bulk_adjust_inventory"]


MAX_INVENTORY_ITEMS = 100


def bulk_adjust_inventory(
    state: SandboxState, items: list[dict[str, Any]]
) -> Outcome[list[InventoryLevel]]:
    """Apply SET (absolute) or ADJUST (relative) per item; bad items are reported, others apply."""
    if len(items) > MAX_INVENTORY_ITEMS:
        return fail(
            ["inventoryLevels"],
            f"At most {MAX_INVENTORY_ITEMS} inventory levels per call ({len(items)} given)",
        )
    changed: list[InventoryLevel] = []
    errors: list[UserError] = []
    for index, item in enumerate(items):
        path = ["inventoryLevels", str(index)]
        sku, variant_id = item.get("sku"), item.get("productVariantId")
        if sku:
            variant = state.variants_by_sku.get(sku)
            if variant is None:
                errors.append(UserError([*path, "sku"], f"Unknown SKU {sku}"))
                continue
        elif variant_id:
            variant = state.variants_by_id.get(variant_id)
            if variant is None:
                errors.append(
                    UserError([*path, "productVariantId"], f"Unknown product variant {variant_id}")
                )
                continue
        else:
            errors.append(UserError([*path, "sku"], "Give a sku or a productVariantId"))
            continue
        location_id = item.get("locationId") or state.primary_location.id
        level = next((lv for lv in variant.inventory_levels if lv.location.id == location_id), None)
        if level is None:
            errors.append(UserError([*path, "locationId"], f"Unknown location {location_id}"))
            continue
        adjustment = int(item.get("adjustment", 0))
        if item.get("action") == "SET":
            if adjustment < 0:
                errors.append(UserError([*path, "adjustment"], "Quantity cannot be negative"))
                continue
            level.quantity = adjustment
        else:
            level.quantity += adjustment
        changed.append(level)
    if changed:
        state.changed()
    return Outcome(changed, errors)
