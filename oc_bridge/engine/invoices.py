"""Handing Orderchamp invoices to adapters with ``INVOICES``, each invoice once per instance.

Invoices appear on an order once it is paid, confirmed or fulfilled, announced by an
``INVOICE_CREATED`` webhook (§4, §6). The daemon calls :meth:`InvoiceDelivery.deliver_for`
for the webhook's order; reconciliation calls it for every order it looked at that was
exported to such an instance, so a lost webhook only delays an invoice. The ledger remembers
each fetched invoice (``invoices_seen``) and each hand-over (``invoice_deliveries``); an
adapter that fails keeps the invoice undelivered and gets it again next time. A hand-over is
claimed (``invoice:<instance>:<invoice id>``) and checked again under the claim, so two
processes never hand one invoice over twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from oc_bridge.adapter import Capability
from oc_bridge.canonical import InvoiceDocument
from oc_bridge.engine.context import EngineContext
from oc_bridge.engine.summary import SyncSummary
from oc_bridge.errors import PermanentError, TransientError
from oc_bridge.models import Invoice
from oc_bridge.store import ExportState

__all__ = ["InvoiceDelivery", "invoice_document"]

log = logging.getLogger(__name__)

#: Export states after which an instance holds the order and wants its invoices.
_HELD = frozenset({ExportState.EXPORTED, ExportState.UPDATING})


def invoice_document(invoice: Invoice, order_id: str, order_number: str | None) -> InvoiceDocument:
    """The canonical form of an Orderchamp invoice."""
    return InvoiceDocument(
        invoice_id=invoice.id, order_ref=invoice.order_id or order_id, order_number=order_number,
        number=invoice.number, type=invoice.type, created_at=invoice.created_at,
        currency=invoice.currency, subtotal=invoice.subtotal_price, tax=invoice.tax_price,
        total=invoice.total_price, pdf_url=invoice.pdf_url)


class InvoiceDelivery:
    """Fetches an order's invoices and hands the new ones to each ``INVOICES`` instance."""

    def __init__(self, ctx: EngineContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def instances(self) -> list[str]:
        """Adapter instances that receive invoices."""
        return [name for name, adapter in self.ctx.adapters.items()
                if adapter.supports(Capability.INVOICES)]

    def deliver_many(self, order_ids: Iterable[str], summary: SyncSummary) -> None:
        """:meth:`deliver_for` each order that was exported to an ``INVOICES`` instance."""
        if not self.instances():
            return
        for order_id in dict.fromkeys(order_ids):
            self.deliver_for(order_id, summary)

    def deliver_for(self, order_id: str, summary: SyncSummary) -> None:
        """Fetch the order's invoices and hand each new one to each instance holding it."""
        wanted = self.instances()
        holders = [r for r in self.store.exports_for_order(order_id)
                   if r.instance in wanted and r.state in _HELD]
        if not holders:
            return
        try:
            invoices = self.ctx.client.order_invoices(order_id)
        except (TransientError, PermanentError) as exc:
            summary.add_failed(f"reading invoices of order {holders[0].order_number} failed: "
                               f"{exc}")
            return
        delivered = self.store.invoice_deliveries()
        for invoice in invoices:
            doc = invoice_document(invoice, order_id, holders[0].order_number)
            if not self.ctx.dry_run:
                self.store.record_invoice(doc)
            for rec in holders:
                if rec.instance not in delivered.get(doc.invoice_id, {}):
                    self._hand_over(rec.instance, doc, summary)

    def _hand_over(self, instance: str, doc: InvoiceDocument, summary: SyncSummary) -> None:
        label = f"invoice {doc.number or doc.invoice_id} of order {doc.order_number}"
        if self.ctx.dry_run:
            self.ctx.plan(summary, f"hand {label} to {instance}")
            summary.invoices_delivered += 1
            return
        name = f"invoice:{instance}:{doc.invoice_id}"
        with self.ctx.claims.hold(name) as held:
            if not held:
                summary.held_elsewhere += 1
                log.info("%s at %s: held by %s, left to it", label, instance,
                         self.ctx.claims.holder(name))
            elif instance not in self.store.invoice_deliveries().get(doc.invoice_id, {}):
                self._hand_over_now(instance, doc, label, name, summary)

    def _hand_over_now(self, instance: str, doc: InvoiceDocument, label: str, name: str,
                       summary: SyncSummary) -> None:
        try:
            self.ctx.adapters[instance].receive_invoice(doc)
        except (TransientError, PermanentError) as exc:
            summary.add_failed(f"handing {label} to {instance} failed (will retry): {exc}")
            log.warning("handing %s to %s failed: %s", label, instance, exc)
            return
        with self.ctx.claims.guard(name):
            self.store.record_invoice_delivered(instance, doc)
        log.info("%s handed to %s", label, instance)
        summary.invoices_delivered += 1
