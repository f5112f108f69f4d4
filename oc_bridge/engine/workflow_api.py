"""The part of the Orderchamp client the workflow steps use (confirm, invoices, stock,
delivery dates), as a structural type; :class:`~oc_bridge.orderchamp.client.OrderchampClient`
satisfies it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from oc_bridge.models import Invoice, Order

__all__ = ["WorkflowApi"]


class WorkflowApi(Protocol):
    """Orderchamp calls of the order workflow."""

    def get_order(
        self, order_id: str, *, with_shipments: bool = True, with_invoices: bool = False,
        full: bool = False, products_count: int | None = None,
    ) -> Order | None:
        """One order with all lines; None when unknown."""
        ...

    def confirm_order(self, order_id: str) -> Order:
        """``orderConfirm``; the order's fields after the change, without lines."""
        ...

    def order_invoices(self, order_id: str) -> list[Invoice]:
        """Every invoice on the order."""
        ...

    def bulk_adjust_inventory(
        self, levels: Sequence[Mapping[str, Any]], *, client_mutation_id: str | None = None
    ) -> dict[str, Any]:
        """``inventoryLevelBulkAdjust`` of at most 100 items; per-item ``userErrors`` returned."""
        ...

    def update_estimated_delivery(
        self, order_id: str, estimated_delivery_at: datetime, *, notify_customer: bool = True
    ) -> Order:
        """``orderUpdateEstimatedDelivery``."""
        ...
