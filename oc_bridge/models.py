"""Orderchamp's objects as oc-bridge reads them: typed, validated, Decimal money, aware datetimes.

These models mirror the GraphQL types (camelCase aliases on the wire, snake_case in Python). They
are what the Orderchamp client returns; fulfilment adapters never see them directly — the engine
maps them onto the canonical fulfilment model in :mod:`oc_bridge.canonical`.

Fields are optional wherever the schema allows null or an operation may not select them, so one
model serves both the light listing and the full order fetch.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AliasGenerator, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = [
    "Account",
    "Address",
    "Customer",
    "InventoryLevel",
    "Invoice",
    "Order",
    "OrderChange",
    "OrderProduct",
    "OrderStatus",
    "ProductVariant",
    "Shipment",
    "ShipmentProduct",
    "Webhook",
]


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetime must carry a time zone offset")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_aware)]


class OrderchampModel(BaseModel):
    """Base of every Orderchamp model: camelCase aliases, frozen, tolerant of extra fields.

    Extra fields are ignored (not rejected) so that Orderchamp adding a field never breaks a
    running bridge.
    """

    model_config = ConfigDict(
        alias_generator=AliasGenerator(validation_alias=to_camel, serialization_alias=to_camel),
        populate_by_name=True,
        frozen=True,
        extra="ignore",
    )


class OrderStatus(StrEnum):
    """Every ``OrderStatus`` value Orderchamp documents."""

    DRAFT = "DRAFT"
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    AWAITING_ORDERCHAMP_APPROVAL = "AWAITING_ORDERCHAMP_APPROVAL"
    AWAITING_CONFIRMATION = "AWAITING_CONFIRMATION"
    AWAITING_FULFILMENT = "AWAITING_FULFILMENT"
    FULFILMENT_IN_PROGRESS = "FULFILMENT_IN_PROGRESS"
    AWAITING_SHIPMENT = "AWAITING_SHIPMENT"
    AWAITING_DROP_OFF = "AWAITING_DROP_OFF"
    AWAITING_DELIVERY = "AWAITING_DELIVERY"
    COMPLETED = "COMPLETED"
    CANCELLATION_REQUESTED = "CANCELLATION_REQUESTED"
    CANCELLED = "CANCELLED"
    BLOCKED = "BLOCKED"
    ATTENTION_REQUIRED = "ATTENTION_REQUIRED"
    ISSUE_REPORTED = "ISSUE_REPORTED"


class Account(OrderchampModel):
    """The account that owns the token (``type`` is ``SUPPLIER`` for a supplier)."""

    id: str
    name: str | None = None
    type: str | None = None
    slug: str | None = None


class Address(OrderchampModel):
    """A postal address; Dutch addresses keep the house number (with any addition) separate."""

    company_name: str | None = None
    name: str | None = None
    street: str | None = None
    house_number: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


class Customer(OrderchampModel):
    """A retailer (customer) of the supplier."""

    id: str
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    vat_number: str | None = None
    locale: str | None = None
    channel: str | None = None
    address: Address | None = None


class OrderProduct(OrderchampModel):
    """One order line. ``unshipped_quantity`` is what is still to ship."""

    id: str
    sku: str | None = None
    title: str | None = None
    quantity: int
    unshipped_quantity: int | None = None
    unit_price: Decimal | None = None
    subtotal_price: Decimal | None = None
    tax_price: Decimal | None = None
    total_price: Decimal | None = None


class ShipmentProduct(OrderchampModel):
    """A line of a shipment: which order line, and how many of it."""

    order_product_id: str
    sku: str | None = None
    quantity: int

    @classmethod
    def from_wire(cls, node: dict[str, Any]) -> ShipmentProduct:
        """Build from the wire shape ``{orderProduct {id sku} quantity}``."""
        product = node.get("orderProduct") or {}
        return cls(order_product_id=product.get("id"), sku=product.get("sku"),
                   quantity=node["quantity"])


class Shipment(OrderchampModel):
    """A shipment of (part of) an order, created then shipped."""

    id: str
    method: str | None = None
    weight: int | None = None
    is_tracked: bool | None = None
    is_shipped: bool | None = None
    shipped_at: AwareDatetime | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    carrier: str | None = None
    estimated_transit_days: int | None = None
    products: tuple[ShipmentProduct, ...] = ()


class Invoice(OrderchampModel):
    """An invoice attached to an order (direct, supplier or commission invoice)."""

    id: str
    number: str | None = None
    type: str | None = None
    created_at: AwareDatetime | None = None
    currency: str | None = None
    subtotal_price: Decimal | None = None
    tax_price: Decimal | None = None
    total_price: Decimal | None = None
    pdf_url: str | None = None
    order_id: str | None = None


class Order(OrderchampModel):
    """An Orderchamp order. ``products`` holds every line once the client has paged them all."""

    id: str
    number: str
    reference: str | None = None
    note: str | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    is_test: bool | None = None
    status: OrderStatus | None = None
    is_confirmed: bool | None = None
    is_cancelled: bool | None = None
    is_fulfilled: bool | None = None
    is_paid: bool | None = None
    confirmed_at: AwareDatetime | None = None
    cancelled_at: AwareDatetime | None = None
    cancellation_reason: str | None = None
    cancellation_message: str | None = None
    paid_at: AwareDatetime | None = None
    payment_status: str | None = None
    delivered_at: AwareDatetime | None = None
    estimated_delivery_at: AwareDatetime | None = None
    company_name: str | None = None
    company_phone: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    vat_number: str | None = None
    is_tax_shifted: bool | None = None
    customer: Customer | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    ship_directly_to_customer: bool | None = None
    currency: str | None = None
    total_price: Decimal | None = None
    subtotal_price: Decimal | None = None
    tax_price: Decimal | None = None
    retailer_shipping_price: Decimal | None = None
    shipping_method: str | None = None
    commission_percentage: Decimal | None = None
    commission_price: Decimal | None = None
    products_count: int | None = None
    products: tuple[OrderProduct, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    invoices: tuple[Invoice, ...] = ()

    @property
    def is_fulfillable(self) -> bool:
        """Only confirmed and not cancelled orders may be fulfilled (Orderchamp's rule).

        ``CANCELLATION_REQUESTED`` is not yet cancelled, but the bridge must not start new
        fulfilment work on it either.
        """
        return (
            bool(self.is_confirmed)
            and not self.is_cancelled
            and self.status not in (OrderStatus.CANCELLED, OrderStatus.CANCELLATION_REQUESTED)
        )


class OrderChange(OrderchampModel):
    """What reconciliation's cheap first step reads of an order: enough to compare it with the
    ledger and to size the fetch of its details."""

    id: str
    updated_at: AwareDatetime
    is_cancelled: bool | None = None
    products_count: int | None = None


class Location(OrderchampModel):
    """A stock location of the supplier."""

    id: str
    name: str | None = None
    is_primary: bool | None = None


class InventoryLevel(OrderchampModel):
    """Stock of one variant at one location."""

    id: str
    quantity: int | None = None
    available_quantity: int | None = None
    location: Location | None = None
    sku: str | None = None


class ProductVariant(OrderchampModel):
    """A sellable variant; only variants hold stock."""

    id: str
    sku: str
    title: str | None = None
    inventory_quantity: int | None = None
    inventory_policy: str | None = None


class Webhook(OrderchampModel):
    """A webhook subscription."""

    id: str
    topic: str
    endpoint: str
    template: str | None = None
