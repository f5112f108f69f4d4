"""The one adapter boundary: how the engine, the daemon and the CLI call an adapter.

Every configured adapter instance is wrapped in one :class:`BoundAdapter`, and nothing in core
calls an adapter method any other way. The boundary:

- passes oc-bridge errors through unchanged (the caller knows what each one means: retry,
  park, success, stop);
- turns any *other* exception (``ValueError``, ``KeyError``, ``JSONDecodeError``, ``OSError``...,
  an adapter bug or an untranslated library error) into :class:`~oc_bridge.errors.AdapterFault`
  (a ``PermanentError`` naming the instance and the method), after logging the traceback on the
  instance's logger, so the caller fails or parks that one item of that one instance and goes
  on with the others;
- refuses a method of a capability the instance does not have
  (:class:`~oc_bridge.adapter.UnsupportedCapabilityError`, a bug in the caller);
- times every call (:attr:`BoundAdapter.stats`, and an optional observer such as the daemon's
  Prometheus histogram);
- calls one instance's methods one at a time (a re-entrant lock per instance) unless the
  adapter class declares ``thread_safe = True``: the daemon's workers and jobs run in
  parallel threads, and adapters are written for one caller at a time. The time spent waiting
  for the lock is not counted as the call's time.

Lazy results are consumed inside the boundary: ``fetch_stock`` returns a list, so an exception
raised while iterating is caught here too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from oc_bridge.adapter import (
    Adapter,
    AdapterConfig,
    AdapterContext,
    Capability,
    UnsupportedCapabilityError,
    submit_each,
)
from oc_bridge.canonical import (
    CancelOutcome,
    CustomerRecord,
    FulfilmentOrder,
    InvoiceDocument,
    ShipmentOutcome,
    ShipmentPull,
    StockLevel,
    SubmitResult,
)
from oc_bridge.errors import AdapterFault, OcBridgeError

__all__ = ["BoundAdapter", "CallObserver", "CallStats", "bind_adapters"]

_T = TypeVar("_T")

#: ``observer(instance, method, seconds, outcome)``; ``outcome`` is ``ok``, the name of the
#: oc-bridge error raised, or ``fault`` for a foreign exception.
CallObserver = Callable[[str, str, float, str], None]


@dataclass
class CallStats:
    """Calls of one adapter method: how many, how long in total, how many raised."""

    calls: int = 0
    seconds: float = 0.0
    errors: int = 0
    faults: int = 0


class BoundAdapter:
    """One configured adapter instance behind the boundary; see the module docstring.

    ``adapter`` is the instance itself (for plugin code that needs its own type, such as a
    webhook route); ``instance``, ``name``, ``config``, ``context`` and ``log`` are the
    adapter's.
    """

    def __init__(self, adapter: Adapter[Any], *, observer: CallObserver | None = None) -> None:
        self.adapter = adapter
        self.observer = observer
        self.stats: dict[str, CallStats] = {}
        self._lock = threading.Lock()
        # One caller at a time inside the adapter unless it says it copes with more.
        self._serial: threading.RLock | None = (
            None if getattr(type(adapter), "thread_safe", False) else threading.RLock())

    # --- what the instance is --------------------------------------------------------------

    @property
    def instance(self) -> str:
        """The configured instance name (``[adapters.<instance>]``)."""
        return self.adapter.instance

    @property
    def name(self) -> str:
        """The adapter type name."""
        return self.adapter.name

    @property
    def config(self) -> AdapterConfig:
        """The instance's validated configuration."""
        return self.adapter.config

    @property
    def context(self) -> AdapterContext:
        """What the host gave the instance."""
        return self.adapter.context

    @property
    def log(self) -> logging.Logger:
        """The instance's logger (``oc_bridge.adapter.<instance>``)."""
        return self.adapter.log

    @property
    def enabled_capabilities(self) -> frozenset[Capability]:
        """What this instance can do (``capabilities_for`` its config)."""
        return self.adapter.enabled_capabilities

    def supports(self, capability: Capability) -> bool:
        """True when this instance has ``capability``."""
        return capability in self.adapter.enabled_capabilities

    # --- the guarded call ------------------------------------------------------------------

    def call(self, method: str, function: Callable[..., _T], *args: Any,
             capability: Capability | None = None) -> _T:
        """Call ``function(*args)`` (adapter method ``method``) inside the boundary: timed,
        oc-bridge errors passed through, any other exception logged with its traceback and
        raised as :class:`AdapterFault`. With ``capability``, refuse the call when the instance
        lacks it."""
        if capability is not None and not self.supports(capability):
            raise UnsupportedCapabilityError(
                f"adapter {self.instance!r} ({self.name}) does not have {capability.value}; "
                f"{method} is not called")
        if self._serial is None:
            return self._timed(method, function, *args)
        with self._serial:
            return self._timed(method, function, *args)

    def _timed(self, method: str, function: Callable[..., _T], *args: Any) -> _T:
        outcome = "ok"
        started = time.perf_counter()
        try:
            return function(*args)
        except OcBridgeError as exc:
            outcome = type(exc).__name__
            raise
        except Exception as exc:
            outcome = "fault"
            self.log.error("adapter %s: %s raised %s", self.instance, method,
                           type(exc).__name__, exc_info=True)
            raise AdapterFault(self.instance, method, exc) from exc
        finally:
            self._record(method, time.perf_counter() - started, outcome)

    def _record(self, method: str, seconds: float, outcome: str) -> None:
        with self._lock:
            stats = self.stats.setdefault(method, CallStats())
            stats.calls += 1
            stats.seconds += seconds
            if outcome == "fault":
                stats.faults += 1
            elif outcome != "ok":
                stats.errors += 1
        if self.observer is not None:
            try:
                self.observer(self.instance, method, seconds, outcome)
            except Exception:  # metrics never break adapter calls
                logging.getLogger(__name__).exception("adapter call observer failed")

    # --- orders ----------------------------------------------------------------------------

    @property
    def submit_batch_size(self) -> int:
        """The adapter's batch size; 1 when it cannot say (its error is logged)."""
        try:
            size = self.call("submit_batch_size", lambda: self.adapter.submit_batch_size)
        except OcBridgeError:
            return 1
        return size if isinstance(size, int) and size >= 1 else 1

    def submit_order(self, order: FulfilmentOrder) -> SubmitResult:
        """:meth:`Adapter.submit_order` inside the boundary."""
        return self.call("submit_order", self.adapter.submit_order, order,
                         capability=Capability.SUBMIT_ORDERS)

    def submit_orders(
        self, orders: Sequence[FulfilmentOrder]
    ) -> dict[str, SubmitResult | OcBridgeError]:
        """:meth:`Adapter.submit_orders` inside the boundary. An adapter without a batch method
        of its own gets one :meth:`submit_order` call per order, each inside the boundary, so
        one order's fault is that order's alone."""
        if type(self.adapter).submit_orders is Adapter.submit_orders:
            return submit_each(orders, self.submit_order)
        return dict(self.call("submit_orders", self.adapter.submit_orders, orders,
                              capability=Capability.SUBMIT_ORDERS))

    def update_order(self, order: FulfilmentOrder, external_id: str | None) -> SubmitResult:
        """:meth:`Adapter.update_order` inside the boundary."""
        return self.call("update_order", self.adapter.update_order, order, external_id,
                         capability=Capability.UPDATE_ORDERS)

    def cancel_order(self, order: FulfilmentOrder, external_id: str | None,
                     reason: str | None) -> CancelOutcome:
        """:meth:`Adapter.cancel_order` inside the boundary, always as a
        :class:`~oc_bridge.canonical.CancelOutcome`: ``None`` (the contract before outcomes)
        is accepted; anything else that is not an outcome is an adapter fault."""
        def cancel() -> CancelOutcome:
            outcome = self.adapter.cancel_order(order, external_id, reason)
            if outcome is None:
                return CancelOutcome.accepted()
            if not isinstance(outcome, CancelOutcome):
                raise TypeError(f"cancel_order returned {type(outcome).__name__}, not a "
                                "CancelOutcome or None")
            return outcome

        return self.call("cancel_order", cancel, capability=Capability.CANCEL_ORDERS)

    # --- shipments -------------------------------------------------------------------------

    def fetch_shipments(self, cursor: str | None) -> ShipmentPull:
        """:meth:`Adapter.fetch_shipments` inside the boundary."""
        return self.call("fetch_shipments", self.adapter.fetch_shipments, cursor,
                         capability=Capability.PULL_SHIPMENTS)

    def acknowledge_shipments(self, pull: ShipmentPull,
                              outcomes: Sequence[ShipmentOutcome]) -> None:
        """:meth:`Adapter.acknowledge_shipments` inside the boundary."""
        self.call("acknowledge_shipments", self.adapter.acknowledge_shipments, pull, outcomes)

    # --- stock, invoices, customers, delivery dates ------------------------------------------

    def fetch_stock(self) -> list[StockLevel]:
        """:meth:`Adapter.fetch_stock` inside the boundary, consumed into a list."""
        return self.call("fetch_stock", lambda: list(self.adapter.fetch_stock()),
                         capability=Capability.STOCK_LEVELS)

    def receive_invoice(self, invoice: InvoiceDocument) -> None:
        """:meth:`Adapter.receive_invoice` inside the boundary."""
        self.call("receive_invoice", self.adapter.receive_invoice, invoice,
                  capability=Capability.INVOICES)

    def receive_customers(self, customers: Iterable[CustomerRecord]) -> None:
        """:meth:`Adapter.receive_customers` inside the boundary (an exception raised by the
        iterable itself, our side, is an adapter fault too: the adapter consumes it)."""
        self.call("receive_customers", self.adapter.receive_customers, customers,
                  capability=Capability.CUSTOMERS)

    def expected_delivery(self, reference: str, number: str,
                          external_id: str | None) -> date | datetime | None:
        """:meth:`Adapter.expected_delivery` inside the boundary."""
        return self.call("expected_delivery", self.adapter.expected_delivery, reference, number,
                         external_id, capability=Capability.DELIVERY_DATES)

    # --- housekeeping ----------------------------------------------------------------------

    def check(self) -> list[str]:
        """:meth:`Adapter.check`; any error (also an oc-bridge one) becomes one problem."""
        try:
            problems = self.call("check", self.adapter.check)
        except OcBridgeError as exc:
            return [str(exc)]
        return [str(p) for p in problems]

    def close(self) -> None:
        """:meth:`Adapter.close`; never raises (a failure is logged)."""
        try:
            self.call("close", self.adapter.close)
        except OcBridgeError as exc:
            self.log.warning("closing adapter %s failed: %s", self.instance, exc)


def bind_adapters(adapters: Mapping[str, Adapter[Any] | BoundAdapter], *,
                  observer: CallObserver | None = None) -> dict[str, BoundAdapter]:
    """One :class:`BoundAdapter` per instance, in order; already bound ones are kept as
    they are."""
    return {name: adapter if isinstance(adapter, BoundAdapter)
            else BoundAdapter(adapter, observer=observer)
            for name, adapter in adapters.items()}
