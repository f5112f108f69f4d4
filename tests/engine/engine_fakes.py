"""A fake adapter and fake hooks that record what the engine did (engine tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from oc_bridge.adapter import Adapter, AdapterConfig, AdapterContext, Capability
from oc_bridge.canonical import (
    CancelOutcome,
    FulfilmentOrder,
    InboundProblem,
    InvoiceDocument,
    ShipmentOutcome,
    ShipmentPull,
    ShipmentReport,
    SubmitResult,
)
from oc_bridge.mapping import map_order
from oc_bridge.models import Order
from oc_bridge.settings import Settings

ALL = frozenset(Capability)


class FakeAdapter(Adapter):
    """Records every call; ``fail`` maps a method name to a list of exceptions raised in turn;
    ``reports``/``problems`` are what the next ``fetch_shipments`` returns."""

    name: ClassVar[str] = "fake"

    def __init__(self, instance: str = "wh", capabilities: frozenset[Capability] = ALL) -> None:
        super().__init__(AdapterConfig(), AdapterContext(instance=instance, state_dir=Path(".")))
        self.enabled_capabilities = capabilities
        self.calls: list[tuple[str, Any]] = []
        self.fail: dict[str, list[Exception]] = {}
        self.invoices_received: list[InvoiceDocument] = []
        self.delivery_dates: dict[str, date | datetime] = {}
        self.reports: list[ShipmentReport] = []
        self.problems: list[InboundProblem] = []
        self.incomplete: str | None = None
        self.acknowledged: list[list[ShipmentOutcome]] = []
        #: What the next ``cancel_order`` calls return, in turn (None once empty: accepted,
        #: as an adapter written before outcomes existed answers).
        self.cancel_outcomes: list[Any] = []

    def _maybe_fail(self, method: str) -> None:
        queue = self.fail.get(method)
        if queue:
            raise queue.pop(0)

    def submit_order(self, order: FulfilmentOrder) -> SubmitResult:
        self.calls.append(("submit", order))
        self._maybe_fail("submit")
        return SubmitResult(external_id=f"ext-{order.number}-r{order.revision}")

    def update_order(self, order: FulfilmentOrder, external_id: str | None) -> SubmitResult:
        self.calls.append(("update", order))
        self._maybe_fail("update")
        return SubmitResult(external_id=f"ext-{order.number}-r{order.revision}")

    def cancel_order(self, order: FulfilmentOrder, external_id: str | None,
                     reason: str | None) -> CancelOutcome | None:
        self.calls.append(("cancel", order))
        self._maybe_fail("cancel")
        return self.cancel_outcomes.pop(0) if self.cancel_outcomes else None

    def fetch_shipments(self, cursor: str | None) -> ShipmentPull:
        self.calls.append(("fetch", cursor))
        self._maybe_fail("fetch")
        pull = ShipmentPull(shipments=list(self.reports), problems=list(self.problems),
                            cursor=f"c{len(self.calls)}", incomplete=self.incomplete)
        self.reports, self.problems, self.incomplete = [], [], None
        return pull

    def acknowledge_shipments(self, pull: ShipmentPull,
                              outcomes: Sequence[ShipmentOutcome]) -> None:
        self.calls.append(("ack", list(outcomes)))
        self.acknowledged.append(list(outcomes))

    def receive_invoice(self, invoice: InvoiceDocument) -> None:
        self.invoices_received.append(invoice)

    def expected_delivery(self, reference: str, number: str,
                          external_id: str | None) -> date | datetime | None:
        return self.delivery_dates.get(reference)

    def submitted(self, kind: str = "submit") -> list[FulfilmentOrder]:
        return [order for name, order in self.calls if name == kind]


class FakeHooks:
    """The built-in mapping, routing to every instance (or ``route``), recorded observers."""

    def __init__(self) -> None:
        self.exported: list[tuple[str, str, int, str | None]] = []
        self.reported: list[tuple[str, str, str]] = []
        self.parked: list[tuple[str, str, str | None, str]] = []
        self.route: Callable[[Order, Sequence[str]], list[str]] | None = None
        self.map_error: Exception | None = None

    def map_order(self, order: Order, *, instance: str, revision: int) -> FulfilmentOrder:
        if self.map_error is not None:
            raise self.map_error
        return map_order(order, revision=revision)

    def route_order(self, order: Order, instances: Sequence[str],
                    settings: Settings) -> list[str]:
        return self.route(order, instances) if self.route else list(instances)

    def notify_order_exported(self, *, instance: str, order: FulfilmentOrder,
                              external_id: str | None) -> None:
        self.exported.append((instance, order.number, order.revision, external_id))

    def notify_shipment_reported(self, *, instance: str, shipment: ShipmentReport,
                                 shipment_id: str) -> None:
        self.reported.append((instance, shipment.shipment_key, shipment_id))

    def notify_order_parked(self, *, kind: str, reference: str, instance: str | None,
                            reason: str) -> None:
        self.parked.append((kind, reference, instance, reason))


class FlakyClient:
    """Wraps a real client: counts calls and raises scripted errors. ``fail[name]`` holds
    ``(exception, perform_first)`` pairs: with ``perform_first`` the real call happens before
    the error (a mutation that took effect but whose answer was lost)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: dict[str, int] = {}
        self.fail: dict[str, list[tuple[Exception, bool]]] = {}

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            queue = self.fail.get(name)
            if queue:
                exc, perform_first = queue.pop(0)
                if perform_first:
                    real(*args, **kwargs)
                raise exc
            return real(*args, **kwargs)

        return call
