"""The sandbox's in-memory objects: plain slotted dataclasses, resolved by attribute name.

GraphQL field ``fooBar`` resolves to attribute ``foo_bar`` (see ``graphql_api``); a field that has
no attribute resolves to null, which is exactly what a renamed field in a test schema should do.
Objects refer to each other directly (a line to its order, a shipment item to its line), so
resolving never needs a lookup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from oc_bridge.sandbox.ids import money

__all__ = [
    "Account",
    "Address",
    "Customer",
    "InventoryLevel",
    "Invoice",
    "Location",
    "Order",
    "OrderLine",
    "ProductVariant",
    "Shipment",
    "ShipmentItem",
    "UserError",
    "Webhook",
]


@dataclass(slots=True)
class UserError:
    """A business-rule refusal: the input path at fault and a message."""

    field: list[str] | None
    message: str


@dataclass(slots=True)
class Account:
    """The supplier account the token belongs to."""

    id: str
    name: str
    type: str
    slug: str


@dataclass(slots=True)
class Address:
    """A postal address; Dutch house numbers (with additions such as ``12A``) kept separate."""

    company_name: str | None
    name: str | None
    street: str | None
    house_number: str | None
    address_line2: str | None
    postal_code: str | None
    city: str | None
    country: str | None


@dataclass(slots=True)
class Customer:
    """A retailer buying from the supplier, in one sales channel."""

    seq: int
    id: str
    company_name: str
    email: str
    phone: str | None
    vat_number: str | None
    locale: str
    channel: str
    address: Address
    first_name: str
    last_name: str


@dataclass(slots=True)
class Location:
    """A stock location of the supplier."""

    id: str
    name: str
    is_primary: bool


@dataclass(slots=True)
class InventoryLevel:
    """Stock of one variant at one location."""

    seq: int
    id: str
    quantity: int
    location: Location
    product_variant: ProductVariant

    @property
    def available_quantity(self) -> int:
        """What can still be sold: never below zero."""
        return max(self.quantity, 0)


@dataclass(slots=True)
class ProductVariant:
    """A sellable SKU of the supplier's catalogue."""

    seq: int
    id: str
    sku: str
    title: str
    unit_price: Decimal
    inventory_policy: str
    inventory_levels: list[InventoryLevel] = field(default_factory=list)

    @property
    def inventory_quantity(self) -> int:
        """Total stock over all locations."""
        return sum(level.quantity for level in self.inventory_levels)


@dataclass(slots=True)
class OrderLine:
    """One line of an order (``OrderProduct`` in the API); prices kept in sync by ``reprice``."""

    seq: int
    id: str
    order: Order
    sku: str | None
    title: str | None
    quantity: int
    unshipped_quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    subtotal_price: Decimal = Decimal("0.00")
    tax_price: Decimal = Decimal("0.00")
    total_price: Decimal = Decimal("0.00")

    def reprice(self) -> None:
        """Recompute subtotal, tax and total from unit price, quantity and tax rate."""
        self.subtotal_price = self.unit_price * self.quantity
        self.tax_price = money(self.subtotal_price * self.tax_rate)
        self.total_price = self.subtotal_price + self.tax_price


@dataclass(slots=True)
class ShipmentItem:
    """A quantity of one order line inside a shipment (``ShipmentProduct``)."""

    seq: int
    order_product: OrderLine
    quantity: int


@dataclass(slots=True)
class Shipment:
    """A parcel (or set of parcels) sent for an order."""

    seq: int
    id: str
    order: Order
    method: str
    weight: int | None
    created_at: datetime
    items: list[ShipmentItem] = field(default_factory=list)
    is_tracked: bool = False
    is_shipped: bool = False
    shipped_at: datetime | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    carrier: str | None = None
    estimated_transit_days: int | None = None


@dataclass(slots=True)
class Invoice:
    """An invoice on an order; ``pdf_path`` is relative to the sandbox's base URL."""

    seq: int
    id: str
    number: str
    type: str
    created_at: datetime
    currency: str
    subtotal_price: Decimal
    tax_price: Decimal
    total_price: Decimal
    pdf_path: str
    order: Order


@dataclass(slots=True)
class Order:
    """A retailer's wholesale order with its lines, shipments and invoices."""

    seq: int
    id: str
    number: str
    created_at: datetime
    updated_at: datetime
    status: str
    customer: Customer
    shipping_address: Address
    billing_address: Address
    channel: str
    reference: str | None = None
    note: str | None = None
    is_test: bool = False
    is_confirmed: bool = False
    is_cancelled: bool = False
    is_fulfilled: bool = False
    is_paid: bool = False
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancellation_reason: str | None = None
    cancellation_message: str | None = None
    paid_at: datetime | None = None
    payment_status: str | None = None
    payment_description: str | None = None
    delivered_at: datetime | None = None
    estimated_delivery_at: datetime | None = None
    company_name: str | None = None
    company_phone: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    vat_number: str | None = None
    is_tax_shifted: bool = False
    ship_directly_to_customer: bool = False
    currency: str = "EUR"
    subtotal_price: Decimal = Decimal("0.00")
    tax_price: Decimal = Decimal("0.00")
    total_price: Decimal = Decimal("0.00")
    retailer_shipping_price: Decimal = Decimal("0.00")
    shipping_method: str | None = None
    commission_percentage: Decimal = Decimal("0.00")
    commission_price: Decimal = Decimal("0.00")
    tax_rate: Decimal = Decimal("0.21")
    lines: list[OrderLine] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)

    @property
    def products_count(self) -> int:
        """Number of lines."""
        return len(self.lines)

    def reprice(self) -> None:
        """Recompute order totals from the lines (shipping is taxed like the goods)."""
        subtotal = sum((line.subtotal_price for line in self.lines), Decimal("0.00"))
        tax = sum((line.tax_price for line in self.lines), Decimal("0.00"))
        tax += money(self.retailer_shipping_price * self.tax_rate)
        self.subtotal_price = subtotal
        self.tax_price = tax
        self.total_price = subtotal + self.retailer_shipping_price + tax
        self.commission_price = money(subtotal * self.commission_percentage / 100)


@dataclass(slots=True)
class Webhook:
    """A webhook subscription."""

    seq: int
    id: str
    topic: str
    endpoint: str
    template: str
    created_at: datetime
