"""Test helpers shared by the ShipStation tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from oc_bridge.canonical import FulfilmentAddress, FulfilmentLine, FulfilmentOrder

NOW = datetime(2026, 6, 15, 18, 0, tzinfo=UTC)


class WallClock:
    """The adapter's ``now()``: settable in tests."""

    def __init__(self, value: datetime = NOW) -> None:
        self.value = value

    def __call__(self) -> datetime:
        return self.value


def make_order(ref: str = "Order:1", number: str = "1001", *,
               lines: int | tuple[FulfilmentLine, ...] = 2, revision: int = 1,
               country: str = "NL", sku: str = "SKU",
               **changes: Any) -> FulfilmentOrder:
    """A realistic canonical order with ``lines`` lines (line ids ``<ref>/L<n>``)."""
    address = FulfilmentAddress(
        company="Winkel de Vries", first_name="Anna", last_name="de Vries",
        street="Keizersgracht", house_number="12", house_number_addition="A",
        postal_code="1015 CX", city="Amsterdam", country=country, phone="+31201234567",
        email="anna@example.nl")
    data: dict[str, Any] = {
        "reference": ref, "number": number, "revision": revision,
        "order_date": datetime(2026, 6, 1, 9, 30, tzinfo=UTC), "retailer_reference": "PO-77",
        "notes": "Leave at the back door", "shipping_method": "standard", "currency": "EUR",
        "total_price": Decimal("123.40"), "email": "anna@example.nl",
        "ship_to": address, "bill_to": address,
        "lines": lines if isinstance(lines, tuple) else tuple(
            FulfilmentLine(line_ref=f"{ref}/L{n}", sku=f"{sku}-{n}", name=f"Mug {n}",
                           quantity=n, unit_price=Decimal("4.50"), currency="EUR")
            for n in range(1, lines + 1)),
    }
    data.update(changes)
    return FulfilmentOrder(**data)
