"""The ledger's records and states: plain frozen dataclasses, the same for every backend.

States and their transitions (each arrow is one transaction, the intent recorded *before* the
side effect and the outcome *after* it):

- exports, per (adapter instance, order id)::

      (none) -> submitting -> exported -> updating -> exported -> cancelling -> cancelled
      any in-flight state -> failed (transient, retried next run) -> parked (after max attempts)
      any state -> parked (permanent problem, waits for a human)

- shipments, per (adapter instance, shipment key)::

      (none) -> received -> creating -> created -> shipping -> shipped
      received|creating|created|shipping -> failed (transient) -> parked (after max attempts)
      any state but shipped -> parked (permanent problem)

``received`` records the report itself before Orderchamp is asked anything, so a report that
an adapter handed over is never lost even if the adapter forgets it afterwards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ActivityEntry",
    "Claim",
    "ExportOperation",
    "ExportRecord",
    "ExportState",
    "OrderSeen",
    "ParkedItem",
    "ParkedKind",
    "ShipmentRecord",
    "ShipmentState",
    "StoreCounts",
]


class ExportState(StrEnum):
    """Where an order stands with one adapter instance."""

    SUBMITTING = "submitting"
    EXPORTED = "exported"
    UPDATING = "updating"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    PARKED = "parked"
    FAILED = "failed"


class ExportOperation(StrEnum):
    """The operation an export row's current state belongs to (what failed, what is parked)."""

    SUBMIT = "submit"
    UPDATE = "update"
    CANCEL = "cancel"


#: Export states that mean "a step was started and has not finished": resumed on the next run.
UNFINISHED_EXPORT_STATES = (
    ExportState.SUBMITTING, ExportState.UPDATING, ExportState.CANCELLING, ExportState.FAILED,
)


class ShipmentState(StrEnum):
    """Where a reported shipment stands in Orderchamp."""

    RECEIVED = "received"
    CREATING = "creating"
    CREATED = "created"
    SHIPPING = "shipping"
    SHIPPED = "shipped"
    PARKED = "parked"
    FAILED = "failed"


#: Shipment states that are resumed on the next run.
UNFINISHED_SHIPMENT_STATES = (
    ShipmentState.RECEIVED, ShipmentState.CREATING, ShipmentState.CREATED,
    ShipmentState.SHIPPING, ShipmentState.FAILED,
)


class ParkedKind(StrEnum):
    """What a parked item is about."""

    ORDER = "order"
    SHIPMENT = "shipment"
    INBOUND = "inbound"


@dataclass(frozen=True)
class OrderSeen:
    """An Orderchamp order as the bridge last saw it."""

    order_id: str
    number: str
    status: str | None
    updated_at: str | None
    digest: str
    is_confirmed: bool
    is_cancelled: bool
    seen_at: str = ""


@dataclass(frozen=True)
class ExportRecord:
    """One order at one adapter instance.

    ``revision``/``digest``/``fingerprint``/``external_id`` describe what the back end is known
    to hold (None before the first successful export). ``pending_*`` describe a step that was
    started (intent recorded) and may or may not have reached the back end.
    """

    instance: str
    order_id: str
    order_number: str
    state: ExportState
    operation: ExportOperation
    revision: int | None
    digest: str | None
    fingerprint: str | None
    pending_revision: int | None
    pending_digest: str | None
    pending_fingerprint: str | None
    external_id: str | None
    attempts: int
    last_error: str | None
    created_at: str
    updated_at: str

    @property
    def maybe_in_backend(self) -> bool:
        """True when the back end holds (or may hold) this order: something was sent."""
        return self.revision is not None or self.pending_revision is not None \
            or self.external_id is not None


@dataclass(frozen=True)
class ShipmentRecord:
    """One reported parcel at one adapter instance and its Orderchamp shipment.

    ``lines`` are the resolved ``(order line id, quantity)`` pairs recorded with the create
    intent (empty before); ``oc_shipment_id`` is set once the create step's outcome is known.
    """

    instance: str
    shipment_key: str
    order_id: str | None
    order_number: str | None
    state: ShipmentState
    report_json: str
    lines: tuple[tuple[str, int], ...]
    oc_shipment_id: str | None
    attempts: int
    last_error: str | None
    created_at: str
    updated_at: str
    create_intent_at: str | None
    create_done_at: str | None
    ship_intent_at: str | None
    ship_done_at: str | None

    @property
    def create_started(self) -> bool:
        """True once the create intent was recorded (a shipment may exist in Orderchamp)."""
        return self.create_intent_at is not None


@dataclass(frozen=True)
class ParkedItem:
    """Something the bridge could not handle, waiting for a human."""

    id: int
    kind: ParkedKind
    reference: str
    instance: str | None
    order_number: str | None
    reason: str
    payload: str | None
    created_at: str
    updated_at: str
    resolved_at: str | None
    resolution: str | None

    def payload_data(self) -> object:
        """The payload decoded from JSON (None when there is none)."""
        return json.loads(self.payload) if self.payload else None


@dataclass(frozen=True)
class ActivityEntry:
    """One state change or operator action (``oc-bridge status``, ``orders history``).

    ``actor`` is None for the bridge's own steps and names who acted for an operator's
    action: ``cli:<OS user>``, ``console:<user>``.
    """

    id: int
    at: str
    kind: str
    reference: str
    order_number: str | None
    instance: str | None
    state: str
    message: str | None
    actor: str | None = None


@dataclass(frozen=True)
class StoreCounts:
    """Counts per state, for ``oc-bridge status``."""

    exports: dict[str, int]
    shipments: dict[str, int]
    parked_open: int
    parked_resolved: int
    orders_seen: int


@dataclass(frozen=True)
class Claim:
    """A named claim (a step with an outside side effect, or a job) held by one process until
    ``expires_at`` unless renewed. ``owner`` is ``host:pid:random``; ``takeovers`` counts how
    often the claim was taken from a holder whose lease expired or whose process died."""

    name: str
    owner: str
    claimed_at: str
    expires_at: str
    takeovers: int
