"""Writing order and cancellation files: columns, value formatting, file names, idempotency."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from oc_bridge.canonical import FulfilmentOrder, SubmitResult
from oc_bridge.errors import MappingError
from oc_bridge_csv.config import CsvConfig
from oc_bridge_csv.files import atomic_write, now_utc, safe_part, utc_stamp
from oc_bridge_csv.journal import Journal, JournalEntry

__all__ = ["CANCEL_COLUMNS", "FORMULA_STARTS", "FREE_TEXT_COLUMNS", "ORDER_COLUMNS", "Outbox",
           "neutralise"]

#: Columns of an order file, in this order; one row per order line.
ORDER_COLUMNS = (
    "order_id", "order_number", "revision", "order_date", "retailer_reference",
    "company_name", "contact_name", "email", "phone", "street", "house_number",
    "house_number_addition", "address_line_2", "postal_code", "city", "country",
    "line_id", "sku", "title", "quantity", "unit_price", "currency", "note",
)
#: Columns of a cancellation file.
CANCEL_COLUMNS = ("order_id", "order_number", "cancelled_at", "reason")
#: Columns holding text people typed (retailer, address, product, notes): the ones a hostile
#: value can reach. Ids, SKUs, numbers and dates are the bridge's own and are never changed.
FREE_TEXT_COLUMNS = frozenset({
    "retailer_reference", "company_name", "contact_name", "email", "phone", "street",
    "house_number", "house_number_addition", "address_line_2", "postal_code", "city", "country",
    "title", "currency", "note", "reason",
})
#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` prefixed with ``'`` when it starts like a formula (``=``, ``+``, ``-``, ``@``,
    tab, CR), so Excel, LibreOffice and Sheets show it as text instead of running it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(value: object) -> str:
    return "" if value is None else str(value)


class Outbox:
    """Writes files into ``config.outbound_dir`` exactly once per (reference, revision) and
    once per cancellation, using ``journal`` to survive crashes."""

    def __init__(self, config: CsvConfig, journal: Journal) -> None:
        self.config = config
        self.journal = journal

    # --- formatting -------------------------------------------------------------------------

    def money(self, value: Decimal | None) -> str:
        """A price in plain notation with the configured decimal separator (empty if None)."""
        if value is None:
            return ""
        text = format(value, "f")
        return text.replace(".", self.config.decimal_separator)

    def order_rows(self, order: FulfilmentOrder) -> list[list[str]]:
        """The data rows of an order file (header excluded). Raises ``MappingError`` for an
        order without lines or with a line without SKU (a warehouse cannot pick those)."""
        if not order.lines:
            raise MappingError(f"order {order.number} has no lines to fulfil")
        ship = order.ship_to
        head = [
            order.reference, order.number, str(order.revision),
            order.order_date.isoformat() if order.order_date else "",
            _text(order.retailer_reference), _text(ship.company), ship.contact_name,
            _text(order.email or ship.email), _text(order.phone or ship.phone),
            _text(ship.street), _text(ship.house_number), _text(ship.house_number_addition),
            _text(ship.address_line2), _text(ship.postal_code), _text(ship.city),
            _text(ship.country),
        ]
        rows = []
        for line in order.lines:
            if not line.sku or not line.sku.strip():
                raise MappingError(
                    f"order {order.number}: line {line.line_ref} has no SKU; the CSV adapter "
                    "needs a SKU on every line"
                )
            rows.append([
                *head, line.line_ref, line.sku, _text(line.name), str(line.quantity),
                self.money(line.unit_price), _text(line.currency or order.currency),
                _text(order.notes),
            ])
        return rows

    def file_name(self, pattern: str, order: FulfilmentOrder, *, stamp: str, kind: str) -> str:
        """Fill a file-name pattern; reference and number are made safe for file names."""
        return pattern.format(
            stamp=stamp, number=safe_part(order.number), reference=safe_part(order.reference),
            revision=order.revision, kind=kind,
        )

    # --- writing ----------------------------------------------------------------------------

    def _writer(self, header: tuple[str, ...], rows: list[list[str]]) -> Callable[[TextIO], None]:
        if self.config.escape_formulas:
            free = [i for i, name in enumerate(header) if name in FREE_TEXT_COLUMNS]
            rows = [[neutralise(cell) if i in free else cell for i, cell in enumerate(row)]
                    for row in rows]

        def write(handle: TextIO) -> None:
            writer = csv.writer(handle, delimiter=self.config.delimiter)
            writer.writerow(header)
            writer.writerows(rows)

        return write

    def _once(
        self, order: FulfilmentOrder, key: str, entry: JournalEntry,
        header: tuple[str, ...], rows: list[list[str]], *, pin_name: bool = True,
    ) -> SubmitResult:
        directory = Path(self.config.outbound_dir)
        previous = self.journal.read(order.reference, key)
        if previous is not None and previous.written:
            return SubmitResult(external_id=previous.file, already_existed=True)
        if previous is not None:
            entry = previous
        elif pin_name:
            # The pending marker pins a name that could not be derived again on a retry.
            self.journal.write(order.reference, key, entry)
        directory.mkdir(parents=True, exist_ok=True)
        done = JournalEntry(file=entry.file, state="written", extra=entry.extra)
        if (directory / entry.file).exists():  # crashed after the rename last time
            self.journal.write(order.reference, key, done)
            return SubmitResult(external_id=entry.file, already_existed=True)
        atomic_write(directory, entry.file, self._writer(header, rows),
                     encoding=self.config.encoding)
        self.journal.write(order.reference, key, done)
        return SubmitResult(external_id=entry.file, already_existed=False)

    def write_order(self, order: FulfilmentOrder, *, kind: str) -> SubmitResult:
        """Write the order file for ``order.revision`` once (see ``CsvAdapter.submit_order``)."""
        rows = self.order_rows(order)
        key = f"r{order.revision}"
        previous = self.journal.read(order.reference, key)
        stamp = utc_stamp(order.order_date or now_utc())
        name = previous.file if previous else self.file_name(
            self.config.file_name_pattern, order, stamp=stamp, kind=kind)
        entry = JournalEntry(file=name, state="pending", extra={})
        # With an order date the name is the same on every retry, so the pending marker (two
        # more fsyncs per order) is only needed without one.
        return self._once(order, key, entry, ORDER_COLUMNS, rows,
                          pin_name=order.order_date is None)

    @staticmethod
    def _cancel_key(order: FulfilmentOrder) -> str:
        """One cancellation per exported revision: an order cancelled and exported again
        (``cancel-and-reexport``) gets a new cancellation file for its new revision."""
        return f"cancel-r{order.revision}"

    def cancellation_written(self, order: FulfilmentOrder) -> bool:
        """True when the cancellation of this revision (or, from before revisions were part
        of the key, of the order) was written."""
        for key in (self._cancel_key(order), "cancel"):
            entry = self.journal.read(order.reference, key)
            if entry is not None and entry.written:
                return True
        return False

    def write_cancellation(self, order: FulfilmentOrder, reason: str | None) -> SubmitResult:
        """Write the cancellation file once; a retry rewrites the same name and content."""
        legacy = self.journal.read(order.reference, "cancel")
        if legacy is not None and legacy.written:
            return SubmitResult(external_id=legacy.file, already_existed=True)
        key = self._cancel_key(order)
        previous = self.journal.read(order.reference, key)
        if previous is not None:
            cancelled_at = datetime.fromisoformat(previous.extra["cancelled_at"])
            name = previous.file
        else:
            cancelled_at = now_utc()
            name = self.file_name(self.config.cancellation_file_name_pattern, order,
                                  stamp=utc_stamp(cancelled_at), kind="cancel")
        entry = JournalEntry(file=name, state="pending",
                             extra={"cancelled_at": cancelled_at.isoformat()})
        row = [order.reference, order.number, cancelled_at.isoformat(), reason or ""]
        return self._once(order, key, entry, CANCEL_COLUMNS, [row])
