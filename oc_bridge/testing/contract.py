"""The adapter contract suite: what every fulfilment adapter must do, as pytest tests.

A plugin author subclasses :class:`AdapterContract` in a test module and provides two fixtures,
``adapter`` (a fresh instance of the adapter under test) and ``warehouse`` (a
:class:`WarehouseProbe` looking into the same back end)::

    from oc_bridge.testing import AdapterContract

    class TestMyAdapterContract(AdapterContract):
        pass  # fixtures ``adapter`` and ``warehouse`` come from conftest.py

Tests for a capability the adapter does not declare are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import uuid
from decimal import Decimal
from typing import Any, ClassVar, NoReturn, Protocol, runtime_checkable

import pytest

from oc_bridge.adapter import Adapter, Capability, UnsupportedCapabilityError
from oc_bridge.canonical import (
    FulfilmentLine,
    FulfilmentOrder,
    InvoiceDocument,
    ShipmentOutcome,
    ShipmentPull,
    ShipmentReport,
    SubmitResult,
)
from oc_bridge.errors import AlreadyDoneError, OcBridgeError
from oc_bridge.plugins.manager import validate_adapter_class
from oc_bridge.testing.fixtures import make_fulfilment_order

__all__ = ["AdapterContract", "WarehouseProbe", "missing_fixture"]


@runtime_checkable
class WarehouseProbe(Protocol):
    """A test double's window into the back end an adapter talks to.

    ``orders_received(reference)``: how many distinct orders the back end holds for our
    reference (a duplicate submission counts twice; an update of the same order does not).
    ``latest_revision(reference)``: the newest revision the back end got, None if none.
    ``is_cancelled(reference)``: whether the back end was told the order is cancelled.
    ``ship(order, lines, tracking_number, carrier)``: make the back end report a shipment of
    ``order``; ``lines`` is ``[(line_ref, quantity)]`` (None: every line in full);
    ``tracking_number=None`` means an untracked parcel.
    Optionally ``set_stock(sku, available)`` for adapters with ``STOCK_LEVELS`` and
    ``invoices_received(invoice_id) -> int`` for adapters with ``INVOICES``.
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


def _need(adapter: Adapter, *capabilities: Capability) -> None:
    missing = [c.value for c in capabilities if not adapter.supports(c)]
    if missing:
        pytest.skip(f"adapter {adapter.name!r} (instance {adapter.instance!r}) does not have "
                    f"{', '.join(missing)}")


def _submit(adapter: Adapter, order: FulfilmentOrder) -> SubmitResult:
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


class AdapterContract:
    """The contract suite. Subclass it (name starting with ``Test``) and provide the fixtures
    ``adapter`` and ``warehouse``.

    ``consumes_shipments``: True when acknowledging a pull removes its shipments from the
    source (files moved away), so a later fetch no longer returns them; False for cursor
    sources, which may return them again with the same keys (the engine dedupes).
    """

    consumes_shipments: ClassVar[bool] = True

    @pytest.fixture
    def adapter(self) -> Adapter[Any]:
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
        """A fresh three-line order with a reference and number unique across runs."""
        tag = uuid.uuid4().hex[:10]
        return make_fulfilment_order(3, id=f"contract-{tag}", number=f"CT{tag}")

    # --- declaration ------------------------------------------------------------------------

    def test_adapter_class_is_valid(self, adapter: Adapter) -> None:
        validate_adapter_class(type(adapter))

    def test_undeclared_capabilities_are_refused(
        self, adapter: Adapter, order: FulfilmentOrder
    ) -> None:
        calls: dict[Capability, Any] = {
            Capability.SUBMIT_ORDERS: lambda: adapter.submit_order(order),
            Capability.UPDATE_ORDERS: lambda: adapter.update_order(order, None),
            Capability.CANCEL_ORDERS: lambda: adapter.cancel_order(order, None, None),
            Capability.PULL_SHIPMENTS: lambda: adapter.fetch_shipments(None),
            Capability.STOCK_LEVELS: lambda: list(adapter.fetch_stock()),
            Capability.INVOICES: lambda: adapter.receive_invoice(InvoiceDocument(
                invoice_id="contract-invoice", order_ref=order.reference)),
            Capability.CUSTOMERS: lambda: adapter.receive_customers([]),
            Capability.DELIVERY_DATES: lambda: adapter.expected_delivery(
                order.reference, order.number, None),
        }
        undeclared = [c for c in calls if not adapter.supports(c)]
        if not undeclared:
            pytest.skip("the adapter declares every order, shipment and stock capability")
        for capability in undeclared:
            with pytest.raises(UnsupportedCapabilityError):
                calls[capability]()

    # --- orders -------------------------------------------------------------------------------

    def test_submit_creates_one_order(
        self, adapter: Adapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        _need(adapter, Capability.SUBMIT_ORDERS)
        result = adapter.submit_order(order)
        assert isinstance(result, SubmitResult)
        assert result.external_id is None or result.external_id.strip()
        assert not result.already_existed
        assert warehouse.orders_received(order.reference) == 1
        assert warehouse.latest_revision(order.reference) == 1

    def test_submit_twice_is_idempotent(
        self, adapter: Adapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        _need(adapter, Capability.SUBMIT_ORDERS)
        first = _submit(adapter, order)
        second = _submit(adapter, order)
        assert warehouse.orders_received(order.reference) == 1
        if first.external_id and second.external_id:
            assert second.external_id == first.external_id

    def test_update_sends_the_new_revision(
        self, adapter: Adapter, warehouse: WarehouseProbe, order: FulfilmentOrder
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
        self, adapter: Adapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        _need(adapter, Capability.SUBMIT_ORDERS, Capability.CANCEL_ORDERS)
        first = _submit(adapter, order)
        assert not warehouse.is_cancelled(order.reference)
        for _ in range(2):
            with contextlib.suppress(AlreadyDoneError):
                adapter.cancel_order(order, first.external_id, "cancelled by the retailer")
        assert warehouse.is_cancelled(order.reference)
        assert warehouse.orders_received(order.reference) == 1

    def test_only_oc_bridge_errors_escape(
        self, adapter: Adapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        _need(adapter, Capability.SUBMIT_ORDERS)
        no_sku = FulfilmentLine(line_ref="no-sku-line", name="Mystery item", quantity=1)
        odd = order.model_copy(update={"lines": (*order.lines, no_sku)})
        try:
            adapter.submit_order(odd)
        except OcBridgeError:
            assert warehouse.orders_received(order.reference) == 0
        except Exception as exc:  # the point of the test: nothing else may escape
            pytest.fail(f"submit_order raised {type(exc).__name__}, not an oc_bridge error")
        else:
            assert warehouse.orders_received(order.reference) == 1

    # --- shipments ---------------------------------------------------------------------------

    def _shipped_order(self, adapter: Adapter, order: FulfilmentOrder) -> None:
        _need(adapter, Capability.PULL_SHIPMENTS)
        if adapter.supports(Capability.SUBMIT_ORDERS):
            _submit(adapter, order)

    def test_nothing_shipped_nothing_fetched(
        self, adapter: Adapter, order: FulfilmentOrder
    ) -> None:
        self._shipped_order(adapter, order)
        pull = adapter.fetch_shipments(None)
        assert isinstance(pull, ShipmentPull)
        assert _mine(pull, order) == []

    def test_shipment_maps_back_to_lines(
        self, adapter: Adapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        self._shipped_order(adapter, order)
        warehouse.ship(order)
        pull = adapter.fetch_shipments(None)
        (shipment,) = _mine(pull, order)
        assert _shipped(shipment, order) == {ln.line_ref: ln.quantity for ln in order.lines}
        assert shipment.is_tracked and shipment.tracking_number == "TRACK1"
        assert shipment.carrier == "PostNL"
        again = adapter.fetch_shipments(None)  # not acknowledged: same shipment, same key
        assert [s.shipment_key for s in _mine(again, order)] == [shipment.shipment_key]

    def test_partial_and_split_shipments(
        self, adapter: Adapter, warehouse: WarehouseProbe, order: FulfilmentOrder
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
        self, adapter: Adapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
        self._shipped_order(adapter, order)
        warehouse.ship(order, tracking_number=None)
        (shipment,) = _mine(adapter.fetch_shipments(None), order)
        assert not shipment.is_tracked
        assert _shipped(shipment, order) == {ln.line_ref: ln.quantity for ln in order.lines}

    def test_acknowledged_shipments(
        self, adapter: Adapter, warehouse: WarehouseProbe, order: FulfilmentOrder
    ) -> None:
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

    # --- stock and housekeeping ----------------------------------------------------------------

    def test_stock_levels(self, adapter: Adapter, warehouse: WarehouseProbe) -> None:
        _need(adapter, Capability.STOCK_LEVELS)
        set_stock = getattr(warehouse, "set_stock", None)
        if set_stock is None:
            pytest.skip("the warehouse probe has no set_stock()")
        set_stock("CONTRACT-SKU-1", 7)
        levels = {level.sku: level.available for level in adapter.fetch_stock()}
        assert levels.get("CONTRACT-SKU-1") == 7

    def test_invoices_received_once(self, adapter: Adapter, warehouse: WarehouseProbe,
                                    order: FulfilmentOrder) -> None:
        _need(adapter, Capability.INVOICES)
        received = getattr(warehouse, "invoices_received", None)
        if received is None:
            pytest.skip("the warehouse probe has no invoices_received()")
        invoice = InvoiceDocument(
            invoice_id=f"inv-{order.reference}", order_ref=order.reference,
            order_number=order.number, number="INV-1", type="DIRECT_INVOICE", currency="EUR",
            subtotal=Decimal("10.00"), tax=Decimal("2.10"), total=Decimal("12.10"),
            pdf_url="https://example.invalid/inv.pdf")
        adapter.receive_invoice(invoice)
        adapter.receive_invoice(invoice)  # after a crash the engine may hand it again
        assert received(invoice.invoice_id) == 1

    def test_check_reports_a_healthy_adapter(self, adapter: Adapter) -> None:
        problems = adapter.check()
        assert isinstance(problems, list)
        assert all(isinstance(p, str) for p in problems)
        assert problems == [], f"the test adapter should be healthy: {problems}"

    def test_close_is_safe_twice(self, adapter: Adapter) -> None:
        adapter.close()
        adapter.close()
