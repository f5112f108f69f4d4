"""The abstract fulfilment interface every adapter implements.

An adapter is a class with a unique ``name`` (its type), a strict pydantic ``Config`` model and
declared ``capabilities``. Plugins register adapter *classes* through the
``oc_bridge_register_adapters`` hook; the engine builds one instance per configured
``[adapters.<instance>]`` table and calls its methods directly (hooks never dispatch work).

Contract (checked by :mod:`oc_bridge.testing`):

- ``submit_order`` is idempotent on ``order.reference`` and ``order.revision``: calling it again
  for the same order and revision (after a crash or an ambiguous failure) must not create a
  second order in the back end. It either returns the existing id or raises
  :class:`~oc_bridge.errors.AlreadyDoneError`.
- Methods raise only :mod:`oc_bridge.errors` exceptions: ``TransientError`` (the engine retries
  later), ``PermanentError`` (the engine parks the order with the message), ``AlreadyDoneError``
  (treated as success), ``ConfigurationError`` (stop and tell the operator). Library exceptions
  are translated at the adapter boundary, chained with ``raise ... from exc``. Anything else
  that escapes is turned into :class:`~oc_bridge.errors.AdapterFault` (parked or failed for
  that instance only) by :class:`~oc_bridge.boundary.BoundAdapter`, through which core makes
  every call.
- A method for a capability the instance does not have is never called by the engine.
- Threads: the daemon runs several orders at once (``daemon.workers`` threads, plus scheduled
  jobs). Unless the class sets ``thread_safe = True``, the boundary calls one instance's
  methods one at a time (a lock per instance), so an adapter needs no locking of its own. Set
  it only when every method may run concurrently with any other on the same instance.

Typing: ``Adapter`` is generic in its config model: ``class AcmeAdapter(Adapter[AcmeConfig])``
with ``Config = AcmeConfig`` gives ``self.config`` the type ``AcmeConfig`` without a cast.

Capabilities: the class attribute ``capabilities`` lists everything the adapter type can do (and
each one's method must be overridden, checked when the class is registered);
:meth:`Adapter.capabilities_for` says what one configured instance can do (default: the class
attribute), a subset checked when the instance is built. ``adapter.supports(capability)``
answers for the instance.
"""

from __future__ import annotations

import logging
from abc import ABC
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

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
from oc_bridge.errors import (
    AlreadyDoneError,
    OcBridgeError,
    PermanentError,
    SettingProblem,
    SettingsError,
    TransientError,
)

__all__ = [
    "CAPABILITY_METHODS",
    "Adapter",
    "AdapterConfig",
    "AdapterContext",
    "Capability",
    "ConfigT",
    "UnsupportedCapabilityError",
    "submit_each",
]


class Capability(StrEnum):
    """What an adapter can do. The engine only calls methods of declared capabilities."""

    SUBMIT_ORDERS = "submit_orders"
    UPDATE_ORDERS = "update_orders"
    CANCEL_ORDERS = "cancel_orders"
    PULL_SHIPMENTS = "pull_shipments"
    STOCK_LEVELS = "stock_levels"
    INVOICES = "invoices"
    CUSTOMERS = "customers"
    DELIVERY_DATES = "delivery_dates"


#: The method an adapter must override for each capability it declares.
CAPABILITY_METHODS: Mapping[Capability, str] = {
    Capability.SUBMIT_ORDERS: "submit_order",
    Capability.UPDATE_ORDERS: "update_order",
    Capability.CANCEL_ORDERS: "cancel_order",
    Capability.PULL_SHIPMENTS: "fetch_shipments",
    Capability.STOCK_LEVELS: "fetch_stock",
    Capability.INVOICES: "receive_invoice",
    Capability.CUSTOMERS: "receive_customers",
    Capability.DELIVERY_DATES: "expected_delivery",
}


def submit_each(
    orders: Sequence[FulfilmentOrder], submit: Callable[[FulfilmentOrder], SubmitResult]
) -> dict[str, SubmitResult | OcBridgeError]:
    """``submit`` each order on its own: its result, or the ``TransientError`` /
    ``PermanentError`` it alone met, per reference (an ``AlreadyDoneError`` counts as success).
    The default of :meth:`Adapter.submit_orders`."""
    results: dict[str, SubmitResult | OcBridgeError] = {}
    for order in orders:
        try:
            results[order.reference] = submit(order)
        except AlreadyDoneError as exc:
            results[order.reference] = SubmitResult(external_id=exc.external_id,
                                                    already_existed=True)
        except (TransientError, PermanentError) as exc:
            results[order.reference] = exc
    return results


class UnsupportedCapabilityError(NotImplementedError):
    """An adapter method was called for a capability the adapter does not declare (a bug in
    the caller: the engine checks ``capabilities`` first)."""


class AdapterConfig(BaseModel):
    """Base of every adapter's configuration model: strict (unknown keys are errors), frozen.

    Subclasses add their own fields; secrets must be ``SecretStr``. ``type`` and ``enabled`` are
    accepted here because they sit in the same ``[adapters.<instance>]`` table.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class AdapterContext:
    """What the host gives an adapter instance besides its config.

    ``instance`` is the configured table name (``csv``, ``csv_eu``); ``state_dir`` is a folder
    the adapter may use for its own bookkeeping; ``settings`` is the global settings object.
    """

    instance: str
    state_dir: Path
    settings: Any = None
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("oc_bridge.adapter"))


#: The configuration model of an adapter class (``Adapter[AcmeConfig]``).
ConfigT = TypeVar("ConfigT", bound=AdapterConfig)


class Adapter(ABC, Generic[ConfigT]):
    """Base class of fulfilment adapters, generic in the configuration model. See the module
    docstring for the contract.

    ``config`` is the validated ``[adapters.<instance>]`` table (of the adapter's own type),
    ``context`` what the host provides, ``log`` the instance's logger and
    ``enabled_capabilities`` what :meth:`capabilities_for` gave for this instance.
    """

    #: The adapter type name, unique across all plugins (``csv``, ``shipstation``, ``rest``).
    name: ClassVar[str]
    #: The strict configuration model of this adapter (the class given as ``ConfigT``).
    Config: ClassVar[type[AdapterConfig]] = AdapterConfig
    #: Everything this adapter type can do; each capability's method must be overridden.
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    #: True when the methods of one instance may be called from several threads at once; by
    #: default the boundary serialises them (see the module docstring).
    thread_safe: ClassVar[bool] = False

    def __init__(self, config: ConfigT, context: AdapterContext) -> None:
        self.config: ConfigT = config
        self.context = context
        self.log = context.logger
        self.enabled_capabilities: frozenset[Capability] = type(self).capabilities_for(config)

    # --- construction ---------------------------------------------------------------------

    @classmethod
    def parse_config(cls, instance: str, options: Mapping[str, Any]) -> AdapterConfig:
        """Validate one ``[adapters.<instance>]`` table with this adapter's model, reporting
        every problem at once with its full key path (``adapters.csv.delimiter``)."""
        try:
            return cls.Config.model_validate(dict(options))
        except ValidationError as exc:
            problems = []
            for error in exc.errors(include_url=False):
                loc = ".".join(str(p) for p in error["loc"])
                key = f"adapters.{instance}" + (f".{loc}" if loc else "")
                message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
                problems.append(SettingProblem(key, message))
            raise SettingsError(problems) from exc

    @classmethod
    def capabilities_for(cls, config: ConfigT) -> frozenset[Capability]:
        """What an instance configured with ``config`` can do: a subset of ``capabilities``
        (checked when the instance is built). Default: every declared capability. Override
        when a capability depends on configuration (stock only when a stock folder is set)."""
        return cls.capabilities

    def supports(self, capability: Capability) -> bool:
        """True when this configured instance has ``capability``."""
        return capability in self.enabled_capabilities

    @property
    def instance(self) -> str:
        """The configured instance name."""
        return self.context.instance

    # --- orders ---------------------------------------------------------------------------

    def submit_order(self, order: FulfilmentOrder) -> SubmitResult:
        """Hand a new order to the back end; idempotent on ``(reference, revision)``."""
        raise UnsupportedCapabilityError(f"{self.name} cannot submit orders")

    @property
    def submit_batch_size(self) -> int:
        """How many new orders the engine hands to :meth:`submit_orders` at once. 1 (the
        default) means one :meth:`submit_order` call per order; a back end with a batch
        endpoint (ShipStation's ``createorders``) returns its batch size here."""
        return 1

    def submit_orders(
        self, orders: Sequence[FulfilmentOrder]
    ) -> dict[str, SubmitResult | OcBridgeError]:
        """Submit several new orders; the result per ``order.reference`` is its SubmitResult or
        the error that order alone met (an AlreadyDoneError counts as success). An error that
        concerns the whole call (bad credentials) is raised instead. Same idempotency as
        :meth:`submit_order`. Default: one :meth:`submit_order` call per order."""
        return submit_each(orders, self.submit_order)

    def update_order(self, order: FulfilmentOrder, external_id: str | None) -> SubmitResult:
        """Replace an already submitted order with this newer revision."""
        raise UnsupportedCapabilityError(f"{self.name} cannot update orders")

    def cancel_order(
        self, order: FulfilmentOrder, external_id: str | None, reason: str | None
    ) -> CancelOutcome | None:
        """Ask the back end to cancel the order; idempotent (an order already cancelled or
        gone there is :meth:`CancelOutcome.accepted`).

        Return what the back end did: :meth:`CancelOutcome.accepted`,
        :meth:`CancelOutcome.rejected` with its reason when it is too late (already picked,
        packed or shipped), or :meth:`CancelOutcome.unsupported` when this order cannot be
        cancelled there at all. Rejected and unsupported are parked for a human with the
        reason. ``None`` means accepted (adapters written before outcomes existed). Raise
        ``TransientError`` when the answer is unknown (retried) and ``PermanentError`` for
        anything else that is not the back end's answer about the cancellation."""
        raise UnsupportedCapabilityError(f"{self.name} cannot cancel orders")

    # --- shipments ------------------------------------------------------------------------

    def fetch_shipments(self, cursor: str | None) -> ShipmentPull:
        """Shipments made since ``cursor`` (None: from the beginning of what the back end
        keeps). Returns the shipments, anything unreadable, and the cursor to save once the
        engine has recorded them. Must not change anything in the back end."""
        raise UnsupportedCapabilityError(f"{self.name} cannot pull shipments")

    def acknowledge_shipments(
        self, pull: ShipmentPull, outcomes: Sequence[ShipmentOutcome]
    ) -> None:
        """Called after the engine recorded a pull: ``outcomes`` says, per shipment, whether it
        was reported to Orderchamp (or already had been) or rejected and why, and every entry of
        ``pull.problems`` has been parked. A rejected shipment must be kept as rejected for a
        human (never filed as done), and unreadable input set aside so it is not read again;
        a shipment without an outcome stays for the next pull; outcomes for unknown keys are
        ignored. The CSV adapter moves files to ``processed/`` or ``failed/`` here (see
        ``docs/plugins.md``). Default: nothing to do (a cursor source)."""
        return None

    # --- stock ----------------------------------------------------------------------------

    def fetch_stock(self) -> Iterable[StockLevel]:
        """Current available stock per SKU."""
        raise UnsupportedCapabilityError(f"{self.name} cannot report stock")

    # --- invoices, customers and delivery dates -------------------------------------------

    def receive_invoice(self, invoice: InvoiceDocument) -> None:
        """Take one Orderchamp invoice (``INVOICES``). The engine hands each invoice to each
        instance once, but after a crash it may hand it again: must be idempotent on
        ``invoice.invoice_id``."""
        raise UnsupportedCapabilityError(f"{self.name} cannot receive invoices")

    def receive_customers(self, customers: Iterable[CustomerRecord]) -> None:
        """Take Orderchamp customers (``CUSTOMERS``), streamed: consume the iterable once,
        without holding all of it. Must be idempotent on ``customer_ref`` (upsert)."""
        raise UnsupportedCapabilityError(f"{self.name} cannot receive customers")

    def expected_delivery(
        self, reference: str, number: str, external_id: str | None
    ) -> date | datetime | None:
        """The date the back end now expects the order (Orderchamp id ``reference``, number
        ``number``) to be delivered (``DELIVERY_DATES``), or None when it does not say. A
        ``date`` means that day; a ``datetime`` must be time-zone aware. Must not change
        anything."""
        raise UnsupportedCapabilityError(f"{self.name} cannot report delivery dates")

    # --- housekeeping ---------------------------------------------------------------------

    def check(self) -> list[str]:
        """Problems that would stop this adapter from working (for ``doctor``); empty is
        healthy. Must not change anything."""
        return []

    def close(self) -> None:
        """Release connections and files."""
