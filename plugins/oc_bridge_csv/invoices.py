"""Invoice files for the CSV adapter: one small CSV per Orderchamp invoice in ``invoices_dir``.

One file per invoice (``invoice-<number>-<id>.csv``, header plus one row), written atomically,
makes receiving an invoice idempotent: an existing file means it was already received.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from oc_bridge.canonical import InvoiceDocument
from oc_bridge_csv.config import CsvConfig
from oc_bridge_csv.files import atomic_write, safe_part

__all__ = ["INVOICE_COLUMNS", "invoice_file_name", "write_invoice"]

INVOICE_COLUMNS = ("order_id", "order_number", "invoice_id", "number", "type", "created_at",
                   "currency", "subtotal", "tax", "total", "pdf_url")


def invoice_file_name(invoice: InvoiceDocument) -> str:
    """``invoice-<number>-<invoice id>.csv`` (unsafe characters replaced)."""
    number = safe_part(invoice.number or "unnumbered")
    return f"invoice-{number}-{safe_part(invoice.invoice_id)}.csv"


def _money(config: CsvConfig, value: object) -> str:
    return "" if value is None else format(value, "f").replace(".", config.decimal_separator)


def write_invoice(config: CsvConfig, directory: Path, invoice: InvoiceDocument) -> Path | None:
    """Write the invoice's file; None (nothing written) when it already exists."""
    directory.mkdir(parents=True, exist_ok=True)
    name = invoice_file_name(invoice)
    if (directory / name).exists():
        return None
    row = [invoice.order_ref, invoice.order_number or "", invoice.invoice_id,
           invoice.number or "", invoice.type or "",
           invoice.created_at.isoformat() if invoice.created_at else "", invoice.currency or "",
           _money(config, invoice.subtotal), _money(config, invoice.tax),
           _money(config, invoice.total), invoice.pdf_url or ""]

    def write(handle: TextIO) -> None:
        writer = csv.writer(handle, delimiter=config.delimiter)
        writer.writerow(INVOICE_COLUMNS)
        writer.writerow(row)

    writer: Callable[[TextIO], None] = write
    return atomic_write(directory, name, writer, encoding=config.encoding)
