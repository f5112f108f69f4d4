"""The abstract ledger interface: what the engine, the CLI and the daemon may rely on.

Every method that changes state runs in its own transaction, or joins the caller's when called
inside ``with store.transaction():`` (transactions nest by joining; an exception rolls the
outermost one back). Each state change also appends one line to the activity log in the same
transaction. Times are ISO-8601 UTC strings. Implementations: :class:`~oc_bridge.store.sqlite.
SqliteStore` (embedded default); a PostgreSQL store satisfies the same interface with its own
SQL module.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager

from oc_bridge.canonical import InvoiceDocument
from oc_bridge.store.alert_records import AlertSend, WorkItem
from oc_bridge.store.hold_records import OrderHold, OrderWait
from oc_bridge.store.inbox import InboxDelivery, InboxItem
from oc_bridge.store.records import (
    ActivityEntry,
    Claim,
    ExportOperation,
    ExportRecord,
    ExportState,
    OrderSeen,
    ParkedItem,
    ParkedKind,
    ShipmentRecord,
    ShipmentState,
    StoreCounts,
)
from oc_bridge.store.workflow_records import AwaitingStock, ShortLine, StockPush

__all__ = ["Store"]


class Store(ABC):
    """The ledger of everything the bridge did. See the module docstring for the guarantees."""

    # --- lifecycle ------------------------------------------------------------------------

    @abstractmethod
    def transaction(self, *, durable: bool = True) -> AbstractContextManager[None]:
        """A write transaction; nested calls join the outermost one.

        ``durable=False`` (only honoured on the outermost call) may skip flushing to disk at
        commit: for observations that are cheap to lose and become durable with the next
        durable commit (e.g. which orders were seen). Intents and outcomes are always durable.
        """

    @property
    @abstractmethod
    def schema_version(self) -> int:
        """The schema version of the opened database (after migrations)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- orders seen ----------------------------------------------------------------------

    @abstractmethod
    def record_order(self, order: OrderSeen) -> None:
        """Insert or replace what the bridge last saw of an order (``seen_at`` is set here)."""

    @abstractmethod
    def get_order(self, order_id: str) -> OrderSeen | None:
        """The last sighting of an order, or None."""

    @abstractmethod
    def find_order_id(self, number: str) -> str | None:
        """The Orderchamp order id for an order number, from orders seen or exports."""

    # --- exports --------------------------------------------------------------------------

    @abstractmethod
    def get_export(self, instance: str, order_id: str) -> ExportRecord | None:
        """The export row of an order at an instance, or None."""

    @abstractmethod
    def exports_for_order(self, order_id: str) -> list[ExportRecord]:
        """Every export row of an order (any instance)."""

    @abstractmethod
    def list_exports(self, states: Iterable[ExportState] | None = None) -> list[ExportRecord]:
        """Export rows, optionally only those in ``states``, oldest change first."""

    @abstractmethod
    def begin_export(
        self, instance: str, order_id: str, *, order_number: str, state: ExportState,
        operation: ExportOperation, revision: int | None, digest: str | None,
        fingerprint: str | None,
    ) -> ExportRecord:
        """Record the intent of a step (``submitting``, ``updating``, ``cancelling``) with the
        revision, digest and fingerprint about to be sent; creates the row if needed."""

    @abstractmethod
    def finish_export(
        self, instance: str, order_id: str, *, state: ExportState, external_id: str | None = None,
    ) -> ExportRecord:
        """Record a step's outcome (``exported`` or ``cancelled``): the pending revision becomes
        the held one, ``external_id`` is kept unless a new one is given, attempts reset."""

    @abstractmethod
    def fail_export(
        self, instance: str, order_id: str, *, order_number: str, operation: ExportOperation,
        error: str, park: bool, sent: bool,
    ) -> ExportRecord:
        """Record a failed step: attempts + 1, state ``parked`` or ``failed``. ``sent=False``
        says the back end certainly did not receive it (the pending values are dropped);
        creates the row when a step failed before any intent (e.g. mapping). With
        ``park=True`` no activity line is written here: the :meth:`park` that must follow in
        the same transaction writes the one line, with the reason."""

    @abstractmethod
    def forget_export(self, instance: str, order_id: str, *, actor: str, note: str,
                      reexport: bool = True) -> ExportRecord | None:
        """Forget what the back end holds of the order, close its open parked items there
        and record the operator's action with ``actor`` (``note`` on the line), in one
        transaction. With ``reexport`` the row becomes an unfinished submission of the next
        revision (nothing held, no external id): the next run exports the order there again
        as new. Without it (a cancelled order) the row is deleted. The row as it was, or None
        when there was none (nothing written)."""

    @abstractmethod
    def reset_export(self, instance: str, order_id: str) -> ExportRecord | None:
        """Make a parked export retryable: state ``failed``, attempts 0 (for ``retry``)."""

    # --- shipments ------------------------------------------------------------------------

    @abstractmethod
    def get_shipment(self, instance: str, shipment_key: str) -> ShipmentRecord | None:
        """The ledger row of a reported parcel, or None."""

    @abstractmethod
    def list_shipments(
        self, states: Iterable[ShipmentState] | None = None
    ) -> list[ShipmentRecord]:
        """Shipment rows, optionally only those in ``states``, oldest change first."""

    @abstractmethod
    def receive_shipment(
        self, instance: str, shipment_key: str, *, report_json: str, order_id: str | None,
        order_number: str | None,
    ) -> ShipmentRecord:
        """Record a report (state ``received``) before anything is asked of Orderchamp. A row
        whose create step has not started is refreshed with the new report; a row past that
        point is returned unchanged."""

    @abstractmethod
    def begin_shipment_create(
        self, instance: str, shipment_key: str, *, order_id: str, order_number: str,
        lines: Sequence[tuple[str, int]],
    ) -> ShipmentRecord:
        """Intent of ``shipmentCreate`` with the resolved lines (state ``creating``)."""

    @abstractmethod
    def record_shipment_created(
        self, instance: str, shipment_key: str, oc_shipment_id: str, *, adopted: bool = False,
    ) -> ShipmentRecord:
        """Outcome of the create step: the Orderchamp shipment id (state ``created``)."""

    @abstractmethod
    def begin_shipment_ship(self, instance: str, shipment_key: str) -> ShipmentRecord:
        """Intent of ``shipmentShip`` (state ``shipping``)."""

    @abstractmethod
    def record_shipment_shipped(self, instance: str, shipment_key: str) -> ShipmentRecord:
        """Outcome of the ship step (state ``shipped``, final)."""

    @abstractmethod
    def fail_shipment(
        self, instance: str, shipment_key: str, *, error: str, park: bool,
    ) -> ShipmentRecord:
        """A failed step: attempts + 1, state ``parked`` or ``failed``; ids and lines kept.
        With ``park=True`` the :meth:`park` that follows writes the activity line."""

    @abstractmethod
    def reset_shipment(self, instance: str, shipment_key: str) -> ShipmentRecord | None:
        """Make a parked shipment retryable: state ``failed``, attempts 0 (for ``retry``)."""

    @abstractmethod
    def claimed_shipment_ids(self, order_id: str) -> set[str]:
        """Orderchamp shipment ids any ledger row of this order already owns."""

    # --- cursors --------------------------------------------------------------------------

    @abstractmethod
    def get_cursor(self, name: str) -> str | None:
        """A saved cursor value, or None."""

    @abstractmethod
    def set_cursor(self, name: str, value: str | None) -> None:
        """Save (or with None, forget) a cursor."""

    # --- parked items ---------------------------------------------------------------------

    @abstractmethod
    def park(
        self, kind: ParkedKind, reference: str, *, instance: str | None, reason: str,
        order_number: str | None = None, payload: str | None = None,
    ) -> ParkedItem:
        """Park an item for a human. An open item with the same kind, reference and instance
        is updated (same id) instead of duplicated."""

    @abstractmethod
    def find_open_parked(
        self, kind: ParkedKind, reference: str, instance: str | None
    ) -> ParkedItem | None:
        """The open parked item for this kind, reference and instance, or None."""

    @abstractmethod
    def get_parked(self, parked_id: int) -> ParkedItem | None:
        """One parked item (open or resolved), or None."""

    @abstractmethod
    def list_parked(self, *, include_resolved: bool = False, limit: int | None = None,
                    offset: int = 0) -> list[ParkedItem]:
        """Parked items, oldest first; only open ones unless ``include_resolved``; a page of
        at most ``limit`` items (all when None) after skipping ``offset``."""

    @abstractmethod
    def resolve_parked(self, parked_id: int, resolution: str) -> ParkedItem | None:
        """Close an open parked item with a note; None when unknown or already closed."""

    @abstractmethod
    def resolve_parked_for(
        self, kind: ParkedKind, reference: str, instance: str | None, resolution: str
    ) -> int:
        """Close the open items for this kind, reference and instance; how many were closed."""

    # --- activity and status ----------------------------------------------------------------

    @abstractmethod
    def recent_activity(self, limit: int = 20) -> list[ActivityEntry]:
        """The latest state changes and operator actions, newest first."""

    @abstractmethod
    def record_action(self, kind: str, reference: str, action: str, *, actor: str,
                      message: str | None = None, order_number: str | None = None,
                      instance: str | None = None) -> None:
        """Append an operator's action to the activity log (the audit trail): who
        (``actor``: ``cli:<OS user>``, ``console:<user>``), what (``action``, e.g. ``resync``,
        ``retry``) on what (``kind``, ``reference``), with a note. Operators' lines are never
        pruned."""

    @abstractmethod
    def counts(self) -> StoreCounts:
        """Rows per state of exports and shipments, and parked items."""

    # --- webhook inbox ----------------------------------------------------------------------

    @abstractmethod
    def inbox_add(self, deliveries: Sequence[InboxDelivery], *,
                  delay_seconds: float = 0.0) -> list[bool]:
        """Store deliveries durably in one transaction (committed on return); True for each
        new one, False for one identical (same source, event and body digest) to a stored one.
        New items become ready after ``delay_seconds`` (or earlier with their group)."""

    @abstractmethod
    def inbox_lease(self, owner: str, *, lease_seconds: float) -> list[InboxItem]:
        """Lease the next ready item, and with it every pending item of the same
        ``group_key``; a group held under a live lease is skipped, an expired lease is taken
        again. Each leased item's ``attempts`` goes up by one. Empty when nothing is ready."""

    @abstractmethod
    def inbox_get(self, item_id: int) -> InboxItem | None:
        """One inbox item, or None."""

    @abstractmethod
    def inbox_complete(self, items: Sequence[InboxItem]) -> None:
        """Mark leased items ``done``; an item whose lease was lost meanwhile is untouched."""

    @abstractmethod
    def inbox_retry(self, items: Sequence[InboxItem], error: str, *,
                    delay_seconds: float) -> None:
        """Return leased items to ``pending`` with the error, due after ``delay_seconds``."""

    @abstractmethod
    def inbox_defer(self, items: Sequence[InboxItem], note: str, *,
                    delay_seconds: float) -> None:
        """Return leased items to ``pending`` with ``note``, due after ``delay_seconds``,
        without counting the attempt (their order's work was held by another process)."""

    @abstractmethod
    def inbox_park(self, items: Sequence[InboxItem], error: str) -> None:
        """Mark leased items ``parked`` with the error (kept for a human)."""

    @abstractmethod
    def inbox_release(self, items: Sequence[InboxItem]) -> None:
        """Return leased items to ``pending`` without counting the attempt (shutdown)."""

    @abstractmethod
    def inbox_counts(self) -> dict[str, int]:
        """Inbox items per state."""

    @abstractmethod
    def inbox_prune(self, older_than_days: float) -> int:
        """Delete ``done``/``parked`` items processed longer ago; how many were deleted."""

    # --- workflow: stock pushes -----------------------------------------------------------

    @abstractmethod
    def stock_pushes(self) -> dict[str, StockPush]:
        """Every SKU the bridge pushed (or tried to push) to Orderchamp, by SKU."""

    @abstractmethod
    def rejected_skus(self) -> list[StockPush]:
        """SKUs whose last push Orderchamp rejected (unknown SKU, bad figure), by SKU."""

    @abstractmethod
    def record_stock_pushed(self, levels: Mapping[str, int]) -> None:
        """Orderchamp accepted these absolute figures (clears any rejection of the SKU)."""

    @abstractmethod
    def record_stock_rejected(self, rejections: Mapping[str, tuple[int, str]]) -> None:
        """Orderchamp rejected these SKUs: ``sku -> (figure, message)``."""

    # --- workflow: invoices ---------------------------------------------------------------

    @abstractmethod
    def record_invoice(self, invoice: InvoiceDocument) -> None:
        """Remember an invoice the bridge fetched (insert or refresh)."""

    @abstractmethod
    def list_invoices(self, order_id: str | None = None) -> list[InvoiceDocument]:
        """Invoices the bridge has fetched, oldest first; only one order's when given."""

    @abstractmethod
    def invoice_deliveries(self) -> dict[str, dict[str, str]]:
        """``invoice id -> {instance: delivered_at}`` for every invoice handed to an adapter."""

    @abstractmethod
    def record_invoice_delivered(self, instance: str, invoice: InvoiceDocument) -> None:
        """``instance`` received ``invoice`` (recorded once; a repeat changes nothing)."""

    # --- workflow: orders awaiting stock --------------------------------------------------

    @abstractmethod
    def set_awaiting_stock(self, order_id: str, order_number: str,
                           short_lines: Iterable[ShortLine]) -> None:
        """The order was left unconfirmed for want of stock (insert or refresh its lines)."""

    @abstractmethod
    def clear_awaiting_stock(self, order_id: str, note: str) -> None:
        """The order no longer awaits stock (confirmed, cancelled, ...); no-op when absent."""

    @abstractmethod
    def list_awaiting_stock(self) -> list[AwaitingStock]:
        """Orders awaiting stock, longest waiting first."""

    # --- workflow: delivery dates ---------------------------------------------------------

    @abstractmethod
    def adopt_export_content(self, instance: str, order_id: str, *, expected_digest: str,
                             digest: str, fingerprint: str) -> bool:
        """The back end already holds this content (a change that came from it, such as its
        delivery date): replace the held digest and fingerprint without a new revision, only
        while the row is ``exported``, nothing is pending and it still holds
        ``expected_digest``. True when adopted."""

    @abstractmethod
    def get_delivery_date(self, order_id: str) -> str | None:
        """The estimated delivery last pushed to Orderchamp for the order (ISO), or None."""

    @abstractmethod
    def record_delivery_date(self, order_id: str, instance: str, estimated: str, *,
                             order_number: str | None = None) -> None:
        """Orderchamp accepted ``estimated`` (ISO) as the order's delivery estimate."""

    # --- claims ---------------------------------------------------------------------------

    @abstractmethod
    def claim(self, name: str, owner: str, *, lease_seconds: float,
              dead_owner: str | None = None) -> bool:
        """Take claim ``name`` for ``owner`` until ``lease_seconds`` from now. True when it is
        free, already ``owner``'s (a renewal), expired, or held by exactly ``dead_owner`` (a
        holder the caller proved dead); False while another owner holds it. Two callers racing
        for one claim never both get True. A takeover is written to the activity log."""

    @abstractmethod
    def renew_claim(self, name: str, owner: str, *, lease_seconds: float) -> bool:
        """Extend ``owner``'s claim to ``lease_seconds`` from now; False when ``owner`` no
        longer holds it (it expired and another owner took it). Joins the caller's
        transaction, so a renewal and an intent can commit (or fail) together."""

    @abstractmethod
    def release_claim(self, name: str, owner: str) -> bool:
        """Give the claim up; False when ``owner`` did not hold it (any more)."""

    @abstractmethod
    def get_claim(self, name: str) -> Claim | None:
        """The claim row (live or expired), or None."""

    @abstractmethod
    def list_claims(self) -> list[Claim]:
        """Every claim row (live or expired), by name."""

    @abstractmethod
    def prune_claims(self, expired_for_seconds: float) -> int:
        """Delete claims that expired more than ``expired_for_seconds`` ago (left by processes
        that died and whose work nobody took over); how many were deleted."""

    # --- read-only views (the operator console) ---------------------------------------------

    @abstractmethod
    def shipments_for_order(self, order_id: str,
                            order_number: str | None) -> list[ShipmentRecord]:
        """Every shipment row of an order (any instance; by id, or by number for a report
        whose order was not resolved yet), oldest first."""

    @abstractmethod
    def parked_for_order(self, order_id: str, order_number: str | None) -> list[ParkedItem]:
        """Parked items (open and resolved) about the order: by id or by order number."""

    @abstractmethod
    def activity_for_order(self, order_id: str, order_number: str | None) -> list[ActivityEntry]:
        """The activity lines still kept about the order (by id or number), oldest first."""

    @abstractmethod
    def states_by_instance(self) -> dict[str, dict[str, dict[str, int]]]:
        """``instance -> {"exports": {state: n}, "shipments": {state: n}}``."""

    @abstractmethod
    def throughput_times(self, since: str) -> tuple[list[str], list[str]]:
        """Times since ``since`` (ISO) of (exports that reached a back end, by when their
        first step began; shipments marked shipped in Orderchamp), unordered."""

    @abstractmethod
    def inbox_oldest_open(self) -> str | None:
        """When the oldest inbox item not yet processed (pending or leased) arrived, or None."""

    @abstractmethod
    def inbox_last_received(self, source: str) -> dict[str, str]:
        """``event -> received_at`` of the latest stored delivery per event of ``source``."""

    # --- holds ----------------------------------------------------------------------------

    @abstractmethod
    def place_hold(self, order_id: str, *, order_number: str | None, reason: str,
                   actor: str | None) -> tuple[OrderHold, bool]:
        """Hold the order by hand (activity ``held``); ``(hold, True)`` when placed now,
        ``(the standing hold, False)`` when it was already held (left unchanged)."""

    @abstractmethod
    def get_hold(self, order_id: str) -> OrderHold | None:
        """The order's standing manual hold, or None."""

    @abstractmethod
    def list_holds(self) -> list[OrderHold]:
        """Every standing manual hold, oldest first."""

    @abstractmethod
    def lift_hold(self, order_id: str, *, actor: str | None, note: str = "released",
                  ) -> OrderHold | None:
        """Remove the order's hold and make the order due for a look at once (an
        :class:`OrderWait` due now), activity ``released``; the hold removed, or None when the
        order was not held (nothing changed)."""

    @abstractmethod
    def set_wait(self, order_id: str, *, order_number: str | None, due_at: str,
                 reason: str, since: str | None = None) -> None:
        """Look at the order again at ``due_at`` (insert, or move the due time); ``since``
        is what the wait counts from (default now)."""

    @abstractmethod
    def get_wait(self, order_id: str) -> OrderWait | None:
        """The order's waiting row, or None."""

    @abstractmethod
    def list_waits(self, *, due_by: str | None = None) -> list[OrderWait]:
        """Waiting orders, soonest first; with ``due_by`` only those due by then."""

    @abstractmethod
    def clear_wait(self, order_id: str) -> None:
        """The order no longer waits (exported, cancelled, ...); no-op when absent."""
    # --- alerts ---------------------------------------------------------------------------

    @abstractmethod
    def unfinished_exports(self) -> list[WorkItem]:
        """Exports in flight or failed (retrying), oldest first, each with the time its work
        began in ``since`` (a new export: its row's creation; an update or cancellation: the
        Orderchamp change it carries, as Orderchamp wrote it)."""

    @abstractmethod
    def unfinished_shipments(self, started_before: str) -> list[WorkItem]:
        """Shipment reports not yet shipped nor parked whose row was created before
        ``started_before`` (ISO-8601 UTC), oldest first."""

    @abstractmethod
    def unprocessed_inbox(self, received_before: str) -> list[WorkItem]:
        """Inbox items pending or leased that were received before ``received_before``."""

    @abstractmethod
    def confirmed_unexported(self) -> list[OrderSeen]:
        """Orders last seen confirmed and awaiting fulfilment that no adapter instance holds
        (none exported, updating, cancelling or cancelled) and that are not parked."""

    @abstractmethod
    def exported_unshipped(self, exported_before: str) -> list[WorkItem]:
        """Exports (state ``exported``) first recorded before ``exported_before`` whose order
        has no shipped parcel in the ledger and was last seen still awaiting fulfilment."""

    @abstractmethod
    def webhook_received_since(self, order_id: str, since: str) -> bool:
        """Whether the inbox holds an Orderchamp delivery about ``order_id`` received at or
        after ``since`` (ISO-8601 UTC)."""

    @abstractmethod
    def reserve_alert(self, channel: str, alert_key: str, kind: str, *,
                      window_seconds: float) -> str | None:
        """Take the right to send ``alert_key`` on ``channel``: granted (the reservation time
        returned) when it was never sent there or last sent more than ``window_seconds`` ago;
        None otherwise. Two callers racing for one key never both get it."""

    @abstractmethod
    def release_alert(self, channel: str, alert_key: str, reserved_at: str) -> None:
        """Give a reservation back (its sending failed), so the next check sends it."""

    @abstractmethod
    def record_alert_send(self, channel: str, *, alerts: int, outcome: str,
                          message: str | None = None) -> None:
        """Record one message a channel sent (``outcome`` ``sent``) or failed to send."""

    @abstractmethod
    def alert_sends_since(self, channel: str, since: str) -> int:
        """Messages ``channel`` sent successfully at or after ``since`` (rate limit)."""

    @abstractmethod
    def recent_alert_sends(self, limit: int = 20) -> list[AlertSend]:
        """The latest messages of every channel, newest first."""

    @abstractmethod
    def prune_alerts(self, older_than_seconds: float) -> int:
        """Forget alert keys and sends older than this; how many rows were deleted."""
