"""The adapter contract suite: what every fulfilment adapter must do, as pytest tests.

Build it for your adapter with :func:`oc_bridge.testing.adapter_contract` (see
``docs/plugins.md``). The suite drives the adapter exactly as oc-bridge does: through its
:class:`~oc_bridge.boundary.BoundAdapter`, so an exception outside oc-bridge's error tree shows
up as an :class:`~oc_bridge.errors.AdapterFault` and fails the test that provoked it. Orders
carry references shaped like real Orderchamp ids (:mod:`oc_bridge.testing.references`). Tests
for a capability the instance does not have are skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, NoReturn, Protocol, runtime_checkable

import pytest

from oc_bridge.adapter import Capability
from oc_bridge.boundary import BoundAdapter
from oc_bridge.canonical import (
    CancelOutcome,
    CancelStatus,
    CustomerRecord,
    FulfilmentLine,
    FulfilmentOrder,
    InvoiceDocument,
    ShipmentOutcome,
    ShipmentPull,
    ShipmentReport,
    SubmitResult,
)
from oc_bridge.errors import AdapterFault, AlreadyDoneError, OcBridgeError
from oc_bridge.plugins.manager import validate_adapter_class
from oc_bridge.testing.fixtures import make_fulfilment_order
from oc_bridge.testing.references import REFERENCE_ALPHABET, orderchamp_id, orderchamp_order_number

__all__ = ["AdapterContract", "WarehouseProbe", "missing_fixture"]


@runtime_checkable
class WarehouseProbe(Protocol):
    """A test double's window into the back end an adapter talks to.

    ``orders_received(reference)``: how many distinct orders the back end holds for our
    reference (a duplicate submission counts twice; an update of the same order does not).
    ``latest_revision(reference)``: the newest revision the back end got, None if none.
    ``is_cancelled(reference)``: whether the back end was told the order is cancelled.
    ``rejects_late_cancellation`` (optional attribute, default False): True when the adapter
    answers a cancellation of a shipped order with ``CancelOutcome.rejected`` (checked by
    ``test_cancel_after_shipping_is_refused``).
    ``ship(order, lines, tracking_number, carrier)``: make the back end report a shipment of
    ``order``; ``lines`` is ``[(line_ref, quantity)]`` (None: every line in full);
    ``tracking_number=None`` means an untracked parcel.

    Optional: ``set_stock(sku, available)`` (``STOCK_LEVELS``), ``invoices_received(invoice_id)
    -> int`` (``INVOICES``), ``drop_unreadable(order)`` (make the back end hold shipment input
    for ``order`` that cannot be read: a half-written file, a record without quantities) and
    ``was_rejected(order) -> bool`` (the back end keeps ``order``'s shipment input as rejected
    for a human, e.g. in ``failed/`` with the reasons). A source that ``consumes_shipments``
    must provide the last two.
    """

    def orders_received(self, reference: str) -> int: ...

    def latest_revision(self, reference: str) -> int | None: ...

    def is_cancelled(self, reference: str) -> bool: ...

    def ship(
        self,
        order: FulfilmentOrder,
        lines: list[tuple[str, int]] | None = None,
        tracking_number: str | None = "TRACK1",
        carrier: str | None = "PostNL",
    ) -> None: ...


def missing_fixture(what: str, how: str) -> NoReturn:
    """Fail the test with a message saying what the suite needs and how to provide it (instead
    of pytest's generic "fixture not found")."""
    pytest.fail(f"the adapter contract suite needs {what}: {how}", pytrace=False)


def _need(adapter: BoundAdapter, *capabilities: Capability) -> None:
    missing = [c.value for c in capabilities if not adapter.supports(c)]
    if missing:
        pytest.skip(f"adapter {adapter.name!r} (instance {adapter.instance!r}) does not have "
                    f"{', '.join(missing)}")


def _probe_method(warehouse: WarehouseProbe, name: str, *, required: bool,
                  purpose: str) -> Callable[..., Any]:
    method = getattr(warehouse, name, None)
    if method is not None:
        return method
    if required:
        missing_fixture(f"{type(warehouse).__name__}.{name}() {purpose}",
                        f"add {name}() to your WarehouseProbe (see oc_bridge.testing."
                        "WarehouseProbe), required for a source that consumes shipments")
    pytest.skip(f"the warehouse probe has no {name}()")


def _submit(adapter: BoundAdapter, order: FulfilmentOrder) -> SubmitResult:
    try:
        return adapter.submit_order(order)
    except AlreadyDoneError as exc:
        return SubmitResult(external_id=exc.external_id, already_existed=True)


def _mine(pull: ShipmentPull, order: FulfilmentOrder) -> list[ShipmentReport]:
    return [s for s in pull.shipments
            if s.order_ref == order.reference or s.order_number == order.number]


def _shipped(shipment: ShipmentReport, order: FulfilmentOrder) -> dict[str, int]:
    """Shipped quantity per line_ref, mapping SKU-only lines back through the order."""
    by_sku = {line.sku: line.line_ref for line in order.lines if line.sku}
    out: dict[str, int] = {}
    for line in shipment.lines:
        ref = line.line_ref or by_sku.get(line.sku or "")
        assert ref is not None, f"shipped line {line} maps to no line of the order"
        out[ref] = out.get(ref, 0) + line.quantity
    return out


def _only_oc_bridge_errors(call: Callable[[], object], what: str) -> bool:
    """Run ``call``: True when it returned, False when it raised an oc-bridge error; a foreign
    exception (an AdapterFault from the boundary) fails the test naming it."""
    try:
        call()
    except AdapterFault as fault:
        pytest.fail(f"{what}: the adapter let {fault.error_type} escape instead of an "
                    f"oc_bridge.errors exception: {fault}", pytrace=False)
    except OcBridgeError:
        return False
    return True


#: Calls with awkward but legal input, one per adapter method, for the foreign-exception probe.
_AWKWARD: dict[str, tuple[Capability | None, Callable[[BoundAdapter, FulfilmentOrder], object]]] = {
    "submit_order": (Capability.SUBMIT_ORDERS, lambda a, o: a.submit_order(o)),
    "submit_orders": (Capability.SUBMIT_ORDERS, lambda a, o: a.submit_orders([o])),
    "update_order": (Capability.UPDATE_ORDERS,
                     lambda a, o: a.update_order(o.model_copy(update={"revision": 2}),
                                                 "unknown-external-id")),
    "cancel_order": (Capability.CANCEL_ORDERS, lambda a, o: a.cancel_order(o, None, None)),
    "fetch_shipments": (Capability.PULL_SHIPMENTS, lambda a, o: a.fetch_shipments(None)),
    "acknowledge_shipments": (Capability.PULL_SHIPMENTS, lambda a, o: a.acknowledge_shipments(
        ShipmentPull(), [ShipmentOutcome(shipment_key="never-pulled", ok=False,
                                         message="rejected: no such order")])),
    "fetch_stock": (Capability.STOCK_LEVELS, lambda a, o: a.fetch_stock()),
    "receive_invoice": (Capability.INVOICES, lambda a, o: a.receive_invoice(InvoiceDocument(
        invoice_id=orderchamp_id("Invoice"), order_ref=o.reference))),
    "receive_customers": (Capability.CUSTOMERS, lambda a, o: a.receive_customers(
        [CustomerRecord(customer_ref=orderchamp_id("Customer"))])),
    "expected_delivery": (Capability.DELIVERY_DATES,
                          lambda a, o: a.expected_delivery(o.reference, o.number, None)),
    "check": (None, lambda a, o: a.call("check", a.adapter.check)),
}


class AdapterContract:
    """The contract suite; build it with :func:`oc_bridge.testing.adapter_contract`, which
    provides the fixtures ``adapter`` (a :class:`BoundAdapter`) and ``warehouse``.

    ``consumes_shipments``: True when acknowledging a pull removes its shipments from the
    source (files moved away), so a later fetch no longer returns them; False for cursor
    sources, which may return them again with the same keys (the engine dedupes).
    """

    consumes_shipments: ClassVar[bool] = True

    @pytest.fixture
    def adapter(self) -> BoundAdapter:
        """Overridden by :func:`~oc_bridge.testing.adapter_contract`; here only to explain."""
        missing_fixture(
            "an `adapter` fixture (a configured instance of the adapter under test)",
            "build the test class with oc_bridge.testing.adapter_contract(YourAdapter, "
            "options={...}, probe=YourProbe), or define `adapter` in this class")

    @pytest.fixture
    def warehouse(self) -> WarehouseProbe:
        """Overridden by :func:`~oc_bridge.testing.adapter_contract`; here only to explain."""
        missing_fixture(
            "a `warehouse` fixture (an oc_bridge.testing.WarehouseProbe into the back end)",
            "pass probe=YourProbe to oc_bridge.testing.adapter_contract(), or define "
            "`warehouse` in this class")

    @pytest.fixture
    def order(self) -> FulfilmentOrder:
        """A fresh three-line order whose reference is a real-shaped Orderchamp id."""
        return make_fulfilment_order(3, id=orderchamp_id(), number=orderchamp_order_number())

    # --- declaration ------------------------------------------------------------------------

    def test_adapter_class_is_valid(self, adapter: BoundAdapter) -> None:
        validate_adapter_class(type(adapter.adapter))
        assert adapter.enabled_capabilities <= type(adapter.adapter).capabilities

    def test_references_are_orderchamp_shaped(self, order: FulfilmentOrder) -> None:
        assert set(order.reference) <= REFERENCE_ALPHABET and order.reference.isalnum()

    # --- foreign exceptions -------------------------------------------------------------------

    @pytest.mark.parametrize("method", sorted(_AWKWARD))
    def test_only_oc_bridge_errors_escape(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder,
        method: str,
    ) -> None:
        """Every method, given awkward but legal input (a line without SKU, notes with a
        newline and a semicolon, an unknown external id, an order never submitted, outcomes
        for keys never pulled, a minimal invoice), returns or raises an oc-bridge error."""
        capability, call = _AWKWARD[method]
        if capability is not None:
            _need(adapter, capability)
        no_sku = FulfilmentLine(line_ref=orderchamp_id("OrderProduct"), name="Mystery item",
                                quantity=1)
        odd = order.model_copy(update={"lines": (*order.lines, no_sku),
                                       "notes": "Leveren via achterdeur;\nbel aan: 'Café' ☕"})
        done = _only_oc_bridge_errors(lambda: call(adapter, odd), method)
        if method == "submit_order":
            # refused: nothing held; accepted: exactly one order
            assert warehouse.orders_received(order.reference) == (1 if done else 0)

    # --- orders -------------------------------------------------------------------------------

    def test_submit_creates_one_order(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        _need(adapter, Capability.SUBMIT_ORDERS)
        result = adapter.submit_order(order)
        assert isinstance(result, SubmitResult)
        assert result.external_id is None or result.external_id.strip()
        assert not result.already_existed
        assert warehouse.orders_received(order.reference) == 1
        assert warehouse.latest_revision(order.reference) == 1

    def test_submit_twice_is_idempotent(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        _need(adapter, Capability.SUBMIT_ORDERS)
        first = _submit(adapter, order)
        second = _submit(adapter, order)
        assert warehouse.orders_received(order.reference) == 1
        if first.external_id and second.external_id:
            assert second.external_id == first.external_id

    def test_submit_orders_gives_a_result_per_order(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        _need(adapter, Capability.SUBMIT_ORDERS)
        other = make_fulfilment_order(2, id=orderchamp_id(), number=orderchamp_order_number())
        results = adapter.submit_orders([order, other])
        assert set(results) == {order.reference, other.reference}
        for ref, result in results.items():
            assert isinstance(result, SubmitResult | OcBridgeError)
            assert not isinstance(result, AdapterFault), f"{ref}: {result}"
            if isinstance(result, SubmitResult):
                assert warehouse.orders_received(ref) == 1

    def test_update_sends_the_new_revision(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        _need(adapter, Capability.SUBMIT_ORDERS, Capability.UPDATE_ORDERS)
        first = _submit(adapter, order)
        changed = order.lines[0].model_copy(update={"quantity": order.lines[0].quantity + 1})
        revised = order.model_copy(update={"revision": 2, "lines": (changed, *order.lines[1:])})
        adapter.update_order(revised, first.external_id)
        assert warehouse.latest_revision(order.reference) == 2
        adapter.update_order(revised, first.external_id)  # a retry changes nothing
        assert warehouse.latest_revision(order.reference) == 2
        assert warehouse.orders_received(order.reference) == 1

    def test_cancel_is_idempotent(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        _need(adapter, Capability.SUBMIT_ORDERS, Capability.CANCEL_ORDERS)
        first = _submit(adapter, order)
        assert not warehouse.is_cancelled(order.reference)
        for attempt in range(2):
            try:
                outcome = adapter.cancel_order(order, first.external_id,
                                               "cancelled by the retailer")
            except AlreadyDoneError:
                continue
            assert isinstance(outcome, CancelOutcome)
            assert outcome.status == CancelStatus.ACCEPTED, (
                f"cancel #{attempt + 1} of an order the back end holds and has not shipped "
                f"must be accepted (an order already cancelled too), got {outcome}")
        assert warehouse.is_cancelled(order.reference)
        assert warehouse.orders_received(order.reference) == 1

    def test_cancel_after_shipping_is_refused(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        """Too late: once the back end shipped the order, a cancellation is ``rejected`` (or
        ``unsupported``) with a reason, never ``accepted``, and nothing is cancelled there.
        Runs when the probe declares ``rejects_late_cancellation = True`` (the adapter can
        tell; an adapter returning None from ``cancel_order`` cannot)."""
        _need(adapter, Capability.SUBMIT_ORDERS, Capability.CANCEL_ORDERS)
        if not getattr(warehouse, "rejects_late_cancellation", False):
            pytest.skip("the warehouse probe does not declare rejects_late_cancellation = True")
        first = _submit(adapter, order)
        warehouse.ship(order)
        outcome = adapter.cancel_order(order, first.external_id, "cancelled by the retailer")
        assert outcome.status in (CancelStatus.REJECTED, CancelStatus.UNSUPPORTED), (
            f"a cancellation after the back end shipped the order must be rejected, got "
            f"{outcome}")
        assert outcome.reason, "a refused cancellation must say why"
        assert not warehouse.is_cancelled(order.reference)

    # --- shipments ---------------------------------------------------------------------------

    def _shipped_order(self, adapter: BoundAdapter, order: FulfilmentOrder) -> None:
        _need(adapter, Capability.PULL_SHIPMENTS)
        if adapter.supports(Capability.SUBMIT_ORDERS):
            _submit(adapter, order)

    def test_nothing_shipped_nothing_fetched(
        self, adapter: BoundAdapter, order: FulfilmentOrder
    ) -> None:
        self._shipped_order(adapter, order)
        pull = adapter.fetch_shipments(None)
        assert isinstance(pull, ShipmentPull)
        assert _mine(pull, order) == []

    def test_shipment_maps_back_to_lines(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        self._shipped_order(adapter, order)
        warehouse.ship(order)
        pull = adapter.fetch_shipments(None)
        (shipment,) = _mine(pull, order)
        assert shipment.order_ref in (None, order.reference)  # case and characters kept
        assert _shipped(shipment, order) == {ln.line_ref: ln.quantity for ln in order.lines}
        assert shipment.is_tracked and shipment.tracking_number == "TRACK1"
        assert shipment.carrier == "PostNL"
        again = adapter.fetch_shipments(None)  # not acknowledged: same shipment, same key
        assert [s.shipment_key for s in _mine(again, order)] == [shipment.shipment_key]

    def test_partial_and_split_shipments(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        self._shipped_order(adapter, order)
        first, second = order.lines[0], order.lines[1]
        warehouse.ship(order, [(first.line_ref, 1)], tracking_number="TRACK-A")
        warehouse.ship(order, [(second.line_ref, second.quantity)], tracking_number="TRACK-B")
        mine = {s.tracking_number: s for s in _mine(adapter.fetch_shipments(None), order)}
        assert set(mine) == {"TRACK-A", "TRACK-B"}
        assert _shipped(mine["TRACK-A"], order) == {first.line_ref: 1}
        assert _shipped(mine["TRACK-B"], order) == {second.line_ref: second.quantity}
        assert mine["TRACK-A"].shipment_key != mine["TRACK-B"].shipment_key

    def test_untracked_shipment(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        self._shipped_order(adapter, order)
        warehouse.ship(order, tracking_number=None)
        (shipment,) = _mine(adapter.fetch_shipments(None), order)
        assert not shipment.is_tracked
        assert _shipped(shipment, order) == {ln.line_ref: ln.quantity for ln in order.lines}

    # --- acknowledgement: reported, rejected, unreadable ---------------------------------------

    def test_acknowledged_shipments(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        """Reported shipments (``ok=True``) are done: a consuming source never returns them."""
        self._shipped_order(adapter, order)
        warehouse.ship(order)
        pull = adapter.fetch_shipments(None)
        keys = {s.shipment_key for s in _mine(pull, order)}
        assert len(keys) == 1
        adapter.acknowledge_shipments(
            pull, [ShipmentOutcome(shipment_key=s.shipment_key, ok=True) for s in pull.shipments]
        )
        later = {s.shipment_key for s in _mine(adapter.fetch_shipments(pull.cursor), order)}
        if self.consumes_shipments:
            assert later == set(), "acknowledged shipments must not come back"
        else:
            assert later <= keys, "a shipment seen again must keep its key"
        was_rejected = getattr(warehouse, "was_rejected", None)
        if was_rejected is not None:
            assert not was_rejected(order), "a reported shipment was filed as rejected"

    def test_rejected_shipments_are_kept_for_a_human(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        """A rejected outcome (``ok=False``, ``message`` says why) must never be filed as done:
        the engine has parked the shipment; the source keeps it as rejected (CSV: ``failed/``
        with the reasons) and a consuming source does not return it again."""
        self._shipped_order(adapter, order)
        was_rejected = _probe_method(warehouse, "was_rejected",
                                     required=self.consumes_shipments,
                                     purpose="to see how rejected shipments are filed")
        warehouse.ship(order)
        pull = adapter.fetch_shipments(None)
        (shipment,) = _mine(pull, order)
        outcomes = [ShipmentOutcome(shipment_key=s.shipment_key, ok=s is not shipment,
                                    message="" if s is not shipment else
                                    "rejected: quantity exceeds the unshipped quantity")
                    for s in pull.shipments]
        adapter.acknowledge_shipments(pull, outcomes)
        assert was_rejected(order), (
            "acknowledge_shipments ignored a rejected outcome: the shipment was not kept as "
            "rejected for a human")
        if self.consumes_shipments:
            later = _mine(adapter.fetch_shipments(pull.cursor), order)
            assert later == [], "a rejected (and parked) shipment must not come back"

    def test_unreadable_input_is_reported_and_set_aside(
        self, adapter: BoundAdapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        """Input the adapter cannot read is a ``problem`` of the pull (never an exception, never
        a shipment); once acknowledged (the engine parked it) it is not read again."""
        self._shipped_order(adapter, order)
        drop_unreadable = _probe_method(warehouse, "drop_unreadable",
                                        required=self.consumes_shipments,
                                        purpose="to hand the adapter unreadable input")
        drop_unreadable(order)
        pull = adapter.fetch_shipments(None)
        assert pull.problems, "unreadable input must be reported in ShipmentPull.problems"
        assert _mine(pull, order) == []
        assert all(p.source and p.message for p in pull.problems)
        adapter.acknowledge_shipments(
            pull, [ShipmentOutcome(shipment_key=s.shipment_key, ok=True) for s in pull.shipments]
        )
        again = adapter.fetch_shipments(pull.cursor)
        seen = {p.source for p in pull.problems}
        assert not seen & {p.source for p in again.problems}, (
            "unreadable input must be set aside once acknowledged, or every later sync "
            "parks it again and exits 4")

    # --- stock, invoices and housekeeping ------------------------------------------------------

    def test_stock_levels(self, adapter: BoundAdapter, warehouse: WarehouseProbe) -> None:
        _need(adapter, Capability.STOCK_LEVELS)
        set_stock = _probe_method(warehouse, "set_stock", required=False, purpose="")
        set_stock("CONTRACT-SKU-1", 7)
        levels = {level.sku: level.available for level in adapter.fetch_stock()}
        assert levels.get("CONTRACT-SKU-1") == 7

    def test_invoices_received_once(self, adapter: BoundAdapter, warehouse: WarehouseProbe,
                                    order: FulfilmentOrder) -> None:
        _need(adapter, Capability.INVOICES)
        received = _probe_method(warehouse, "invoices_received", required=False, purpose="")
        invoice = InvoiceDocument(
            invoice_id=orderchamp_id("Invoice"), order_ref=order.reference,
            order_number=order.number, number="INV-1", type="DIRECT_INVOICE", currency="EUR",
            subtotal=Decimal("10.00"), tax=Decimal("2.10"), total=Decimal("12.10"),
            pdf_url="https://example.invalid/inv.pdf")
        adapter.receive_invoice(invoice)
        adapter.receive_invoice(invoice)  # after a crash the engine may hand it again
        assert received(invoice.invoice_id) == 1

    def test_check_reports_a_healthy_adapter(self, adapter: BoundAdapter) -> None:
        problems = adapter.call("check", adapter.adapter.check)
        assert isinstance(problems, list)
        assert all(isinstance(p, str) for p in problems)
        assert problems == [], f"the test adapter should be healthy: {problems}"

    def test_close_is_safe_twice(self, adapter: BoundAdapter) -> None:
        for _ in range(2):
            _only_oc_bridge_errors(lambda: adapter.call("close", adapter.adapter.close), "close")
