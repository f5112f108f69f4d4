"""Finding the order an operator names: by Orderchamp id or by order number."""

from __future__ import annotations

from oc_bridge.store import Store

__all__ = ["resolve_order_id"]


def resolve_order_id(store: Store, given: str) -> str:
    """The Orderchamp order id for ``given`` (an id, or an order number the ledger has seen);
    ``given`` itself when the ledger knows neither (it may still be an id Orderchamp has)."""
    if store.get_order(given) is not None or store.exports_for_order(given):
        return given
    return store.find_order_id(given) or given
