"""Deterministic sample data: catalogue, retailers (customers) and orders in every state.

Everything comes from one ``random.Random(seed)``, so a seed and an anchor time (``now``) give
the same data every time. Orders are generated oldest first; their numbers follow that order.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from oc_bridge.sandbox.ids import global_id, money, order_number
from oc_bridge.sandbox.model import (
    Address,
    Customer,
    InventoryLevel,
    Invoice,
    Location,
    Order,
    OrderLine,
    ProductVariant,
    Shipment,
    ShipmentItem,
)
from oc_bridge.sandbox.names import CATALOGUE, COUNTRIES, NOTES, CountryProfile

__all__ = ["Counters", "DataGenerator", "GeneratedData"]

VAT_RATE = Decimal("0.21")
ZERO = Decimal("0.00")
HISTORY_DAYS = 42
CARRIERS = (
    ("PostNL", "3SOCB{0:010d}", "https://jouw.postnl.nl/track-and-trace/{1}"),
    ("DHL", "JVGL{0:012d}", "https://www.dhl.com/nl-nl/home/tracking.html?tracking-id={1}"),
    ("DPD", "0{0:013d}", "https://tracking.dpd.de/status/nl_NL/parcel/{1}"),
)
CANCEL_REASONS = (
    ("OUT_OF_STOCK", "Sorry, the spring collection is sold out."),
    ("RETAILER_REQUEST", "Retailer asked to cancel: ordered twice."),
    ("PAYMENT_FAILED", "Payment could not be collected."),
)
# Status mix by order age; (status, weight)
_RECENT = (
    ("AWAITING_CONFIRMATION", 40),
    ("AWAITING_FULFILMENT", 52),
    ("CANCELLED", 4),
    ("FULFILMENT_IN_PROGRESS", 4),
)
_MIDDLE = (
    ("AWAITING_CONFIRMATION", 6),
    ("AWAITING_FULFILMENT", 68),
    ("CANCELLED", 7),
    ("FULFILMENT_IN_PROGRESS", 4),
    ("AWAITING_DELIVERY", 13),
    ("COMPLETED", 2),
)
_OLD = (
    ("AWAITING_CONFIRMATION", 2),
    ("AWAITING_FULFILMENT", 50),
    ("CANCELLED", 8),
    ("FULFILMENT_IN_PROGRESS", 3),
    ("AWAITING_DELIVERY", 22),
    ("COMPLETED", 15),
)
_CHANNELS = (("MARKETPLACE", 75), ("DROPSHIPPING", 10), ("PORTAL", 15))


@dataclass
class Counters:
    """Next sequence number per object type (shared by generation and later mutations)."""

    order: int = 0
    line: int = 0
    shipment: int = 0
    shipment_item: int = 0
    invoice: int = 0
    customer: int = 0
    variant: int = 0
    inventory_level: int = 0
    webhook: int = 0

    def next(self, name: str) -> int:
        """Increment and return the counter ``name``."""
        value: int = getattr(self, name) + 1
        setattr(self, name, value)
        return value


@dataclass
class GeneratedData:
    """The generated world, ready to be indexed by the state."""

    locations: list[Location]
    variants: list[ProductVariant]
    customers: list[Customer]
    orders: list[Order]
    counters: Counters
    anchor: datetime
    all_invoices: list[Invoice] = field(default_factory=list)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _slug(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in _ascii(text).lower())
    return "-".join(part for part in cleaned.split("-") if part)


class DataGenerator:
    """Builds catalogue, retailers and orders; also used for orders created later on demand."""

    def __init__(self, seed: int, anchor: datetime, large_order_rate: float = 0.01) -> None:
        self.rng = random.Random(seed)
        self.anchor = anchor
        self.large_order_rate = large_order_rate
        self.counters = Counters()
        self.location = Location(global_id("Location", 1), "Warehouse Utrecht", True)
        self.variants: list[ProductVariant] = []
        self.customers: list[Customer] = []
        self.invoices: list[Invoice] = []

    # --- catalogue and retailers --------------------------------------------------------------

    def build_catalogue(self) -> list[ProductVariant]:
        """A few hundred variants with titles, wholesale prices and stock at one location."""
        rng = self.rng
        for index, (code, title, (low, high), options) in enumerate(CATALOGUE):
            product_no = 1001 + index
            editions = ("", "Mini") if index % 2 == 0 else ("",)
            for edition in editions:
                for option in options:
                    cents = rng.randint(low // 10, high // 10) * 10 - (
                        5 if rng.random() < 0.3 else 0
                    )
                    if edition:
                        cents = max(95, cents * 6 // 10)
                    words = re.findall(r"[A-Za-z0-9]+", _ascii(option))
                    option_code = "".join(word[:4].upper() for word in words)[:10]
                    sku = f"NZ-{code}{product_no}-{option_code}{'-MINI' if edition else ''}"
                    seq = self.counters.next("variant")
                    label = f"{title} - {option}" + (f" ({edition})" if edition else "")
                    variant = ProductVariant(
                        seq=seq,
                        id=global_id("ProductVariant", seq),
                        sku=sku,
                        title=label,
                        unit_price=Decimal(cents).scaleb(-2),
                        inventory_policy="CONTINUE" if rng.random() < 0.15 else "DENY",
                    )
                    quantity = 0 if rng.random() < 0.06 else rng.randint(5, 480)
                    level_seq = self.counters.next("inventory_level")
                    variant.inventory_levels.append(
                        InventoryLevel(
                            seq=level_seq,
                            id=global_id("InventoryLevel", level_seq),
                            quantity=quantity,
                            location=self.location,
                            product_variant=variant,
                        )
                    )
                    self.variants.append(variant)
        if len({v.sku for v in self.variants}) != len(self.variants):
            raise RuntimeError("the catalogue has duplicate SKUs")
        return self.variants

    def _postal_code(self, country: CountryProfile, stem: str) -> str:
        rng = self.rng
        if country.code == "NL":
            letters = "".join(rng.choice("ABCDEGHJKLMNPRSTVWXZ") for _ in range(2))
            return f"{stem}{rng.randint(10, 99)} {letters}"
        if country.code in ("DE", "FR"):
            return stem + "".join(str(rng.randint(0, 9)) for _ in range(5 - len(stem)))
        if country.code == "LU":
            return "L-" + stem + "".join(str(rng.randint(0, 9)) for _ in range(3))
        return stem[:2] + "".join(str(rng.randint(0, 9)) for _ in range(4 - len(stem[:2])))

    def _house_number(self) -> str:
        rng = self.rng
        number = str(rng.randint(1, 240))
        roll = rng.random()
        if roll < 0.12:
            return number + rng.choice("ABC")
        if roll < 0.2:
            return f"{number}-{rng.randint(1, 3)}"
        if roll < 0.23:
            return f"{number} hs"
        return number

    def _phone(self, country: CountryProfile) -> str:
        rng = self.rng
        digits = "".join(str(rng.randint(0, 9)) for _ in range(7))
        area = (
            rng.choice(("20", "10", "30", "6", "40"))
            if country.code == "NL"
            else str(rng.randint(1, 89))
        )
        return f"{country.phone_prefix} {area} {digits}"

    def _vat_number(self, country: CountryProfile) -> str | None:
        rng = self.rng

        def digits(n: int) -> str:
            return "".join(str(rng.randint(0, 9)) for _ in range(n))

        if rng.random() < 0.04:
            return None  # small retailers without a VAT number exist (never tax-shifted)
        return {
            "NL": lambda: f"NL{digits(9)}B{rng.choice(('01', '01', '02'))}",
            "BE": lambda: f"BE0{digits(9)}",
            "DE": lambda: f"DE{digits(9)}",
            "FR": lambda: f"FR{digits(2)}{digits(9)}",
            "AT": lambda: f"ATU{digits(8)}",
            "LU": lambda: f"LU{digits(8)}",
        }[country.code]()

    def _address(
        self, country: CountryProfile, place: tuple[str, str], company: str | None, name: str
    ) -> Address:
        rng = self.rng
        city, stem = place
        return Address(
            company_name=company,
            name=name,
            street=rng.choice(country.streets),
            house_number=self._house_number(),
            address_line2=rng.choice(("", "", "", "", "2e verdieping", "Achteringang")) or None,
            postal_code=self._postal_code(country, stem),
            city=city,
            country=country.code,
        )

    def new_customer(self, channel: str | None = None) -> Customer:
        """One retailer: company, contact, address, VAT number, in a sales channel."""
        rng = self.rng
        country = rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]
        first = rng.choice(country.first_names)
        last = rng.choice(country.last_names)
        roll = rng.random()
        place = rng.choice(country.cities)
        city_name = place[0]
        if roll < 0.5:
            company = rng.choice(country.shop_words)
        elif roll < 0.75:
            company = f"{rng.choice(country.shop_words)} {city_name}"
        else:
            company = f"{rng.choice(country.shop_kinds)} {last}"
        legal = rng.choice(country.legal_forms)
        if legal:
            company = f"{company} {legal}"
        seq = self.counters.next("customer")
        domain = (_slug(company.rsplit(" ", 1)[0] if legal else company) or "shop").replace(
            "-", ""
        )[:24]
        email_local = rng.choice(
            (_slug(first), "info", "inkoop" if country.code in ("NL", "BE") else "shop", "hello")
        )
        customer = Customer(
            seq=seq,
            id=global_id("Customer", seq),
            company_name=company,
            email=f"{email_local}@{domain}.{country.tld}",
            phone=self._phone(country),
            vat_number=self._vat_number(country),
            locale=rng.choice(country.locales),
            channel=channel
            or rng.choices([c for c, _ in _CHANNELS], weights=[w for _, w in _CHANNELS])[0],
            address=self._address(country, place, company, f"{first} {last}"),
            first_name=first,
            last_name=last,
        )
        self.customers.append(customer)
        return customer

    # --- orders -------------------------------------------------------------------------------

    def _line_count(self) -> int:
        rng = self.rng
        if rng.random() < self.large_order_rate:
            return rng.randint(101, 160)
        if rng.random() < 0.05:
            return rng.randint(1, 2)
        return max(3, min(15, round(rng.gauss(7.1, 3.0))))

    def new_order(
        self,
        created_at: datetime,
        customer: Customer,
        *,
        line_count: int | None = None,
        skus: list[str] | None = None,
    ) -> Order:
        """An unconfirmed order (``AWAITING_CONFIRMATION``) with priced lines."""
        rng = self.rng
        seq = self.counters.next("order")
        address = customer.address
        is_tax_shifted = address.country != "NL" and customer.vat_number is not None
        billing = address
        if rng.random() < 0.15:
            billing = Address(
                address.company_name,
                "Administratie",
                rng.choice(next(c for c in COUNTRIES if c.code == address.country).streets),
                str(rng.randint(1, 99)),
                None,
                address.postal_code,
                address.city,
                address.country,
            )
        order = Order(
            seq=seq,
            id=global_id("Order", seq),
            number=order_number(seq),
            created_at=created_at,
            updated_at=created_at,
            status="AWAITING_CONFIRMATION",
            customer=customer,
            shipping_address=address,
            billing_address=billing,
            channel=customer.channel,
            reference=(
                f"PO-{created_at:%Y}-{rng.randint(1, 999):04d}" if rng.random() < 0.4 else None
            ),
            note=rng.choice(NOTES) if rng.random() < 0.12 else None,
            payment_status="PENDING",
            company_name=customer.company_name,
            company_phone=customer.phone,
            email=customer.email,
            first_name=customer.first_name,
            last_name=customer.last_name,
            vat_number=customer.vat_number,
            is_tax_shifted=is_tax_shifted,
            ship_directly_to_customer=customer.channel == "DROPSHIPPING",
            shipping_method=rng.choice(("ORDERCHAMP", "ORDERCHAMP", "SHIP_YOURSELF")),
            commission_percentage=Decimal("0.00")
            if customer.channel == "PORTAL"
            else Decimal("20.00"),
            tax_rate=ZERO if is_tax_shifted else VAT_RATE,
        )
        if skus:
            by_sku = {v.sku: v for v in self.variants}
            unknown = [s for s in skus if s not in by_sku]
            if unknown:
                raise ValueError(f"unknown SKU(s): {', '.join(unknown)}")
            chosen = [by_sku[s] for s in skus]
        else:
            count = line_count if line_count is not None else self._line_count()
            count = max(1, min(count, len(self.variants)))
            chosen = rng.sample(self.variants, count)
        for variant in chosen:
            self.add_line(order, variant, rng.choice((1, 2, 2, 3, 4, 6, 6, 6, 12, 12, 24)))
        self.reprice(order)
        return order

    def add_line(self, order: Order, variant: ProductVariant, quantity: int) -> OrderLine:
        """Append a priced line for ``quantity`` of ``variant``."""
        seq = self.counters.next("line")
        line = OrderLine(
            seq=seq,
            id=global_id("OrderProduct", seq),
            order=order,
            sku=variant.sku,
            title=variant.title,
            quantity=quantity,
            unshipped_quantity=quantity,
            unit_price=variant.unit_price,
            tax_rate=order.tax_rate,
        )
        line.reprice()
        order.lines.append(line)
        return line

    def reprice(self, order: Order) -> None:
        """Shipping (free from EUR 250) and totals."""
        subtotal = sum((line.subtotal_price for line in order.lines), ZERO)
        if subtotal >= 250:
            order.retailer_shipping_price = ZERO
        else:
            home = order.shipping_address.country == "NL"
            order.retailer_shipping_price = Decimal("9.95") if home else Decimal("14.95")
        order.reprice()

    def new_invoice(self, order: Order, kind: str, at: datetime) -> Invoice:
        """An invoice of ``kind`` for ``order``, created at ``at``."""
        seq = self.counters.next("invoice")
        if kind == "COMMISSION_INVOICE":
            subtotal = order.commission_price
            tax = money(subtotal * VAT_RATE)
        else:
            subtotal = order.subtotal_price + order.retailer_shipping_price
            tax = order.tax_price
        invoice = Invoice(
            seq=seq,
            id=global_id("Invoice", seq),
            number=f"INV-{at:%Y}-{seq:06d}",
            type=kind,
            created_at=at,
            currency=order.currency,
            subtotal_price=subtotal,
            tax_price=tax,
            total_price=subtotal + tax,
            pdf_path=f"/invoices/{global_id('Invoice', seq)}.pdf",
            order=order,
        )
        order.invoices.append(invoice)
        self.invoices.append(invoice)
        return invoice

    def new_shipment(
        self,
        order: Order,
        lines: list[tuple[OrderLine, int]],
        at: datetime,
        method: str,
        weight: int | None,
    ) -> Shipment:
        """A shipment for the given line quantities (decrements ``unshipped_quantity``)."""
        seq = self.counters.next("shipment")
        shipment = Shipment(
            seq=seq,
            id=global_id("Shipment", seq),
            order=order,
            method=method,
            weight=weight,
            created_at=at,
        )
        for line, quantity in lines:
            line.unshipped_quantity -= quantity
            shipment.items.append(ShipmentItem(self.counters.next("shipment_item"), line, quantity))
        order.shipments.append(shipment)
        return shipment

    def _ship(self, shipment: Shipment, at: datetime) -> None:
        rng = self.rng
        carrier, number_format, url_format = rng.choice(CARRIERS)
        number = number_format.format(rng.randint(0, 10**9))
        shipment.is_shipped = True
        shipment.shipped_at = at
        shipment.is_tracked = True
        shipment.carrier = carrier
        shipment.tracking_number = number
        shipment.tracking_url = url_format.format(number, number)
        shipment.estimated_transit_days = rng.randint(1, 3)

    def _age_weights(self, age: timedelta) -> tuple[tuple[str, int], ...]:
        if age < timedelta(days=4):
            return _RECENT
        if age < timedelta(days=18):
            return _MIDDLE
        return _OLD

    def _develop(self, order: Order, status: str) -> None:
        """Move a fresh order through its history up to ``status``, with plausible times."""
        rng = self.rng
        limit = self.anchor - timedelta(minutes=1)

        def later(start: datetime, low_h: float, high_h: float) -> datetime:
            moment = start + timedelta(seconds=int(rng.uniform(low_h, high_h) * 3600))
            return min(moment, limit)

        if status == "CANCELLED" and rng.random() < 0.6:
            at = later(order.created_at, 1, 72)
            order.status, order.is_cancelled, order.cancelled_at = "CANCELLED", True, at
            order.cancellation_reason, order.cancellation_message = rng.choice(CANCEL_REASONS)
            order.updated_at = at
            return
        if status == "AWAITING_CONFIRMATION":
            order.is_paid = order.channel != "PORTAL" and rng.random() < 0.3
            if order.is_paid:
                order.paid_at, order.payment_status = order.created_at, "PAID"
            if rng.random() < 0.3:
                order.updated_at = later(order.created_at, 0.1, 20)
            return
        confirmed = later(order.created_at, 0.5, 60)
        order.is_confirmed, order.confirmed_at = True, confirmed
        order.status = "AWAITING_FULFILMENT"
        order.is_paid, order.paid_at, order.payment_status = True, confirmed, "PAID"
        if order.channel == "PORTAL" and rng.random() < 0.25:
            order.is_paid, order.paid_at, order.payment_status = False, None, "PENDING"
        order.estimated_delivery_at = confirmed + timedelta(days=rng.randint(3, 10))
        self.new_invoice(order, "DIRECT_INVOICE", confirmed)
        order.updated_at = confirmed
        if status == "CANCELLED":
            at = later(confirmed, 1, 48)
            order.status, order.is_cancelled, order.cancelled_at = "CANCELLED", True, at
            order.cancellation_reason, order.cancellation_message = rng.choice(CANCEL_REASONS)
            order.payment_status = "REFUNDED"
            order.updated_at = at
            return
        if status == "AWAITING_FULFILMENT":
            return
        shipped_at = later(confirmed, 2, 96)
        method = order.shipping_method or "ORDERCHAMP"
        if status == "FULFILMENT_IN_PROGRESS":
            part = order.lines[: max(1, len(order.lines) // 2)]
            shipment = self.new_shipment(
                order,
                [(ln, ln.quantity) for ln in part],
                shipped_at,
                method,
                rng.randint(500, 9000),
            )
            if rng.random() < 0.5:
                self._ship(shipment, shipped_at)
            order.status, order.updated_at = "FULFILMENT_IN_PROGRESS", shipped_at
            return
        if len(order.lines) > 6 and rng.random() < 0.3:
            cut = len(order.lines) // 2
            groups = [order.lines[:cut], order.lines[cut:]]
        else:
            groups = [order.lines]
        for group in groups:
            shipment = self.new_shipment(
                order,
                [(ln, ln.quantity) for ln in group],
                shipped_at,
                method,
                rng.randint(500, 15000),
            )
            self._ship(shipment, shipped_at)
        order.status, order.is_fulfilled, order.updated_at = "AWAITING_DELIVERY", True, shipped_at
        if order.channel != "PORTAL":
            self.new_invoice(order, "COMMISSION_INVOICE", shipped_at)
        if status == "COMPLETED":
            delivered = later(shipped_at, 20, 120)
            order.status, order.delivered_at, order.updated_at = "COMPLETED", delivered, delivered

    def build_orders(self, count: int) -> list[Order]:
        """``count`` orders created over the last six weeks, oldest first, statuses mixed."""
        rng = self.rng
        pool_size = max(12, min(2500, count // 4))
        customers = [self.new_customer() for _ in range(pool_size)]
        span = HISTORY_DAYS * 86400
        offsets = sorted(rng.randint(3600, span) for _ in range(count))
        orders = []
        for offset in reversed(offsets):
            created = self.anchor - timedelta(seconds=offset)
            order = self.new_order(created, rng.choice(customers))
            status = rng.choices(*zip(*self._age_weights(self.anchor - created), strict=True))[0]
            self._develop(order, status)
            orders.append(order)
        return orders

    def pad_catalogue(self, size: int) -> None:
        """Add plain ``NZ-BULK-NNNNN`` variants until the catalogue has ``size`` of them (for
        stock tests at scale). Runs after the orders, so they stay the same for a seed."""
        number = 0
        while len(self.variants) < size:
            number += 1
            seq = self.counters.next("variant")
            variant = ProductVariant(seq=seq, id=global_id("ProductVariant", seq),
                                     sku=f"NZ-BULK-{number:05d}", title=f"Bulk item {number}",
                                     unit_price=Decimal("1.00"), inventory_policy="DENY")
            level_seq = self.counters.next("inventory_level")
            variant.inventory_levels.append(InventoryLevel(
                seq=level_seq, id=global_id("InventoryLevel", level_seq), quantity=0,
                location=self.location, product_variant=variant))
            self.variants.append(variant)

    def generate(self, orders: int, catalogue_size: int = 0) -> GeneratedData:
        """The whole world for ``orders`` orders (and at least ``catalogue_size`` variants)."""
        variants = self.build_catalogue()
        built = self.build_orders(orders)
        self.pad_catalogue(catalogue_size)
        return GeneratedData(
            locations=[self.location],
            variants=variants,
            customers=self.customers,
            orders=built,
            counters=self.counters,
            anchor=self.anchor,
            all_invoices=self.invoices,
        )
