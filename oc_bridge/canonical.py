"""The canonical fulfilment model: what every adapter receives and reports back.

Adapters never see Orderchamp's raw objects. The engine maps an Orderchamp order onto a
:class:`FulfilmentOrder` (through the ``oc_bridge_map_order`` hook) and receives
:class:`ShipmentReport` and :class:`StockLevel` objects from adapters. Everything here is frozen
and validated; money is ``Decimal``, datetimes are timezone-aware.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from oc_bridge.orderchamp.enums import normalise_shipment_method

__all__ = [
    "CancelOutcome",
    "CancelStatus",
    "CustomerRecord",
    "FulfilmentAddress",
    "FulfilmentLine",
    "FulfilmentOrder",
    "InboundProblem",
    "InvoiceDocument",
    "ShipmentOutcome",
    "ShipmentPull",
    "ShipmentReport",
    "ShippedLine",
    "StockLevel",
    "SubmitResult",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FulfilmentAddress(_Frozen):
    """A ship-to or bill-to address; house number and its addition are kept separate
    (Dutch warehouses have fields for both; adapters that want one street line join them)."""

    company: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    street: str | None = None
    house_number: str | None = None
    house_number_addition: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    phone: str | None = None
    email: str | None = None

    @property
    def contact_name(self) -> str:
        """First and last name joined, or empty."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def street_line(self) -> str:
        """Street, house number and addition on one line (``Keizersgracht 12 A``)."""
        return " ".join(
            p for p in (self.street, self.house_number, self.house_number_addition) if p
        )


class FulfilmentLine(_Frozen):
    """One order line as a warehouse needs it. ``line_ref`` is the Orderchamp order-product id
    and is how shipped lines map back."""

    line_ref: str
    sku: str | None = None
    barcode: str | None = None
    name: str | None = None
    quantity: int = Field(ge=0)
    unit_price: Decimal | None = None
    currency: str | None = None


class FulfilmentOrder(_Frozen):
    """An order as handed to an adapter.

    ``reference`` is our stable external reference (the Orderchamp order id): adapters make
    submission idempotent on it. ``revision`` starts at 1 and grows with every change the engine
    sends (an update after the first export).
    """

    reference: str
    number: str
    revision: int = Field(1, ge=1)
    order_date: datetime | None = None
    retailer_reference: str | None = None
    notes: str | None = None
    requested_delivery_date: date | None = None
    shipping_method: str | None = None
    is_b2b: bool = True
    currency: str | None = None
    total_price: Decimal | None = None
    email: str | None = None
    phone: str | None = None
    vat_number: str | None = None
    ship_to: FulfilmentAddress = Field(default_factory=FulfilmentAddress)
    bill_to: FulfilmentAddress = Field(default_factory=FulfilmentAddress)
    lines: tuple[FulfilmentLine, ...] = ()
    extra: Mapping[str, Any] = Field(
        default_factory=dict, description="Free-form values a site plugin adds for its adapter."
    )

    def content_digest(self) -> str:
        """A digest of everything a warehouse sees, excluding ``revision``: equal digests mean
        nothing the adapter cares about has changed."""
        payload = self.model_dump(mode="json", exclude={"revision"})
        raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class SubmitResult(_Frozen):
    """What an adapter returns after a submit or update: the back end's id for the order."""

    external_id: str | None = None
    already_existed: bool = False


class CancelStatus(StrEnum):
    """What a back end did with a cancellation request."""

    #: The back end cancelled the order (or it was already cancelled or gone).
    ACCEPTED = "accepted"
    #: Too late: the back end refused, typically because the order is already picked, packed
    #: or shipped. ``reason`` says why, in the back end's words where it gave any.
    REJECTED = "rejected"
    #: The back end has no way to cancel this order (no cancel request, a file drop nobody
    #: reads cancellations from); a human must cancel it there.
    UNSUPPORTED = "unsupported"


class CancelOutcome(_Frozen):
    """What :meth:`~oc_bridge.adapter.Adapter.cancel_order` returns.

    ``accepted`` is recorded as cancelled; ``rejected`` and ``unsupported`` are parked with
    ``reason`` for a human (and counted: an alert-worthy event). An adapter returning None
    means ``accepted`` (the contract before outcomes existed: "no error, the back end was
    told"). Raising an oc-bridge error still means what it always did (transient: retried,
    permanent: parked as a failure).
    """

    status: CancelStatus
    reason: str | None = None
    external_id: str | None = None

    @classmethod
    def accepted(cls, reason: str | None = None, *,
                 external_id: str | None = None) -> CancelOutcome:
        """The back end cancelled the order (``reason``: an optional note, e.g. "already
        cancelled")."""
        return cls(status=CancelStatus.ACCEPTED, reason=reason, external_id=external_id)

    @classmethod
    def rejected(cls, reason: str) -> CancelOutcome:
        """Too late: the back end refused (already picked or shipped), with its reason."""
        return cls(status=CancelStatus.REJECTED, reason=reason)

    @classmethod
    def unsupported(cls, reason: str) -> CancelOutcome:
        """The back end cannot cancel this order; a human must."""
        return cls(status=CancelStatus.UNSUPPORTED, reason=reason)

    @property
    def is_accepted(self) -> bool:
        """True for ``accepted``."""
        return self.status == CancelStatus.ACCEPTED


class ShippedLine(_Frozen):
    """A shipped line: by line reference (preferred) or SKU, and how many."""

    line_ref: str | None = None
    sku: str | None = None
    quantity: int

    @model_validator(mode="after")
    def _needs_a_key(self) -> ShippedLine:
        if not self.line_ref and not self.sku:
            raise ValueError("a shipped line needs a line reference or a SKU")
        return self


class ShipmentReport(_Frozen):
    """A shipment reported by an adapter, to be created and shipped in Orderchamp once.

    ``shipment_key`` is the adapter's stable dedupe key for this parcel (its shipment id, or a
    key derived from order and tracking number): the ledger never reports a key twice.
    ``order_ref`` is the Orderchamp order id when the adapter knows it; otherwise
    ``order_number`` identifies the order. An empty ``tracking_number`` means untracked.
    """

    shipment_key: str
    order_ref: str | None = None
    order_number: str | None = None
    shipped_at: datetime | None = None
    carrier: str | None = None
    service: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    estimated_transit_days: int | None = Field(None, ge=1)
    weight_grams: int | None = Field(None, ge=0, description="Parcel weight in grams.")
    method: str | None = Field(
        None, description="Orderchamp shipment method when the adapter says: SHIP_YOURSELF or "
        "ORDERCHAMP (case and -/space separators do not matter); None: the instance's or "
        "sync.shipment_method.")
    lines: tuple[ShippedLine, ...]
    source: str | None = Field(None, description="Where it came from, e.g. file name and rows.")

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else normalise_shipment_method(value)

    @model_validator(mode="after")
    def _identifies_order(self) -> ShipmentReport:
        if not self.order_ref and not self.order_number:
            raise ValueError("a shipment needs an order reference or an order number")
        if not self.lines:
            raise ValueError("a shipment needs at least one line")
        return self

    @property
    def is_tracked(self) -> bool:
        """True when the shipment carries a tracking number."""
        return bool(self.tracking_number and self.tracking_number.strip())


class InboundProblem(_Frozen):
    """Something an adapter could not read (a bad row, a bad file, one unreadable record):
    kept for a human as one parked item per distinct ``source``, with the order when the
    adapter could tell which (``order_reference``, ``order_number``)."""

    source: str
    message: str
    raw: Mapping[str, Any] | None = None
    order_reference: str | None = None
    order_number: str | None = None


class ShipmentPull(BaseModel):
    """The result of :meth:`Adapter.fetch_shipments`: shipments, unreadable input, new cursor.

    ``handle`` is opaque adapter data that comes back in :meth:`Adapter.acknowledge_shipments`
    (the CSV adapter keeps the files it read there).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    shipments: list[ShipmentReport] = Field(default_factory=list)
    problems: list[InboundProblem] = Field(default_factory=list)
    cursor: str | None = None
    handle: Any = None
    #: Why the read stopped early (e.g. page 3 failed), None when complete. What was read is
    #: still reported and ``cursor`` covers only that; the engine counts the pull as failed.
    incomplete: str | None = None


class ShipmentOutcome(_Frozen):
    """What the engine did with one reported shipment, told back to the adapter."""

    shipment_key: str
    ok: bool
    message: str = ""


class StockLevel(_Frozen):
    """Stock of one SKU in the warehouse. ``available`` is what Orderchamp should show."""

    sku: str
    available: int
    on_hand: int | None = None
    reserved: int | None = None
    warehouse: str | None = None
    as_of: datetime | None = None

    @field_validator("sku")
    @classmethod
    def _sku_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("SKU must not be blank")
        return value.strip()


def group_lines(lines: Sequence[ShippedLine]) -> dict[tuple[str | None, str | None], int]:
    """Sum quantities per (line_ref, sku); useful to compare two shipments' contents."""
    out: dict[tuple[str | None, str | None], int] = {}
    for line in lines:
        key = (line.line_ref, line.sku)
        out[key] = out.get(key, 0) + line.quantity
    return out


class InvoiceDocument(_Frozen):
    """An Orderchamp invoice as handed to adapters with ``INVOICES`` (an ERP, a folder).

    ``invoice_id`` is Orderchamp's id and the dedupe key: the engine hands each invoice to each
    adapter instance once. ``type`` is ``DIRECT_INVOICE``, ``SUPPLIER_INVOICE`` or
    ``COMMISSION_INVOICE``; ``pdf_url`` links to the PDF (it may expire; fetch it promptly).
    """

    invoice_id: str
    order_ref: str
    order_number: str | None = None
    number: str | None = None
    type: str | None = None
    created_at: datetime | None = None
    currency: str | None = None
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    total: Decimal | None = None
    pdf_url: str | None = None


class CustomerRecord(_Frozen):
    """An Orderchamp customer (retailer) as handed to adapters with ``CUSTOMERS`` and written by
    ``oc-bridge customers export``. ``customer_ref`` is Orderchamp's id."""

    customer_ref: str
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    vat_number: str | None = None
    locale: str | None = None
    channel: str | None = None
    address: FulfilmentAddress = Field(default_factory=FulfilmentAddress)
