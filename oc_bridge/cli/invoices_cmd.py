"""``oc-bridge invoices list``: invoices of one order (live) or every invoice the bridge fetched."""

from __future__ import annotations

import argparse
import json
from typing import Any

from oc_bridge.canonical import InvoiceDocument
from oc_bridge.cli.env import CliEnv, ExitCode
from oc_bridge.engine.invoices import invoice_document
from oc_bridge.store import open_store

__all__ = ["add_parser", "run_list"]

_COLUMNS = (("NUMBER", 18), ("TYPE", 18), ("ORDER", 12), ("TOTAL", 14), ("CREATED", 20),
            ("DELIVERED TO", 24))


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``invoices list``."""
    parser = subparsers.add_parser("invoices", help="list Orderchamp invoices",
                                   description="Work with Orderchamp invoices.")
    sub = parser.add_subparsers(dest="invoices_command", metavar="SUBCOMMAND")
    listing = sub.add_parser(
        "list", help="list invoices",
        description="With --order: that order's invoices, read from Orderchamp now. Without: "
        "every invoice the bridge has fetched (for adapters with the invoices capability), "
        "from the ledger. Either way with the adapter instances that received each one.")
    listing.add_argument("--order", metavar="ID", help="an Orderchamp order id")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=run_list)


def _item(doc: InvoiceDocument, delivered: dict[str, dict[str, str]]) -> dict[str, Any]:
    data = doc.model_dump(mode="json")
    data["delivered_to"] = sorted(delivered.get(doc.invoice_id, {}))
    return data


def _row(values: list[str]) -> str:
    return "  ".join(v[:w].ljust(w) for (_, w), v in zip(_COLUMNS, values, strict=True)).rstrip()


def run_list(args: argparse.Namespace, env: CliEnv) -> int:
    """Print the invoices as a table or JSON."""
    settings = env.settings()
    if args.order:
        with env.orderchamp_client() as client:
            order = client.get_order(args.order, with_shipments=False)
            if order is None:
                env.err(f"error: order {args.order} not found in Orderchamp")
                return ExitCode.ERROR
            docs = [invoice_document(i, order.id, order.number)
                    for i in client.order_invoices(order.id)]
    else:
        docs = []
    with open_store(settings.store.url) as store:
        if not args.order:
            docs = store.list_invoices()
        delivered = store.invoice_deliveries()
    items = [_item(doc, delivered) for doc in docs]
    if args.json:
        env.out(json.dumps(items, indent=2))
        return ExitCode.OK
    env.out(_row([name for name, _ in _COLUMNS]))
    for item in items:
        total = f"{item['total'] or ''} {item['currency'] or ''}".strip()
        env.out(_row([item["number"] or item["invoice_id"], item["type"] or "",
                      item["order_number"] or item["order_ref"], total,
                      (item["created_at"] or "")[:19], ", ".join(item["delivered_to"])]))
    env.err(f"{len(items)} invoice(s)")
    return ExitCode.OK
