"""Lost-webhook alerts from a reconciliation's summary (``SyncSummary.repaired``)."""

from __future__ import annotations

from oc_bridge.alerts.model import Alert, AlertKind
from oc_bridge.engine import SyncSummary

__all__ = ["lost_webhook_alerts"]


def lost_webhook_alerts(summary: SyncSummary) -> list[Alert]:
    """One ``lost_webhook`` alert per order change reconciliation picked up without a
    webhook (keyed by order and change, so each lost change alerts once)."""
    return [Alert(AlertKind.LOST_WEBHOOK,
                  f"lost_webhook:{item['order_id']}:{item['updated_at']}",
                  f"order {item['number']}: its change of {item['updated_at']} was picked up by "
                  "reconciliation, no webhook brought it (lost webhook)",
                  reference=item["order_id"], order_number=item["number"],
                  since=item["updated_at"])
            for item in summary.repaired]
