"""The CSV (file drop) adapter: order files out, shipment files in."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

from oc_bridge.adapter import Adapter, AdapterConfig, AdapterContext, Capability
from oc_bridge.canonical import (
    CancelOutcome,
    FulfilmentOrder,
    InvoiceDocument,
    ShipmentOutcome,
    ShipmentPull,
    StockLevel,
    SubmitResult,
)
from oc_bridge.errors import ConfigurationError, TransientError
from oc_bridge_csv.config import CsvConfig
from oc_bridge_csv.filing import file_inbound
from oc_bridge_csv.inbound import FileRead, file_problem, is_candidate, read_file
from oc_bridge_csv.invoices import write_invoice
from oc_bridge_csv.journal import Journal
from oc_bridge_csv.outbound import Outbox
from oc_bridge_csv.shipped import shipment_file_for
from oc_bridge_csv.stock import read_stock_dir

__all__ = ["CsvAdapter"]

log = logging.getLogger(__name__)


@contextmanager
def _file_errors(action: str) -> Iterator[None]:
    """Translate ``OSError`` at the adapter boundary: permissions are configuration problems,
    anything else (disk full, a share gone away) is retried later."""
    try:
        yield
    except PermissionError as exc:
        raise ConfigurationError(f"csv: cannot {action}: {exc}") from exc
    except OSError as exc:
        raise TransientError(f"csv: cannot {action}: {exc}") from exc


class CsvAdapter(Adapter[CsvConfig]):
    """Writes one CSV file per order export into ``outbound_dir`` and reads shipment CSV files
    the warehouse drops into ``inbound_dir``. See ``docs/csv.md``.

    Folders are created on first use; building the adapter touches nothing on disk.
    Capabilities are per instance (:meth:`capabilities_for`): ``STOCK_LEVELS`` when
    ``stock_dir`` is set, ``INVOICES`` when ``invoices_dir`` is set.
    """

    name: ClassVar[str] = "csv"
    Config: ClassVar[type[AdapterConfig]] = CsvConfig
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.SUBMIT_ORDERS, Capability.UPDATE_ORDERS, Capability.CANCEL_ORDERS,
        Capability.PULL_SHIPMENTS, Capability.STOCK_LEVELS, Capability.INVOICES,
    })

    def __init__(self, config: CsvConfig, context: AdapterContext) -> None:
        super().__init__(config, context)
        self.outbox = Outbox(config, Journal(context.state_dir))

    @classmethod
    def capabilities_for(cls, config: CsvConfig) -> frozenset[Capability]:
        """Stock and invoices only when their folder is configured."""
        enabled = set(cls.capabilities)
        if config.stock_dir is None:
            enabled.discard(Capability.STOCK_LEVELS)
        if config.invoices_dir is None:
            enabled.discard(Capability.INVOICES)
        return frozenset(enabled)

    # --- orders -----------------------------------------------------------------------------

    def submit_order(self, order: FulfilmentOrder) -> SubmitResult:
        """Write the order file for ``(order.reference, order.revision)`` exactly once.

        ``external_id`` is the file name. Idempotency: a journal marker in the state folder
        records the chosen file name before the file is written (``pending``) and is marked
        ``written`` after the file was renamed into place; a repeat call returns the same name
        with ``already_existed=True`` and writes nothing, even if the partner already took the
        file away. After a crash with a ``pending`` marker the file is written again only if it
        is not in the outbound folder. Remaining window, honestly: if the process dies after
        the rename but before the ``written`` marker *and* the partner takes the file away
        before the retry, the retry writes the same file (same name) a second time.
        Raises ``MappingError`` for an order without lines or a line without SKU.
        """
        with _file_errors(f"write order {order.number}"):
            result = self.outbox.write_order(order, kind="order")
        log.info("order %s r%d %s %s", order.reference, order.revision,
                 "already in" if result.already_existed else "written to", result.external_id)
        return result

    def update_order(self, order: FulfilmentOrder, external_id: str | None) -> SubmitResult:
        """Write a new file for ``order.revision`` (the engine passes the next revision);
        idempotent like :meth:`submit_order`. ``external_id`` (the earlier file) is not needed."""
        with _file_errors(f"write update of order {order.number}"):
            result = self.outbox.write_order(order, kind="update")
        log.info("order %s r%d update %s", order.reference, order.revision, result.external_id)
        return result

    def cancel_order(
        self, order: FulfilmentOrder, external_id: str | None, reason: str | None
    ) -> CancelOutcome:
        """Write a cancellation file (``order_id, order_number, cancelled_at, reason``) once
        per exported revision: accepted. Rejected (too late) when a shipment file of the
        warehouse, waiting in ``inbound_dir`` or in ``processed/``, already lists the order; no
        cancellation file is written then. A cancellation already written stays accepted."""
        with _file_errors(f"write cancellation of order {order.number}"):
            if not self.outbox.cancellation_written(order):
                shipped = shipment_file_for(
                    Path(self.config.inbound_dir), order.reference, order.number,
                    encoding=self.config.encoding, delimiter=self.config.delimiter)
                if shipped is not None:
                    log.info("order %s: not cancelled, shipment file %s lists it",
                             order.reference, shipped)
                    return CancelOutcome.rejected(
                        f"the warehouse already reported order {order.number} shipped "
                        f"(shipment file {shipped}); no cancellation file was written")
            result = self.outbox.write_cancellation(order, reason)
        log.info("order %s cancellation %s", order.reference, result.external_id)
        return CancelOutcome.accepted(
            f"cancellation file {result.external_id}"
            + (" (already written)" if result.already_existed else ""))

    # --- shipments ----------------------------------------------------------------------------

    def fetch_shipments(self, cursor: str | None) -> ShipmentPull:
        """Read every complete ``*.csv`` in ``inbound_dir`` (oldest first by mtime, then name).
        Files are not moved here; ``cursor`` is ignored and None is returned as the cursor.
        A file with bad rows gives ONE problem naming all of them (see ``file_problem``)."""
        inbound = Path(self.config.inbound_dir)
        with _file_errors("read the inbound folder"):
            inbound.mkdir(parents=True, exist_ok=True)
            candidates = [p for p in inbound.iterdir() if is_candidate(p)]
            candidates.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
        reads: list[FileRead] = []
        for path in candidates:
            try:
                reads.append(read_file(
                    path, encoding=self.config.encoding, delimiter=self.config.delimiter,
                    default_transit_days=self.config.default_transit_days))
            except FileNotFoundError:
                continue  # taken away between listing and reading
        # One problem per bad file (its rows are in the file's error report), so a 50,000-row
        # bad file is one parked item, not 50,000.
        pull = ShipmentPull(
            shipments=[s for r in reads for s in r.shipments],
            problems=[p for r in reads if (p := file_problem(r)) is not None],
            cursor=None,
            handle=reads,
        )
        return pull

    def acknowledge_shipments(
        self, pull: ShipmentPull, outcomes: Sequence[ShipmentOutcome]
    ) -> None:
        """Move each file of ``pull`` to ``processed/`` (every row became a shipment and every
        shipment's outcome is ok) or to ``failed/`` with ``<file>.errors.txt`` listing each bad
        row and each rejection. Never deletes a file."""
        reads = pull.handle if isinstance(pull.handle, list) else []
        with _file_errors("file shipment files"):
            file_inbound(reads, outcomes, Path(self.config.inbound_dir))

    # --- stock and invoices -------------------------------------------------------------------

    def fetch_stock(self) -> list[StockLevel]:
        """Available stock per SKU from the ``stock_dir`` snapshot files (newest file wins per
        SKU; files are kept). Bad lines are logged as warnings with file and line number."""
        if self.config.stock_dir is None:
            return list(super().fetch_stock())
        with _file_errors("read the stock folder"):
            read = read_stock_dir(Path(self.config.stock_dir), self.config.encoding)
        for problem in read.problems:
            log.warning("csv %s: stock file %s: %s (line ignored)", self.instance,
                        problem.source, problem.message)
        return list(read.levels.values())

    def receive_invoice(self, invoice: InvoiceDocument) -> None:
        """Write ``invoice-<number>-<id>.csv`` into ``invoices_dir`` once (atomically); an
        invoice whose file exists is not written again."""
        if self.config.invoices_dir is None:
            super().receive_invoice(invoice)
            return
        with _file_errors(f"write invoice {invoice.number or invoice.invoice_id}"):
            path = write_invoice(self.config, Path(self.config.invoices_dir), invoice)
        if path is not None:
            log.info("invoice %s of order %s written to %s", invoice.number,
                     invoice.order_number, path.name)

    # --- housekeeping -------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Problems with the folders: not a folder, not writable, or missing and impossible to
        create. Changes nothing."""
        problems = []
        for key in ("outbound_dir", "inbound_dir", "stock_dir", "invoices_dir"):
            if getattr(self.config, key) is None:
                continue
            path = Path(getattr(self.config, key))
            if path.exists():
                if not path.is_dir():
                    problems.append(f"{key} {path} is not a folder")
                elif not os.access(path, os.W_OK | os.X_OK):
                    problems.append(f"{key} {path} is not writable")
                continue
            parent = path.parent
            while not parent.exists() and parent != parent.parent:
                parent = parent.parent
            if not os.access(parent, os.W_OK | os.X_OK):
                problems.append(f"{key} {path} does not exist and {parent} is not writable")
        return problems
